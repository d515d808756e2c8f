#include "xor_obfuscation.h"

#include <algorithm>

#include "biff8_workbook.h"
#include "crypto.h"

namespace kensa::offcrypto::internal {
namespace {

constexpr std::size_t kMaxPasswordBytes = 15;

// [MS-OFFCRYPTO] 2.3.7.2: the key's starting value by password length (1..15).
constexpr std::array<std::uint16_t, kMaxPasswordBytes> kInitialCode = {
    0xE1F0, 0x1D0F, 0xCC9C, 0x84C0, 0x110C, 0x0E10, 0xF1CE, 0x313E,
    0x1872, 0xE139, 0xD40F, 0x84F9, 0x280C, 0xA96A, 0x4EC3};

// 2.3.7.2: one value per bit of the password (7 bits of each of 15 characters); the last
// character's bits use the last entries.
constexpr std::array<std::uint16_t, 7 * kMaxPasswordBytes> kXorMatrix = {
    0xAEFC, 0x4DD9, 0x9BB2, 0x2745, 0x4E8A, 0x9D14, 0x2A09, 0x7B61, 0xF6C2, 0xFDA5, 0xEB6B,
    0xC6F7, 0x9DCF, 0x2BBF, 0x4563, 0x8AC6, 0x05AD, 0x0B5A, 0x16B4, 0x2D68, 0x5AD0, 0x0375,
    0x06EA, 0x0DD4, 0x1BA8, 0x3750, 0x6EA0, 0xDD40, 0xD849, 0xA0B3, 0x5147, 0xA28E, 0x553D,
    0xAA7A, 0x44D5, 0x6F45, 0xDE8A, 0xAD35, 0x4A4B, 0x9496, 0x390D, 0x721A, 0xEB23, 0xC667,
    0x9CEF, 0x29FF, 0x53FE, 0xA7FC, 0x5FD9, 0x47D3, 0x8FA6, 0x0F6D, 0x1EDA, 0x3DB4, 0x7B68,
    0xF6D0, 0xB861, 0x60E3, 0xC1C6, 0x93AD, 0x377B, 0x6EF6, 0xDDEC, 0x45A0, 0x8B40, 0x06A1,
    0x0D42, 0x1A84, 0x3508, 0x6A10, 0xAA51, 0x4483, 0x8906, 0x022D, 0x045A, 0x08B4, 0x1168,
    0x76B4, 0xED68, 0xCAF1, 0x85C3, 0x1BA7, 0x374E, 0x6E9C, 0x3730, 0x6E60, 0xDCC0, 0xA9A1,
    0x4363, 0x86C6, 0x1DAD, 0x3331, 0x6662, 0xCCC4, 0x89A9, 0x0373, 0x06E6, 0x0DCC, 0x1021,
    0x2042, 0x4084, 0x8108, 0x1231, 0x2462, 0x48C4};

// 2.3.7.2: what fills the array after the password.
constexpr std::array<std::uint8_t, kMaxPasswordBytes> kPadArray = {
    0xBB, 0xFF, 0xFF, 0xBA, 0xFF, 0xFF, 0xB9, 0x80, 0x00, 0xBE, 0x0F, 0x00, 0xBF, 0x0F, 0x00};

constexpr std::uint8_t RotateRight(std::uint8_t value, unsigned bits) {
  return static_cast<std::uint8_t>((value >> bits) | (value << (8 - bits)));
}

}  // namespace

std::string XorPasswordBytes(std::string_view utf8_password) {
  const Bytes units = PasswordUtf16(utf8_password);
  std::string bytes;
  for (std::size_t i = 0; i + 1 < units.size() && bytes.size() < kMaxPasswordBytes; i += 2) {
    bytes.push_back(static_cast<char>(units[i] != 0 ? units[i] : units[i + 1]));
  }
  return bytes;
}

std::uint16_t XorPasswordVerifier(std::string_view password_bytes) {
  // 2.3.7.1: over the length byte then the characters, taken from the last one backwards, a
  // 15-bit rotate left XOR the byte; then XOR 0xCE4B.
  const auto step = [](std::uint16_t verifier, std::uint8_t byte) {
    const auto rotated = static_cast<std::uint16_t>(((verifier >> 14) & 1) | ((verifier << 1) & 0x7FFF));
    return static_cast<std::uint16_t>(rotated ^ byte);
  };
  std::uint16_t verifier = 0;
  for (auto it = password_bytes.rbegin(); it != password_bytes.rend(); ++it) {
    verifier = step(verifier, static_cast<std::uint8_t>(*it));
  }
  verifier = step(verifier, static_cast<std::uint8_t>(password_bytes.size()));
  return static_cast<std::uint16_t>(verifier ^ 0xCE4B);
}

std::uint16_t XorKey(std::string_view password_bytes) {
  const std::size_t length = std::min(password_bytes.size(), kMaxPasswordBytes);
  if (length == 0) return 0;
  std::uint16_t key = kInitialCode[length - 1];
  // The last character takes the last 7 matrix entries, the one before it the 7 before them.
  std::size_t element = kXorMatrix.size();
  for (std::size_t i = length; i-- > 0;) {
    auto character = static_cast<std::uint8_t>(password_bytes[i]);
    for (int bit = 0; bit < 7; ++bit) {
      --element;
      if ((character & 0x40) != 0) key ^= kXorMatrix[element];
      character = static_cast<std::uint8_t>(character << 1);
    }
  }
  return key;
}

XorArray CreateXorArray(std::string_view password_bytes) {
  const std::size_t length = std::min(password_bytes.size(), kMaxPasswordBytes);
  XorArray array{};
  // No password, no array: the pad alone would need a 16th pad byte ([MS-OFFCRYPTO] has 15).
  if (length == 0) return array;
  const std::uint16_t key = XorKey(password_bytes);
  for (std::size_t i = 0; i < array.size(); ++i) {
    const std::uint8_t source = i < length ? static_cast<std::uint8_t>(password_bytes[i])
                                           : kPadArray[i - length];
    const auto key_byte = static_cast<std::uint8_t>(i % 2 == 0 ? key & 0xFF : key >> 8);
    array[i] = RotateRight(static_cast<std::uint8_t>(source ^ key_byte), 1);
  }
  return array;
}

Bytes DeobfuscateBiff8Workbook(ByteSpan workbook, const XorArray& array) {
  return DecryptBiff8Records(workbook, [&](Bytes& stream, std::uint64_t begin, std::uint64_t end,
                                           std::uint16_t record_size) {
    for (std::uint64_t position = begin; position < end; ++position) {
      const std::uint8_t key = array[(position + record_size) % array.size()];
      stream[position] = RotateRight(static_cast<std::uint8_t>(stream[position] ^ key), 5);
    }
  });
}

Bytes DeobfuscateWordStream(ByteSpan stream, const XorArray& array, std::uint64_t clear) {
  Bytes out(stream.begin(), stream.end());
  for (std::uint64_t position = clear; position < out.size(); ++position) {
    const std::uint8_t key = array[position % array.size()];
    const std::uint8_t value = out[position];
    // Zero bytes and bytes equal to their key byte were written as they are.
    if (value != 0 && value != key) out[position] = static_cast<std::uint8_t>(value ^ key);
  }
  return out;
}

}  // namespace kensa::offcrypto::internal
