#include "kensa/scoring/scoring_model.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <set>

#include "kensa/core/file.h"

namespace kensa::scoring {
namespace {

using analysis::v1::Severity;
using report::v1::Level;

constexpr std::uint64_t kMaxModelFileBytes = 1024 * 1024;  // a model is a page of YAML

// yaml-cpp reports errors by throwing; this adapter converts them at the edge.
Result<ScoringModel> ParseNode(const YAML::Node& root) {
  ScoringModel model;
  if (!root.IsMap()) return InvalidArgumentError("scoring model: the document must be a map");
  model.version = root["version"].as<std::string>("");
  if (model.version.empty()) return InvalidArgumentError("scoring model: 'version' is required");

  const YAML::Node points = root["severity_points"];
  if (!points.IsMap()) return InvalidArgumentError("scoring model: 'severity_points' must be a map");
  for (const auto& entry : points) {
    auto severity = ParseSeverity(entry.first.as<std::string>());
    if (!severity) return InvalidArgumentError("scoring model: severity_points: " + severity.error().message());
    model.severity_points[*severity] = entry.second.as<int>();
  }
  for (const auto& entry : root["signature_points"]) {
    model.signature_points[entry.first.as<std::string>()] = entry.second.as<int>();
  }

  const YAML::Node levels = root["levels"];
  if (!levels.IsMap()) return InvalidArgumentError("scoring model: 'levels' must be a map of level: min_score");
  for (const auto& entry : levels) {
    auto level = ParseLevel(entry.first.as<std::string>());
    if (!level) return InvalidArgumentError("scoring model: levels: " + level.error().message());
    model.levels.push_back({*level, entry.second.as<int>()});
  }
  std::sort(model.levels.begin(), model.levels.end(),
            [](const LevelThreshold& a, const LevelThreshold& b) { return a.min_score < b.min_score; });
  if (model.levels.empty() || model.levels.front().min_score != 0) {
    return InvalidArgumentError("scoring model: 'levels' needs a level starting at score 0");
  }

  for (const auto& entry : root["severity_level_floor"]) {
    auto severity = ParseSeverity(entry.first.as<std::string>());
    auto level = ParseLevel(entry.second.as<std::string>());
    if (!severity || !level) return InvalidArgumentError("scoring model: bad severity_level_floor entry");
    model.severity_level_floor[*severity] = *level;
  }
  for (const auto& type : root["malware_type_precedence"]) {
    model.malware_type_precedence.push_back(type.as<std::string>());
  }
  model.malware_type_min_votes = root["malware_type_min_votes"].as<int>(model.malware_type_min_votes);
  if (root["malware_type_min_level"]) {
    auto level = ParseLevel(root["malware_type_min_level"].as<std::string>());
    if (!level) return InvalidArgumentError("scoring model: malware_type_min_level: " + level.error().message());
    model.malware_type_min_level = *level;
  }
  return model;
}

int PointsFor(const analysis::v1::Signature& signature, const ScoringModel& model) {
  if (auto it = model.signature_points.find(signature.name()); it != model.signature_points.end()) {
    return it->second;
  }
  if (auto it = model.severity_points.find(signature.severity()); it != model.severity_points.end()) {
    return it->second;
  }
  return 0;
}

int TypePrecedence(const ScoringModel& model, const std::string& type) {
  const auto it = std::find(model.malware_type_precedence.begin(), model.malware_type_precedence.end(), type);
  return static_cast<int>(it - model.malware_type_precedence.begin());
}

}  // namespace

Result<ScoringModel> ParseScoringModel(std::string_view yaml_text) {
  try {
    return ParseNode(YAML::Load(std::string(yaml_text)));
  } catch (const YAML::Exception& error) {
    return InvalidArgumentError(std::string("scoring model: ") + error.what());
  }
}

Result<ScoringModel> LoadScoringModel(const std::string& path) {
  KENSA_ASSIGN_OR_RETURN(Bytes text, ReadFileBounded(path, kMaxModelFileBytes));
  auto model = ParseScoringModel(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()));
  if (!model) return InvalidArgumentError(path + ": " + model.error().message());
  return model;
}

report::v1::Verdict Score(const std::vector<analysis::v1::Signature>& signatures,
                          const ScoringModel& model) {
  report::v1::Verdict verdict;
  verdict.set_model_version(model.version);

  std::set<std::string> seen;
  int total = 0;
  Level floor = report::v1::LEVEL_CLEAN;
  std::map<std::string, report::v1::MalwareTypeVote> votes;
  std::map<std::string, int> family_points;
  for (const auto& signature : signatures) {
    if (!seen.insert(signature.name()).second) continue;
    const int points = PointsFor(signature, model);
    total += points;
    if (points != 0) {
      auto* contribution = verdict.add_contributions();
      contribution->set_signature(signature.name());
      contribution->set_points(points);
      contribution->set_reason(std::string(SeverityCode(signature.severity())) + " severity");
      contribution->set_severity(signature.severity());
    }
    if (auto it = model.severity_level_floor.find(signature.severity());
        it != model.severity_level_floor.end() && it->second > floor) {
      floor = it->second;
    }
    for (const auto& type : signature.malware_types()) {
      auto& vote = votes[type];
      vote.set_type(type);
      vote.set_weight(vote.weight() + std::max(points, 1));
      vote.add_signatures(signature.name());
    }
    if (!signature.family().empty()) family_points[signature.family()] += std::max(points, 1);
  }

  const int score = std::clamp(total, 0, 100);
  verdict.set_score(score);
  Level level = model.levels.front().level;
  for (const auto& threshold : model.levels) {
    if (score >= threshold.min_score) level = threshold.level;
  }
  verdict.set_level(std::max(level, floor));
  // Contributions largest first: the explanation reads from the main reason down.
  std::stable_sort(verdict.mutable_contributions()->begin(), verdict.mutable_contributions()->end(),
                   [](const auto& a, const auto& b) { return a.points() > b.points(); });

  std::vector<report::v1::MalwareTypeVote> ranked;
  for (auto& [type, vote] : votes) ranked.push_back(vote);
  std::sort(ranked.begin(), ranked.end(), [&](const auto& a, const auto& b) {
    if (a.weight() != b.weight()) return a.weight() > b.weight();
    return TypePrecedence(model, a.type()) < TypePrecedence(model, b.type());
  });
  for (const auto& vote : ranked) *verdict.add_malware_type_votes() = vote;
  if (!ranked.empty() && ranked.front().weight() >= model.malware_type_min_votes &&
      verdict.level() >= model.malware_type_min_level) {
    verdict.set_malware_type(ranked.front().type());
  }
  if (!family_points.empty() && verdict.level() >= model.malware_type_min_level) {
    const auto best = std::max_element(family_points.begin(), family_points.end(),
                                       [](const auto& a, const auto& b) { return a.second < b.second; });
    verdict.set_family(best->first);
  }
  return verdict;
}

const char* LevelCode(Level level) {
  switch (level) {
    case report::v1::LEVEL_CLEAN: return "clean";
    case report::v1::LEVEL_LOW: return "low";
    case report::v1::LEVEL_SUSPICIOUS: return "suspicious";
    case report::v1::LEVEL_MALICIOUS: return "malicious";
    case report::v1::LEVEL_CRITICAL: return "critical";
    default: return "unspecified";
  }
}

Result<Level> ParseLevel(std::string_view code) {
  if (code == "clean") return report::v1::LEVEL_CLEAN;
  if (code == "low") return report::v1::LEVEL_LOW;
  if (code == "suspicious") return report::v1::LEVEL_SUSPICIOUS;
  if (code == "malicious") return report::v1::LEVEL_MALICIOUS;
  if (code == "critical") return report::v1::LEVEL_CRITICAL;
  return InvalidArgumentError("unknown level '" + std::string(code) +
                              "' (clean, low, suspicious, malicious, critical)");
}

const char* SeverityCode(Severity severity) {
  switch (severity) {
    case analysis::v1::SEVERITY_INFO: return "info";
    case analysis::v1::SEVERITY_LOW: return "low";
    case analysis::v1::SEVERITY_MEDIUM: return "medium";
    case analysis::v1::SEVERITY_HIGH: return "high";
    case analysis::v1::SEVERITY_CRITICAL: return "critical";
    default: return "unspecified";
  }
}

Result<Severity> ParseSeverity(std::string_view code) {
  if (code == "info") return analysis::v1::SEVERITY_INFO;
  if (code == "low") return analysis::v1::SEVERITY_LOW;
  if (code == "medium") return analysis::v1::SEVERITY_MEDIUM;
  if (code == "high") return analysis::v1::SEVERITY_HIGH;
  if (code == "critical") return analysis::v1::SEVERITY_CRITICAL;
  return InvalidArgumentError("unknown severity '" + std::string(code) +
                              "' (info, low, medium, high, critical)");
}

}  // namespace kensa::scoring
