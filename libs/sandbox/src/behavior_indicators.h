#pragma once
// Indicators (hosts, URLs, registry keys written, mutexes, files written, command lines, user
// agents) from what a sample did, deduplicated, without the emulator's own simulation values.

#include <vector>

#include "kensa/analysis/v1/behavior.pb.h"
#include "kensa/analysis/v1/indicator.pb.h"
#include "kensa/emulator/emulator.h"

namespace kensa::sandbox {

// `environment` is the profile the run used: addresses its DNS simulation handed out are not
// indicators (the sample connected to a name, which is), nor is the sample's own path.
std::vector<analysis::v1::Indicator> BehaviorIndicators(
    const analysis::v1::BehaviorResult& behavior, const emulator::EnvironmentProfile& environment);

}  // namespace kensa::sandbox
