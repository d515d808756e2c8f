#pragma once
// XOR obfuscation ([MS-OFFCRYPTO] 2.3.7) applied to a plain .xls or .doc, to build the fixtures
// libs/offcrypto's deobfuscation is tested on (no tool here writes it: Office stopped offering it,
// LibreOffice and msoffcrypto-tool only read it). Written the other way round from libs/offcrypto
// on purpose: the key array in LibreOffice's formulation (each password or pad byte XOR the
// key's byte, rotated left by 2 for Excel, 7 for Word) and Excel's bytes encoded as
// ror3(plain XOR array), where libs/offcrypto follows the specification's rotate-right-1 array
// and ror5(data XOR array). The two agree only if both are right. The key and verifier are given
// by the caller (the values stored in the file).
//
// The callers link kensa::ole; this header is part of the header-only kensa::test_support.

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kensa/core/bytes.h"
#include "kensa/ole/compound_file.h"

namespace kensa::test_support {

inline std::array<std::uint8_t, 16> XorFixtureKeyArray(const std::string& password, std::uint16_t key,
                                                       unsigned rotate_left) {
  static constexpr std::array<std::uint8_t, 15> kPad = {0xBB, 0xFF, 0xFF, 0xBA, 0xFF, 0xFF, 0xB9, 0x80,
                                                        0x00, 0xBE, 0x0F, 0x00, 0xBF, 0x0F, 0x00};
  if (password.empty() || password.size() > 15) throw std::invalid_argument("password of 1 to 15 bytes");
  std::array<std::uint8_t, 16> array{};
  for (std::size_t i = 0; i < array.size(); ++i) {
    const auto source = i < password.size() ? static_cast<std::uint8_t>(password[i]) : kPad[i - password.size()];
    const auto value = static_cast<std::uint8_t>(source ^ (i % 2 == 0 ? key & 0xFF : key >> 8));
    array[i] = static_cast<std::uint8_t>((value << rotate_left) | (value >> (8 - rotate_left)));
  }
  return array;
}

// The workbook with a FilePass record (XOR obfuscation, `key`, `verifier`) right after its first
// BOF, room made by taking 10 bytes off the padding of its WriteAccess record (Excel pads the
// user name to 112 bytes), so every later offset stays the same: still plain.
inline Bytes WorkbookWithXorFilePass(const Bytes& xls, std::uint16_t key, std::uint16_t verifier) {
  auto file = ole::CompoundFile::Open(xls);
  if (!file) throw std::runtime_error("not a compound file");
  auto book = file->ReadStream("Workbook");
  if (!book) throw std::runtime_error("no Workbook stream");
  const auto u16 = [&](std::size_t at) { return static_cast<std::uint16_t>((*book)[at] | ((*book)[at + 1] << 8)); };
  const std::size_t bof_end = 4u + u16(2);
  std::size_t write_access = bof_end;
  while (write_access + 4 <= book->size() && u16(write_access) != 0x005C) write_access += 4u + u16(write_access + 2);
  constexpr std::size_t kFilePassSize = 10;
  if (write_access + 4 > book->size() || u16(write_access + 2) < kFilePassSize) {
    throw std::runtime_error("no WriteAccess record with room for FilePass");
  }
  const std::uint16_t padded = u16(write_access + 2);
  Bytes plain(book->begin(), book->begin() + static_cast<std::ptrdiff_t>(bof_end));
  const std::uint8_t file_pass[kFilePassSize] = {0x2F, 0x00, 0x06, 0x00, 0x00, 0x00,
                                                 static_cast<std::uint8_t>(key), static_cast<std::uint8_t>(key >> 8),
                                                 static_cast<std::uint8_t>(verifier),
                                                 static_cast<std::uint8_t>(verifier >> 8)};
  plain.insert(plain.end(), file_pass, file_pass + kFilePassSize);
  plain.insert(plain.end(), book->begin() + static_cast<std::ptrdiff_t>(bof_end),
               book->begin() + static_cast<std::ptrdiff_t>(write_access));
  const auto shorter = static_cast<std::uint16_t>(padded - kFilePassSize);
  const std::uint8_t header[4] = {0x5C, 0x00, static_cast<std::uint8_t>(shorter), static_cast<std::uint8_t>(shorter >> 8)};
  plain.insert(plain.end(), header, header + 4);
  const auto data = book->begin() + static_cast<std::ptrdiff_t>(write_access + 4);
  plain.insert(plain.end(), data, data + shorter);
  plain.insert(plain.end(), data + padded, book->end());
  auto out = file->WithStreamContents("Workbook", plain);
  if (!out) throw std::runtime_error(out.error().message());
  return std::move(*out);
}

// Method 1 over the Workbook of a workbook that already has its FilePass record: every record's
// data but the records [MS-XLS] 2.2.10 keeps clear and BoundSheet8.lbPlyPos.
inline Bytes XorObfuscateWorkbook(const Bytes& xls_with_file_pass, const std::string& password, std::uint16_t key) {
  const auto array = XorFixtureKeyArray(password, key, 2);
  auto file = ole::CompoundFile::Open(xls_with_file_pass);
  if (!file) throw std::runtime_error("not a compound file");
  auto book = file->ReadStream("Workbook");
  if (!book) throw std::runtime_error("no Workbook stream");
  Bytes& data = *book;
  std::size_t offset = 0;
  while (offset + 4 <= data.size()) {
    const auto type = static_cast<std::uint16_t>(data[offset] | (data[offset + 1] << 8));
    const auto size = static_cast<std::uint16_t>(data[offset + 2] | (data[offset + 3] << 8));
    const std::size_t end = std::min(data.size(), offset + 4 + size);
    const bool clear = type == 0x0809 || type == 0x002F || type == 0x0194 || type == 0x0195 ||
                       type == 0x00E1 || type == 0x0196 || type == 0x0138;
    if (!clear) {
      for (std::size_t at = offset + 4 + (type == 0x0085 ? 4 : 0); at < end; ++at) {
        const auto value = static_cast<std::uint8_t>(data[at] ^ array[(at + size) % 16]);
        data[at] = static_cast<std::uint8_t>((value >> 3) | (value << 5));
      }
    }
    offset = end;
  }
  auto out = file->WithStreamContents("Workbook", data);
  if (!out) throw std::runtime_error(out.error().message());
  return std::move(*out);
}

// A Word document as Word writes it with XOR obfuscation ([MS-DOC] 2.2.6.1): fEncrypted and
// fObfuscated set, lKey = key << 16 | verifier, Method 2 over WordDocument after its first 68
// bytes, the table stream and the Data stream (a zero byte, or one equal to its key byte, is
// written as it is).
inline Bytes XorObfuscateWordDocument(const Bytes& doc, const std::string& password, std::uint16_t key,
                                      std::uint16_t verifier) {
  const auto array = XorFixtureKeyArray(password, key, 7);
  const auto obfuscate = [&](Bytes& stream, std::size_t clear) {
    for (std::size_t at = clear; at < stream.size(); ++at) {
      const std::uint8_t k = array[at % 16];
      if (stream[at] != 0 && stream[at] != k) stream[at] = static_cast<std::uint8_t>(stream[at] ^ k);
    }
  };
  Bytes current = doc;
  auto file = ole::CompoundFile::Open(current);
  if (!file) throw std::runtime_error("not a compound file");
  auto word = file->ReadStream("WordDocument");
  if (!word || word->size() < 68) throw std::runtime_error("no WordDocument stream");
  const bool one_table = ((*word)[0x0B] & 0x02) != 0;
  (*word)[0x0B] = static_cast<std::uint8_t>((*word)[0x0B] | 0x81);  // fEncrypted | fObfuscated
  const std::uint32_t lkey = (std::uint32_t{key} << 16) | verifier;
  for (std::size_t i = 0; i < 4; ++i) (*word)[0x0E + i] = static_cast<std::uint8_t>(lkey >> (8 * i));
  obfuscate(*word, 68);
  auto next = file->WithStreamContents("WordDocument", *word);
  if (!next) throw std::runtime_error(next.error().message());
  current = std::move(*next);
  for (const std::string name : {one_table ? "1Table" : "0Table", "Data"}) {
    auto reopened = ole::CompoundFile::Open(current);
    if (!reopened) throw std::runtime_error("reopen failed");
    auto stream = reopened->ReadStream(name);
    if (!stream) continue;  // no Data stream
    obfuscate(*stream, 0);
    auto replaced = reopened->WithStreamContents(name, *stream);
    if (!replaced) throw std::runtime_error(replaced.error().message());
    current = std::move(*replaced);
  }
  return current;
}

}  // namespace kensa::test_support
