#include <catch2/catch.hpp>

#include <sstream>
#include <string>

#include "display.h"
#include "kensa/report/render.h"
#include "report_fixture.h"

namespace kensa::report {
namespace {

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The text of the section that starts with the heading `title`, up to the next heading.
std::string Section(const std::string& text, std::string_view title) {
  const auto start = text.find("-- " + std::string(title));
  if (start == std::string::npos) return {};
  const auto end = text.find("\n-- ", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::size_t WidestLine(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::size_t widest = 0;
  while (std::getline(lines, line)) widest = std::max(widest, internal::DisplayWidth(line));
  return widest;
}

TEST_CASE("The English summary shows the file, its hashes and the verdict line") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  CHECK(text.rfind("Kensa triage report\n", 0) == 0);
  CHECK(Contains(text, "File name   invoice_2025.exe\n"));
  CHECK(Contains(text, "Size        184,320 bytes (180.0 KiB)\n"));
  CHECK(Contains(text, "File type   PE32 executable (GUI) [pe: pe32, exe]\n"));
  CHECK(Contains(text,
                 "SHA-256     5c1d1b2f0e8a4f0c9a7b3e6d2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f30\n"));
  CHECK(Contains(text, "MD5         8f14e45fceea167a5a36dedd4bea2543\n"));
  CHECK(Contains(text, "SHA-1       1b6453892473a467d07372d45eb05abc2031647a\n"));
  CHECK(Contains(text, "Imphash     2b5f75aa6e5a0c5a3b9e1f2d4c6a8b0e\n"));
  CHECK(Contains(text, "ssdeep      3072:Kx9bQmY2vF8rT1pLw3ZcN5hG7jD0sA4eU6iO8kM2nB1vC3xZ5q"));
  CHECK(Contains(text, "TLSH        T1A4B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F6071829"));
  CHECK(Contains(text, "\nRisk level: MALICIOUS | Score: 82/100 | Malware type: Downloader | "
                       "Family: none\n"));
  CHECK_FALSE(Contains(text, "\x1b"));
}

TEST_CASE("The English summary defangs every indicator and never prints the live URL") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  CHECK(Contains(text, "hxxp[://]update[.]kensa-fixture[.]jp/payload.bin"));
  CHECK(Contains(text, "    update[.]kensa-fixture[.]jp\n"));
  CHECK(Contains(text, "    203.0.113[.]45\n"));
  CHECK(Contains(text,
                 "    HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\KensaUpdater\n"));
  // Neither the indicator list, nor the signature evidence, nor the YARA string data.
  CHECK_FALSE(Contains(text, "http://update.kensa-fixture.jp"));
  CHECK_FALSE(Contains(text, "update.kensa-fixture.jp"));
  CHECK_FALSE(Contains(text, "203.0.113.45"));
  const std::string indicators = Section(text, "Indicators (IOC) (6)");
  // Network types first, each under its own heading.
  CHECK(indicators.find("  URL (1)") < indicators.find("  Domain (1)"));
  CHECK(indicators.find("  Domain (1)") < indicators.find("  IPv4 address (1)"));
  CHECK(indicators.find("  IPv4 address (1)") < indicators.find("  Mutex (1)"));
  CHECK(Contains(indicators, "  Registry key (1)\n"));
  CHECK(Contains(indicators, "  File path (1)\n    C:\\Users\\Public\\updater.exe\n"));
}

TEST_CASE("Signatures are listed most severe first with ATT&CK IDs and three evidence items") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  const std::string signatures = Section(text, "Signatures (2)");
  REQUIRE_FALSE(signatures.empty());
  CHECK(Contains(signatures, "  [HIGH    ] process_injection_imports  ATT&CK T1055, T1106\n"));
  CHECK(Contains(signatures, "  [MEDIUM  ] downloader_url_strings  ATT&CK T1105\n"));
  CHECK(signatures.find("process_injection_imports") < signatures.find("downloader_url_strings"));
  CHECK(Contains(signatures, "             Imports the functions used to write code into another "
                             "process and run it there.\n"));
  CHECK(Contains(signatures, "             - import: kernel32.dll!VirtualAllocEx\n"));
  CHECK(Contains(signatures, "             - import: kernel32.dll!CreateRemoteThread\n"));
  CHECK_FALSE(Contains(signatures, "GetProcAddress"));
  CHECK(Contains(signatures, "               (+1 more)\n"));
  CHECK(Contains(signatures,
                 "             - string: hxxp[://]update[.]kensa-fixture[.]jp/payload.bin"
                 " @0x2a10\n"));
}

TEST_CASE("The score explanation lists each contribution with its points") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  const std::string score = Section(text, "Score explanation");
  CHECK(Contains(score, "   +45  process_injection_imports  high severity\n"));
  CHECK(Contains(score,
                 "   +37  downloader_url_strings     medium severity, downloader evidence\n"));
  CHECK(Contains(score, "  Scoring model 2025.06-1\n"));
  CHECK(Contains(score, "  Other candidate types: RAT (remote access trojan) (20)\n"));
}

TEST_CASE("The PE summary shows headers, imports, resources, version info and sections") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  const std::string pe = Section(text, "PE summary");
  CHECK(Contains(pe, "  Machine             i386 (32-bit executable)\n"));
  CHECK(Contains(pe, "  Subsystem           windows_gui\n"));
  CHECK(Contains(pe, "  Compile time        2024-03-01T09:30:24Z (0x65e1a2b0)\n"));
  CHECK(Contains(pe, "  Entry point         0x1a2c0 (.text)\n"));
  CHECK(Contains(pe, "  Imports             2 DLLs, 9 functions\n"));
  CHECK(Contains(pe, "  Suspicious imports  5 (named by signatures): kernel32.dll!VirtualAllocEx,\n"
                     "                      kernel32.dll!WriteProcessMemory, "));
  CHECK(Contains(pe, ", wininet.dll!InternetOpenUrlW\n"));
  CHECK(Contains(pe, "  Resource languages  ja-JP x2, en-US x1\n"));
  CHECK(Contains(pe, "  Company name        Kensa Fixture 株式会社\n"));
  CHECK(Contains(pe, "  Original file name  updater.exe\n"));
  CHECK(Contains(pe, "  Authenticode        absent\n"));
  CHECK(Contains(pe, "  Overlay             4,096 bytes at offset 0x2d000, entropy 7.95\n"));
  CHECK(Contains(pe, "    Name        Virt. addr  Virt. size    Raw size  Entropy  Perm.\n"));
  CHECK(Contains(pe, "    .rsrc          0x2b000      0x1e00      0x1e00     7.62  r\n"));
}

TEST_CASE("YARA matches and anomalies are listed, with YARA data defanged") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  CHECK(Contains(text, "-- YARA matches (1) "));
  CHECK(Contains(text, "  kensa_downloader_generic [kensa]  Tags: downloader\n"));
  CHECK(Contains(text, "      $url @0x2a10: hxxp[://]update[.]kensa-fixture[.]jp/payload.bin\n"));
  CHECK(Contains(text, "-- Anomalies (1) "));
  CHECK(Contains(text, "  - pe_checksum_mismatch: header checksum 0x0, computed 0x3a1f2\n"));
}

TEST_CASE("Analysis errors are listed so that a reader knows what was not examined") {
  auto report = testing::MaliciousPeReport();
  report.mutable_static_result()->add_errors("pe: truncated optional header");
  report.mutable_static_result()->add_errors("yara: scan timed out after 30 s");
  const std::string en = RenderText(report, Language::kEnglish);
  CHECK(Contains(en, "-- Analysis errors (2) "));
  CHECK(Contains(en, "\n  - pe: truncated optional header\n  - yara: scan timed out after 30 s\n"));
  CHECK(Contains(RenderText(report, Language::kJapanese), "-- 解析エラー (2) "));
  CHECK(Contains(RenderHtml(report, Language::kJapanese),
                 "<h2>解析エラー<span class=\"count\">2</span></h2>\n<ul>\n"
                 "<li class=\"wrap\">pe: truncated optional header</li>\n"));
}

TEST_CASE("Recommended actions follow the level and the malware type") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  const std::string actions = Section(text, "Recommended actions");
  CHECK(Contains(actions, "  1. Do not open or run the file; keep it quarantined until the "
                          "analysis is complete.\n"));
  CHECK(Contains(actions, "Block the listed domains, URLs and IP addresses at the proxy"));
  CHECK(Contains(actions, "Search proxy and DNS logs for the listed domains and URLs"));
  CHECK_FALSE(Contains(actions, "shadow copies"));

  auto ransomware = testing::MaliciousPeReport();
  ransomware.mutable_verdict()->set_malware_type("ransomware");
  ransomware.mutable_verdict()->set_level(report::v1::LEVEL_CRITICAL);
  const std::string critical = RenderText(ransomware, Language::kEnglish);
  CHECK(Contains(critical, "  1. Escalate to incident response now"));
  CHECK(Contains(critical, "Check that volume shadow copies and backups are intact"));
  CHECK_FALSE(Contains(Section(critical, "Recommended actions"), "Search proxy and DNS logs"));

  // A document whose only network indicators are XML namespaces and a certificate server has
  // nothing to block at the proxy.
  auto document = testing::MaliciousPeReport();
  document.clear_indicators();
  document.mutable_static_result()->clear_indicators();
  for (const auto& [type, value] :
       {std::pair{analysis::v1::INDICATOR_TYPE_URL, "http://schemas.openxmlformats.org/drawingml/2006/main"},
        std::pair{analysis::v1::INDICATOR_TYPE_DOMAIN, "ocsp.digicert.com"}}) {
    auto* indicator = document.add_indicators();
    indicator->set_type(type);
    indicator->set_value(value);
  }
  CHECK_FALSE(Contains(Section(RenderText(document, Language::kEnglish), "Recommended actions"),
                       "Block the listed domains"));
  auto* bad = document.add_indicators();
  bad->set_type(analysis::v1::INDICATOR_TYPE_URL);
  bad->set_value("http://invoice-cdn.example/payload.dll");
  CHECK(Contains(Section(RenderText(document, Language::kEnglish), "Recommended actions"),
                 "Block the listed domains"));

  auto rat = testing::MaliciousPeReport();
  rat.mutable_verdict()->set_malware_type("rat");
  CHECK(Contains(RenderText(rat, Language::kJapanese),
                 "C2 サーバへの通信を遮断し、同じミューテックスや Run キーが"));
}

TEST_CASE("The Japanese summary translates labels, level, malware type and descriptions") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kJapanese);
  CHECK(text.rfind("Kensa トリアージレポート\n", 0) == 0);
  CHECK(Contains(text, "ファイル名    invoice_2025.exe\n"));
  CHECK(Contains(text, "サイズ        184,320 バイト (180.0 KiB)\n"));
  CHECK(Contains(text, "リスクレベル: 悪性 | スコア: 82/100 | マルウェア種別: ダウンローダー | "
                       "ファミリー: なし\n"));
  CHECK(Contains(text, "-- 推奨対応 "));
  CHECK(Contains(text, "-- スコアの内訳 "));
  CHECK(Contains(text, "-- 検知シグネチャ (2) "));
  CHECK(Contains(text, "-- 侵害指標 (IOC) (6) "));
  CHECK(Contains(text, "-- PE ファイル情報 "));
  CHECK(Contains(text, "  [高  ] process_injection_imports  ATT&CK T1055, T1106\n"));
  CHECK(Contains(text, "         他のプロセスにコードを書き込み、そこで実行するための関数を"
                       "インポートしています。\n"));
  // No Japanese description: the English one is shown.
  CHECK(Contains(text, "Contains a URL and the WinINet functions needed to download a file"));
  CHECK(Contains(text, "  IPv4 アドレス (1)\n    203.0.113[.]45\n"));
  CHECK(Contains(text, "  リソースの言語    ja-JP x2, en-US x1\n"));
  CHECK(Contains(text, "  アーキテクチャ    i386 (32 ビット実行ファイル)\n"));
  CHECK(Contains(text,
                 "    名前        仮想アドレス  仮想サイズ    実サイズ  エントロピー  権限\n"));
  CHECK(Contains(text, "ほか 1 件"));
  CHECK(Contains(text, "プロキシ・DNS ログで記載のドメイン・URL への通信を検索し"));
  CHECK_FALSE(Contains(text, "update.kensa-fixture.jp"));
}

TEST_CASE("Each level and malware type has its Japanese name") {
  auto report = testing::MaliciousPeReport();
  const struct {
    report::v1::Level level;
    const char* name;
  } levels[] = {{report::v1::LEVEL_CLEAN, "問題なし"},
                {report::v1::LEVEL_LOW, "低"},
                {report::v1::LEVEL_SUSPICIOUS, "要注意"},
                {report::v1::LEVEL_MALICIOUS, "悪性"},
                {report::v1::LEVEL_CRITICAL, "重大"}};
  for (const auto& [level, name] : levels) {
    report.mutable_verdict()->set_level(level);
    CHECK(Contains(RenderText(report, Language::kJapanese),
                   "リスクレベル: " + std::string(name) + " | "));
  }
  const struct {
    const char* code;
    const char* name;
  } types[] = {{"dropper", "ドロッパー"},
               {"loader", "ローダー"},
               {"ransomware", "ランサムウェア"},
               {"infostealer", "情報窃取型マルウェア"},
               {"rat", "RAT (遠隔操作型)"},
               {"backdoor", "バックドア"},
               {"keylogger", "キーロガー"},
               {"worm", "ワーム"},
               {"exploit", "エクスプロイト"},
               {"hacktool", "ハッキングツール"},
               {"miner", "マイニングマルウェア"},
               {"packer", "パッカー"}};
  for (const auto& [code, name] : types) {
    report.mutable_verdict()->set_malware_type(code);
    CHECK(Contains(RenderText(report, Language::kJapanese),
                   "マルウェア種別: " + std::string(name) + " | "));
  }
}

TEST_CASE("Lines stay within 100 columns in both languages") {
  auto report = testing::MaliciousPeReport();
  auto* long_url = report.add_indicators();
  long_url->set_type(analysis::v1::INDICATOR_TYPE_URL);
  long_url->set_value("http://cdn.kensa-fixture.jp/" + std::string(180, 'a') + "/tail.bin");
  CHECK(WidestLine(RenderText(report, Language::kEnglish)) <= 100);
  CHECK(WidestLine(RenderText(report, Language::kJapanese)) <= 100);
  // The long URL wraps whole: both of its ends are there.
  const std::string text = RenderText(report, Language::kEnglish);
  CHECK(Contains(text, "    hxxp[://]cdn[.]kensa-fixture[.]jp/aaaa"));
  CHECK(Contains(text, "aaaa/tail.bin\n"));
}

TEST_CASE("Indicators beyond the limit are counted, never dropped silently") {
  auto report = testing::MaliciousPeReport();
  report.clear_indicators();
  for (int i = 0; i < 60; ++i) {
    auto* indicator = report.add_indicators();
    indicator->set_type(analysis::v1::INDICATOR_TYPE_URL);
    indicator->set_value("http://host" + std::to_string(i) + ".kensa-fixture.jp/");
  }
  const std::string text = RenderText(report, Language::kEnglish);
  CHECK(Contains(text, "-- Indicators (IOC) (60) "));
  CHECK(Contains(text, "  50 of 60 shown\n"));
  CHECK(Contains(text, "    hxxp[://]host49[.]kensa-fixture[.]jp/\n"));
  CHECK_FALSE(Contains(text, "host50"));
  CHECK(Contains(text, "    (+10 more)\n"));
  CHECK(Contains(RenderText(report, Language::kJapanese), "    (ほか 10 件)\n"));
}

TEST_CASE("A flood of one indicator type does not hide the others") {
  auto report = testing::MaliciousPeReport();
  for (int i = 0; i < 60; ++i) {
    auto* indicator = report.add_indicators();
    indicator->set_type(analysis::v1::INDICATOR_TYPE_FILE_PATH);
    indicator->set_value("C:\\Temp\\file" + std::to_string(i) + ".tmp");
  }
  const std::string text = RenderText(report, Language::kEnglish, {.max_indicators = 10});
  CHECK(Contains(text, "  10 of 66 shown\n"));
  CHECK(Contains(text, "hxxp[://]update[.]kensa-fixture[.]jp/payload.bin"));
  CHECK(Contains(text, "    Global\\KensaFixtureMutex\n"));
  // 10 shared over 6 types: file paths get 5, the five other types one each.
  CHECK(Contains(text, "    C:\\Temp\\file3.tmp\n"));
  CHECK_FALSE(Contains(text, "file4.tmp"));
  CHECK(Contains(text, "  File path (61)\n"));
  CHECK(Contains(text, "    (+56 more)\n"));
}

TEST_CASE("Signatures beyond the limit are counted") {
  const std::string text =
      RenderText(testing::MaliciousPeReport(), Language::kEnglish, {.max_signatures = 1});
  const std::string signatures = Section(text, "Signatures (2)");
  CHECK(Contains(signatures, "process_injection_imports"));
  CHECK_FALSE(Contains(signatures, "[MEDIUM  ]"));
  CHECK(Contains(signatures, "\n  (+1 more)\n"));
}

TEST_CASE("Colour marks the level with ANSI escapes only when asked") {
  const std::string text =
      RenderText(testing::MaliciousPeReport(), Language::kEnglish, {.color = true});
  CHECK(Contains(text, "Risk level: \x1b[1;31mMALICIOUS\x1b[0m | Score: 82/100"));
  CHECK(Contains(text, "\x1b[31m[HIGH    ]\x1b[0m process_injection_imports"));
}

TEST_CASE("Hostile strings cannot drive the terminal or hide their extension") {
  auto report = testing::MaliciousPeReport();
  report.mutable_submission()->mutable_sample()->set_file_name(
      "\x1b]0;pwned\x07invoice\xE2\x80\xAE" "fdp.exe");
  auto* signature = report.mutable_static_result()->mutable_signatures(0);
  signature->set_description("clear screen \x1b[2J now");
  const std::string text = RenderText(report, Language::kEnglish);
  CHECK(Contains(text, "File name   \\x1b]0;pwned\\x07invoice<U+202E>fdp.exe\n"));
  CHECK(Contains(text, "clear screen \\x1b[2J now"));
  CHECK_FALSE(Contains(text, "\x1b"));
  CHECK_FALSE(Contains(text, "\xE2\x80\xAE"));
}

TEST_CASE("A clean file with no PE info and no signatures still renders") {
  const std::string text = RenderText(testing::CleanTextReport(), Language::kEnglish);
  CHECK(Contains(text, "File name   readme.txt\n"));
  CHECK(Contains(text, "File type   ASCII text [text]\n"));
  CHECK(Contains(text, "Risk level: CLEAN | Score: 0/100 | Malware type: none | Family: none\n"));
  CHECK(Contains(text, "  1. No action needed."));
  CHECK(Contains(text, "  No signature added to the score.\n"));
  CHECK(Contains(text, "-- Signatures (0) "));
  CHECK(Contains(text, "  No signature matched.\n"));
  CHECK(Contains(text, "  No indicators were extracted.\n"));
  CHECK_FALSE(Contains(text, "PE summary"));
  CHECK_FALSE(Contains(text, "Imphash"));
  const std::string ja = RenderText(testing::CleanTextReport(), Language::kJapanese);
  CHECK(Contains(ja, "リスクレベル: 問題なし | スコア: 0/100"));
  CHECK(Contains(ja, "  1. 対応は不要です。"));

  // An empty report (nothing filled in) renders too.
  const std::string empty = RenderText(report::v1::Report(), Language::kEnglish);
  CHECK(Contains(empty, "Risk level: NOT RATED | Score: 0/100"));
  CHECK(Contains(empty, "Request detailed analysis"));
}

}  // namespace
}  // namespace kensa::report

namespace kensa::report {
namespace {

TEST_CASE("Score reasons are shown in the report's language when the severity is known") {
  report::v1::Report report = testing::MaliciousPeReport();
  auto* contribution = report.mutable_verdict()->mutable_contributions(0);
  contribution->set_reason("high severity");
  contribution->set_severity(analysis::v1::SEVERITY_HIGH);
  const std::string ja = RenderText(report, Language::kJapanese);
  CHECK(ja.find("深刻度: 高") != std::string::npos);
  const std::string en = RenderText(report, Language::kEnglish);
  CHECK(en.find("Severity: HIGH") != std::string::npos);
  CHECK(RenderHtml(report, Language::kJapanese).find("深刻度: 高") != std::string::npos);
}

}  // namespace
}  // namespace kensa::report

namespace kensa::report {
namespace {

// A mail attachment: an archive whose member carries the signature that decides the verdict,
// and a second member whose analysis failed.
report::v1::Report ArchiveReport() {
  auto report = testing::CleanTextReport();
  report.mutable_submission()->set_id("root");
  report.mutable_submission()->mutable_sample()->set_file_name("mail.zip");
  auto* exe = report.add_children();
  exe->mutable_submission()->set_id("root-0");
  exe->mutable_submission()->set_depth(1);
  exe->mutable_submission()->mutable_sample()->set_file_name("invoice.pdf.exe");
  exe->mutable_submission()->mutable_sample()->set_size(40960);
  exe->mutable_submission()->mutable_sample()->mutable_hashes()->set_sha256(std::string(64, 'a'));
  exe->mutable_static_result()->mutable_sample()->mutable_file_type()->set_description("PE32+ executable");
  auto* signature = exe->mutable_static_result()->add_signatures();
  signature->set_name("download_and_execute_imports");
  signature->set_severity(analysis::v1::SEVERITY_HIGH);
  auto* broken = report.add_children();
  broken->mutable_submission()->set_id("root-1");
  broken->mutable_submission()->set_depth(1);
  broken->mutable_submission()->mutable_sample()->set_file_name("notes.doc");
  broken->mutable_submission()->set_state(sample::v1::SUBMISSION_STATE_FAILED);
  broken->mutable_submission()->set_failure_reason("analysis crashed: signal 11 (SIGSEGV)");
  return report;
}

}  // namespace

TEST_CASE("files inside the sample are listed with their signatures, which count as the sample's") {
  const std::string text = RenderText(ArchiveReport(), Language::kEnglish);
  const std::string inside = Section(text, "Files inside the sample");
  CHECK(Contains(inside, "Files inside the sample (2)"));
  CHECK(Contains(inside, "\n  invoice.pdf.exe\n    PE32+ executable, 40.0 KiB\n    SHA-256 " + std::string(64, 'a') +
                             "\n    [HIGH] download_and_execute_imports\n"));
  CHECK(Contains(inside, "  notes.doc\n"));
  CHECK(Contains(inside, "    analysis failed: analysis crashed: signal 11 (SIGSEGV)\n"));
  const std::string signatures = Section(text, "Signatures");
  CHECK(Contains(signatures, "download_and_execute_imports"));
  CHECK(Contains(signatures, "found in: invoice.pdf.exe"));

  const std::string ja = RenderText(ArchiveReport(), Language::kJapanese);
  CHECK(Contains(Section(ja, "内包ファイル"), "解析失敗: analysis crashed"));
  const std::string html = RenderHtml(ArchiveReport(), Language::kEnglish);
  CHECK(Contains(html, "Files inside the sample"));
  CHECK(Contains(html, "invoice.pdf.exe"));
}

TEST_CASE("a report without extracted files has no files-inside section") {
  const std::string text = RenderText(testing::CleanTextReport(), Language::kEnglish);
  CHECK_FALSE(Contains(text, "Files inside the sample"));
}

}  // namespace kensa::report
