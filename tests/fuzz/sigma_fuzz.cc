// libFuzzer target: Sigma rule parsing over arbitrary text. Seed it with SigmaHQ's rules
// (../shared/corpora/sigma/rules). ParseRule must return (rule or error) without crashing or
// hanging; size and nesting bounds are the library's (kMaxRuleBytes, kMaxNesting).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "kensa/sigma/rule_set.h"

namespace {

class EmptyEvent : public kensa::sigma::EventView {
 public:
  const std::string* Get(std::string_view field) const override {
    static_cast<void>(field);
    return nullptr;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto rules = kensa::sigma::RuleSet::ParseRule(text, "fuzz");
  if (!rules) return 0;
  if (rules->size() != 1) __builtin_trap();
  // A parsed rule must also evaluate without crashing.
  kensa::sigma::Match(*rules, EmptyEvent(), [](const kensa::sigma::Rule&) {});
  return 0;
}
