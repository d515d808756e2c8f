#pragma once
// Internal: the parsed headers of a PE image and the RVA -> file offset mapping that every
// directory parser uses. Not part of the public API.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/pe/pe_analyzer.h"

namespace kensa::pe::internal {

// Data directory indexes (PE Format, "Optional Header Data Directories").
enum DirectoryIndex : std::uint32_t {
  kDirExport = 0,
  kDirImport = 1,
  kDirResource = 2,
  kDirException = 3,
  kDirSecurity = 4,
  kDirBaseReloc = 5,
  kDirDebug = 6,
  kDirArchitecture = 7,
  kDirGlobalPtr = 8,
  kDirTls = 9,
  kDirLoadConfig = 10,
  kDirBoundImport = 11,
  kDirIat = 12,
  kDirDelayImport = 13,
  kDirClr = 14,
  kDirReserved = 15,
  kDirCount = 16,
};

// Section flags (PE Format, "Section Flags").
inline constexpr std::uint32_t kScnCntCode = 0x00000020;
inline constexpr std::uint32_t kScnMemExecute = 0x20000000;
inline constexpr std::uint32_t kScnMemRead = 0x40000000;
inline constexpr std::uint32_t kScnMemWrite = 0x80000000;

struct DataDirectory {
  std::uint32_t rva = 0;
  std::uint32_t size = 0;
};

struct SectionHeader {
  std::string name;  // printable, NULs trimmed, long names resolved
  std::uint32_t virtual_size = 0;
  std::uint32_t virtual_address = 0;
  std::uint32_t raw_size = 0;
  std::uint32_t raw_offset = 0;
  std::uint32_t characteristics = 0;
  // What the loader maps: the raw span after alignment quirks, clipped to the file.
  std::uint64_t mapped_offset = 0;
  std::uint64_t mapped_size = 0;
  // Virtual extent (VirtualSize, or SizeOfRawData when VirtualSize is 0), section-aligned.
  std::uint64_t virtual_extent = 0;
};

// Collects anomalies, at most PeLimits::max_anomalies_per_code of each code.
class AnomalySink {
 public:
  explicit AnomalySink(std::uint32_t max_per_code) : max_per_code_(max_per_code) {}
  void Add(std::string_view code, std::string detail);
  bool Has(std::string_view code) const;
  std::vector<analysis::v1::Anomaly> Take() { return std::move(anomalies_); }

 private:
  std::uint32_t max_per_code_;
  std::vector<analysis::v1::Anomaly> anomalies_;
  std::vector<std::pair<std::string, std::uint32_t>> counts_;
};

// Bytes the digest and entropy computations may still read (PeLimits::max_hashed_bytes_factor).
class HashBudget {
 public:
  explicit HashBudget(std::uint64_t bytes) : left_(bytes) {}
  // True (and charged) when `bytes` more may be hashed.
  bool Take(std::uint64_t bytes) {
    if (bytes > left_) return false;
    left_ -= bytes;
    return true;
  }

 private:
  std::uint64_t left_;
};

// Bytes of names (imports, exports) the parsers may still keep (PeLimits::max_total_name_bytes).
class NameBudget {
 public:
  explicit NameBudget(std::uint64_t bytes) : left_(bytes) {}
  bool Take(std::uint64_t bytes) {
    if (bytes > left_) return false;
    left_ -= bytes;
    return true;
  }

 private:
  std::uint64_t left_;
};

// Where an RVA lands: in the file, in zero-filled virtual space, or nowhere in the image.
struct RvaMapping {
  enum class Kind { kFile, kZero, kInvalid } kind = Kind::kInvalid;
  std::uint64_t offset = 0;  // file offset, for kFile
  std::uint64_t run = 0;     // bytes of the same kind that follow contiguously
};

class PeImage {
 public:
  // Parses DOS, NT, COFF and optional headers and the section table. Returns false when the
  // data is not a PE (no MZ or no PE signature); malformations go to `sink`.
  bool Parse(ByteSpan data, const PeLimits& limits, AnomalySink& sink);

  ByteSpan data() const { return data_; }
  bool is_64() const { return is_64_; }
  std::uint32_t e_lfanew() const { return e_lfanew_; }
  std::uint16_t machine() const { return machine_; }
  std::uint16_t number_of_sections() const { return number_of_sections_; }
  std::uint32_t timestamp() const { return timestamp_; }
  std::uint32_t pointer_to_symbol_table() const { return pointer_to_symbol_table_; }
  std::uint32_t number_of_symbols() const { return number_of_symbols_; }
  std::uint16_t size_of_optional_header() const { return size_of_optional_header_; }
  std::uint16_t characteristics() const { return characteristics_; }
  std::uint16_t magic() const { return magic_; }
  std::uint8_t linker_major() const { return linker_major_; }
  std::uint8_t linker_minor() const { return linker_minor_; }
  std::uint32_t entry_point() const { return entry_point_; }
  std::uint64_t image_base() const { return image_base_; }
  std::uint32_t section_alignment() const { return section_alignment_; }
  std::uint32_t file_alignment() const { return file_alignment_; }
  std::uint16_t os_major() const { return os_major_; }
  std::uint16_t os_minor() const { return os_minor_; }
  std::uint32_t size_of_image() const { return size_of_image_; }
  std::uint32_t size_of_headers() const { return size_of_headers_; }
  std::uint32_t checksum() const { return checksum_; }
  std::uint64_t checksum_offset() const { return optional_header_offset_ + 64; }
  std::uint16_t subsystem() const { return subsystem_; }
  std::uint16_t dll_characteristics() const { return dll_characteristics_; }
  std::uint32_t number_of_rva_and_sizes() const { return number_of_rva_and_sizes_; }
  std::uint64_t optional_header_offset() const { return optional_header_offset_; }
  const std::array<DataDirectory, kDirCount>& directories() const { return directories_; }
  const DataDirectory& directory(DirectoryIndex index) const { return directories_[index]; }
  // The CLR entry (14) as stored in the optional header when NumberOfRvaAndSizes says it is not
  // there: the .NET runtime reads it anyway (corkami tinynet: NumberOfRvaAndSizes = 2).
  const DataDirectory& clr_beyond_count() const { return clr_beyond_count_; }
  const std::vector<SectionHeader>& sections() const { return sections_; }
  // Low-alignment images (SectionAlignment < page size) are mapped flat: RVA == file offset.
  bool low_alignment() const { return low_alignment_; }
  // SizeOfImage or, when it is smaller, the end of the last section: the mapped extent.
  std::uint64_t image_extent() const { return image_extent_; }

  RvaMapping MapRva(std::uint64_t rva) const;
  // File offset of `rva` when it lies in the file, pefile-style (used for overlay bounds).
  std::optional<std::uint64_t> RvaToOffset(std::uint64_t rva) const;
  // Index of the section whose virtual range holds `rva`, or -1.
  int SectionIndexOfRva(std::uint64_t rva) const;

  // Copies `length` bytes at `rva` into `out`, with zeros for virtual space. False when part of
  // the range lies outside the image.
  bool ReadRva(std::uint64_t rva, std::size_t length, std::uint8_t* out) const;
  std::optional<std::uint16_t> ReadRvaU16(std::uint64_t rva) const;
  std::optional<std::uint32_t> ReadRvaU32(std::uint64_t rva) const;
  std::optional<std::uint64_t> ReadRvaU64(std::uint64_t rva) const;
  // A NUL-terminated byte string at `rva` (at most `max_length` bytes); nullopt when `rva` is
  // outside the image. Virtual space reads as an empty string.
  std::optional<std::string> ReadRvaCString(std::uint64_t rva, std::size_t max_length) const;
  // The bytes at `rva` as a span of the file, clipped to the contiguous file-backed run.
  ByteSpan FileSpanAtRva(std::uint64_t rva, std::uint64_t length) const;

 private:
  void ParseSections(const PeLimits& limits, AnomalySink& sink);

  ByteSpan data_;
  bool is_64_ = false;
  bool low_alignment_ = false;
  std::uint32_t e_lfanew_ = 0;
  std::uint16_t machine_ = 0;
  std::uint16_t number_of_sections_ = 0;
  std::uint32_t timestamp_ = 0;
  std::uint32_t pointer_to_symbol_table_ = 0;
  std::uint32_t number_of_symbols_ = 0;
  std::uint16_t size_of_optional_header_ = 0;
  std::uint16_t characteristics_ = 0;
  std::uint16_t magic_ = 0;
  std::uint8_t linker_major_ = 0;
  std::uint8_t linker_minor_ = 0;
  std::uint32_t entry_point_ = 0;
  std::uint64_t image_base_ = 0;
  std::uint32_t section_alignment_ = 0;
  std::uint32_t file_alignment_ = 0;
  std::uint16_t os_major_ = 0;
  std::uint16_t os_minor_ = 0;
  std::uint32_t size_of_image_ = 0;
  std::uint32_t size_of_headers_ = 0;
  std::uint32_t checksum_ = 0;
  std::uint16_t subsystem_ = 0;
  std::uint16_t dll_characteristics_ = 0;
  std::uint32_t number_of_rva_and_sizes_ = 0;
  std::uint64_t optional_header_offset_ = 0;
  std::uint64_t image_extent_ = 0;
  std::array<DataDirectory, kDirCount> directories_{};
  DataDirectory clr_beyond_count_;
  std::vector<SectionHeader> sections_;
};

// Printable form of bytes read from the file: printable ASCII kept (a backslash too, since UNC
// import paths need it), anything else as \xNN, so that names are valid UTF-8 in protobuf
// strings and cannot smuggle control characters.
std::string Printable(std::string_view raw);
// `raw` when it is valid UTF-8 without control characters, else Printable(raw).
std::string Utf8OrPrintable(std::string_view raw);

}  // namespace kensa::pe::internal
