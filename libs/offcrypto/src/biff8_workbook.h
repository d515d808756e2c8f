#pragma once
// Which bytes of an Excel BIFF8 Workbook stream a password-to-open encryption covers ([MS-XLS]
// 2.2.10), shared by RC4 (binary_rc4.h) and XOR obfuscation (xor_obfuscation.h): record headers
// stay clear; BOF, FilePass, UsrExcl, FileLock, InterfaceHdr, RRDInfo and RRDHead stay clear;
// BoundSheet8 keeps its first 4 bytes (lbPlyPos, the stream offset of the sheet's BOF) clear.

#include <algorithm>
#include <array>
#include <cstdint>

#include "kensa/core/bytes.h"

namespace kensa::offcrypto::internal {

inline constexpr std::uint16_t kBiffFilePass = 0x002F;

// A copy of `workbook` in which `decrypt(stream, begin, end, record_size)` has turned each
// encrypted range [begin, end) of a record with `record_size` data bytes into plain bytes, in
// increasing stream order. The FilePass record becomes an unknown record (type 0, zeroed data)
// so that readers see a plain workbook while every offset (lbPlyPos) stays right; the size is
// the input's.
template <typename Decrypt>
Bytes DecryptBiff8Records(ByteSpan workbook, Decrypt&& decrypt) {
  constexpr std::uint64_t kRecordHeader = 4;
  constexpr std::uint16_t kBoundSheet8 = 0x0085;
  constexpr std::uint64_t kBoundSheetClearBytes = 4;
  constexpr std::array<std::uint16_t, 7> kClearRecords = {
      0x0809,  // BOF
      kBiffFilePass,
      0x0194,  // UsrExcl
      0x0195,  // FileLock
      0x00E1,  // InterfaceHdr
      0x0196,  // RRDInfo
      0x0138,  // RRDHead
  };
  Bytes out(workbook.begin(), workbook.end());
  std::uint64_t offset = 0;
  // Every record advances by at least its 4-byte header: bounded by the stream size.
  while (offset + kRecordHeader <= out.size()) {
    const std::uint16_t type = ReadLe<std::uint16_t>(out, offset).value_or(0);
    const std::uint16_t size = ReadLe<std::uint16_t>(out, offset + 2).value_or(0);
    const std::uint64_t data_begin = offset + kRecordHeader;
    const std::uint64_t data_end = std::min<std::uint64_t>(data_begin + size, out.size());
    if (type == kBiffFilePass) {
      out[offset] = 0;
      out[offset + 1] = 0;
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(data_begin),
                out.begin() + static_cast<std::ptrdiff_t>(data_end), 0);
    } else if (std::find(kClearRecords.begin(), kClearRecords.end(), type) ==
               kClearRecords.end()) {
      const std::uint64_t clear = type == kBoundSheet8 ? kBoundSheetClearBytes : 0;
      if (data_begin + clear < data_end) decrypt(out, data_begin + clear, data_end, size);
    }
    offset = data_end;
  }
  return out;
}

}  // namespace kensa::offcrypto::internal
