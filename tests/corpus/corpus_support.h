#pragma once
// Shared by the corpus tests: one triage engine with the shipped rules, and file listing.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "kensa/pipeline/triage.h"
#include "kensa/scoring/scoring_model.h"

namespace kensa::corpus_test {

inline const pipeline::TriageEngine& Engine() {
  static const std::unique_ptr<pipeline::TriageEngine> engine = [] {
    pipeline::TriageConfig config;
    config.static_config.rules_dir = "rules";
    std::vector<std::string> warnings;
    auto created = pipeline::TriageEngine::Create(config, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *engine;
}

// Regular files under `root` (recursively) whose first bytes satisfy `keep`, sorted.
template <typename Predicate>
std::vector<std::string> ListFiles(const std::string& root, Predicate keep) {
  std::vector<std::string> files;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file(error) && keep(it->path())) files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

inline std::string LevelDistribution(const std::map<std::string, int>& counts) {
  std::string out;
  for (const char* level : {"clean", "low", "suspicious", "malicious", "critical"}) {
    const auto it = counts.find(level);
    out += std::string(level) + "=" + std::to_string(it == counts.end() ? 0 : it->second) + " ";
  }
  return out;
}

}  // namespace kensa::corpus_test
