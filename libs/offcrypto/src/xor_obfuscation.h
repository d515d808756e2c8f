#pragma once
// XOR obfuscation ([MS-OFFCRYPTO] 2.3.7), the "encryption" of Excel 95-2003 workbooks saved with
// it (FilePass wEncryptionType 0, [MS-XLS] 2.4.117) and of Word documents with fObfuscated
// ([MS-DOC] 2.2.6.1). It is a 16-byte key array derived from the password and XORed over the
// data, so with Excel's default password VelvetSweatshop it hides macro sheets from scanners
// that do not undo it (the Excel 4.0 droppers of 2020 onwards).
//
// Method 1 (Excel): a data byte at stream position p of a record whose data is n bytes long is
// ror5(byte XOR array[(p + n) mod 16]). Method 2 (Word): byte XOR array[p mod 16], except that
// a zero byte, and a byte equal to its key byte, are stored as they are.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "kensa/core/bytes.h"

namespace kensa::offcrypto::internal {

using XorArray = std::array<std::uint8_t, 16>;

// The password as the single bytes the methods work on ([MS-OFFCRYPTO] 2.3.7.4, the second
// approach, which is also what Excel writes for the characters of an ASCII password): of each
// UTF-16 unit the low byte, or the high byte when the low one is zero; at most 15 bytes.
std::string XorPasswordBytes(std::string_view utf8_password);

// 2.3.7.1: the 16-bit verifier (XORObfuscation.verificationBytes, the low half of Word's lKey).
std::uint16_t XorPasswordVerifier(std::string_view password_bytes);

// 2.3.7.2: the 16-bit key (XORObfuscation.key, the high half of Word's lKey). 1 to 15 bytes are
// used (more are cut); 0 for no bytes.
std::uint16_t XorKey(std::string_view password_bytes);

// 2.3.7.2: the 16-byte array, the password then the pad bytes, each XORed with the key's low
// (even index) or high (odd index) byte and rotated right by one bit. 1 to 15 bytes are used
// (more are cut); no bytes give an array of zeros (no password verifies as empty).
XorArray CreateXorArray(std::string_view password_bytes);

// [MS-XLS] 2.2.10 with Method 1: the Workbook stream with every record's data deobfuscated as
// binary_rc4.h's DecryptBiff8Workbook does for RC4 (same clear records, FilePass blanked, same
// size).
Bytes DeobfuscateBiff8Workbook(ByteSpan workbook, const XorArray& array);

// [MS-DOC] 2.2.6.1 with Method 2: a stream with its bytes from `clear` on deobfuscated, the key
// array positioned by the offset from the start of the stream.
Bytes DeobfuscateWordStream(ByteSpan stream, const XorArray& array, std::uint64_t clear);

}  // namespace kensa::offcrypto::internal
