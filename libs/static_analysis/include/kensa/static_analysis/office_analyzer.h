#pragma once
// OLE2 Office documents (.doc, .xls, .ppt, .dot, vbaProject.bin) in the static stage: document
// metadata, encryption, and the VBA macros with what they do (auto-exec entry points, shell,
// download, Win32 API declares, Chr/StrReverse obfuscation), each finding with its line.
//
//   kensa::Result<OfficeAnalysis> office = AnalyzeOffice(bytes);
//   if (office) { *result.mutable_office() = office->info; ... office->anomalies ... }
//
// The container and VBA are read by kensa::ole; a .ppt's VBA project, kept compressed in a record
// of its "PowerPoint Document" stream, is unpacked first (kensa::ole::ReadPptStorages) and its
// modules reported like a .doc's, with project_path "PowerPoint Document/VbaProjectStg". A Word
// document's field codes are read through its piece table (kensa::ole::ReadWordText): DDE and
// DDEAUTO fields are info.dde_links and "office_dde_field", INCLUDEPICTURE / INCLUDETEXT /
// IMPORT with a remote target "office_remote_field" ("office_unc_field" for \\host\share).
// Only "not a compound file" is an error;
// everything odd about the document is an anomaly: "office_encrypted",
// "vba_source_stripped_pcode_present" (VBA stomping: a module with more p-code than an empty
// module carries and no source beyond attribute lines), and kensa::ole's own codes.
// Signature rules match the findings by kind (rules/signatures/office.yaml,
// `vba_findings_any` / `vba_findings_all` in rules/signatures/README.md).

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/office.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::static_analysis {

struct OfficeLimits {
  // Source kept per module in the result; the report shows a few lines, analysts want context.
  std::size_t max_source_bytes = 256u * 1024;
  // Findings kept per module; a generated macro repeats the same call thousands of times.
  std::size_t max_findings_per_module = 200;
  // Modules kept in the result; real projects have tens.
  std::size_t max_modules = 512;
  // A Word document's DDE links listed, and bytes kept of each field code and command.
  std::size_t max_fields = 64;
  std::size_t max_field_bytes = 4096;
};

struct OfficeAnalysis {
  analysis::v1::OfficeInfo info;
  std::vector<analysis::v1::Anomaly> anomalies;
  // Full decompressed source of each module in info.vba_modules (same order), for indicator
  // extraction: info keeps a bounded copy only.
  std::vector<std::string> module_sources;
  // Other text read out of the document for indicator extraction, as (label, text): the
  // commands of DDE fields ("office.dde") and the targets of remote include fields
  // ("office.field").
  std::vector<std::pair<std::string, std::string>> decoded_texts;
};

// Reads a compound file. NotFound/InvalidArgument only when `data` is not a compound file.
Result<OfficeAnalysis> AnalyzeOffice(ByteSpan data, const OfficeLimits& limits = {});

// The findings of one module's VBA source (CRLF or LF line ends), at most `max_findings`.
// Keywords are matched without case on identifier boundaries, outside comments.
std::vector<analysis::v1::VbaFinding> ScanVbaSource(std::string_view source,
                                                    std::size_t max_findings = 200);

// True when the source holds nothing but blank lines and "Attribute VB_..." lines.
bool VbaSourceIsOnlyAttributes(std::string_view source);

}  // namespace kensa::static_analysis
