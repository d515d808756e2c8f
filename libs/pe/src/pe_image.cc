#include "pe_image.h"


#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

namespace kensa::pe::internal {
namespace {

// The x86/x64/ARM page size: section alignment below it switches the loader to flat mapping
// (PE Format, "Optional Header Windows-Specific Fields": SectionAlignment).
constexpr std::uint32_t kPageSize = 0x1000;
// The loader rounds PointerToRawData down to a 512-byte sector when FileAlignment >= 512.
constexpr std::uint32_t kSectorSize = 0x200;
// COFF symbol table records are 18 bytes (PE Format, "COFF Symbol Table").
constexpr std::uint64_t kCoffSymbolSize = 18;
// Longest section name read from the COFF string table.
constexpr std::size_t kMaxLongSectionName = 256;
constexpr std::uint64_t kSectionHeaderSize = 40;

std::uint64_t AlignUp(std::uint64_t value, std::uint64_t alignment) {
  if (alignment <= 1) return value;
  const std::uint64_t rem = value % alignment;
  return rem == 0 ? value : value + (alignment - rem);
}

bool IsPowerOfTwo(std::uint32_t v) { return v != 0 && (v & (v - 1)) == 0; }

// Little-endian read where bytes past the end of the file read as zero: the loader maps a
// short file into a zero-filled page, and tiny PEs rely on it (corkami tinyXP, d_tiny).
template <typename T>
T ReadZ(ByteSpan data, std::uint64_t offset) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    if (offset + i < data.size()) {
      value = static_cast<T>(value | (static_cast<T>(data[offset + i]) << (8 * i)));
    }
  }
  return value;
}

std::string Hex32(std::uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "0x";
  bool started = false;
  for (int shift = 60; shift >= 0; shift -= 4) {
    const auto nibble = static_cast<unsigned>((v >> shift) & 0xF);
    if (nibble != 0 || started || shift == 0) {
      out.push_back(kDigits[nibble]);
      started = true;
    }
  }
  return out;
}


}  // namespace

void AnomalySink::Add(std::string_view code, std::string detail) {
  auto it = std::find_if(counts_.begin(), counts_.end(),
                         [&](const auto& entry) { return entry.first == code; });
  if (it == counts_.end()) {
    counts_.emplace_back(std::string(code), 0);
    it = counts_.end() - 1;
  }
  if (it->second >= max_per_code_) return;
  ++it->second;
  analysis::v1::Anomaly anomaly;
  anomaly.set_code(std::string(code));
  anomaly.set_detail(std::move(detail));
  anomalies_.push_back(std::move(anomaly));
}

bool AnomalySink::Has(std::string_view code) const {
  return std::any_of(counts_.begin(), counts_.end(),
                     [&](const auto& entry) { return entry.first == code; });
}

std::string Printable(std::string_view raw) {
  static constexpr char kDigits[] = "0123456789abcdef";
  const bool clean = std::all_of(raw.begin(), raw.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F;
  });
  if (clean) return std::string(raw);
  std::string out;
  out.reserve(raw.size());
  for (char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7F) {
      out.push_back(c);
    } else {
      out += "\\x";
      out.push_back(kDigits[byte >> 4]);
      out.push_back(kDigits[byte & 0xF]);
    }
  }
  return out;
}

std::string Utf8OrPrintable(std::string_view raw) {
  std::size_t i = 0;
  while (i < raw.size()) {
    const auto byte = static_cast<unsigned char>(raw[i]);
    if (byte < 0x20 || byte == 0x7F) return Printable(raw);
    std::size_t extra = 0;
    std::uint32_t min_cp = 0;
    std::uint32_t cp = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      extra = 1, min_cp = 0x80, cp = byte & 0x1Fu;
    } else if ((byte & 0xF0) == 0xE0) {
      extra = 2, min_cp = 0x800, cp = byte & 0x0Fu;
    } else if ((byte & 0xF8) == 0xF0) {
      extra = 3, min_cp = 0x10000, cp = byte & 0x07u;
    } else {
      return Printable(raw);
    }
    if (raw.size() - i <= extra) return Printable(raw);
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto next = static_cast<unsigned char>(raw[i + k]);
      if ((next & 0xC0) != 0x80) return Printable(raw);
      cp = (cp << 6) | (next & 0x3Fu);
    }
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return Printable(raw);
    i += extra + 1;
  }
  return std::string(raw);
}


bool PeImage::Parse(ByteSpan data, const PeLimits& limits, AnomalySink& sink) {
  data_ = data;
  // DOS header: "MZ" and e_lfanew at 0x3C (PE Format, "MS-DOS Stub (Image Only)").
  if (!HasBytesAt(data, 0, "MZ")) return false;
  e_lfanew_ = ReadZ<std::uint32_t>(data, 0x3C);
  // The signature must be in the file; a short file may end inside it only with its zero bytes.
  if (e_lfanew_ >= data.size() || !HasBytesAt(data, e_lfanew_, "PE") ||
      ReadZ<std::uint16_t>(data, std::uint64_t{e_lfanew_} + 2) != 0) {
    return false;
  }
  const std::uint64_t coff = std::uint64_t{e_lfanew_} + 4;
  // COFF file header (PE Format, "COFF File Header (Object and Image)").
  machine_ = ReadZ<std::uint16_t>(data, coff);
  number_of_sections_ = ReadZ<std::uint16_t>(data, coff + 2);
  timestamp_ = ReadZ<std::uint32_t>(data, coff + 4);
  pointer_to_symbol_table_ = ReadZ<std::uint32_t>(data, coff + 8);
  number_of_symbols_ = ReadZ<std::uint32_t>(data, coff + 12);
  size_of_optional_header_ = ReadZ<std::uint16_t>(data, coff + 16);
  characteristics_ = ReadZ<std::uint16_t>(data, coff + 18);

  // Optional header (PE Format, "Optional Header (Image Only)").
  const std::uint64_t opt = coff + 20;
  optional_header_offset_ = opt;
  magic_ = ReadZ<std::uint16_t>(data, opt);
  if (magic_ == 0x20B) {
    is_64_ = true;
  } else if (magic_ != 0x10B) {
    // Windows refuses such an image; parse it as PE32 as pefile does, to see what it holds.
    sink.Add("pe_invalid_optional_header_magic",
             "optional header magic " + Hex32(magic_) + " is neither PE32 nor PE32+");
  }
  linker_major_ = ReadZ<std::uint8_t>(data, opt + 2);
  linker_minor_ = ReadZ<std::uint8_t>(data, opt + 3);
  entry_point_ = ReadZ<std::uint32_t>(data, opt + 16);
  image_base_ =
      is_64_ ? ReadZ<std::uint64_t>(data, opt + 24) : ReadZ<std::uint32_t>(data, opt + 28);
  section_alignment_ = ReadZ<std::uint32_t>(data, opt + 32);
  file_alignment_ = ReadZ<std::uint32_t>(data, opt + 36);
  os_major_ = ReadZ<std::uint16_t>(data, opt + 40);
  os_minor_ = ReadZ<std::uint16_t>(data, opt + 42);
  size_of_image_ = ReadZ<std::uint32_t>(data, opt + 56);
  size_of_headers_ = ReadZ<std::uint32_t>(data, opt + 60);
  checksum_ = ReadZ<std::uint32_t>(data, opt + 64);
  subsystem_ = ReadZ<std::uint16_t>(data, opt + 68);
  dll_characteristics_ = ReadZ<std::uint16_t>(data, opt + 70);
  const std::uint64_t rva_count_offset = opt + (is_64_ ? 108 : 92);
  number_of_rva_and_sizes_ = ReadZ<std::uint32_t>(data, rva_count_offset);
  const std::uint64_t dirs_offset = rva_count_offset + 4;
  // The loader reads at most 16 directories whatever the count says.
  const std::uint32_t dir_count = std::min<std::uint32_t>(number_of_rva_and_sizes_, kDirCount);
  if (number_of_rva_and_sizes_ > kDirCount) {
    sink.Add("pe_rva_and_sizes_count_invalid",
             "NumberOfRvaAndSizes is " + std::to_string(number_of_rva_and_sizes_) +
                 "; only 16 data directories exist");
  }
  for (std::uint32_t i = 0; i < dir_count; ++i) {
    directories_[i].rva = ReadZ<std::uint32_t>(data, dirs_offset + 8ULL * i);
    directories_[i].size = ReadZ<std::uint32_t>(data, dirs_offset + 8ULL * i + 4);
  }
  const std::uint64_t clr_entry = dirs_offset + 8ULL * kDirClr;
  if (dir_count <= kDirClr && clr_entry + 8 <= opt + size_of_optional_header_) {
    clr_beyond_count_.rva = ReadZ<std::uint32_t>(data, clr_entry);
    clr_beyond_count_.size = ReadZ<std::uint32_t>(data, clr_entry + 4);
  }
  const std::uint64_t header_fields_end = dirs_offset + 8ULL * dir_count;
  if (header_fields_end > data.size()) {
    sink.Add("pe_headers_truncated", "the optional header ends at " + Hex32(header_fields_end) +
                                         ", past the end of the file (" +
                                         Hex32(data.size()) + "); missing bytes read as zero");
  }

  low_alignment_ = section_alignment_ < kPageSize;
  if (low_alignment_) {
    sink.Add("pe_low_alignment", "SectionAlignment " + Hex32(section_alignment_) +
                                     " is below the page size: the image is mapped flat");
  }
  if (!IsPowerOfTwo(section_alignment_) || !IsPowerOfTwo(file_alignment_)) {
    sink.Add("pe_invalid_alignment", "SectionAlignment " + Hex32(section_alignment_) +
                                         " / FileAlignment " + Hex32(file_alignment_) +
                                         " is not a power of two");
  }
  ParseSections(limits, sink);

  image_extent_ = AlignUp(size_of_image_, section_alignment_);
  for (const SectionHeader& s : sections_) {
    image_extent_ = std::max(image_extent_, std::uint64_t{s.virtual_address} + s.virtual_extent);
  }
  return true;
}

void PeImage::ParseSections(const PeLimits& limits, AnomalySink& sink) {
  const std::uint64_t table = optional_header_offset_ + size_of_optional_header_;
  std::uint32_t count = number_of_sections_;
  if (count > limits.max_sections) {
    sink.Add("pe_section_count_exceeds_limit",
             std::to_string(count) + " sections; only the first " +
                 std::to_string(limits.max_sections) + " are read");
    count = limits.max_sections;
  }
  const std::uint64_t string_table =
      std::uint64_t{pointer_to_symbol_table_} + kCoffSymbolSize * number_of_symbols_;
  const bool sector_rounding = file_alignment_ >= kSectorSize;
  sections_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t at = table + kSectionHeaderSize * i;
    if (at + kSectionHeaderSize > data_.size()) {
      sink.Add("pe_truncated", "the section table ends past the end of the file after " +
                                   std::to_string(i) + " of " +
                                   std::to_string(number_of_sections_) + " sections");
      break;
    }
    SectionHeader s;
    // PE Format, "Section Table (Section Headers)".
    const std::string raw_name = ReadCString(data_, at, 8);
    s.name = Printable(raw_name);
    if (raw_name.size() > 1 && raw_name[0] == '/' && pointer_to_symbol_table_ != 0) {
      // "/4": offset into the COFF string table, written by MinGW for names over 8 bytes.
      std::uint64_t offset = 0;
      bool digits = true;
      for (std::size_t k = 1; k < raw_name.size(); ++k) {
        if (raw_name[k] < '0' || raw_name[k] > '9') digits = false;
        else offset = offset * 10 + static_cast<std::uint64_t>(raw_name[k] - '0');
      }
      if (digits) {
        const std::string long_name =
            ReadCString(data_, string_table + offset, kMaxLongSectionName);
        if (!long_name.empty()) s.name = Printable(long_name);
      }
    }
    s.virtual_size = ReadZ<std::uint32_t>(data_, at + 8);
    s.virtual_address = ReadZ<std::uint32_t>(data_, at + 12);
    s.raw_size = ReadZ<std::uint32_t>(data_, at + 16);
    s.raw_offset = ReadZ<std::uint32_t>(data_, at + 20);
    s.characteristics = ReadZ<std::uint32_t>(data_, at + 36);

    const std::uint64_t virtual_size = s.virtual_size != 0 ? s.virtual_size : s.raw_size;
    s.virtual_extent = AlignUp(virtual_size, low_alignment_ ? 1 : section_alignment_);
    if (s.raw_offset != 0 && s.raw_size != 0) {
      std::uint64_t offset = s.raw_offset;
      if (sector_rounding && !low_alignment_) offset &= ~std::uint64_t{kSectorSize - 1};
      std::uint64_t size = AlignUp(s.raw_size, sector_rounding ? file_alignment_ : 1);
      if (!low_alignment_) size = std::min(size, s.virtual_extent);
      if (offset < data_.size()) {
        s.mapped_offset = offset;
        s.mapped_size = std::min<std::uint64_t>(size, data_.size() - offset);
      }
    }
    sections_.push_back(std::move(s));
  }
}

int PeImage::SectionIndexOfRva(std::uint64_t rva) const {
  for (std::size_t i = 0; i < sections_.size(); ++i) {
    const SectionHeader& s = sections_[i];
    if (rva >= s.virtual_address && rva - s.virtual_address < s.virtual_extent) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

RvaMapping PeImage::MapRva(std::uint64_t rva) const {
  RvaMapping m;
  if (low_alignment_) {
    // Flat mapping: the file is the image, zero-filled up to SizeOfImage.
    if (rva < data_.size()) {
      m.kind = RvaMapping::Kind::kFile;
      m.offset = rva;
      m.run = data_.size() - rva;
    } else if (rva < image_extent_) {
      m.kind = RvaMapping::Kind::kZero;
      m.run = image_extent_ - rva;
    }
    return m;
  }
  const int index = SectionIndexOfRva(rva);
  if (index >= 0) {
    const SectionHeader& s = sections_[static_cast<std::size_t>(index)];
    const std::uint64_t delta = rva - s.virtual_address;
    if (delta < s.mapped_size) {
      m.kind = RvaMapping::Kind::kFile;
      m.offset = s.mapped_offset + delta;
      m.run = s.mapped_size - delta;
    } else {
      m.kind = RvaMapping::Kind::kZero;
      m.run = s.virtual_extent - delta;
    }
    return m;
  }
  // The headers occupy the first page(s): SizeOfHeaders bytes of the file, then zeros.
  const std::uint64_t header_end =
      AlignUp(std::max<std::uint64_t>(size_of_headers_, 1), section_alignment_);
  if (rva < header_end) {
    // Lenient like pefile: the whole first aligned region comes from the file when it exists.
    const std::uint64_t file_end = std::min<std::uint64_t>(header_end, data_.size());
    if (rva < file_end) {
      m.kind = RvaMapping::Kind::kFile;
      m.offset = rva;
      m.run = file_end - rva;
    } else {
      m.kind = RvaMapping::Kind::kZero;
      m.run = header_end - rva;
    }
  }
  return m;
}

std::optional<std::uint64_t> PeImage::RvaToOffset(std::uint64_t rva) const {
  if (!low_alignment_) {
    const int index = SectionIndexOfRva(rva);
    if (index >= 0) {
      const SectionHeader& s = sections_[static_cast<std::size_t>(index)];
      return s.mapped_offset + (rva - s.virtual_address);
    }
  }
  if (rva < data_.size()) return rva;
  return std::nullopt;
}

bool PeImage::ReadRva(std::uint64_t rva, std::size_t length, std::uint8_t* out) const {
  std::size_t done = 0;
  while (done < length) {
    const RvaMapping m = MapRva(rva + done);
    if (m.kind == RvaMapping::Kind::kInvalid || m.run == 0) return false;
    const std::size_t chunk =
        static_cast<std::size_t>(std::min<std::uint64_t>(m.run, length - done));
    if (m.kind == RvaMapping::Kind::kFile) {
      std::memcpy(out + done, data_.data() + m.offset, chunk);
    } else {
      std::memset(out + done, 0, chunk);
    }
    done += chunk;
  }
  return true;
}

std::optional<std::uint16_t> PeImage::ReadRvaU16(std::uint64_t rva) const {
  std::uint8_t b[2];
  if (!ReadRva(rva, sizeof b, b)) return std::nullopt;
  return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
}

std::optional<std::uint32_t> PeImage::ReadRvaU32(std::uint64_t rva) const {
  std::uint8_t b[4];
  if (!ReadRva(rva, sizeof b, b)) return std::nullopt;
  return ReadLe<std::uint32_t>(ByteSpan(b, 4), 0);
}

std::optional<std::uint64_t> PeImage::ReadRvaU64(std::uint64_t rva) const {
  std::uint8_t b[8];
  if (!ReadRva(rva, sizeof b, b)) return std::nullopt;
  return ReadLe<std::uint64_t>(ByteSpan(b, 8), 0);
}

std::optional<std::string> PeImage::ReadRvaCString(std::uint64_t rva,
                                                   std::size_t max_length) const {
  std::string out;
  while (out.size() < max_length) {
    const RvaMapping m = MapRva(rva + out.size());
    if (m.kind == RvaMapping::Kind::kInvalid || m.run == 0) {
      if (out.empty()) return std::nullopt;
      break;
    }
    if (m.kind == RvaMapping::Kind::kZero) break;
    const std::uint64_t n = std::min<std::uint64_t>(m.run, max_length - out.size());
    const auto* begin = data_.data() + m.offset;
    const auto* end = begin + n;
    const auto* nul = std::find(begin, end, std::uint8_t{0});
    out.append(reinterpret_cast<const char*>(begin), static_cast<std::size_t>(nul - begin));
    if (nul != end) break;
  }
  return out;
}

ByteSpan PeImage::FileSpanAtRva(std::uint64_t rva, std::uint64_t length) const {
  const RvaMapping m = MapRva(rva);
  if (m.kind != RvaMapping::Kind::kFile) return {};
  return SubSpan(data_, m.offset, std::min(length, m.run));
}

}  // namespace kensa::pe::internal
