#pragma once
// Embedded objects of an OLE2 document (or of an oleObject*.bin / RTF object that is itself a
// compound file) in the static stage:
//   - OLE Package objects: every \1Ole10Native stream is read as the Packager writes it
//     (kensa::rtf::ParseOle10Native) and the packaged file becomes a child sample (origin
//     "ole package"); its label, source path and temporary path go to
//     StaticResult.office.packages.
//   - Embedded objects: every storage below the root with a \1CompObj stream is listed with its
//     CLSID, ProgID and user type ([MS-OLEDS] 2.3.8) in StaticResult.office.embedded_objects.
//   - PowerPoint 97-2003: embedded objects are compound files zlib-compressed in ExOleObjStg
//     records of the "PowerPoint Document" stream (kensa::ole::ReadPptStorages). Each is read as
//     above (storage paths "PowerPoint Document/ExOleObjStg <persist id>/..."); a packaged file
//     becomes the child (origin "ole package"), any other object the unpacked compound file
//     itself (origin "embedded object", named "<ProgID>-<persist id>.bin").
// Anomalies: "ole_package_object" (a file packaged into the document, evidence its label and
// path), "ole_package_executable" (the packaged file is a program or script by its name or its
// content: the classic "double-click the icon" lure), "ole_package_truncated".

#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

// Does nothing for bytes that are not a compound file. ANSI names are read in the code page of
// result->office().metadata() (932: Shift_JIS), so call it after the office analyzer.
void AnalyzeOlePackages(ByteSpan data, analysis::v1::StaticResult* result,
                        std::vector<ExtractedChild>* children);

}  // namespace kensa::static_analysis
