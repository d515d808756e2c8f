// Prefetch files in a Windows collection: plaso's real ones (../shared/corpora, copied into a
// temporary collection folder at test time), and copies of CMD.EXE's (version 17) with the
// program name or path changed to those of an attack tool or a public folder.
#include "kensa/hunt/prefetch_table.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <unistd.h>

#include "kensa/core/file.h"
#include "kensa/hunt/host_checks.h"
#include "kensa/hunt/hunt_path.h"

namespace fs = std::filesystem;
using namespace kensa::hunt;

namespace {

const fs::path kPlaso = "../shared/corpora/plaso-test-data/test_data/winprefetch";

kensa::Bytes Utf16(const std::string& ascii) {
  kensa::Bytes out;
  for (const char c : ascii) {
    out.push_back(static_cast<std::uint8_t>(c));
    out.push_back(0);
  }
  return out;
}

void Replace(kensa::Bytes* data, const std::string& from, const std::string& to) {
  REQUIRE(from.size() == to.size());
  const kensa::Bytes needle = Utf16(from);
  const auto at = std::search(data->begin(), data->end(), needle.begin(), needle.end());
  REQUIRE(at != data->end());
  const kensa::Bytes replacement = Utf16(to);
  std::copy(replacement.begin(), replacement.end(), at);
}

struct PrefetchCollection {
  fs::path dir;
  explicit PrefetchCollection(bool with_attack_tools) {
    dir = fs::temp_directory_path() / ("kensa-prefetch-table-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    const fs::path prefetch = dir / "files/C/Windows/Prefetch";
    fs::create_directories(prefetch);
    for (const char* name : {"CMD.EXE-087B4001.pf", "PING.EXE-B29F6629.pf", "NOTEPAD.EXE-D8414F97.pf"}) {
      fs::copy_file(kPlaso / name, prefetch / name);
    }
    std::string items = R"({"path": "files/C/Windows/Prefetch/CMD.EXE-087B4001.pf", "kind": "file", "artifact": "prefetch"},
                           {"path": "files/C/Windows/Prefetch/PING.EXE-B29F6629.pf", "kind": "file", "artifact": "prefetch"},
                           {"path": "files/C/Windows/Prefetch/NOTEPAD.EXE-D8414F97.pf", "kind": "file", "artifact": "prefetch"})";
    if (with_attack_tools) {
      auto cmd = kensa::ReadFileBounded((kPlaso / "CMD.EXE-087B4001.pf").string(), 1u << 20);
      REQUIRE(cmd.has_value());
      kensa::Bytes mimikatz = *cmd;
      const kensa::Bytes name = Utf16(std::string("MIMIKATZ.EXE\0", 13));
      std::copy(name.begin(), name.end(), mimikatz.begin() + 16);  // the header's 60-byte name field
      std::ofstream(prefetch / "MIMIKATZ-11111111.pf", std::ios::binary)
          .write(reinterpret_cast<const char*>(mimikatz.data()), static_cast<std::streamsize>(mimikatz.size()));
      kensa::Bytes moved = *cmd;
      Replace(&moved, "\\WINDOWS\\SYSTEM32\\CMD.EXE", "\\USERS\\PUBLIC\\ABC\\CMD.EXE");
      std::ofstream(prefetch / "CMD.EXE-22222222.pf", std::ios::binary)
          .write(reinterpret_cast<const char*>(moved.data()), static_cast<std::streamsize>(moved.size()));
      std::ofstream(prefetch / "BROKEN.EXE-33333333.pf", std::ios::binary) << "MAM\x04garbage";
      items += R"(, {"path": "files/C/Windows/Prefetch/MIMIKATZ-11111111.pf", "kind": "file", "artifact": "prefetch"},
                  {"path": "files/C/Windows/Prefetch/CMD.EXE-22222222.pf", "kind": "file", "artifact": "prefetch"},
                  {"path": "files/C/Windows/Prefetch/BROKEN.EXE-33333333.pf", "kind": "file", "artifact": "prefetch"})";
    }
    std::ofstream(dir / "manifest.json") << R"({"format": "kensa-collection", "format_version": 1,
        "host": {"hostname": "PC-HANAKO"}, "started_at": "2026-11-26T01:00:00Z", "items": [)"
                                         << items << "]}";
  }
  ~PrefetchCollection() { fs::remove_all(dir); }
};

}  // namespace

TEST_CASE("the Prefetch folder becomes a table of programs run") {
  PrefetchCollection fixture(false);
  auto collection = kensa::collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  const PrefetchTable table = DerivePrefetchTable(*collection);
  CHECK(table.files_read == 3);
  CHECK(table.problems.empty());
  CHECK(table.tsv ==
        "last_run\texecutable\tpath\trun_count\tprevious_runs\tvolume_serial\tprefetch_file\n"
        "2013-03-10T10:11:49.28125Z\tCMD.EXE\t\\\\WINDOWS\\\\SYSTEM32\\\\CMD.EXE\t2\t\t24CB074B\t"
        "files/C/Windows/Prefetch/CMD.EXE-087B4001.pf\n"
        "2019-06-05T19:55:04.8777787Z\tNOTEPAD.EXE\t\\\\WINDOWS\\\\SYSTEM32\\\\NOTEPAD.EXE\t2\t"
        "2019-06-05T19:23:00.8157052Z\t2CA3D1AE\tfiles/C/Windows/Prefetch/NOTEPAD.EXE-D8414F97.pf\n"
        "2012-04-06T19:00:55.9329556Z\tPING.EXE\t\\\\WINDOWS\\\\SYSTEM32\\\\PING.EXE\t14\t\tAC036525\t"
        "files/C/Windows/Prefetch/PING.EXE-B29F6629.pf\n");

  // Ordinary programs from their usual folders raise nothing.
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  auto report = HuntCollection(fixture.dir.string(), nullptr, *checks, HuntConfig{});
  REQUIRE(report.has_value());
  CHECK(report->findings_size() == 0);
  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_NO_EVIDENCE);
}

TEST_CASE("an attack tool and a program in a public folder are found with the time they ran") {
  PrefetchCollection fixture(true);
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  auto report = HuntCollection(fixture.dir.string(), nullptr, *checks, HuntConfig{});
  REQUIRE(report.has_value());
  CHECK(report->verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  std::map<std::string, const kensa::forensics::v1::Finding*> by_rule;
  for (const auto& finding : report->findings()) by_rule[finding.rule_id()] = &finding;
  REQUIRE(by_rule.count("windows_prefetch_credential_tool"));
  const auto& mimikatz = *by_rule["windows_prefetch_credential_tool"];
  CHECK(mimikatz.level() == "high");
  CHECK(mimikatz.timestamp() == "2013-03-10T10:11:49Z");  // findings keep whole seconds
  CHECK(mimikatz.evidence().find("MIMIKATZ") != std::string::npos);
  CHECK(mimikatz.evidence().find("MIMIKATZ-11111111.pf") != std::string::npos);
  REQUIRE(by_rule.count("windows_prefetch_public_folder"));
  CHECK(by_rule["windows_prefetch_public_folder"]->evidence().find("\\USERS\\PUBLIC\\ABC\\CMD.EXE") != std::string::npos);
  // The unreadable file is named among the collection's problems.
  const auto& problems = report->collection().problems();
  CHECK(std::any_of(problems.begin(), problems.end(), [](const std::string& p) {
    return p.rfind("files/C/Windows/Prefetch/BROKEN.EXE-33333333.pf: ", 0) == 0;
  }));
  // Every match of a prefetch check is on the timeline at the time the program ran.
  CHECK(std::any_of(report->timeline().begin(), report->timeline().end(), [](const auto& event) {
    return event.time() == "2013-03-10T10:11:49Z" && event.description().find("MIMIKATZ") != std::string::npos;
  }));
}
