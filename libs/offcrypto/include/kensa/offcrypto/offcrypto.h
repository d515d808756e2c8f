#pragma once
// Encrypted Office documents ([MS-OFFCRYPTO]): what a compound file says about its encryption,
// and its decryption with candidate passwords.
//
//   kensa::Result<kensa::ole::CompoundFile> file = kensa::ole::CompoundFile::Open(bytes);
//   kensa::offcrypto::Decryption d =
//       kensa::offcrypto::Decrypt(*file, {"submitted", "VelvetSweatshop", "infected"});
//   if (d.outcome == kensa::offcrypto::Outcome::kDecrypted) analyze(d.document);
//
// Methods and what comes out:
//   agile          ECMA-376 Agile (EncryptionInfo 4.4, XML; AES-CBC, SHA-1..SHA-512, spinCount)
//                  -> the plain OOXML package (a zip)
//   standard       ECMA-376 Standard (EncryptionInfo 2.2/3.2/4.2; AES-ECB, 50,000 SHA-1 rounds)
//                  -> the plain OOXML package
//   rc4            Office 97/2000 RC4 (MD5) in .xls FilePass and .doc
//   rc4_cryptoapi  RC4 CryptoAPI (SHA-1) in .xls, .doc and .ppt
//                  -> .xls: the compound file with its Workbook decrypted record by record;
//                     .doc: with WordDocument, the table and Data streams decrypted
//                     .ppt: with every persist object of "PowerPoint Document" decrypted
//                     ([MS-PPT] 2.3.7; Pictures and EncryptedSummary stay encrypted)
//   xor            XOR obfuscation ([MS-OFFCRYPTO] 2.3.7): .xls FilePass type 0 (Method 1),
//                  .doc fObfuscated (Method 2); passwords of at most 15 characters
//                  -> .xls: the compound file with its Workbook deobfuscated record by record;
//                     .doc: with WordDocument, the table and Data streams deobfuscated
//   extensible     ECMA-376 Extensible (EncryptionInfo 3.3/4.3): recognised only
//
// Hostile input: sizes are checked against the data, spinCount and the decrypted size are
// bounded by OffcryptoLimits, hash rounds over all passwords by a budget. Nothing throws.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/ole/compound_file.h"

namespace kensa::offcrypto {

struct OffcryptoLimits {
  // Office writes spinCount 100,000; 10,000,000 SHA-512 rounds cost ~4 s per password
  // (390 ns a round, measured), so a document asking for more is reported, not tried.
  std::uint32_t max_spin_count = 10'000'000;
  // Password hash rounds spent on one document over all passwords (the first try always
  // runs): a long list against a big spinCount would otherwise cost minutes. At Office's
  // 100,000 every candidate fits; at 10,000,000 only the first one is tried.
  std::uint64_t max_total_hash_rounds = 10'000'000;
  // Bytes of a decrypted package; a document larger than this is reported, not decrypted.
  std::uint64_t max_package_size = 256ull << 20;
  // Candidate passwords tried per document.
  std::size_t max_passwords = 64;
  // EncryptionInfo stream bytes read (real ones are ~1 KiB of XML).
  std::uint64_t max_encryption_info_size = 1ull << 20;
};

enum class Method { kNone, kAgile, kStandard, kExtensible, kRc4, kRc4CryptoApi, kXor, kUnknown };

// "agile", "standard", "extensible", "rc4", "rc4_cryptoapi", "xor", "unknown"; "" for kNone.
std::string_view MethodName(Method method);

struct Encryption {
  Method method = Method::kNone;
  // Where the encryption is declared: "EncryptionInfo", "Workbook FilePass",
  // "WordDocument FIB fEncrypted", "PowerPoint Current User".
  std::string where;
  // Cipher and hash as declared ("AES-256-CBC SHA512 spinCount 100000", "RC4-128 SHA-1").
  std::string detail;
  std::uint32_t spin_count = 0;
};

// What the compound file declares; method kNone when nothing is encrypted.
Encryption DetectEncryption(const ole::CompoundFile& file, const OffcryptoLimits& limits = {});

enum class Outcome {
  kNotEncrypted,
  kDecrypted,         // `document` holds the plain document
  kPasswordNotFound,  // no candidate verified
  kUnsupported,       // method not decrypted and no password check for it (extensible)
  kOverLimit,         // spinCount or size over OffcryptoLimits
  kMalformed,         // the encryption headers cannot be read
};

struct Decryption {
  Encryption encryption;
  Outcome outcome = Outcome::kNotEncrypted;
  // Why there is no document (for an anomaly's detail); empty when decrypted.
  std::string reason;
  // The password that verified and its index in the candidates.
  std::string password;
  std::size_t password_index = 0;
  std::size_t passwords_tried = 0;
  // The decrypted document: an OOXML package (zip) or a compound file.
  Bytes document;
};

// Detects the encryption and tries `passwords` in order (at most limits.max_passwords).
Decryption Decrypt(const ole::CompoundFile& file, const std::vector<std::string>& passwords,
                   const OffcryptoLimits& limits = {});

// Excel's built-in password: a workbook "encrypted" with it opens without a prompt.
inline constexpr std::string_view kExcelDefaultPassword = "VelvetSweatshop";

}  // namespace kensa::offcrypto
