#include "kensa/hunt/hunt_path.h"

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

#include "kensa/core/file.h"
#include "kensa/core/time.h"
#include "kensa/hunt/hunt_evtx.h"
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

// True when the file at `path` starts with the EVTX signature. Unreadable files are not EVTX
// here; HuntPath names a single unreadable file given by the user.
bool HasEvtxSignature(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::array<char, kEvtxSignature.size()> head{};
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  return in.gcount() == static_cast<std::streamsize>(head.size()) &&
         std::string_view(head.data(), head.size()) == kEvtxSignature;
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
    if (HasEvtxSignature(it->path())) files->push_back(it->path().string());
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
    key_fields[std::string(name)] = value->substr(0, kMaxKeyFieldBytes);
  }
}

void HuntFile(const std::string& file, const HuntRules& rules, const HuntConfig& config,
              HuntReport* report, std::unordered_map<const sigma::Rule*, RuleCount>* counts) {
  forensics::v1::InputFile* input = report->add_inputs();
  input->set_path(file);
  auto bytes = ReadFileBounded(file, config.max_file_bytes);
  if (!bytes) {
    input->set_error(bytes.error().message());
    return;
  }
  input->set_size_bytes(bytes->size());
  evtx::ParseStats stats;
  std::uint64_t dropped = 0;
  const Status status = HuntEvtx(
      *bytes, rules.rules,
      [&](const evtx::Event& event, const sigma::Rule& rule) {
        RuleCount& count = (*counts)[&rule];
        count.rule = &rule;
        ++count.count;
        if (count.count > config.max_findings_per_rule ||
            static_cast<std::size_t>(report->findings_size()) >= config.max_findings) {
          ++dropped;
          return;
        }
        FillFinding(event, rule, file, report->add_findings());
      },
      &stats);
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

// Fills rule_hits, verdict and verdict_reason from the match counts (all matches, kept or not).
void Conclude(const std::unordered_map<const sigma::Rule*, RuleCount>& counts,
              HuntReport* report) {
  std::vector<RuleCount> hits;
  hits.reserve(counts.size());
  for (const auto& [rule, count] : counts) hits.push_back(count);
  std::sort(hits.begin(), hits.end(), [](const RuleCount& a, const RuleCount& b) {
    const int rank_a = LevelRank(a.rule->level);
    const int rank_b = LevelRank(b.rule->level);
    if (rank_a != rank_b) return rank_a > rank_b;
    if (a.count != b.count) return a.count > b.count;
    return a.rule->id < b.rule->id;
  });
  std::map<int, std::uint64_t> matches_by_rank;
  for (const RuleCount& hit : hits) {
    forensics::v1::RuleHit* rule_hit = report->add_rule_hits();
    rule_hit->set_rule_id(hit.rule->id);
    rule_hit->set_title(hit.rule->title);
    rule_hit->set_level(hit.rule->level);
    rule_hit->set_count(hit.count);
    matches_by_rank[LevelRank(hit.rule->level)] += hit.count;
  }
  if (hits.empty()) {
    report->set_verdict(forensics::v1::HUNT_VERDICT_NO_EVIDENCE);
    report->set_verdict_reason("no rule matched");
    return;
  }
  // hits[0] is the most severe (then most frequent) rule.
  const sigma::Rule& top = *hits[0].rule;
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
        "no Sigma rules: pass --sigma-rules DIR (Kensa ships no Sigma rules of its own yet)");
  }
  KENSA_ASSIGN_OR_RETURN(sigma::LogsourceMap logsources,
                         sigma::LogsourceMap::LoadFile(config.logsource_map));
  HuntRules rules;
  KENSA_ASSIGN_OR_RETURN(
      rules.rules,
      sigma::RuleSet::LoadDirectories(config.sigma_rule_dirs, &rules.skipped, logsources));
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
    if (files.empty()) return FailedPreconditionError("no EVTX file under " + path);
  } else {
    if (!fs::is_regular_file(status)) return InvalidArgumentError("not a regular file: " + path);
    if (!std::ifstream(path, std::ios::binary)) {
      return PermissionDeniedError("cannot read " + path);
    }
    if (!HasEvtxSignature(path)) {
      return FailedPreconditionError("not an EVTX file (no ElfFile signature): " + path);
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
  Conclude(counts, &report);

  auto* stats = report.mutable_stats();
  stats->set_files(files.size());
  stats->set_rules_loaded(rules.rules.size());
  stats->set_rules_skipped(rules.skipped.size());
  stats->set_rules_unmapped(rules.rules.unmapped_count());
  stats->set_seconds(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return report;
}

Result<HuntReport> HuntPath(const std::string& path, const HuntConfig& config) {
  KENSA_ASSIGN_OR_RETURN(HuntRules rules, LoadHuntRules(config));
  return HuntPath(path, rules, config);
}

}  // namespace kensa::hunt
