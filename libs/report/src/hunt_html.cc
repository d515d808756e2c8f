// The hunt report as HTML: one self-contained document a CSIRT can mail or open on an isolated
// machine, in the look of the sample report (html_renderer.cc): verdict up top with why, the
// recommended actions, findings grouped by severity with their evidence and location, the
// timeline, the rules that fired and the collection's integrity. No script, no external
// resource (a Content-Security-Policy of default-src 'none' makes the browser enforce it),
// every string from the host neutralised and escaped, URLs in evidence defanged.
//
// The style repeats the sample report's design tokens (colours, fonts, masthead, summary card,
// pills) rather than sharing its stylesheet, which lives inside html_renderer.cc; once that
// stylesheet moves to a header of its own, both renderers should include it.

#include <algorithm>
#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog.h"
#include "display.h"
#include "kensa/indicators/defang.h"
#include "kensa/report/hunt_render.h"

namespace kensa::report {
namespace {

using forensics::v1::Finding;
using forensics::v1::HuntReport;
using forensics::v1::HuntVerdict;

// Bounded like the sample report: a browser and a printer choke on 100,000 rows; the JSON
// report carries everything.
constexpr std::size_t kMaxFindingsPerLevel = 300;
constexpr std::size_t kMaxTimelineEvents = 500;
constexpr std::size_t kMaxRuleHits = 200;
constexpr std::size_t kMaxIndicators = 500;
constexpr std::size_t kMaxListed = 100;  // integrity problems, collection errors, inputs
// One finding's evidence and key-field values, cut for the page.
constexpr std::size_t kMaxEvidenceBytes = 1024;

constexpr std::array<std::string_view, 5> kLevels = {"critical", "high", "medium", "low",
                                                     "informational"};

// Every label in both languages, in one place.
struct Words {
  std::string_view title, generated_at, generator, verdict, reason, host, os, case_id, collected,
      collector, archive, encryption, hunted, hunted_format, swept_format, actions, no_actions, findings, no_findings, time,
      finding, attack, evidence, where, timeline, no_timeline, event, rules, rule, level, count,
      iocs, ioc_type, ioc_value,
      integrity, integrity_ok, mismatch, problem, not_collected, inputs, damaged, more, none,
      footer, level_names[5], verdict_names[4], verdict_notes[4];
};

constexpr Words kEnglish{
    "Compromise assessment",
    "Generated",
    "Generator",
    "Verdict",
    "Why",
    "Host",
    "OS",
    "Case",
    "Collected",
    "Collector",
    "Archive",
    "Encryption",
    "Hunted",
    "{files} files, {events} events, {rules} rules",
    ", swept for {iocs} known-bad indicators",
    "Recommended actions",
    "No action is called for by the findings.",
    "Findings",
    "No findings.",
    "Time",
    "Finding",
    "ATT&CK",
    "Evidence",
    "Where",
    "Timeline",
    "No timestamped events.",
    "Event",
    "Rules that fired",
    "Rule",
    "Level",
    "Matches",
    "Indicators of compromise",
    "Type",
    "Value (defanged)",
    "Collection integrity",
    "Every collected item matches its sha256 in the manifest.",
    "does not match its sha256 in the manifest (changed after collection, or a damaged archive)",
    "Problem",
    "Not collected",
    "Inputs that could not be read fully",
    "damaged: {records} records read, {record_errors} record errors, {chunk_errors} chunk errors",
    "(+{n} more)",
    "none",
    "Kensa hunt report. The verdict is only as good as the rules: read the findings before acting. "
    "The JSON form of this report carries every finding.",
    {"Critical", "High", "Medium", "Low", "Informational"},
    {"UNRATED", "NO EVIDENCE", "SUSPICIOUS", "COMPROMISED"},
    {"", "No evidence of compromise was found by the rules that ran.",
     "Suspicious activity: review the findings.", "The host shows signs of compromise."}};

constexpr Words kJapanese{
    "侵害調査レポート",
    "作成日時",
    "作成",
    "判定",
    "根拠",
    "ホスト",
    "OS",
    "案件",
    "収集日時",
    "収集ツール",
    "アーカイブ",
    "暗号化",
    "調査範囲",
    "{files} ファイル、{events} イベント、{rules} ルール",
    "、既知の不正な指標 {iocs} 件と照合",
    "推奨対応",
    "検出結果から求められる対応はありません。",
    "検出",
    "検出はありません。",
    "日時",
    "検出内容",
    "ATT&CK",
    "証跡",
    "場所",
    "タイムライン",
    "日時付きのイベントはありません。",
    "イベント",
    "検出したルール",
    "ルール",
    "レベル",
    "件数",
    "IOC（侵害の痕跡）",
    "種別",
    "値（無害化表記）",
    "収集データの完全性",
    "収集された全項目がマニフェストの sha256 と一致しました。",
    "がマニフェストの sha256 と一致しません（収集後の改変、または破損したアーカイブ）",
    "問題",
    "未収集",
    "完全には読めなかった入力",
    "破損: {records} レコード読み取り、{record_errors} レコードエラー、{chunk_errors} "
    "チャンクエラー",
    "（ほか {n} 件）",
    "なし",
    "Kensa 侵害調査レポート。判定はルールの精度に依存します。対応の前に検出内容を確認してください。"
    "すべての検出は JSON 版に含まれます。",
    {"緊急", "高", "中", "低", "情報"},
    {"未評価", "侵害の証拠なし", "不審", "侵害あり"},
    {"", "実行したルールでは侵害の証拠は見つかりませんでした。",
     "不審な活動があります。検出内容を確認してください。", "このホストには侵害の兆候があります。"}};

// Every string that reaches the page goes through this.
std::string Esc(std::string_view text) { return internal::HtmlEscape(internal::Neutralize(text)); }

std::string Replace(std::string_view pattern, const std::map<std::string, std::string>& values) {
  std::string out(pattern);
  for (const auto& [key, value] : values) {
    const std::string token = "{" + key + "}";
    for (auto at = out.find(token); at != std::string::npos;
         at = out.find(token, at + value.size())) {
      out.replace(at, token.size(), value);
    }
  }
  return out;
}

std::size_t LevelIndex(std::string_view level) {
  for (std::size_t i = 0; i < kLevels.size(); ++i) {
    if (kLevels[i] == level) return i;
  }
  return kLevels.size() - 1;  // an unknown level is shown as informational
}

std::string_view PillClass(std::string_view level) {
  static constexpr std::array<std::string_view, 5> kClasses = {"sev-critical", "sev-high",
                                                               "sev-medium", "sev-low", "sev-info"};
  return kClasses[LevelIndex(level)];
}

std::string_view VerdictClass(HuntVerdict verdict) {
  switch (verdict) {
    case forensics::v1::HUNT_VERDICT_COMPROMISED:
      return "lvl-malicious";
    case forensics::v1::HUNT_VERDICT_SUSPICIOUS:
      return "lvl-suspicious";
    case forensics::v1::HUNT_VERDICT_NO_EVIDENCE:
      return "lvl-clean";
    default:
      return "lvl-unrated";
  }
}

std::size_t VerdictIndex(HuntVerdict verdict) {
  const int value = static_cast<int>(verdict);
  return value >= 0 && value <= 3 ? static_cast<std::size_t>(value) : 0;
}

std::string Cut(std::string_view text, std::size_t bytes) {
  if (text.size() <= bytes) return std::string(text);
  // Back off to a UTF-8 character boundary so the cut never splits a character.
  std::size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "…";
}

constexpr std::string_view kStyle = R"css(
:root{--ink:#1d2733;--muted:#5f6b7a;--line:#d9dee5;--soft:#f4f6f9;--accent:#1f3a5f;
--lvl:#5f6b7a;--lvl-bg:#eef1f5}
*{box-sizing:border-box}
body{margin:0;background:#e9edf2;color:var(--ink);
font:14px/1.55 "Noto Sans CJK JP","Noto Sans JP","Hiragino Sans","Hiragino Kaku Gothic ProN",
"Yu Gothic UI","Yu Gothic","Meiryo","Segoe UI","Helvetica Neue",Arial,sans-serif}
.page{max-width:1040px;margin:24px auto;background:#fff;padding:0 0 24px;
box-shadow:0 1px 4px rgba(0,0,0,.12)}
.mono,code{font-family:"Noto Sans Mono CJK JP","DejaVu Sans Mono",Consolas,"Courier New",monospace;
font-size:12.5px}
.wrap{overflow-wrap:anywhere;word-break:break-all}
header.masthead{display:flex;align-items:flex-end;justify-content:space-between;gap:16px;
padding:18px 32px 14px;background:var(--accent);color:#fff}
.brand{font-size:13px;letter-spacing:.18em;font-weight:700;opacity:.85}
.doc-title{font-size:22px;font-weight:700;margin-top:2px}
.doc-meta{font-size:12px;opacity:.85;text-align:right}
.lvl-clean{--lvl:#1b7f3b;--lvl-bg:#e8f5ec}
.lvl-suspicious{--lvl:#b86e00;--lvl-bg:#fdf3e1}
.lvl-malicious{--lvl:#c62828;--lvl-bg:#fdecec}
.lvl-unrated{--lvl:#5f6b7a;--lvl-bg:#eef1f5}
.summary{display:grid;grid-template-columns:260px 1fr;margin:24px 32px 8px;
border:1px solid var(--line);border-left:8px solid var(--lvl);border-radius:6px;overflow:hidden}
.verdict{background:var(--lvl-bg);padding:18px 20px;text-align:center}
.verdict .label{font-size:12px;color:var(--muted);letter-spacing:.05em}
.badge{display:inline-block;margin:6px 0 10px;padding:6px 18px;border-radius:4px;
background:var(--lvl);color:#fff;font-size:22px;font-weight:700;letter-spacing:.06em}
.verdict .note{font-size:12.5px}
.counts{margin-top:8px;font-size:12px;color:var(--muted)}
.facts{margin:0;padding:14px 20px;display:grid;grid-template-columns:max-content 1fr;
gap:6px 18px;align-content:center}
.facts dt{color:var(--muted);font-size:12.5px;padding-top:1px}
.facts dd{margin:0;font-weight:600}
.facts dd.mono{font-weight:400}
section.block{margin:22px 32px 0}
h2{font-size:16px;margin:0 0 8px;padding-bottom:5px;border-bottom:2px solid var(--accent);
color:var(--accent)}
h2 .count{color:var(--muted);font-weight:400;font-size:13px;margin-left:6px}
h3{font-size:13.5px;margin:14px 0 6px;color:var(--ink)}
h3 .count{color:var(--muted);font-weight:400;font-size:13px;margin-left:4px}
p.note{color:var(--muted);font-size:12.5px;margin:4px 0 8px}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
td.time{white-space:nowrap;font-size:12px}
ol.actions{margin:0;padding:10px 16px 10px 36px;background:var(--lvl-bg);
border-left:4px solid var(--lvl);border-radius:4px}
ol.actions li{margin:3px 0}
.pill{display:inline-block;min-width:64px;text-align:center;padding:2px 8px;border-radius:10px;
color:#fff;font-size:11.5px;font-weight:700;white-space:nowrap}
.sev-critical{background:#7b1020}.sev-high{background:#c62828}.sev-medium{background:#b86e00}
.sev-low{background:#1f6fb2}.sev-info{background:#7a8594}
.sig-name{font-weight:700}
.attack{display:inline-block;margin:0 4px 2px 0;padding:0 6px;border:1px solid #b7c3d3;
border-radius:3px;font-size:11.5px;color:var(--accent);background:#f2f6fb}
.evidence{margin:2px 0 0;padding:4px 6px;background:var(--soft);border-radius:3px;
white-space:pre-wrap}
.kind{color:var(--muted)}
.more{color:var(--muted);font-style:italic}
.empty{color:var(--muted)}
.ok{color:#1b7f3b}
footer{margin:26px 32px 0;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);
font-size:11.5px}
@page{size:A4;margin:14mm 12mm}
@media print{
body{background:#fff;font-size:10pt}
.page{margin:0;max-width:none;box-shadow:none;padding:0}
.summary{grid-template-columns:190px 1fr}
.mono,code{font-size:8.5pt}
table{font-size:9pt}
header.masthead,.summary,section.block,footer{margin-left:0;margin-right:0}
header.masthead,.verdict,.badge,.pill,ol.actions{-webkit-print-color-adjust:exact;
print-color-adjust:exact}
.summary,tr,ol.actions li{break-inside:avoid}
h2,h3{break-after:avoid}
thead{display:table-header-group}
}
)css";

class HuntHtmlRenderer {
 public:
  HuntHtmlRenderer(const HuntReport& report, Language lang)
      : report_(report), lang_(lang), w_(lang == Language::kJapanese ? kJapanese : kEnglish) {}

  std::string Render() {
    out_ += "<!DOCTYPE html>\n<html lang=\"";
    out_ += LanguageCode(lang_);
    out_ += "\">\n<head>\n<meta charset=\"utf-8\">\n";
    // Defence in depth: even markup that slipped through escaping could load or run nothing.
    out_ +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out_ += "<title>" + Esc(w_.title) + " - " + Esc(VerdictName());
    const auto& host = report_.collection().manifest().host();
    if (!host.hostname().empty()) out_ += " - " + Esc(host.hostname());
    out_ += "</title>\n<style>";
    out_ += kStyle;
    out_ += "</style>\n</head>\n<body>\n<div class=\"page\">\n";
    Masthead();
    Summary();
    Actions();
    Findings();
    Timeline();
    Indicators();
    RuleHits();
    Integrity();
    Inputs();
    out_ += "<footer>" + Esc(w_.footer) + "</footer>\n";
    out_ += "</div>\n</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  std::string VerdictName() const {
    return std::string(w_.verdict_names[VerdictIndex(report_.verdict())]);
  }
  std::string More(std::size_t count) const {
    return "<span class=\"more\">" + Esc(Replace(w_.more, {{"n", std::to_string(count)}})) +
           "</span>";
  }
  std::string Pill(std::string_view level) const {
    return "<span class=\"pill " + std::string(PillClass(level)) + "\">" +
           Esc(w_.level_names[LevelIndex(level)]) + "</span>";
  }
  // Evidence from the host: neutralised, escaped, and URLs in it defanged so that nothing on
  // the page is one copy-and-paste away from a live attacker server.
  std::string Evidence(std::string_view text) const {
    return Esc(defanger_.Defang(Cut(text, kMaxEvidenceBytes)));
  }

  void OpenBlock(std::string_view title, std::size_t count, bool with_count) {
    out_ += "<section class=\"block\">\n<h2>" + Esc(title);
    if (with_count) out_ += "<span class=\"count\">" + std::to_string(count) + "</span>";
    out_ += "</h2>\n";
  }
  void CloseBlock() { out_ += "</section>\n"; }

  void Masthead() {
    out_ += "<header class=\"masthead\"><div><div class=\"brand\">KENSA &#x691C;&#x67FB;</div>";
    out_ += "<div class=\"doc-title\">" + Esc(w_.title) + "</div></div><div class=\"doc-meta\">";
    if (!report_.generated_at().empty())
      out_ += Esc(w_.generated_at) + ": " + Esc(report_.generated_at()) + "<br>";
    if (!report_.generator().empty()) out_ += Esc(w_.generator) + ": " + Esc(report_.generator());
    out_ += "</div></header>\n";
  }

  void Summary() {
    const auto verdict = report_.verdict();
    out_ += "<section class=\"summary " + std::string(VerdictClass(verdict)) + "\">\n";
    out_ += "<div class=\"verdict\"><div class=\"label\">" + Esc(w_.verdict) +
            "</div><div class=\"badge\">" + Esc(VerdictName()) + "</div><div class=\"note\">" +
            Esc(w_.verdict_notes[VerdictIndex(verdict)]) + "</div>";
    std::array<std::size_t, 5> by_level{};
    for (const auto& finding : report_.findings()) ++by_level[LevelIndex(finding.level())];
    out_ += "<div class=\"counts\">";
    for (std::size_t i = 0; i < kLevels.size(); ++i) {
      if (by_level[i] == 0) continue;
      out_ += Esc(w_.level_names[i]) + " " + std::to_string(by_level[i]) + " &#183; ";
    }
    out_ += Esc(w_.findings) + " " + std::to_string(report_.findings_size()) + "</div></div>\n";

    out_ += "<dl class=\"facts\">\n";
    const auto fact = [&](std::string_view label, const std::string& value, bool mono = false) {
      if (value.empty()) return;
      out_ += "<dt>" + Esc(label) + "</dt><dd class=\"" + (mono ? "mono wrap" : "wrap") + "\">" +
              Esc(value) + "</dd>\n";
    };
    fact(w_.reason, report_.verdict_reason());
    const auto& collection = report_.collection();
    const auto& manifest = collection.manifest();
    const auto& host = manifest.host();
    fact(w_.host, host.hostname());
    std::string os = host.os();
    if (!host.kernel().empty()) os += (os.empty() ? "" : " / ") + host.kernel();
    if (!host.arch().empty()) os += (os.empty() ? "" : " / ") + host.arch();
    fact(w_.os, os);
    fact(w_.case_id, manifest.case_id());
    fact(w_.collected, manifest.finished_at());
    if (!manifest.collector().name().empty()) {
      fact(w_.collector, manifest.collector().name() + " " + manifest.collector().version());
    }
    fact(w_.archive, collection.path(), true);
    fact(w_.encryption, collection.encryption());
    const auto& stats = report_.stats();
    std::string hunted = Replace(w_.hunted_format, {{"files", internal::GroupThousands(stats.files())},
                                                    {"events", internal::GroupThousands(stats.events())},
                                                    {"rules", internal::GroupThousands(stats.rules_loaded())}});
    if (stats.indicators_swept() > 0) {
      hunted += Replace(w_.swept_format, {{"iocs", internal::GroupThousands(stats.indicators_swept())}});
    }
    fact(w_.hunted, hunted);
    out_ += "</dl>\n</section>\n";
  }

  void Actions() {
    const auto& actions = lang_ == Language::kJapanese && report_.recommended_actions_ja_size() > 0
                              ? report_.recommended_actions_ja()
                              : report_.recommended_actions();
    OpenBlock(w_.actions, 0, false);
    if (actions.empty()) {
      out_ += "<p class=\"note\">" + Esc(w_.no_actions) + "</p>\n";
    } else {
      out_ += "<ol class=\"actions " + std::string(VerdictClass(report_.verdict())) + "\">\n";
      for (const auto& action : actions) out_ += "<li>" + Esc(action) + "</li>\n";
      out_ += "</ol>\n";
    }
    CloseBlock();
  }

  // What the finding points at: a line or file of the collection, or an event of a log.
  std::string WhereOf(const Finding& finding) const {
    std::string where = finding.location().empty() ? finding.source_file() : finding.location();
    if (!finding.channel().empty() || !finding.event_id().empty()) {
      where += (where.empty() ? "" : " · ") + finding.channel() + " " + finding.event_id();
      if (finding.event_record_id() != 0) where += " #" + std::to_string(finding.event_record_id());
    }
    if (!finding.computer().empty()) where += " · " + finding.computer();
    return where;
  }

  void FindingRow(const Finding& finding) {
    const bool ja = lang_ == Language::kJapanese;
    out_ += "<tr><td class=\"time mono\">" + Esc(finding.timestamp()) + "</td><td>";
    out_ += "<div class=\"sig-name\">" +
            Esc(ja && !finding.title_ja().empty() ? finding.title_ja() : finding.title()) +
            "</div><div class=\"kind mono\">" + Esc(finding.source()) + " · " +
            Esc(finding.rule_id()) + "</div>";
    for (const auto& technique : finding.attack_techniques()) {
      out_ += "<span class=\"attack\">" + Esc(technique) + "</span>";
    }
    out_ += "</td><td class=\"wrap\">";
    if (!finding.evidence().empty())
      out_ += "<div class=\"evidence mono\">" + Evidence(finding.evidence()) + "</div>";
    if (!finding.key_fields().empty()) {
      // Sorted by name so that the page is stable.
      const std::map<std::string, std::string> fields(finding.key_fields().begin(),
                                                      finding.key_fields().end());
      out_ += "<div class=\"evidence mono\">";
      for (const auto& [name, value] : fields) out_ += Esc(name) + ": " + Evidence(value) + "\n";
      out_ += "</div>";
    }
    out_ += "</td><td class=\"mono wrap\">" + Esc(WhereOf(finding)) + "</td></tr>\n";
  }

  void Findings() {
    OpenBlock(w_.findings, static_cast<std::size_t>(report_.findings_size()), true);
    if (report_.findings_size() == 0) {
      out_ += "<p class=\"note\">" + Esc(w_.no_findings) + "</p>\n";
      CloseBlock();
      return;
    }
    std::array<std::vector<const Finding*>, 5> by_level;
    for (const auto& finding : report_.findings())
      by_level[LevelIndex(finding.level())].push_back(&finding);
    for (std::size_t level = 0; level < kLevels.size(); ++level) {
      const auto& findings = by_level[level];
      if (findings.empty()) continue;
      out_ += "<h3>" + Pill(kLevels[level]) + " <span class=\"count\">" +
              std::to_string(findings.size()) + "</span></h3>\n";
      out_ += "<table><thead><tr><th>" + Esc(w_.time) + "</th><th>" + Esc(w_.finding) +
              "</th><th>" + Esc(w_.evidence) + "</th><th>" + Esc(w_.where) +
              "</th></tr></thead><tbody>\n";
      for (std::size_t i = 0; i < std::min(findings.size(), kMaxFindingsPerLevel); ++i)
        FindingRow(*findings[i]);
      out_ += "</tbody></table>\n";
      if (findings.size() > kMaxFindingsPerLevel)
        out_ += "<p>" + More(findings.size() - kMaxFindingsPerLevel) + "</p>\n";
    }
    CloseBlock();
  }

  void Timeline() {
    OpenBlock(w_.timeline, static_cast<std::size_t>(report_.timeline_size()), true);
    if (report_.timeline_size() == 0) {
      out_ += "<p class=\"note\">" + Esc(w_.no_timeline) + "</p>\n";
      CloseBlock();
      return;
    }
    out_ += "<table><thead><tr><th>" + Esc(w_.time) + "</th><th>" + Esc(w_.level) + "</th><th>" +
            Esc(w_.event) + "</th><th>" + Esc(w_.where) + "</th></tr></thead><tbody>\n";
    const auto shown =
        std::min(static_cast<std::size_t>(report_.timeline_size()), kMaxTimelineEvents);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& event = report_.timeline(static_cast<int>(i));
      out_ += "<tr><td class=\"time mono\">" + Esc(event.time()) + "</td><td>" +
              (event.level().empty() ? "<span class=\"kind\">" + Esc(event.kind()) + "</span>"
                                     : Pill(event.level())) +
              "</td><td class=\"wrap\">" + Evidence(event.description()) +
              "</td><td class=\"mono wrap\">" + Esc(event.location()) + "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    if (static_cast<std::size_t>(report_.timeline_size()) > shown) {
      out_ += "<p>" + More(static_cast<std::size_t>(report_.timeline_size()) - shown) + "</p>\n";
    }
    CloseBlock();
  }

  // The IOCs to block and to sweep other hosts for, defanged like every host string here.
  void Indicators() {
    if (report_.indicators_size() == 0) return;
    const std::size_t total = static_cast<std::size_t>(report_.indicators_size());
    OpenBlock(w_.iocs, total, true);
    out_ += "<table><thead><tr><th>" + Esc(w_.ioc_type) + "</th><th>" + Esc(w_.ioc_value) + "</th><th>" +
            Esc(w_.rule) + "</th></tr></thead><tbody>\n";
    const auto shown = std::min(total, kMaxIndicators);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& indicator = report_.indicators(static_cast<int>(i));
      out_ += "<tr><td>" + Esc(internal::IndicatorTypeName(indicator.type(), lang_)) + "</td><td class=\"mono wrap\">" +
              Esc(indicators::Defang(indicator.type(), Cut(indicator.value(), kMaxEvidenceBytes))) +
              "</td><td class=\"kind mono\">" + Esc(indicator.source()) + "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    if (total > shown) out_ += "<p>" + More(total - shown) + "</p>\n";
    CloseBlock();
  }

  void RuleHits() {
    if (report_.rule_hits_size() == 0) return;
    OpenBlock(w_.rules, static_cast<std::size_t>(report_.rule_hits_size()), true);
    out_ += "<table><thead><tr><th>" + Esc(w_.level) + "</th><th>" + Esc(w_.rule) +
            "</th><th class=\"num\">" + Esc(w_.count) + "</th></tr></thead><tbody>\n";
    const auto shown = std::min(static_cast<std::size_t>(report_.rule_hits_size()), kMaxRuleHits);
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& hit = report_.rule_hits(static_cast<int>(i));
      const bool in_japanese = lang_ == Language::kJapanese && !hit.title_ja().empty();
      out_ += "<tr><td>" + Pill(hit.level()) + "</td><td><div>" + Esc(in_japanese ? hit.title_ja() : hit.title()) +
              "</div><div class=\"kind mono\">" + Esc(hit.rule_id()) +
              "</div></td><td class=\"num\">" + internal::GroupThousands(hit.count()) +
              "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    if (static_cast<std::size_t>(report_.rule_hits_size()) > shown) {
      out_ += "<p>" + More(static_cast<std::size_t>(report_.rule_hits_size()) - shown) + "</p>\n";
    }
    CloseBlock();
  }

  void Integrity() {
    if (!report_.has_collection()) return;
    const auto& collection = report_.collection();
    OpenBlock(w_.integrity, 0, false);
    if (collection.hash_mismatches_size() == 0 && collection.problems_size() == 0) {
      out_ += "<p class=\"ok\">" + Esc(w_.integrity_ok) + "</p>\n";
    }
    std::size_t listed = 0;
    out_ += "<ul>\n";
    for (const auto& path : collection.hash_mismatches()) {
      if (listed++ >= kMaxListed) break;
      out_ +=
          "<li><span class=\"mono wrap\">" + Esc(path) + "</span> " + Esc(w_.mismatch) + "</li>\n";
    }
    for (const auto& problem : collection.problems()) {
      if (listed++ >= kMaxListed) break;
      out_ +=
          "<li>" + Esc(w_.problem) + ": <span class=\"wrap\">" + Esc(problem) + "</span></li>\n";
    }
    out_ += "</ul>\n";
    const auto& errors = collection.manifest().errors();
    if (!errors.empty()) {
      out_ += "<h3>" + Esc(w_.not_collected) + " <span class=\"count\">" +
              std::to_string(errors.size()) + "</span></h3>\n<table><tbody>\n";
      const auto shown = std::min(static_cast<std::size_t>(errors.size()), kMaxListed);
      for (std::size_t i = 0; i < shown; ++i) {
        const auto& error = errors[static_cast<int>(i)];
        out_ += "<tr><td class=\"mono wrap\">" + Esc(error.source()) + "</td><td class=\"kind\">" +
                Esc(error.artifact()) + "</td><td>" + Esc(error.error()) + "</td></tr>\n";
      }
      out_ += "</tbody></table>\n";
      if (static_cast<std::size_t>(errors.size()) > shown) {
        out_ += "<p>" + More(static_cast<std::size_t>(errors.size()) - shown) + "</p>\n";
      }
    }
    CloseBlock();
  }

  void Inputs() {
    std::vector<const forensics::v1::InputFile*> troubled;
    for (const auto& input : report_.inputs()) {
      if (!input.error().empty() || input.record_errors() + input.chunk_errors() > 0)
        troubled.push_back(&input);
    }
    if (troubled.empty()) return;
    OpenBlock(w_.inputs, troubled.size(), true);
    out_ += "<table><tbody>\n";
    for (std::size_t i = 0; i < std::min(troubled.size(), kMaxListed); ++i) {
      const auto& input = *troubled[i];
      const std::string what =
          !input.error().empty()
              ? input.error()
              : Replace(w_.damaged, {{"records", std::to_string(input.records())},
                                     {"record_errors", std::to_string(input.record_errors())},
                                     {"chunk_errors", std::to_string(input.chunk_errors())}});
      out_ += "<tr><td class=\"mono wrap\">" + Esc(input.path()) + "</td><td>" + Esc(what) +
              "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    if (troubled.size() > kMaxListed) out_ += "<p>" + More(troubled.size() - kMaxListed) + "</p>\n";
    CloseBlock();
  }

  const HuntReport& report_;
  Language lang_;
  const Words& w_;
  internal::FreeTextDefanger defanger_;
  std::string out_;
};

}  // namespace

std::string RenderHuntHtml(const HuntReport& report, Language lang) {
  return HuntHtmlRenderer(report, lang).Render();
}

}  // namespace kensa::report
