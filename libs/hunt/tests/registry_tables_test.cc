// A Windows collection that holds only registry hives (written by hivex from .reg text, see
// tests/support/make_hive.py): the autostart and service tables are read from the hives, and
// the Windows host checks fire on them as they do on the collector's API tables.
#include "kensa/hunt/registry_tables.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "kensa/hunt/host_checks.h"
#include "kensa/hunt/hunt_path.h"
#include "hive_collection_support.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::hunt::testing::MakeHive;
using kensa::hunt::testing::WriteManifest;
using kensa::test_support::RunCommand;
using namespace kensa::hunt;

namespace {

// A collection folder as a KAPE-style copy would give it: the hives and a manifest, no API tables.
struct HiveCollection {
  fs::path dir;
  HiveCollection() {
    dir = fs::temp_directory_path() / ("kensa-registry-tables-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    MakeHive(dir / "files/C/Windows/System32/config/SOFTWARE", "HKEY_LOCAL_MACHINE\\SOFTWARE",
             "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
             "\"SecurityHealth\"=hex(2):25,00,77,00,69,00,6e,00,64,00,69,00,72,00,25,00,00,00\r\n"
             "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options\\sethc.exe]\r\n"
             "\"Debugger\"=\"C:\\\\Windows\\\\System32\\\\cmd.exe\"\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
             "\"Helper32\"=\"C:\\\\Program Files (x86)\\\\Vendor\\\\helper.exe\"\r\n\r\n");
    MakeHive(dir / "files/C/Windows/System32/config/SYSTEM", "HKEY_LOCAL_MACHINE\\SYSTEM",
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n\"Current\"=dword:00000002\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Services\\Stale]\r\n"
             "\"ImagePath\"=\"C:\\\\Windows\\\\Temp\\\\old.exe\"\r\n\"Start\"=dword:00000002\r\n\"Type\"=dword:00000010\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control\\Session Manager]\r\n"
             "\"BootExecute\"=hex(7):61,00,75,00,74,00,6f,00,63,00,68,00,65,00,63,00,6b,00,00,00,00,00\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\WinDefendX]\r\n"
             "\"DisplayName\"=\"Windows Defender Helper\"\r\n"
             "\"ImagePath\"=\"C:\\\\Windows\\\\Temp\\\\svchost.exe\"\r\n\"Start\"=dword:00000002\r\n\"Type\"=dword:00000010\r\n"
             "\"ObjectName\"=\"LocalSystem\"\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\Dnscache\\Parameters]\r\n"
             "\"ServiceDll\"=\"C:\\\\Windows\\\\System32\\\\dnsrslvr.dll\"\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\Dnscache]\r\n"
             "\"ImagePath\"=\"C:\\\\Windows\\\\system32\\\\svchost.exe -k NetworkService\"\r\n"
             "\"Start\"=dword:00000002\r\n\"Type\"=dword:00000020\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Services\\EventLog\\Application\\Source]\r\n"
             "\"EventMessageFile\"=\"x.dll\"\r\n\r\n");
    MakeHive(dir / "files/C/Users/taro/NTUSER.DAT", "HKEY_CURRENT_USER",
             "[HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
             "\"OneDrv\"=\"powershell.exe -w hidden -enc SQBFAFgA\"\r\n\r\n");
    WriteManifest(dir, {{"files/C/Windows/System32/config/SOFTWARE", "registry_hives"},
                        {"files/C/Windows/System32/config/SYSTEM", "registry_hives"},
                        {"files/C/Users/taro/NTUSER.DAT", "registry_hives"}});
  }
  ~HiveCollection() { fs::remove_all(dir); }
};

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("autostart and service rows are read from the hives") {
  HiveCollection fixture;
  auto collection = kensa::collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  const RegistryTables tables = DeriveRegistryTables(*collection);
  CHECK(tables.hives_read.size() == 3);
  CHECK(tables.problems.empty());

  const std::string& autoruns = tables.autoruns_tsv;
  CHECK(autoruns.rfind("category\tlocation\tentry\tdata\tkey_modified\n", 0) == 0);
  CHECK(Contains(autoruns, "run\tHKLM\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\tUpdater\t"
                           "C:\\\\Users\\\\Public\\\\upd.exe -k\t2024-01-01T00:00:00Z\n"));
  CHECK(Contains(autoruns, "run\tHKLM\\\\SOFTWARE\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\tSecurityHealth\t%windir%\t"));
  CHECK(Contains(autoruns, "run\tHKLM\\\\SOFTWARE\\\\Wow6432Node\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\tHelper32\t"));
  CHECK(Contains(autoruns, "ifeo_debugger\tHKLM\\\\SOFTWARE\\\\Microsoft\\\\Windows NT\\\\CurrentVersion\\\\Image File "
                           "Execution Options\tsethc.exe\\\\Debugger\tC:\\\\Windows\\\\System32\\\\cmd.exe\t"));
  CHECK(Contains(autoruns, "run\tHKU\\\\taro\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\tOneDrv\t"
                           "powershell.exe -w hidden -enc SQBFAFgA\t"));
  // The control set Select\Current names (002), not ControlSet001's stale service.
  CHECK(Contains(autoruns, "session_manager\tHKLM\\\\SYSTEM\\\\ControlSet002\\\\Control\\\\Session Manager\tBootExecute\tautocheck\t"));
  CHECK(Contains(autoruns, "service\tHKLM\\\\SYSTEM\\\\ControlSet002\\\\Services\tWinDefendX\\\\ImagePath\t"
                           "C:\\\\Windows\\\\Temp\\\\svchost.exe\t"));
  CHECK(Contains(autoruns, "Dnscache\\\\Parameters\\\\ServiceDll\tC:\\\\Windows\\\\System32\\\\dnsrslvr.dll"));
  CHECK_FALSE(Contains(autoruns, "old.exe"));

  const std::string& services = tables.services_tsv;
  CHECK(Contains(services, "WinDefendX\tWindows Defender Helper\town_process\tauto\t\t\tC:\\\\Windows\\\\Temp\\\\svchost.exe\t"
                           "LocalSystem\t\tfrom the SYSTEM hive"));
  CHECK(Contains(services, "Dnscache\t\tshare_process\tauto\t\t\tC:\\\\Windows\\\\system32\\\\svchost.exe -k NetworkService\t\t"
                           "C:\\\\Windows\\\\System32\\\\dnsrslvr.dll\t"));
  CHECK_FALSE(Contains(services, "EventLog"));  // a settings key, not a service
}

TEST_CASE("the Windows host checks fire on what the hives hold") {
  HiveCollection fixture;
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  HuntConfig config;
  auto report = HuntCollection(fixture.dir.string(), nullptr, *checks, config);
  REQUIRE(report.has_value());
  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  std::map<std::string, std::vector<std::string>> evidence;
  for (const auto& finding : report->findings()) evidence[finding.rule_id()].push_back(finding.evidence() + " @ " + finding.location());
  REQUIRE(evidence.count("windows_autorun_user_writable"));
  CHECK(Contains(evidence["windows_autorun_user_writable"].front(), "upd.exe"));
  CHECK(Contains(evidence["windows_autorun_user_writable"].front(), "@ derived/autoruns.tsv:"));
  REQUIRE(evidence.count("windows_autorun_script_host"));
  CHECK(Contains(evidence["windows_autorun_script_host"].front(), "OneDrv"));
  REQUIRE(evidence.count("windows_ifeo_debugger"));
  CHECK(Contains(evidence["windows_ifeo_debugger"].front(), "sethc.exe"));
  REQUIRE(evidence.count("windows_service_user_writable"));
  CHECK(Contains(evidence["windows_service_user_writable"].front(), "WinDefendX"));
  // The derived tables are listed in the report's manifest with what they came from.
  bool listed = false;
  for (const auto& item : report->collection().manifest().items()) {
    if (item.path() == "derived/autoruns.tsv") listed = item.kind() == "derived" && Contains(item.source(), "NTUSER.DAT");
  }
  CHECK(listed);
}

TEST_CASE("a damaged hive is a problem of the collection, not a failure") {
  HiveCollection fixture;
  const fs::path system = fixture.dir / "files/C/Windows/System32/config/SYSTEM";
  fs::resize_file(system, 6000);  // the base block and part of the first hive bin
  auto collection = kensa::collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  const RegistryTables tables = DeriveRegistryTables(*collection);
  REQUIRE_FALSE(tables.problems.empty());
  CHECK(Contains(tables.problems.front(), "files/C/Windows/System32/config/SYSTEM: "));
  CHECK(Contains(tables.autoruns_tsv, "Updater"));  // the other hives still count
}

TEST_CASE("a dirty hive's collected logs are replayed before its tables are read") {
  // A KAPE-style copy of a Windows 10 SOFTWARE hive whose last change (a Run value starting a
  // program in C:\Users\Public) was still only in SOFTWARE.LOG1/.LOG2 when it was copied.
  const fs::path dir = fs::temp_directory_path() / ("kensa-dirty-hive-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const fs::path config = dir / "files/C/Windows/System32/config";
  fs::create_directories(config);
  std::ofstream(dir / "base.reg", std::ios::binary)
      << "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
         "\"SecurityHealth\"=\"C:\\\\Windows\\\\System32\\\\SecurityHealthSystray.exe\"\r\n";
  std::ofstream(dir / "c1.reg", std::ios::binary)
      << "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
         "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n";
  std::ofstream(dir / "c2.reg", std::ios::binary)
      << "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Vendor]\r\n\"Installed\"=dword:00000001\r\n";
  RunCommand("python3 tests/support/make_dirty_hive.py '" + (dir / "out").string() + "' '" + (dir / "base.reg").string() +
             "' '" + (dir / "c1.reg").string() + "' '" + (dir / "c2.reg").string() + "' --format new");
  fs::rename(dir / "out/HIVE", config / "SOFTWARE");
  fs::rename(dir / "out/HIVE.LOG1", config / "SOFTWARE.LOG1");
  fs::rename(dir / "out/HIVE.LOG2", config / "SOFTWARE.LOG2");
  fs::remove_all(dir / "out");
  WriteManifest(dir, {{"files/C/Windows/System32/config/SOFTWARE", "registry_hives"},
                      {"files/C/Windows/System32/config/SOFTWARE.LOG1", "registry_hives"},
                      {"files/C/Windows/System32/config/SOFTWARE.LOG2", "registry_hives"}});
  auto collection = kensa::collection::Collection::Open(dir.string());
  REQUIRE(collection.has_value());
  const RegistryTables tables = DeriveRegistryTables(*collection);
  CHECK(tables.problems.empty());
  // The listing escapes backslashes as the collector's tables do.
  CHECK(Contains(tables.autoruns_tsv, "Updater\tC:\\\\Users\\\\Public\\\\upd.exe -k"));
  REQUIRE(tables.hives_read.size() == 1);
  CHECK(tables.hives_read[0] ==
        "files/C/Windows/System32/config/SOFTWARE (+ 2 log entries, 3 pages replayed from SOFTWARE.LOG1, "
        "SOFTWARE.LOG2)");

  // Without the logs the hive says it is dirty and the value is not there.
  fs::remove(config / "SOFTWARE.LOG1");
  fs::remove(config / "SOFTWARE.LOG2");
  WriteManifest(dir, {{"files/C/Windows/System32/config/SOFTWARE", "registry_hives"}});
  auto without = kensa::collection::Collection::Open(dir.string());
  REQUIRE(without.has_value());
  const RegistryTables stale = DeriveRegistryTables(*without);
  CHECK_FALSE(Contains(stale.autoruns_tsv, "Updater"));
  REQUIRE(stale.problems.size() == 1);
  CHECK(Contains(stale.problems[0], "the hive is dirty"));
  fs::remove_all(dir);
}
