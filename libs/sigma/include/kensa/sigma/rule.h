#pragma once
// Rule: one loaded Sigma detection rule (Sigma specification, "Sigma Rules Specification"),
// its metadata plus a compiled detection that only the engine reads.

#include <memory>
#include <string>
#include <vector>

#include "kensa/sigma/logsource_map.h"

namespace kensa::sigma {

namespace internal {
struct Detection;  // Compiled detection section; see src/detection.h.
}  // namespace internal

struct Logsource {
  std::string product;
  std::string category;
  std::string service;
};

struct Rule {
  std::string id;     // UUID from the rule's `id`.
  std::string title;
  // The title in Japanese, for reports in Japanese: a field of Kensa's own rules (Sigma allows
  // fields of one's own); empty for other rules, whose reports show `title`.
  std::string title_ja;
  std::string level;  // informational, low, medium, high, critical.
  std::string status;
  std::string origin;  // File the rule came from (or the origin passed to ParseRule).
  std::vector<std::string> tags;  // attack.t1055, attack.defense-evasion, ...
  Logsource logsource;
  // Where events for this rule come from; empty when the logsource is not mapped (see
  // RuleSet::LoadDirectories for what happens then).
  std::vector<EventSource> sources;
  std::shared_ptr<const internal::Detection> detection;
};

}  // namespace kensa::sigma
