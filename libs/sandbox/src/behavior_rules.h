#pragma once
// Behaviour signatures as data (rules/behavior/*.yaml, format in rules/behavior/README.md):
// conditions over a BehaviorResult (events, API calls, dropped files, executed memory) that
// turn into Signatures with ATT&CK techniques and evidence naming the events that matched.
//
//   KENSA_ASSIGN_OR_RETURN(BehaviorRules rules, BehaviorRules::LoadDirectory("rules/behavior"));
//   BehaviorFacts facts(behavior, dropped_file_contents, sample_path);
//   for (auto& signature : rules.Evaluate(facts)) ...

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/analysis/v1/behavior.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::sandbox {

// What a condition looks at.
enum class FactKind {
  kFile,
  kRegistry,
  kNetwork,
  kProcess,
  kMutex,
  kService,
  kApi,
  kMemory,
  kDroppedFile
};

// One event, API call, dropped file or memory region reduced to the fields conditions read.
// API calls: operation = the normalised function name (lower case, no A/W suffix), target =
// the arguments joined with ", ". Dropped files: target = the path. Memory: target =
// "memory_0x<address>", details = found_by.
struct Fact {
  std::string operation;
  std::string target;
  std::string details;
  std::string lower_target;
  std::string lower_details;
  std::uint64_t seq = 0;                    // api seq; 0 for memory regions
  std::vector<std::uint64_t> numeric_args;  // API calls: each argument read as a number (0 if not)
  bool is_pe = false;                       // dropped files: content starts with MZ
  bool executed = false;                    // dropped files: run later (process create / shell)
  bool downloaded = false;                  // dropped files: written by a download
  std::string evidence;                     // the evidence text, with the api seq
};

// Everything one run offers to the rules, computed once per run.
class BehaviorFacts {
 public:
  // `dropped_contents` holds the content of behavior.dropped_files in the same order (may be
  // shorter: missing contents count as not a PE). `sample_path` fills {sample_path} and
  // {sample_name} in rules.
  BehaviorFacts(const analysis::v1::BehaviorResult& behavior,
                const std::vector<ByteSpan>& dropped_contents, const std::string& sample_path);

  const std::vector<Fact>& Of(FactKind kind) const {
    return facts_[static_cast<std::size_t>(kind)];
  }
  const std::string& lower_sample_path() const { return lower_sample_path_; }
  const std::string& lower_sample_name() const { return lower_sample_name_; }

 private:
  std::vector<Fact> facts_[9];
  std::string lower_sample_path_;
  std::string lower_sample_name_;
};

struct NumericArgCondition {
  std::size_t index = 0;
  std::uint64_t at_least = 0;
};

// One condition of a rule: at least `min_count` facts of `kind` pass every filter given.
struct BehaviorCondition {
  FactKind kind = FactKind::kApi;
  std::vector<std::string> operations;  // lower case; any of them (API names normalised)
  std::vector<std::string> names_all;   // API: each of these functions is called
  std::vector<std::string> target_contains_any;
  std::vector<std::string> details_contains_any;
  std::vector<std::string> text_contains_any;  // target or details
  std::vector<std::string> target_not_contains_any;
  std::shared_ptr<const std::regex> target_regex;
  std::shared_ptr<const std::regex> details_regex;
  std::shared_ptr<const std::regex> text_regex;
  std::shared_ptr<const std::regex> target_not_regex;
  std::optional<NumericArgCondition> arg_at_least;
  std::optional<bool> is_pe;
  std::optional<bool> executed;
  std::optional<bool> downloaded;
  std::size_t min_count = 1;
  bool distinct_targets = false;  // min_count counts different targets, not facts
};

struct BehaviorRule {
  analysis::v1::Signature signature;        // name, descriptions, severity, attack, types, source
  std::vector<BehaviorCondition> all;       // every one holds
  std::vector<BehaviorCondition> any;       // at least one holds
  std::vector<BehaviorCondition> sequence;  // hold in this order of API seq
  std::vector<BehaviorCondition> none;      // none holds (exclusions)
};

class BehaviorRules {
 public:
  // Parses one YAML file's text; errors name `origin` and the rule.
  static Result<BehaviorRules> Parse(std::string_view yaml_text, const std::string& origin);
  // Loads every *.yaml of `directory` in sorted order; rule names are unique over all files.
  static Result<BehaviorRules> LoadDirectory(const std::string& directory);

  // The signatures whose conditions hold, each with evidence naming what matched.
  std::vector<analysis::v1::Signature> Evaluate(const BehaviorFacts& facts) const;

  const std::vector<BehaviorRule>& rules() const { return rules_; }

 private:
  std::vector<BehaviorRule> rules_;
};

// Lower case without the ANSI/Unicode suffix: "CreateProcessW" -> "createprocess".
std::string NormalizeApiName(std::string_view name);

}  // namespace kensa::sandbox
