#pragma once
// Office Open XML documents (docx, docm, dotm, xlsx, xlsm, xlsb, pptx, pptm...) in the static
// stage: the zip container is opened with kensa::archive, and its parts are read as an OPC
// package ([ECMA-376] Part 2): [Content_Types].xml, every .rels part, the Word document parts,
// the workbook, ActiveX parts, external link parts and the document properties.
//
//   kensa::Result<OoxmlAnalysis> ooxml = AnalyzeOoxml(bytes, "invoice.docx");
//   if (ooxml) AddOoxmlToResult(std::move(*ooxml), &result, &children, &decoded_texts);
//
// Findings are anomalies with stable codes (rules/signatures/ooxml.yaml matches them); the
// detail starts with the evidence (the URL, the command, the part):
//   ooxml_remote_template          attachedTemplate to http(s), ftp, UNC or another URI scheme
//                                  (template injection)
//   ooxml_external_ole_object      an oleObject relationship with TargetMode="External" to a
//                                  remote target (Follina and other OLE link downloaders)
//   ooxml_remote_frame             a frame or subDocument relationship to a remote target
//   ooxml_external_remote_resource any other non-hyperlink relationship, or an INCLUDEPICTURE /
//                                  INCLUDETEXT field, with a remote target (web beacons,
//                                  external workbooks)
//   ooxml_unc_target               one of the above on a UNC path (NTLM hash leak)
//   ooxml_dde_field                a Word DDE / DDEAUTO field or an Excel DDE link
//   ooxml_embedded_ole_object      an OLE object part (embeddings/oleObject*.bin)
//   ooxml_embedded_package         an embedded document part (embeddings/*.docx, *.xlsx...)
//   ooxml_alt_chunk                an altChunk part Word imports on open (RTF, HTML, MHT)
//   ooxml_activex_control          an ActiveX control; detail: the part and its CLSID
//   ooxml_activex_exploit_clsid    the control's CLSID is one exploits were delivered with
//                                  (Shockwave Flash, MSCOMCTL ListView/TreeView...)
//   ooxml_macro_extension_mismatch a macro-free name (.docx, .xlsx, .pptx...) on a package whose
//                                  main content type is macro-enabled or that holds VBA
//   ooxml_excel4_macro_sheet       an Excel 4.0 macro sheet (xl/macrosheets/...)
//   ooxml_excel4_auto_run_name     a defined name Excel runs by itself (Auto_Open, Auto_Open2,
//                                  Auto_Close...)
//   ooxml_hidden_sheet             a sheet with state="hidden"
//   ooxml_very_hidden_sheet        a sheet with state="veryHidden"
//   ooxml_vba_project_unreadable   vbaProject.bin is not a compound file
// Malformations:
//   ooxml_content_types_missing    no [Content_Types].xml part
//   ooxml_xml_malformed            a part the analysis needs is not well-formed XML (or its
//                                  DOM would pass the memory budget); detail: part and error
//   ooxml_xml_doctype              a part has a DOCTYPE, which Office never writes: entity tricks
//                                  (billion laughs, XXE) aimed at other parsers. pugixml
//                                  expands no entity beyond the five predefined ones and
//                                  character references, and loads nothing external.
//   ooxml_part_too_large           a part the analysis needs is above max_xml_part_size; not read
//   ooxml_relationship_limit       more than max_relationships relationships; the rest ignored
//   ooxml_xlsb_record_limit        a binary workbook part has more records than read
// The zip container's own findings (archive_bomb_ratio, archive_path_traversal,
// archive_encrypted, archive_damaged...; archive_reader.h) are kept, except
// archive_nested_archive: embedded documents are zips by design.
//
// Children: every OLE object, embedded package, ActiveX binary and VBA project part, with
// origin "ooxml embedding", "ooxml activex" or "ooxml vba project". vbaProject.bin is also
// analyzed in place with AnalyzeOffice, so a .docm gives the same VBA findings as a .doc.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/ooxml.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/archive/archive_reader.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/static_analysis/office_analyzer.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

struct OoxmlLimits {
  // The zip container: parts, sizes, expansion ratio, time (kensa::archive's defaults).
  archive::ArchiveLimits archive;
  // XML and binary parts larger than this are not parsed; Word's document.xml of a 500-page
  // report is a few MiB.
  std::size_t max_xml_part_size = 16u << 20;
  // Memory pugixml may allocate for one part's DOM; a part of tiny elements costs ~16x its
  // size, so this also bounds what max_xml_part_size lets through.
  std::size_t max_xml_memory = 256u << 20;
  // Relationships read over all .rels parts; real documents have tens to a few thousand.
  std::size_t max_relationships = 20000;
  // Entries kept per list in OoxmlInfo (external relationships, DDE links, sheets...), and
  // anomalies kept per code.
  std::size_t max_listed = 200;
  // Anomalies kept per code: a thousand hidden sheets say no more than twenty.
  std::size_t max_anomalies_per_code = 20;
  // Bytes kept of one field code, target or property; longer ones are cut.
  std::size_t max_text = 4096;
  // Texts handed to indicator extraction (external targets, DDE commands, include fields).
  std::size_t max_decoded_texts = 1000;
  // Records read from one binary workbook part (.xlsb); real workbook.bin parts have hundreds.
  std::size_t max_xlsb_records = 100000;
  // VBA analysis of vbaProject.bin.
  OfficeLimits office;
};

struct OoxmlAnalysis {
  analysis::v1::OoxmlInfo info;
  std::vector<analysis::v1::Anomaly> anomalies;
  // Embedded parts with their bytes; info.embedded_parts lists the same parts.
  std::vector<ExtractedChild> children;
  // (source label, text): external targets and DDE commands, for indicator extraction.
  std::vector<std::pair<std::string, std::string>> decoded_texts;
  // The VBA of vbaProject.bin, when the package has one that is a compound file.
  std::optional<OfficeAnalysis> vba;
};

// Reads `data` as an OOXML package. `file_name` (may be empty) is only used for the extension
// check. Errors: kInvalidArgument when the bytes are no zip libarchive can open. Everything
// odd about a readable zip is an anomaly.
Result<OoxmlAnalysis> AnalyzeOoxml(ByteSpan data, std::string_view file_name,
                                   const OoxmlLimits& limits = {});

// The same over a package already read with archive::ReadArchive (limits.archive): the static
// stage reads a package once for this and for its Excel 4.0 macro sheets.
OoxmlAnalysis AnalyzeOoxml(const archive::ArchiveListing& package, std::string_view file_name,
                           const OoxmlLimits& limits = {});

// Moves an analysis into the static stage's result: info into result->ooxml, anomalies, the
// VBA project's OfficeInfo into result->office (its modules' sources into decoded_texts as
// "office.vba:<module>", like OLE2 documents), embedded parts into result->extracted_files and
// `children` (may be nullptr), and the decoded texts into `decoded_texts`.
void AddOoxmlToResult(OoxmlAnalysis analysis, analysis::v1::StaticResult* result,
                      std::vector<ExtractedChild>* children,
                      std::vector<std::pair<std::string, std::string>>* decoded_texts);

}  // namespace kensa::static_analysis
