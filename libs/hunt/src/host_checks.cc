#include "kensa/hunt/host_checks.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "kensa/strings/string_extractor.h"

namespace kensa::hunt {

namespace fs = std::filesystem;

namespace {

// A log or listing line longer than this is cut: evidence is for people, and a regular
// expression over a megabyte line is slow.
constexpr std::size_t kMaxLineBytes = 4096;
// Lines read from one item; a 100 MiB log has about a million.
constexpr std::size_t kMaxLinesPerItem = 2000000;
// Findings kept per check; matches past it are counted, not listed.
constexpr std::size_t kMaxFindingsPerCheck = 50;
constexpr std::size_t kMaxTimelinePerCheck = 500;
constexpr std::size_t kMaxEvidenceBytes = 500;
// A collection's paths are the host's; longer ones are cut in the report.
constexpr std::size_t kMaxLocationBytes = 4096;

const std::set<std::string>& Levels() {
  static const std::set<std::string> levels = {"informational", "low", "medium", "high", "critical"};
  return levels;
}

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    out.push_back(node.Scalar());
    return out;
  }
  for (const auto& item : node) out.push_back(item.as<std::string>());
  return out;
}

Status LoadFile(const std::string& file, HostCheckRules* rules) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(file);
  } catch (const std::exception& error) {
    return InvalidArgumentError(file + ": " + error.what());
  }
  try {
    for (const auto& node : root["checks"]) {
      HostCheck check;
      check.id = node["id"].as<std::string>("");
      const std::string where = file + ": check '" + check.id + "'";
      if (check.id.empty()) return InvalidArgumentError(file + ": a check has no id");
      check.title = node["title"].as<std::string>("");
      check.title_ja = node["title_ja"].as<std::string>("");
      check.level = node["level"].as<std::string>("");
      if (!Levels().count(check.level)) return InvalidArgumentError(where + ": unknown level '" + check.level + "'");
      check.attack = StringList(node["attack"]);
      check.actions = StringList(node["actions"]);
      check.artifacts = StringList(node["artifacts"]);
      if (check.artifacts.empty()) return InvalidArgumentError(where + ": no artifacts");
      check.column = node["column"].as<std::string>("");
      check.threshold = node["threshold"].as<std::uint32_t>(1);
      check.timeline = node["timeline"].as<bool>(false);
      // ECMAScript has no inline (?i): case-insensitive checks (Windows paths) say ignore_case.
      const auto flags = node["ignore_case"].as<bool>(false) ? std::regex::ECMAScript | std::regex::icase
                                                              : std::regex::ECMAScript;
      try {
        if (node["path"]) check.path = std::regex(node["path"].as<std::string>(), flags);
        check.match = std::regex(node["match"].as<std::string>(""), flags);
        if (node["exclude"]) check.exclude = std::regex(node["exclude"].as<std::string>(), flags);
      } catch (const std::regex_error& error) {
        return InvalidArgumentError(where + ": bad regular expression: " + error.what());
      }
      rules->checks.push_back(std::move(check));
    }
    for (const auto& entry : root["actions"]) {
      RecommendedAction action{entry.second["en"].as<std::string>(""), entry.second["ja"].as<std::string>("")};
      if (action.en.empty()) return InvalidArgumentError(file + ": action '" + entry.first.as<std::string>() + "' has no en text");
      rules->actions[entry.first.as<std::string>()] = std::move(action);
    }
  } catch (const YAML::Exception& error) {
    return InvalidArgumentError(file + ": " + error.what());
  }
  return Status::Ok();
}

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    const auto tab = line.find('\t', start);
    fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return fields;
    start = tab + 1;
  }
}

// The Windows collector's .tsv tables escape backslash, tab, CR and LF as PostgreSQL's text
// format does (docs/collection-format.md); checks see the original values.
std::string UnescapeTsvField(const std::string& field) {
  std::string out;
  out.reserve(field.size());
  for (std::size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out += field[i];
      continue;
    }
    const char next = field[++i];
    out += next == 't' ? '\t' : next == 'n' ? '\n' : next == 'r' ? '\r' : next;
  }
  return out;
}

int MonthIndex(std::string_view name) {
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (int i = 0; i < 12; ++i) {
    if (kMonths[i] == name) return i + 1;
  }
  return 0;
}

bool Digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::string LineTimestamp(const std::string& line, const std::string& reference) {
  // ISO 8601 at the start (journalctl -o short-iso, rsyslog's high-precision format).
  if (line.size() >= 19 && Digits(line.substr(0, 4)) && line[4] == '-' && line[7] == '-' &&
      (line[10] == 'T' || line[10] == ' ') && line[13] == ':' && line[16] == ':') {
    return line.substr(0, 10) + "T" + line.substr(11, 8) + "Z";
  }
  // Classic syslog: "Nov 26 09:00:01" (RFC 3164 has no year).
  if (line.size() < 15 || line[3] != ' ' || line[6] != ' ' || line[9] != ':' || line[12] != ':') return {};
  const int month = MonthIndex(std::string_view(line).substr(0, 3));
  if (month == 0) return {};
  std::string day = line.substr(4, 2);
  if (day[0] == ' ') day[0] = '0';
  if (!Digits(day)) return {};
  int year = reference.size() >= 4 && Digits(reference.substr(0, 4)) ? std::stoi(reference.substr(0, 4)) : 1970;
  const int reference_month = reference.size() >= 7 && Digits(reference.substr(5, 2)) ? std::stoi(reference.substr(5, 2)) : 12;
  if (month > reference_month) --year;  // a December line collected in January
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%sT%sZ", year, month, day.c_str(), line.substr(7, 8).c_str());
  return buffer;
}

Result<HostCheckRules> LoadHostChecks(const std::vector<std::string>& paths) {
  HostCheckRules rules;
  std::vector<std::string> files;
  for (const auto& path : paths) {
    std::error_code error;
    if (fs::is_directory(path, error)) {
      for (fs::recursive_directory_iterator it(path, error), end; !error && it != end; it.increment(error)) {
        if (it->is_regular_file() && it->path().extension() == ".yaml") files.push_back(it->path().string());
      }
    } else if (fs::is_regular_file(path, error)) {
      files.push_back(path);
    } else {
      return NotFoundError("no host check rules at " + path);
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) KENSA_RETURN_IF_ERROR(LoadFile(file, &rules));
  std::set<std::string> ids;
  for (const auto& check : rules.checks) {
    if (!ids.insert(check.id).second) return InvalidArgumentError("host check '" + check.id + "' is defined twice");
    for (const auto& action : check.actions) {
      if (!rules.actions.count(action)) {
        return InvalidArgumentError("host check '" + check.id + "' names an unknown action '" + action + "'");
      }
    }
  }
  return rules;
}

HostCheckResult RunHostChecks(const collection::Collection& collection, const HostCheckRules& rules) {
  HostCheckResult result;
  const auto& manifest = collection.manifest();
  const std::string reference = manifest.finished_at().empty() ? manifest.started_at() : manifest.finished_at();

  for (const auto& check : rules.checks) {
    std::uint64_t matches = 0;
    std::vector<forensics::v1::Finding> kept;
    std::size_t timeline_kept = 0;
    for (const auto& item : manifest.items()) {
      if (std::find(check.artifacts.begin(), check.artifacts.end(), item.artifact()) == check.artifacts.end()) continue;
      if (check.path && !std::regex_search(item.path(), *check.path)) continue;
      auto bytes = collection.Read(item.path());
      if (!bytes) continue;
      const std::string text(bytes->begin(), bytes->end());
      const bool escaped_table = item.path().size() > 4 && item.path().compare(item.path().size() - 4, 4, ".tsv") == 0;
      int column_index = -1;
      std::size_t line_number = 0;
      std::size_t start = 0;
      while (start < text.size() && line_number < kMaxLinesPerItem) {
        const auto end = std::min(text.find('\n', start), text.size());
        std::string line = text.substr(start, std::min(end - start, kMaxLineBytes));
        start = end + 1;
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (escaped_table) {
          std::string unescaped;
          bool first_field = true;
          for (const auto& field : SplitTabs(line)) {
            // By position, not by what came before: an empty first field keeps its tab.
            if (!first_field) unescaped += '\t';
            first_field = false;
            // Values keep no tab of their own here: the row is split on tabs again below.
            std::string value = UnescapeTsvField(field);
            std::replace(value.begin(), value.end(), '\t', ' ');
            unescaped += value;
          }
          line = std::move(unescaped);
        }
        std::string subject = line;
        if (!check.column.empty()) {
          const auto fields = SplitTabs(line);
          if (column_index < 0) {  // the header row names the columns
            const auto it = std::find(fields.begin(), fields.end(), check.column);
            if (it == fields.end()) break;
            column_index = static_cast<int>(it - fields.begin());
            continue;
          }
          if (static_cast<std::size_t>(column_index) >= fields.size()) continue;
          subject = fields[static_cast<std::size_t>(column_index)];
        }
        if (check.exclude && std::regex_search(line, *check.exclude)) continue;
        if (!std::regex_search(subject, check.match)) continue;
        ++matches;
        // Lines and paths are the host's bytes: Shift_JIS logs and file names become UTF-8 here,
        // since every string of a report must be UTF-8.
        const std::string location =
            strings::HostTextToUtf8(item.path(), kMaxLocationBytes) + ":" + std::to_string(line_number);
        const std::string evidence = strings::HostTextToUtf8(line, kMaxEvidenceBytes);
        std::string time = LineTimestamp(line, reference);
        if (time.empty()) time = item.mtime();
        if (check.timeline && timeline_kept < kMaxTimelinePerCheck) {
          ++timeline_kept;
          forensics::v1::TimelineEvent event;
          event.set_time(time);
          event.set_kind(item.artifact());
          event.set_description(evidence);
          event.set_location(location);
          event.set_level(check.level);
          result.timeline.push_back(std::move(event));
        }
        if (kept.size() >= kMaxFindingsPerCheck) continue;
        forensics::v1::Finding finding;
        finding.set_rule_id(check.id);
        finding.set_title(check.title);
        finding.set_title_ja(check.title_ja);
        finding.set_level(check.level);
        for (const auto& technique : check.attack) finding.add_attack_techniques(technique);
        finding.set_source("host_check");
        finding.set_source_file(item.source());
        finding.set_location(location);
        finding.set_evidence(evidence);
        finding.set_timestamp(time);
        finding.set_computer(manifest.host().hostname());
        kept.push_back(std::move(finding));
      }
    }
    if (matches == 0) continue;
    result.counts[check.id] = matches;
    if (matches < check.threshold) continue;
    if (check.threshold > 1) {
      // A threshold check is one finding about the whole pattern, with the first match as evidence.
      forensics::v1::Finding summary = kept.front();
      summary.set_evidence(std::to_string(matches) + " matching lines; first: " + kept.front().evidence());
      result.findings.push_back(std::move(summary));
    } else {
      for (auto& finding : kept) result.findings.push_back(std::move(finding));
    }
  }
  return result;
}

}  // namespace kensa::hunt
