#pragma once
// Flattens the XML of one event record into Event::fields (naming rules in evtx_parser.h).

#include <string>
#include <string_view>
#include <vector>

#include "binxml_reader.h"
#include "kensa/evtx/evtx_parser.h"

namespace kensa::evtx::internal {

class EventBuilder final : public XmlSink {
 public:
  explicit EventBuilder(const EvtxLimits& limits) : limits_(limits) {}

  // Starts a new record; fields are appended to `event`, which must outlive the record.
  void Reset(Event* event);

  void StartElement(std::string_view name) override;
  void Attribute(std::string_view name, std::string_view value) override;
  void Text(std::string_view text) override;
  void EndElement() override;
  void RepeatElement() override;

 private:
  struct Frame {
    std::string name;
    std::string text;
    std::string data_name;  // the Name attribute of a <Data> element
    bool has_data_name = false;
    bool has_children = false;
  };

  void AddField(std::string_view name, std::string_view value);
  // Adds the field the innermost element stands for, if it is a leaf that names one.
  void EmitLeaf(const Frame& frame, bool in_system);
  bool InSystem() const { return depth_ == 3 && frames_[1].name == "System"; }

  const EvtxLimits& limits_;
  Event* event_ = nullptr;
  // Frames are reused across records to keep their string capacity; depth_ counts live ones.
  std::vector<Frame> frames_;
  std::size_t depth_ = 0;
  std::size_t unnamed_data_ = 0;
  std::vector<EventField> spare_;  // recycled fields, see Reset()
};

}  // namespace kensa::evtx::internal
