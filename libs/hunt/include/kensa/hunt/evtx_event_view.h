#pragma once
// EvtxEventView: shows a decoded EVTX record (kensa::evtx::Event) to the Sigma engine as a
// kensa::sigma::EventView.
//
//   kensa::hunt::EvtxEventView view;
//   ParseEvtx(bytes, [&](const kensa::evtx::Event& event) {
//     view.Reset(event);
//     kensa::sigma::Match(rules, view, on_match);
//   }, &stats);
//
// Field names are looked up with their spaces removed: Sigma names fields without spaces
// (Defender's "Threat Name" is ThreatName in rules), while Windows' providers put spaces in
// some <Data Name=...> attributes. When two fields share a name, the first one wins, as in
// evtx::Event::Find. The view indexes the event once per Reset (a sorted vector: events have
// tens of fields) and reuses its buffers across events, so one view per file allocates only
// while events grow.
//
// `Data`: classic providers (MSSQL, ESENT, MsiInstaller, PowerShell 2's 400/800...) write their
// EventData as unnamed <Data> elements, decoded as Data[0], Data[1]... Sigma rules for them test
// a field `Data` that stands for the event data as a whole (SigmaHQ's rules say so in a
// comment, and Hayabusa reads them that way); when an event has no field named Data, Get("Data")
// returns the unnamed values joined by newlines, so that `Data|contains` finds any of them.

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/evtx/evtx_parser.h"
#include "kensa/sigma/event_view.h"

namespace kensa::hunt {

class EvtxEventView final : public sigma::EventView {
 public:
  EvtxEventView() = default;
  // Views `event`, which must outlive the view or the next Reset.
  explicit EvtxEventView(const evtx::Event& event) { Reset(event); }
  // The view refers to its own buffers: copying would leave it pointing into the original's.
  EvtxEventView(const EvtxEventView&) = delete;
  EvtxEventView& operator=(const EvtxEventView&) = delete;

  // Views another event, reusing the index's memory.
  void Reset(const evtx::Event& event);

  // `field` is compared exactly (case-sensitive) with the event's field names minus spaces.
  const std::string* Get(std::string_view field) const override;
  // Every field value of the event, in document order.
  void ForEachValue(const std::function<void(const std::string&)>& visit) const override;

  // Removes the spaces of a field name: "Threat Name" -> "ThreatName".
  static std::string NormalizeName(std::string_view name);

 private:
  struct Entry {
    std::string_view name;  // Normalized; into the event's field name or into spaced_names_.
    std::size_t field;      // Index into event_->fields, or kJoinedData.
  };
  static constexpr std::size_t kJoinedData = static_cast<std::size_t>(-1);

  const evtx::Event* event_ = nullptr;
  std::vector<Entry> index_;  // Sorted by name, then by field index.
  // Normalized names of the fields whose name has a space; reserved up front so that the
  // string_views into it stay valid.
  std::string spaced_names_;
  // The unnamed Data[N] values joined, shown as `Data` (see above).
  std::string joined_data_;
};

}  // namespace kensa::hunt
