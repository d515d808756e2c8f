#include "event_builder.h"

#include <string>

#include "kensa/core/bytes.h"

namespace kensa::evtx::internal {

void EventBuilder::Reset(Event* event) {
  // Recycle the previous record's fields so their strings keep their capacity: allocation
  // was the largest cost per record.
  for (EventField& field : event->fields) spare_.push_back(std::move(field));
  event->fields.clear();
  event_ = event;
  depth_ = 0;
  unnamed_data_ = 0;
}

void EventBuilder::AddField(std::string_view name, std::string_view value) {
  if (event_->fields.size() >= limits_.max_fields_per_event) return;
  if (spare_.empty()) spare_.emplace_back();
  EventField& field = event_->fields.emplace_back(std::move(spare_.back()));
  spare_.pop_back();
  field.name.assign(name);
  field.value.assign(Utf8Prefix(value, limits_.max_string_bytes));
}

void EventBuilder::StartElement(std::string_view name) {
  if (depth_ > 0) frames_[depth_ - 1].has_children = true;
  if (frames_.size() <= depth_) frames_.emplace_back();
  Frame& frame = frames_[depth_++];
  frame.name.assign(name);
  frame.text.clear();
  frame.data_name.clear();
  frame.has_data_name = false;
  frame.has_children = false;
}

void EventBuilder::Attribute(std::string_view name, std::string_view value) {
  if (depth_ == 0) return;
  Frame& frame = frames_[depth_ - 1];
  if (frame.name == "Data" && name == "Name") {
    frame.data_name.assign(value);
    frame.has_data_name = true;
    return;
  }
  if (!InSystem()) return;
  if (frame.name == "TimeCreated" && name == "SystemTime") {
    AddField("TimeCreated", value);
    return;
  }
  std::string field = frame.name;
  field += '_';
  field += name;
  AddField(std::move(field), value);
}

void EventBuilder::Text(std::string_view text) {
  if (depth_ == 0) return;
  std::string& out = frames_[depth_ - 1].text;
  if (out.size() >= limits_.max_string_bytes) return;
  out.append(Utf8Prefix(text, limits_.max_string_bytes - out.size()));
}

void EventBuilder::EndElement() {
  if (depth_ == 0) return;
  const bool in_system = InSystem();
  --depth_;
  EmitLeaf(frames_[depth_], in_system);
}

void EventBuilder::RepeatElement() {
  if (depth_ == 0) return;
  const bool in_system = InSystem();
  Frame& frame = frames_[depth_ - 1];
  --depth_;  // the field is named as if the element had ended
  EmitLeaf(frame, in_system);
  ++depth_;
  frame.text.clear();
}

void EventBuilder::EmitLeaf(const Frame& frame, bool in_system) {
  if (frame.has_children) return;
  if (in_system) {
    if (!frame.text.empty()) AddField(frame.name, frame.text);
    return;
  }
  if (frame.name == "Data") {
    if (frame.has_data_name) {
      AddField(frame.data_name, frame.text);
    } else {
      AddField("Data[" + std::to_string(unnamed_data_++) + "]", frame.text);
    }
    return;
  }
  // Leaves of EventData, UserData and the rest; the root and section elements are not fields.
  if (depth_ >= 2) AddField(frame.name, frame.text);
}

}  // namespace kensa::evtx::internal
