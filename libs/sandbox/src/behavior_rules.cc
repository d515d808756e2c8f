#include "behavior_rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <unordered_set>

#include "kensa/core/file.h"
#include "kensa/scoring/scoring_model.h"

namespace kensa::sandbox {
namespace {

using analysis::v1::Signature;

constexpr std::uint64_t kMaxRuleFileBytes = 4 * 1024 * 1024;
// The report shows a few pieces of evidence per signature; past this it is noise.
constexpr std::size_t kMaxEvidencePerSignature = 8;
// Evidence items per condition, so every part of a combination gets named.
constexpr std::size_t kMaxEvidencePerCondition = 3;
// libstdc++'s std::regex recurses per input character; sample-controlled text is matched on
// its first kMaxRegexInput bytes only so a long command line cannot exhaust the stack.
constexpr std::size_t kMaxRegexInput = 2048;
// Evidence text of one fact is cut here (a command line can be 32 KiB).
constexpr std::size_t kMaxEvidenceText = 400;

constexpr std::array<std::string_view, 9> kKindNames = {
    "file", "registry", "network", "process", "mutex", "service", "api", "memory", "dropped_file"};
constexpr std::array<std::string_view, 9> kEvidenceKinds = {
    "file_event",    "registry_event", "network_event",   "process_event", "mutex_event",
    "service_event", "api_call",       "executed_memory", "dropped_file"};

std::size_t Index(FactKind kind) { return static_cast<std::size_t>(kind); }

std::string Cut(std::string text) {
  if (text.size() > kMaxEvidenceText) {
    text.resize(kMaxEvidenceText);
    text += "...";
  }
  return text;
}

// "0x2710" or "10000" as a number; anything else (strings, "NULL") is 0.
std::uint64_t ParseNumber(std::string_view text) {
  std::uint64_t value = 0;
  int base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    text.remove_prefix(2);
    base = 16;
  }
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (error != std::errc() || end != text.data() + text.size()) return 0;
  return value;
}

template <typename Event>
void AddEvents(const google::protobuf::RepeatedPtrField<Event>& events, std::vector<Fact>* out) {
  out->reserve(static_cast<std::size_t>(events.size()));
  for (const Event& event : events) {
    Fact fact;
    fact.operation = AsciiLower(event.operation());
    fact.target = event.target();
    fact.details = event.details();
    fact.lower_target = AsciiLower(event.target());
    fact.lower_details = AsciiLower(event.details());
    fact.seq = event.api_seq();
    std::string text = event.operation() + " " + event.target();
    if (!event.details().empty()) text += " " + event.details();
    fact.evidence = Cut(std::move(text)) + " (api #" + std::to_string(event.api_seq()) + ")";
    out->push_back(std::move(fact));
  }
}

// Rules may name the sample itself (self-deletion, self-copy): {sample_path}, {sample_name}.
std::string ExpandPlaceholders(std::string needle, const BehaviorFacts& facts) {
  for (const auto& [placeholder, value] :
       {std::pair<std::string_view, std::string_view>{"{sample_path}", facts.lower_sample_path()},
        std::pair<std::string_view, std::string_view>{"{sample_name}",
                                                      facts.lower_sample_name()}}) {
    const std::size_t at = needle.find(placeholder);
    if (at != std::string::npos) needle.replace(at, placeholder.size(), value);
  }
  return needle;
}

bool ContainsAny(const std::string& lower_text, const std::vector<std::string>& needles,
                 const BehaviorFacts& facts) {
  for (const std::string& needle : needles) {
    if (needle.find('{') != std::string::npos) {
      if (lower_text.find(ExpandPlaceholders(needle, facts)) != std::string::npos) return true;
    } else if (lower_text.find(needle) != std::string::npos) {
      return true;
    }
  }
  return false;
}

bool RegexSearch(const std::string& text, const std::regex& regex) {
  const std::string_view input = std::string_view(text).substr(0, kMaxRegexInput);
  return std::regex_search(input.begin(), input.end(), regex);
}

bool Passes(const BehaviorCondition& c, const Fact& fact, const BehaviorFacts& facts) {
  if (!c.operations.empty() &&
      std::find(c.operations.begin(), c.operations.end(), fact.operation) == c.operations.end()) {
    return false;
  }
  if (!c.target_contains_any.empty() &&
      !ContainsAny(fact.lower_target, c.target_contains_any, facts)) {
    return false;
  }
  if (!c.details_contains_any.empty() &&
      !ContainsAny(fact.lower_details, c.details_contains_any, facts)) {
    return false;
  }
  if (!c.text_contains_any.empty() && !ContainsAny(fact.lower_target, c.text_contains_any, facts) &&
      !ContainsAny(fact.lower_details, c.text_contains_any, facts)) {
    return false;
  }
  if (!c.target_not_contains_any.empty() &&
      ContainsAny(fact.lower_target, c.target_not_contains_any, facts)) {
    return false;
  }
  if (c.target_regex && !RegexSearch(fact.target, *c.target_regex)) return false;
  if (c.details_regex && !RegexSearch(fact.details, *c.details_regex)) return false;
  if (c.text_regex && !RegexSearch(fact.target, *c.text_regex) &&
      !RegexSearch(fact.details, *c.text_regex)) {
    return false;
  }
  if (c.target_not_regex && RegexSearch(fact.target, *c.target_not_regex)) return false;
  if (c.arg_at_least) {
    if (c.arg_at_least->index >= fact.numeric_args.size() ||
        fact.numeric_args[c.arg_at_least->index] < c.arg_at_least->at_least) {
      return false;
    }
  }
  if (c.is_pe && fact.is_pe != *c.is_pe) return false;
  if (c.executed && fact.executed != *c.executed) return false;
  if (c.downloaded && fact.downloaded != *c.downloaded) return false;
  return true;
}

// The facts that pass every filter but names_all, in their recorded order.
std::vector<const Fact*> Matching(const BehaviorCondition& condition, const BehaviorFacts& facts) {
  std::vector<const Fact*> out;
  for (const Fact& fact : facts.Of(condition.kind)) {
    if (Passes(condition, fact, facts)) out.push_back(&fact);
  }
  return out;
}

// Whether `condition` holds; the facts that show it go to `shown`.
bool Holds(const BehaviorCondition& condition, const BehaviorFacts& facts,
           std::vector<const Fact*>* shown, std::size_t* matched_count) {
  const std::vector<const Fact*> matches = Matching(condition, facts);
  if (!condition.names_all.empty()) {
    for (const std::string& name : condition.names_all) {
      const auto it = std::find_if(matches.begin(), matches.end(),
                                   [&](const Fact* fact) { return fact->operation == name; });
      if (it == matches.end()) return false;
      shown->push_back(*it);
    }
    *matched_count = matches.size();
    return true;
  }
  std::size_t count = matches.size();
  if (condition.distinct_targets) {
    std::unordered_set<std::string> targets;
    for (const Fact* fact : matches) targets.insert(fact->lower_target);
    count = targets.size();
  }
  if (count < condition.min_count || matches.empty()) return false;
  for (std::size_t i = 0; i < matches.size() && i < kMaxEvidencePerCondition; ++i)
    shown->push_back(matches[i]);
  *matched_count = count;
  return true;
}

void AddEvidence(Signature* signature, const std::string& kind, const std::string& value) {
  if (static_cast<std::size_t>(signature->evidence_size()) >= kMaxEvidencePerSignature) return;
  for (const auto& existing : signature->evidence()) {
    if (existing.kind() == kind && existing.value() == value) return;
  }
  auto* evidence = signature->add_evidence();
  evidence->set_kind(kind);
  evidence->set_value(value);
}

void AddShown(Signature* signature, FactKind kind, const std::vector<const Fact*>& shown,
              std::size_t count, bool distinct) {
  for (const Fact* fact : shown)
    AddEvidence(signature, std::string(kEvidenceKinds[Index(kind)]), fact->evidence);
  if (count > shown.size()) {
    AddEvidence(signature, "count",
                std::to_string(count) + (distinct ? " different " : " ") +
                    std::string(kKindNames[Index(kind)]) +
                    (kind == FactKind::kApi ? " calls" : " facts") + " matched");
  }
}

bool EvaluateRule(const BehaviorRule& rule, const BehaviorFacts& facts, Signature* signature) {
  for (const BehaviorCondition& condition : rule.none) {
    std::vector<const Fact*> ignored;
    std::size_t count = 0;
    if (Holds(condition, facts, &ignored, &count)) return false;
  }
  for (const BehaviorCondition& condition : rule.all) {
    std::vector<const Fact*> shown;
    std::size_t count = 0;
    if (!Holds(condition, facts, &shown, &count)) return false;
    AddShown(signature, condition.kind, shown, count, condition.distinct_targets);
  }
  if (!rule.any.empty()) {
    bool any = false;
    for (const BehaviorCondition& condition : rule.any) {
      std::vector<const Fact*> shown;
      std::size_t count = 0;
      if (!Holds(condition, facts, &shown, &count)) continue;
      any = true;
      AddShown(signature, condition.kind, shown, count, condition.distinct_targets);
    }
    if (!any) return false;
  }
  if (!rule.sequence.empty()) {
    // Earliest-first is optimal for "A then B then C": taking the first A that works leaves
    // the most room for the rest.
    std::uint64_t after = 0;
    std::vector<std::pair<FactKind, const Fact*>> chosen;
    for (const BehaviorCondition& step : rule.sequence) {
      const Fact* next = nullptr;
      for (const Fact* fact : Matching(step, facts)) {
        if (fact->seq > after && (next == nullptr || fact->seq < next->seq)) next = fact;
      }
      if (next == nullptr) return false;
      after = next->seq;
      chosen.emplace_back(step.kind, next);
    }
    for (const auto& [kind, fact] : chosen) {
      AddEvidence(signature, std::string(kEvidenceKinds[Index(kind)]), fact->evidence);
    }
  }
  return true;
}

// ---- parsing ----

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node.IsDefined() || node.IsNull()) return out;
  if (node.IsSequence()) {
    for (const auto& item : node) out.push_back(item.as<std::string>());
  } else {
    out.push_back(node.as<std::string>());
  }
  return out;
}

std::vector<std::string> LowerList(const YAML::Node& node) {
  std::vector<std::string> out = StringList(node);
  for (auto& text : out) text = AsciiLower(text);
  return out;
}

Result<std::shared_ptr<const std::regex>> CompileRegex(const YAML::Node& node,
                                                       const std::string& key) {
  if (!node.IsDefined()) return std::shared_ptr<const std::regex>();
  const std::string pattern = node.as<std::string>();
  try {
    return std::make_shared<const std::regex>(
        pattern, std::regex::ECMAScript | std::regex::icase | std::regex::optimize);
  } catch (const std::regex_error& error) {
    return InvalidArgumentError(key + " '" + pattern +
                                "' is not a valid regular expression: " + error.what());
  }
}

const std::set<std::string>& ConditionKeys() {
  static const std::set<std::string> keys = {"kind",
                                             "operation",
                                             "names_any",
                                             "names_all",
                                             "target_contains_any",
                                             "details_contains_any",
                                             "text_contains_any",
                                             "target_not_contains_any",
                                             "target_regex",
                                             "details_regex",
                                             "text_regex",
                                             "target_not_regex",
                                             "arg_at_least",
                                             "pe",
                                             "executed",
                                             "downloaded",
                                             "min_count",
                                             "distinct_targets"};
  return keys;
}

Result<BehaviorCondition> ParseCondition(const YAML::Node& node, bool in_sequence) {
  if (!node.IsMap()) return InvalidArgumentError("a condition must be a map");
  for (const auto& entry : node) {
    const std::string key = entry.first.as<std::string>();
    if (!ConditionKeys().contains(key))
      return InvalidArgumentError("unknown condition key '" + key + "'");
  }
  BehaviorCondition c;
  const std::string kind = node["kind"].as<std::string>("");
  const auto it = std::find(kKindNames.begin(), kKindNames.end(), kind);
  if (it == kKindNames.end()) {
    return InvalidArgumentError(
        "condition kind '" + kind +
        "' is not one of file, registry, network, process, mutex, service, api, "
        "memory, dropped_file");
  }
  c.kind = static_cast<FactKind>(it - kKindNames.begin());
  const bool is_api = c.kind == FactKind::kApi;
  for (const auto& name : StringList(node["operation"])) {
    c.operations.push_back(is_api ? NormalizeApiName(name) : AsciiLower(name));
  }
  for (const auto& name : StringList(node["names_any"]))
    c.operations.push_back(NormalizeApiName(name));
  for (const auto& name : StringList(node["names_all"]))
    c.names_all.push_back(NormalizeApiName(name));
  if (!is_api && (node["names_any"].IsDefined() || node["names_all"].IsDefined() ||
                  node["arg_at_least"].IsDefined())) {
    return InvalidArgumentError("names_any, names_all and arg_at_least apply to kind api only");
  }
  const bool is_dropped = c.kind == FactKind::kDroppedFile;
  if (!is_dropped &&
      (node["pe"].IsDefined() || node["executed"].IsDefined() || node["downloaded"].IsDefined())) {
    return InvalidArgumentError("pe, executed and downloaded apply to kind dropped_file only");
  }
  if (in_sequence && (c.kind == FactKind::kMemory || is_dropped)) {
    return InvalidArgumentError(
        "a sequence step must be an event or an api call (they have an order)");
  }
  c.target_contains_any = LowerList(node["target_contains_any"]);
  c.details_contains_any = LowerList(node["details_contains_any"]);
  c.text_contains_any = LowerList(node["text_contains_any"]);
  c.target_not_contains_any = LowerList(node["target_not_contains_any"]);
  KENSA_ASSIGN_OR_RETURN(c.target_regex, CompileRegex(node["target_regex"], "target_regex"));
  KENSA_ASSIGN_OR_RETURN(c.details_regex, CompileRegex(node["details_regex"], "details_regex"));
  KENSA_ASSIGN_OR_RETURN(c.text_regex, CompileRegex(node["text_regex"], "text_regex"));
  KENSA_ASSIGN_OR_RETURN(c.target_not_regex,
                         CompileRegex(node["target_not_regex"], "target_not_regex"));
  if (const YAML::Node arg = node["arg_at_least"]; arg.IsDefined()) {
    if (!arg.IsMap() || !arg["index"].IsDefined() || !arg["value"].IsDefined()) {
      return InvalidArgumentError("arg_at_least needs index and value");
    }
    c.arg_at_least =
        NumericArgCondition{arg["index"].as<std::size_t>(), arg["value"].as<std::uint64_t>()};
  }
  if (node["pe"].IsDefined()) c.is_pe = node["pe"].as<bool>();
  if (node["executed"].IsDefined()) c.executed = node["executed"].as<bool>();
  if (node["downloaded"].IsDefined()) c.downloaded = node["downloaded"].as<bool>();
  const long long min_count = node["min_count"].as<long long>(1);
  if (min_count < 1) return InvalidArgumentError("min_count must be 1 or more");
  c.min_count = static_cast<std::size_t>(min_count);
  c.distinct_targets = node["distinct_targets"].as<bool>(false);
  return c;
}

Result<std::vector<BehaviorCondition>> ParseConditions(const YAML::Node& node,
                                                       const std::string& key, bool in_sequence) {
  std::vector<BehaviorCondition> out;
  if (!node.IsDefined()) return out;
  if (!node.IsSequence() || node.size() == 0)
    return InvalidArgumentError("'" + key + "' must be a non-empty list");
  for (std::size_t i = 0; i < node.size(); ++i) {
    auto condition = ParseCondition(node[i], in_sequence);
    if (!condition) {
      return InvalidArgumentError(key + "[" + std::to_string(i) +
                                  "]: " + condition.error().message());
    }
    out.push_back(std::move(*condition));
  }
  return out;
}

Result<BehaviorRule> ParseRule(const YAML::Node& node) {
  BehaviorRule rule;
  Signature& signature = rule.signature;
  signature.set_name(node["name"].as<std::string>(""));
  if (signature.name().empty()) return InvalidArgumentError("a rule has no name");
  const std::string context = "rule '" + signature.name() + "': ";
  try {
    signature.set_description(node["description"].as<std::string>(""));
    signature.set_description_ja(node["description_ja"].as<std::string>(""));
    if (signature.description().empty())
      return InvalidArgumentError(context + "description is required");
    if (signature.description_ja().empty())
      return InvalidArgumentError(context + "description_ja is required");
    auto severity = scoring::ParseSeverity(node["severity"].as<std::string>(""));
    if (!severity) return InvalidArgumentError(context + severity.error().message());
    signature.set_severity(*severity);
    for (const auto& technique : StringList(node["attack"])) {
      if (technique.size() < 5 || technique[0] != 'T') {
        return InvalidArgumentError(context + "'" + technique +
                                    "' is not an ATT&CK technique id (T1055, T1547.001)");
      }
      signature.add_attack_techniques(technique);
    }
    for (const auto& type : StringList(node["malware_types"])) signature.add_malware_types(type);
    signature.set_family(node["family"].as<std::string>(""));
    signature.set_source("behavior");

    const YAML::Node match = node["match"];
    if (!match.IsMap()) return InvalidArgumentError(context + "'match' must be a map");
    for (const auto& entry : match) {
      const std::string key = entry.first.as<std::string>();
      if (key != "all" && key != "any" && key != "sequence" && key != "none") {
        return InvalidArgumentError(context + "unknown match key '" + key +
                                    "' (all, any, sequence, none)");
      }
    }
    auto all = ParseConditions(match["all"], "all", false);
    if (!all) return InvalidArgumentError(context + all.error().message());
    auto any = ParseConditions(match["any"], "any", false);
    if (!any) return InvalidArgumentError(context + any.error().message());
    auto sequence = ParseConditions(match["sequence"], "sequence", true);
    if (!sequence) return InvalidArgumentError(context + sequence.error().message());
    auto none = ParseConditions(match["none"], "none", false);
    if (!none) return InvalidArgumentError(context + none.error().message());
    rule.all = std::move(*all);
    rule.any = std::move(*any);
    rule.sequence = std::move(*sequence);
    rule.none = std::move(*none);
    if (rule.all.empty() && rule.any.empty() && rule.sequence.empty()) {
      return InvalidArgumentError(context + "'match' needs all, any or sequence");
    }
  } catch (const YAML::Exception& error) {
    return InvalidArgumentError(context + error.what());
  }
  return rule;
}

}  // namespace

std::string NormalizeApiName(std::string_view name) {
  std::string out = AsciiLower(name);
  // ANSI/Unicode pairs (CreateProcessA/W) are one function to a rule; "WSAStartup" or
  // "NtQueryInformationProcess" keep their last letter (no lower-case letter before A/W).
  if (name.size() > 2 && (name.back() == 'A' || name.back() == 'W') &&
      name[name.size() - 2] >= 'a' && name[name.size() - 2] <= 'z') {
    out.pop_back();
  }
  return out;
}

BehaviorFacts::BehaviorFacts(const analysis::v1::BehaviorResult& behavior,
                             const std::vector<ByteSpan>& dropped_contents,
                             const std::string& sample_path)
    : lower_sample_path_(AsciiLower(sample_path)) {
  const std::size_t slash = lower_sample_path_.find_last_of("\\/");
  lower_sample_name_ =
      slash == std::string::npos ? lower_sample_path_ : lower_sample_path_.substr(slash + 1);

  AddEvents(behavior.file_events(), &facts_[Index(FactKind::kFile)]);
  AddEvents(behavior.registry_events(), &facts_[Index(FactKind::kRegistry)]);
  AddEvents(behavior.network_events(), &facts_[Index(FactKind::kNetwork)]);
  AddEvents(behavior.process_events(), &facts_[Index(FactKind::kProcess)]);
  AddEvents(behavior.mutex_events(), &facts_[Index(FactKind::kMutex)]);
  AddEvents(behavior.service_events(), &facts_[Index(FactKind::kService)]);

  auto& apis = facts_[Index(FactKind::kApi)];
  apis.reserve(static_cast<std::size_t>(behavior.api_calls_size()));
  for (const auto& call : behavior.api_calls()) {
    Fact fact;
    fact.operation = NormalizeApiName(call.name());
    std::string args;
    for (const auto& arg : call.args()) {
      if (!args.empty()) args += ", ";
      args += arg;
      fact.numeric_args.push_back(ParseNumber(arg));
    }
    fact.target = args;
    fact.lower_target = AsciiLower(args);
    fact.seq = call.seq();
    fact.evidence = Cut(call.module() + "!" + call.name() + "(" + args + ")") + " (api #" +
                    std::to_string(call.seq()) + ")";
    apis.push_back(std::move(fact));
  }

  for (const auto& region : behavior.executed_memory_regions()) {
    Fact fact;
    fact.target = "memory_" + HexNumber(region.address());
    fact.lower_target = fact.target;
    fact.details = region.found_by();
    fact.lower_details = AsciiLower(region.found_by());
    fact.evidence = fact.target + " " + std::to_string(region.size()) +
                    " bytes sha256=" + region.sha256() + " (" + region.found_by() + ")";
    facts_[Index(FactKind::kMemory)].push_back(std::move(fact));
  }

  const auto& files = facts_[Index(FactKind::kFile)];
  const auto& processes = facts_[Index(FactKind::kProcess)];
  const auto& network = facts_[Index(FactKind::kNetwork)];
  for (int i = 0; i < behavior.dropped_files_size(); ++i) {
    const auto& dropped = behavior.dropped_files(i);
    Fact fact;
    fact.target = dropped.path();
    fact.lower_target = AsciiLower(dropped.path());
    const std::size_t index = static_cast<std::size_t>(i);
    if (index < dropped_contents.size()) {
      const ByteSpan content = dropped_contents[index];
      fact.is_pe = content.size() >= 2 && content[0] == 'M' && content[1] == 'Z';
    }
    // When it was written: the first file event on its path (copy and move name the target).
    std::uint64_t written_at = 0;
    for (const Fact& event : files) {
      if (event.lower_target != fact.lower_target || event.lower_details.starts_with("failed"))
        continue;
      if (event.operation == "create" || event.operation == "write" || event.operation == "copy" ||
          event.operation == "move") {
        if (written_at == 0 || event.seq < written_at) written_at = event.seq;
        if (event.lower_details.starts_with("download from")) fact.downloaded = true;
      }
    }
    for (const Fact& event : network) {
      if (event.operation == "download" && event.lower_details == "to " + fact.lower_target)
        fact.downloaded = true;
    }
    // Run later: a process started whose command line names the file (its path, or its
    // name when started from its own folder).
    const std::size_t last_separator = fact.lower_target.find_last_of('\\');
    const std::string name = last_separator == std::string::npos
                                 ? fact.lower_target
                                 : fact.lower_target.substr(last_separator + 1);
    for (const Fact& event : processes) {
      if (event.operation != "create" && event.operation != "shell_execute") continue;
      if (event.seq < written_at) continue;
      if (event.lower_target.find(fact.lower_target) != std::string::npos ||
          (!name.empty() && event.lower_target.find(name) != std::string::npos)) {
        fact.executed = true;
        fact.seq = event.seq;
        fact.evidence = dropped.path() + " started by " + event.evidence;
        break;
      }
    }
    if (fact.evidence.empty()) {
      fact.seq = written_at;
      fact.evidence = dropped.path() + " " + std::to_string(dropped.size()) +
                      " bytes sha256=" + dropped.sha256();
      if (written_at != 0) fact.evidence += " (api #" + std::to_string(written_at) + ")";
    }
    facts_[Index(FactKind::kDroppedFile)].push_back(std::move(fact));
  }
}

Result<BehaviorRules> BehaviorRules::Parse(std::string_view yaml_text, const std::string& origin) {
  BehaviorRules rules;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    const YAML::Node list = root["signatures"];
    if (!list.IsSequence())
      return InvalidArgumentError(origin + ": a 'signatures' list is required");
    std::set<std::string> names;
    for (const auto& node : list) {
      auto rule = ParseRule(node);
      if (!rule) return InvalidArgumentError(origin + ": " + rule.error().message());
      if (!names.insert(rule->signature.name()).second) {
        return InvalidArgumentError(origin + ": duplicate rule name '" + rule->signature.name() +
                                    "'");
      }
      rules.rules_.push_back(std::move(*rule));
    }
  } catch (const YAML::Exception& error) {
    return InvalidArgumentError(origin + ": " + error.what());
  }
  return rules;
}

Result<BehaviorRules> BehaviorRules::LoadDirectory(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code error;
  if (!std::filesystem::is_directory(directory, error)) {
    return NotFoundError("behaviour rules directory " + directory + " does not exist");
  }
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    if (it->path().extension() == ".yaml") files.push_back(it->path().string());
  }
  if (error)
    return NotFoundError("behaviour rules directory " + directory + ": " + error.message());
  std::sort(files.begin(), files.end());
  BehaviorRules all;
  std::set<std::string> names;
  for (const auto& file : files) {
    KENSA_ASSIGN_OR_RETURN(Bytes text, ReadFileBounded(file, kMaxRuleFileBytes));
    KENSA_ASSIGN_OR_RETURN(
        BehaviorRules rules,
        Parse(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), file));
    for (auto& rule : rules.rules_) {
      if (!names.insert(rule.signature.name()).second) {
        return InvalidArgumentError(file + ": rule name '" + rule.signature.name() +
                                    "' is used twice");
      }
      all.rules_.push_back(std::move(rule));
    }
  }
  return all;
}

std::vector<Signature> BehaviorRules::Evaluate(const BehaviorFacts& facts) const {
  std::vector<Signature> out;
  for (const BehaviorRule& rule : rules_) {
    Signature signature = rule.signature;
    if (EvaluateRule(rule, facts, &signature)) out.push_back(std::move(signature));
  }
  return out;
}

}  // namespace kensa::sandbox
