#pragma once
// Turns the YAML text of one Sigma rule into a Rule. Internal to libs/sigma.

#include <string>
#include <string_view>

#include "kensa/core/status.h"
#include "kensa/sigma/logsource_map.h"
#include "kensa/sigma/rule.h"

namespace kensa::sigma::internal {

// Largest rule text accepted; rules are a few KiB, the largest SigmaHQ rule (a list of
// vulnerable driver hashes) about 300 KiB.
constexpr std::size_t kMaxRuleBytes = 1024 * 1024;

// Fills `rule` from `yaml`. On error, `rule->id` holds the id when one could be read.
Status ParseRuleText(std::string_view yaml, const std::string& origin,
                     const LogsourceMap& logsources, Rule* rule);

}  // namespace kensa::sigma::internal
