// HuntPath on real attack logs (../shared/corpora/evtx-attack-samples) with a small rule written
// here, so that every fact asserted is checkable by reading this file and the log.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/file.h"
#include "kensa/hunt/hunt_path.h"

namespace kensa::hunt {
namespace {

constexpr char kSamples[] = "../shared/corpora/evtx-attack-samples/";

// Sysmon event 10 (process access) whose target is lsass.exe: what Mimikatz' sekurlsa does.
constexpr char kLsassAccessRule[] = R"(title: Kensa Test LSASS Access
id: 6c1f3b52-0d8e-4f3a-9a51-2f7f3c2a0001
status: test
level: high
tags:
  - attack.credential-access
  - attack.t1003.001
  - attack.s0002
logsource:
  product: windows
  category: process_access
detection:
  selection:
    TargetImage|endswith: '\lsass.exe'
  condition: selection
)";

std::string RuleDir() {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kensa_hunt_path_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  REQUIRE(WriteFileAtomically((dir / "lsass_access.yml").string(), kLsassAccessRule).ok());
  return dir.string();
}

HuntConfig TestConfig() {
  HuntConfig config;
  config.sigma_rule_dirs = {RuleDir()};
  return config;
}

TEST_CASE("ATT&CK technique ids are parsed from Sigma tags") {
  CHECK(AttackTechniqueFromTag("attack.t1003.001") == "T1003.001");
  CHECK(AttackTechniqueFromTag("attack.t1059") == "T1059");
  CHECK(AttackTechniqueFromTag("attack.credential-access").empty());
  CHECK(AttackTechniqueFromTag("attack.s0002").empty());
  CHECK(AttackTechniqueFromTag("attack.t10").empty());
  CHECK(AttackTechniqueFromTag("attack.t1003.01").empty());
}

TEST_CASE("High and critical findings mean compromised, medium suspicious, the rest no evidence") {
  CHECK(VerdictForLevel("critical") == forensics::v1::HUNT_VERDICT_COMPROMISED);
  CHECK(VerdictForLevel("high") == forensics::v1::HUNT_VERDICT_COMPROMISED);
  CHECK(VerdictForLevel("medium") == forensics::v1::HUNT_VERDICT_SUSPICIOUS);
  CHECK(VerdictForLevel("low") == forensics::v1::HUNT_VERDICT_NO_EVIDENCE);
  CHECK(VerdictForLevel("informational") == forensics::v1::HUNT_VERDICT_NO_EVIDENCE);
}

TEST_CASE("Hunting a Mimikatz sekurlsa log finds the LSASS access with its evidence") {
  const HuntConfig config = TestConfig();
  const std::string file =
      std::string(kSamples) +
      "Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx";
  auto report = HuntPath(file, config);
  REQUIRE(report.has_value());
  INFO(report->DebugString());
  CHECK(report->schema_version() == "1");
  REQUIRE(report->inputs_size() == 1);
  CHECK(report->inputs(0).records() == 1);
  CHECK(report->inputs(0).chunk_errors() == 0);
  REQUIRE(report->findings_size() == 1);
  const auto& finding = report->findings(0);
  CHECK(finding.rule_id() == "6c1f3b52-0d8e-4f3a-9a51-2f7f3c2a0001");
  CHECK(finding.level() == "high");
  CHECK(finding.attack_techniques_size() == 1);
  CHECK(finding.attack_techniques(0) == "T1003.001");
  CHECK(finding.channel() == "Microsoft-Windows-Sysmon/Operational");
  CHECK(finding.event_id() == "10");
  CHECK(finding.event_record_id() == 1);
  CHECK(finding.timestamp() == "2019-03-17T19:37:11.661930Z");
  CHECK(finding.computer() == "PC04.example.corp");
  CHECK(finding.key_fields().at("SourceImage") ==
        "C:\\Users\\IEUser\\Desktop\\mimikatz_trunk\\Win32\\mimikatz.exe");
  CHECK(finding.key_fields().at("GrantedAccess") == "0x1010");
  CHECK(finding.key_fields().count("CommandLine") == 0);  // Event 10 has none.
  REQUIRE(report->rule_hits_size() == 1);
  CHECK(report->rule_hits(0).count() == 1);
  CHECK(report->verdict_reason() == "1 high match (top rule: Kensa Test LSASS Access)");
  CHECK(report->verdict() == forensics::v1::HUNT_VERDICT_COMPROMISED);
  std::filesystem::remove_all(config.sigma_rule_dirs[0]);
}

TEST_CASE("Matches past the per-rule bound are counted but not kept as findings") {
  HuntConfig config = TestConfig();
  config.max_findings_per_rule = 1;
  // Three Sysmon 10 events on lsass.exe: procdump's and its reflected clones'.
  auto report = HuntPath(
      std::string(kSamples) +
          "Credential Access/sysmon_2x10_lsass_with_different_pid_RtlCreateProcessReflection.evtx",
      config);
  REQUIRE(report.has_value());
  INFO(report->DebugString());
  CHECK(report->findings_size() == 1);
  REQUIRE(report->rule_hits_size() == 1);
  CHECK(report->rule_hits(0).count() == 3);
  CHECK(report->stats().findings_dropped() == 2);
  std::filesystem::remove_all(config.sigma_rule_dirs[0]);
}

TEST_CASE("SigmaHQ's rules on a classic provider's unnamed Data fire (MSSQL xp_cmdshell enabled)") {
  HuntConfig config;
  config.sigma_rule_dirs = {"../shared/corpora/sigma/rules/windows/builtin/application/mssqlserver"};
  auto report = HuntPath(std::string(kSamples) + "Defense Evasion/DE_xp_cmdshell_enabled_MSSQL_EID_15457.evtx", config);
  REQUIRE(report.has_value());
  std::vector<std::string> titles;
  for (const auto& hit : report->rule_hits()) titles.push_back(hit.title());
  INFO(titles.size());
  // Two of the four 15457 events change xp_cmdshell (on, then off); the others another option.
  CHECK(std::count(titles.begin(), titles.end(), "MSSQL XPCmdshell Option Change") == 1);
  for (const auto& hit : report->rule_hits()) {
    if (hit.title() == "MSSQL XPCmdshell Option Change") CHECK(hit.count() == 2);
  }
}

TEST_CASE("SigmaHQ's antivirus rules, which name no product, read Defender's detections") {
  HuntConfig config;
  config.sigma_rule_dirs = {"../shared/corpora/sigma/rules/category/antivirus"};
  config.logsource_map = "rules/sigma/logsources.yaml";
  auto report = HuntPath(std::string(kSamples) + "AutomatedTestingTools/WinDefender_Events_1117_1116_AtomicRedTeam.evtx", config);
  REQUIRE(report.has_value());
  CHECK(report->stats().rules_unmapped() == 0);
  std::vector<std::string> titles;
  for (const auto& hit : report->rule_hits()) titles.push_back(hit.title());
  // Defender named Get-Keystrokes.ps1 Trojan:PowerShell/Powersploit.M, and the AtomicRedTeam
  // web shells Backdoor:ASP/Ace.T and HackTool:JS/Jsprat.
  CHECK(std::count(titles.begin(), titles.end(), "Antivirus - Exploitation Framework Signature") == 1);
  CHECK(std::count(titles.begin(), titles.end(), "Antivirus - Web Shell Detection Signature") == 1);
  CHECK(std::count(titles.begin(), titles.end(), "Antivirus - Hacktool Signature") == 1);
}

TEST_CASE("A key field cut to its size bound ends on a whole character") {
  // The PsExec service's child in this log has a command line of 3-byte characters (U+CDCD),
  // longer than the 512 bytes a finding keeps.
  HuntConfig config;
  config.sigma_rule_dirs = {"../shared/corpora/sigma/rules/windows/process_creation"};
  auto report = HuntPath(std::string(kSamples) + "Privilege Escalation/sysmon_privesc_psexec_dwell.evtx", config);
  REQUIRE(report.has_value());
  bool seen = false;
  for (const auto& finding : report->findings()) {
    auto it = finding.key_fields().find("CommandLine");
    if (it == finding.key_fields().end() || it->second.find("\xEC\xB7\x8D") == std::string::npos) continue;
    seen = true;
    CHECK(it->second.size() == 511);  // byte 512 starts a character that does not fit
    CHECK(IsValidUtf8(it->second));
  }
  CHECK(seen);
  std::string serialized;
  CHECK(report->SerializeToString(&serialized));
}

TEST_CASE("No Sigma rule folder is an error that names the team's rules and --sigma-rules") {
  auto report = HuntPath(std::string(kSamples) + "Credential Access", HuntConfig{});
  REQUIRE_FALSE(report.has_value());
  CHECK(report.error().code() == StatusCode::kInvalidArgument);
  CHECK(report.error().message().find("rules/sigma; --sigma-rules DIR adds more") != std::string::npos);
}

}  // namespace
}  // namespace kensa::hunt
