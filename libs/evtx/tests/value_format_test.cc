#include "value_format.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kensa/evtx/evtx_parser.h"

namespace kensa::evtx::internal {
namespace {

std::string Render(std::uint8_t type, const Bytes& data) {
  std::string out;
  REQUIRE(AppendValue(out, type, data));
  return out;
}

TEST_CASE("FILETIME renders as RFC 3339 UTC with microseconds") {
  CHECK(FormatFiletime(116444736000000000u) == "1970-01-01T00:00:00.000000Z");
  // 2019-05-12T17:01:43.3918620Z, a Sysmon TimeCreated (the 100 ns digit is dropped).
  CHECK(FormatFiletime(132021541033918620u) == "2019-05-12T17:01:43.391862Z");
  CHECK(FormatFiletime(0) == "1601-01-01T00:00:00.000000Z");
}

TEST_CASE("integers render in decimal, hex types with 0x and no padding") {
  CHECK(Render(kInt8, {0xFF}) == "-1");
  CHECK(Render(kUInt8, {0xFF}) == "255");
  CHECK(Render(kInt16, {0x00, 0x80}) == "-32768");
  CHECK(Render(kUInt32, {0x10, 0x12, 0, 0}) == "4624");
  CHECK(Render(kInt64, {0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) == "-2");
  CHECK(Render(kHexInt64, {0xF2, 0x35, 0x01, 0, 0, 0, 0, 0}) == "0x135f2");
  CHECK(Render(kHexInt32, {0xE7, 0x03, 0, 0}) == "0x3e7");
  CHECK(Render(kSizeT, {0x10, 0, 0, 0, 0, 0, 0, 0}) == "0x10");
}

TEST_CASE("booleans treat any non-zero value as true") {
  CHECK(Render(kBool, {1, 0, 0, 0}) == "true");
  CHECK(Render(kBool, {0, 0, 0, 0}) == "false");
  CHECK(Render(kBool, {2, 0, 0, 0}) == "true");  // irregular values seen in real logs
  CHECK(Render(kBool, {1}) == "true");
}

TEST_CASE("GUIDs, SIDs, SYSTEMTIMEs and binary render as Windows shows them") {
  // {54849625-5478-4994-A5BA-3E3B0328C30D}, Microsoft-Windows-Security-Auditing.
  CHECK(Render(kGuid, {0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xA5, 0xBA, 0x3E, 0x3B,
                       0x03, 0x28, 0xC3, 0x0D}) == "{54849625-5478-4994-A5BA-3E3B0328C30D}");
  CHECK(Render(kSid, {1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0}) == "S-1-5-18");
  CHECK(Render(kSid, {1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 0x02, 0, 0}) ==
        "S-1-5-32-544");
  // 2020-02-29 23:59:58.123, day of week 6.
  CHECK(Render(kSystemtime, {0xE4, 0x07, 2, 0, 6, 0, 29, 0, 23, 0, 59, 0, 58, 0, 123, 0}) ==
        "2020-02-29T23:59:58.123000Z");
  CHECK(Render(kBinary, {0x00, 0xAB, 0x10}) == "00AB10");
}

TEST_CASE("strings stop at NUL and ANSI strings are read as Latin-1") {
  CHECK(Render(kString, {'c', 0, 'm', 0, 'd', 0, 0, 0, 'x', 0}) == "cmd");
  CHECK(Render(kString, {0x3D, 0xD8, 0x00, 0xDE}) == "\xF0\x9F\x98\x80");  // U+1F600
  CHECK(Render(kAnsiString, {'a', 0xE9, 0}) == "a\xC3\xA9");
  CHECK(Render(kString, {0xAE, 0x00, 0xAC, 0x20}) == "\xC2\xAE\xE2\x82\xAC");  // U+00AE U+20AC
  CHECK(Render(kString, {0x00, 0xD8, 'a', 0}) == "\xEF\xBF\xBD" "a");  // lone high surrogate
  CHECK(Render(kString, {0x00, 0xDC}) == "\xEF\xBF\xBD");            // lone low surrogate
}

TEST_CASE("arrays render joined by commas and split into items") {
  CHECK(Render(kString | kArrayFlag, {'a', 0, 0, 0, 'b', 0, 0, 0}) == "a,b");
  CHECK(Render(kUInt16 | kArrayFlag, {1, 0, 2, 0}) == "1,2");
  std::string out;
  CHECK_FALSE(AppendValue(out, kUInt32 | kArrayFlag, Bytes{1, 2, 3}));  // not whole items
  std::vector<ByteSpan> items;
  const Bytes strings = {'a', 0, 0, 0, 0, 0, 'c', 0};
  REQUIRE(SplitArray(kString | kArrayFlag, strings, &items));
  REQUIRE(items.size() == 3);
  CHECK(items[1].empty());
  CHECK(items[2].size() == 2);
}

TEST_CASE("sizes that do not fit the type are rejected") {
  std::string out;
  CHECK_FALSE(AppendValue(out, kGuid, Bytes{1, 2, 3}));
  CHECK_FALSE(AppendValue(out, kFiletime, Bytes{1, 2, 3, 4}));
  CHECK_FALSE(AppendValue(out, kSid, Bytes{1, 5, 0, 0, 0, 0, 0, 5}));  // 5 sub-authorities missing
  CHECK_FALSE(AppendValue(out, 0x7F, Bytes{1}));
}

}  // namespace
}  // namespace kensa::evtx::internal
