// Shortcuts of a Windows collection (Recent items, jump lists, Startup and desktop shortcuts):
// read into derived/shortcuts.tsv and hunted with the shortcut checks of rules/hunt. The
// shortcuts are a real malicious one (InQuest's GlobalSign campaign, wscript on a dropped
// VBScript), plaso's NeroInfoTool.lnk (a benign one Windows wrote) and shortcuts written by
// tests/support/make_lnk.py; the automatic jump list is a compound file made by libgsf's
// `gsf createole`.

#include "kensa/hunt/shortcut_table.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

#include "hive_collection_support.h"
#include "kensa/hunt/host_checks.h"
#include "kensa/hunt/hunt_path.h"
#include "kensa/test_support/command.h"

namespace kensa::hunt {
namespace {

namespace fs = std::filesystem;
using kensa::hunt::testing::WriteManifest;
using kensa::test_support::RunCommand;

constexpr char kProfile[] = "files/C/Users/taro/AppData/Roaming/Microsoft/Windows/";

struct ShortcutCollection {
  fs::path dir;
  std::vector<std::pair<std::string, std::string>> items;

  ShortcutCollection() {
    dir = fs::temp_directory_path() / ("kensa-shortcuts-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "work");
    const std::string work = (dir / "work").string();
    // Opened by the user: the campaign's shortcut (wscript running a VBScript in ProgramData).
    RunCommand("7z e -y -pinfected -o'" + work + "' ../shared/corpora/inquest-docs/2020-07-GlobalSign.zip "
               "2020-07-GlobalSign/system_lnk");
    Put(std::string(kProfile) + "Recent/請求書.lnk", work + "/system_lnk");
    // Persistence: a Startup shortcut to a program in C:\Users\Public.
    MakeLnk(work + "/update.lnk", "C:\\Users\\Public\\upd.exe", "");
    Put(std::string(kProfile) + "Start Menu/Programs/Startup/update.lnk", work + "/update.lnk");
    // An automatic jump list: a double-extension program opened from a USB stick, and
    // NeroInfoTool (benign).
    MakeLnk(work + "/1", "E:\\invoice.pdf.exe", "", "--drive-type 2 --serial 5a5a0001");
    fs::copy_file("../shared/corpora/plaso-test-data/test_data/NeroInfoTool.lnk", work + "/2");
    // Its DestList (Windows 10's version 4): the stick's program opened three times on TARO-PC,
    // NeroInfoTool pinned.
    std::ofstream(work + "/destlist.json")
        << R"json({"version": 4, "entries": [
             {"number": 1, "last_used": "2026-11-20T09:15:00Z", "count": 3, "host": "taro-pc", "path": "E:\\invoice.pdf.exe"},
             {"number": 2, "last_used": "2026-10-01T08:00:00Z", "pinned": true, "count": 12, "host": "taro-pc",
              "path": "C:\\Program Files (x86)\\Nero\\Nero 9\\Nero InfoTool\\InfoTool.exe"}]})json";
    RunCommand("python3 tests/support/make_destlist.py '" + work + "/DestList' '" + work + "/destlist.json' >/dev/null");
    RunCommand("cd '" + work + "' && gsf createole jump.ms 1 2 DestList 2>/dev/null");
    Put(std::string(kProfile) + "Recent/AutomaticDestinations/5f7b5f1e01b83767.automaticDestinations-ms",
        work + "/jump.ms");
    // A custom jump list: an ISO opened from Downloads, between a header and the footer.
    MakeLnk(work + "/iso.lnk", "C:\\Users\\taro\\Downloads\\scan_2026.iso", "");
    {
      std::ifstream lnk(work + "/iso.lnk", std::ios::binary);
      std::ofstream custom(work + "/custom.ms", std::ios::binary);
      custom << std::string("\x02\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00", 16) << lnk.rdbuf()
             << std::string("\xAB\xFB\xBF\xBA", 4);
    }
    Put(std::string(kProfile) + "Recent/CustomDestinations/28c8b86deab549a1.customDestinations-ms",
        work + "/custom.ms");
    // On the desktop: a shortcut with its payload appended after the terminal block.
    MakeLnk(work + "/readme.lnk", "C:\\Windows\\System32\\cmd.exe",
            "/c findstr /b TVq %~f0 > %temp%\\r.b64", "--append 'TVqQAAMAAAAEAAAA'");
    Put("files/C/Users/taro/Desktop/readme.lnk", work + "/readme.lnk");
    fs::remove_all(dir / "work");
    WriteManifest(dir, items);
  }
  ~ShortcutCollection() { fs::remove_all(dir); }

  void MakeLnk(const std::string& out, const std::string& target, const std::string& args,
               const std::string& options = "") {
    RunCommand("python3 tests/support/make_lnk.py '" + out + "' '" + target + "'" +
               (args.empty() ? "" : " --args '" + args + "'") + " " + options);
  }
  void Put(const std::string& path, const std::string& from) {
    fs::create_directories((dir / path).parent_path());
    fs::copy_file(from, dir / path);
    items.push_back({path, "shortcuts"});
  }
};

std::vector<std::string> Lines(const std::string& tsv) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < tsv.size()) {
    const auto end = tsv.find('\n', start);
    lines.push_back(tsv.substr(start, end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST_CASE("Recent items, both kinds of jump list and Startup and desktop shortcuts become one table") {
  ShortcutCollection fixture;
  auto collection = collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  const ShortcutTable table = DeriveShortcutTable(*collection);
  std::string problems;
  for (const auto& problem : table.problems) problems += problem + "\n";
  INFO(problems);
  CHECK(table.problems.empty());
  CHECK(table.files_read == 5);
  CHECK(table.shortcuts == 6);
  const auto lines = Lines(table.tsv);
  REQUIRE(lines.size() == 7);
  CHECK(lines[0].starts_with("time\ttarget_accessed\tsource\tuser\ttarget_path\targuments\tcommand_line\t"));
  CHECK(lines[0].ends_with("\tshortcut\tjumplist_last_used\tjumplist_pinned\tjumplist_uses\tjumplist_host"));
  std::map<std::string, std::string> by_target;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::size_t start = 0;
    for (int column = 0; column < 4; ++column) start = lines[i].find('\t', start) + 1;
    by_target[lines[i].substr(start, lines[i].find('\t', start) - start)] = lines[i];
  }
  // The campaign's shortcut, with what Windows recorded of the attacker's machine.
  const std::string& campaign = by_target["C:\\\\Windows\\\\System32\\\\wscript.exe"];
  CHECK(campaign.starts_with("2020-05-07T14:30:18.728731Z\t2020-05-07T14:30:18.728731Z\trecent\ttaro\t"));
  CHECK(Contains(campaign, "\tdesktop-3qp1nmc\t00:50:56:92:a7:d5\t"));
  CHECK(Contains(campaign, "/Recent/請求書.lnk"));
  // Jump list entries name their stream; the USB stick's type and serial number are kept.
  const std::string& usb = by_target["E:\\\\invoice.pdf.exe"];
  CHECK(Contains(usb, "\tjumplist\ttaro\t"));
  CHECK(Contains(usb, "\tDRIVE_REMOVABLE\t5A5A0001\t"));
  CHECK(Contains(usb, ".automaticDestinations-ms#1"));
  // Its time is the jump list's last use, and the DestList's pin, count and host follow it.
  CHECK(usb.starts_with("2026-11-20T09:15:00Z\t"));
  CHECK(usb.ends_with(".automaticDestinations-ms#1\t2026-11-20T09:15:00Z\tno\t3\ttaro-pc"));
  CHECK(by_target["C:\\\\Program Files (x86)\\\\Nero\\\\Nero 9\\\\Nero InfoTool\\\\InfoTool.exe"].ends_with(
      "#2\t2026-10-01T08:00:00Z\tyes\t12\ttaro-pc"));
  CHECK(by_target.count("C:\\\\Program Files (x86)\\\\Nero\\\\Nero 9\\\\Nero InfoTool\\\\InfoTool.exe") == 1);
  CHECK(Contains(by_target["C:\\\\Users\\\\taro\\\\Downloads\\\\scan_2026.iso"], "\tjumplist_custom\t"));
  CHECK(Contains(by_target["C:\\\\Users\\\\taro\\\\Downloads\\\\scan_2026.iso"], ".customDestinations-ms@16"));
  // Cut out of the jump list, its end is the list's footer, not appended data.
  CHECK_FALSE(Contains(by_target["C:\\\\Users\\\\taro\\\\Downloads\\\\scan_2026.iso"], "lnk_appended_data"));
  CHECK(Contains(by_target["C:\\\\Users\\\\Public\\\\upd.exe"], "\tstartup\ttaro\t"));
  CHECK(Contains(by_target["C:\\\\Windows\\\\System32\\\\cmd.exe"], "\tdesktop\ttaro\t"));
  CHECK(Contains(by_target["C:\\\\Windows\\\\System32\\\\cmd.exe"], "\tlnk_appended_data\t"));
}

TEST_CASE("The shortcut checks fire on the malicious shortcuts and not on the benign one") {
  ShortcutCollection fixture;
  auto checks = LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  HuntConfig config;
  auto report = HuntCollection(fixture.dir.string(), nullptr, *checks, config);
  REQUIRE(report.has_value());
  std::map<std::string, std::vector<std::string>> evidence;
  for (const auto& finding : report->findings()) {
    if (finding.rule_id().starts_with("windows_shortcut_")) evidence[finding.rule_id()].push_back(finding.evidence());
  }
  REQUIRE(evidence["windows_shortcut_script_payload"].size() == 2);
  CHECK(Contains(evidence["windows_shortcut_script_payload"][0] + evidence["windows_shortcut_script_payload"][1],
                 "licenseverification.vbs"));
  REQUIRE(evidence["windows_shortcut_startup_user_writable"].size() == 1);
  CHECK(Contains(evidence["windows_shortcut_startup_user_writable"][0], "upd.exe"));
  REQUIRE(evidence["windows_shortcut_double_extension"].size() == 1);
  CHECK(Contains(evidence["windows_shortcut_double_extension"][0], "invoice.pdf.exe"));
  REQUIRE(evidence["windows_shortcut_removable_or_network_program"].size() == 1);
  CHECK(Contains(evidence["windows_shortcut_removable_or_network_program"][0], "invoice.pdf.exe"));
  REQUIRE(evidence["windows_shortcut_disk_image_opened"].size() == 1);
  CHECK(Contains(evidence["windows_shortcut_disk_image_opened"][0], "scan_2026.iso"));
  REQUIRE(evidence["windows_shortcut_appended_payload"].size() == 1);
  CHECK(Contains(evidence["windows_shortcut_appended_payload"][0], "findstr"));
  // NeroInfoTool.lnk, a shortcut Windows wrote for an installed program, fires nothing.
  for (const auto& [rule, lines] : evidence) {
    for (const auto& line : lines) CHECK_FALSE(Contains(line, "InfoTool.exe"));
  }
  CHECK(report->verdict() == forensics::v1::HUNT_VERDICT_COMPROMISED);
  // The derived table is listed in the report's manifest.
  bool listed = false;
  for (const auto& item : report->collection().manifest().items()) {
    if (item.path() == "derived/shortcuts.tsv") listed = item.source() == "shortcut files: 5 read, 6 shortcuts";
  }
  CHECK(listed);
}

TEST_CASE("A damaged jump list or shortcut is a problem of the collection, not a failure") {
  ShortcutCollection fixture;
  const fs::path jump = fixture.dir / (std::string(kProfile) +
                                       "Recent/AutomaticDestinations/5f7b5f1e01b83767.automaticDestinations-ms");
  fs::resize_file(jump, 700);
  std::ofstream(fixture.dir / "files/C/Users/taro/Desktop/readme.lnk", std::ios::binary) << "not a shortcut";
  auto collection = collection::Collection::Open(fixture.dir.string());
  REQUIRE(collection.has_value());
  const ShortcutTable table = DeriveShortcutTable(*collection);
  REQUIRE(table.problems.size() >= 2);
  std::string problems;
  for (const auto& problem : table.problems) problems += problem + "\n";
  CHECK(Contains(problems, "5f7b5f1e01b83767.automaticDestinations-ms"));
  CHECK(Contains(problems, "Desktop/readme.lnk: "));
  CHECK(Contains(table.tsv, "wscript.exe"));  // the other files still count
}

}  // namespace
}  // namespace kensa::hunt
