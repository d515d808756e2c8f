#include "ecma376.h"

#include <algorithm>
#include <pugixml.hpp>

namespace kensa::offcrypto::internal {
namespace {

// [MS-OFFCRYPTO] 2.3.4.11 block keys of the password key encryptor.
constexpr std::uint8_t kVerifierInputBlockKey[8] = {0xfe, 0xa7, 0xd2, 0x76, 0x3b, 0x4b, 0x9e, 0x79};
constexpr std::uint8_t kVerifierValueBlockKey[8] = {0xd7, 0xaa, 0x0f, 0x6d, 0x30, 0x61, 0x34, 0x4e};
constexpr std::uint8_t kKeyValueBlockKey[8] = {0x14, 0x6e, 0x0b, 0xe7, 0xab, 0xac, 0xd0, 0xd6};
// [MS-OFFCRYPTO] 2.3.4.15: the package is encrypted in segments of this size.
constexpr std::size_t kAgileSegment = 4096;
constexpr std::size_t kPackageSizeField = 8;
// Longest CSP name kept (a MAX_PATH-ish UTF-16 string in real files).
constexpr std::size_t kMaxCspNameUnits = 260;
// Agile sizes beyond these are not AES: keys up to 256 bits, salts up to 64 bytes
// ([MS-OFFCRYPTO] 2.3.4.10 saltSize 1..65536, but every writer uses 16).
constexpr std::uint32_t kMaxKeyBits = 512;
constexpr std::size_t kMaxSaltBytes = 1024;

Bytes Le32(std::uint32_t value) {
  return {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
          static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
}

// 2.3.4.11/12: shorter than wanted is padded with 0x36, longer is cut.
Bytes FitTo(Bytes value, std::size_t size) {
  value.resize(size, 0x36);
  return value;
}

std::string_view LocalName(const pugi::xml_node& node) {
  std::string_view name = node.name();
  const std::size_t colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node Child(const pugi::xml_node& parent, std::string_view local_name) {
  for (pugi::xml_node child : parent.children()) {
    if (LocalName(child) == local_name) return child;
  }
  return {};
}

Result<Bytes> Base64Attribute(const pugi::xml_node& node, const char* name) {
  auto decoded = DecodeBase64(node.attribute(name).as_string());
  if (!decoded || decoded->empty()) {
    return InvalidArgumentError(std::string("agile EncryptionInfo: attribute ") + name +
                                " is missing or not base64");
  }
  return *decoded;
}

bool ValidAesSizes(std::uint32_t key_bits, std::uint32_t block_size) {
  return (key_bits == 128 || key_bits == 192 || key_bits == 256) && block_size == 16;
}

}  // namespace

Result<CryptoApiHeader> ParseCryptoApiHeader(ByteSpan data) {
  CryptoApiHeader header;
  const auto header_size = ReadLe<std::uint32_t>(data, 0);
  // 2.3.2: eight 32-bit fields before the CSP name.
  constexpr std::uint32_t kFixedHeader = 32;
  if (!header_size || *header_size < kFixedHeader || *header_size > data.size() - 4) {
    return InvalidArgumentError("EncryptionHeader size is out of range");
  }
  const ByteSpan fields = SubSpan(data, 4, *header_size);
  header.flags = ReadLe<std::uint32_t>(fields, 0).value_or(0);
  header.alg_id = ReadLe<std::uint32_t>(fields, 8).value_or(0);
  header.alg_id_hash = ReadLe<std::uint32_t>(fields, 12).value_or(0);
  header.key_bits = ReadLe<std::uint32_t>(fields, 16).value_or(0);
  header.provider_type = ReadLe<std::uint32_t>(fields, 20).value_or(0);
  const std::size_t name_units = std::min<std::size_t>((fields.size() - kFixedHeader) / 2,
                                                       kMaxCspNameUnits);
  header.csp_name = ReadUtf16Le(fields, kFixedHeader, name_units);
  if (const auto nul = header.csp_name.find('\0'); nul != std::string::npos) {
    header.csp_name.resize(nul);
  }
  // 2.3.3 EncryptionVerifier.
  const ByteSpan verifier = SubSpan(data, 4 + std::uint64_t{*header_size}, data.size());
  const auto salt_size = ReadLe<std::uint32_t>(verifier, 0);
  constexpr std::uint32_t kSaltSize = 16;  // 2.3.3: SaltSize MUST be 16
  if (!salt_size || *salt_size != kSaltSize || verifier.size() < 4 + 16 + 16 + 4) {
    return InvalidArgumentError("EncryptionVerifier is truncated or its salt is not 16 bytes");
  }
  const ByteSpan salt = SubSpan(verifier, 4, 16);
  const ByteSpan encrypted_verifier = SubSpan(verifier, 20, 16);
  header.salt.assign(salt.begin(), salt.end());
  header.encrypted_verifier.assign(encrypted_verifier.begin(), encrypted_verifier.end());
  header.verifier_hash_size = ReadLe<std::uint32_t>(verifier, 36).value_or(0);
  const ByteSpan hash = SubSpan(verifier, 40, verifier.size());
  // RC4 stores exactly the hash (20 bytes), AES rounds it up to its block size (32 bytes).
  constexpr std::size_t kMaxVerifierHash = 64;
  header.encrypted_verifier_hash.assign(hash.begin(),
                                        hash.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                           hash.size(), kMaxVerifierHash)));
  if (header.verifier_hash_size == 0 || header.verifier_hash_size > kMaxVerifierHash ||
      header.encrypted_verifier_hash.size() < header.verifier_hash_size) {
    return InvalidArgumentError("EncryptionVerifier hash is truncated");
  }
  return header;
}

std::string CipherName(const CryptoApiHeader& header) {
  switch (header.alg_id) {
    case 0x6801: return "RC4-" + std::to_string(header.key_bits == 0 ? 40 : header.key_bits);
    case 0x660E: return "AES-128";
    case 0x660F: return "AES-192";
    case 0x6610: return "AES-256";
    case 0: return "AES-" + std::to_string(header.key_bits);  // 2.3.2: 0 = by flags
    default: return "AlgID 0x" + HexNumber(header.alg_id);
  }
}

Result<AgileInfo> ParseAgileInfo(ByteSpan xml) {
  pugi::xml_document document;
  // No entities, no DTD: a hostile EncryptionInfo cannot expand.
  const pugi::xml_parse_result parsed =
      document.load_buffer(xml.data(), xml.size(), pugi::parse_default & ~pugi::parse_doctype);
  if (!parsed) {
    return InvalidArgumentError(std::string("agile EncryptionInfo is not XML: ") +
                                parsed.description());
  }
  const pugi::xml_node encryption = Child(document, "encryption");
  const pugi::xml_node key_data = Child(encryption, "keyData");
  pugi::xml_node encrypted_key;
  for (pugi::xml_node encryptor : Child(encryption, "keyEncryptors").children()) {
    // 2.3.4.10: the password encryptor; a certificate encryptor needs a private key.
    if (std::string_view(encryptor.attribute("uri").as_string()) ==
        "http://schemas.microsoft.com/office/2006/keyEncryptor/password") {
      encrypted_key = Child(encryptor, "encryptedKey");
    }
  }
  if (!key_data || !encrypted_key) {
    return InvalidArgumentError("agile EncryptionInfo has no keyData or no password key encryptor");
  }
  AgileInfo info;
  const auto key_hash = HashAlgorithmByName(key_data.attribute("hashAlgorithm").as_string());
  const auto password_hash =
      HashAlgorithmByName(encrypted_key.attribute("hashAlgorithm").as_string());
  if (!key_hash || !password_hash) {
    return InvalidArgumentError(std::string("agile EncryptionInfo: unsupported hash algorithm ") +
                                key_data.attribute("hashAlgorithm").as_string());
  }
  info.key_hash = *key_hash;
  info.password_hash = *password_hash;
  info.hash_name = encrypted_key.attribute("hashAlgorithm").as_string();
  info.key_bits = key_data.attribute("keyBits").as_uint();
  info.block_size = key_data.attribute("blockSize").as_uint();
  info.cipher = key_data.attribute("cipherAlgorithm").as_string();
  info.chaining = key_data.attribute("cipherChaining").as_string();
  info.password_key_bits = encrypted_key.attribute("keyBits").as_uint();
  info.password_block_size = encrypted_key.attribute("blockSize").as_uint();
  info.spin_count = encrypted_key.attribute("spinCount").as_uint();
  KENSA_ASSIGN_OR_RETURN(info.key_salt, Base64Attribute(key_data, "saltValue"));
  KENSA_ASSIGN_OR_RETURN(info.password_salt, Base64Attribute(encrypted_key, "saltValue"));
  KENSA_ASSIGN_OR_RETURN(info.encrypted_verifier_hash_input,
                         Base64Attribute(encrypted_key, "encryptedVerifierHashInput"));
  KENSA_ASSIGN_OR_RETURN(info.encrypted_verifier_hash_value,
                         Base64Attribute(encrypted_key, "encryptedVerifierHashValue"));
  KENSA_ASSIGN_OR_RETURN(info.encrypted_key_value,
                         Base64Attribute(encrypted_key, "encryptedKeyValue"));
  if (info.cipher != "AES" || info.chaining != "ChainingModeCBC" ||
      !ValidAesSizes(info.key_bits, info.block_size) ||
      !ValidAesSizes(info.password_key_bits, info.password_block_size)) {
    return UnimplementedError("agile EncryptionInfo: cipher " + info.cipher + " " +
                              info.chaining + " with " + std::to_string(info.key_bits) +
                              "-bit keys is not AES-CBC");
  }
  if (info.key_salt.size() > kMaxSaltBytes || info.password_salt.size() > kMaxSaltBytes ||
      info.password_key_bits > kMaxKeyBits) {
    return InvalidArgumentError("agile EncryptionInfo: salt or key larger than any writer makes");
  }
  return info;
}

std::optional<Bytes> AgilePackageKey(const AgileInfo& info, std::string_view password) {
  Hasher hasher(info.password_hash);
  const Bytes password_units = PasswordUtf16(password);
  Bytes hash = hasher.Hash(info.password_salt, password_units);
  for (std::uint32_t i = 0; i < info.spin_count; ++i) hash = hasher.Hash(Le32(i), hash);
  const std::size_t key_size = info.password_key_bits / 8;
  auto derive = [&](const std::uint8_t (&block_key)[8]) {
    return FitTo(hasher.Hash(hash, ByteSpan(block_key, 8)), key_size);
  };
  const Bytes iv = FitTo(info.password_salt, info.password_block_size);
  const Bytes verifier_input =
      AesCbcDecrypt(derive(kVerifierInputBlockKey), iv, info.encrypted_verifier_hash_input);
  const Bytes verifier_hash =
      AesCbcDecrypt(derive(kVerifierValueBlockKey), iv, info.encrypted_verifier_hash_value);
  // 2.3.4.13: the verifier is saltSize bytes (the salt's size), its hash hashSize bytes.
  const std::size_t input_size = std::min(verifier_input.size(), info.password_salt.size());
  const Bytes expected = hasher.Hash(SubSpan(verifier_input, 0, input_size));
  if (expected.empty() || verifier_hash.size() < expected.size() ||
      !std::equal(expected.begin(), expected.end(), verifier_hash.begin())) {
    return std::nullopt;
  }
  Bytes key = AesCbcDecrypt(derive(kKeyValueBlockKey), iv, info.encrypted_key_value);
  if (key.size() < info.key_bits / 8) return std::nullopt;
  key.resize(info.key_bits / 8);
  return key;
}

Result<Bytes> AgileDecryptPackage(const AgileInfo& info, ByteSpan key, ByteSpan package,
                                  std::uint64_t max_size) {
  const auto declared = ReadLe<std::uint64_t>(package, 0);
  if (!declared) return InvalidArgumentError("EncryptedPackage is shorter than its size field");
  if (*declared > max_size) {
    return OutOfRangeError("EncryptedPackage declares " + std::to_string(*declared) +
                           " bytes, over the limit of " + std::to_string(max_size));
  }
  const ByteSpan encrypted = SubSpan(package, kPackageSizeField, package.size());
  Hasher hasher(info.key_hash);
  Bytes plain;
  plain.reserve(std::min<std::uint64_t>(*declared, encrypted.size()));
  for (std::uint64_t offset = 0, segment = 0; offset < encrypted.size() && plain.size() < *declared;
       offset += kAgileSegment, ++segment) {
    const Bytes iv = FitTo(hasher.Hash(info.key_salt, Le32(static_cast<std::uint32_t>(segment))),
                           info.block_size);
    const Bytes piece = AesCbcDecrypt(key, iv, SubSpan(encrypted, offset, kAgileSegment));
    if (piece.empty()) break;
    const std::size_t take = static_cast<std::size_t>(
        std::min<std::uint64_t>(piece.size(), *declared - plain.size()));
    plain.insert(plain.end(), piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return plain;
}

Bytes StandardDeriveKey(ByteSpan salt, std::uint32_t key_bits, std::string_view password) {
  const std::size_t key_size = key_bits / 8;
  if (key_size != 16 && key_size != 24 && key_size != 32) return {};
  Hasher sha1(HashAlgorithm::kSha1);
  Bytes hash = sha1.Hash(salt, PasswordUtf16(password));
  for (std::uint32_t i = 0; i < kStandardSpinCount; ++i) hash = sha1.Hash(Le32(i), hash);
  const Bytes final_hash = sha1.Hash(hash, Le32(0));
  // 2.3.4.7: the key is the start of SHA1(0x36-pad ^ H) || SHA1(0x5C-pad ^ H).
  constexpr std::size_t kPad = 64;
  Bytes inner(kPad, 0x36);
  Bytes outer(kPad, 0x5C);
  for (std::size_t i = 0; i < final_hash.size(); ++i) {
    inner[i] ^= final_hash[i];
    outer[i] ^= final_hash[i];
  }
  Bytes key = sha1.Hash(inner);
  const Bytes second = sha1.Hash(outer);
  key.insert(key.end(), second.begin(), second.end());
  key.resize(key_size);
  return key;
}

std::optional<Bytes> StandardPackageKey(const CryptoApiHeader& header, std::string_view password) {
  Bytes key = StandardDeriveKey(header.salt, header.key_bits, password);
  if (key.empty()) return std::nullopt;
  Hasher sha1(HashAlgorithm::kSha1);
  // 2.3.4.8: SHA1(verifier) is the decrypted verifier hash.
  const Bytes verifier = AesEcbDecrypt(key, header.encrypted_verifier);
  const Bytes verifier_hash = AesEcbDecrypt(key, header.encrypted_verifier_hash);
  const Bytes expected = sha1.Hash(verifier);
  if (verifier.empty() || verifier_hash.size() < expected.size() ||
      !std::equal(expected.begin(), expected.end(), verifier_hash.begin())) {
    return std::nullopt;
  }
  return key;
}

Result<Bytes> StandardDecryptPackage(ByteSpan key, ByteSpan package, std::uint64_t max_size) {
  const auto declared = ReadLe<std::uint64_t>(package, 0);
  if (!declared) return InvalidArgumentError("EncryptedPackage is shorter than its size field");
  if (*declared > max_size) {
    return OutOfRangeError("EncryptedPackage declares " + std::to_string(*declared) +
                           " bytes, over the limit of " + std::to_string(max_size));
  }
  const ByteSpan encrypted = SubSpan(package, kPackageSizeField, package.size());
  Bytes plain = AesEcbDecrypt(key, encrypted);
  if (plain.size() > *declared) plain.resize(static_cast<std::size_t>(*declared));
  return plain;
}

}  // namespace kensa::offcrypto::internal
