#pragma once
// Test helper: assembles small, valid PE32 / PE32+ images byte by byte so that tests can state
// exactly what a parser must find. Layout: headers in the first 0x400 bytes (more when the
// section table needs it), SectionAlignment
// 0x1000, FileAlignment 0x200; the user's sections first, then generated .idata (imports),
// .edata (exports), .tls and .rsrc sections as needed, then the overlay.

#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::pe::testing {

inline constexpr std::uint32_t kScnCode = 0x00000020;
inline constexpr std::uint32_t kScnInitData = 0x00000040;
inline constexpr std::uint32_t kScnExecute = 0x20000000;
inline constexpr std::uint32_t kScnRead = 0x40000000;
inline constexpr std::uint32_t kScnWrite = 0x80000000;
inline constexpr std::uint32_t kTextFlags = kScnCode | kScnExecute | kScnRead;
inline constexpr std::uint32_t kDataFlags = kScnInitData | kScnRead | kScnWrite;

struct BuilderSection {
  std::string name;
  std::uint32_t characteristics = kTextFlags;
  Bytes content;                  // raw data (padded to FileAlignment in the file)
  std::uint32_t virtual_size = 0;  // 0: the content size
};

// One imported function: by name, or by ordinal when `name` is empty.
struct BuilderFunction {
  std::string name;
  std::uint16_t ordinal = 0;
};

struct BuilderImport {
  std::string dll;
  std::vector<BuilderFunction> functions;
  bool delay_loaded = false;
};

struct BuilderExport {
  std::string name;  // empty: exported by ordinal only
  std::uint32_t rva = 0;
  std::string forwarder;  // "DLL.Function": the export forwards
};

struct BuilderResource {
  std::uint16_t type = 10;  // RT_RCDATA
  std::uint16_t name_id = 1;
  std::string name;  // when set, a named entry (ASCII, stored as UTF-16) instead of name_id
  std::uint16_t language = 0x0409;
  Bytes data;
};

struct PeSpec {
  bool pe32_plus = false;
  std::uint16_t characteristics = 0x0102;  // EXECUTABLE_IMAGE | 32BIT_MACHINE
  std::uint16_t subsystem = 3;             // windows_cui
  std::uint16_t dll_characteristics = 0;
  std::uint32_t timestamp = 0x5E0BE100;    // 2020-01-01T00:00:00Z
  std::vector<BuilderSection> sections;
  // Entry point: `entry_offset` bytes into section `entry_section` (an index into `sections`);
  // entry_rva overrides both when non-zero.
  std::size_t entry_section = 0;
  std::uint32_t entry_offset = 0;
  std::uint32_t entry_rva = 0;
  std::vector<BuilderImport> imports;
  std::string export_name;  // DLL name in the export directory
  std::uint32_t export_base = 1;
  std::vector<BuilderExport> exports;
  std::vector<std::uint32_t> tls_callback_rvas;  // stored as VAs
  std::vector<BuilderResource> resources;
  Bytes overlay;
  // Write the correct PE checksum into the header (else `checksum` as given).
  bool fix_checksum = false;
  std::uint32_t checksum = 0;
};

inline constexpr std::uint64_t kImageBase32 = 0x400000;
inline constexpr std::uint64_t kImageBase64 = 0x140000000;

Bytes BuildPe(const PeSpec& spec);

// VS_VERSIONINFO with a VS_FIXEDFILEINFO, one StringTable (`table_key`, e.g. "040904b0") with
// `strings`, and a VarFileInfo\Translation of `translation` (language, code page).
Bytes BuildVersionInfo(std::uint64_t file_version, std::uint64_t product_version,
                       const std::string& table_key,
                       const std::vector<std::pair<std::string, std::string>>& strings,
                       std::uint16_t language, std::uint16_t code_page);

}  // namespace kensa::pe::testing
