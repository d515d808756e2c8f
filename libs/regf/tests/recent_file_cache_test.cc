// RecentFileCache.bcf written by tests/support/make_appcompat_cache.py, read back, then cut.
#include "kensa/regf/recent_file_cache.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

#include "kensa/core/file.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::Bytes;
using kensa::test_support::RunCommand;
using namespace kensa::regf;

namespace {

Bytes MakeBcf() {
  const fs::path out = fs::temp_directory_path() / ("kensa-rfc-" + std::to_string(::getpid()) + ".bcf");
  RunCommand("python3 tests/support/make_appcompat_cache.py recentfilecache '" + out.string() + "'");
  auto bytes = kensa::ReadFileBounded(out.string(), 1u << 20);
  fs::remove(out);
  REQUIRE(bytes.has_value());
  return std::move(*bytes);
}

}  // namespace

TEST_CASE("RecentFileCache.bcf gives its program paths in order") {
  const Bytes bcf = MakeBcf();
  auto cache = ParseRecentFileCache(bcf);
  REQUIRE(cache.has_value());
  CHECK(cache->problems.empty());
  CHECK(cache->paths == std::vector<std::string>{"C:\\Users\\Public\\mimikatz.exe",
                                                 "\\??\\C:\\Windows\\System32\\cmd.exe",
                                                 "C:\\Users\\田中\\AppData\\Local\\Temp\\請求書.exe"});
}

TEST_CASE("A cut RecentFileCache.bcf keeps the paths before the cut; other files are refused") {
  const Bytes bcf = MakeBcf();
  const Bytes cut(bcf.begin(), bcf.end() - 3);
  auto cache = ParseRecentFileCache(cut);
  REQUIRE(cache.has_value());
  CHECK(cache->paths.size() == 2);
  REQUIRE(cache->problems.size() == 1);
  CHECK(cache->problems[0].find("entry 2 at offset ") == 0);
  CHECK(cache->problems[0].find("code units does not fit") != std::string::npos);

  Bytes huge = bcf;
  huge[20] = huge[21] = huge[22] = huge[23] = 0xFF;  // the first length: 4 billion code units
  cache = ParseRecentFileCache(huge);
  REQUIRE(cache.has_value());
  CHECK(cache->paths.empty());
  CHECK(cache->problems == std::vector<std::string>{
                               "entry 0 at offset 20: a path of 4294967295 code units does not fit"});

  cache = ParseRecentFileCache(bcf, 1);
  REQUIRE(cache.has_value());
  CHECK(cache->paths.size() == 1);
  CHECK(cache->problems == std::vector<std::string>{"more than 1 entries; the rest are not read"});

  CHECK_FALSE(ParseRecentFileCache(Bytes(64, 0)).has_value());
}
