// Logsource mapping (rules/sigma/logsources.yaml) and channel/EventID pre-filtering.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kensa/sigma/logsource_map.h"
#include "kensa/sigma/rule_set.h"
#include "map_event_view.h"

namespace kensa::sigma {
namespace {

using Fields = std::map<std::string, std::string, std::less<>>;

constexpr char kSysmon[] = "Microsoft-Windows-Sysmon/Operational";

constexpr char kProcessRule[] = R"(title: Word spawns cmd
id: 11111111-1111-1111-1111-111111111111
level: high
logsource:
  product: windows
  category: process_creation
detection:
  selection:
    ParentImage|endswith: '\winword.exe'
    Image|endswith: '\cmd.exe'
  condition: selection
)";

constexpr char kSecurityRule[] = R"(title: Logon by alice
id: 22222222-2222-2222-2222-222222222222
logsource:
  product: windows
  service: security
detection:
  selection:
    EventID: 4624
    TargetUserName: alice
  condition: selection
)";

LogsourceMap LoadMap() {
  auto map = LogsourceMap::LoadFile("rules/sigma/logsources.yaml");
  REQUIRE(map.has_value());
  return std::move(*map);
}

std::vector<std::string> MatchedIds(const RuleSet& rules, Fields fields) {
  std::vector<std::string> ids;
  Match(rules, MapEventView(std::move(fields)), [&](const Rule& rule) { ids.push_back(rule.id); });
  return ids;
}

RuleSet TwoRules(const LogsourceMap& map) {
  auto process = RuleSet::ParseRule(kProcessRule, "process.yml", map);
  auto security = RuleSet::ParseRule(kSecurityRule, "security.yml", map);
  REQUIRE(process.has_value());
  REQUIRE(security.has_value());
  RuleSet rules = std::move(*process);
  rules.Append(std::move(*security));
  return rules;
}

TEST_CASE("the logsource map names Sysmon and Security sources for process_creation") {
  const LogsourceMap map = LoadMap();
  const auto* sources = map.Find("windows", "process_creation", "");
  REQUIRE(sources != nullptr);
  REQUIRE(sources->size() == 2);
  CHECK((*sources)[0].channel == kSysmon);
  CHECK((*sources)[0].event_ids == std::vector<std::string>{"1"});
  CHECK((*sources)[1].channel == "Security");
  CHECK((*sources)[1].event_ids == std::vector<std::string>{"4688"});
  CHECK((*sources)[1].field_renames.at("Image") == "NewProcessName");
  const auto* powershell = map.Find("windows", "", "powershell");
  REQUIRE(powershell != nullptr);
  CHECK((*powershell)[0].channel == "Microsoft-Windows-PowerShell/Operational");
  CHECK(map.Find("linux", "process_creation", "") == nullptr);
  for (const char* category : {"network_connection", "registry_set", "registry_event",
                               "file_event", "image_load", "ps_script", "dns_query"}) {
    CAPTURE(category);
    CHECK(map.Find("windows", category, "") != nullptr);
  }
}

TEST_CASE("a process_creation rule fires on Sysmon 1 and on Security 4688 with renamed fields") {
  const LogsourceMap map = LoadMap();
  const RuleSet rules = TwoRules(map);
  CHECK(MatchedIds(rules, {{"Channel", kSysmon},
                           {"EventID", "1"},
                           {"Image", "C:\\Windows\\System32\\cmd.exe"},
                           {"ParentImage", "C:\\Office\\WINWORD.EXE"}}) ==
        std::vector<std::string>{"11111111-1111-1111-1111-111111111111"});
  CHECK(MatchedIds(rules, {{"Channel", "Security"},
                           {"EventID", "4688"},
                           {"NewProcessName", "C:\\Windows\\System32\\cmd.exe"},
                           {"ParentProcessName", "C:\\Office\\WINWORD.EXE"}}) ==
        std::vector<std::string>{"11111111-1111-1111-1111-111111111111"});
}

TEST_CASE("rules are not evaluated against events of other channels or EventIDs") {
  const LogsourceMap map = LoadMap();
  const RuleSet rules = TwoRules(map);
  // Sysmon 3 (network connection) carries Image too, but is not process_creation.
  CHECK(MatchedIds(rules, {{"Channel", kSysmon},
                           {"EventID", "3"},
                           {"Image", "C:\\cmd.exe"},
                           {"ParentImage", "C:\\winword.exe"}})
            .empty());
  CHECK(MatchedIds(rules, {{"Channel", "System"},
                           {"EventID", "1"},
                           {"Image", "C:\\cmd.exe"},
                           {"ParentImage", "C:\\winword.exe"}})
            .empty());
  CHECK(MatchedIds(rules, {{"Channel", "security"},
                           {"EventID", "4624"},
                           {"TargetUserName", "Alice"}}) ==
        std::vector<std::string>{"22222222-2222-2222-2222-222222222222"});
  CHECK(MatchedIds(rules, {{"Channel", kSysmon}, {"EventID", "4624"}, {"TargetUserName", "alice"}})
            .empty());
}

TEST_CASE("a rule with a pinned and an any-EventID source on one channel is reported once") {
  auto map = LogsourceMap::Parse(R"(logsources:
  - product: windows
    service: mixed
    sources:
      - {channel: Security, event_ids: [4624]}
      - {channel: Security}
)");
  REQUIRE(map.has_value());
  auto rules = RuleSet::ParseRule(
      "title: t\nid: r1\nlogsource: {product: windows, service: mixed}\n"
      "detection:\n  s:\n    TargetUserName: bob\n  condition: s\n",
      "mixed.yml", *map);
  REQUIRE(rules.has_value());
  CHECK(MatchedIds(*rules, {{"Channel", "Security"}, {"EventID", "4624"}, {"TargetUserName", "bob"}}) ==
        std::vector<std::string>{"r1"});
  CHECK(MatchedIds(*rules, {{"Channel", "Security"}, {"EventID", "4625"}, {"TargetUserName", "bob"}}) ==
        std::vector<std::string>{"r1"});
  CHECK(MatchedIds(*rules, {{"Channel", "Security"}, {"TargetUserName", "bob"}}) ==
        std::vector<std::string>{"r1"});
}

TEST_CASE("with a logsource map, rules of unmapped logsources load but never match") {
  const LogsourceMap map = LoadMap();
  auto rules = RuleSet::ParseRule(
      "title: zeek\nid: z1\nlogsource: {product: zeek, service: http}\n"
      "detection:\n  keywords: ['a']\n  condition: keywords\n",
      "zeek.yml", map);
  REQUIRE(rules.has_value());
  CHECK(rules->unmapped_count() == 1);
  CHECK(MatchedIds(*rules, {{"Channel", "Security"}, {"EventID", "4624"}, {"X", "a"}}).empty());
}

TEST_CASE("without a logsource map a rule is matched against every event") {
  auto rules = RuleSet::ParseRule(kProcessRule, "process.yml");
  REQUIRE(rules.has_value());
  CHECK(rules->rules()[0].sources.empty());
  CHECK(MatchedIds(*rules, {{"Image", "C:\\cmd.exe"}, {"ParentImage", "C:\\winword.exe"}}) ==
        std::vector<std::string>{"11111111-1111-1111-1111-111111111111"});
}

TEST_CASE("a malformed logsource map is refused") {
  CHECK_FALSE(LogsourceMap::Parse("logsources: 3").has_value());
  CHECK_FALSE(LogsourceMap::Parse("logsources:\n  - product: windows\n    sources: []\n")
                  .has_value());
  CHECK_FALSE(LogsourceMap::LoadFile("rules/sigma/no_such_file.yaml").has_value());
}

}  // namespace
}  // namespace kensa::sigma

namespace kensa::sigma {
namespace {

constexpr char kAntivirusRule[] = R"(title: Hack tool found by the antivirus
id: 33333333-3333-3333-3333-333333333333
level: high
logsource:
  category: antivirus
detection:
  selection:
    Signature|startswith: 'HackTool:'
    Filename|endswith: '.exe'
  condition: selection
)";

TEST_CASE("a rule naming no product takes the mapped category: antivirus reads Defender's detections") {
  const LogsourceMap map = LoadMap();
  auto rules = RuleSet::ParseRule(kAntivirusRule, "antivirus.yml", map);
  REQUIRE(rules.has_value());
  CHECK(rules->unmapped_count() == 0);
  const Fields detection = {{"Channel", "Microsoft-Windows-Windows Defender/Operational"},
                            {"EventID", "1116"},
                            {"ThreatName", "HackTool:Win32/Mimikatz"},
                            {"Path", "file:_C:\\Users\\Public\\m.exe"}};
  CHECK(MatchedIds(*rules, detection) == std::vector<std::string>{"33333333-3333-3333-3333-333333333333"});
  Fields other_log = detection;
  other_log["Channel"] = "Application";
  CHECK(MatchedIds(*rules, other_log).empty());
}

}  // namespace
}  // namespace kensa::sigma
