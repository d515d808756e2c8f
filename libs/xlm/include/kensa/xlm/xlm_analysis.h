#pragma once
// Excel 4.0 (XLM) macros and DDE in cell formulas, read from every container Excel keeps them in:
//
//   BIFF8 / BIFF5 Workbook ("Workbook" / "Book" stream of an .xls/.xlt)  AnalyzeBiffWorkbook
//   OOXML packages: XML parts (.xlsm/.xltm/.xlam) and XLSB binary parts  AnalyzeSpreadsheetPackage
//   SYLK text (.slk)                                                       AnalyzeSylk
//
//   kensa::Result<kensa::Bytes> book = compound_file.ReadStream("Workbook");
//   kensa::xlm::XlmAnalysis xlm = kensa::xlm::AnalyzeBiffWorkbook(*book);
//   for (const auto& f : xlm.info.formulas()) ... f.sheet(), f.cell(), f.formula() ("=EXEC(...)")
//   for (const auto& a : xlm.anomalies) ...        // xlm_exec, xlm_auto_open, cell_dde_command...
//
// Facts (XlmInfo, proto/kensa/analysis/v1/xlm.proto): sheets with type and visibility, the
// formulas of macro sheets decoded to text ([MS-XLS] 2.5.198 Ptg tokens, [MS-XLSB] 2.5.97 Rgce),
// text constants of macro sheets, auto-run names (Auto_Open, Auto_Close and names starting with
// them) with their target cell, and DDE links (server|topic!item) used in cell formulas.
//
// Findings (anomalies with stable codes; the detail names the sheet, the cell and the formula):
//   xlm_macro_sheet              the workbook has an Excel 4.0 macro sheet
//   xlm_hidden_macro_sheet       a macro sheet is hidden
//   xlm_very_hidden_macro_sheet  a macro sheet is very hidden (Excel's interface cannot show it)
//   xlm_auto_open                a name Excel runs on open or close points into the workbook
//   xlm_exec                     a formula runs a program (EXEC, or ShellExecute / WinExec /
//                                CreateProcess through CALL)
//   xlm_call_register            REGISTER / CALL of a DLL function (URLDownloadToFileA,
//                                ShellExecuteA, VirtualAlloc, CreateThread...)
//   xlm_download                 a formula downloads (URLDownloadToFile, WinHttp, a URL)
//   xlm_obfuscation              formulas built from CHAR() pieces, or written with FORMULA /
//                                FORMULA.FILL / SET.VALUE and then jumped to (self-modifying)
//   xlm_encrypted_workbook       FILEPASS: the records are encrypted, formulas not decoded
//   xlm_malformed                a record or part that could not be read as declared
//   xlm_limit                    a bound below was reached; the rest is not read
//   cell_dde_command             a cell formula asks a program for DDE data: =cmd|'/c calc'!A0
//
// Hostile input: every count, length and offset comes from the file and is checked; every loop
// is bounded by XlmLimits or by the input size. Malformations are findings; nothing throws and
// nothing here allocates more than a small multiple of the input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/analysis/v1/xlm.pb.h"
#include "kensa/core/bytes.h"

namespace kensa::xlm {

struct XlmLimits {
  // A workbook of 100 sheets with thousands of cells each has ~10^6 records; more is a flood.
  std::size_t max_records = 4'000'000;
  // Formulas kept in XlmInfo; droppers have tens to a few thousand (obfuscated ones).
  std::size_t max_formulas = 5000;
  // Text constants of macro sheets kept.
  std::size_t max_texts = 5000;
  // Bytes of one decoded formula: Excel caps a formula at 8192 characters.
  std::size_t max_formula_text = 8192;
  // Shared strings read from SST / sharedStrings: Excel's limit is far higher, but strings past
  // this are worksheet data, not code.
  std::size_t max_shared_strings = 1'000'000;
  // Sheets and defined names listed.
  std::size_t max_sheets = 1000;
  std::size_t max_names = 10000;
  // Bytes of one XML or binary part parsed, as the OOXML analyzer bounds its parts.
  std::size_t max_part_size = 16u << 20;
  // Elements of one XML part ('<' counted before parsing): pugixml keeps ~60 bytes per node, so
  // two million elements cost ~120 MiB, far above any real sheet.
  std::size_t max_xml_elements = 2'000'000;
  // Findings kept per code.
  std::size_t max_findings_per_code = 20;
};

struct XlmAnalysis {
  analysis::v1::XlmInfo info;
  std::vector<analysis::v1::Anomaly> anomalies;
  // Decoded text for indicator extraction: every kept formula and macro-sheet text, one a line.
  std::string decoded_text;
};

// A BIFF8 (Excel 97-2003) or BIFF5 (Excel 5.0/95) workbook stream: the "Workbook" or "Book"
// stream of a compound file.
XlmAnalysis AnalyzeBiffWorkbook(ByteSpan stream, const XlmLimits& limits = {});

// One part of an OOXML package, by its name in the zip ("xl/workbook.xml").
struct PackagePart {
  std::string name;
  ByteSpan data;
};

// The parts of an .xlsx/.xlsm/.xltm/.xlam (XML) or .xlsb (binary) package. Parts that are not
// spreadsheet parts are ignored; a package without a workbook part yields an empty XlmInfo.
XlmAnalysis AnalyzeSpreadsheetPackage(const std::vector<PackagePart>& parts,
                                      const XlmLimits& limits = {});

// Whether the bytes start as a SYLK file does ("ID;P").
bool LooksLikeSylk(ByteSpan data);

// A SYLK file: C;...;E<formula> records, NN names (Auto_Open), with the current row and column.
XlmAnalysis AnalyzeSylk(ByteSpan data, const XlmLimits& limits = {});

// Formula token streams, exposed for tests and the fuzzer.
enum class FormulaDialect { kBiff8, kBiff5, kXlsb };

// How names and external references in a formula read. Empty by default: references then
// read "Name#3", "[ixti 2]".
struct FormulaContext {
  // ptgName: 1-based index into the workbook's defined names.
  std::vector<std::string> names;
  // ptgRef3d / ptgArea3d: the sheet prefix ("Macro1", "[1]Sheet1") by XTI index (BIFF8, XLSB)
  // or by sheet index (BIFF5, where the token carries the sheet index).
  std::vector<std::string> sheet_prefixes;
  // ptgNameX: (XTI index, 1-based name index) -> text; DDE links read "cmd|'/c calc.exe'!A0".
  // Sorted by (xti, index): tokens look names up by binary search.
  struct ExternalName {
    std::uint32_t xti = 0;
    std::uint32_t index = 0;
    std::string text;
    bool dde = false;
    std::string dde_server;
    std::string dde_topic;
    std::string dde_item;
  };
  std::vector<ExternalName> external_names;
};

struct DecodedFormula {
  std::string text;      // with the leading "="
  bool complete = true;  // false: a token was unknown or cut; text ends with "[...]"
  // DDE links the formula references through ptgNameX.
  std::vector<const FormulaContext::ExternalName*> dde_links;
};

DecodedFormula DecodeFormula(ByteSpan rgce, FormulaDialect dialect, const FormulaContext& context,
                             std::size_t max_text = 8192);

// "A1" for row 0, column 0; "XFD1048576" for the last cell of a sheet.
std::string CellName(std::uint32_t row, std::uint32_t column);

}  // namespace kensa::xlm
