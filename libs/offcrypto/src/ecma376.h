#pragma once
// ECMA-376 document encryption ([MS-OFFCRYPTO] 2.3.4): the EncryptionInfo stream of an
// encrypted OOXML document (a compound file holding EncryptionInfo and EncryptedPackage), in
// its Standard (2.3.4.5, binary, AES-ECB) and Agile (2.3.4.10, XML, AES-CBC) forms; and the
// binary EncryptionHeader + EncryptionVerifier pair (2.3.2, 2.3.3) that Standard shares with
// RC4 CryptoAPI (2.3.5.1).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "crypto.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::offcrypto::internal {

// [MS-OFFCRYPTO] 2.3.2 EncryptionHeader and 2.3.3 EncryptionVerifier, as stored after a
// version and a flags field.
struct CryptoApiHeader {
  std::uint32_t flags = 0;
  std::uint32_t alg_id = 0;       // 0x6801 RC4, 0x660E/0x660F/0x6610 AES-128/192/256
  std::uint32_t alg_id_hash = 0;  // 0x8004 SHA-1
  std::uint32_t key_bits = 0;     // 0 means 40 for RC4
  std::uint32_t provider_type = 0;
  std::string csp_name;           // UTF-8
  Bytes salt;
  Bytes encrypted_verifier;       // 16 bytes
  std::uint32_t verifier_hash_size = 0;
  Bytes encrypted_verifier_hash;  // 20 (RC4) or 32 (AES) bytes
};

// `data` starts at the EncryptionHeader.Flags copy's size field, i.e. right after the
// version and EncryptionInfo flags: HeaderSize (4), EncryptionHeader, EncryptionVerifier.
Result<CryptoApiHeader> ParseCryptoApiHeader(ByteSpan data);
// "AES-128", "RC4-40"... for reports.
std::string CipherName(const CryptoApiHeader& header);

// [MS-OFFCRYPTO] 2.3.4.10 keyData and the password key encryptor.
struct AgileInfo {
  // keyData: how the package is encrypted.
  HashAlgorithm key_hash = HashAlgorithm::kSha1;
  std::uint32_t key_bits = 0;
  std::uint32_t block_size = 0;
  Bytes key_salt;
  std::string cipher;  // "AES"
  std::string chaining;  // "ChainingModeCBC"
  // The password key encryptor.
  HashAlgorithm password_hash = HashAlgorithm::kSha1;
  std::uint32_t password_key_bits = 0;
  std::uint32_t password_block_size = 0;
  std::uint32_t spin_count = 0;
  Bytes password_salt;
  Bytes encrypted_verifier_hash_input;
  Bytes encrypted_verifier_hash_value;
  Bytes encrypted_key_value;
  std::string hash_name;  // "SHA512", for reports
};

// `xml` is the EncryptionInfo stream after its 8-byte version and reserved fields.
Result<AgileInfo> ParseAgileInfo(ByteSpan xml);

// The package key when `password` is right ([MS-OFFCRYPTO] 2.3.4.11 - 2.3.4.13), nullopt
// when it is not.
std::optional<Bytes> AgilePackageKey(const AgileInfo& info, std::string_view password);
// [MS-OFFCRYPTO] 2.3.4.15: 4096-byte segments, each with its own IV. The plain package is at
// most `max_size` bytes (OutOfRange above it).
Result<Bytes> AgileDecryptPackage(const AgileInfo& info, ByteSpan key, ByteSpan package,
                                  std::uint64_t max_size);

// [MS-OFFCRYPTO] 2.3.4.7 key derivation (50,000 SHA-1 rounds); empty for a key size AES lacks.
Bytes StandardDeriveKey(ByteSpan salt, std::uint32_t key_bits, std::string_view password);
// The derived key when 2.3.4.8 verification passes, nullopt when the password is wrong.
std::optional<Bytes> StandardPackageKey(const CryptoApiHeader& header, std::string_view password);
// [MS-OFFCRYPTO] 2.3.4.4: AES-ECB over the whole package after its 8-byte size.
Result<Bytes> StandardDecryptPackage(ByteSpan key, ByteSpan package, std::uint64_t max_size);

// The rounds of password hashing one try costs, for the caller's budget.
inline constexpr std::uint32_t kStandardSpinCount = 50000;

}  // namespace kensa::offcrypto::internal
