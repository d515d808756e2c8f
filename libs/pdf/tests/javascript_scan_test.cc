#include "kensa/pdf/javascript_scan.h"

#include <algorithm>
#include <catch2/catch.hpp>

namespace kensa::pdf {
namespace {

const JavaScriptFinding* FindKind(const std::vector<JavaScriptFinding>& findings, std::string_view kind,
                                  std::string_view keyword = "") {
  const auto it = std::find_if(findings.begin(), findings.end(), [&](const JavaScriptFinding& finding) {
    return finding.kind == kind && (keyword.empty() || finding.keyword == keyword);
  });
  return it == findings.end() ? nullptr : &*it;
}

TEST_CASE("decoding layers are reported with an excerpt", "[pdf][javascript]") {
  const auto findings = ScanJavaScript("var s = unescape('%41%42'); eval(String.fromCharCode(97, 108));");
  const auto* eval = FindKind(findings, "eval");
  REQUIRE(eval != nullptr);
  CHECK(eval->offset == 28);
  CHECK(eval->evidence.find("eval(String.fromCharCode") != std::string::npos);
  CHECK(FindKind(findings, "unescape") != nullptr);
  CHECK(FindKind(findings, "from_char_code", "String.fromCharCode") != nullptr);
  CHECK(FindKind(findings, "many_from_char_code") == nullptr);
}

TEST_CASE("identifiers match whole: evaluate() is not eval", "[pdf][javascript]") {
  const auto findings = ScanJavaScript("function evaluate(x) { return x; } evaluate(1); var unescaped = 2;");
  CHECK(findings.empty());
}

TEST_CASE("exploit-era Acrobat APIs carry their CVE", "[pdf][javascript]") {
  const auto findings = ScanJavaScript(
      "Collab.collectEmailInfo({subj: '', msg: x});\n"
      "try { this.media.newPlayer(null); } catch (e) {}\n"
      "Collab['getIcon'](n + '_N.bundle');\n"
      "util.printf('%45000.45000f', 0);\n"
      "app.setTimeOut('go()', 10);");
  const auto* email = FindKind(findings, "exploit_api", "Collab.collectEmailInfo");
  REQUIRE(email != nullptr);
  CHECK(email->cve == "CVE-2007-5659");
  REQUIRE(FindKind(findings, "exploit_api", "media.newPlayer") != nullptr);
  CHECK(FindKind(findings, "exploit_api", "media.newPlayer")->cve == "CVE-2009-4324");
  REQUIRE(FindKind(findings, "exploit_api", "Collab.getIcon") != nullptr);
  CHECK(FindKind(findings, "exploit_api", "Collab.getIcon")->cve == "CVE-2009-0927");
  REQUIRE(FindKind(findings, "exploit_api", "util.printf") != nullptr);
  CHECK(FindKind(findings, "exploit_api", "util.printf")->cve == "CVE-2008-2992");
  CHECK(FindKind(findings, "timer", "app.setTimeOut") != nullptr);
}

TEST_CASE("a form's util.printf and a document's getIcon are not exploits", "[pdf][javascript]") {
  const auto findings = ScanJavaScript("event.value = util.printf('%.2f', total); var i = this.getIcon('logo');");
  CHECK(FindKind(findings, "exploit_api") == nullptr);
}

TEST_CASE("heap-spray shapes: NOP-sled literals and bulk %u shellcode", "[pdf][javascript]") {
  std::string shellcode = "var sc = unescape('";
  for (int i = 0; i < 40; ++i) shellcode += "%u9090%u4141";
  shellcode += "'); var nop = unescape('%u0C0C%u0C0C'); while (nop.length < 0x40000) nop += nop;";
  const auto findings = ScanJavaScript(shellcode);
  const auto* spray = FindKind(findings, "heap_spray");
  REQUIRE(spray != nullptr);
  CHECK((spray->keyword == "%u9090%u9090" || spray->keyword == "%u0c0c%u0c0c"));
  REQUIRE(FindKind(findings, "shellcode_escapes") != nullptr);
  CHECK(FindKind(findings, "shellcode_escapes")->offset == 19);
}

TEST_CASE("obfuscation shapes: a huge literal and many fromCharCode calls", "[pdf][javascript]") {
  std::string packed = "var p = \"" + std::string(kLongStringBytes + 1, 'A') + "\";";
  for (std::size_t i = 0; i < kManyFromCharCode; ++i) packed += "s += String.fromCharCode(" + std::to_string(65 + i) + ");";
  const auto findings = ScanJavaScript(packed);
  const auto* long_string = FindKind(findings, "long_string");
  REQUIRE(long_string != nullptr);
  CHECK(long_string->keyword == std::to_string(kLongStringBytes + 1) + "-byte string literal");
  CHECK(long_string->offset == 8);
  CHECK(FindKind(findings, "many_from_char_code") != nullptr);
}

TEST_CASE("a script that drops its attachment names exportDataObject", "[pdf][javascript]") {
  const auto findings = ScanJavaScript("this.exportDataObject({ cName: 'invoice.exe', nLaunch: 2 });");
  REQUIRE(FindKind(findings, "export_data_object") != nullptr);
  CHECK(FindKind(findings, "export_data_object")->evidence.find("nLaunch: 2") != std::string::npos);
}

}  // namespace
}  // namespace kensa::pdf
