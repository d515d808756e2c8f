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
  // Import rules skip general-purpose libraries (see kLibraryMinNamedExports) unless this is set.
  bool applies_to_libraries = false;
  std::string anomaly;                    // an anomaly code that must be present
  std::vector<IndicatorCondition> indicators_any;
  std::string resource_language;          // e.g. "ja-JP"
  // Lower-case substrings; one must occur in the file's extracted strings.
  std::vector<std::string> strings_any;
  // VBA macro facts (StaticResult.office): at least one module exists; some finding has one
  // of the kinds in `vba_findings_any`; for every kind in `vba_findings_all` some module has a
  // finding of it ("auto_exec", "shell", "download"...; see analysis/v1/office.proto).
  bool vba_macros = false;
  std::vector<std::string> vba_findings_any;
  std::vector<std::string> vba_findings_all;
  bool requires_pe = false;
};

// The file's strings as the rules see them.
struct StringFacts {
  // Strings that look like API names (for imports_also_from_strings).
  std::vector<std::string> api_names;
  // Every extracted string, lower-cased, joined by newlines (for strings_any).
  std::string lower_text;
};

class SignatureRules {
 public:
  // Loads every *.yaml file under `directory` (sorted). Errors name the file and the rule.
  static Result<SignatureRules> LoadDirectory(const std::string& directory);
  static Result<SignatureRules> Parse(std::string_view yaml_text, const std::string& origin);

  // Appends the signatures whose rules match `result` to result->signatures.
  void Evaluate(const StringFacts& strings, analysis::v1::StaticResult* result) const;

  std::size_t size() const { return rules_.size(); }
  const std::vector<SignatureRule>& rules() const { return rules_; }

 private:
  std::vector<SignatureRule> rules_;
};

// A DLL with at least this many named exports is a general-purpose library: it offers
// capabilities (download, services, process control) to its callers, and its imports say what it
// can do for them, not what it intends. Import-combination rules judge programs, not libraries.
// Known gap: a side-loading DLL that copies a system DLL's export table escapes these rules; YARA
// and string rules still apply to it. Measured on wine's 695 PE files (docs/scoring.md).
inline constexpr int kLibraryMinNamedExports = 20;

// Lower-case API name without a trailing A/W when the rest is a CamelCase Windows API name.
std::string NormalizeApiName(std::string_view name);

}  // namespace kensa::static_analysis
