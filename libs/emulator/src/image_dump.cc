#include "image_dump.h"

#include <algorithm>
#include <cstring>

namespace kensa::emulator::internal {
namespace {

// The Windows loader refuses more sections than this (PE Format, "COFF File Header").
constexpr std::uint32_t kMaxSections = 96;
// FileAlignment below this is only valid when it equals SectionAlignment (PE Format,
// "Optional Header Windows-Specific Fields").
constexpr std::uint32_t kMinFileAlignment = 0x200;

std::uint32_t Get32(const Bytes& b, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, &b[at], sizeof v);
  return v;
}
std::uint16_t Get16(const Bytes& b, std::size_t at) {
  std::uint16_t v = 0;
  std::memcpy(&v, &b[at], sizeof v);
  return v;
}
void Put32(Bytes& b, std::size_t at, std::uint32_t v) { std::memcpy(&b[at], &v, sizeof v); }

std::uint64_t AlignUp(std::uint64_t v, std::uint64_t alignment) {
  return (v + alignment - 1) / alignment * alignment;
}

}  // namespace

bool RebuildPeFromImage(Bytes& image, std::uint32_t entry_rva) {
  const std::size_t size = image.size();
  if (size < 0x40 || image[0] != 'M' || image[1] != 'Z') return false;
  const std::size_t pe = Get32(image, 0x3C);
  if (pe > size || size - pe < 24 || std::memcmp(&image[pe], "PE\0\0", 4) != 0) return false;
  const std::uint32_t section_count = Get16(image, pe + 6);
  const std::size_t optional_size = Get16(image, pe + 20);
  const std::size_t optional = pe + 24;
  if (section_count > kMaxSections || optional + 2 > size) return false;
  const std::uint16_t magic = Get16(image, optional);
  if (magic != 0x10B && magic != 0x20B) return false;
  const bool x64 = magic == 0x20B;
  const std::size_t directories = optional + (x64 ? 112 : 96);
  const std::size_t table = optional + optional_size;
  if (directories > size || table > size || (size - table) / 40 < section_count) return false;

  const std::uint32_t section_alignment = Get32(image, optional + 32);
  if (section_alignment == 0 || (section_alignment & (section_alignment - 1)) != 0) return false;
  // Raw offsets become virtual addresses, so FileAlignment must divide every one of them.
  if (section_alignment >= kMinFileAlignment) Put32(image, optional + 36, section_alignment);
  for (std::uint32_t i = 0; i < section_count; ++i) {
    const std::size_t header = table + 40ull * i;
    const std::uint32_t virtual_size = Get32(image, header + 8);
    const std::uint32_t va = Get32(image, header + 12);
    std::uint32_t raw_size = 0;
    std::uint32_t raw_offset = 0;
    if (va < size) {
      const std::uint64_t wanted =
          AlignUp(virtual_size != 0 ? virtual_size : Get32(image, header + 16), section_alignment);
      raw_size = static_cast<std::uint32_t>(std::min<std::uint64_t>(wanted, size - va));
      raw_offset = raw_size != 0 ? va : 0;
    }
    Put32(image, header + 16, raw_size);
    Put32(image, header + 20, raw_offset);
    // An empty section the stub filled (UPX0) now has data in the file.
    std::uint32_t characteristics = Get32(image, header + 36);
    constexpr std::uint32_t kUninitializedData = 0x80;
    constexpr std::uint32_t kInitializedData = 0x40;
    if (raw_size != 0 && (characteristics & kUninitializedData) != 0) {
      characteristics = (characteristics & ~kUninitializedData) | kInitializedData;
      Put32(image, header + 36, characteristics);
    }
  }
  Put32(image, optional + 16, entry_rva);
  Put32(image, optional + 64, 0);  // CheckSum: of the packed file
  // The security directory holds a file offset into the packed file's overlay, not an RVA.
  const std::uint32_t directory_count = Get32(image, directories - 4);
  constexpr std::uint32_t kSecurityDirectory = 4;
  if (directory_count > kSecurityDirectory &&
      directories + 8ull * (kSecurityDirectory + 1) <= size) {
    Put32(image, directories + 8 * kSecurityDirectory, 0);
    Put32(image, directories + 8 * kSecurityDirectory + 4, 0);
  }
  return true;
}

}  // namespace kensa::emulator::internal
