#pragma once
// The scoring model: how named signatures become a score (0-100), a level and a malware type.
// The numbers are data (rules/scoring/model.yaml) so that analysts can read and tune them;
// docs/scoring.md explains the model. Every verdict carries the contributions that made it.

#include <map>
#include <string>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/status.h"
#include "kensa/report/v1/verdict.pb.h"

namespace kensa::scoring {

struct LevelThreshold {
  report::v1::Level level = report::v1::LEVEL_CLEAN;
  int min_score = 0;
};

struct ScoringModel {
  std::string version;
  // Points each severity adds, e.g. {SEVERITY_HIGH: 30}.
  std::map<analysis::v1::Severity, int> severity_points;
  // Per-signature overrides of the points, by signature name.
  std::map<std::string, int> signature_points;
  // Ascending by min_score; the level is the last threshold the score reaches.
  std::vector<LevelThreshold> levels;
  // A signature of this severity lifts the level to at least this level.
  std::map<analysis::v1::Severity, report::v1::Level> severity_level_floor;
  // Malware types in order of precedence for ties (ransomware before dropper, ...).
  std::vector<std::string> malware_type_precedence;
  // A type is named only when its votes reach this many points and the level is at least
  // `malware_type_min_level`.
  int malware_type_min_votes = 15;
  report::v1::Level malware_type_min_level = report::v1::LEVEL_SUSPICIOUS;
};

// Parses the YAML text of a model; errors name the field that is wrong.
Result<ScoringModel> ParseScoringModel(std::string_view yaml_text);
// Loads and parses rules/scoring/model.yaml (or another file).
Result<ScoringModel> LoadScoringModel(const std::string& path);

// Computes the verdict for a set of signatures. Signatures with the same name count once.
report::v1::Verdict Score(const std::vector<analysis::v1::Signature>& signatures,
                          const ScoringModel& model);

// Stable lower-case codes used in rule files and the CLI: "clean", "low", "suspicious",
// "malicious", "critical"; "info", "low", "medium", "high", "critical".
const char* LevelCode(report::v1::Level level);
Result<report::v1::Level> ParseLevel(std::string_view code);
const char* SeverityCode(analysis::v1::Severity severity);
Result<analysis::v1::Severity> ParseSeverity(std::string_view code);

}  // namespace kensa::scoring
