#pragma once
// The RC4 encryptions of the binary Office formats: "Office Binary Document RC4" ([MS-OFFCRYPTO]
// 2.3.6, Office 97/2000, MD5) and "RC4 CryptoAPI" (2.3.5, Office XP-2003 and the .xls/.doc/.ppt
// Office still writes, SHA-1), and the record-by-record decryption of an Excel BIFF8 Workbook
// stream ([MS-XLS] 2.2.10).

#include <cstdint>
#include <optional>
#include <string_view>

#include "ecma376.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::offcrypto::internal {

// [MS-OFFCRYPTO] 2.3.6.1 RC4 Encryption Header, after its 4-byte version.
struct Rc4Header {
  Bytes salt;                     // 16 bytes
  Bytes encrypted_verifier;       // 16 bytes
  Bytes encrypted_verifier_hash;  // 16 bytes
};
Result<Rc4Header> ParseRc4Header(ByteSpan data);

// The RC4 key of each block of a password-verified document. Both methods re-key RC4 per block
// (1024 bytes in a Workbook, 512 in Word and PowerPoint streams).
class Rc4BlockKeys {
 public:
  // nullopt when the password does not verify.
  static std::optional<Rc4BlockKeys> ForRc4(const Rc4Header& header, std::string_view password);
  static std::optional<Rc4BlockKeys> ForCryptoApi(const CryptoApiHeader& header,
                                                  std::string_view password);
  // The keys of `password` without verification (for tests and fuzzing of the walkers).
  static Rc4BlockKeys DeriveRc4(ByteSpan salt, std::string_view password);
  Bytes Key(std::uint32_t block) const;

 private:
  bool cryptoapi_ = false;
  Bytes base_;                // 2.3.6.2: the 40-bit truncated H1; 2.3.5.2: H0
  std::size_t key_bytes_ = 16;
};

// The Workbook stream with every record's data decrypted as Excel decrypts it ([MS-XLS]
// 2.2.10, the ranges of biff8_workbook.h): the keystream is positioned by the absolute stream
// offset, re-keyed every 1024 bytes. FilePass blanked, same size as the input.
Bytes DecryptBiff8Workbook(ByteSpan workbook, const Rc4BlockKeys& keys);

// A stream encrypted as Word encrypts its streams ([MS-OFFCRYPTO] 2.3.6.3, 2.3.5.4): from
// offset 0, a fresh keystream every `block_size` bytes (512); the first `clear` bytes are kept
// as they are (the FIB start of WordDocument, the encryption header of the table stream).
Bytes DecryptBlocks(ByteSpan stream, const Rc4BlockKeys& keys, std::uint64_t block_size,
                    std::uint64_t clear);

}  // namespace kensa::offcrypto::internal
