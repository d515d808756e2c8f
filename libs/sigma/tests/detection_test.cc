// Modifiers, wildcards, value forms and conditions, each on concrete events.

#include <catch2/catch.hpp>

#include <string>

#include "../src/detection.h"
#include "kensa/sigma/rule_set.h"
#include "map_event_view.h"

namespace kensa::sigma {
namespace {

using Fields = std::map<std::string, std::string, std::less<>>;

// A rule with this detection section (lines indented by two spaces) and no logsource mapping.
std::string RuleText(const std::string& detection) {
  return "title: Test rule\n"
         "id: 00000000-0000-0000-0000-000000000001\n"
         "level: high\n"
         "tags: [attack.t1059.001, attack.execution]\n"
         "logsource: {product: windows, category: process_creation}\n"
         "detection:\n" +
         detection;
}

Result<RuleSet> Compile(const std::string& detection) {
  return RuleSet::ParseRule(RuleText(detection), "test.yml");
}

bool Fires(const std::string& detection, Fields fields) {
  auto rules = Compile(detection);
  REQUIRE(rules.has_value());
  bool fired = false;
  Match(*rules, MapEventView(std::move(fields)), [&](const Rule&) { fired = true; });
  return fired;
}

std::string Skip(const std::string& detection) {
  auto rules = Compile(detection);
  REQUIRE_FALSE(rules.has_value());
  return rules.error().message();
}

TEST_CASE("plain values match whole values, case-insensitively") {
  const std::string d =
      "  selection:\n    Image: 'C:\\Windows\\System32\\cmd.exe'\n  condition: selection\n";
  CHECK(Fires(d, {{"Image", "c:\\windows\\system32\\CMD.EXE"}}));
  CHECK_FALSE(Fires(d, {{"Image", "C:\\Windows\\System32\\cmd.exe.bak"}}));
  CHECK_FALSE(Fires(d, {{"CommandLine", "C:\\Windows\\System32\\cmd.exe"}}));
}

TEST_CASE("numbers compare as the text of the event value") {
  const std::string d = "  selection:\n    EventID: 4688\n  condition: selection\n";
  CHECK(Fires(d, {{"EventID", "4688"}}));
  CHECK_FALSE(Fires(d, {{"EventID", "46880"}}));
}

TEST_CASE("contains, startswith and endswith anchor the value") {
  CHECK(Fires("  s:\n    CommandLine|contains: mimikatz\n  condition: s\n",
              {{"CommandLine", "x MimiKatz.exe y"}}));
  CHECK(Fires("  s:\n    Image|startswith: 'C:\\Users\\'\n  condition: s\n",
              {{"Image", "c:\\users\\bob\\a.exe"}}));
  CHECK_FALSE(Fires("  s:\n    Image|startswith: 'C:\\Users\\'\n  condition: s\n",
                    {{"Image", "D:\\C:\\Users\\a.exe"}}));
  CHECK(Fires("  s:\n    Image|endswith: '\\rundll32.exe'\n  condition: s\n",
              {{"Image", "C:\\Windows\\System32\\RUNDLL32.EXE"}}));
  CHECK_FALSE(Fires("  s:\n    Image|endswith: '\\rundll32.exe'\n  condition: s\n",
                    {{"Image", "C:\\rundll32.exe.tmp"}}));
}

TEST_CASE("value lists are OR, and 'all' turns them into AND") {
  const std::string any = "  s:\n    CommandLine|contains: [' -enc ', ' -e ']\n  condition: s\n";
  CHECK(Fires(any, {{"CommandLine", "powershell -e AAA"}}));
  const std::string all =
      "  s:\n    CommandLine|contains|all: ['vssadmin', 'delete', 'shadows']\n  condition: s\n";
  CHECK(Fires(all, {{"CommandLine", "vssadmin.exe Delete Shadows /all"}}));
  CHECK_FALSE(Fires(all, {{"CommandLine", "vssadmin.exe list shadows"}}));
}

TEST_CASE("fields of a map are AND, a list of maps is OR") {
  const std::string map =
      "  s:\n    Image|endswith: '\\cmd.exe'\n    ParentImage|endswith: '\\winword.exe'\n"
      "  condition: s\n";
  CHECK(Fires(map, {{"Image", "C:\\cmd.exe"}, {"ParentImage", "C:\\WINWORD.EXE"}}));
  CHECK_FALSE(Fires(map, {{"Image", "C:\\cmd.exe"}, {"ParentImage", "C:\\explorer.exe"}}));
  const std::string list =
      "  s:\n    - Image|endswith: '\\cmd.exe'\n    - OriginalFileName: 'Cmd.Exe'\n"
      "  condition: s\n";
  CHECK(Fires(list, {{"OriginalFileName", "Cmd.Exe"}}));
  CHECK_FALSE(Fires(list, {{"Image", "C:\\pwsh.exe"}}));
}

TEST_CASE("null matches an absent or empty field") {
  const std::string d = "  s:\n    OriginalFileName: null\n  condition: s\n";
  CHECK(Fires(d, {{"Image", "a"}}));
  CHECK(Fires(d, {{"OriginalFileName", ""}}));
  CHECK_FALSE(Fires(d, {{"OriginalFileName", "cmd.exe"}}));
}

TEST_CASE("keywords are searched in every value") {
  const std::string d = "  keywords:\n    - 'Invoke-Mimikatz'\n    - 'sekurlsa'\n"
                        "  condition: keywords\n";
  CHECK(Fires(d, {{"ScriptBlockText", "iex; invoke-mimikatz -dump"}, {"Path", "x"}}));
  CHECK_FALSE(Fires(d, {{"ScriptBlockText", "Get-Process"}}));
}

TEST_CASE("wildcards * and ? and their escapes") {
  const std::string star = "  s:\n    Image: 'C:\\Temp*evil?.exe'\n  condition: s\n";
  CHECK(Fires(star, {{"Image", "C:\\Temp\\x\\evil1.exe"}}));
  CHECK_FALSE(Fires(star, {{"Image", "C:\\Temp\\evil12.exe"}}));
  // \* is a literal star, \\ a literal backslash.
  const std::string escaped = "  s:\n    CommandLine: 'a\\*b\\\\*'\n  condition: s\n";
  CHECK(Fires(escaped, {{"CommandLine", "a*b\\tail"}}));
  CHECK_FALSE(Fires(escaped, {{"CommandLine", "axb\\tail"}}));
  const std::string question = "  s:\n    CommandLine: 'what\\?'\n  condition: s\n";
  CHECK(Fires(question, {{"CommandLine", "what?"}}));
  CHECK_FALSE(Fires(question, {{"CommandLine", "whatx"}}));
}

TEST_CASE("cased makes the comparison case-sensitive") {
  const std::string d = "  s:\n    Image|cased|endswith: 'CMD.exe'\n  condition: s\n";
  CHECK(Fires(d, {{"Image", "C:\\CMD.exe"}}));
  CHECK_FALSE(Fires(d, {{"Image", "C:\\cmd.exe"}}));
}

TEST_CASE("re is an ECMAScript search, case-sensitive unless i") {
  const std::string d = "  s:\n    CommandLine|re: '-[Ee]nc(odedCommand)? [A-Za-z0-9+/=]{8,}'\n"
                        "  condition: s\n";
  CHECK(Fires(d, {{"CommandLine", "powershell -EncodedCommand SQBFAFgA"}}));
  CHECK_FALSE(Fires(d, {{"CommandLine", "powershell -ENC SQBFAFgA"}}));
  const std::string i = "  s:\n    CommandLine|re|i: 'invoke-(expression|webrequest)'\n"
                        "  condition: s\n";
  CHECK(Fires(i, {{"CommandLine", "INVOKE-WebRequest http://x"}}));
  CHECK(Fires("  s:\n    CommandLine|re: '(?i)^whoami'\n  condition: s\n",
              {{"CommandLine", "WHOAMI /all"}}));
  CHECK(Skip("  s:\n    CommandLine|re: 'a(?<!b)c'\n  condition: s\n")
            .find("regex not supported") != std::string::npos);
}

TEST_CASE("base64 encodes the value; base64offset yields the three alignments") {
  CHECK(Fires("  s:\n    CommandLine|base64|contains: abc\n  condition: s\n",
              {{"CommandLine", "x YWJj y"}}));
  CHECK_FALSE(Fires("  s:\n    CommandLine|base64|contains: abc\n  condition: s\n",
                    {{"CommandLine", "x ywjj y"}}));
  CHECK(internal::Base64OffsetVariants("http") ==
        std::vector<std::string>{"aHR0c", "h0dH", "odHRw"});
  const std::string d = "  s:\n    CommandLine|base64offset|contains: 'http://'\n"
                        "  condition: s\n";
  CHECK(Fires(d, {{"CommandLine", "powershell -enc eGh0dHA6Ly9ldmlsLmV4YW1wbGU="}}));
  CHECK_FALSE(Fires(d, {{"CommandLine", "powershell -enc SQBFAFgA"}}));
}

TEST_CASE("utf16le, wide, utf16be and utf16 encode before base64") {
  CHECK(Fires("  s:\n    CommandLine|utf16le|base64|contains: cmd\n  condition: s\n",
              {{"CommandLine", "-e YwBtAGQA"}}));
  CHECK(Fires("  s:\n    CommandLine|wide|base64offset|contains: ping\n  condition: s\n",
              {{"CommandLine", "-e JgAgAHAAaQBuAGcAIAAxAC4AMgAuADMALgA0AA=="}}));
  // UTF-16BE "cmd" is 00 63 00 6D 00 64: base64 "AGMAbQBk".
  CHECK(Fires("  s:\n    CommandLine|utf16be|base64|contains: cmd\n  condition: s\n",
              {{"CommandLine", "AGMAbQBk"}}));
  // utf16 adds the FF FE byte order mark: FF FE 63 00 -> "//5jAA==".
  CHECK(Fires("  s:\n    CommandLine|utf16|base64: c\n  condition: s\n",
              {{"CommandLine", "//5jAA=="}}));
}

TEST_CASE("windash accepts - / and the Unicode dashes before an option") {
  const std::string d = "  s:\n    CommandLine|contains|windash: ' -urlcache '\n"
                        "  condition: s\n";
  CHECK(Fires(d, {{"CommandLine", "certutil -urlcache -f http://x"}}));
  CHECK(Fires(d, {{"CommandLine", "certutil /urlcache /f http://x"}}));
  CHECK(Fires(d, {{"CommandLine", "certutil \xE2\x80\x93urlcache x"}}));
  CHECK(Fires(d, {{"CommandLine", "certutil \xE2\x80\x94urlcache x"}}));
  CHECK(Fires(d, {{"CommandLine", "certutil \xE2\x80\x95urlcache x"}}));
  CHECK_FALSE(Fires(d, {{"CommandLine", "certutil urlcache x"}}));
}

TEST_CASE("cidr matches IPv4 and IPv6 networks") {
  const std::string d =
      "  s:\n    DestinationIp|cidr: ['10.0.0.0/8', 'fe80::/10', '192.168.1.7']\n"
      "  condition: s\n";
  CHECK(Fires(d, {{"DestinationIp", "10.200.3.4"}}));
  CHECK(Fires(d, {{"DestinationIp", "fe80::1c2:3"}}));
  CHECK(Fires(d, {{"DestinationIp", "192.168.1.7"}}));
  CHECK_FALSE(Fires(d, {{"DestinationIp", "192.168.1.8"}}));
  CHECK_FALSE(Fires(d, {{"DestinationIp", "11.0.0.1"}}));
  CHECK_FALSE(Fires(d, {{"DestinationIp", "not an ip"}}));
}

TEST_CASE("gt, gte, lt and lte compare numbers") {
  CHECK(Fires("  s:\n    Port|gt: 1024\n  condition: s\n", {{"Port", "1025"}}));
  CHECK_FALSE(Fires("  s:\n    Port|gt: 1024\n  condition: s\n", {{"Port", "1024"}}));
  CHECK(Fires("  s:\n    Port|gte: 1024\n  condition: s\n", {{"Port", "1024"}}));
  CHECK(Fires("  s:\n    Port|lt: 10\n  condition: s\n", {{"Port", "9.5"}}));
  CHECK_FALSE(Fires("  s:\n    Port|lte: 10\n  condition: s\n", {{"Port", "11"}}));
  CHECK_FALSE(Fires("  s:\n    Port|lte: 10\n  condition: s\n", {{"Port", "ten"}}));
}

TEST_CASE("exists tests presence of the field") {
  CHECK(Fires("  s:\n    Hashes|exists: true\n  condition: s\n", {{"Hashes", ""}}));
  CHECK_FALSE(Fires("  s:\n    Hashes|exists: true\n  condition: s\n", {{"Image", "x"}}));
  CHECK(Fires("  s:\n    Hashes|exists: false\n  condition: s\n", {{"Image", "x"}}));
}

TEST_CASE("fieldref compares with another field of the same event") {
  const std::string d = "  s:\n    TargetUserName|fieldref: SubjectUserName\n  condition: s\n";
  CHECK(Fires(d, {{"TargetUserName", "Alice"}, {"SubjectUserName", "alice"}}));
  CHECK_FALSE(Fires(d, {{"TargetUserName", "Alice"}, {"SubjectUserName", "bob"}}));
  CHECK_FALSE(Fires(d, {{"TargetUserName", "Alice"}}));
  CHECK(Fires("  s:\n    Image|fieldref|endswith: OriginalFileName\n  condition: s\n",
              {{"Image", "C:\\x\\Cmd.exe"}, {"OriginalFileName", "cmd.exe"}}));
}

TEST_CASE("conditions: and, or, not, parentheses and precedence") {
  const std::string searches =
      "  a:\n    A: '1'\n  b:\n    B: '1'\n  c:\n    C: '1'\n";
  CHECK(Fires(searches + "  condition: a and not b\n", {{"A", "1"}}));
  CHECK_FALSE(Fires(searches + "  condition: a and not b\n", {{"A", "1"}, {"B", "1"}}));
  // and binds tighter than or: a or (b and c).
  CHECK(Fires(searches + "  condition: a or b and c\n", {{"A", "1"}}));
  CHECK_FALSE(Fires(searches + "  condition: (a or b) and c\n", {{"A", "1"}}));
  CHECK(Fires(searches + "  condition: (a or b) and c\n", {{"B", "1"}, {"C", "1"}}));
  CHECK(Fires(searches + "  condition: not (a or b)\n", {{"C", "1"}}));
  CHECK(Fires(searches + "  condition:\n    - a and b\n    - c\n", {{"C", "1"}}));
}

TEST_CASE("conditions: 1 of, all of, patterns and them") {
  const std::string searches =
      "  selection_a:\n    A: '1'\n  selection_b:\n    B: '1'\n  filter:\n    F: '1'\n";
  CHECK(Fires(searches + "  condition: 1 of selection_* and not filter\n", {{"B", "1"}}));
  CHECK_FALSE(Fires(searches + "  condition: 1 of selection_* and not filter\n",
                    {{"B", "1"}, {"F", "1"}}));
  CHECK_FALSE(Fires(searches + "  condition: all of selection_*\n", {{"B", "1"}}));
  CHECK(Fires(searches + "  condition: all of selection_*\n", {{"A", "1"}, {"B", "1"}}));
  CHECK(Fires(searches + "  condition: 1 of them\n", {{"F", "1"}}));
  CHECK_FALSE(Fires(searches + "  condition: all of them\n", {{"A", "1"}, {"B", "1"}}));
  CHECK(Fires(searches + "  condition: all of them\n", {{"A", "1"}, {"B", "1"}, {"F", "1"}}));
}

TEST_CASE("unsupported rules are refused with the reason") {
  CHECK(Skip("  s:\n    A|expand: '%x%'\n  condition: s\n") ==
        "search 's': field 'A|expand': unsupported modifier 'expand'");
  CHECK(Skip("  s:\n    A: 1\n  condition: s | count() by B > 3\n") ==
        "condition: aggregation in condition (deprecated '|' syntax)");
  CHECK(Skip("  s:\n    A: 1\n  condition: s and t\n") ==
        "condition: condition names unknown search 't'");
  CHECK(Skip("  s:\n    A: 1\n  condition: 1 of x_*\n") ==
        "condition: '1 of x_*' matches no search");
  CHECK(Skip("  s:\n    A: 1\n  condition: (s\n") == "condition: missing ')' in condition");
  auto correlation = RuleSet::ParseRule(
      "title: c\nid: x\ncorrelation:\n  type: event_count\n  rules: [a]\n", "c.yml");
  REQUIRE_FALSE(correlation.has_value());
  CHECK(correlation.error().message() == "correlation rule");
  auto bad_yaml = RuleSet::ParseRule("title: [unclosed", "b.yml");
  REQUIRE_FALSE(bad_yaml.has_value());
  CHECK(bad_yaml.error().message().rfind("YAML: ", 0) == 0);
}

TEST_CASE("hostile rule text is bounded") {
  CHECK_FALSE(RuleSet::ParseRule(std::string(100000, '['), "deep.yml").has_value());
  std::string dashes;
  for (int i = 0; i < 1000; ++i) dashes += "- ";
  CHECK_FALSE(RuleSet::ParseRule(dashes + "x\n", "dashes.yml").has_value());
  CHECK_FALSE(RuleSet::ParseRule(std::string(1100 * 1024, 'a'), "big.yml").has_value());
  const std::string controls("title: a\x04\0b\n", 13);
  auto refused = RuleSet::ParseRule(controls, "controls.yml");
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message() == "rule text has a control character (YAML 1.2 section 5.1)");
  // Found by sigma_fuzz: yaml-cpp 0.7's LoadAll never returns on a stream starting with ','.
  auto comma = RuleSet::ParseRule(",:", "comma.yml");
  REQUIRE_FALSE(comma.has_value());
  CHECK(comma.error().message() == "empty rule file");
}

TEST_CASE("a file of several documents is refused as a rule collection") {
  auto rules = RuleSet::ParseRule(
      "action: global\ntitle: t\nid: g1\n---\nlogsource: {product: windows}\n", "multi.yml");
  REQUIRE_FALSE(rules.has_value());
  CHECK(rules.error().message() == "multi-document rule collection");
  // A leading "---" (and comments) before the first document is just a start marker.
  auto single = RuleSet::ParseRule("# c\n---\n" + RuleText("  s:\n    A: 1\n  condition: s\n"),
                                   "single.yml");
  CHECK(single.has_value());
}

TEST_CASE("rule metadata is kept") {
  auto rules = Compile("  s:\n    A: 1\n  condition: s\n");
  REQUIRE(rules.has_value());
  REQUIRE(rules->size() == 1);
  const Rule& rule = rules->rules()[0];
  CHECK(rule.id == "00000000-0000-0000-0000-000000000001");
  CHECK(rule.title == "Test rule");
  CHECK(rule.level == "high");
  CHECK(rule.tags == std::vector<std::string>{"attack.t1059.001", "attack.execution"});
  CHECK(rule.logsource.category == "process_creation");
  CHECK(rule.origin == "test.yml");
}

}  // namespace
}  // namespace kensa::sigma
