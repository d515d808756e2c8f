// Quick triage of OLE2 Office documents: the VBA modules with their auto-exec entry points and
// suspicious calls (line and text as evidence), the office signatures and the level, on real
// documents from ../shared/corpora (oletools' test data, plaso's test data, and one Emotet
// dropper from InQuest's malicious document collection, unzipped at test time and never run).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

#include "kensa/core/file.h"
#include "kensa/pipeline/triage.h"

namespace kensa::integration_test {
namespace {

using report::v1::Report;

const pipeline::TriageEngine& Engine() {
  static const std::unique_ptr<pipeline::TriageEngine> engine = [] {
    pipeline::TriageConfig config;
    config.static_config.rules_dir = "rules";
    std::vector<std::string> warnings;
    auto created = pipeline::TriageEngine::Create(config, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *engine;
}

Report TriageFile(const std::string& path) {
  auto data = ReadFileBounded(path, 64 * 1024 * 1024);
  INFO(path);
  REQUIRE(data.has_value());
  auto report = Engine().Triage(*data, {std::filesystem::path(path).filename().string(), "test", "en", {}});
  REQUIRE(report.has_value());
  return std::move(*report);
}

const analysis::v1::Signature* FindSignature(const Report& report, const std::string& name) {
  for (const auto& signature : report.static_result().signatures()) {
    if (signature.name() == name) return &signature;
  }
  return nullptr;
}

std::string Signatures(const Report& report) {
  std::string names;
  for (const auto& signature : report.static_result().signatures()) names += signature.name() + " ";
  return names;
}

bool HasAnomaly(const Report& report, const std::string& code) {
  const auto& anomalies = report.static_result().anomalies();
  return std::any_of(anomalies.begin(), anomalies.end(), [&](const auto& a) { return a.code() == code; });
}

TEST_CASE("The Auto_Open workbook: Modul1's Auto_Open line, vba_auto_exec and office_encrypted") {
  const Report report = TriageFile(
      "../shared/corpora/oletools-tests/tests/test-data/encrypted/autostart-encrypt-standardpassword.xls");
  INFO(Signatures(report));
  const auto& office = report.static_result().office();
  CHECK(office.encrypted());
  REQUIRE(office.vba_modules_size() == 3);
  CHECK(HasAnomaly(report, "office_encrypted"));
  CHECK_FALSE(HasAnomaly(report, "vba_source_stripped_pcode_present"));
  CHECK(FindSignature(report, "vba_macros_present") != nullptr);
  CHECK(FindSignature(report, "office_encrypted") != nullptr);
  // Excel's built-in password opens it; the decrypted workbook is analyzed as a child.
  CHECK(office.encryption_method() == "rc4");
  CHECK(office.password_kind() == "default");
  CHECK(FindSignature(report, "office_default_password") != nullptr);
  REQUIRE(report.children_size() == 1);
  CHECK(report.children(0).static_result().sample().file_name() ==
        "decrypted-autostart-encrypt-standardpassword.xls");
  CHECK(report.children(0).static_result().office().vba_modules_size() == 3);
  CHECK_FALSE(report.children(0).static_result().office().encrypted());
  const auto* auto_exec = FindSignature(report, "vba_auto_exec");
  REQUIRE(auto_exec != nullptr);
  CHECK(auto_exec->severity() == analysis::v1::SEVERITY_MEDIUM);
  CHECK(auto_exec->attack_techniques(0) == "T1204.002");
  REQUIRE(auto_exec->evidence_size() == 1);
  CHECK(auto_exec->evidence(0).kind() == "vba_auto_exec");
  CHECK(auto_exec->evidence(0).value() == "Modul1:2: Sub Auto_Open()");
  // A message box is not a payload: no shell, download or shellcode signature.
  CHECK(FindSignature(report, "vba_auto_exec_with_shell") == nullptr);
  CHECK(FindSignature(report, "vba_auto_exec_with_download") == nullptr);
  CHECK(FindSignature(report, "vba_win32_api_shellcode") == nullptr);
  // Auto-exec and the default password (medium) and encryption (low) stay below suspicious.
  CHECK(report.verdict().level() == report::v1::LEVEL_LOW);
}

TEST_CASE("Document.doc: a clean Word document without macros is clean") {
  const Report report = TriageFile("../shared/corpora/plaso-test-data/test_data/Document.doc");
  INFO(Signatures(report));
  const auto& office = report.static_result().office();
  CHECK(office.vba_modules().empty());
  CHECK_FALSE(office.encrypted());
  CHECK(office.metadata().author() == "DAVID NIDES");
  CHECK(office.metadata().created() == "2012-12-10T18:38:00Z");
  CHECK(FindSignature(report, "vba_macros_present") == nullptr);
  CHECK(report.verdict().level() == report::v1::LEVEL_CLEAN);
}

TEST_CASE("An Emotet dropper .doc: Autoopen, a Shell call built from Chr(), malicious dropper") {
  // One sample of InQuest's collection (zip password "infected"), unzipped into a temp folder.
  const std::string zip = "../shared/corpora/inquest-docs/2019-06-Emotet-Droppers.zip";
  const std::string member = "2019-06-Emotet-Droppers/0742b3b1b39cf9eb9e8a90aeb596797e8da05a504d4c9e12be992b1c742996e0";
  const auto dir = std::filesystem::temp_directory_path() / ("kensa_office_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string out = (dir / "sample.bin").string();
  const std::string command = "python3 -c \"import sys,zipfile; open(sys.argv[3],'wb').write("
                              "zipfile.ZipFile(sys.argv[1]).read(sys.argv[2], pwd=b'infected'))\" '" +
                              zip + "' '" + member + "' '" + out + "'";
  REQUIRE(std::system(command.c_str()) == 0);
  const Report report = TriageFile(out);
  std::filesystem::remove_all(dir);
  INFO(Signatures(report));
  CHECK(report.static_result().sample().file_type().format() == "ole2");
  const auto& office = report.static_result().office();
  REQUIRE(office.vba_modules_size() == 1);
  const auto& module = office.vba_modules(0);
  CHECK(module.name() == "mfbzzHzQn");
  CHECK(module.source_size() == 41435);
  CHECK(module.pcode_size() == 42324);
  REQUIRE(module.findings_size() == 3);
  CHECK(module.findings(0).kind() == "shell");
  CHECK(module.findings(0).line() == 822);
  CHECK(module.findings(0).text() == "[Shell] ljTOoszzX + Chr(vbKeyP) + kEaSulX, 0");
  CHECK(module.findings(1).kind() == "auto_exec");
  CHECK(module.findings(1).keyword() == "Autoopen");
  CHECK(module.findings(1).line() == 825);
  CHECK(module.findings(2).kind() == "obfuscation");
  CHECK(module.findings(2).keyword() == "Chr/ChrW/StrReverse x173");
  for (const char* name : {"vba_macros_present", "vba_auto_exec", "vba_auto_exec_with_shell",
                           "vba_auto_exec_obfuscated_payload", "vba_obfuscation"}) {
    INFO(name);
    CHECK(FindSignature(report, name) != nullptr);
  }
  const auto* shell = FindSignature(report, "vba_auto_exec_with_shell");
  REQUIRE(shell != nullptr);
  REQUIRE(shell->evidence_size() == 2);
  CHECK(shell->evidence(0).value() == "mfbzzHzQn:825: Sub Autoopen()");
  CHECK(shell->evidence(1).value() == "mfbzzHzQn:822: [Shell] ljTOoszzX + Chr(vbKeyP) + kEaSulX, 0");
  CHECK(FindSignature(report, "vba_stomping") == nullptr);
  CHECK(report.verdict().level() == report::v1::LEVEL_MALICIOUS);
  CHECK(report.verdict().malware_type() == "dropper");
}

}  // namespace
}  // namespace kensa::integration_test
