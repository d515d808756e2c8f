#pragma once
// A map-backed EventView for tests.

#include <map>
#include <string>
#include <string_view>

#include "kensa/sigma/event_view.h"

namespace kensa::sigma {

class MapEventView : public EventView {
 public:
  explicit MapEventView(std::map<std::string, std::string, std::less<>> fields)
      : fields_(std::move(fields)) {}
  const std::string* Get(std::string_view field) const override {
    auto it = fields_.find(field);
    return it == fields_.end() ? nullptr : &it->second;
  }
  void ForEachValue(const std::function<void(const std::string&)>& visit) const override {
    for (const auto& [name, value] : fields_) visit(value);
  }

 private:
  std::map<std::string, std::string, std::less<>> fields_;
};

}  // namespace kensa::sigma
