#pragma once
// Static signature rules: detection knowledge kept as data (rules/signatures/*.yaml), evaluated
// over what the analyzers found (imports, anomalies, indicators, PE metadata). YARA covers
// byte patterns; these rules cover structure. The file format is documented in
// rules/signatures/README.md.

#include <memory>
#include <string>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/status.h"

namespace kensa::static_analysis {

struct ImportGroup {
  // Any one of these function names satisfies the group (compared without case and without
  // the A/W suffix, so "InternetOpenUrl" matches InternetOpenUrlA and InternetOpenUrlW).
  std::vector<std::string> functions;
};

struct IndicatorCondition {
  analysis::v1::IndicatorType type = analysis::v1::INDICATOR_TYPE_UNSPECIFIED;
  // Lower-case substrings; an indicator matches when it contains one (empty: any indicator of
  // the type matches).
  std::vector<std::string> contains_any;
};

struct SignatureRule {
  analysis::v1::Signature signature;  // name, descriptions, severity, techniques, types, family
  // Conditions; every one that is set must hold.
  std::vector<ImportGroup> imports_all_groups;
  bool imports_also_from_strings = false;  // dynamically resolved APIs named in strings count
  std::string anomaly;                    // an anomaly code that must be present
  std::vector<IndicatorCondition> indicators_any;
  std::string resource_language;          // e.g. "ja-JP"
  bool requires_pe = false;
};

class SignatureRules {
 public:
  // Loads every *.yaml file under `directory` (sorted). Errors name the file and the rule.
  static Result<SignatureRules> LoadDirectory(const std::string& directory);
  static Result<SignatureRules> Parse(std::string_view yaml_text, const std::string& origin);

  // Appends the signatures whose rules match `result` to result->signatures.
  // `api_strings` are extracted strings that look like API names (for dynamic resolution).
  void Evaluate(const std::vector<std::string>& api_strings, analysis::v1::StaticResult* result) const;

  std::size_t size() const { return rules_.size(); }
  const std::vector<SignatureRule>& rules() const { return rules_; }

 private:
  std::vector<SignatureRule> rules_;
};

// Lower-case API name without a trailing A/W when the rest is a CamelCase Windows API name.
std::string NormalizeApiName(std::string_view name);

}  // namespace kensa::static_analysis
