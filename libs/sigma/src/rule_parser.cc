// Sigma rule YAML -> Rule (Sigma specification, "Sigma Rules Specification": the top-level
// attributes, logsource and detection). yaml-cpp throws; this file is the edge that catches.

#include "rule_parser.h"

#include <yaml-cpp/yaml.h>

#include <optional>
#include <utility>
#include <vector>

#include "detection.h"

namespace kensa::sigma::internal {
namespace {

// yaml-cpp parses recursively; deeper text could exhaust the stack. Real rules nest < 10.
constexpr int kMaxNesting = 64;
// Aliases let a small text expand into a huge tree; bounds the items walked in a detection.
constexpr std::size_t kMaxDetectionItems = 100000;

// Conservative estimate of YAML nesting without parsing: block indentation columns, block
// indicators on one line ("- - - x"), and flow brackets that open a collection (outside quotes).
bool NestingWithinLimit(std::string_view text) {
  int flow_depth = 0;
  std::size_t line_start = 0;
  while (line_start <= text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    const std::string_view line = text.substr(line_start, line_end - line_start);
    std::size_t indent = 0;
    while (indent < line.size() && line[indent] == ' ') ++indent;
    int indicators = 0;
    char quote = 0;
    char previous = ' ';  // Last non-space character before the current one on this line.
    for (std::size_t i = indent; i < line.size(); ++i) {
      const char c = line[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
        continue;
      }
      if (c == '#' && (i == 0 || line[i - 1] == ' ')) break;
      const bool starts_value = previous == ' ' || previous == '-' || previous == ':' ||
                                previous == ',' || previous == '[' || previous == '{' ||
                                previous == '?';
      if ((c == '\'' || c == '"') && starts_value) {
        quote = c;
      } else if ((c == '[' || c == '{') && starts_value) {
        ++flow_depth;
      } else if ((c == ']' || c == '}') && flow_depth > 0) {
        --flow_depth;
      } else if ((c == '-' || c == '?' || c == ':') &&
                 (i + 1 == line.size() || line[i + 1] == ' ')) {
        ++indicators;
      }
      if (c != ' ') previous = c;
      if (flow_depth > kMaxNesting) return false;
    }
    // Each nesting level needs at least one more column of indentation or one more indicator.
    if (indicators > kMaxNesting || indent > 4 * static_cast<std::size_t>(kMaxNesting)) {
      return false;
    }
    if (line_end == text.size()) break;
    line_start = line_end + 1;
  }
  return true;
}

// True when a document marker ("---" or "...", YAML 1.2 section 9.1) follows content, that is,
// when the stream holds more than one document.
bool HasSecondDocument(std::string_view text) {
  bool seen_content = false;
  std::size_t line_start = 0;
  while (line_start < text.size()) {
    std::size_t line_end = text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(line_start, line_end - line_start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool marker = (line.rfind("---", 0) == 0 || line.rfind("...", 0) == 0) &&
                        (line.size() == 3 || line[3] == ' ' || line[3] == '\t');
    if (marker && seen_content) return true;
    const std::size_t first = line.find_first_not_of(" \t");
    if (!marker && first != std::string_view::npos && line[first] != '#' && line[0] != '%') {
      seen_content = true;
    }
    line_start = line_end + 1;
  }
  return false;
}

std::string ScalarOr(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

Result<std::vector<std::optional<std::string>>> ReadValues(const YAML::Node& node,
                                                           std::size_t* budget) {
  std::vector<std::optional<std::string>> values;
  const auto read_one = [&](const YAML::Node& item) -> Status {
    if (*budget == 0) return ResourceExhaustedError("detection has too many values");
    --*budget;
    if (item.IsNull()) {
      values.emplace_back(std::nullopt);
    } else if (item.IsScalar()) {
      values.emplace_back(item.Scalar());
    } else {
      return UnimplementedError("nested collection as a field value");
    }
    return Status::Ok();
  };
  if (node.IsSequence()) {
    for (const YAML::Node& item : node) KENSA_RETURN_IF_ERROR(read_one(item));
    if (values.empty()) return InvalidArgumentError("empty value list");
  } else {
    KENSA_RETURN_IF_ERROR(read_one(node));
  }
  return values;
}

Result<SearchMap> ReadSearchMap(const YAML::Node& node, std::size_t* budget) {
  SearchMap map;
  for (const auto& kv : node) {
    if (!kv.first.IsScalar()) return InvalidArgumentError("non-scalar field name");
    const std::string key = kv.first.Scalar();
    KENSA_ASSIGN_OR_RETURN(auto values, ReadValues(kv.second, budget));
    auto field = CompileFieldTest(key, values);
    if (!field) {
      return Status(field.error().code(), "field '" + key + "': " + field.error().message());
    }
    map.fields.push_back(std::move(*field));
  }
  if (map.fields.empty()) return InvalidArgumentError("empty search map");
  return map;
}

// Plain strings (keywords) are searched in every value of the event.
Result<SearchMap> ReadKeywords(const std::vector<std::optional<std::string>>& values) {
  for (const auto& value : values) {
    if (!value) return InvalidArgumentError("null keyword");
  }
  SearchMap map;
  KENSA_ASSIGN_OR_RETURN(FieldTest field, CompileFieldTest("", values));
  map.fields.push_back(std::move(field));
  return map;
}

Result<Search> ReadSearch(const std::string& name, const YAML::Node& node, std::size_t* budget) {
  Search search;
  search.name = name;
  if (node.IsMap()) {
    KENSA_ASSIGN_OR_RETURN(SearchMap map, ReadSearchMap(node, budget));
    search.alternatives.push_back(std::move(map));
  } else if (node.IsSequence()) {
    std::vector<std::optional<std::string>> keywords;
    for (const YAML::Node& item : node) {
      if (*budget == 0) return ResourceExhaustedError("detection has too many items");
      --*budget;
      if (item.IsMap()) {
        KENSA_ASSIGN_OR_RETURN(SearchMap map, ReadSearchMap(item, budget));
        search.alternatives.push_back(std::move(map));
      } else if (item.IsScalar()) {
        keywords.emplace_back(item.Scalar());
      } else {
        return UnimplementedError("search '" + name + "' has a nested list");
      }
    }
    if (!keywords.empty()) {
      KENSA_ASSIGN_OR_RETURN(SearchMap map, ReadKeywords(keywords));
      search.alternatives.push_back(std::move(map));
    }
  } else if (node.IsScalar()) {
    KENSA_ASSIGN_OR_RETURN(SearchMap map, ReadKeywords({node.Scalar()}));
    search.alternatives.push_back(std::move(map));
  } else {
    return InvalidArgumentError("search '" + name + "' is empty");
  }
  if (search.alternatives.empty()) return InvalidArgumentError("search '" + name + "' is empty");
  return search;
}

Status ParseDocument(const YAML::Node& root, const LogsourceMap& logsources, Rule* rule) {
  if (!root.IsMap()) return InvalidArgumentError("rule is not a YAML map");
  rule->id = ScalarOr(root, "id");
  if (root["correlation"]) return UnimplementedError("correlation rule");
  if (root["filter"] && !root["detection"]) return UnimplementedError("filter rule");
  rule->title = ScalarOr(root, "title");
  rule->title_ja = ScalarOr(root, "title_ja");
  rule->level = ScalarOr(root, "level");
  rule->status = ScalarOr(root, "status");
  if (const YAML::Node tags = root["tags"]; tags && tags.IsSequence()) {
    for (const YAML::Node& tag : tags) {
      if (tag.IsScalar()) rule->tags.push_back(tag.Scalar());
    }
  }
  const YAML::Node logsource = root["logsource"];
  if (!logsource || !logsource.IsMap()) return InvalidArgumentError("no logsource map");
  rule->logsource.product = ScalarOr(logsource, "product");
  rule->logsource.category = ScalarOr(logsource, "category");
  rule->logsource.service = ScalarOr(logsource, "service");
  if (const auto* sources = logsources.Find(rule->logsource.product, rule->logsource.category,
                                            rule->logsource.service)) {
    rule->sources = *sources;
  }

  const YAML::Node detection_node = root["detection"];
  if (!detection_node || !detection_node.IsMap()) return InvalidArgumentError("no detection map");
  auto detection = std::make_shared<Detection>();
  std::string condition;
  std::size_t budget = kMaxDetectionItems;
  for (const auto& kv : detection_node) {
    if (!kv.first.IsScalar()) return InvalidArgumentError("non-scalar search name");
    const std::string name = kv.first.Scalar();
    if (name == "condition") {
      if (kv.second.IsScalar()) {
        condition = kv.second.Scalar();
      } else if (kv.second.IsSequence()) {
        // A list of conditions means any of them (deprecated form).
        for (const YAML::Node& item : kv.second) {
          if (!item.IsScalar()) return InvalidArgumentError("condition list item not a string");
          condition += (condition.empty() ? "(" : " or (") + item.Scalar() + ")";
        }
      }
      continue;
    }
    if (name == "timeframe") continue;  // Only meaningful with aggregations, rejected below.
    auto search = ReadSearch(name, kv.second, &budget);
    if (!search) {
      return Status(search.error().code(),
                    "search '" + name + "': " + search.error().message());
    }
    detection->searches.push_back(std::move(*search));
  }
  if (condition.empty()) return InvalidArgumentError("no condition");
  auto parsed = ParseCondition(condition, detection->searches);
  if (!parsed) {
    return Status(parsed.error().code(), "condition: " + parsed.error().message());
  }
  detection->condition = std::move(*parsed);
  rule->detection = std::move(detection);
  return Status::Ok();
}

}  // namespace

Status ParseRuleText(std::string_view yaml, const std::string& origin,
                     const LogsourceMap& logsources, Rule* rule) {
  rule->origin = origin;
  if (yaml.size() > kMaxRuleBytes) return ResourceExhaustedError("rule text too large");
  if (!NestingWithinLimit(yaml)) return ResourceExhaustedError("rule nests too deeply");
  // YAML 1.2 section 5.1: a stream holds printable characters only, of the C0 controls just
  // tab, LF and CR; refused here rather than left to yaml-cpp's error handling.
  for (char c : yaml) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t' && c != '\n' && c != '\r') || u == 0x7F) {
      return InvalidArgumentError("rule text has a control character (YAML 1.2 section 5.1)");
    }
  }
  try {
    // YAML::LoadAll never returns on a stream starting with ',' (yaml-cpp 0.7, found by
    // tests/fuzz/sigma_fuzz); Load reads the first document only, so a second one is found in
    // the text instead.
    const YAML::Node root = YAML::Load(std::string(yaml));
    if (!root || root.IsNull()) return InvalidArgumentError("empty rule file");
    if (HasSecondDocument(yaml)) {
      if (root.IsMap()) rule->id = ScalarOr(root, "id");
      return UnimplementedError("multi-document rule collection");
    }
    return ParseDocument(root, logsources, rule);
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("YAML: ") + e.what());
  }
}

}  // namespace kensa::sigma::internal
