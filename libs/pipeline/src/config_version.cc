#include "kensa/pipeline/config_version.h"

#include <algorithm>
#include <filesystem>

#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"

namespace kensa::pipeline {

namespace {
constexpr const char* kKensaVersion = "0.1.0";
// Rule files are text of a few MB at most; a larger file is not a rule.
constexpr std::uint64_t kMaxRuleFileBytes = 64ull << 20;
}  // namespace

Result<std::string> RulesConfigVersion(const std::vector<std::string>& rule_dirs) {
  std::string digest_input;
  for (const auto& dir : rule_dirs) {
    std::vector<std::string> files;
    std::error_code error;
    std::filesystem::recursive_directory_iterator it(dir, error), end;
    if (error) return NotFoundError("cannot read rules folder " + dir + ": " + error.message());
    for (; it != end; it.increment(error)) {
      if (error) return UnavailableError("cannot read rules folder " + dir + ": " + error.message());
      if (it->is_regular_file(error)) files.push_back(it->path().string());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      KENSA_ASSIGN_OR_RETURN(const Bytes bytes, ReadFileBounded(file, kMaxRuleFileBytes));
      digest_input += std::filesystem::relative(file, dir).string();
      digest_input += '\0';
      digest_input += hashing::Sha256Hex(bytes);
      digest_input += '\n';
    }
  }
  const auto* data = reinterpret_cast<const std::uint8_t*>(digest_input.data());
  return std::string(kKensaVersion) + "-" + hashing::Sha256Hex(ByteSpan(data, digest_input.size())).substr(0, 16);
}

}  // namespace kensa::pipeline
