#pragma once
// Compiled form of a Sigma rule's detection section, and its evaluation against an event.
// Internal to libs/sigma.

#include <cstddef>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kensa/core/status.h"
#include "kensa/sigma/event_view.h"

namespace kensa::sigma::internal {

// One value test of a field (after modifiers), e.g. "contains 'mimikatz'" or "re '...'".
struct ValueTest {
  enum class Kind { kGlob, kRegex, kNull, kExists, kNumber, kCidr, kFieldRef };
  enum class NumOp { kGt, kGte, kLt, kLte };
  enum class RefOp { kEquals, kContains, kStartsWith, kEndsWith };
  Kind kind = Kind::kGlob;
  bool cased = false;
  // kGlob: pattern with * and ? wildcards, lower case unless cased; escapes already resolved
  // into `literal` flags, one per pattern byte (true = byte is literal even if * or ?).
  std::string pattern;
  std::vector<bool> literal;
  bool has_wildcard = false;
  // Fast paths for the common shapes, decided at compile time: `core` is the pattern without
  // its leading/trailing star when the rest has no wildcard.
  enum class Shape { kExact, kContains, kPrefix, kSuffix, kGeneral };
  Shape shape = Shape::kExact;
  std::string core;
  std::shared_ptr<const std::regex> regex;  // kRegex
  bool exists = true;                        // kExists
  NumOp num_op = NumOp::kGt;                 // kNumber
  double number = 0;
  std::vector<unsigned char> network;        // kCidr: 4 or 16 bytes
  unsigned prefix_bits = 0;
  std::string ref_field;                     // kFieldRef
  RefOp ref_op = RefOp::kEquals;
};

// One "field|modifiers: values" entry. An empty field is a keyword search over all values.
struct FieldTest {
  std::string field;
  bool all = false;  // `all` modifier: every test must hold instead of one.
  std::vector<ValueTest> tests;
};

// A map of field tests (all must hold). A search identifier is a list of these (one must hold).
struct SearchMap {
  std::vector<FieldTest> fields;
};
struct Search {
  std::string name;
  std::vector<SearchMap> alternatives;
};

struct ConditionNode {
  enum class Kind { kSearch, kAnd, kOr, kNot, kOneOf, kAllOf };
  Kind kind = Kind::kSearch;
  std::size_t search = 0;             // kSearch
  std::vector<std::size_t> searches;  // kOneOf, kAllOf
  std::vector<std::unique_ptr<ConditionNode>> children;
};

struct Detection {
  std::vector<Search> searches;
  std::unique_ptr<ConditionNode> condition;
};

// Compiles "field|mod1|mod2" with its YAML values (already strings; nullopt = YAML null).
Result<FieldTest> CompileFieldTest(std::string_view key,
                                   const std::vector<std::optional<std::string>>& values);
// Parses a condition expression against the detection's search names.
Result<std::unique_ptr<ConditionNode>> ParseCondition(std::string_view text,
                                                      const std::vector<Search>& searches);
// Lower-cased event values, computed once per value while one event is matched against all
// rules (case-insensitive matching is the default). Keyed by the value's address, which
// EventView keeps stable while the event lives.
class LowerCache {
 public:
  const std::string& Lower(const std::string& value);

 private:
  std::unordered_map<const std::string*, std::string> values_;
};

bool Evaluate(const Detection& detection, const EventView& event, LowerCache* cache);

// Exposed for tests.
bool GlobMatch(const ValueTest& test, std::string_view value);
std::vector<std::string> Base64OffsetVariants(std::string_view value);

}  // namespace kensa::sigma::internal
