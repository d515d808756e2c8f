// Team rules (rules/sigma/windows) whose events no log of the corpora holds, matched against
// events written with the fields Microsoft documents for them.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "kensa/sigma/logsource_map.h"
#include "kensa/sigma/rule_set.h"
#include "map_event_view.h"

namespace kensa::sigma {
namespace {

using Fields = std::map<std::string, std::string, std::less<>>;

constexpr char kDefender[] = "Microsoft-Windows-Windows Defender/Operational";

RuleSet LoadTeamRule(const std::string& file) {
  auto map = LogsourceMap::LoadFile("rules/sigma/logsources.yaml");
  REQUIRE(map.has_value());
  std::ifstream in("rules/sigma/windows/" + file);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  auto rules = RuleSet::ParseRule(text.str(), file, *map);
  REQUIRE(rules.has_value());
  return std::move(*rules);
}

bool Fires(const RuleSet& rules, Fields fields) {
  bool fired = false;
  Match(rules, MapEventView(std::move(fields)), [&](const Rule&) { fired = true; });
  return fired;
}

TEST_CASE("Defender turned off or given an exclusion is reported, other configuration changes are not") {
  const RuleSet rules = LoadTeamRule("defender/kensa_defender_protection_disabled.yml");
  // 5001: "Real-time Protection is disabled."
  CHECK(Fires(rules, {{"Channel", kDefender}, {"EventID", "5001"}}));
  // 5007 carries the changed setting as a registry path in Old Value / New Value.
  CHECK(Fires(rules, {{"Channel", kDefender},
                      {"EventID", "5007"},
                      {"NewValue", "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Exclusions\\Paths\\C:\\Users\\Public = 0x0"}}));
  CHECK_FALSE(Fires(rules, {{"Channel", kDefender},
                            {"EventID", "5007"},
                            {"NewValue", "HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignatureType = 0x1"}}));
  // The same event ID in another log is not Defender's.
  CHECK_FALSE(Fires(rules, {{"Channel", "Application"}, {"EventID", "5001"}}));
}

}  // namespace
}  // namespace kensa::sigma
