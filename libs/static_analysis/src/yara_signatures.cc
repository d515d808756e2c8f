#include "kensa/static_analysis/yara_signatures.h"

#include <charconv>

#include "kensa/core/bytes.h"
#include "kensa/scoring/scoring_model.h"

namespace kensa::static_analysis {
namespace {

using analysis::v1::Severity;

constexpr int kMaxEvidenceStrings = 6;  // enough to show what matched without flooding the report

std::vector<std::string> SplitList(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  for (char c : text + ",") {
    if (c == ',' || c == ';' || c == ' ') {
      if (!current.empty()) out.push_back(current);
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  return out;
}

std::string Meta(const analysis::v1::YaraMatch& match, const std::string& key) {
  const auto it = match.meta().find(key);
  return it == match.meta().end() ? std::string() : it->second;
}

// signature-base rules carry `score` (0-100) instead of a severity: 75 and above is what its
// authors call a strong indicator, 40-74 suspicious, below that weak.
Severity SeverityFromScore(const std::string& text) {
  int score = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), score);
  if (error != std::errc() || end == text.data()) return analysis::v1::SEVERITY_MEDIUM;
  if (score >= 75) return analysis::v1::SEVERITY_HIGH;
  if (score >= 40) return analysis::v1::SEVERITY_MEDIUM;
  return analysis::v1::SEVERITY_LOW;
}

}  // namespace

analysis::v1::Signature SignatureFromYaraMatch(const analysis::v1::YaraMatch& match) {
  analysis::v1::Signature signature;
  signature.set_name("yara:" + match.rule());
  signature.set_source("yara");
  std::string description = Meta(match, "description");
  signature.set_description(description.empty() ? "YARA rule " + match.rule() + " matched" : description);
  signature.set_description_ja(Meta(match, "description_ja"));
  const std::string severity_text = AsciiLower(Meta(match, "severity"));
  auto severity = scoring::ParseSeverity(severity_text);
  if (severity) {
    signature.set_severity(*severity);
  } else if (!Meta(match, "score").empty()) {
    signature.set_severity(SeverityFromScore(Meta(match, "score")));
  } else {
    // A third-party rule that says nothing of severity is still a deliberate detection.
    signature.set_severity(analysis::v1::SEVERITY_MEDIUM);
  }
  for (const auto& technique : SplitList(Meta(match, "attack"))) signature.add_attack_techniques(technique);
  for (const auto& type : SplitList(AsciiLower(Meta(match, "malware_type")))) signature.add_malware_types(type);
  signature.set_family(AsciiLower(Meta(match, "family")));
  for (const auto& string_match : match.strings()) {
    if (signature.evidence_size() >= kMaxEvidenceStrings) break;
    auto* evidence = signature.add_evidence();
    evidence->set_kind("yara_string");
    evidence->set_value(string_match.identifier() + " = " + string_match.data());
    evidence->set_offset(string_match.offset());
    evidence->set_has_offset(true);
  }
  return signature;
}

}  // namespace kensa::static_analysis
