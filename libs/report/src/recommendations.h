#pragma once
// Which recommended actions (推奨対応) a report carries, chosen from the verdict's level and
// malware type by the table in recommendations.cc. The texts are in the catalogue.

#include <vector>

#include "catalog.h"
#include "kensa/report/v1/report.pb.h"

namespace kensa::report::internal {

// The actions for `report`, most urgent first, each at most once.
std::vector<Action> RecommendedActions(const report::v1::Report& report);

}  // namespace kensa::report::internal
