// Encrypted OLE2 documents and OLE Package objects through the whole static stage: the method
// and password kind in StaticResult.office, the decrypted document and packaged files as
// children (analyzed again here as the pipeline would), the anomalies and the signatures of
// rules/signatures/offcrypto.yaml.
#include <algorithm>
#include <catch2/catch.hpp>

#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {
namespace {

const std::string kEncrypted = "../shared/corpora/oletools-tests/tests/test-data/encrypted/";
const std::string kOleObj = "../shared/corpora/oletools-tests/tests/test-data/oleobj/";

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

struct Analyzed {
  analysis::v1::StaticResult result;
  std::vector<ExtractedChild> children;
};

Analyzed AnalyzeFile(const std::string& path, const std::vector<std::string>& passwords = {}) {
  auto data = ReadFileBounded(path, 16u << 20);
  REQUIRE(data);
  Analyzed out;
  const std::string name = path.substr(path.find_last_of('/') + 1);
  auto result = Analyzer().Analyze(*data, name, AnalyzeOptions{passwords}, &out.children);
  REQUIRE(result);
  out.result = std::move(*result);
  return out;
}

Analyzed AnalyzeChild(const ExtractedChild& child) {
  Analyzed out;
  auto result = Analyzer().Analyze(child.data, child.info.name(), AnalyzeOptions{}, &out.children);
  REQUIRE(result);
  out.result = std::move(*result);
  return out;
}

const analysis::v1::Anomaly* FindAnomaly(const analysis::v1::StaticResult& result,
                                         const std::string& code) {
  for (const auto& anomaly : result.anomalies()) {
    if (anomaly.code() == code) return &anomaly;
  }
  return nullptr;
}

bool HasSignature(const analysis::v1::StaticResult& result, const std::string& name) {
  return std::any_of(result.signatures().begin(), result.signatures().end(),
                     [&](const auto& signature) { return signature.name() == name; });
}

const ExtractedChild* ChildFrom(const Analyzed& analyzed, const std::string& origin) {
  for (const auto& child : analyzed.children) {
    if (child.info.origin() == origin) return &child;
  }
  return nullptr;
}

bool HasVbaFinding(const analysis::v1::StaticResult& result, const std::string& kind,
                   const std::string& keyword) {
  for (const auto& module : result.office().vba_modules()) {
    for (const auto& finding : module.findings()) {
      if (finding.kind() == kind && finding.keyword() == keyword) return true;
    }
  }
  return false;
}

TEST_CASE("an agile xlsm with Excel's default password becomes its plain xlsm, macros and all") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "autostart-encrypt-standardpassword.xlsm");
  const auto& office = analyzed.result.office();
  CHECK(office.encrypted());
  CHECK(office.encryption_method() == "agile");
  CHECK(office.encryption_detail() == "AES-128-CBC SHA1 spinCount 100000");
  CHECK(office.decrypted());
  CHECK(office.password_kind() == "default");
  const auto* anomaly = FindAnomaly(analyzed.result, "office_default_password");
  REQUIRE(anomaly != nullptr);
  CHECK(anomaly->detail() ==
        "agile (AES-128-CBC SHA1 spinCount 100000) opened with Excel's built-in password "
        "VelvetSweatshop");
  CHECK(HasSignature(analyzed.result, "office_default_password"));
  CHECK(HasSignature(analyzed.result, "office_encrypted"));
  CHECK_FALSE(HasSignature(analyzed.result, "office_password_unknown"));

  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.name() == "decrypted-autostart-encrypt-standardpassword.xlsm");
  CHECK(child->info.password_used() == "VelvetSweatshop");
  CHECK(child->info.sha256() ==
        "027079190edb95f58efcaeee96245cd5a748d3f659252a536293fadbc9140efb");
  REQUIRE(analyzed.result.extracted_files_size() == 1);
  CHECK(analyzed.result.extracted_files(0).sha256() == child->info.sha256());

  // The child is the plain workbook: OOXML with its Auto_Open macro.
  const Analyzed plain = AnalyzeChild(*child);
  CHECK(plain.result.sample().file_type().format() == "ooxml");
  CHECK(HasVbaFinding(plain.result, "auto_exec", "Auto_Open"));
  CHECK(HasSignature(plain.result, "vba_auto_exec"));
}

TEST_CASE("an RC4 xls with the default password decrypts to a workbook the office analyzer reads") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "dde-test-encrypt-standardpassword.xls");
  CHECK(analyzed.result.office().encryption_method() == "rc4");
  CHECK(analyzed.result.office().encryption_detail() == "RC4-128 MD5");
  CHECK(analyzed.result.office().password_kind() == "default");
  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.sha256() ==
        "560a61120073dd4418e66e7e4b3e46195bb94103d968919531c1da4d55aff2e8");
  const Analyzed plain = AnalyzeChild(*child);
  CHECK(plain.result.sample().file_type().format() == "ole2");
  CHECK_FALSE(plain.result.office().encrypted());
  CHECK(FindAnomaly(plain.result, "office_encrypted") == nullptr);
  CHECK(plain.children.empty());
  // What the encryption hid: the DDE formula in a cell, read by the XLM analyzer.
  const auto* dde = FindAnomaly(plain.result, "cell_dde_command");
  REQUIRE(dde != nullptr);
  CHECK(dde->detail() == "SUPBOOK: cmd|'/c calc.exe'!A1");
}

TEST_CASE("an agile xlsx with the default password hides a DDE link its child shows") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "dde-test-encrypt-standardpassword.xlsx");
  CHECK(analyzed.result.office().password_kind() == "default");
  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.sha256() ==
        "4a84abb8fb172f556440e50e8eb9d97f3916d57a77ba1235d688f5fdfa8a2c2e");
  const Analyzed plain = AnalyzeChild(*child);
  const auto* dde = FindAnomaly(plain.result, "ooxml_dde_field");
  REQUIRE(dde != nullptr);
  CHECK(dde->detail() == "xl/externalLinks/externalLink1.xml: cmd /c calc.exe");
}

TEST_CASE("a submitted password opens a docx the default list cannot") {
  const Analyzed unknown = AnalyzeFile(kEncrypted + "encrypted.docx");
  CHECK(unknown.result.office().encryption_method() == "agile");
  CHECK_FALSE(unknown.result.office().decrypted());
  CHECK(unknown.children.empty());
  const auto* anomaly = FindAnomaly(unknown.result, "office_password_unknown");
  REQUIRE(anomaly != nullptr);
  // The default password and the 18 of rules/archive/passwords.txt.
  CHECK(anomaly->detail() ==
        "agile (AES-128-CBC SHA1 spinCount 100000): 19 passwords tried, none verified");
  CHECK(HasSignature(unknown.result, "office_password_unknown"));

  const Analyzed opened = AnalyzeFile(kEncrypted + "encrypted.docx", {"encrypted"});
  CHECK(opened.result.office().password_kind() == "submitted");
  CHECK(FindAnomaly(opened.result, "office_default_password") == nullptr);
  const ExtractedChild* child = ChildFrom(opened, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.password_used() == "encrypted");
  CHECK(child->info.sha256() ==
        "7872a03a046ba2bb9807c78a8f00d730e03213f7b4848feb3e8af3d22a9cd212");
  CHECK(AnalyzeChild(*child).result.sample().file_type().format() == "ooxml");
}

TEST_CASE("a Word RC4 document decrypts with the submitted password to a plain .doc") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "encrypted.doc", {"encrypted"});
  CHECK(analyzed.result.office().encryption_method() == "rc4");
  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  const Analyzed plain = AnalyzeChild(*child);
  CHECK_FALSE(plain.result.office().encrypted());
  CHECK(plain.result.office().encryption_method().empty());
}

TEST_CASE("an encrypted presentation is reported as encrypted and not decrypted") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "encrypted.ppt", {"encrypted"});
  CHECK(analyzed.result.office().encrypted());
  CHECK(analyzed.result.office().encryption_method() == "rc4_cryptoapi");
  CHECK(FindAnomaly(analyzed.result, "office_encrypted") != nullptr);
  const auto* anomaly = FindAnomaly(analyzed.result, "office_encryption_not_decrypted");
  REQUIRE(anomaly != nullptr);
  CHECK(analyzed.children.empty());
}

TEST_CASE("a packaged calc.exe comes out as a child with its names, and an executable finding") {
  const Analyzed analyzed = AnalyzeFile(kOleObj + "sample_with_calc_embedded.doc");
  const auto& office = analyzed.result.office();
  REQUIRE(office.packages_size() == 1);
  const auto& package = office.packages(0);
  CHECK(package.storage_path() == "ObjectPool/_1572084892");
  CHECK(package.label() == "calc.exe");
  CHECK(package.source_path() == "C:\\Windows\\System32\\calc.exe");
  // The Packager's unicode copy wins; the ANSI one was edited to "xxxxx" in this sample.
  CHECK(package.temp_path() == "C:\\Users\\samir\\AppData\\Local\\Temp\\calc (2).exe");
  CHECK(package.size() == 31232);
  CHECK(package.sha256() == "c74f41325775de4777000161a057342cc57a04e8b7be17b06576412eff574dc5");
  const auto* executable = FindAnomaly(analyzed.result, "ole_package_executable");
  REQUIRE(executable != nullptr);
  CHECK(executable->detail() ==
        "ObjectPool/_1572084892: calc.exe (a PE program), dropped to "
        "C:\\Users\\samir\\AppData\\Local\\Temp\\calc (2).exe");
  CHECK(HasSignature(analyzed.result, "ole_package_executable"));
  CHECK(HasSignature(analyzed.result, "ole_package_object"));
  const ExtractedChild* child = ChildFrom(analyzed, "ole package");
  REQUIRE(child != nullptr);
  CHECK(child->info.name() == "calc.exe");
  CHECK(hashing::Md5Hex(child->data) == "40e85286357723f326980a3b30f84e4f");
  CHECK(AnalyzeChild(*child).result.sample().file_type().format() == "pe");

  // The Package object's own storage: CLSID and ProgID from \1CompObj.
  const auto& objects = office.embedded_objects();
  const auto object = std::find_if(objects.begin(), objects.end(), [](const auto& o) {
    return o.storage_path() == "ObjectPool/_1572084892";
  });
  REQUIRE(object != objects.end());
  CHECK(object->clsid() == "0003000c-0000-0000-c000-000000000046");
  CHECK(object->prog_id() == "Package");
}

TEST_CASE("a packaged shortcut is an executable package and its child is an LNK") {
  const Analyzed analyzed = AnalyzeFile(kOleObj + "sample_with_lnk_file.doc");
  REQUIRE(analyzed.result.office().packages_size() == 1);
  CHECK(analyzed.result.office().packages(0).label() == "calc.lnk");
  CHECK(FindAnomaly(analyzed.result, "ole_package_executable") != nullptr);
  const ExtractedChild* child = ChildFrom(analyzed, "ole package");
  REQUIRE(child != nullptr);
  CHECK(hashing::Md5Hex(child->data) == "6aedb1a876d4ad5236f1fbbbeb7274f3");
  CHECK(AnalyzeChild(*child).result.sample().file_type().format() == "lnk");
}

TEST_CASE("a packaged text file is a package object but not an executable one") {
  const Analyzed analyzed = AnalyzeFile(kOleObj + "embedded-unicode.doc");
  REQUIRE(analyzed.result.office().packages_size() == 1);
  CHECK(analyzed.result.office().packages(0).label() == "ünicöde-수식끝이잘못되었습니다.txt");
  CHECK(FindAnomaly(analyzed.result, "ole_package_object") != nullptr);
  CHECK(FindAnomaly(analyzed.result, "ole_package_executable") == nullptr);
  const ExtractedChild* child = ChildFrom(analyzed, "ole package");
  REQUIRE(child != nullptr);
  CHECK(hashing::Md5Hex(child->data) == "264397735b6f09039ba0adf0dc9fb942");
}

}  // namespace
}  // namespace kensa::static_analysis
