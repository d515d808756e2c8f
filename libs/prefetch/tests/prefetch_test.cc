// Real prefetch files from plaso's test data (../shared/corpora/plaso-test-data), versions 17
// to 31, five of them compressed; the expected values are those plaso's own tests assert.
#include "kensa/prefetch/prefetch.h"

#include <catch2/catch.hpp>

#include "kensa/core/file.h"
#include "kensa/core/time.h"

using namespace kensa::prefetch;
using kensa::FormatFiletime;

namespace {

Prefetch Parse(const std::string& name) {
  const auto bytes = kensa::ReadFileBounded("../shared/corpora/plaso-test-data/test_data/winprefetch/" + name, 1u << 20);
  REQUIRE(bytes.has_value());
  auto parsed = ParsePrefetch(*bytes);
  INFO(name << ": " << (parsed.has_value() ? "" : parsed.error().message()));
  REQUIRE(parsed.has_value());
  CHECK(parsed->problems.empty());
  return std::move(*parsed);
}

std::vector<std::string> Times(const Prefetch& pf) {
  std::vector<std::string> times;
  for (const auto t : pf.run_times) times.push_back(FormatFiletime(t));
  return times;
}

}  // namespace

TEST_CASE("version 17 (Windows XP): CMD.EXE") {
  const Prefetch pf = Parse("CMD.EXE-087B4001.pf");
  CHECK(pf.version == 17);
  CHECK_FALSE(pf.compressed);
  CHECK(pf.executable == "CMD.EXE");
  CHECK(pf.hash == 0x087B4001u);
  CHECK(Times(pf) == std::vector<std::string>{"2013-03-10T10:11:49.28125Z"});
  REQUIRE(pf.files.size() == 33);
  CHECK(pf.files.front() == "\\DEVICE\\HARDDISKVOLUME1\\WINDOWS\\SYSTEM32\\NTDLL.DLL");
  CHECK(pf.files.back() == "\\DEVICE\\HARDDISKVOLUME1\\WINDOWS\\IE7\\SPUNINST\\IERESETICONS.EXE");
  REQUIRE(pf.volumes.size() == 1);
  CHECK(pf.volumes[0].device_path == "\\DEVICE\\HARDDISKVOLUME1");
  CHECK(pf.volumes[0].serial_number == 0x24CB074Bu);
  CHECK(FormatFiletime(pf.volumes[0].creation_time) == "2013-03-10T10:19:46.234375Z");
  CHECK(pf.ExecutablePath() == "\\WINDOWS\\SYSTEM32\\CMD.EXE");
}

TEST_CASE("version 23 (Windows 7): PING.EXE and a file seen through shadow copies") {
  const Prefetch ping = Parse("PING.EXE-B29F6629.pf");
  CHECK(ping.version == 23);
  CHECK(ping.run_count == 14);
  CHECK(Times(ping) == std::vector<std::string>{"2012-04-06T19:00:55.9329556Z"});
  CHECK(ping.ExecutablePath() == "\\WINDOWS\\SYSTEM32\\PING.EXE");
  REQUIRE(ping.volumes.size() == 1);
  CHECK(ping.volumes[0].serial_number == 0xAC036525u);
  CHECK(FormatFiletime(ping.volumes[0].creation_time) == "2010-11-10T17:37:26.484375Z");
  CHECK_FALSE(ping.volumes[0].directories.empty());

  const Prefetch wuauclt = Parse("WUAUCLT.EXE-830BCC14.pf");
  CHECK(wuauclt.run_count == 25);
  CHECK(Times(wuauclt) == std::vector<std::string>{"2012-03-15T21:17:39.8079963Z"});
  REQUIRE(wuauclt.volumes.size() == 5);
  CHECK(wuauclt.volumes[4].device_path == "\\DEVICE\\HARDDISKVOLUMESHADOWCOPY8");
}

TEST_CASE("version 26 (Windows 8.1): eight run times") {
  const Prefetch pf = Parse("TASKHOST.EXE-3AE259FC.pf");
  CHECK(pf.version == 26);
  CHECK(pf.run_count == 4);
  CHECK(Times(pf) == std::vector<std::string>{"2013-10-04T15:40:09.0378333Z", "2013-10-04T15:28:09.0103565Z",
                                              "2013-10-04T06:19:54.5960606Z", "2013-10-04T06:11:13.6429375Z"});
  REQUIRE(pf.files.size() == 51);
  CHECK(pf.files[1] == "\\DEVICE\\HARDDISKVOLUME2\\WINDOWS\\SYSTEM32\\TASKHOST.EXE");
  CHECK(pf.files.back() == "\\DEVICE\\HARDDISKVOLUME2\\WINDOWS\\SYSTEM32\\NTASN1.DLL");
  REQUIRE(pf.volumes.size() == 1);
  CHECK(pf.volumes[0].serial_number == 0x686C4249u);
}

TEST_CASE("versions 30 and 31 (Windows 10): compressed, both file information layouts") {
  const Prefetch generator = Parse("BYTECODEGENERATOR.EXE-C1E9BCE6.pf");
  CHECK(generator.compressed);
  CHECK(generator.version == 30);
  CHECK(generator.run_count == 7);
  REQUIRE(generator.run_times.size() == 7);
  CHECK(FormatFiletime(generator.run_times.front()) == "2015-05-14T22:11:58.0911341Z");
  CHECK(FormatFiletime(generator.run_times.back()) == "2015-05-14T22:10:38.2515193Z");
  CHECK(generator.files.size() == 1085);
  REQUIRE_FALSE(generator.volumes.empty());
  CHECK(generator.volumes[0].device_path == "\\VOLUME{01d08edc0cbccaad-3e0d2d25}");

  const Prefetch onedrive = Parse("ONEDRIVE.EXE-7E152375.pf");
  CHECK(onedrive.run_count == 2);
  CHECK(Times(onedrive) == std::vector<std::string>{"2015-05-14T22:11:05.4852771Z", "2015-05-14T22:10:28.6747101Z"});
  CHECK(onedrive.files.size() == 134);

  const Prefetch notepad = Parse("NOTEPAD.EXE-D8414F97.pf");
  CHECK(notepad.run_count == 2);
  CHECK(Times(notepad) == std::vector<std::string>{"2019-06-05T19:55:04.8777787Z", "2019-06-05T19:23:00.8157052Z"});
  CHECK(notepad.files.size() == 56);
  CHECK(notepad.volumes[0].serial_number == 0x2CA3D1AEu);

  // The name in the header is cut at 29 characters; the loaded files give the whole path.
  const Prefetch patch = Parse("AM_DELTA_PATCH_1.443.990.0.EX-7037CF86.pf");
  CHECK(patch.version == 31);
  CHECK(patch.executable == "AM_DELTA_PATCH_1.443.990.0.EX");
  CHECK(patch.run_count == 1);
  CHECK(patch.ExecutablePath() == "\\WINDOWS\\SOFTWAREDISTRIBUTION\\DOWNLOAD\\INSTALL\\AM_DELTA_PATCH_1.443.990.0.EXE");
  CHECK(patch.volumes[0].serial_number == 0xBC1F1BFCu);
}

TEST_CASE("damaged prefetch files fail clearly or keep what is readable") {
  const auto bytes = kensa::ReadFileBounded("../shared/corpora/plaso-test-data/test_data/winprefetch/NOTEPAD.EXE-D8414F97.pf", 1u << 20);
  REQUIRE(bytes.has_value());
  SECTION("a truncated compressed stream") {
    const auto cut = ParsePrefetch(kensa::ByteSpan(*bytes).first(bytes->size() / 2));
    REQUIRE_FALSE(cut.has_value());
    CHECK(cut.error().message().find("LZXPRESS") != std::string::npos);
  }
  SECTION("a decompressed size above the limit") {
    PrefetchLimits limits;
    limits.max_decompressed_bytes = 1000;
    CHECK(ParsePrefetch(*bytes, limits).error().code() == kensa::StatusCode::kResourceExhausted);
  }
  SECTION("not a prefetch file") {
    CHECK_FALSE(ParsePrefetch(kensa::Bytes(200, 'A')).has_value());
  }
  SECTION("an uncompressed file cut inside its strings") {
    const auto cmd = kensa::ReadFileBounded("../shared/corpora/plaso-test-data/test_data/winprefetch/CMD.EXE-087B4001.pf", 1u << 20);
    auto pf = ParsePrefetch(kensa::ByteSpan(*cmd).first(2000));
    REQUIRE(pf.has_value());
    CHECK(pf->executable == "CMD.EXE");
    CHECK_FALSE(pf->problems.empty());
  }
}
