#include "kensa/static_analysis/office_analyzer.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/static_analysis/signature_rules.h"

namespace kensa::static_analysis {
namespace {

const std::string kOletools = "../shared/corpora/oletools-tests/tests/test-data/";

TEST_CASE("ScanVbaSource finds an auto-exec Sub and a Shell call with their lines") {
  const std::string source =
      "Attribute VB_Name = \"Module1\"\r\n"
      "Private Sub Document_Open()\r\n"
      "  ' Shell in a comment is not code\r\n"
      "  Set s = CreateObject(\"WScript.Shell\")\r\n"
      "  s.Run \"cmd /c calc\"\r\n"
      "End Sub\r\n";
  const auto findings = ScanVbaSource(source);
  REQUIRE(findings.size() == 4);
  CHECK(findings[0].kind() == "auto_exec");
  CHECK(findings[0].keyword() == "Document_Open");
  CHECK(findings[0].line() == 2);
  CHECK(findings[0].text() == "Private Sub Document_Open()");
  CHECK(findings[1].kind() == "shell");
  CHECK(findings[1].keyword() == "WScript.Shell");
  CHECK(findings[1].line() == 4);
  CHECK(findings[2].kind() == "create_object");
  CHECK(findings[2].line() == 4);
  CHECK(findings[3].kind() == "run");
  CHECK(findings[3].line() == 5);
}

TEST_CASE("ScanVbaSource reports kernel32 declares, shellcode APIs and Chr obfuscation") {
  std::string source =
      "Private Declare PtrSafe Function CreateThread Lib \"kernel32\" (ByVal a As Long) As LongPtr\n"
      "Sub Go()\n";
  for (int i = 0; i < 5; ++i) source += "x = x & Chr(65) & Chr(66) & ChrW(67) & StrReverse(\"a\")\n";
  source += "End Sub\n";
  const auto findings = ScanVbaSource(source);
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].kind() == "win32_api");
  CHECK(findings[0].keyword() == "CreateThread");
  CHECK(findings[1].kind() == "win32_declare");
  CHECK(findings[1].keyword() == "kernel32");
  CHECK(findings[1].line() == 1);
  CHECK(findings[2].kind() == "obfuscation");
  CHECK(findings[2].keyword() == "Chr/ChrW/StrReverse x20");
  CHECK(findings[2].line() == 3);
}

TEST_CASE("CreateObject(...).Run with vbHide is a shell finding; Application.Run is not") {
  const auto findings = ScanVbaSource(
      "Application.Run \"Other\"\r\nCreateObject(x).Run cmd + Chr(VBA.vbKeyC), vbHide\r\n");
  REQUIRE(findings.size() == 3);
  CHECK(findings[0].kind() == "run");
  CHECK(findings[0].line() == 1);
  CHECK(findings[1].kind() == "shell");
  CHECK(findings[1].keyword() == "Run");
  CHECK(findings[1].line() == 2);
  CHECK(findings[1].text() == "CreateObject(x).Run cmd + Chr(VBA.vbKeyC), vbHide");
  CHECK(findings[2].kind() == "create_object");
}

TEST_CASE("Names that merely contain a keyword are not findings") {
  CHECK(ScanVbaSource("Sub AutoOpenLater()\nDim shellfish\nx = MyEnviron(1)\n").empty());
  CHECK(VbaSourceIsOnlyAttributes("Attribute VB_Name = \"A\"\r\n\r\nAttribute VB_Base = \"0\"\r\n"));
  CHECK_FALSE(VbaSourceIsOnlyAttributes("Attribute VB_Name = \"A\"\r\nSub X()\r\n"));
}

TEST_CASE("The encrypted Excel workbook: Auto_Open in Modul1, encrypted, metadata") {
  auto data = ReadFileBounded(kOletools + "encrypted/autostart-encrypt-standardpassword.xls", 64u << 20);
  REQUIRE(data.has_value());
  auto office = AnalyzeOffice(*data);
  REQUIRE(office.has_value());
  CHECK(office->info.encrypted());
  bool encrypted_anomaly = false;
  bool stomping = false;
  for (const auto& anomaly : office->anomalies) {
    encrypted_anomaly = encrypted_anomaly ||
        (anomaly.code() == "office_encrypted" && anomaly.detail() == "Workbook FilePass record");
    stomping = stomping || anomaly.code() == "vba_source_stripped_pcode_present";
  }
  CHECK(encrypted_anomaly);
  CHECK_FALSE(stomping);
  REQUIRE(office->info.vba_modules_size() == 3);
  REQUIRE(office->module_sources.size() == 3);
  const analysis::v1::VbaModuleInfo* modul1 = nullptr;
  for (const auto& module : office->info.vba_modules()) {
    if (module.name() == "Modul1") modul1 = &module;
  }
  REQUIRE(modul1 != nullptr);
  CHECK(modul1->project_path() == "_VBA_PROJECT_CUR");
  CHECK(modul1->pcode_size() > 0);
  CHECK(modul1->source_size() == modul1->source().size());
  REQUIRE(modul1->findings_size() == 1);
  CHECK(modul1->findings(0).kind() == "auto_exec");
  CHECK(modul1->findings(0).keyword() == "Auto_Open");
  CHECK(modul1->findings(0).text() == "Sub Auto_Open()");
}

TEST_CASE("A presentation's VBA, zlib-compressed in an ExOleObjStg record, is read as a .doc's") {
  auto data = ReadFileBounded(kOletools + "olevba/sample_with_vba.ppt", 64u << 20);
  REQUIRE(data.has_value());
  auto office = AnalyzeOffice(*data);
  REQUIRE(office.has_value());
  CHECK_FALSE(office->info.encrypted());
  CHECK(office->info.metadata().title() == "PPT VBA TEST");
  // olevba 0.60.2: one module, "VBA MACRO Module1.bas ... OLE stream: 'VBA/Module1'".
  REQUIRE(office->info.vba_modules_size() == 1);
  const auto& module = office->info.vba_modules(0);
  CHECK(module.name() == "Module1");
  CHECK(module.stream_name() == "Module1");
  CHECK(module.project_path() == "PowerPoint Document/VbaProjectStg");
  CHECK(module.pcode_size() > 0);
  CHECK(module.source().find("Sub Action_Click()\r\n  MsgBox \"The action button clicked!\"") !=
        std::string::npos);
  CHECK(module.findings().empty());  // a button's handler is no auto-exec entry point
  REQUIRE(office->module_sources.size() == 1);
  for (const auto& anomaly : office->anomalies) {
    CHECK(anomaly.code().rfind("ppt_", 0) == std::string::npos);
  }
}

TEST_CASE("Document.doc is a clean Word document: metadata, no macros, not encrypted") {
  auto data = ReadFileBounded("../shared/corpora/plaso-test-data/test_data/Document.doc", 64u << 20);
  REQUIRE(data.has_value());
  auto office = AnalyzeOffice(*data);
  REQUIRE(office.has_value());
  CHECK_FALSE(office->info.encrypted());
  CHECK(office->info.vba_modules().empty());
  const auto& metadata = office->info.metadata();
  CHECK(metadata.code_page() == 1252);
  CHECK(metadata.title() == "Table of Context");
  CHECK(metadata.author() == "DAVID NIDES");
  CHECK(metadata.last_saved_by() == "Nides");
  CHECK(metadata.template_() == "Normal.dotm");
  CHECK(metadata.application() == "Microsoft Office Word");
  CHECK(metadata.created() == "2012-12-10T18:38:00Z");
  CHECK(metadata.last_saved() == "2013-05-16T02:29:00Z");
  CHECK(office->info.stream_count() > 0);
}

TEST_CASE("encrypted.doc is encrypted by its FIB flag") {
  auto data = ReadFileBounded(kOletools + "encrypted/encrypted.doc", 64u << 20);
  REQUIRE(data.has_value());
  auto office = AnalyzeOffice(*data);
  REQUIRE(office.has_value());
  CHECK(office->info.encrypted());
  CHECK(office->info.metadata().author() == "user");
  CHECK(office->info.metadata().template_() == "Normal.dotm");
  CHECK(office->info.metadata().created() == "2018-10-17T12:27:00Z");
}

TEST_CASE("vba_findings_all and vba_findings_any match findings across modules with line evidence") {
  auto rules = SignatureRules::Parse(R"(
signatures:
  - name: auto_shell
    description: d
    severity: high
    match:
      vba_findings_all: [auto_exec]
      vba_findings_any: [download, shell]
  - name: has_macros
    description: d
    severity: info
    match:
      vba_macros: true
)", "test");
  REQUIRE(rules.has_value());
  analysis::v1::StaticResult result;
  StringFacts strings;
  rules->Evaluate(strings, &result);
  CHECK(result.signatures().empty());  // no office facts, no VBA signature

  auto* first = result.mutable_office()->add_vba_modules();
  first->set_name("ThisDocument");
  auto* entry = first->add_findings();
  entry->set_kind("auto_exec");
  entry->set_line(2);
  entry->set_text("Sub Document_Open()");
  rules->Evaluate(strings, &result);
  REQUIRE(result.signatures_size() == 1);
  CHECK(result.signatures(0).name() == "has_macros");

  result.clear_signatures();
  auto* second = result.mutable_office()->add_vba_modules();
  second->set_name("Module1");
  auto* call = second->add_findings();
  call->set_kind("shell");
  call->set_line(7);
  call->set_text("Shell \"cmd\"");
  rules->Evaluate(strings, &result);
  REQUIRE(result.signatures_size() == 2);
  const auto& signature = result.signatures(0);
  CHECK(signature.name() == "auto_shell");
  REQUIRE(signature.evidence_size() == 2);
  CHECK(signature.evidence(0).kind() == "vba_auto_exec");
  CHECK(signature.evidence(0).value() == "ThisDocument:2: Sub Document_Open()");
  CHECK(signature.evidence(1).kind() == "vba_shell");
  CHECK(signature.evidence(1).value() == "Module1:7: Shell \"cmd\"");
}

TEST_CASE("The repository's office signatures load with the other rule files") {
  auto rules = SignatureRules::LoadDirectory("rules/signatures");
  REQUIRE(rules.has_value());
  std::vector<std::string> office;
  for (const auto& rule : rules->rules()) {
    if (rule.signature.source() == "office") office.push_back(rule.signature.name());
  }
  CHECK(office == std::vector<std::string>{"vba_macros_present", "vba_auto_exec", "vba_auto_exec_with_shell",
                                           "vba_auto_exec_with_download", "vba_auto_exec_obfuscated_payload",
                                           "vba_win32_api_shellcode", "vba_obfuscation", "vba_stomping",
                                           "office_encrypted", "office_dde", "office_remote_field",
                                           "office_unc_field"});
}

TEST_CASE("Bytes that are not a compound file are an error") {
  const Bytes text = {'h', 'e', 'l', 'l', 'o'};
  CHECK_FALSE(AnalyzeOffice(text).has_value());
}

}  // namespace
}  // namespace kensa::static_analysis
