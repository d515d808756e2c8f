#pragma once
// HuntEvtx: matches every event of an EVTX file against a set of Sigma rules, the first step of
// a compromise investigation on collected Windows event logs.
//
//   auto logsources = kensa::sigma::LogsourceMap::LoadFile("rules/sigma/logsources.yaml");
//   auto rules = kensa::sigma::RuleSet::LoadDirectories({"rules/sigma"}, &skipped, *logsources);
//   kensa::evtx::ParseStats stats;
//   auto status = kensa::hunt::HuntEvtx(bytes, *rules,
//       [&](const kensa::evtx::Event& event, const kensa::sigma::Rule& rule) {
//         Report(event.record_id, rule.id, rule.title);
//       }, &stats);

#include <functional>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/evtx/evt_parser.h"
#include "kensa/evtx/evtx_parser.h"
#include "kensa/sigma/rule.h"
#include "kensa/sigma/rule_set.h"

namespace kensa::hunt {

using HuntCallback = std::function<void(const evtx::Event&, const sigma::Rule&)>;

// Parses `file` (see evtx::ParseEvtx: damaged chunks and records are counted in `stats`, which
// may be null, and skipped) and calls `on_match` once for each (event, rule) pair where the
// rule matches the event, in file order. Fails only as ParseEvtx does: when `file` is not EVTX.
Status HuntEvtx(ByteSpan file, const sigma::RuleSet& rules, const HuntCallback& on_match,
                evtx::ParseStats* stats, const evtx::EvtxLimits& limits = {});

// The same over a legacy .evt log (evtx::ParseEvt); `channel` is the log's name, which the file
// does not hold (evtx::EvtChannelFromFileName).
Status HuntEvt(ByteSpan file, std::string_view channel, const sigma::RuleSet& rules, const HuntCallback& on_match,
               evtx::ParseStats* stats, const evtx::EvtLimits& limits = {});

}  // namespace kensa::hunt
