// Archives through the whole static stage: members as extracted_files and children, archive
// findings as anomalies, and the signatures of rules/signatures/archive.yaml.
#include <algorithm>
#include <catch2/catch.hpp>

#include "../../archive/tests/archive_test_support.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {
namespace {

using archive::testing::Sha256;
using archive::testing::Text;
using archive::testing::Workspace;

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

std::vector<std::string> SignatureNames(const analysis::v1::StaticResult& result) {
  std::vector<std::string> names;
  for (const auto& signature : result.signatures()) names.push_back(signature.name());
  std::sort(names.begin(), names.end());
  return names;
}

bool HasAnomaly(const analysis::v1::StaticResult& result, const std::string& code,
                const std::string& detail) {
  return std::any_of(
      result.anomalies().begin(), result.anomalies().end(),
      [&](const auto& anomaly) { return anomaly.code() == code && anomaly.detail() == detail; });
}

bool HasSignature(const analysis::v1::StaticResult& result, const std::string& name) {
  const auto names = SignatureNames(result);
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::string LnkHeader() {
  std::string lnk(
      "\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20);
  lnk.resize(0x4C, '\0');
  return lnk;
}

TEST_CASE(
    "Analyze of a zip returns its members as extracted files and children, with archive "
    "signatures") {
  Workspace workspace;
  const std::string program = "MZ" + std::string(62, '\0');
  workspace.Write("invoice.pdf.exe", program);
  workspace.Write("scan.lnk", LnkHeader());
  workspace.Write("readme.txt", "read me\n");
  workspace.Run("zip -q mail.zip invoice.pdf.exe scan.lnk readme.txt");
  const Bytes zip = workspace.Read("mail.zip");

  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(zip, "mail.zip", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "zip");
  REQUIRE(result->extracted_files_size() == 3);
  const auto& first = result->extracted_files(0);
  CHECK(first.name() == "invoice.pdf.exe");
  CHECK(first.sha256() == Sha256(program));
  CHECK(first.size() == 64);
  CHECK(first.origin() == "zip member");
  CHECK(first.password_used().empty());
  CHECK(result->extracted_files(1).name() == "scan.lnk");
  CHECK(result->extracted_files(2).name() == "readme.txt");
  CHECK(result->extracted_files(2).sha256() == Sha256("read me\n"));

  REQUIRE(children.size() == 3);
  for (int i = 0; i < 3; ++i) {
    CHECK(children[static_cast<std::size_t>(i)].info.SerializeAsString() ==
          result->extracted_files(i).SerializeAsString());
    CHECK(hashing::Sha256Hex(children[static_cast<std::size_t>(i)].data) ==
          result->extracted_files(i).sha256());
  }
  CHECK(Text(children[1].data) == LnkHeader());

  CHECK(HasAnomaly(*result, "archive_double_extension", "invoice.pdf.exe (pdf.exe)"));
  CHECK(HasAnomaly(*result, "archive_lnk_member", "scan.lnk"));
  CHECK(HasSignature(*result, "archive_with_lnk"));
  CHECK(HasSignature(*result, "archive_double_extension"));
  CHECK(HasSignature(*result, "archive_executable_member"));
  CHECK_FALSE(HasSignature(*result, "archive_password_protected"));

  // The two-argument form lists the same members and keeps no bytes.
  auto plain = Analyzer().Analyze(zip, "mail.zip");
  REQUIRE(plain.has_value());
  REQUIRE(plain->extracted_files_size() == 3);
  CHECK(plain->extracted_files(0).SerializeAsString() == first.SerializeAsString());
}

TEST_CASE("A password-protected zip opens with the submitter's password and is signed as such") {
  Workspace workspace;
  workspace.Write("order.js", "WScript.Echo(1)");
  workspace.Run("zip -q -P 7391 order.zip order.js");
  const Bytes zip = workspace.Read("order.zip");

  std::vector<ExtractedChild> children;
  AnalyzeOptions options;
  options.passwords = {"7391"};
  auto result = Analyzer().Analyze(zip, "order.zip", options, &children);
  REQUIRE(result.has_value());
  REQUIRE(result->extracted_files_size() == 1);
  CHECK(result->extracted_files(0).name() == "order.js");
  CHECK(result->extracted_files(0).password_used() == "7391");
  REQUIRE(children.size() == 1);
  CHECK(Text(children[0].data) == "WScript.Echo(1)");
  CHECK(HasAnomaly(*result, "archive_password_found", "7391"));
  CHECK(HasSignature(*result, "archive_password_protected"));
  CHECK(HasSignature(*result, "archive_executable_member"));

  // Without it the default list does not open it: listed as an anomaly, nothing extracted.
  auto locked = Analyzer().Analyze(zip, "order.zip", AnalyzeOptions{}, &children);
  REQUIRE(locked.has_value());
  CHECK(locked->extracted_files_size() == 0);
  CHECK(children.size() == 1);
  CHECK(HasSignature(*locked, "archive_password_protected"));
}

TEST_CASE(
    "A real malware zip from InQuest opens with the default list and yields the listed members") {
  // Password "infected"; hashes from ../shared/corpora/inquest-docs/MANIFEST.tsv.
  auto zip =
      ReadFileBounded("../shared/corpora/inquest-docs/2018-08-Hidden-Bee-Elements.zip", 1 << 20);
  REQUIRE(zip.has_value());
  std::vector<ExtractedChild> children;
  auto result =
      Analyzer().Analyze(*zip, "2018-08-Hidden-Bee-Elements.zip", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  REQUIRE(result->extracted_files_size() == 2);
  CHECK(result->extracted_files(0).name() ==
        "2018-08-Hidden-Bee-Elements/11310b509f8bf86daa5577758e9d1eb5");
  CHECK(result->extracted_files(0).sha256() ==
        "c1a6df241239359731c671203925a8265cf82a0c8c20c94d57a6a1ed09dec289");
  CHECK(result->extracted_files(0).size() == 20636);
  CHECK(result->extracted_files(1).sha256() ==
        "76b70f1dfd64958fca7ab3e18fffe6d551474c2b25aaa9515181dec6ae112895");
  CHECK(result->extracted_files(1).password_used() == "infected");
  REQUIRE(children.size() == 2);
  CHECK(children[1].data.size() == 7768);
  CHECK(HasAnomaly(*result, "archive_password_found", "infected"));
  CHECK(HasSignature(*result, "archive_password_protected"));
}

TEST_CASE("A single xz stream is named after the sample without its suffix") {
  Workspace workspace;
  workspace.Write("report.txt", "quarterly numbers\n");
  workspace.Run("xz -c report.txt > report.txt.xz");
  auto result = Analyzer().Analyze(workspace.Read("report.txt.xz"), "report.txt.xz",
                                   AnalyzeOptions{}, nullptr);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "xz");
  REQUIRE(result->extracted_files_size() == 1);
  CHECK(result->extracted_files(0).name() == "report.txt");
  CHECK(result->extracted_files(0).origin() == "xz member");
  CHECK(result->extracted_files(0).sha256() == Sha256("quarterly numbers\n"));
}

TEST_CASE("Office Open XML documents are zips whose parts are not extracted as children") {
  Workspace workspace;
  workspace.Write("[Content_Types].xml", "<?xml version=\"1.0\"?><Types/>");
  workspace.Write("word/document.xml", "<w:document/>");
  workspace.Run("zip -q doc.docx '[Content_Types].xml' word/document.xml");
  std::vector<ExtractedChild> children;
  auto result =
      Analyzer().Analyze(workspace.Read("doc.docx"), "doc.docx", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "ooxml");
  CHECK(result->extracted_files_size() == 0);
  CHECK(children.empty());
}

TEST_CASE("A zip whose first header is garbage is reported as damaged, not as a failed stage") {
  const std::string broken = std::string("PK\x03\x04", 4) + std::string(26, '\xFF');
  const ByteSpan bytes(reinterpret_cast<const std::uint8_t*>(broken.data()), broken.size());
  auto result = Analyzer().Analyze(bytes, "broken.zip", AnalyzeOptions{}, nullptr);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "zip");
  CHECK(result->extracted_files_size() == 0);
  CHECK(result->errors_size() == 0);
  CHECK(HasAnomaly(*result, "archive_damaged", "damaged (libarchive gives no reason)"));
}

TEST_CASE("A missing password list stops the analyzer from starting") {
  StaticConfig config;
  config.archive_passwords_file = "rules/archive/no-such-list.txt";
  auto created = StaticAnalyzer::Create(config, nullptr);
  REQUIRE_FALSE(created.has_value());
  INFO(created.error().message());
  CHECK(created.error().code() == StatusCode::kNotFound);
  CHECK(created.error().message().starts_with("archive password list: "));
}

}  // namespace
}  // namespace kensa::static_analysis
