#pragma once
// RTF documents in the static stage: kensa::rtf's objects turned into StaticResult facts
// (RtfInfo, anomalies, extracted_files) and child samples, and the text hidden in them (link
// URLs, Package paths, Equation Editor command lines, templates, DDE fields) handed to
// indicator extraction.
//
// Every decoded object becomes one child (origin "rtf object"): the file inside a Package
// object under its own name, otherwise the object's native data (an OLE2 compound file for
// most classes) or, when there is no OLE1 header, the decoded bytes, named
// "<class>_object_<n>.bin". Anomaly codes, matched by rules/signatures/rtf.yaml:
//   rtf_equation_editor_exploit  an Equation Native stream with a CVE-2017-11882,
//                                CVE-2018-0802 or CVE-2018-0798 shape (detail: CVE, offsets)
//   rtf_equation_editor_object   an Equation Editor object (class, CLSID or stream)
//   rtf_embedded_package         a Package object (detail: file name, source path)
//   rtf_embedded_ole_object      any other decoded object (detail: class, offset, size)
//   rtf_object_autoupdate        an object with \objupdate or \objautlink: it loads on open
//   rtf_object_remote_link       a link to a URL or UNC path (URL/file moniker, OLE1 topic)
//   rtf_remote_template          {\*\template} naming a URL or UNC path
//   rtf_dde_field                a DDE or DDEAUTO field
//   rtf_ole1_truncated           an OLE1 header or native data shorter than declared
//   rtf_obfuscated               one per document, listing the tricks below
// and kensa::rtf's own finding codes (rtf_parser.h), each an anomaly of its own.

#include <string>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

// Fills result->rtf, anomalies and extracted_files; appends children (when not nullptr) and
// (source label, text) pairs to decoded_texts.
void AnalyzeRtf(ByteSpan data, analysis::v1::StaticResult* result,
                std::vector<ExtractedChild>* children,
                std::vector<std::pair<std::string, std::string>>* decoded_texts);

}  // namespace kensa::static_analysis
