#include "kensa/hunt/hunt_evtx.h"

#include "kensa/hunt/evtx_event_view.h"

namespace kensa::hunt {

Status HuntEvtx(ByteSpan file, const sigma::RuleSet& rules, const HuntCallback& on_match,
                evtx::ParseStats* stats, const evtx::EvtxLimits& limits) {
  // One view for the whole file: its index buffers are reused from event to event.
  EvtxEventView view;
  return evtx::ParseEvtx(
      file,
      [&](const evtx::Event& event) {
        view.Reset(event);
        sigma::Match(rules, view, [&](const sigma::Rule& rule) { on_match(event, rule); });
      },
      stats, limits);
}

Status HuntEvt(ByteSpan file, std::string_view channel, const sigma::RuleSet& rules, const HuntCallback& on_match,
               evtx::ParseStats* stats, const evtx::EvtLimits& limits) {
  EvtxEventView view;
  return evtx::ParseEvt(
      file, channel,
      [&](const evtx::Event& event) {
        view.Reset(event);
        sigma::Match(rules, view, [&](const sigma::Rule& rule) { on_match(event, rule); });
      },
      stats, limits);
}

}  // namespace kensa::hunt
