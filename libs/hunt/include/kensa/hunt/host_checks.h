#pragma once
// Host checks: the persistence, anomaly and log checks run over a host collection (Linux
// today), defined as data in rules/hunt/*.yaml (format: rules/hunt/README.md). A check reads
// the items of some artifacts of the collection and fires on the lines — or, for the
// collector's TSV listings, on a column of the rows — that match its regular expression.
//
//   auto checks = LoadHostChecks({"rules/hunt"});
//   HostCheckResult result = RunHostChecks(collection, *checks);

#include <cstdint>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "kensa/collection/collection.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"

namespace kensa::hunt {

struct HostCheck {
  std::string id;
  std::string title;
  std::string title_ja;
  std::string level;  // Sigma levels: informational, low, medium, high, critical
  std::vector<std::string> attack;
  std::vector<std::string> actions;  // ids into HostCheckRules::actions
  std::vector<std::string> artifacts;
  std::optional<std::regex> path;     // on the item's path in the collection
  std::string column;                 // a TSV column (header row) instead of whole lines
  std::regex match;
  std::optional<std::regex> exclude;  // lines that match this are skipped
  std::uint32_t threshold = 1;        // matches needed before the check fires (one finding)
  bool timeline = false;              // every match is also a timeline event
};

struct RecommendedAction {
  std::string en;
  std::string ja;
};

struct HostCheckRules {
  std::vector<HostCheck> checks;
  std::map<std::string, RecommendedAction> actions;
};

// Loads every *.yaml under the given files or folders. A malformed check (unknown level, bad
// regular expression, an action without text) is an error naming the file and the check.
Result<HostCheckRules> LoadHostChecks(const std::vector<std::string>& paths);

struct HostCheckResult {
  std::vector<forensics::v1::Finding> findings;
  std::vector<forensics::v1::TimelineEvent> timeline;
  // Matches per check id, kept or not.
  std::map<std::string, std::uint64_t> counts;
};

// Runs every check over the collection. Lines are read within bounds (the first
// kMaxLinesPerItem of an item, each cut at kMaxLineBytes); findings per check are capped.
HostCheckResult RunHostChecks(const collection::Collection& collection, const HostCheckRules& rules);

// "2026-11-26T09:00:01Z" from a syslog time "Nov 26 09:00:01" (no year: the year that puts it
// at or before `reference`, an RFC 3339 time), or from an ISO 8601 time at the line's start;
// empty when the line starts with neither.
std::string LineTimestamp(const std::string& line, const std::string& reference);

}  // namespace kensa::hunt
