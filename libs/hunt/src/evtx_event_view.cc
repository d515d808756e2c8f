#include "kensa/hunt/evtx_event_view.h"

#include <algorithm>

namespace kensa::hunt {

void EvtxEventView::Reset(const evtx::Event& event) {
  event_ = &event;
  index_.clear();
  spaced_names_.clear();
  std::size_t spaced_bytes = 0;
  for (const evtx::EventField& field : event.fields) {
    if (field.name.find(' ') != std::string::npos) spaced_bytes += field.name.size();
  }
  // Reserved once, so that appending never moves the names already viewed.
  spaced_names_.reserve(spaced_bytes);
  index_.reserve(event.fields.size());
  for (std::size_t i = 0; i < event.fields.size(); ++i) {
    const std::string& name = event.fields[i].name;
    if (name.find(' ') == std::string::npos) {
      index_.push_back({name, i});
      continue;
    }
    const std::size_t start = spaced_names_.size();
    for (char c : name) {
      if (c != ' ') spaced_names_.push_back(c);
    }
    index_.push_back(
        {std::string_view(spaced_names_).substr(start, spaced_names_.size() - start), i});
  }
  joined_data_.clear();
  bool has_named_data = false, has_unnamed_data = false;
  for (const evtx::EventField& field : event.fields) {
    if (field.name == "Data") has_named_data = true;
    if (!field.name.starts_with("Data[")) continue;
    if (has_unnamed_data) joined_data_.push_back('\n');
    joined_data_.append(field.value);
    has_unnamed_data = true;
  }
  if (has_unnamed_data && !has_named_data) index_.push_back({"Data", kJoinedData});
  // Ties keep document order, so the first field of a name is found first.
  std::sort(index_.begin(), index_.end(), [](const Entry& a, const Entry& b) {
    return a.name != b.name ? a.name < b.name : a.field < b.field;
  });
}

const std::string* EvtxEventView::Get(std::string_view field) const {
  if (event_ == nullptr) return nullptr;
  auto it = std::lower_bound(index_.begin(), index_.end(), field,
                             [](const Entry& entry, std::string_view key) {
                               return entry.name < key;
                             });
  if (it == index_.end() || it->name != field) return nullptr;
  if (it->field == kJoinedData) return &joined_data_;
  return &event_->fields[it->field].value;
}

void EvtxEventView::ForEachValue(const std::function<void(const std::string&)>& visit) const {
  if (event_ == nullptr) return;
  for (const evtx::EventField& field : event_->fields) visit(field.value);
}

std::string EvtxEventView::NormalizeName(std::string_view name) {
  std::string normalized;
  normalized.reserve(name.size());
  for (char c : name) {
    if (c != ' ') normalized.push_back(c);
  }
  return normalized;
}

}  // namespace kensa::hunt
