#include "kensa/hunt/hunt_path.h"

#include "kensa/evtx/evt_parser.h"
#include "kensa/hunt/report_indicators.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "kensa/collection/collection.h"
#include "kensa/core/bytes.h"
#include "kensa/core/file.h"
#include "kensa/core/time.h"
#include "kensa/hunt/hunt_evtx.h"
#include "kensa/hunt/prefetch_table.h"
#include "kensa/hunt/registry_tables.h"
#include "kensa/hunt/shortcut_table.h"
#include "kensa/sigma/logsource_map.h"

namespace kensa::hunt {
namespace {

namespace fs = std::filesystem;
using forensics::v1::Finding;
using forensics::v1::HuntReport;
using forensics::v1::HuntVerdict;

// Directory entries looked at under a folder, EVTX or not: bounds a walk into a huge tree
// (a whole disk image mounted by mistake) before max_files EVTX files are found.
constexpr std::size_t kMaxDirectoryEntries = 1'000'000;
// Key field values are evidence for a reader, not the whole event: a 4104 script block can be
// megabytes.
constexpr std::size_t kMaxKeyFieldBytes = 512;
// "ElfFile\0": the EVTX file header signature (libyal EVTX format, section 2.1).
constexpr std::string_view kEvtxSignature{"ElfFile\0", 8};

// The fields that explain a Windows event to an analyst, in the names Sysmon, Security and
// PowerShell use; the rule engine does not expose which fields a detection referenced, so the
// report carries those of these that the event has.
constexpr std::array<std::string_view, 34> kKeyFieldNames = {
    "Image",           "CommandLine",       "ParentImage",      "ParentCommandLine",
    "User",            "OriginalFileName",  "Hashes",           "SourceImage",
    "TargetImage",     "GrantedAccess",     "CallTrace",        "TargetFilename",
    "TargetObject",    "Details",           "ImageLoaded",      "PipeName",
    "QueryName",       "DestinationIp",     "DestinationPort",  "SubjectUserName",
    "TargetUserName",  "TargetDomainName",  "LogonType",        "IpAddress",
    "WorkstationName", "NewProcessName",    "ProcessName",      "ServiceName",
    "ImagePath",       "ShareName",         "RelativeTargetName", "ObjectName",
    "AccessMask",      "ScriptBlockText"};

int LevelRank(const std::string& level) {
  if (level == "critical") return 4;
  if (level == "high") return 3;
  if (level == "medium") return 2;
  if (level == "low") return 1;
  return 0;  // informational or unknown
}

std::string FieldOrEmpty(const evtx::Event& event, std::string_view name) {
  const std::string* value = event.Find(name);
  return value == nullptr ? std::string() : *value;
}

// True when `head` starts an event log: EVTX ("ElfFile") or the legacy .evt of XP and 2003.
bool IsEventLog(ByteSpan head) {
  return (head.size() >= kEvtxSignature.size() && std::equal(kEvtxSignature.begin(), kEvtxSignature.end(), head.begin())) ||
         evtx::IsEvt(head);
}

// True when the file at `path` starts as an event log. Unreadable files are not logs here;
// HuntPath names a single unreadable file given by the user.
bool HasEventLogSignature(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::array<char, kEvtxSignature.size()> head{};
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  if (in.gcount() != static_cast<std::streamsize>(head.size())) return false;
  return IsEventLog(ByteSpan(reinterpret_cast<const std::uint8_t*>(head.data()), head.size()));
}

Status CollectFolder(const fs::path& folder, const HuntConfig& config,
                     std::vector<std::string>* files) {
  std::error_code error;
  fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, error);
  if (error) {
    if (error == std::errc::permission_denied) {
      return PermissionDeniedError("cannot list " + folder.string() + ": " + error.message());
    }
    return UnavailableError("cannot list " + folder.string() + ": " + error.message());
  }
  std::size_t entries = 0;
  for (; it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (error) break;  // A vanished or unreadable subfolder ends the walk, keeping what we have.
    if (++entries > kMaxDirectoryEntries || files->size() >= config.max_files) break;
    std::error_code type_error;
    if (!it->is_regular_file(type_error) || type_error) continue;
    if (HasEventLogSignature(it->path())) files->push_back(it->path().string());
  }
  // Directory order is the file system's; sorted paths make reports reproducible.
  std::sort(files->begin(), files->end());
  return Status::Ok();
}

struct RuleCount {
  const sigma::Rule* rule = nullptr;
  std::uint64_t count = 0;
};

void FillFinding(const evtx::Event& event, const sigma::Rule& rule, const std::string& file,
                 Finding* finding) {
  finding->set_rule_id(rule.id);
  finding->set_title(rule.title);
  finding->set_title_ja(rule.title_ja);
  finding->set_level(rule.level);
  for (const std::string& tag : rule.tags) {
    finding->add_tags(tag);
    std::string technique = AttackTechniqueFromTag(tag);
    if (!technique.empty()) finding->add_attack_techniques(std::move(technique));
  }
  finding->set_source_file(file);
  finding->set_event_record_id(event.record_id);
  const std::string* created = event.Find("TimeCreated");
  finding->set_timestamp(created != nullptr && !created->empty() ? *created : event.timestamp);
  finding->set_channel(FieldOrEmpty(event, "Channel"));
  finding->set_event_id(FieldOrEmpty(event, "EventID"));
  finding->set_computer(FieldOrEmpty(event, "Computer"));
  auto& key_fields = *finding->mutable_key_fields();
  for (std::string_view name : kKeyFieldNames) {
    const std::string* value = event.Find(name);
    if (value == nullptr || value->empty()) continue;
    key_fields[std::string(name)] = std::string(Utf8Prefix(*value, kMaxKeyFieldBytes));
  }
}

// Hunts one EVTX file's bytes; `file` names it in the report.
void HuntBytes(const std::string& file, ByteSpan bytes, const HuntRules& rules, const HuntConfig& config,
               HuntReport* report, std::unordered_map<const sigma::Rule*, RuleCount>* counts) {
  forensics::v1::InputFile* input = report->add_inputs();
  input->set_path(file);
  input->set_size_bytes(bytes.size());
  evtx::ParseStats stats;
  std::uint64_t dropped = 0;
  const auto on_match = [&](const evtx::Event& event, const sigma::Rule& rule) {
        RuleCount& count = (*counts)[&rule];
        count.rule = &rule;
        ++count.count;
        if (count.count > config.max_findings_per_rule ||
            static_cast<std::size_t>(report->findings_size()) >= config.max_findings) {
          ++dropped;
          return;
        }
        FillFinding(event, rule, file, report->add_findings());
  };
  // A legacy .evt (XP, 2003) names no channel: its file name does (SecEvent.Evt is Security).
  const Status status = evtx::IsEvt(bytes)
                            ? HuntEvt(bytes, evtx::EvtChannelFromFileName(file), rules.rules, on_match, &stats)
                            : HuntEvtx(bytes, rules.rules, on_match, &stats);
  if (!status.ok()) input->set_error(status.message());
  input->set_records(stats.records);
  input->set_record_errors(stats.record_errors);
  input->set_chunk_errors(stats.chunk_errors);
  input->set_checksum_mismatches(stats.checksum_mismatches);
  for (const std::string& message : stats.errors) input->add_errors(message);
  auto* report_stats = report->mutable_stats();
  report_stats->set_events(report_stats->events() + stats.records);
  report_stats->set_findings_dropped(report_stats->findings_dropped() + dropped);
}

void HuntFile(const std::string& file, const HuntRules& rules, const HuntConfig& config,
              HuntReport* report, std::unordered_map<const sigma::Rule*, RuleCount>* counts) {
  auto bytes = ReadFileBounded(file, config.max_file_bytes);
  if (!bytes) {
    forensics::v1::InputFile* input = report->add_inputs();
    input->set_path(file);
    input->set_error(bytes.error().message());
    return;
  }
  HuntBytes(file, *bytes, rules, config, report, counts);
}

// A rule that fired: a Sigma rule or a host check.
struct Hit {
  std::string id;
  std::string title;
  std::string level;
  std::uint64_t count = 0;
  std::string title_ja;  // empty when the rule has none
};

std::vector<Hit> SigmaHits(const std::unordered_map<const sigma::Rule*, RuleCount>& counts) {
  std::vector<Hit> hits;
  hits.reserve(counts.size());
  for (const auto& [rule, count] : counts) hits.push_back({rule->id, rule->title, rule->level, count.count, rule->title_ja});
  return hits;
}

// Fills rule_hits, verdict and verdict_reason from the match counts (all matches, kept or not).
void Conclude(std::vector<Hit> hits, HuntReport* report) {
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) {
    const int rank_a = LevelRank(a.level);
    const int rank_b = LevelRank(b.level);
    if (rank_a != rank_b) return rank_a > rank_b;
    if (a.count != b.count) return a.count > b.count;
    return a.id < b.id;
  });
  std::map<int, std::uint64_t> matches_by_rank;
  for (const Hit& hit : hits) {
    forensics::v1::RuleHit* rule_hit = report->add_rule_hits();
    rule_hit->set_rule_id(hit.id);
    rule_hit->set_title(hit.title);
    rule_hit->set_title_ja(hit.title_ja);
    rule_hit->set_level(hit.level);
    rule_hit->set_count(hit.count);
    matches_by_rank[LevelRank(hit.level)] += hit.count;
  }
  if (hits.empty()) {
    report->set_verdict(forensics::v1::HUNT_VERDICT_NO_EVIDENCE);
    report->set_verdict_reason("no rule matched");
    return;
  }
  // hits[0] is the most severe (then most frequent) rule.
  const Hit& top = hits[0];
  report->set_verdict(VerdictForLevel(top.level));
  const std::uint64_t top_matches = matches_by_rank[LevelRank(top.level)];
  if (report->verdict() == forensics::v1::HUNT_VERDICT_NO_EVIDENCE) {
    report->set_verdict_reason("only low or informational matches (" +
                               std::to_string(matches_by_rank[1] + matches_by_rank[0]) + ")");
    return;
  }
  report->set_verdict_reason(std::to_string(top_matches) + " " +
                             (top.level.empty() ? std::string("unleveled") : top.level) +
                             " match" + (top_matches == 1 ? "" : "es") + " (top rule: " +
                             top.title + ")");
}

}  // namespace

std::string AttackTechniqueFromTag(const std::string& tag) {
  // ATT&CK tags in Sigma (Sigma tags specification): attack.tNNNN or attack.tNNNN.NNN.
  constexpr std::string_view kPrefix = "attack.t";
  if (!tag.starts_with(kPrefix)) return {};
  const std::string_view id = std::string_view(tag).substr(kPrefix.size());
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const bool technique = id.size() >= 4 && std::all_of(id.begin(), id.begin() + 4, is_digit);
  const bool plain = id.size() == 4;
  const bool sub =
      id.size() == 8 && id[4] == '.' && std::all_of(id.begin() + 5, id.end(), is_digit);
  if (!technique || !(plain || sub)) return {};
  return "T" + std::string(id);
}

HuntVerdict VerdictForLevel(const std::string& level) {
  switch (LevelRank(level)) {
    case 4:
    case 3:
      return forensics::v1::HUNT_VERDICT_COMPROMISED;
    case 2:
      return forensics::v1::HUNT_VERDICT_SUSPICIOUS;
    default:
      return forensics::v1::HUNT_VERDICT_NO_EVIDENCE;
  }
}

Result<HuntRules> LoadHuntRules(const HuntConfig& config) {
  if (config.sigma_rule_dirs.empty()) {
    return InvalidArgumentError(
        "no Sigma rules: give a rule folder (Kensa's own are rules/sigma; --sigma-rules DIR adds more)");
  }
  KENSA_ASSIGN_OR_RETURN(sigma::LogsourceMap logsources,
                         sigma::LogsourceMap::LoadFile(config.logsource_map));
  HuntRules rules;
  std::vector<sigma::LoadMessage> skipped;
  KENSA_ASSIGN_OR_RETURN(
      rules.rules, sigma::RuleSet::LoadDirectories(config.sigma_rule_dirs, &skipped, logsources));
  // The logsource mapping lives beside the team's rules; it is data for the engine, not a rule
  // that failed to load.
  const fs::path logsource_map(config.logsource_map);
  for (auto& message : skipped) {
    std::error_code error;
    if (fs::equivalent(message.file, logsource_map, error)) continue;
    rules.skipped.push_back(std::move(message));
  }
  return rules;
}

Result<HuntReport> HuntPath(const std::string& path, const HuntRules& rules,
                            const HuntConfig& config) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::string> files;
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) {
    if (error == std::errc::permission_denied) {
      return PermissionDeniedError("cannot read " + path + ": " + error.message());
    }
    return NotFoundError("no such file or folder: " + path);
  }
  if (fs::is_directory(status)) {
    KENSA_RETURN_IF_ERROR(CollectFolder(path, config, &files));
    if (files.empty()) return FailedPreconditionError("no event log (EVTX or .evt) under " + path);
  } else {
    if (!fs::is_regular_file(status)) return InvalidArgumentError("not a regular file: " + path);
    if (!std::ifstream(path, std::ios::binary)) {
      return PermissionDeniedError("cannot read " + path);
    }
    if (!HasEventLogSignature(path)) {
      return FailedPreconditionError("not an event log (no EVTX ElfFile or .evt LfLe signature): " + path);
    }
    files.push_back(path);
  }

  HuntReport report;
  report.set_schema_version("1");
  report.set_generator(config.generator);
  report.set_generated_at(NowRfc3339());
  std::unordered_map<const sigma::Rule*, RuleCount> counts;
  for (const std::string& file : files) HuntFile(file, rules, config, &report, &counts);

  auto* findings = report.mutable_findings();
  std::stable_sort(findings->begin(), findings->end(), [](const Finding& a, const Finding& b) {
    if (a.timestamp() != b.timestamp()) return a.timestamp() < b.timestamp();
    if (a.source_file() != b.source_file()) return a.source_file() < b.source_file();
    return a.event_record_id() < b.event_record_id();
  });
  Conclude(SigmaHits(counts), &report);

  auto* stats = report.mutable_stats();
  stats->set_files(files.size());
  stats->set_rules_loaded(rules.rules.size());
  stats->set_rules_skipped(rules.skipped.size());
  stats->set_rules_unmapped(rules.rules.unmapped_count());
  stats->set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  if (config.public_suffixes != nullptr) SetReportIndicators(*config.public_suffixes, &report);
  return report;
}

namespace {

// Timeline events kept in a report: enough for weeks of logins and every finding.
constexpr std::size_t kMaxTimelineEvents = 5000;

void SortFindings(HuntReport* report) {
  auto* findings = report->mutable_findings();
  std::stable_sort(findings->begin(), findings->end(), [](const Finding& a, const Finding& b) {
    if (a.timestamp() != b.timestamp()) return a.timestamp() < b.timestamp();
    if (a.source_file() != b.source_file()) return a.source_file() < b.source_file();
    return a.event_record_id() < b.event_record_id();
  });
}

// Rule hits of swept findings, one per rule id (YARA findings carry the rule in the id).
void AddSweptHits(const std::vector<Finding>& swept, std::vector<Hit>* hits) {
  std::map<std::string, Hit> by_id;
  for (const auto& finding : swept) {
    Hit& hit = by_id[finding.rule_id()];
    hit = {finding.rule_id(), finding.title(), finding.level(), hit.count + 1, finding.title_ja()};
  }
  for (auto& [id, hit] : by_id) hits->push_back(std::move(hit));
}

// Sets the report's timeline: `events` and one event per finding above informational (whose
// events a check put in the timeline already), oldest first, bounded.
void SetTimeline(std::vector<forensics::v1::TimelineEvent> events,
                 const google::protobuf::RepeatedPtrField<Finding>& findings, HuntReport* report) {
  for (const auto& finding : findings) {
    if (finding.level() == "informational") continue;
    forensics::v1::TimelineEvent event;
    event.set_time(finding.timestamp());
    event.set_kind("finding");
    event.set_description(finding.title() + (finding.evidence().empty() ? "" : ": " + finding.evidence()));
    event.set_location(finding.location().empty() ? finding.source_file() : finding.location());
    event.set_level(finding.level());
    events.push_back(std::move(event));
  }
  std::stable_sort(events.begin(), events.end(), [](const auto& a, const auto& b) { return a.time() < b.time(); });
  if (events.size() > kMaxTimelineEvents) events.resize(kMaxTimelineEvents);
  report->clear_timeline();
  for (auto& event : events) *report->add_timeline() = std::move(event);
}

// Actions of the checks that fired, most urgent first (by the highest level that asks for
// each); a compromise seen only in event logs asks for the same first steps.
void Recommend(const HostCheckRules& checks, const std::vector<Hit>& hits, HuntReport* report) {
  std::map<std::string, int> rank_of_action;
  std::vector<std::string> order;
  auto want = [&](const std::string& action, int rank) {
    if (!checks.actions.count(action)) return;
    auto [it, added] = rank_of_action.emplace(action, rank);
    if (added) order.push_back(action);
    else it->second = std::max(it->second, rank);
  };
  std::map<std::string, const HostCheck*> by_id;
  for (const auto& check : checks.checks) by_id[check.id] = &check;
  for (const Hit& hit : hits) {
    const int rank = LevelRank(hit.level);
    if (auto it = by_id.find(hit.id); it != by_id.end()) {
      for (const auto& action : it->second->actions) want(action, rank);
    } else if (rank >= 3) {
      for (const char* action : {"isolate_host", "preserve_evidence", "reset_credentials"}) want(action, rank);
    }
  }
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& a, const std::string& b) { return rank_of_action[a] > rank_of_action[b]; });
  for (const auto& action : order) {
    report->add_recommended_actions(checks.actions.at(action).en);
    report->add_recommended_actions_ja(checks.actions.at(action).ja);
  }
}

}  // namespace

Result<HuntReport> HuntCollection(const std::string& path, const HuntRules* sigma_rules,
                                  const HostCheckRules& checks, const HuntConfig& config,
                                  const CollectionSweeps& sweeps) {
  KENSA_ASSIGN_OR_RETURN(auto collection, collection::Collection::Open(path, {}, config.collection_secrets));
  return HuntCollection(collection, sigma_rules, checks, config, sweeps);
}

Result<HuntReport> HuntCollection(collection::Collection& collection, const HuntRules* sigma_rules,
                                  const HostCheckRules& checks, const HuntConfig& config,
                                  const CollectionSweeps& sweeps) {
  const auto start = std::chrono::steady_clock::now();
  // Tables derived from the collection's own files, for the host checks: autostart entries
  // and services read again from the registry hives, programs run from the Prefetch files.
  std::vector<std::string> derive_problems = AddDerivedTables(&collection);
  HuntReport report;
  report.set_schema_version("1");
  report.set_generator(config.generator);
  report.set_generated_at(NowRfc3339());
  *report.mutable_collection() = collection.info();
  for (const auto& problem : derive_problems) report.mutable_collection()->add_problems(problem);

  std::unordered_map<const sigma::Rule*, RuleCount> counts;
  std::size_t files = 0;
  for (const auto& item_path : collection.Paths()) {
    if (item_path.rfind("derived/", 0) == 0) continue;  // Kensa's own tables, not the host's files
    auto bytes = collection.Read(item_path);
    if (!bytes) continue;
    ++files;
    if (IsEventLog(*bytes) && sigma_rules != nullptr) HuntBytes(item_path, *bytes, *sigma_rules, config, &report, &counts);
  }

  HostCheckResult host = RunHostChecks(collection, checks);
  std::vector<forensics::v1::Finding> swept;
  if (sweeps.yara != nullptr) swept = SweepYara(collection, *sweeps.yara);

  std::vector<Hit> hits = SigmaHits(counts);
  for (const auto& check : checks.checks) {
    auto it = host.counts.find(check.id);
    if (it != host.counts.end() && it->second >= check.threshold) hits.push_back({check.id, check.title, check.level, it->second, check.title_ja});
  }
  AddSweptHits(swept, &hits);

  for (auto& finding : host.findings) *report.add_findings() = std::move(finding);
  for (auto& finding : swept) *report.add_findings() = std::move(finding);
  SortFindings(&report);
  Conclude(hits, &report);
  Recommend(checks, hits, &report);

  // The timeline: every finding and every event a check asked for, oldest first.
  SetTimeline(std::move(host.timeline), report.findings(), &report);

  auto* stats = report.mutable_stats();
  stats->set_files(files);
  if (sigma_rules != nullptr) {
    stats->set_rules_loaded(sigma_rules->rules.size() + checks.checks.size());
    stats->set_rules_skipped(sigma_rules->skipped.size());
    stats->set_rules_unmapped(sigma_rules->rules.unmapped_count());
  } else {
    stats->set_rules_loaded(checks.checks.size());
  }
  if (sweeps.iocs != nullptr) SweepKnownBad(collection, *sweeps.iocs, checks, &report);
  if (config.public_suffixes != nullptr) SetReportIndicators(*config.public_suffixes, &report);
  stats->set_seconds(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return report;
}

std::vector<std::string> AddDerivedTables(collection::Collection* collection) {
  std::vector<std::string> problems = AddRegistryTables(collection);
  for (auto& problem : AddPrefetchTable(collection)) problems.push_back(std::move(problem));
  for (auto& problem : AddShortcutTable(collection)) problems.push_back(std::move(problem));
  return problems;
}

void SweepKnownBad(const collection::Collection& collection, const IocList& iocs, const HostCheckRules& checks,
                   HuntReport* report) {
  report->mutable_stats()->set_indicators_swept(iocs.size());
  if (iocs.empty()) return;
  std::vector<forensics::v1::Finding> swept = SweepIocs(collection, iocs);
  if (swept.empty()) return;
  // The verdict, the rules that fired and the actions are decided again over everything; the
  // hunt's own rule hits hold every match it counted, kept as a finding or not.
  std::vector<Hit> hits;
  for (const auto& rule_hit : report->rule_hits())
    hits.push_back({rule_hit.rule_id(), rule_hit.title(), rule_hit.level(), rule_hit.count(), rule_hit.title_ja()});
  AddSweptHits(swept, &hits);
  report->clear_rule_hits();
  report->clear_recommended_actions();
  report->clear_recommended_actions_ja();
  Conclude(hits, report);
  Recommend(checks, hits, report);

  std::vector<forensics::v1::TimelineEvent> timeline(report->timeline().begin(), report->timeline().end());
  report->clear_timeline();
  google::protobuf::RepeatedPtrField<Finding> added;
  for (auto& finding : swept) *added.Add() = finding;
  SetTimeline(std::move(timeline), added, report);
  for (auto& finding : swept) *report->add_findings() = std::move(finding);
  SortFindings(report);
}

Result<HuntReport> HuntPath(const std::string& path, const HuntConfig& config) {
  KENSA_ASSIGN_OR_RETURN(HuntRules rules, LoadHuntRules(config));
  return HuntPath(path, rules, config);
}

}  // namespace kensa::hunt
