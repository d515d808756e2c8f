#pragma once
// The configuration version that keys stored results (docs/pipeline.md, "Idempotency"): the
// same content analyzed under the same rules by the same Kensa gives the same result, so it is
// analyzed once; any change to a rule file or to Kensa makes a new version and fresh analyses.

#include <string>
#include <vector>

#include "kensa/core/status.h"

namespace kensa::pipeline {

// "<kensa version>-<16 hex digits>": a sha256 over the relative path and bytes of every regular
// file under `rule_dirs`, in sorted order.
Result<std::string> RulesConfigVersion(const std::vector<std::string>& rule_dirs);

}  // namespace kensa::pipeline
