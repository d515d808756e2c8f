// Programs a Windows host had, from its Shimcache (the AppCompatCache value in SYSTEM, written
// by tests/support/make_appcompat_cache.py) and its Amcache.hve (hivex from .reg text): the
// derived tables, the host checks over them, and the IOC sweep of Amcache's SHA-1.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "kensa/hunt/host_checks.h"
#include "kensa/hunt/hunt_path.h"
#include "kensa/hunt/registry_tables.h"
#include "kensa/hunt/sweeps.h"
#include "hive_collection_support.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::hunt::testing::MakeHive;
using kensa::hunt::testing::WriteManifest;
using kensa::test_support::RunCommand;
using namespace kensa::hunt;

namespace {

// sha1 of the planted "mimikatz.exe" as Amcache's FileId gives it ("0000" + SHA-1).
constexpr const char* kMimikatzSha1 = "d1c2a6f9c6f0b7f3e4a1b2c3d4e5f60718293a4b";

std::string CacheHex(const std::string& layout, const std::vector<std::string>& entries) {
  std::string command = "python3 tests/support/make_appcompat_cache.py " + layout + " /dev/stdout --hex";
  for (const auto& entry : entries) command += " --entry '" + entry + "'";
  return RunCommand(command);
}

struct TraceCollection {
  fs::path dir;
  TraceCollection() {
    dir = fs::temp_directory_path() / ("kensa-execution-traces-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    // The current control set (002) has a Windows 10 cache; 001, the last known good one, an
    // older cache that repeats one entry and has one more.
    const std::string current = CacheHex("windows10", {"C:\\Users\\Public\\mimikatz.exe|133000000000000000|0",
                                                       "C:\\Windows\\System32\\cmd.exe|132000000000000000|0",
                                                       "C:\\Users\\taro\\Downloads\\PsExec64.exe|133100000000000000|0"});
    const std::string older = CacheHex("windows10", {"C:\\Windows\\System32\\cmd.exe|132000000000000000|0",
                                                     "C:\\Tools\\rclone.exe|131000000000000000|0"});
    MakeHive(dir / "files/C/Windows/System32/config/SYSTEM", "HKEY_LOCAL_MACHINE\\SYSTEM",
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\Select]\r\n\"Current\"=dword:00000002\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet002\\Control\\Session Manager\\AppCompatCache]\r\n"
             "\"AppCompatCache\"=hex:" + current + "\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001\\Control\\Session Manager\\AppCompatCache]\r\n"
             "\"AppCompatCache\"=hex:" + older + "\r\n\r\n");
    MakeHive(dir / "files/C/Windows/AppCompat/Programs/Amcache.hve", "HKEY_LOCAL_MACHINE\\A",
             // Windows 10 1709 and later.
             "[HKEY_LOCAL_MACHINE\\A\\Root\\InventoryApplicationFile\\mimikatz.exe|5c2b7f0e1d2a3b4c]\r\n"
             "\"LowerCaseLongPath\"=\"c:\\\\users\\\\public\\\\mimikatz.exe\"\r\n"
             "\"Name\"=\"mimikatz.exe\"\r\n"
             "\"FileId\"=\"0000" + std::string(kMimikatzSha1) + "\"\r\n"
             "\"Size\"=hex(b):00,10,00,00,00,00,00,00\r\n"
             "\"LinkDate\"=\"09/19/2022 22:44:12\"\r\n"
             "\"Publisher\"=\"gentilkiwi (benjamin delpy)\"\r\n"
             "\"ProductName\"=\"mimikatz\"\r\n"
             "\"Version\"=\"2.2.0.0\"\r\n\r\n"
             "[HKEY_LOCAL_MACHINE\\A\\Root\\InventoryApplicationFile\\notepad.exe|0a1b2c3d4e5f6a7b]\r\n"
             "\"LowerCaseLongPath\"=\"c:\\\\windows\\\\system32\\\\notepad.exe\"\r\n"
             "\"Name\"=\"notepad.exe\"\r\n"
             "\"FileId\"=\"0000aaaabbbbccccddddeeeeffff0000111122223333\"\r\n\r\n"
             // Windows 8 to 10 1703: numbered values under Root\File\<volume>\<file id>.
             "[HKEY_LOCAL_MACHINE\\A\\Root\\File\\{11111111-2222-3333-4444-555555555555}\\a0000000b0c1]\r\n"
             "\"15\"=\"C:\\\\Users\\\\taro\\\\AppData\\\\Local\\\\Temp\\\\invoice.exe\"\r\n"
             "\"101\"=\"00000123456789abcdef0123456789abcdef01234567\"\r\n"
             "\"1\"=\"Unknown Corp\"\r\n"
             "\"f\"=dword:5f5e1000\r\n\r\n");
    // Windows 7's RecentFileCache.bcf beside it.
    RunCommand("python3 tests/support/make_appcompat_cache.py recentfilecache '" +
               (dir / "files/C/Windows/AppCompat/Programs/RecentFileCache.bcf").string() +
               "' --entry 'C:\\Users\\hanako\\Downloads\\ncat.exe|0|0'");
    WriteManifest(dir, {{"files/C/Windows/System32/config/SYSTEM", "registry_hives"},
                        {"files/C/Windows/AppCompat/Programs/Amcache.hve", "amcache"},
                        {"files/C/Windows/AppCompat/Programs/RecentFileCache.bcf", "amcache"}});
  }
  ~TraceCollection() { fs::remove_all(dir); }
};

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("Shimcache rows come from every control set, the current one first, without repeats") {
  TraceCollection fixture;
  auto collection = kensa::collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  const RegistryTables tables = DeriveRegistryTables(*collection);
  CHECK(tables.problems.empty());
  CHECK(tables.shimcache_tsv ==
        "last_modified\texecutable\tpath\texecuted\tposition\tcontrol_set\tlayout\n"
        "2022-06-18T04:26:40Z\tmimikatz.exe\tC:\\\\Users\\\\Public\\\\mimikatz.exe\t\t0\tControlSet002\twindows10\n"
        "2019-04-17T18:40:00Z\tcmd.exe\tC:\\\\Windows\\\\System32\\\\cmd.exe\t\t1\tControlSet002\twindows10\n"
        "2022-10-11T22:13:20Z\tPsExec64.exe\tC:\\\\Users\\\\taro\\\\Downloads\\\\PsExec64.exe\t\t2\tControlSet002\twindows10\n"
        "2016-02-15T08:53:20Z\trclone.exe\tC:\\\\Tools\\\\rclone.exe\t\t1\tControlSet001\twindows10\n");
}

TEST_CASE("Amcache rows come from both of its layouts, with the SHA-1 out of the FileId") {
  TraceCollection fixture;
  auto collection = kensa::collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  const RegistryTables tables = DeriveRegistryTables(*collection);
  const std::string& amcache = tables.amcache_tsv;
  CHECK(amcache.rfind("key_written\texecutable\tpath\tsha1\tsize\tlink_date\tpublisher\tproduct\tversion\tamcache_file\n", 0) == 0);
  CHECK(Contains(amcache, "\tmimikatz.exe\tc:\\\\users\\\\public\\\\mimikatz.exe\t" + std::string(kMimikatzSha1) +
                              "\t4096\t2022-09-19T22:44:12Z\tgentilkiwi (benjamin delpy)\tmimikatz\t2.2.0.0\t"
                              "files/C/Windows/AppCompat/Programs/Amcache.hve\n"));
  CHECK(Contains(amcache, "\tnotepad.exe\tc:\\\\windows\\\\system32\\\\notepad.exe\taaaabbbbccccddddeeeeffff0000111122223333\t"));
  // The old layout: path "15", SHA-1 "101", publisher "1", link time "f" (Unix seconds).
  CHECK(Contains(amcache, "\tinvoice.exe\tC:\\\\Users\\\\taro\\\\AppData\\\\Local\\\\Temp\\\\invoice.exe\t"
                          "0123456789abcdef0123456789abcdef01234567\t\t2020-09-13T12:26:40Z\tUnknown Corp\t"));
  // RecentFileCache.bcf (Windows 7): the path only.
  CHECK(Contains(amcache, "\n\tncat.exe\tC:\\\\Users\\\\hanako\\\\Downloads\\\\ncat.exe\t\t\t\t\t\t\t"
                          "files/C/Windows/AppCompat/Programs/RecentFileCache.bcf\n"));
  // Every Amcache row starts with the key's time, so the timeline can place it.
  for (std::size_t start = amcache.find('\n') + 1; start < amcache.size(); start = amcache.find('\n', start) + 1) {
    if (amcache.compare(start, 1, "\t") == 0) continue;  // a RecentFileCache row has none
    CHECK(amcache.compare(start, 2, "20") == 0);
  }
}

TEST_CASE("The Windows host checks find attack tools and odd folders in Amcache and Shimcache") {
  TraceCollection fixture;
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  auto report = HuntCollection(fixture.dir.string(), nullptr, *checks, HuntConfig{});
  REQUIRE(report.has_value());
  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  std::map<std::string, std::vector<std::string>> evidence;
  for (const auto& finding : report->findings()) {
    evidence[finding.rule_id()].push_back(finding.evidence() + " @ " + finding.location());
  }
  // mimikatz in both tables.
  REQUIRE(evidence["windows_trace_credential_tool"].size() == 2);
  CHECK(Contains(evidence["windows_trace_credential_tool"][0] + evidence["windows_trace_credential_tool"][1],
                 "@ derived/amcache.tsv:"));
  CHECK(Contains(evidence["windows_trace_credential_tool"][0] + evidence["windows_trace_credential_tool"][1],
                 "@ derived/shimcache.tsv:2"));
  // PsExec64 from the current cache, rclone from the older one, ncat from RecentFileCache.bcf.
  REQUIRE(evidence["windows_trace_remote_execution_tool"].size() == 3);
  std::string remote;
  for (const auto& line : evidence["windows_trace_remote_execution_tool"]) remote += line;
  CHECK(Contains(remote, "PsExec64.exe"));
  CHECK(Contains(remote, "rclone.exe\tC:\\Tools"));
  CHECK(Contains(remote, "ncat.exe\tC:\\Users\\hanako"));
  // C:\Users\Public\mimikatz.exe in both; invoice.exe in a user's Temp, PsExec64 in Downloads.
  CHECK(evidence["windows_trace_public_folder"].size() == 2);
  REQUIRE(evidence["windows_trace_user_temp"].size() == 3);  // + ncat.exe in Downloads
  std::string user_temp;
  for (const auto& line : evidence["windows_trace_user_temp"]) user_temp += line;
  CHECK(Contains(user_temp, "invoice.exe"));
  CHECK(Contains(user_temp, "ncat.exe"));
  // cmd.exe and notepad.exe in System32 raise nothing.
  for (const auto& [rule, lines] : evidence) {
    for (const auto& line : lines) {
      INFO(rule);
      CHECK_FALSE(Contains(line, "notepad.exe"));
      CHECK_FALSE(Contains(line, "\tcmd.exe"));
    }
  }
  // The Shimcache entry is on the timeline at the file's modification time.
  CHECK(std::any_of(report->timeline().begin(), report->timeline().end(), [](const auto& event) {
    return event.kind() == "shimcache" && event.time() == "2022-06-18T04:26:40Z" &&
           Contains(event.description(), "mimikatz.exe");
  }));
}

TEST_CASE("A triaged sample's SHA-1 in Amcache is a known-bad program the host had") {
  TraceCollection fixture;
  auto collection = kensa::collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  CHECK(AddRegistryTables(&*collection).empty());
  IocList iocs;
  iocs.hashes.emplace(kMimikatzSha1, "intel.txt:3");
  const auto findings = SweepIocs(*collection, iocs);
  REQUIRE(findings.size() == 1);
  CHECK(findings[0].rule_id() == "ioc_known_bad_hash_in_listing");
  CHECK(findings[0].title() == "A known-bad executable was running or present (hash in amcache)");
  CHECK(findings[0].level() == "critical");
  CHECK(Contains(findings[0].location(), "derived/amcache.tsv:"));
  CHECK(Contains(findings[0].evidence(), "mimikatz.exe"));
  CHECK(Contains(findings[0].evidence(), "[known bad: intel.txt:3]"));
}
