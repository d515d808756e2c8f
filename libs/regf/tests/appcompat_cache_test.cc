// AppCompatCache values in every layout, written by tests/support/make_appcompat_cache.py from
// the layouts' published descriptions, read back; then cut and corrupted.
#include "kensa/regf/appcompat_cache.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "kensa/core/file.h"
#include "kensa/core/time.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::Bytes;
using kensa::test_support::RunCommand;
using namespace kensa::regf;

namespace {

Bytes MakeValue(const std::string& layout, const std::string& entries = "") {
  const fs::path out = fs::temp_directory_path() / ("kensa-appcompat-" + std::to_string(::getpid()) + "-" + layout);
  RunCommand("python3 tests/support/make_appcompat_cache.py " + layout + " '" + out.string() + "'" + entries);
  auto bytes = kensa::ReadFileBounded(out.string(), 1u << 20);
  fs::remove(out);
  REQUIRE(bytes.has_value());
  return std::move(*bytes);
}

}  // namespace

TEST_CASE("Every AppCompatCache layout gives the paths, times and execution flags written") {
  struct Expected {
    const char* layout;
    const char* parsed_layout;
    bool has_flag;
  };
  for (const Expected& expected : {Expected{"xp", "xp", false}, Expected{"nt52_nt60_x86", "nt52_nt60_x86", false},
                                   Expected{"nt52_nt60_x64", "nt52_nt60_x64", false},
                                   Expected{"nt61_x86", "nt61_x86", true}, Expected{"nt61_x64", "nt61_x64", true},
                                   Expected{"windows8", "windows8", true}, Expected{"windows10", "windows10", false}}) {
    INFO(expected.layout);
    const Bytes value = MakeValue(expected.layout);
    auto cache = ParseAppCompatCache(value);
    REQUIRE(cache.has_value());
    CHECK(cache->layout == expected.parsed_layout);
    CHECK(cache->problems.empty());
    REQUIRE(cache->entries.size() == 3);
    CHECK(cache->entries[0].path == "C:\\Users\\Public\\mimikatz.exe");
    CHECK(kensa::FormatFiletime(cache->entries[0].last_modified) == "2022-06-18T04:26:40Z");
    CHECK(cache->entries[1].path == "\\??\\C:\\Windows\\System32\\cmd.exe");
    CHECK(cache->entries[1].last_modified == 132000000000000000u);
    CHECK(cache->entries[2].path == "C:\\Users\\田中\\AppData\\Local\\Temp\\請求書.exe");
    if (expected.has_flag) {
      CHECK(cache->entries[0].executed == true);
      CHECK(cache->entries[1].executed == false);
      CHECK(cache->entries[2].executed == true);
    } else {
      CHECK_FALSE(cache->entries[0].executed.has_value());
    }
  }
}

TEST_CASE("A cut or corrupted AppCompatCache keeps the entries before the damage") {
  const Bytes whole = MakeValue("windows10");
  // The third entry starts after the header and two entries; cutting inside it keeps two.
  const Bytes cut(whole.begin(), whole.end() - 10);
  auto cache = ParseAppCompatCache(cut);
  REQUIRE(cache.has_value());
  CHECK(cache->entries.size() == 2);
  REQUIRE(cache->problems.size() == 1);
  CHECK(cache->problems[0].find("entry 2 at offset") == 0);

  // A path length past its entry ends the list at that entry.
  Bytes bad = whole;
  bad[0x34 + 12] = 0xFF;
  bad[0x34 + 13] = 0xFF;
  cache = ParseAppCompatCache(bad);
  REQUIRE(cache.has_value());
  CHECK(cache->entries.empty());
  REQUIRE(cache->problems.size() == 1);
  CHECK(cache->problems[0] == "entry 0 at offset 52: path longer than the entry; the list ends there");

  // Windows 7 entries pointing outside the value.
  Bytes seven = MakeValue("nt61_x64");
  seven[0x80 + 8] = 0xFF;  // the first path offset's low byte...
  seven[0x80 + 13] = 0x7F;  // ...and a high byte far past the end
  cache = ParseAppCompatCache(seven);
  REQUIRE(cache.has_value());
  CHECK(cache->entries.empty());
  CHECK(cache->problems.size() == 1);
}

TEST_CASE("A Windows 7 cache declaring four billion entries is bounded by the value's size and the cap") {
  Bytes value = MakeValue("nt61_x86");
  value[4] = value[5] = value[6] = value[7] = 0xFF;
  auto cache = ParseAppCompatCache(value);
  REQUIRE(cache.has_value());
  CHECK(cache->entries.size() < 20);  // entries run into the path strings and end the list
  CHECK_FALSE(cache->problems.empty());

  const Bytes many = MakeValue("windows10");
  cache = ParseAppCompatCache(many, 2);
  REQUIRE(cache.has_value());
  CHECK(cache->entries.size() == 2);
  CHECK(cache->problems == std::vector<std::string>{"more than 2 entries; the rest are not read"});
}

TEST_CASE("Values that are no AppCompatCache are refused") {
  CHECK_FALSE(ParseAppCompatCache(Bytes{1, 2, 3}).has_value());
  const Bytes zeros(256, 0);
  auto refused = ParseAppCompatCache(zeros);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().message() == "AppCompatCache: unknown layout (first dword 0x0)");
  // Windows 10 with an empty cache is the header alone.
  Bytes header(0x34, 0);
  header[0] = 0x34;
  auto empty = ParseAppCompatCache(header);
  REQUIRE(empty.has_value());
  CHECK(empty->layout == "windows10");
  CHECK(empty->entries.empty());
}
