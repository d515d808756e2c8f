#include <catch2/catch.hpp>

#include <string>

#include "kensa/report/render.h"
#include "report_fixture.h"

namespace kensa::report {
namespace {

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("The HTML report is one self-contained UTF-8 document in the chosen language") {
  const std::string ja = RenderHtml(testing::MaliciousPeReport(), Language::kJapanese);
  CHECK(ja.rfind("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n",
                 0) == 0);
  CHECK(Contains(ja, "content=\"default-src 'none'; style-src 'unsafe-inline'\""));
  CHECK(Contains(ja, "@media print{"));
  CHECK(Contains(ja, "@page{size:A4;"));
  CHECK(Contains(ja, "</html>\n"));
  // Nothing is loaded from anywhere, and nothing runs.
  CHECK_FALSE(Contains(ja, "<script"));
  CHECK_FALSE(Contains(ja, "<link"));
  CHECK_FALSE(Contains(ja, "<img"));
  CHECK_FALSE(Contains(ja, "src="));
  CHECK_FALSE(Contains(ja, "href="));
  CHECK_FALSE(Contains(ja, "url("));
  CHECK_FALSE(Contains(ja, "@import"));
  CHECK_FALSE(Contains(ja, "http://"));
  CHECK_FALSE(Contains(ja, "https://"));
  const std::string en = RenderHtml(testing::MaliciousPeReport(), Language::kEnglish);
  CHECK(en.rfind("<!DOCTYPE html>\n<html lang=\"en\">", 0) == 0);
}

TEST_CASE("The HTML summary card shows level, score, type, file and SHA-256") {
  const std::string ja = RenderHtml(testing::MaliciousPeReport(), Language::kJapanese);
  CHECK(Contains(ja, "<section class=\"summary lvl-malicious\""));
  CHECK(Contains(ja, "<div class=\"badge\">悪性</div>"));
  CHECK(Contains(ja, "<div class=\"score\">スコア <b>82</b> / 100</div>"));
  CHECK(Contains(ja, "<span style=\"width:82%\"></span>"));
  CHECK(Contains(ja, "<dt>マルウェア種別</dt><dd class=\"wrap\">ダウンローダー</dd>"));
  CHECK(Contains(ja, "<dt>ファイル名</dt><dd class=\"wrap\">invoice_2025.exe</dd>"));
  CHECK(Contains(ja, "<dt>SHA-256</dt><dd class=\"mono wrap\">"
                     "5c1d1b2f0e8a4f0c9a7b3e6d2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f30</dd>"));
  CHECK(Contains(ja, "<title>Kensa トリアージレポート - 悪性 - invoice_2025.exe</title>"));
}

TEST_CASE("The HTML report has the same sections as the text, translated") {
  const std::string ja = RenderHtml(testing::MaliciousPeReport(), Language::kJapanese);
  for (const char* heading : {"<h2>推奨対応</h2>", "<h2>ファイル情報</h2>", "<h2>スコアの内訳</h2>",
                              "<h2>検知シグネチャ<span class=\"count\">2</span></h2>",
                              "<h2>侵害指標 (IOC)<span class=\"count\">6</span></h2>",
                              "<h2>PE ファイル情報</h2>",
                              "<h2>YARA 検知<span class=\"count\">1</span></h2>",
                              "<h2>構造上の異常<span class=\"count\">1</span></h2>"}) {
    CHECK(Contains(ja, heading));
  }
  CHECK(Contains(ja, "<span class=\"pill sev-high\">高</span>"));
  CHECK(Contains(ja, "<div class=\"sig-desc\">他のプロセスにコードを書き込み、"));
  CHECK(Contains(ja, "<span class=\"attack\">T1055</span><span class=\"attack\">T1106</span>"));
  CHECK(Contains(ja, "<span class=\"tag\">ja-JP &times; 2</span>"));
  CHECK(Contains(ja, "<th scope=\"row\">会社名</th>"
                     "<td class=\"wrap\">Kensa Fixture 株式会社</td>"));
  CHECK(Contains(ja, "<td class=\"num mono hot\">7.62</td>"));
  CHECK(Contains(ja, "<li>C2 サーバ") == false);  // downloader, not RAT
  CHECK(Contains(ja, "<li>プロキシ・DNS ログで記載のドメイン・URL への通信を検索し"));
  // Signatures most severe first.
  CHECK(ja.find("process_injection_imports</div>") < ja.find("downloader_url_strings</div>"));
}

TEST_CASE("Indicators in the HTML report are defanged, with their source and count") {
  const std::string en = RenderHtml(testing::MaliciousPeReport(), Language::kEnglish);
  CHECK(Contains(en, "<tr><td>URL</td><td class=\"mono wrap\">"
                     "hxxp[://]update[.]kensa-fixture[.]jp/payload.bin</td>"
                     "<td class=\"mono wrap\">strings.ascii</td><td class=\"num\">1</td></tr>"));
  CHECK(Contains(en, "<td class=\"mono wrap\">203.0.113[.]45</td>"));
  CHECK_FALSE(Contains(en, "update.kensa-fixture.jp"));
  CHECK_FALSE(Contains(en, "203.0.113.45"));
}

TEST_CASE("Hostile file names and indicators come out escaped") {
  auto report = testing::MaliciousPeReport();
  const std::string hostile = "<script>alert(1)</script>\"onmouseover='x'.exe";
  report.mutable_submission()->mutable_sample()->set_file_name(hostile);
  auto* indicator = report.add_indicators();
  indicator->set_type(analysis::v1::INDICATOR_TYPE_FILE_PATH);
  indicator->set_value("C:\\<script>alert(1)</script>\".exe");
  indicator->set_source("strings.ascii\"><b>");
  report.mutable_static_result()->mutable_signatures(1)->set_description_ja(
      "<img src=x onerror=alert(1)>");
  report.mutable_verdict()->set_family("</title><script>");
  for (const Language lang : {Language::kEnglish, Language::kJapanese}) {
    const std::string html = RenderHtml(report, lang);
    CHECK_FALSE(Contains(html, "<script"));
    CHECK_FALSE(Contains(html, "<img"));
    CHECK_FALSE(Contains(html, "\"><b>"));
    CHECK_FALSE(Contains(html, "onmouseover='"));
    CHECK(Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;&quot;onmouseover=&#39;x&#39;.exe"));
    CHECK(Contains(html, "C:\\&lt;script&gt;alert(1)&lt;/script&gt;&quot;.exe"));
    CHECK(Contains(html, "strings.ascii&quot;&gt;&lt;b&gt;"));
    CHECK(Contains(html, "&lt;/title&gt;&lt;script&gt;"));
  }
  CHECK(Contains(RenderHtml(report, Language::kJapanese), "&lt;img src=x onerror=alert(1)&gt;"));
}

TEST_CASE("A clean file with no PE info and no signatures renders as HTML") {
  const std::string html = RenderHtml(testing::CleanTextReport(), Language::kEnglish);
  CHECK(Contains(html, "<section class=\"summary lvl-clean\""));
  CHECK(Contains(html, "<div class=\"badge\">CLEAN</div>"));
  CHECK(Contains(html, "<p class=\"empty\">No signature matched.</p>"));
  CHECK(Contains(html, "<p class=\"empty\">No indicators were extracted.</p>"));
  CHECK(Contains(html, "<li>No action needed."));
  CHECK_FALSE(Contains(html, "PE summary"));
  CHECK(Contains(RenderHtml(report::v1::Report(), Language::kJapanese),
                 "<div class=\"badge\">未判定</div>"));
}

}  // namespace
}  // namespace kensa::report
