#pragma once
// Excel 4.0 (XLM) macros and DDE in cell formulas in the static stage: kensa::xlm's facts
// turned into StaticResult.xlm and anomalies, and the formulas handed to indicator extraction
// (they are tokens in the file: strings never show them).
//
// Containers: OLE2 files with a "Workbook" (BIFF8) or "Book" (BIFF5) stream, OOXML packages with
// an xl/ folder (XML or XLSB parts), and SYLK text. Anomaly codes (kensa/xlm/xlm_analysis.h),
// matched by rules/signatures/xlm.yaml: xlm_macro_sheet, xlm_hidden_macro_sheet,
// xlm_very_hidden_macro_sheet, xlm_auto_open, xlm_exec, xlm_call_register, xlm_download,
// xlm_obfuscation, cell_dde_command, xlm_encrypted_workbook, xlm_malformed, xlm_limit.
//
// In OOXML packages the OOXML analyzer already reports macro sheets, hidden sheets, Auto_Open
// names and DDE links (ooxml_excel4_macro_sheet, ooxml_hidden_sheet, ooxml_excel4_auto_run_name,
// ooxml_dde_field); the same facts are not reported twice there, so that one fact scores once.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/archive/archive_reader.h"
#include "kensa/core/bytes.h"

namespace kensa::static_analysis {

// Fills result->xlm (when the sample is a workbook) and anomalies; appends ("xlm", formulas)
// to decoded_texts. `package`: for an OOXML sample, its zip as the static stage read it (null
// when it could not be read: then there is nothing to look at).
void AnalyzeExcel4Macros(ByteSpan data, std::string_view format, const archive::ArchiveListing* package,
                         analysis::v1::StaticResult* result,
                         std::vector<std::pair<std::string, std::string>>* decoded_texts);

}  // namespace kensa::static_analysis
