#include "kensa/static_analysis/signature_rules.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <set>
#include <unordered_set>

#include "kensa/core/file.h"
#include "kensa/scoring/scoring_model.h"

namespace kensa::static_analysis {
namespace {

using analysis::v1::IndicatorType;

constexpr std::uint64_t kMaxRuleFileBytes = 4 * 1024 * 1024;
constexpr std::size_t kMaxEvidencePerSignature = 8;  // the report shows a few; the rest is noise

Result<IndicatorType> ParseIndicatorType(const std::string& name) {
  IndicatorType type{};
  if (!analysis::v1::IndicatorType_Parse("INDICATOR_TYPE_" + name, &type)) {
    return InvalidArgumentError("unknown indicator type '" + name + "'");
  }
  return type;
}

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node.IsDefined()) return out;  // a missing key reads as an invalid node in yaml-cpp
  if (node.IsSequence()) {
    for (const auto& item : node) out.push_back(item.as<std::string>());
  } else if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  }
  return out;
}

Result<SignatureRule> ParseRule(const YAML::Node& node) {
  SignatureRule rule;
  auto& signature = rule.signature;
  signature.set_name(node["name"].as<std::string>(""));
  if (signature.name().empty()) return InvalidArgumentError("a rule has no name");
  const std::string context = "rule '" + signature.name() + "': ";
  signature.set_description(node["description"].as<std::string>(""));
  signature.set_description_ja(node["description_ja"].as<std::string>(""));
  if (signature.description().empty()) return InvalidArgumentError(context + "description is required");
  auto severity = scoring::ParseSeverity(node["severity"].as<std::string>(""));
  if (!severity) return InvalidArgumentError(context + severity.error().message());
  signature.set_severity(*severity);
  for (const auto& technique : StringList(node["attack"])) signature.add_attack_techniques(technique);
  for (const auto& type : StringList(node["malware_types"])) signature.add_malware_types(type);
  signature.set_family(node["family"].as<std::string>(""));
  signature.set_source(node["source"].as<std::string>("pe"));

  const YAML::Node match = node["match"];
  if (!match.IsMap()) return InvalidArgumentError(context + "'match' must be a map");
  bool has_condition = false;
  for (const auto& group : match["imports_all_groups"]) {
    ImportGroup parsed;
    for (const auto& function : StringList(group)) parsed.functions.push_back(NormalizeApiName(function));
    if (parsed.functions.empty()) return InvalidArgumentError(context + "an import group is empty");
    rule.imports_all_groups.push_back(std::move(parsed));
    has_condition = true;
  }
  rule.imports_also_from_strings = match["imports_also_from_strings"].as<bool>(false);
  rule.applies_to_libraries = match["applies_to_libraries"].as<bool>(false);
  rule.anomaly = match["anomaly"].as<std::string>("");
  for (const auto& condition : match["indicators_any"]) {
    IndicatorCondition parsed;
    auto type = ParseIndicatorType(condition["type"].as<std::string>(""));
    if (!type) return InvalidArgumentError(context + type.error().message());
    parsed.type = *type;
    for (const auto& text : StringList(condition["contains_any"])) parsed.contains_any.push_back(AsciiLower(text));
    rule.indicators_any.push_back(std::move(parsed));
  }
  rule.resource_language = match["resource_language"].as<std::string>("");
  for (const auto& text : StringList(match["strings_any"])) rule.strings_any.push_back(AsciiLower(text));
  rule.vba_macros = match["vba_macros"].as<bool>(false);
  rule.vba_findings_any = StringList(match["vba_findings_any"]);
  rule.vba_findings_all = StringList(match["vba_findings_all"]);
  rule.requires_pe = match["pe"].as<bool>(false) || !rule.imports_all_groups.empty() ||
                     !rule.resource_language.empty();
  has_condition = has_condition || !rule.anomaly.empty() || !rule.indicators_any.empty() ||
                  !rule.resource_language.empty() || !rule.strings_any.empty() || rule.vba_macros ||
                  !rule.vba_findings_any.empty() || !rule.vba_findings_all.empty();
  if (!has_condition) return InvalidArgumentError(context + "'match' has no condition");
  return rule;
}

void AddEvidence(analysis::v1::Signature* signature, const std::string& kind, const std::string& value,
                 std::optional<std::uint64_t> offset = std::nullopt) {
  if (static_cast<std::size_t>(signature->evidence_size()) >= kMaxEvidencePerSignature) return;
  auto* evidence = signature->add_evidence();
  evidence->set_kind(kind);
  evidence->set_value(value);
  if (offset) {
    evidence->set_offset(*offset);
    evidence->set_has_offset(true);
  }
}

// The first VBA finding of `kind` in any module, as "<module>:<line>: <text>"; nullopt when none.
std::optional<std::string> FirstVbaFinding(const analysis::v1::StaticResult& result, const std::string& kind) {
  for (const auto& module : result.office().vba_modules()) {
    for (const auto& finding : module.findings()) {
      if (finding.kind() == kind) {
        return module.name() + ":" + std::to_string(finding.line()) + ": " + finding.text();
      }
    }
  }
  return std::nullopt;
}

// Evaluates one rule; fills `signature` with evidence when it matches.
bool Matches(const SignatureRule& rule, bool is_library, const std::unordered_set<std::string>& imported,
             const std::unordered_set<std::string>& named_in_strings, const std::string& lower_text,
             const analysis::v1::StaticResult& result, analysis::v1::Signature* signature) {
  const bool is_pe = result.has_pe() && !result.pe().machine().empty();
  if (rule.requires_pe && !is_pe) return false;
  if (!rule.imports_all_groups.empty() && is_library && !rule.applies_to_libraries) return false;

  for (const auto& group : rule.imports_all_groups) {
    const std::string* found = nullptr;
    std::string kind = "import";
    for (const auto& function : group.functions) {
      if (imported.contains(function)) {
        found = &function;
        break;
      }
    }
    if (found == nullptr && rule.imports_also_from_strings) {
      for (const auto& function : group.functions) {
        if (named_in_strings.contains(function)) {
          found = &function;
          kind = "api_string";
          break;
        }
      }
    }
    if (found == nullptr) return false;
    AddEvidence(signature, kind, *found);
  }

  if (!rule.anomaly.empty()) {
    const auto it = std::find_if(result.anomalies().begin(), result.anomalies().end(),
                                 [&](const auto& anomaly) { return anomaly.code() == rule.anomaly; });
    if (it == result.anomalies().end()) return false;
    AddEvidence(signature, "anomaly", it->detail().empty() ? it->code() : it->detail());
  }

  if (!rule.indicators_any.empty()) {
    bool any = false;
    for (const auto& condition : rule.indicators_any) {
      for (const auto& indicator : result.indicators()) {
        if (indicator.type() != condition.type) continue;
        const std::string value = AsciiLower(indicator.value());
        const bool hit = condition.contains_any.empty() ||
                         std::any_of(condition.contains_any.begin(), condition.contains_any.end(),
                                     [&](const std::string& needle) { return value.find(needle) != std::string::npos; });
        if (hit) {
          any = true;
          AddEvidence(signature, "indicator", indicator.value(), indicator.offset());
        }
      }
    }
    if (!any) return false;
  }

  if (!rule.strings_any.empty()) {
    const auto found = std::find_if(rule.strings_any.begin(), rule.strings_any.end(), [&](const std::string& needle) {
      return lower_text.find(needle) != std::string::npos;
    });
    if (found == rule.strings_any.end()) return false;
    AddEvidence(signature, "string", *found);
  }

  if (rule.vba_macros) {
    if (result.office().vba_modules().empty()) return false;
    AddEvidence(signature, "vba_modules", std::to_string(result.office().vba_modules_size()) + " modules");
  }

  for (const auto& kind : rule.vba_findings_all) {
    const auto finding = FirstVbaFinding(result, kind);
    if (!finding) return false;
    AddEvidence(signature, "vba_" + kind, *finding);
  }

  if (!rule.vba_findings_any.empty()) {
    bool any = false;
    for (const auto& kind : rule.vba_findings_any) {
      const auto finding = FirstVbaFinding(result, kind);
      if (!finding) continue;
      any = true;
      AddEvidence(signature, "vba_" + kind, *finding);
    }
    if (!any) return false;
  }

  if (!rule.resource_language.empty()) {
    std::size_t count = 0;
    for (const auto& resource : result.pe().resources()) {
      if (resource.language() == rule.resource_language) ++count;
    }
    if (count == 0) return false;
    AddEvidence(signature, "resource_language",
                rule.resource_language + " (" + std::to_string(count) + " resources)");
  }
  return true;
}

}  // namespace

std::string NormalizeApiName(std::string_view name) {
  std::string out = AsciiLower(name);
  // Windows APIs come in ANSI/Unicode pairs (CreateProcessA/W); rules name the base function.
  if (name.size() > 2 && (name.back() == 'A' || name.back() == 'W')) out.pop_back();
  return out;
}

Result<SignatureRules> SignatureRules::Parse(std::string_view yaml_text, const std::string& origin) {
  SignatureRules rules;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml_text));
    const YAML::Node list = root["signatures"];
    if (!list.IsSequence()) return InvalidArgumentError(origin + ": a 'signatures' list is required");
    std::set<std::string> names;
    for (const auto& node : list) {
      auto rule = ParseRule(node);
      if (!rule) return InvalidArgumentError(origin + ": " + rule.error().message());
      if (!names.insert(rule->signature.name()).second) {
        return InvalidArgumentError(origin + ": duplicate rule name '" + rule->signature.name() + "'");
      }
      rules.rules_.push_back(std::move(*rule));
    }
  } catch (const YAML::Exception& error) {
    return InvalidArgumentError(origin + ": " + error.what());
  }
  return rules;
}

Result<SignatureRules> SignatureRules::LoadDirectory(const std::string& directory) {
  std::vector<std::string> files;
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end; it.increment(error)) {
    if (it->path().extension() == ".yaml") files.push_back(it->path().string());
  }
  if (error) return NotFoundError("signature rules directory " + directory + ": " + error.message());
  std::sort(files.begin(), files.end());
  SignatureRules all;
  std::set<std::string> names;
  for (const auto& file : files) {
    KENSA_ASSIGN_OR_RETURN(Bytes text, ReadFileBounded(file, kMaxRuleFileBytes));
    KENSA_ASSIGN_OR_RETURN(SignatureRules rules,
                           Parse(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()), file));
    for (auto& rule : rules.rules_) {
      if (!names.insert(rule.signature.name()).second) {
        return InvalidArgumentError(file + ": rule name '" + rule.signature.name() + "' is used twice");
      }
      all.rules_.push_back(std::move(rule));
    }
  }
  return all;
}

void SignatureRules::Evaluate(const StringFacts& strings, analysis::v1::StaticResult* result) const {
  // A module that exports an API (kernel32 exports CreateRemoteThread, importing it from
  // kernelbase) provides it; neither its import nor its name in strings is a use of it.
  std::unordered_set<std::string> exported;
  int named_exports = 0;
  for (const auto& exported_function : result->pe().exports()) {
    if (exported_function.name().empty()) continue;
    ++named_exports;
    exported.insert(NormalizeApiName(exported_function.name()));
  }
  const bool is_library = result->pe().is_dll() && named_exports >= kLibraryMinNamedExports;
  std::unordered_set<std::string> imported;
  for (const auto& import : result->pe().imports()) {
    for (const auto& function : import.functions()) {
      if (function.name().empty()) continue;
      std::string name = NormalizeApiName(function.name());
      if (!exported.contains(name)) imported.insert(std::move(name));
    }
  }
  std::unordered_set<std::string> named_in_strings;
  for (const auto& text : strings.api_names) {
    std::string name = NormalizeApiName(text);
    if (!exported.contains(name)) named_in_strings.insert(std::move(name));
  }
  for (const auto& rule : rules_) {
    analysis::v1::Signature signature = rule.signature;
    if (Matches(rule, is_library, imported, named_in_strings, strings.lower_text, *result, &signature)) {
      *result->add_signatures() = std::move(signature);
    }
  }
}

}  // namespace kensa::static_analysis
