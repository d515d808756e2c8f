// Excel 4.0 macros and DDE in cells through the whole static stage: XlmInfo, anomalies, the
// signatures of rules/signatures/xlm.yaml, and indicators from decoded formulas. Real workbooks
// of oletools' test data (.xls, .xlsm, .slk, DDE .xlsx) and a BIFF8 dropper built record by record
// inside a compound file (libs/xlm/tests/biff_builder.h).
#include <algorithm>
#include <catch2/catch.hpp>

#include "../../xlm/tests/biff_builder.h"
#include "kensa/core/file.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {
namespace {

const std::string kTestData = "../shared/corpora/oletools-tests/tests/test-data/";

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

analysis::v1::StaticResult AnalyzeFile(const std::string& path) {
  auto data = ReadFileBounded(path, 16u << 20);
  REQUIRE(data.has_value());
  auto result = Analyzer().Analyze(*data, path);
  REQUIRE(result.has_value());
  return std::move(*result);
}

std::vector<std::string> Names(const analysis::v1::StaticResult& result, std::string_view prefix) {
  std::vector<std::string> names;
  for (const auto& signature : result.signatures()) {
    if (signature.name().starts_with(prefix)) names.push_back(signature.name());
  }
  std::sort(names.begin(), names.end());
  return names;
}

bool HasAnomaly(const analysis::v1::StaticResult& result, const std::string& code) {
  return std::any_of(result.anomalies().begin(), result.anomalies().end(),
                     [&](const auto& anomaly) { return anomaly.code() == code; });
}

TEST_CASE("An .xls macro sheet's formulas reach the result and its signatures fire") {
  const auto result = AnalyzeFile(kTestData + "excel4-macros/excel4_sample_macro.xls");
  REQUIRE(result.has_xlm());
  CHECK(result.xlm().container() == "biff8");
  REQUIRE(result.xlm().formulas_size() == 2);
  CHECK(result.xlm().formulas(0).formula() == "=ALERT(\"This is a sample Excel 4 macro\")");
  CHECK(Names(result, "xlm_") == std::vector<std::string>{"xlm_auto_open", "xlm_macro_sheet"});
}

TEST_CASE("A BIFF8 dropper in a compound file scores its download, execution and hiding") {
  const Bytes file = xlm::testing::CompoundFileWithWorkbook(xlm::testing::DropperWorkbook());
  auto result = Analyzer().Analyze(file, "invoice.xls");
  REQUIRE(result.has_value());
  INFO(result->xlm().DebugString());
  CHECK(result->sample().file_type().format() == "ole2");
  CHECK(Names(*result, "xlm_") == std::vector<std::string>{"xlm_auto_open", "xlm_call_register",
                                                           "xlm_download", "xlm_exec",
                                                           "xlm_macro_sheet", "xlm_obfuscation",
                                                           "xlm_very_hidden_macro_sheet"});
  const bool url = std::any_of(result->indicators().begin(), result->indicators().end(),
                               [](const auto& indicator) {
                                 return indicator.type() == analysis::v1::INDICATOR_TYPE_URL &&
                                        indicator.value() == "http://invoice-cdn.xyz/payload.dll";
                               });
  CHECK(url);
}

TEST_CASE("An .xlsm's formulas are read while its sheet-level facts stay with the OOXML analyzer") {
  const auto result = AnalyzeFile(kTestData + "excel4-macros/excel4_sample_macro.xlsm");
  REQUIRE(result.has_xlm());
  CHECK(result.xlm().container() == "xlsx");
  REQUIRE(result.xlm().formulas_size() == 2);
  CHECK(result.xlm().formulas(1).formula() == "=HALT()");
  CHECK(HasAnomaly(result, "ooxml_excel4_macro_sheet"));
  CHECK_FALSE(HasAnomaly(result, "xlm_macro_sheet"));
  CHECK_FALSE(HasAnomaly(result, "xlm_auto_open"));
}

TEST_CASE("A SYLK file with a macro is recognized by its content") {
  const auto result = AnalyzeFile(kTestData + "excel4-macros/excel4_sample_macro.slk");
  REQUIRE(result.has_xlm());
  CHECK(result.xlm().container() == "sylk");
  CHECK(Names(result, "xlm_") == std::vector<std::string>{"xlm_auto_open", "xlm_macro_sheet"});
}

TEST_CASE("A DDE link in an .xlsx cell is recorded once as a fact and scored once") {
  const auto result = AnalyzeFile(kTestData + "msodde/dde-test.xlsx");
  REQUIRE(result.xlm().dde_links_size() == 1);
  CHECK(result.xlm().dde_links(0).topic() == "/c calc.exe");
  CHECK(HasAnomaly(result, "ooxml_dde_field"));
  CHECK_FALSE(HasAnomaly(result, "cell_dde_command"));
}

TEST_CASE("Documents that are not workbooks get no XLM facts") {
  CHECK_FALSE(AnalyzeFile(kTestData + "msodde/harmless-clean.doc").has_xlm());
  CHECK_FALSE(AnalyzeFile(kTestData + "msodde/dde-test.docx").has_xlm());
}

}  // namespace
}  // namespace kensa::static_analysis
