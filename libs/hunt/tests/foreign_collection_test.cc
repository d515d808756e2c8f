// The hunt over collections of other tools (libs/collection, "Foreign collections"): a
// Velociraptor offline collection, KAPE target output and a UAC archive, built in their real
// layouts by libs/collection/tests/make_foreign_collections.py around real artifacts, give the
// findings the same evidence gives in a Kensa collection.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

#include "kensa/core/file.h"
#include "kensa/hunt/collection_hunter.h"
#include "kensa/hunt/host_checks.h"
#include "kensa/hunt/hunt_path.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::test_support::RunCommand;
using namespace kensa::hunt;

namespace {

constexpr char kEvtx[] =
    "../shared/corpora/evtx-attack-samples/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx";
constexpr char kMake[] = "python3 libs/collection/tests/make_foreign_collections.py ";

// The rule of hunt_path_test.cc: Sysmon 10 on lsass.exe, what the EVTX above records.
constexpr char kLsassAccessRule[] = R"(title: Kensa Test LSASS Access
id: 6c1f3b52-0d8e-4f3a-9a51-2f7f3c2a0001
status: test
level: high
tags:
  - attack.t1003.001
logsource:
  product: windows
  category: process_access
detection:
  selection:
    TargetImage|endswith: '\lsass.exe'
  condition: selection
)";

struct Fixture {
  fs::path dir;
  explicit Fixture(const std::string& name) {
    dir = fs::temp_directory_path() / ("kensa-foreign-hunt-" + name + "-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "sigma");
    REQUIRE(kensa::WriteFileAtomically((dir / "sigma/lsass_access.yml").string(), kLsassAccessRule).ok());
  }
  ~Fixture() { fs::remove_all(dir); }
  std::string Path(const std::string& name) const { return (dir / name).string(); }

  std::string Hive(const std::string& name, const std::string& prefix, const std::string& reg_text) const {
    const std::string hive = Path(name);
    const std::string reg = hive + ".reg";
    std::ofstream(reg, std::ios::binary) << "Windows Registry Editor Version 5.00\r\n\r\n" << reg_text;
    RunCommand("python3 tests/support/make_hive.py '" + hive + "' '" + reg + "' --prefix '" + prefix + "'");
    fs::remove(reg);
    return hive;
  }
  std::string SoftwareHive() const {
    return Hive("SOFTWARE", "HKEY_LOCAL_MACHINE\\SOFTWARE",
                "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
                "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n\r\n");
  }
};

std::multiset<std::string> RuleIds(const kensa::forensics::v1::HuntReport& report) {
  std::multiset<std::string> ids;
  for (const auto& finding : report.findings()) ids.insert(finding.rule_id());
  return ids;
}

const kensa::forensics::v1::Finding* FindingOf(const kensa::forensics::v1::HuntReport& report, const std::string& id) {
  for (const auto& finding : report.findings()) {
    if (finding.rule_id() == id) return &finding;
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a Velociraptor collection is hunted: Sigma fires on its evtx, the host checks on its hive's Run key") {
  Fixture fixture("velociraptor");
  const std::string zip = fixture.Path("Collection-WKSTN-07.zip");
  RunCommand(std::string(kMake) + "velociraptor '" + zip + "' '" + kEvtx + "' '" + fixture.SoftwareHive() + "'");

  HuntConfig config;
  config.sigma_rule_dirs = {fixture.Path("sigma")};
  auto rules = LoadHuntRules(config);
  REQUIRE(rules.has_value());
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  auto report = HuntCollection(zip, &*rules, *checks, config);
  REQUIRE(report.has_value());
  INFO(report->DebugString());
  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  CHECK(report->collection().manifest().host().hostname() == "WKSTN-07");

  const auto* lsass = FindingOf(*report, "6c1f3b52-0d8e-4f3a-9a51-2f7f3c2a0001");
  REQUIRE(lsass != nullptr);
  CHECK(lsass->source_file() == "files/C/Windows/System32/winevt/Logs/Microsoft-Windows-Sysmon%4Operational.evtx");
  CHECK(lsass->key_fields().at("TargetImage") == "C:\\Windows\\system32\\lsass.exe");

  const auto* run_key = FindingOf(*report, "windows_autorun_user_writable");
  REQUIRE(run_key != nullptr);
  CHECK(run_key->evidence().find("C:\\Users\\Public\\upd.exe -k") != std::string::npos);
  CHECK(run_key->location().rfind("derived/autoruns.tsv:", 0) == 0);

  // forensic-ingest's path: the same zip's bytes through CollectionHunter.
  CollectionHunterConfig hunter_config;
  hunter_config.extra_sigma_dirs = {fixture.Path("sigma")};
  std::vector<std::string> warnings;
  auto hunter = CollectionHunter::Create(hunter_config, &warnings);
  REQUIRE(hunter.has_value());
  auto bytes = kensa::ReadFileBounded(zip, 1u << 30);
  REQUIRE(bytes.has_value());
  auto ingested = (*hunter)->Hunt(*bytes, "Collection-WKSTN-07.zip");
  REQUIRE(ingested.has_value());
  CHECK(ingested->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  CHECK(RuleIds(*ingested).count("6c1f3b52-0d8e-4f3a-9a51-2f7f3c2a0001") == 1);
  CHECK(RuleIds(*ingested).count("windows_autorun_user_writable") == 1);
}

TEST_CASE("a KAPE target folder is hunted: the machine's and the user's Run keys are found in its hives") {
  Fixture fixture("kape");
  const std::string ntuser = fixture.Hive("NTUSER.DAT", "HKEY_CURRENT_USER",
                                          "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
                                          "\"Sync\"=\"C:\\\\Users\\\\alice\\\\AppData\\\\Roaming\\\\sync.exe\"\r\n\r\n");
  const std::string tout = fixture.Path("tout");
  RunCommand(std::string(kMake) + "kape '" + tout + "' '" + fixture.SoftwareHive() + "' '" + ntuser + "'");
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  auto report = HuntCollection(tout, nullptr, *checks, HuntConfig{});
  REQUIRE(report.has_value());
  INFO(report->DebugString());
  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  std::set<std::string> evidence;
  for (const auto& finding : report->findings()) {
    if (finding.rule_id() == "windows_autorun_user_writable") evidence.insert(finding.evidence());
  }
  REQUIRE(evidence.size() == 2);
  CHECK(evidence.begin()->find("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run") != std::string::npos);
  CHECK(std::next(evidence.begin())->find("HKU\\alice\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\tSync\t"
                                          "C:\\Users\\alice\\AppData\\Roaming\\sync.exe") != std::string::npos);
  CHECK(report->collection().hash_mismatches_size() == 1);
}

TEST_CASE("a UAC archive is hunted with the Linux checks over its files and its process listings") {
  Fixture fixture("uac");
  const std::string archive = fixture.Path("uac-web01-linux-20261126100000.tar.gz");
  RunCommand(std::string(kMake) + "uac '" + archive + "'");
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  auto report = HuntCollection(archive, nullptr, *checks, HuntConfig{});
  REQUIRE(report.has_value());
  INFO(report->DebugString());
  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  const auto ids = RuleIds(*report);
  for (const char* id : {"linux_process_deleted_executable", "linux_process_from_temp", "linux_history_download_and_run",
                         "linux_cron_download_and_run", "linux_ssh_root_authorized_key",
                         "linux_suid_outside_system_folders", "linux_uid0_account"}) {
    INFO(id);
    CHECK(ids.count(id) == 1);
  }
  const auto* deleted = FindingOf(*report, "linux_process_deleted_executable");
  REQUIRE(deleted != nullptr);
  CHECK(deleted->location() == "commands/proc_exe.txt:3");
  CHECK(deleted->computer() == "web01");
  CHECK(FindingOf(*report, "linux_uid0_account")->evidence() == "toor:x:0:0::/root:/bin/bash");
  CHECK(FindingOf(*report, "linux_suid_outside_system_folders")->evidence().rfind("/tmp/.x/rootsh\t", 0) == 0);
}
