// The DestList stream of automatic jump lists, as Windows 7 (version 1) and Windows 10/11
// (version 4) write it (tests/support/make_destlist.py): entries, times, pins, counts, hosts.
#include "kensa/lnk/dest_list.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "kensa/core/file.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;

namespace {

kensa::Bytes MakeDestList(int version) {
  const fs::path dir = fs::temp_directory_path() / ("kensa-destlist-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "spec.json") << R"json({"version": )json" << version << R"json(, "entries": [
    {"number": 2, "last_used": "2026-11-20T09:15:00Z", "pinned": false, "count": 3, "host": "taro-pc",
     "path": "E:\\invoice.pdf.exe"},
    {"number": 1, "last_used": "2026-11-19T23:59:59Z", "pinned": true, "count": 41, "host": "TARO-PC",
     "path": "C:\\Users\\taro\\Documents\\見積書.xlsx"}]})json";
  kensa::test_support::RunCommand("python3 tests/support/make_destlist.py '" + (dir / "DestList").string() + "' '" +
                                  (dir / "spec.json").string() + "'");
  auto bytes = kensa::ReadFileBounded((dir / "DestList").string(), 1 << 20);
  fs::remove_all(dir);
  REQUIRE(bytes.has_value());
  return *bytes;
}

}  // namespace

TEST_CASE("a Windows 10 DestList gives each entry's last use, pin, count, host and path") {
  auto list = kensa::lnk::ParseDestList(MakeDestList(4));
  REQUIRE(list.has_value());
  CHECK(list->version == 4);
  CHECK_FALSE(list->truncated);
  REQUIRE(list->entries.size() == 2);
  const auto& recent = list->entries[0];
  CHECK(recent.entry_number == 2);
  CHECK(recent.last_used == "2026-11-20T09:15:00Z");
  CHECK_FALSE(recent.pinned);
  CHECK(recent.interaction_count == 3);
  CHECK(recent.host == "taro-pc");
  CHECK(recent.path == "E:\\invoice.pdf.exe");
  CHECK(list->entries[1].pinned);
  CHECK(list->entries[1].interaction_count == 41);
  CHECK(list->entries[1].path == "C:\\Users\\taro\\Documents\\見積書.xlsx");
}

TEST_CASE("a Windows 7 DestList has no interaction count; a cut or foreign stream is told apart") {
  const kensa::Bytes win7 = MakeDestList(1);
  auto list = kensa::lnk::ParseDestList(win7);
  REQUIRE(list.has_value());
  REQUIRE(list->entries.size() == 2);
  CHECK(list->entries[0].interaction_count == 0);
  CHECK(list->entries[1].last_used == "2026-11-19T23:59:59Z");

  // Cut inside the second entry: the first is kept and the list says it is truncated.
  const kensa::Bytes cut(win7.begin(), win7.end() - 10);
  auto partial = kensa::lnk::ParseDestList(cut);
  REQUIRE(partial.has_value());
  CHECK(partial->entries.size() == 1);
  CHECK(partial->truncated);

  CHECK_FALSE(kensa::lnk::ParseDestList(kensa::Bytes(31, 0)).has_value());
  kensa::Bytes version2(32, 0);
  version2[0] = 2;
  CHECK_FALSE(kensa::lnk::ParseDestList(version2).has_value());
  CHECK(kensa::lnk::ParseDestList(kensa::Bytes{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                               0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})->entries.empty());
  // At most max_entries are read.
  CHECK(kensa::lnk::ParseDestList(MakeDestList(4), 1)->entries.size() == 1);
}
