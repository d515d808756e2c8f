// The HTML report: one self-contained document a CSIRT can mail or open on an isolated
// machine. No script, no external resource of any kind (a Content-Security-Policy of
// default-src 'none' makes the browser enforce it even if a bug let markup through), every
// sample-controlled string escaped, indicators defanged, and print styles for A4.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "behavior_view.h"
#include "catalog.h"
#include "display.h"
#include "document_view.h"
#include "kensa/indicators/defang.h"
#include "kensa/report/render.h"
#include "recommendations.h"
#include "report_view.h"

namespace kensa::report {
namespace {

using internal::Msg;

// The HTML report is the full one, but still bounded: a browser (and a printer) chokes on a
// table of 100,000 strings-derived indicators; the JSON carries everything.
constexpr std::size_t kMaxIndicators = 1000;
constexpr std::size_t kMaxSignatures = 200;
constexpr std::size_t kMaxEvidencePerSignature = 10;
constexpr std::size_t kMaxContributions = 200;
constexpr std::size_t kMaxSections = 96;  // PE/COFF spec §3.3: the loader's own limit
constexpr std::size_t kMaxSuspiciousImports = 40;
constexpr std::size_t kMaxYaraMatches = 100;
constexpr std::size_t kMaxYaraStringsPerMatch = 5;
constexpr std::size_t kMaxAnomalies = 100;
constexpr std::size_t kMaxChildren = 200;
constexpr std::size_t kMaxChildSignatures = 5;
constexpr std::size_t kMaxErrors = 50;
// Entropy above this in a section usually means compressed or encrypted content.
constexpr double kHighEntropy = 7.0;

std::string_view LevelClass(report::v1::Level level) {
  switch (level) {
    case report::v1::LEVEL_CLEAN:
      return "lvl-clean";
    case report::v1::LEVEL_LOW:
      return "lvl-low";
    case report::v1::LEVEL_SUSPICIOUS:
      return "lvl-suspicious";
    case report::v1::LEVEL_MALICIOUS:
      return "lvl-malicious";
    case report::v1::LEVEL_CRITICAL:
      return "lvl-critical";
    default:
      return "lvl-unrated";
  }
}

std::string_view SeverityClass(analysis::v1::Severity severity) {
  switch (severity) {
    case analysis::v1::SEVERITY_CRITICAL:
      return "sev-critical";
    case analysis::v1::SEVERITY_HIGH:
      return "sev-high";
    case analysis::v1::SEVERITY_MEDIUM:
      return "sev-medium";
    case analysis::v1::SEVERITY_LOW:
      return "sev-low";
    default:
      return "sev-info";
  }
}

constexpr std::string_view kStyle = R"css(
:root{--ink:#1d2733;--muted:#5f6b7a;--line:#d9dee5;--soft:#f4f6f9;--accent:#1f3a5f;
--lvl:#5f6b7a;--lvl-bg:#eef1f5}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
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
.lvl-low{--lvl:#1f6fb2;--lvl-bg:#e7f0f9}
.lvl-suspicious{--lvl:#b86e00;--lvl-bg:#fdf3e1}
.lvl-malicious{--lvl:#c62828;--lvl-bg:#fdecec}
.lvl-critical{--lvl:#7b1020;--lvl-bg:#f9e3e7}
.lvl-unrated{--lvl:#5f6b7a;--lvl-bg:#eef1f5}
.summary{display:grid;grid-template-columns:230px 1fr;margin:24px 32px 8px;
border:1px solid var(--line);border-left:8px solid var(--lvl);border-radius:6px;overflow:hidden}
.verdict{background:var(--lvl-bg);padding:18px 20px;text-align:center}
.verdict .label{font-size:12px;color:var(--muted);letter-spacing:.05em}
.badge{display:inline-block;margin:6px 0 12px;padding:6px 18px;border-radius:4px;
background:var(--lvl);color:#fff;font-size:22px;font-weight:700;letter-spacing:.06em}
.score{font-size:13px;color:var(--muted)}
.score b{font-size:34px;color:var(--ink);font-weight:700}
.meter{height:8px;margin-top:6px;background:#fff;border:1px solid var(--line);border-radius:4px;
overflow:hidden}
.meter span{display:block;height:100%;background:var(--lvl)}
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
p.note{color:var(--muted);font-size:12.5px;margin:4px 0 8px}
table{width:100%;border-collapse:collapse;font-size:13px}
th,td{text-align:left;vertical-align:top;padding:6px 8px;border-bottom:1px solid var(--line)}
th{background:var(--soft);font-size:12px;color:var(--muted);font-weight:600;white-space:nowrap}
td.num,th.num{text-align:right;white-space:nowrap}
table.kv th{width:190px;background:none;color:var(--muted);font-weight:400;font-size:12.5px;
white-space:normal}
ol.actions{margin:0;padding:10px 16px 10px 36px;background:var(--lvl-bg);
border-left:4px solid var(--lvl);border-radius:4px}
ol.actions li{margin:3px 0}
.pill{display:inline-block;min-width:64px;text-align:center;padding:2px 8px;border-radius:10px;
color:#fff;font-size:11.5px;font-weight:700;white-space:nowrap}
.sev-critical{background:#7b1020}.sev-high{background:#c62828}.sev-medium{background:#b86e00}
.sev-low{background:#1f6fb2}.sev-info{background:#7a8594}
.sig-name{font-weight:700}
.sig-desc{margin:2px 0 4px}
.attack{display:inline-block;margin:0 4px 2px 0;padding:0 6px;border:1px solid #b7c3d3;
border-radius:3px;font-size:11.5px;color:var(--accent);background:#f2f6fb}
ul.evidence{margin:2px 0 0;padding-left:18px;color:#3a4654;font-size:12.5px}
.kind{color:var(--muted)}
.points{font-weight:700;color:var(--lvl)}
.more{color:var(--muted);font-style:italic}
.hot{color:#c62828;font-weight:700}
.empty{color:var(--muted)}
pre.console{margin:0;padding:8px 10px;background:var(--soft);border:1px solid var(--line);
border-radius:4px;white-space:pre-wrap}
.tag{display:inline-block;margin-right:4px;padding:0 6px;background:var(--soft);
border:1px solid var(--line);border-radius:3px;font-size:11.5px}
footer{margin:26px 32px 0;padding-top:10px;border-top:1px solid var(--line);color:var(--muted);
font-size:11.5px}
@page{size:A4;margin:14mm 12mm}
@media print{
body{background:#fff;font-size:10pt}
.page{margin:0;max-width:none;box-shadow:none;padding:0}
.summary{grid-template-columns:170px 1fr}
.mono,code{font-size:8.5pt}
table{font-size:9pt}
header.masthead,.summary,section.block,footer{margin-left:0;margin-right:0}
header.masthead,.verdict,.badge,.meter span,.pill,ol.actions{-webkit-print-color-adjust:exact;
print-color-adjust:exact}
.summary,tr,ol.actions li{break-inside:avoid}
h2,h3{break-after:avoid}
thead{display:table-header-group}
}
)css";

class HtmlRenderer {
 public:
  HtmlRenderer(const report::v1::Report& report, Language lang) : report_(report), lang_(lang) {
    internal::AddReportIndicators(report_, defanger_);
  }

  std::string Render() {
    const auto& sample = internal::ReportSample(report_);
    out_ += "<!DOCTYPE html>\n<html lang=\"";
    out_ += LanguageCode(lang_);
    out_ += "\">\n<head>\n<meta charset=\"utf-8\">\n";
    // Defence in depth: even markup that slipped through escaping could load or run nothing.
    out_ +=
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    out_ += "<title>" + Esc(T(Msg::kReportTitle)) + " - " +
            Esc(internal::LevelName(report_.verdict().level(), lang_));
    if (!sample.file_name().empty()) out_ += " - " + Esc(sample.file_name());
    out_ += "</title>\n<style>";
    out_ += kStyle;
    out_ += "</style>\n</head>\n<body>\n<div class=\"page\">\n";
    Masthead();
    Summary();
    Actions();
    FileDetails();
    ScoreExplanation();
    Signatures();
    FilesInside();
    Indicators();
    Behaviour();
    Documents();
    Pe();
    Yara();
    Anomalies();
    Errors();
    Footer();
    out_ += "</div>\n</body>\n</html>\n";
    return std::move(out_);
  }

 private:
  std::string_view T(Msg id) const { return internal::Tr(id, lang_); }
  // Every string that reaches the page goes through one of these two.
  static std::string Esc(std::string_view text) {
    return internal::HtmlEscape(internal::Neutralize(text));
  }
  std::string Clean(std::string_view text) const { return Esc(defanger_.Defang(text)); }
  std::string More(std::size_t count) const {
    return "<span class=\"more\">" +
           Esc(internal::TrFormat(Msg::kMore, lang_, {std::to_string(count)})) + "</span>";
  }

  void OpenBlock(Msg title, std::size_t count, bool with_count) {
    out_ += "<section class=\"block\">\n<h2>" + Esc(T(title));
    if (with_count) out_ += "<span class=\"count\">" + std::to_string(count) + "</span>";
    out_ += "</h2>\n";
  }
  void CloseBlock() { out_ += "</section>\n"; }

  void KeyValueRow(std::string_view label, const std::string& escaped_value, bool mono = false) {
    if (escaped_value.empty()) return;
    out_ += "<tr><th scope=\"row\">" + Esc(label) + "</th><td" +
            (mono ? " class=\"mono wrap\"" : " class=\"wrap\"") + ">" + escaped_value +
            "</td></tr>\n";
  }

  void Masthead() {
    out_ += "<header class=\"masthead\"><div><div class=\"brand\">KENSA &#x691C;&#x67FB;</div>";
    out_ += "<div class=\"doc-title\">" + Esc(T(Msg::kReportTitle)) + "</div></div>";
    out_ += "<div class=\"doc-meta\">";
    if (!report_.generated_at().empty()) {
      out_ += Esc(T(Msg::kGeneratedAt)) + ": " + Esc(report_.generated_at()) + "<br>";
    }
    if (!report_.generator().empty()) {
      out_ += Esc(T(Msg::kGenerator)) + ": " + Esc(report_.generator()) + "<br>";
    }
    if (!report_.submission().id().empty()) {
      out_ += Esc(T(Msg::kSubmissionId)) + ": <span class=\"mono\">" +
              Esc(report_.submission().id()) + "</span>";
    }
    out_ += "</div></header>\n";
  }

  void Summary() {
    const auto& verdict = report_.verdict();
    const auto& sample = internal::ReportSample(report_);
    const int score = std::clamp(verdict.score(), 0, 100);
    out_ += "<section class=\"summary " + std::string(LevelClass(verdict.level())) +
            "\" aria-label=\"" + Esc(T(Msg::kSummary)) + "\">\n";
    out_ += "<div class=\"verdict\"><div class=\"label\">" + Esc(T(Msg::kRiskLevel)) +
            "</div><div class=\"badge\">" + Esc(internal::LevelName(verdict.level(), lang_)) +
            "</div>";
    out_ += "<div class=\"score\">" + Esc(T(Msg::kScore)) + " <b>" + std::to_string(score) +
            "</b> / 100</div>";
    out_ += "<div class=\"meter\"><span style=\"width:" + std::to_string(score) +
            "%\"></span></div></div>\n";
    out_ += "<dl class=\"facts\">\n";
    const auto fact = [&](std::string_view label, const std::string& escaped, bool mono) {
      out_ += "<dt>" + Esc(label) + "</dt><dd" +
              (mono ? " class=\"mono wrap\"" : " class=\"wrap\"") +
              ">" + escaped + "</dd>\n";
    };
    const std::string none = "<span class=\"empty\">" + Esc(T(Msg::kNone)) + "</span>";
    fact(T(Msg::kMalwareType),
         verdict.malware_type().empty()
             ? none
             : Esc(internal::MalwareTypeName(verdict.malware_type(), lang_)),
         false);
    fact(T(Msg::kFamily), verdict.family().empty() ? none : Esc(verdict.family()), false);
    fact(T(Msg::kFileName), sample.file_name().empty() ? none : Esc(sample.file_name()), false);
    const std::string type = internal::FileTypeText(sample.file_type());
    if (!type.empty()) fact(T(Msg::kFileType), Esc(type), false);
    if (!sample.hashes().sha256().empty()) fact("SHA-256", Esc(sample.hashes().sha256()), true);
    out_ += "</dl>\n</section>\n";
  }

  void Actions() {
    OpenBlock(Msg::kRecommendedActions, 0, false);
    out_ += "<ol class=\"actions " + std::string(LevelClass(report_.verdict().level())) + "\">\n";
    for (const auto action : internal::RecommendedActions(report_)) {
      out_ += "<li>" + Esc(internal::ActionText(action, lang_)) + "</li>\n";
    }
    out_ += "</ol>\n";
    CloseBlock();
  }

  void FileDetails() {
    const auto& sample = internal::ReportSample(report_);
    OpenBlock(Msg::kSectionFile, 0, false);
    out_ += "<table class=\"kv\">\n";
    KeyValueRow(T(Msg::kFileName), Esc(sample.file_name()));
    KeyValueRow(T(Msg::kSize),
                Esc(internal::TrFormat(Msg::kBytes, lang_,
                                       {internal::GroupThousands(sample.size())}) +
                    " (" + internal::HumanSize(sample.size()) + ")"));
    KeyValueRow(T(Msg::kFileType), Esc(internal::FileTypeText(sample.file_type())));
    const auto& hashes = sample.hashes();
    KeyValueRow("SHA-256", Esc(hashes.sha256()), true);
    KeyValueRow("MD5", Esc(hashes.md5()), true);
    KeyValueRow("SHA-1", Esc(hashes.sha1()), true);
    KeyValueRow("Imphash", Esc(hashes.imphash()), true);
    KeyValueRow("ssdeep", Esc(hashes.ssdeep()), true);
    KeyValueRow("TLSH", Esc(hashes.tlsh()), true);
    out_ += "</table>\n";
    CloseBlock();
  }

  void ScoreExplanation() {
    const auto& verdict = report_.verdict();
    OpenBlock(Msg::kScoreExplanation, 0, false);
    if (verdict.contributions().empty()) {
      out_ += "<p class=\"empty\">" + Esc(T(Msg::kNoContributions)) + "</p>\n";
    } else {
      out_ += "<table class=\"" + std::string(LevelClass(verdict.level())) + "\"><thead><tr>";
      out_ += "<th class=\"num\">" + Esc(T(Msg::kPoints)) + "</th><th>" + Esc(T(Msg::kSignature)) +
              "</th><th>" + Esc(T(Msg::kReason)) + "</th></tr></thead><tbody>\n";
      std::size_t shown = 0;
      for (const auto& c : verdict.contributions()) {
        if (shown == kMaxContributions) break;
        ++shown;
        out_ += "<tr><td class=\"num points\">" + std::string(c.points() >= 0 ? "+" : "") +
                std::to_string(c.points()) + "</td><td class=\"mono wrap\">" +
                Esc(c.signature()) + "</td><td>" + Clean(internal::ContributionReason(c, lang_)) + "</td></tr>\n";
      }
      const auto total = static_cast<std::size_t>(verdict.contributions_size());
      if (total > shown) {
        out_ += "<tr><td></td><td colspan=\"2\">" + More(total - shown) + "</td></tr>\n";
      }
      out_ += "</tbody></table>\n";
    }
    std::string notes;
    if (!verdict.model_version().empty()) {
      notes += Esc(internal::TrFormat(Msg::kScoringModel, lang_, {verdict.model_version()}));
    }
    std::string votes;
    for (const auto& vote : verdict.malware_type_votes()) {
      if (vote.type() == verdict.malware_type()) continue;
      votes += (votes.empty() ? "" : ", ") + Esc(internal::MalwareTypeName(vote.type(), lang_)) +
               " (" + std::to_string(vote.weight()) + ")";
    }
    if (!votes.empty()) {
      notes += (notes.empty() ? "" : " &middot; ") + Esc(T(Msg::kOtherCandidates)) + ": " + votes;
    }
    if (!notes.empty()) out_ += "<p class=\"note\">" + notes + "</p>\n";
    CloseBlock();
  }

  void Signatures() {
    const auto signatures = internal::SignaturesBySeverity(report_);
    OpenBlock(Msg::kSignatures, signatures.size(), true);
    if (signatures.empty()) {
      out_ += "<p class=\"empty\">" + Esc(T(Msg::kNoSignatures)) + "</p>\n";
      CloseBlock();
      return;
    }
    out_ += "<table><thead><tr><th style=\"width:90px\">" + Esc(T(Msg::kSeverity)) + "</th><th>" +
            Esc(T(Msg::kSignature)) + " / " + Esc(T(Msg::kDescription)) + " / " +
            Esc(T(Msg::kEvidence)) + "</th><th style=\"width:150px\">" + Esc(T(Msg::kAttack)) +
            "</th></tr></thead><tbody>\n";
    std::size_t shown = 0;
    for (const auto* signature : signatures) {
      if (shown == kMaxSignatures) break;
      ++shown;
      out_ += "<tr><td><span class=\"pill " + std::string(SeverityClass(signature->severity())) +
              "\">" + Esc(internal::SeverityName(signature->severity(), lang_)) + "</span></td>";
      out_ += "<td><div class=\"sig-name mono wrap\">" + Esc(signature->name());
      if (!signature->family().empty()) out_ += " (" + Esc(signature->family()) + ")";
      out_ += "</div>";
      if (const std::string file = internal::SignatureFile(report_, signature); !file.empty()) {
        out_ += "<div class=\"sig-desc\">" + Esc(T(Msg::kFoundIn)) + ": <span class=\"mono wrap\">" +
                Clean(file) + "</span></div>";
      }
      const std::string& description = internal::SignatureDescription(*signature, lang_);
      if (!description.empty()) out_ += "<div class=\"sig-desc\">" + Clean(description) + "</div>";
      if (!signature->evidence().empty()) {
        out_ += "<ul class=\"evidence\">";
        std::size_t evidence_shown = 0;
        for (const auto& evidence : signature->evidence()) {
          if (evidence_shown == kMaxEvidencePerSignature) break;
          ++evidence_shown;
          out_ += "<li><span class=\"kind\">" + Clean(evidence.kind()) +
                  ":</span> <span class=\"mono wrap\">" + Clean(evidence.value()) + "</span>";
          if (evidence.has_offset()) {
            out_ += " <span class=\"kind\">@" + internal::HexNumber(evidence.offset()) + "</span>";
          }
          out_ += "</li>";
        }
        const auto total = static_cast<std::size_t>(signature->evidence_size());
        if (total > evidence_shown) out_ += "<li>" + More(total - evidence_shown) + "</li>";
        out_ += "</ul>";
      }
      out_ += "</td><td>";
      for (const auto& id : signature->attack_techniques()) {
        out_ += "<span class=\"attack\">" + Esc(id) + "</span>";
      }
      out_ += "</td></tr>\n";
    }
    if (signatures.size() > shown) {
      out_ += "<tr><td></td><td colspan=\"2\">" + More(signatures.size() - shown) + "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    CloseBlock();
  }

  // The files extracted from the sample, in tree order, with type, size, hash and their most
  // severe signatures. Shown only when there are any.
  void FilesInside() {
    if (report_.children().empty()) return;
    const auto children = internal::ChildrenInTreeOrder(report_);
    OpenBlock(Msg::kFilesInside, children.size(), true);
    out_ += "<table><thead><tr><th>" + Esc(T(Msg::kFileName)) + "</th><th>" + Esc(T(Msg::kFileType)) +
            "</th><th>SHA-256</th><th>" + Esc(T(Msg::kSignatures)) + "</th></tr></thead><tbody>\n";
    std::size_t shown = 0;
    for (const auto& view : children) {
      if (shown == kMaxChildren) break;
      ++shown;
      const auto& submission = view.child->submission();
      const auto& sample = view.child->static_result().has_sample() ? view.child->static_result().sample()
                                                                     : submission.sample();
      out_ += "<tr><td class=\"mono wrap\" style=\"padding-left:" + std::to_string(6 + 14 * (view.depth - 1)) +
              "px\">" + Clean(submission.sample().file_name()) + "</td><td>" +
              Esc(internal::FileTypeText(sample.file_type())) + "<br>" +
              Esc(internal::HumanSize(submission.sample().size())) + "</td><td class=\"mono wrap\">" +
              Esc(submission.sample().hashes().sha256()) + "</td><td>";
      if (submission.state() == sample::v1::SUBMISSION_STATE_FAILED) {
        out_ += "<div>" + Esc(T(Msg::kAnalysisFailed)) + ": " + Clean(submission.failure_reason()) + "</div>";
      }
      std::size_t listed = 0;
      for (const auto* signature : view.signatures) {
        if (signature->severity() <= analysis::v1::SEVERITY_INFO || listed == kMaxChildSignatures) continue;
        ++listed;
        out_ += "<div><span class=\"pill " + std::string(SeverityClass(signature->severity())) + "\">" +
                Esc(internal::SeverityName(signature->severity(), lang_)) + "</span> <span class=\"mono\">" +
                Esc(signature->name()) + "</span></div>";
      }
      out_ += "</td></tr>\n";
    }
    if (children.size() > shown) {
      out_ += "<tr><td colspan=\"4\">" + More(children.size() - shown) + "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    CloseBlock();
  }

  void Indicators() {
    const auto groups = internal::GroupIndicators(report_, kMaxIndicators);
    std::size_t total = 0;
    for (const auto& group : groups) total += group.items.size();
    OpenBlock(Msg::kIndicators, total, true);
    if (total == 0) {
      out_ += "<p class=\"empty\">" + Esc(T(Msg::kNoIndicators)) + "</p>\n";
      CloseBlock();
      return;
    }
    out_ += "<p class=\"note\">" + Esc(T(Msg::kDefangNote)) + "</p>\n";
    out_ += "<table><thead><tr><th style=\"width:150px\">" + Esc(T(Msg::kIndicatorType)) +
            "</th><th>" + Esc(T(Msg::kValue)) + "</th><th style=\"width:150px\">" +
            Esc(T(Msg::kSource)) + "</th><th class=\"num\" style=\"width:60px\">" +
            Esc(T(Msg::kOccurrences)) + "</th></tr></thead><tbody>\n";
    for (const auto& group : groups) {
      const std::string type_name = Esc(internal::IndicatorTypeName(group.type, lang_));
      for (std::size_t i = 0; i < group.shown; ++i) {
        const auto* indicator = group.items[i];
        out_ += "<tr><td>" + type_name + "</td><td class=\"mono wrap\">" +
                Esc(indicators::Defang(indicator->type(), indicator->value())) +
                "</td><td class=\"mono wrap\">" + Esc(indicator->source()) +
                "</td><td class=\"num\">" +
                (indicator->occurrences() > 0 ? std::to_string(indicator->occurrences()) : "") +
                "</td></tr>\n";
      }
      if (group.items.size() > group.shown) {
        out_ += "<tr><td>" + type_name + "</td><td colspan=\"3\">" +
                More(group.items.size() - group.shown) + "</td></tr>\n";
      }
    }
    out_ += "</tbody></table>\n";
    CloseBlock();
  }

  // What the document, shortcut and script analyzers found, one block per file
  // (document_view.h chooses the rows). A label repeated on consecutive rows is written once.
  void Documents() {
    for (const auto& block : internal::DocumentFacts(report_, lang_)) {
      OpenBlock(block.title, 0, false);
      out_ += "<table class=\"kv\">\n";
      if (!block.file.empty()) KeyValueRow(T(Msg::kFileName), Clean(block.file), true);
      const internal::FactRow* previous = nullptr;
      for (const auto& row : block.rows) {
        const bool repeated = previous != nullptr && previous->label == row.label;
        KeyValueRow(repeated ? std::string_view() : T(row.label), Clean(row.value), true);
        previous = &row;
      }
      out_ += "</table>\n";
      CloseBlock();
    }
  }

  // What the sample did when it was run, one block per file that has a sandbox result
  // (behavior_view.h chooses, bounds and defangs the rows).
  void Behaviour() {
    for (const auto& block : internal::BehaviorBlocks(report_, lang_)) {
      OpenBlock(Msg::kSectionBehaviour, 0, false);
      if (!block.file.empty() || !block.summary.empty()) {
        out_ += "<table class=\"kv\">\n";
        if (!block.file.empty()) KeyValueRow(T(Msg::kFileName), Esc(block.file), true);
        for (const auto& row : block.summary) KeyValueRow(T(row.label), Esc(row.value));
        out_ += "</table>\n";
      }
      if (!block.ran) {
        out_ += "<p class=\"empty\">" + Esc(block.not_run_line) + "</p>\n";
        CloseBlock();
        continue;
      }
      if (block.nothing_observed) {
        out_ += "<p class=\"empty\">" + Esc(T(Msg::kNoBehaviour)) + "</p>\n";
      }
      for (const auto& table : block.tables) BehaviourTable(table);
      if (!block.console_lines.empty()) {
        out_ += "<h3>" + Esc(T(Msg::kConsoleOutput)) + "</h3>\n<pre class=\"console mono wrap\">";
        for (std::size_t i = 0; i < block.console_lines.size(); ++i) {
          out_ += (i == 0 ? "" : "\n") + Esc(block.console_lines[i]);
        }
        out_ += "</pre>\n";
        if (block.console_more_lines > 0) out_ += "<p>" + More(block.console_more_lines) + "</p>\n";
      }
      CloseBlock();
    }
  }

  void BehaviourTable(const internal::BehaviorTable& table) {
    out_ += "<h3>" + Esc(T(table.title)) + " (" + std::to_string(table.total) +
            ")</h3>\n<table><thead><tr>";
    for (const auto& column : table.columns) {
      out_ += std::string(column.numeric ? "<th class=\"num\">" : "<th>") + Esc(T(column.title)) +
              "</th>";
    }
    out_ += "</tr></thead><tbody>\n";
    for (const auto& row : table.rows) {
      out_ += "<tr>";
      for (std::size_t i = 0; i < row.size(); ++i) {
        const bool mono = i < table.columns.size() && table.columns[i].mono;
        const bool numeric = i < table.columns.size() && table.columns[i].numeric;
        out_ += std::string("<td class=\"") + (numeric ? "num" : "wrap") + (mono ? " mono" : "") +
                "\">" + Esc(row[i]) + "</td>";
      }
      out_ += "</tr>\n";
    }
    if (table.total > table.rows.size()) {
      out_ += "<tr><td colspan=\"" + std::to_string(table.columns.size()) + "\">" +
              More(table.total - table.rows.size()) + "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
  }

  void Pe() {
    if (!report_.static_result().has_pe()) return;
    const auto& pe = report_.static_result().pe();
    OpenBlock(Msg::kPeSummary, 0, false);
    out_ += "<table class=\"kv\">\n";
    std::string kind = internal::TrFormat(
        Msg::kPeKind, lang_,
        {T(pe.is_64bit() ? Msg::kBits64 : Msg::kBits32),
         T(pe.is_driver() ? Msg::kDriver : pe.is_dll() ? Msg::kDll : Msg::kExecutable)});
    if (pe.is_dotnet()) kind += std::string(T(Msg::kListSeparator)) + std::string(T(Msg::kDotNet));
    KeyValueRow(T(Msg::kMachine), Esc(pe.machine() + " (" + kind + ")"));
    KeyValueRow(T(Msg::kSubsystem), Esc(pe.subsystem()));
    std::string compiled = pe.compile_time();
    if (pe.timestamp() != 0) {
      compiled += (compiled.empty() ? "(" : " (") + internal::HexNumber(pe.timestamp()) + ")";
    }
    KeyValueRow(T(Msg::kCompileTime), Esc(compiled));
    std::string entry = internal::HexNumber(pe.entry_point());
    if (!pe.entry_section().empty()) entry += " (" + pe.entry_section() + ")";
    KeyValueRow(T(Msg::kEntryPoint), Esc(entry), true);
    std::size_t functions = 0;
    for (const auto& import : pe.imports()) {
      functions += static_cast<std::size_t>(import.functions_size());
    }
    KeyValueRow(T(Msg::kImports),
                Esc(internal::TrFormat(Msg::kImportsSummary, lang_,
                                       {std::to_string(pe.imports_size()),
                                        std::to_string(functions)})));
    const auto suspicious = internal::SuspiciousImports(report_);
    if (!suspicious.empty()) {
      std::string list = Esc(internal::TrFormat(Msg::kSuspiciousImportsNote, lang_,
                                                {std::to_string(suspicious.size())})) +
                         "<br>";
      for (std::size_t i = 0; i < suspicious.size() && i < kMaxSuspiciousImports; ++i) {
        list += "<span class=\"tag mono\">" + Esc(suspicious[i]) + "</span>";
      }
      if (suspicious.size() > kMaxSuspiciousImports) {
        list += More(suspicious.size() - kMaxSuspiciousImports);
      }
      KeyValueRow(T(Msg::kSuspiciousImports), list);
    }
    std::string languages;
    for (const auto& language : internal::ResourceLanguages(pe)) {
      languages += "<span class=\"tag\">" + Esc(language.language) + " &times; " +
                   std::to_string(language.count) + "</span>";
    }
    KeyValueRow(T(Msg::kResourceLanguages), languages);
    const auto& strings = pe.version_info().strings();
    const auto version = [&](Msg label, const char* key) {
      const auto it = strings.find(key);
      if (it != strings.end()) KeyValueRow(T(label), Clean(it->second));
    };
    version(Msg::kCompanyName, "CompanyName");
    version(Msg::kProductName, "ProductName");
    version(Msg::kFileDescription, "FileDescription");
    version(Msg::kOriginalFilename, "OriginalFilename");
    std::string signature = Esc(T(pe.signature().present() ? Msg::kPresent : Msg::kAbsent));
    for (const auto& subject : pe.signature().subjects()) signature += "<br>" + Esc(subject);
    KeyValueRow(T(Msg::kAuthenticode), signature);
    if (pe.overlay_size() > 0) {
      KeyValueRow(T(Msg::kOverlay),
                  Esc(internal::TrFormat(
                      Msg::kOverlayValue, lang_,
                      {internal::TrFormat(Msg::kBytes, lang_,
                                          {internal::GroupThousands(pe.overlay_size())}),
                       internal::HexNumber(pe.overlay_offset()),
                       internal::FixedPoint(pe.overlay_entropy(), 2)})));
    } else {
      KeyValueRow(T(Msg::kOverlay), Esc(T(Msg::kNone)));
    }
    if (pe.tls_callbacks_size() > 0) {
      KeyValueRow(T(Msg::kTlsCallbacks), std::to_string(pe.tls_callbacks_size()));
    }
    KeyValueRow(T(Msg::kPdbPath), Clean(pe.pdb_path()), true);
    out_ += "</table>\n";
    Sections(pe);
    CloseBlock();
  }

  void Sections(const analysis::v1::PeInfo& pe) {
    if (pe.sections().empty()) return;
    out_ += "<h3>" + Esc(T(Msg::kSections)) + " (" + std::to_string(pe.sections_size()) +
            ")</h3>\n<table><thead><tr><th>" + Esc(T(Msg::kName)) + "</th><th class=\"num\">" +
            Esc(T(Msg::kVirtualAddress)) + "</th><th class=\"num\">" + Esc(T(Msg::kVirtualSize)) +
            "</th><th class=\"num\">" + Esc(T(Msg::kRawSize)) + "</th><th class=\"num\">" +
            Esc(T(Msg::kEntropy)) + "</th><th>" + Esc(T(Msg::kPermissions)) +
            "</th></tr></thead><tbody>\n";
    std::size_t shown = 0;
    for (const auto& section : pe.sections()) {
      if (shown == kMaxSections) break;
      ++shown;
      const bool high_entropy = section.entropy() > kHighEntropy;
      const bool writable_code = section.permissions().find('w') != std::string::npos &&
                                 section.permissions().find('x') != std::string::npos;
      out_ += "<tr><td class=\"mono wrap\">" + Esc(section.name()) +
              "</td><td class=\"num mono\">" +
              internal::HexNumber(section.virtual_address()) + "</td><td class=\"num mono\">" +
              internal::HexNumber(section.virtual_size()) + "</td><td class=\"num mono\">" +
              internal::HexNumber(section.raw_size()) + "</td><td class=\"num mono" +
              (high_entropy ? " hot" : "") + "\">" + internal::FixedPoint(section.entropy(), 2) +
              "</td><td class=\"mono" + (writable_code ? " hot" : "") + "\">" +
              Esc(section.permissions()) + "</td></tr>\n";
    }
    if (static_cast<std::size_t>(pe.sections_size()) > shown) {
      out_ += "<tr><td colspan=\"6\">" +
              More(static_cast<std::size_t>(pe.sections_size()) - shown) + "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
  }

  void Yara() {
    const auto& matches = report_.static_result().yara_matches();
    if (matches.empty()) return;
    OpenBlock(Msg::kYaraMatches, static_cast<std::size_t>(matches.size()), true);
    out_ += "<table><thead><tr><th>" + Esc(T(Msg::kRule)) + "</th><th>" + Esc(T(Msg::kNamespace)) +
            "</th><th>" + Esc(T(Msg::kTags)) + "</th><th>" + Esc(T(Msg::kMatchedStrings)) +
            "</th></tr></thead><tbody>\n";
    std::size_t shown = 0;
    for (const auto& match : matches) {
      if (shown == kMaxYaraMatches) break;
      ++shown;
      out_ += "<tr><td class=\"mono wrap\">" + Esc(match.rule()) + "</td><td class=\"mono wrap\">" +
              Esc(match.namespace_()) + "</td><td>";
      for (const auto& tag : match.tags()) out_ += "<span class=\"tag\">" + Esc(tag) + "</span>";
      out_ += "</td><td class=\"mono wrap\">";
      std::size_t strings_shown = 0;
      for (const auto& string : match.strings()) {
        if (strings_shown == kMaxYaraStringsPerMatch) break;
        ++strings_shown;
        out_ += Esc(string.identifier()) + " @" + internal::HexNumber(string.offset()) + ": " +
                Clean(string.data()) + "<br>";
      }
      const auto strings_total = static_cast<std::size_t>(match.strings_size());
      if (strings_total > strings_shown) out_ += More(strings_total - strings_shown);
      out_ += "</td></tr>\n";
    }
    if (static_cast<std::size_t>(matches.size()) > shown) {
      out_ += "<tr><td colspan=\"4\">" + More(static_cast<std::size_t>(matches.size()) - shown) +
              "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    CloseBlock();
  }

  void Anomalies() {
    const auto& anomalies = report_.static_result().anomalies();
    if (anomalies.empty()) return;
    OpenBlock(Msg::kAnomalies, static_cast<std::size_t>(anomalies.size()), true);
    out_ += "<table><thead><tr><th style=\"width:38%\">" + Esc(T(Msg::kCode)) + "</th><th>" +
            Esc(T(Msg::kDetail)) + "</th></tr></thead><tbody>\n";
    std::size_t shown = 0;
    for (const auto& anomaly : anomalies) {
      if (shown == kMaxAnomalies) break;
      ++shown;
      out_ += "<tr><td class=\"mono wrap\">" + Esc(anomaly.code()) + "</td><td class=\"wrap\">" +
              Clean(anomaly.detail()) + "</td></tr>\n";
    }
    if (static_cast<std::size_t>(anomalies.size()) > shown) {
      out_ += "<tr><td colspan=\"2\">" +
              More(static_cast<std::size_t>(anomalies.size()) - shown) + "</td></tr>\n";
    }
    out_ += "</tbody></table>\n";
    CloseBlock();
  }

  void Errors() {
    const auto& errors = report_.static_result().errors();
    if (errors.empty()) return;
    OpenBlock(Msg::kErrors, static_cast<std::size_t>(errors.size()), true);
    out_ += "<ul>\n";
    std::size_t shown = 0;
    for (const auto& error : errors) {
      if (shown == kMaxErrors) break;
      ++shown;
      out_ += "<li class=\"wrap\">" + Clean(error) + "</li>\n";
    }
    if (static_cast<std::size_t>(errors.size()) > shown) {
      out_ += "<li>" + More(static_cast<std::size_t>(errors.size()) - shown) + "</li>\n";
    }
    out_ += "</ul>\n";
    CloseBlock();
  }

  void Footer() {
    out_ += "<footer><p>" + Esc(T(Msg::kDisclaimer)) + "</p><p>" + Esc(T(Msg::kDefangNote));
    if (!report_.generator().empty()) out_ += " &middot; " + Esc(report_.generator());
    if (!report_.schema_version().empty()) {
      out_ += " &middot; kensa.report.v1 (schema " + Esc(report_.schema_version()) + ")";
    }
    out_ += "</p></footer>\n";
  }

  const report::v1::Report& report_;
  Language lang_;
  internal::FreeTextDefanger defanger_;
  std::string out_;
};

}  // namespace

std::string RenderHtml(const report::v1::Report& report, Language lang) {
  return HtmlRenderer(report, lang).Render();
}

}  // namespace kensa::report
