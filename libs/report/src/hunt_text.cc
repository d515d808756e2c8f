// The hunt summary `kensa hunt` prints (docs/hunt.md): the verdict first, then what was hunted,
// the rules that fired, the collection, recommended actions, the head of the timeline and the
// first findings. The JSON report carries everything; this is the part a person reads first.

#include <algorithm>
#include <map>
#include <sstream>
#include <string>

#include "catalog.h"
#include "display.h"
#include "kensa/indicators/defang.h"
#include "kensa/report/hunt_render.h"

namespace kensa::report {
namespace {

// Strings from the collected host reach the terminal only through this.
std::string N(std::string_view text) { return internal::Neutralize(text); }

std::string VerdictName(forensics::v1::HuntVerdict verdict, bool ja) {
  switch (verdict) {
    case forensics::v1::HUNT_VERDICT_COMPROMISED:
      return ja ? "侵害あり" : "COMPROMISED";
    case forensics::v1::HUNT_VERDICT_SUSPICIOUS:
      return ja ? "不審" : "SUSPICIOUS";
    case forensics::v1::HUNT_VERDICT_NO_EVIDENCE:
      return ja ? "侵害の証拠なし" : "NO EVIDENCE";
    default:
      return "UNSPECIFIED";
  }
}

// The headings of the hunt summary, in English and Japanese.
struct HuntWords {
  const char* verdict;
  const char* collection;
  const char* actions;
  const char* timeline;
  const char* findings;
  const char* iocs;
};
constexpr HuntWords kHuntEnglish{"verdict", "collection", "recommended actions", "timeline",
                                 "first findings", "indicators of compromise"};
constexpr HuntWords kHuntJapanese{"判定", "収集データ", "推奨対応", "タイムライン", "検出（先頭）",
                                  "IOC（侵害の痕跡）"};

}  // namespace

std::string RenderHuntText(const forensics::v1::HuntReport& report, Language lang) {
  const bool ja = lang == Language::kJapanese;
  const HuntWords& words = ja ? kHuntJapanese : kHuntEnglish;
  // Rule hits and findings past these are in the JSON report; the terminal shows the head.
  constexpr int kTopRules = 10;
  constexpr int kFirstFindings = 20;
  std::ostringstream text;
  const auto& stats = report.stats();
  text << words.verdict << ": " << VerdictName(report.verdict(), ja) << " ("
       << N(report.verdict_reason()) << ")\n"
       << "hunted:  " << stats.files() << " file(s), " << stats.events() << " events, "
       << stats.rules_loaded() << " rules loaded (" << stats.rules_skipped() << " skipped), "
       << stats.seconds() << " s\n";
  if (stats.indicators_swept() > 0) text << "swept:   " << stats.indicators_swept() << " known-bad indicators\n";
  for (const auto& input : report.inputs()) {
    if (!input.error().empty()) {
      text << "  error: " << N(input.path()) << ": " << N(input.error()) << "\n";
    } else if (input.record_errors() + input.chunk_errors() > 0) {
      text << "  damaged: " << N(input.path()) << ": " << input.records() << " records read, "
           << input.record_errors() << " record errors, " << input.chunk_errors()
           << " chunk errors\n";
    }
  }
  std::map<std::string, std::uint64_t> by_level;
  for (const auto& hit : report.rule_hits()) by_level[hit.level()] += hit.count();
  text << "matches by level:";
  for (const char* level : {"critical", "high", "medium", "low", "informational"}) {
    text << " " << level << "=" << (by_level.count(level) != 0 ? by_level[level] : 0);
  }
  text << "\n";
  if (report.rule_hits_size() > 0) text << "top rules:\n";
  for (int i = 0; i < std::min(report.rule_hits_size(), kTopRules); ++i) {
    const auto& hit = report.rule_hits(i);
    text << "  " << hit.count() << "  [" << hit.level() << "] " << N(ja && !hit.title_ja().empty() ? hit.title_ja() : hit.title()) << " ("
         << N(hit.rule_id()) << ")\n";
  }
  if (report.has_collection()) {
    const auto& collection = report.collection();
    const auto& host = collection.manifest().host();
    text << words.collection << ": " << N(host.hostname()) << " (" << N(host.os()) << ", "
         << N(host.kernel()) << "), case " << N(collection.manifest().case_id()) << ", collected "
         << N(collection.manifest().finished_at()) << " by "
         << N(collection.manifest().collector().name()) << " "
         << N(collection.manifest().collector().version()) << "\n";
    if (!collection.encryption().empty()) text << "  encryption: " << N(collection.encryption()) << "\n";
    for (const auto& path : collection.hash_mismatches()) {
      text << "  integrity: " << N(path) << " does not match its sha256 in the manifest\n";
    }
    for (const auto& problem : collection.problems()) text << "  problem: " << N(problem) << "\n";
    if (collection.manifest().errors_size() > 0) {
      text << "  not collected: " << collection.manifest().errors_size()
           << " item(s) (see hunt.json)\n";
    }
  }
  const auto& actions = ja && report.recommended_actions_ja_size() > 0
                            ? report.recommended_actions_ja()
                            : report.recommended_actions();
  if (!actions.empty()) text << words.actions << ":\n";
  for (int i = 0; i < actions.size(); ++i) text << "  " << (i + 1) << ". " << N(actions[i]) << "\n";
  constexpr int kTimelineShown = 15;
  if (report.timeline_size() > 0) {
    text << words.timeline << " (first " << std::min(report.timeline_size(), kTimelineShown)
         << " of " << report.timeline_size() << "):\n";
  }
  for (int i = 0; i < std::min(report.timeline_size(), kTimelineShown); ++i) {
    const auto& event = report.timeline(i);
    constexpr std::size_t kShown = 120;
    text << "  " << N(event.time()) << "  [" << event.level() << "] "
         << N(event.description().substr(0, kShown))
         << (event.description().size() > kShown ? "..." : "") << "\n";
  }
  // IOCs defanged: a terminal turns URLs into links.
  constexpr int kIndicatorsShown = 20;
  if (report.indicators_size() > 0) {
    text << words.iocs << " (first " << std::min(report.indicators_size(), kIndicatorsShown) << " of "
         << report.indicators_size() << "):\n";
  }
  for (int i = 0; i < std::min(report.indicators_size(), kIndicatorsShown); ++i) {
    const auto& indicator = report.indicators(i);
    constexpr std::size_t kShownBytes = 160;
    text << "  [" << internal::IndicatorTypeName(indicator.type(), lang) << "] "
         << N(indicators::Defang(indicator.type(), indicator.value()).substr(0, kShownBytes)) << "  ("
         << N(indicator.source()) << ")\n";
  }
  if (report.findings_size() > 0) text << words.findings << ":\n";
  for (int i = 0; i < std::min(report.findings_size(), kFirstFindings); ++i) {
    const auto& finding = report.findings(i);
    text << "  " << N(finding.timestamp()) << "  " << N(finding.computer()) << "  ["
         << finding.level() << "] "
         << N(ja && !finding.title_ja().empty() ? finding.title_ja() : finding.title()) << "\n";
    // Host checks and sweeps point at a line or file of the collection; Sigma at an event.
    if (finding.source() == "host_check" || finding.source() == "ioc" ||
        finding.source() == "yara") {
      text << "    " << N(finding.location()) << ": " << N(finding.evidence()) << "\n";
      continue;
    }
    text << "    " << finding.channel() << " " << finding.event_id() << " record "
         << finding.event_record_id() << " in " << N(finding.source_file()) << "\n";
    // Sorted by name so that the output is stable.
    const std::map<std::string, std::string> fields(finding.key_fields().begin(),
                                                    finding.key_fields().end());
    for (const auto& [name, value] : fields) {
      constexpr std::size_t kShownBytes = 160;  // one terminal line or two
      text << "    " << N(name) << ": " << N(value.substr(0, kShownBytes))
           << (value.size() > kShownBytes ? "..." : "") << "\n";
    }
  }
  if (report.findings_size() > kFirstFindings) {
    text << "  ... " << (report.findings_size() - kFirstFindings)
         << " more findings (--format json)\n";
  }
  return text.str();
}

}  // namespace kensa::report
