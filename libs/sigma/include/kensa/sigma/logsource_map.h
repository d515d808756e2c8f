#pragma once
// LogsourceMap: how a Sigma logsource (product / category / service) maps onto the events we
// see: which Channel, which EventIDs, and which field names differ from the ones the rule uses
// (Security 4688 calls Sysmon's Image "NewProcessName"). The mapping is data, kept in
// rules/sigma/logsources.yaml; this class loads it.
//
//   auto map = LogsourceMap::LoadFile("rules/sigma/logsources.yaml");
//   auto rules = RuleSet::LoadDirectories({"rules/sigma"}, &skipped, *map);

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/status.h"

namespace kensa::sigma {

// One concrete source of events for a logsource: events whose Channel equals `channel`
// (case-insensitive) and, when `event_ids` is not empty, whose EventID is one of them.
struct EventSource {
  std::string channel;
  std::vector<std::string> event_ids;
  // Sigma field name -> field name in events from this source.
  std::map<std::string, std::string> field_renames;
};

class LogsourceMap {
 public:
  // Parses the YAML text of a mapping file (format in rules/sigma/README.md).
  static Result<LogsourceMap> Parse(std::string_view yaml);
  static Result<LogsourceMap> LoadFile(const std::string& path);

  // The sources for a rule's logsource: the category's when the category is mapped, else the
  // service's; nullptr when neither is mapped (the rule is then matched against every event).
  // A rule that names no product (SigmaHQ's `category: antivirus` rules) is unconstrained on
  // product: it takes the category or service of whichever product maps it (first by name).
  const std::vector<EventSource>* Find(std::string_view product, std::string_view category,
                                       std::string_view service) const;
  std::size_t size() const { return by_category_.size() + by_service_.size(); }

 private:
  // Key: "product/category" or "product/service", lower case.
  std::map<std::string, std::vector<EventSource>> by_category_;
  std::map<std::string, std::vector<EventSource>> by_service_;
};

}  // namespace kensa::sigma
