#pragma once
// EventView: what the Sigma engine needs from an event. The engine matches rules against flat
// events (field name -> value); the EVTX parser and any other log source adapt their records to
// this interface, so the engine never depends on a log format.

#include <functional>
#include <string>
#include <string_view>

namespace kensa::sigma {

// A flat event: field name -> value. Windows event logs use EventID, Channel, Provider_Name,
// Computer, and the EventData names (CommandLine, Image, ParentImage, TargetUserName, ...).
class EventView {
 public:
  virtual ~EventView() = default;
  // The value of `field`, or nullptr when the event has no such field. The pointer stays valid,
  // and the value unchanged, while the event lives (the engine caches by address).
  virtual const std::string* Get(std::string_view field) const = 0;
  // Calls `visit` for each field value, passing the same strings Get returns. Sigma keyword detections (strings searched in every
  // value) need it; an implementation that does not override it never matches a keyword rule.
  virtual void ForEachValue(const std::function<void(const std::string&)>& visit) const {
    static_cast<void>(visit);
  }
};

}  // namespace kensa::sigma
