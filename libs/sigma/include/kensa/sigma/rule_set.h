#pragma once
// RuleSet: a set of Sigma rules compiled for matching against flat events, and Match, which
// calls back for each rule an event matches.
//
//   std::vector<LoadMessage> skipped;
//   auto logsources = LogsourceMap::LoadFile("rules/sigma/logsources.yaml");
//   auto rules = RuleSet::LoadDirectories({dir}, &skipped, *logsources);
//   Match(*rules, event, [&](const Rule& rule) { Report(rule.id, rule.title); });
//
// Supported: field maps, lists of maps, value lists, null, keywords, the modifiers contains,
// startswith, endswith, all, re (with i, m), base64, base64offset, utf16le, utf16be, utf16,
// wide, windash, cidr, gt, gte, lt, lte, exists, fieldref, cased; wildcards * and ?; conditions
// with and/or/not, parentheses and `1 of` / `all of` patterns or `them`. Anything else
// (correlation rules, aggregations, `expand`, multi-document files) is skipped with a message.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kensa/core/status.h"
#include "kensa/sigma/event_view.h"
#include "kensa/sigma/logsource_map.h"
#include "kensa/sigma/rule.h"

namespace kensa::sigma {

// Why a rule file was not loaded.
struct LoadMessage {
  std::string file;
  std::string rule_id;  // Empty when the file has no readable id.
  std::string message;
};

class RuleSet {
 public:
  // Loads every .yml/.yaml under the folders (recursively). A rule the engine cannot support is
  // skipped with a message naming the file and why. An error means a folder could not be read.
  static Result<RuleSet> LoadDirectories(const std::vector<std::string>& dirs,
                                         std::vector<LoadMessage>* skipped,
                                         const LogsourceMap& logsources);
  // As above, with no logsource mapping: every rule is matched against every event. With a
  // mapping, a rule whose logsource it does not map (zeek, linux, cisco, ...) is loaded but
  // never matched: its fields mean nothing in the events we have, and keyword rules would
  // fire on every event. Add the logsource to the mapping to enable it.
  static Result<RuleSet> LoadDirectories(const std::vector<std::string>& dirs,
                                         std::vector<LoadMessage>* skipped);
  // Parses one rule; the error says why it is not supported. `origin` names it in messages.
  static Result<RuleSet> ParseRule(std::string_view yaml, const std::string& origin,
                                   const LogsourceMap& logsources);
  static Result<RuleSet> ParseRule(std::string_view yaml, const std::string& origin);

  std::size_t size() const { return rules_.size(); }
  const std::vector<Rule>& rules() const { return rules_; }
  // Rules that Match never evaluates because the mapping does not cover their logsource.
  std::size_t unmapped_count() const { return unmapped_count_; }
  // The rule with this id, or nullptr.
  const Rule* FindById(std::string_view id) const;

  // Adds the rules of `other` (used to merge single-rule sets loaded with the same mapping).
  void Append(RuleSet&& other);

 private:
  friend void Match(const RuleSet&, const EventView&, const std::function<void(const Rule&)>&);
  void BuildIndex();

  std::vector<Rule> rules_;
  // Lower-case channel, NUL, EventID (empty: any) -> indices of rules with such a source.
  std::unordered_map<std::string, std::vector<std::size_t>> by_channel_;
  std::vector<std::size_t> unconstrained_;  // Rules matched against every event.
  bool match_unmapped_ = true;  // No mapping given: unmapped rules see every event.
  std::size_t unmapped_count_ = 0;
};

// Calls on_match once for each rule matching the event. Rules are pre-filtered by the event's
// Channel and EventID against their mapped sources, so that matching is fast.
void Match(const RuleSet& rules, const EventView& event,
           const std::function<void(const Rule&)>& on_match);

}  // namespace kensa::sigma
