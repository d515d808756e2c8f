#pragma once
// Kensa's own parser for PE32 / PE32+ images (EXE, DLL, SYS), written for hostile input from
// the Microsoft PE/COFF specification ("PE Format", learn.microsoft.com) and the behaviour of
// the Windows loader on the corner cases collected by corkami.
//
//   kensa::Result<kensa::pe::PeAnalysis> pe = kensa::pe::AnalyzePe(bytes);
//   if (!pe) return pe.error();            // not a PE at all
//   for (const auto& a : pe->anomalies) ...  // everything odd about it
//   Use(pe->info, pe->imphash);
//
// Only "this is not a PE" is an error. Every other malformation (truncated tables, loops,
// impossible offsets, counts past a limit) becomes an Anomaly with a stable snake_case code,
// and parsing goes on as far as it can. Every loop driven by a count in the file is bounded by
// a field of PeLimits. Nothing here throws, and AnalyzePe never reads outside `data`.
//
// Field notes on analysis::v1::PeInfo as filled here:
// - PeImportedFunction.name: for an import by ordinal (by_ordinal = true) from ws2_32.dll,
//   wsock32.dll or oleaut32.dll, the name the ordinal stands for (pefile's ordlookup); empty
//   for other imports by ordinal.
// - PeVersionInfo.translations: each VarFileInfo\Translation entry as (language << 16) |
//   code page, i.e. 0x040904B0 for en-US / Unicode, the same spelling as StringTable keys.
// - PeSection.name: "/4"-style long names are resolved through the COFF string table when the
//   image has one (MinGW builds); otherwise the raw "/4" text is kept.
// - PeInfo.is_driver: IMAGE_FILE_SYSTEM is set, or the image is a native-subsystem WDM driver
//   (IMAGE_DLLCHARACTERISTICS_WDM_DRIVER), or it imports a module only kernel-mode code
//   imports (ntoskrnl.exe, hal.dll, ndis.sys, fltmgr.sys...).
// - PeInfo.is_dotnet: a CLR directory with a size; past NumberOfRvaAndSizes only when it leads
//   to a "BSJB" metadata root (the runtime reads it anyway).
// - PeInfo.overlay_*: pefile's get_overlay_data_start_offset (an Authenticode blob at the end
//   counts as overlay); PeSection.md5/entropy: the bytes pefile's section get_data() returns.
// - PeResource.content_format: a few unambiguous magics only ("pe", "zip", "png"...); the
//   identification stage can refine it.
// - PeInfo.rich_hash: pefile's get_rich_header_hash (MD5 of the decoded bytes from 0x80 up to
//   "Rich"); PeSignatureInfo.subjects: each certificate's CN (its RFC 2253 name when it has no
//   CN), the PKCS#7 signer certificates first.
//
// Anomaly codes (stable; details are free text):
//   structure   pe_headers_truncated pe_truncated pe_invalid_optional_header_magic
//               pe_rva_and_sizes_count_invalid pe_low_alignment pe_invalid_alignment
//               pe_no_sections pe_sections_overlap pe_size_of_image_mismatch
//   suspicious  pe_writable_executable_section pe_entry_point_outside_code
//               pe_entry_point_outside_sections pe_known_packer_section
//               pe_high_entropy_section pe_zero_size_raw_section_executable pe_no_imports
//               pe_timestamp_zero pe_timestamp_in_future pe_checksum_mismatch
//               pe_rich_header_checksum_mismatch pe_tls_callbacks pe_overlay_present
//   tables      pe_import_parse_error pe_import_invalid_name pe_export_parse_error
//               pe_resource_parse_error pe_resource_loop pe_resource_too_deep
//               pe_resource_data_truncated pe_version_info_invalid pe_rich_header_malformed
//               pe_tls_parse_error pe_debug_parse_error pe_dotnet_header_invalid
//               pe_dotnet_metadata_invalid pe_dotnet_directory_beyond_count
//               pe_signature_invalid pe_signature_truncated
//   limits      pe_section_count_exceeds_limit pe_import_count_exceeds_limit
//               pe_export_count_exceeds_limit pe_resource_count_exceeds_limit
//               pe_tls_callback_count_exceeds_limit pe_debug_count_exceeds_limit
//               pe_name_budget_exceeded pe_hash_budget_exceeded

#include <cstdint>
#include <string>
#include <vector>

#include "kensa/analysis/v1/pe.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::pe {

// Bounds on every count that comes from the file. Defaults fit real software with room to
// spare; a file past a bound gets an anomaly and the rest of that table is skipped.
struct PeLimits {
  // Windows XP loads at most 96 sections; more is a packer or a crafted file (65535sects).
  std::uint32_t max_sections = 96;
  // The largest real import tables (Office, browsers) name fewer than 200 DLLs.
  std::uint32_t max_import_dlls = 512;
  // mfc/msvcrt-style imports reach a few thousand names from one DLL.
  std::uint32_t max_imports_per_dll = 8192;
  // Big system DLLs (shell32, mshtml) export a few thousand symbols; 64 Ki is the ordinal space.
  std::uint32_t max_exports = 65536;
  // Resource leaves (type/name/language triples); icon-heavy programs have hundreds.
  std::uint32_t max_resources = 4096;
  // The resource tree has exactly three levels: type, name, language.
  std::uint32_t max_resource_depth = 3;
  // TLS callback arrays hold one or two entries in compiled code; more is obfuscation.
  std::uint32_t max_tls_callbacks = 64;
  // CodeView and other debug entries: a linker writes fewer than ten.
  std::uint32_t max_debug_entries = 32;
  // Certificates attached in the security directory (signer chain plus counter-signatures).
  std::uint32_t max_certificates = 16;
  // StringFileInfo / VarFileInfo entries read from one RT_VERSION resource.
  std::uint32_t max_version_strings = 256;
  // Anomalies of one code; a crafted file could otherwise yield one per table entry.
  std::uint32_t max_anomalies_per_code = 16;
  // All imported functions together; the largest real programs import under 10,000, and
  // crafted tables (corkami manyimportsW7) otherwise cost millions of reads.
  std::uint32_t max_total_imports = 65536;
  // Longest import/export/DLL name kept; pefile keeps 0x200 bytes as well.
  std::uint32_t max_name_length = 512;
  // Bytes of import and export names kept in all (MFC's ~14,000 mangled exports are under
  // 1 MiB): a 1 KiB file whose 65536 exports all name one 512-byte string would otherwise
  // produce 32 MiB of names.
  std::uint32_t max_total_name_bytes = 2u << 20;
  // Bytes hashed for section and resource digests/entropy, as a multiple of the file size
  // (plus 1 MiB); a real file needs at most 2x (sections, then resources inside them).
  // Overlapping sections or resources that all point at one large blob would otherwise make
  // the work quadratic.
  std::uint32_t max_hashed_bytes_factor = 4;
};

struct PeAnalysis {
  analysis::v1::PeInfo info;
  std::vector<analysis::v1::Anomaly> anomalies;
  // Standard imphash (see ComputeImphash); empty when there are no imports.
  std::string imphash;
};

// Parses `data` as a PE image. kInvalidArgument only when the data is not a PE at all (no "MZ"
// header, or no "PE\0\0" signature at e_lfanew); everything else that is wrong is an anomaly.
Result<PeAnalysis> AnalyzePe(ByteSpan data, const PeLimits& limits = {});

// The standard imphash (pefile's get_imphash, as VirusTotal reports it): for each function of
// each non-delay-loaded import in order, "<dll>.<function>" where <dll> is the lower-cased DLL
// name with a final .dll/.ocx/.sys removed and <function> the lower-cased name, or for imports
// by ordinal the name from the ws2_32/wsock32/oleaut32 ordinal tables, else "ord<N>"; joined by
// ',' and MD5-hashed (lower-case hex). Empty when there are no such functions.
std::string ComputeImphash(const analysis::v1::PeInfo& info);

// BCP-47 tag of a Windows LANGID ("ja-JP" for 0x0411, "en-US" for 0x0409). An unknown
// sublanguage of a known primary language gives the bare language ("ja" for 0x0C11); neutral,
// invariant and unknown ids give "".
std::string LanguageTag(std::uint32_t lang_id);

// The export name that `ordinal` of `dll` (a file name such as "WS2_32.dll", any case) stands
// for in pefile's ordinal database, or "" when the DLL or the ordinal is not in it.
std::string OrdinalName(std::string_view dll, std::uint32_t ordinal);

}  // namespace kensa::pe
