// Word fields through the static stage: a .doc's DDE fields (oletools' msodde test documents,
// zipped with "infected-test"; msodde lists the same fields), a remote INCLUDEPICTURE written
// into a real document's text, and the field helpers the OOXML analyzer shares.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "../src/word_fields.h"
#include "kensa/core/file.h"
#include "kensa/ole/compound_file.h"
#include "kensa/static_analysis/static_analyzer.h"
#include "kensa/test_support/command.h"

namespace kensa::static_analysis {
namespace {

const std::string kMsodde = "../shared/corpora/oletools-tests/tests/test-data/msodde/";

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

Bytes Unzipped(const std::string& name) {
  const std::string bytes = test_support::UnzipMember(kMsodde + name + ".zip", name, "infected-test");
  return Bytes(bytes.begin(), bytes.end());
}

analysis::v1::StaticResult Analyze(const Bytes& data, const std::string& name) {
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(data, name, AnalyzeOptions{}, &children);
  REQUIRE(result);
  return std::move(*result);
}

std::vector<std::string> Details(const analysis::v1::StaticResult& result, const std::string& code) {
  std::vector<std::string> details;
  for (const auto& anomaly : result.anomalies()) {
    if (anomaly.code() == code) details.push_back(anomaly.detail());
  }
  return details;
}

bool HasSignature(const analysis::v1::StaticResult& result, const std::string& name) {
  return std::any_of(result.signatures().begin(), result.signatures().end(),
                     [&](const auto& signature) { return signature.name() == name; });
}

bool HasIndicator(const analysis::v1::StaticResult& result, const std::string& value) {
  return std::any_of(result.indicators().begin(), result.indicators().end(),
                     [&](const auto& indicator) { return indicator.value() == value; });
}

TEST_CASE("a .doc's DDEAUTO field is a DDE link, an anomaly, a high signature and a path") {
  const auto result = Analyze(Unzipped("dde-test-from-office2016.doc"), "dde.doc");
  const auto& links = result.office().dde_links();
  REQUIRE(links.size() == 3);
  CHECK(links[0].part() == "WordDocument");
  CHECK(links[0].field_code() == R"(DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe")");
  CHECK(links[0].command() == R"(c:\windows\system32\cmd.exe "/k calc.exe")");
  CHECK(links[0].automatic());
  CHECK(links[1].field_code() == R"(DDE c:\\windows\\system32\\cmd.exe "/k calc.exe")");
  CHECK_FALSE(links[1].automatic());
  // The third, later in the text, has non-ASCII characters from its 8-bit piece.
  CHECK(links[2].field_code() == "ddeauto \xC3\xBCnic\xC3\xB6" "de-test");
  CHECK(Details(result, "office_dde_field").size() == 3);
  CHECK(HasSignature(result, "office_dde"));
  // The command is indicator text: the program it starts.
  CHECK(HasIndicator(result, R"(c:\windows\system32\cmd.exe)"));
}

TEST_CASE("the Korean 2013 document's DDE field is read from its UTF-16 piece") {
  const auto result = Analyze(Unzipped("dde-test-from-office2013-utf_16le-korean.doc"), "dde.doc");
  REQUIRE(result.office().dde_links_size() >= 1);
  CHECK(result.office().dde_links(0).command() == R"(c:\windows\system32\cmd.exe "/k calc.exe")");
}

TEST_CASE("a clean .doc has no field finding") {
  auto data = ReadFileBounded(kMsodde + "harmless-clean.doc", 16u << 20);
  REQUIRE(data);
  const auto result = Analyze(*data, "clean.doc");
  CHECK(result.office().dde_links().empty());
  CHECK(Details(result, "office_dde_field").empty());
  CHECK(Details(result, "word_text_unreadable").empty());
  CHECK_FALSE(HasSignature(result, "office_dde"));
}

TEST_CASE("an INCLUDEPICTURE of a UNC path written into a real .doc is a remote and a UNC field") {
  auto data = ReadFileBounded(kMsodde + "harmless-clean.doc", 16u << 20);
  REQUIRE(data);
  auto file = ole::CompoundFile::Open(*data);
  REQUIRE(file);
  auto word = file->ReadStream("WordDocument");
  REQUIRE(word);
  // The document's text is one 8-bit piece: replace a sentence of it, length kept.
  const std::string sentence = "It contains neither macros nor dde links nor embedded viruses";
  const auto at = std::search(word->begin(), word->end(), sentence.begin(), sentence.end());
  REQUIRE(at != word->end());
  std::string field = "\x13INCLUDEPICTURE \"\\\\\\\\198.51.100.9\\\\s\\\\a.png\" \\d\x14\x15";
  field.resize(sentence.size(), ' ');
  std::copy(field.begin(), field.end(), at);
  auto changed = file->WithStreamContents("WordDocument", *word);
  REQUIRE(changed);

  const auto result = Analyze(*changed, "invite.doc");
  const std::string detail = R"(\\198.51.100.9\s\a.png (includepicture field in WordDocument))";
  CHECK(Details(result, "office_remote_field") == std::vector<std::string>{detail});
  CHECK(Details(result, "office_unc_field") == std::vector<std::string>{detail});
  CHECK(HasSignature(result, "office_remote_field"));
  CHECK(HasSignature(result, "office_unc_field"));
  CHECK(HasIndicator(result, "198.51.100.9"));
}

TEST_CASE("field helpers: name, command, target and the kind of a target") {
  const WordField dde = ParseWordField(R"(  DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe" )");
  CHECK(dde.name == "ddeauto");
  CHECK(dde.command == R"(c:\windows\system32\cmd.exe "/k calc.exe")");
  CHECK(IsDdeField(dde.name));
  CHECK_FALSE(IsIncludeField(dde.name));
  CHECK(FieldTarget(R"("http://x.test/a b.png" \d)") == "http://x.test/a b.png");
  CHECK(FieldTarget("http://x.test/a.png \\d") == "http://x.test/a.png");
  CHECK(TargetKind("file:///\\\\host\\share\\a") == "unc");
  CHECK(TargetKind("C:\\Windows\\a.png") == "local_file");
  CHECK(TargetKind("ms-msdt:/id PCWDiagnostic") == "other_scheme");
  CHECK(IsRemoteKind("unc"));
  CHECK_FALSE(IsRemoteKind("local_file"));
}

}  // namespace
}  // namespace kensa::static_analysis
