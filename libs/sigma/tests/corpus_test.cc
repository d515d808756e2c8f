// SigmaHQ's rule corpus (../shared/corpora/sigma): every rule loads or is skipped with a reason,
// and the rules of the regression index (EVTX samples with the rule they must fire) load.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "kensa/sigma/logsource_map.h"
#include "kensa/sigma/rule_set.h"
#include "map_event_view.h"

#include <yaml-cpp/yaml.h>

namespace kensa::sigma {
namespace {

using Fields = std::map<std::string, std::string, std::less<>>;

constexpr char kCorpus[] = "../shared/corpora/sigma/";

// The reason without the names of the search and field it occurred in.
std::string ReasonClass(const std::string& message) {
  const std::size_t field = message.find("': ");
  std::string reason = field == std::string::npos ? message : message.substr(field + 3);
  const std::size_t nested = reason.find("': ");
  if (reason.rfind("field '", 0) == 0 && nested != std::string::npos) {
    reason = reason.substr(nested + 3);
  }
  return reason;
}

struct Corpus {
  RuleSet rules;
  std::vector<LoadMessage> skipped;
  double seconds = 0;
};

const Corpus& LoadCorpus() {
  static const Corpus corpus = [] {
    auto map = LogsourceMap::LoadFile("rules/sigma/logsources.yaml");
    REQUIRE(map.has_value());
    Corpus c;
    const auto start = std::chrono::steady_clock::now();
    const std::string base = kCorpus;
    auto rules = RuleSet::LoadDirectories(
        {base + "rules", base + "rules-emerging-threats", base + "rules-threat-hunting"},
        &c.skipped, *map);
    c.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(rules.has_value());
    c.rules = std::move(*rules);
    return c;
  }();
  return corpus;
}

TEST_CASE("SigmaHQ's corpus loads, and every skipped rule says why") {
  const Corpus& corpus = LoadCorpus();
  std::map<std::string, std::vector<std::string>> by_reason;
  for (const LoadMessage& skip : corpus.skipped) {
    CHECK_FALSE(skip.file.empty());
    CHECK_FALSE(skip.message.empty());
    by_reason[ReasonClass(skip.message)].push_back(skip.file + " (" + skip.message + ")");
  }
  std::cout << "sigma corpus: " << corpus.rules.size() << " rules loaded, "
            << corpus.skipped.size() << " skipped, in " << corpus.seconds << " s\n";
  for (const auto& [reason, files] : by_reason) {
    std::cout << "  " << files.size() << " x " << reason << "\n";
    for (const std::string& file : files) std::cout << "      " << file << "\n";
  }
  std::map<std::string, int> unmapped;
  for (const Rule& rule : corpus.rules.rules()) {
    if (rule.sources.empty()) {
      ++unmapped[rule.logsource.product + "/" + rule.logsource.category + "/" +
                 rule.logsource.service];
    }
  }
  std::cout << "loaded but not matched (logsource not in rules/sigma/logsources.yaml): "
            << corpus.rules.unmapped_count() << "\n";
  for (const auto& [logsource, count] : unmapped) {
    std::cout << "  " << count << " x " << logsource << "\n";
  }
  CHECK(corpus.rules.size() == 3752u);
  // 912 before category: antivirus (nine rules that name no product) was mapped to Defender.
  CHECK(corpus.rules.unmapped_count() == 903u);
  CHECK(corpus.skipped.size() == 2u);  // The two rules using `expand` placeholders.
}

TEST_CASE("every rule of the regression index is loaded") {
  const Corpus& corpus = LoadCorpus();
  std::ifstream index(std::string(kCorpus) + "REGRESSION_INDEX.tsv");
  REQUIRE(index.good());
  std::string line;
  std::getline(index, line);  // Header: evtx_path test_name rule_id rule_path ...
  std::set<std::string> ids;
  while (std::getline(index, line)) {
    std::istringstream fields(line);
    std::string evtx, test_name, rule_id;
    std::getline(fields, evtx, '\t');
    std::getline(fields, test_name, '\t');
    std::getline(fields, rule_id, '\t');
    if (!rule_id.empty()) ids.insert(rule_id);
  }
  std::vector<std::string> missing;
  for (const std::string& id : ids) {
    if (corpus.rules.FindById(id) == nullptr) missing.push_back(id);
  }
  std::cout << "regression index: " << ids.size() << " rule ids, "
            << ids.size() - missing.size() << " loaded\n";
  for (const std::string& id : missing) std::cout << "  not loaded: " << id << "\n";
  CHECK(ids.size() == 203u);
  CHECK(missing.empty());
}

// The regression data's .json files hold one or more Windows events as evtx_dump writes them:
// concatenated objects, each starting with a line "{". Flattened the way the EVTX parser will
// flatten: System's EventID, Channel, Computer, Provider_Name; EventData and UserData leaves.
void Flatten(const YAML::Node& node, Fields* fields) {
  if (!node || !node.IsMap()) return;
  for (const auto& kv : node) {
    // Sigma names Defender's "Threat Name" ThreatName: field names lose their spaces.
    std::string key = kv.first.Scalar();
    key.erase(std::remove(key.begin(), key.end(), ' '), key.end());
    if (key == "#attributes") continue;
    if (kv.second.IsScalar()) {
      (*fields)[key] = kv.second.Scalar();
    } else if (kv.second.IsNull()) {
      (*fields)[key] = "";
    } else if (kv.second.IsMap()) {
      if (kv.second["#text"] && kv.second["#text"].IsScalar()) {
        (*fields)[key] = kv.second["#text"].Scalar();
      } else {
        Flatten(kv.second, fields);
      }
    }
  }
}

std::vector<Fields> ReadJsonEvents(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> chunks;
  std::string line;
  while (std::getline(in, line)) {
    if (line == "{") chunks.emplace_back();
    if (!chunks.empty()) chunks.back() += line + "\n";
  }
  std::vector<Fields> events;
  for (const std::string& chunk : chunks) {
    const YAML::Node root = YAML::Load(chunk);
    const YAML::Node system = root["Event"]["System"];
    Fields fields;
    for (const char* key : {"EventID", "Channel", "Computer", "EventRecordID"}) {
      const YAML::Node value = system[key];
      if (value && value.IsScalar()) fields[key] = value.Scalar();
      if (value && value.IsMap() && value["#text"]) fields[key] = value["#text"].Scalar();
    }
    const YAML::Node provider = system["Provider"];
    if (provider && provider["#attributes"] && provider["#attributes"]["Name"]) {
      fields["Provider_Name"] = provider["#attributes"]["Name"].Scalar();
    }
    const YAML::Node event = root["Event"];
    if (event["EventData"]) Flatten(event["EventData"], &fields);
    if (event["UserData"]) Flatten(event["UserData"], &fields);
    events.push_back(std::move(fields));
  }
  return events;
}

TEST_CASE("rules of the regression index fire on the JSON export of their EVTX samples") {
  const Corpus& corpus = LoadCorpus();
  std::ifstream index(std::string(kCorpus) + "REGRESSION_INDEX.tsv");
  REQUIRE(index.good());
  std::string line;
  std::getline(index, line);
  int samples = 0;
  int detected = 0;
  int without_json = 0;
  std::size_t events_seen = 0;
  std::size_t matches = 0;
  double match_seconds = 0;
  while (std::getline(index, line)) {
    std::istringstream fields(line);
    std::string evtx, test_name, rule_id;
    std::getline(fields, evtx, '\t');
    std::getline(fields, test_name, '\t');
    std::getline(fields, rule_id, '\t');
    const std::string json =
        std::string(kCorpus) + evtx.substr(0, evtx.size() - std::string(".evtx").size()) + ".json";
    if (!std::ifstream(json).good()) {
      // Non-Windows samples (a Cisco .raw log) have no JSON export.
      std::cout << "  no JSON export: " << rule_id << " " << evtx << "\n";
      ++without_json;
      continue;
    }
    std::vector<Fields> events;
    try {
      events = ReadJsonEvents(json);
    } catch (const YAML::Exception& e) {
      FAIL("cannot read " << json << ": " << e.what());
    }
    ++samples;
    bool fired = false;
    for (const Fields& event : events) {
      ++events_seen;
      const MapEventView view(event);
      const auto match_start = std::chrono::steady_clock::now();
      Match(corpus.rules, view, [&](const Rule& rule) {
        ++matches;
        if (rule.id == rule_id) fired = true;
      });
      match_seconds +=
          std::chrono::duration<double>(std::chrono::steady_clock::now() - match_start).count();
    }
    if (fired) {
      ++detected;
    } else {
      std::cout << "  not detected: " << rule_id << " on " << json << "\n";
    }
  }
  std::cout << "regression samples: " << detected << " of " << samples
            << " detected by their rule; " << events_seen << " events, " << matches
            << " rule matches in total; matching took " << match_seconds << " s\n";

  CHECK(samples == 202);
  CHECK(without_json == 1);
  CHECK(detected == 202);
}

}  // namespace
}  // namespace kensa::sigma
