#include "velociraptor_container.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>

#include "kensa/core/bytes.h"

namespace kensa::collection::foreign {

namespace {

constexpr char kData[] = "data.zip";
constexpr char kMetadata[] = "metadata.json";
// An RSA-4096 ciphertext is 512 bytes; base64 of anything much longer is not a wrapped password.
constexpr std::size_t kMaxEncryptedPassChars = 4096;

struct KeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct ContextDeleter {
  void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

// OpenSSL would ask on the terminal for the passphrase of an encrypted key; never ask.
int NoPassphrase(char*, int, int, void*) { return -1; }

std::optional<Bytes> DecodeBase64(const std::string& text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > kMaxEncryptedPassChars) return std::nullopt;
  Bytes out(text.size() / 4 * 3);
  const int written = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as zero bytes.
  std::size_t size = static_cast<std::size_t>(written);
  if (text.ends_with("==")) size -= 2;
  else if (text.ends_with("=")) size -= 1;
  out.resize(size);
  return out;
}

std::optional<std::string> OaepSha512Decrypt(const std::string& pem, const Bytes& ciphertext) {
  std::unique_ptr<BIO, BioDeleter> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return std::nullopt;
  std::unique_ptr<EVP_PKEY, KeyDeleter> key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key || EVP_PKEY_base_id(key.get()) != EVP_PKEY_RSA) return std::nullopt;
  std::unique_ptr<EVP_PKEY_CTX, ContextDeleter> context(EVP_PKEY_CTX_new(key.get(), nullptr));
  // Go's rsa.DecryptOAEP(sha512.New(), ...) hashes the label and MGF1 with the same SHA-512.
  if (!context || EVP_PKEY_decrypt_init(context.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_OAEP_PADDING) <= 0 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(context.get(), EVP_sha512()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(context.get(), EVP_sha512()) <= 0) {
    return std::nullopt;
  }
  std::size_t size = 0;
  if (EVP_PKEY_decrypt(context.get(), nullptr, &size, ciphertext.data(), ciphertext.size()) <= 0) return std::nullopt;
  std::string plain(size, '\0');
  if (EVP_PKEY_decrypt(context.get(), reinterpret_cast<unsigned char*>(plain.data()), &size, ciphertext.data(),
                       ciphertext.size()) <= 0) {
    return std::nullopt;
  }
  plain.resize(size);
  return plain;
}

std::string StringField(const google::protobuf::Struct& row, const std::string& name) {
  const auto it = row.fields().find(name);
  return it != row.fields().end() && it->second.kind_case() == google::protobuf::Value::kStringValue
             ? it->second.string_value()
             : std::string();
}

}  // namespace

std::optional<ProtectedContainer> DetectProtectedContainer(const archive::ArchiveListing& listing) {
  if (listing.format != "zip") return std::nullopt;
  const archive::ArchiveMember* data = nullptr;
  const archive::ArchiveMember* metadata = nullptr;
  for (const auto& member : listing.members) {
    if (member.name == kData) data = &member;
    else if (member.name == kMetadata) metadata = &member;
    else return std::nullopt;  // a container holds nothing else
  }
  if (data == nullptr || !data->encrypted) return std::nullopt;
  ProtectedContainer container;
  if (metadata == nullptr || !metadata->extracted) return container;
  google::protobuf::ListValue rows;
  const std::string text(metadata->data.begin(), metadata->data.end());
  if (!google::protobuf::util::JsonStringToMessage(text, &rows).ok()) return container;
  // metadata.json may hold several rows; the one with a Scheme describes the encryption.
  for (const auto& value : rows.values()) {
    if (value.kind_case() != google::protobuf::Value::kStructValue) continue;
    const std::string scheme = StringField(value.struct_value(), "Scheme");
    if (scheme.empty()) continue;
    container.scheme = scheme;
    container.encrypted_pass = StringField(value.struct_value(), "EncryptedPass");
    break;
  }
  return container;
}

Result<std::string> DecryptContainerPassword(const ProtectedContainer& container,
                                             const std::vector<std::string>& private_keys_pem) {
  if (AsciiLower(container.scheme) != "x509" || container.encrypted_pass.empty()) {
    return FailedPreconditionError("the container's password is not wrapped for an X.509 key (scheme '" +
                                   container.scheme + "')");
  }
  if (private_keys_pem.empty()) {
    return FailedPreconditionError(
        "an X509-scheme Velociraptor container: give the private key of the certificate it was encrypted "
        "for (the Velociraptor server's Frontend key, or a server.config.yaml holding it)");
  }
  const auto ciphertext = DecodeBase64(container.encrypted_pass);
  if (!ciphertext) return InvalidArgumentError("metadata.json's EncryptedPass is not base64");
  for (const auto& pem : private_keys_pem) {
    if (auto password = OaepSha512Decrypt(pem, *ciphertext)) return *password;
  }
  return FailedPreconditionError("none of the " + std::to_string(private_keys_pem.size()) +
                                 " private key(s) given opens this X509-scheme Velociraptor container "
                                 "(it was encrypted for another certificate, or the key is passphrase-protected)");
}

std::vector<std::string> PrivateKeyBlocks(const std::string& text) {
  std::vector<std::string> blocks;
  std::string block;
  bool inside = false;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = std::min(text.find('\n', start), text.size());
    std::string_view line(text.data() + start, end - start);
    start = end + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    const bool begins = line.starts_with("-----BEGIN ") && line.ends_with("PRIVATE KEY-----");
    if (begins) {
      inside = true;
      block.clear();
    }
    if (!inside) continue;
    block.append(line).push_back('\n');
    if (line.starts_with("-----END ")) {
      blocks.push_back(block);
      inside = false;
    }
  }
  return blocks;
}

}  // namespace kensa::collection::foreign
