#include "api_keys.h"

#include <openssl/crypto.h>
#include <yaml-cpp/yaml.h>

#include <set>

#include "kensa/blob_store/blob_store.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"

namespace kensa::gateway {

namespace {
constexpr std::uint64_t kMaxKeyFileBytes = 4 << 20;
}  // namespace

Result<ApiKeyRing> ApiKeyRing::Load(const std::string& path) {
  if (path.empty()) return InvalidArgumentError("no API key file configured (api_keys_file)");
  KENSA_ASSIGN_OR_RETURN(const Bytes bytes, ReadFileBounded(path, kMaxKeyFileBytes));
  auto ring = Parse(std::string(bytes.begin(), bytes.end()));
  if (!ring) return InvalidArgumentError(path + ": " + ring.error().message());
  return ring;
}

Result<ApiKeyRing> ApiKeyRing::Parse(const std::string& yaml_text) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const std::exception& error) {
    return InvalidArgumentError(std::string("not YAML: ") + error.what());
  }
  if (!root.IsMap() || !root["keys"] || !root["keys"].IsSequence()) {
    return InvalidArgumentError("expected a mapping with a 'keys' list");
  }
  ApiKeyRing ring;
  std::set<std::string> digests;
  std::size_t index = 0;
  for (const auto& node : root["keys"]) {
    const std::string where = "keys[" + std::to_string(index++) + "]";
    if (!node.IsMap()) return InvalidArgumentError(where + ": expected a mapping");
    auto text = [&](const char* key) { return node[key] && node[key].IsScalar() ? node[key].Scalar() : std::string(); };
    Entry entry;
    entry.principal.name = text("name");
    entry.principal.tenant = text("tenant");
    entry.sha256 = text("sha256");
    const std::string role = text("role");
    if (entry.principal.name.empty()) return InvalidArgumentError(where + ": name is missing");
    if (entry.principal.tenant.empty()) return InvalidArgumentError(where + " (" + entry.principal.name + "): tenant is missing");
    if (role == "submitter") {
      entry.principal.role = Role::kSubmitter;
    } else if (role == "reader") {
      entry.principal.role = Role::kReader;
    } else {
      return InvalidArgumentError(where + " (" + entry.principal.name + "): role must be submitter or reader, not '" + role + "'");
    }
    if (!blob_store::IsSha256Hex(entry.sha256)) {
      return InvalidArgumentError(where + " (" + entry.principal.name + "): sha256 must be 64 lower-case hex digits");
    }
    if (!digests.insert(entry.sha256).second) {
      return InvalidArgumentError(where + " (" + entry.principal.name + "): the same key is listed twice");
    }
    ring.entries_.push_back(std::move(entry));
  }
  return ring;
}

std::optional<Principal> ApiKeyRing::Authenticate(const std::string& presented_key) const {
  if (presented_key.empty()) return std::nullopt;
  const auto* data = reinterpret_cast<const std::uint8_t*>(presented_key.data());
  const std::string digest = hashing::Sha256Hex(ByteSpan(data, presented_key.size()));
  std::optional<Principal> found;
  // Every entry is compared, in constant time, so timing says nothing about which key matched.
  for (const auto& entry : entries_) {
    if (CRYPTO_memcmp(entry.sha256.data(), digest.data(), digest.size()) == 0) found = entry.principal;
  }
  return found;
}

}  // namespace kensa::gateway
