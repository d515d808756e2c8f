#include "kensa/core/bytes.h"
#include "kensa/core/time.h"

#include <catch2/catch.hpp>

namespace kensa {
namespace {

TEST_CASE("ReadLe reads little-endian integers and refuses to read past the end") {
  const Bytes data = {0x4d, 0x5a, 0x90, 0x00, 0x03};
  ByteSpan span(data);
  CHECK(ReadLe<std::uint16_t>(span, 0) == 0x5a4d);
  CHECK(ReadLe<std::uint32_t>(span, 1) == 0x0300905aU);
  CHECK_FALSE(ReadLe<std::uint32_t>(span, 2).has_value());
  CHECK_FALSE(ReadLe<std::uint8_t>(span, 5).has_value());
  CHECK_FALSE(ReadLe<std::uint16_t>(span, ~0ULL).has_value());
  CHECK(ReadBe<std::uint16_t>(span, 0) == 0x4d5a);
}

TEST_CASE("SubSpan clips to the data that exists") {
  const Bytes data = {1, 2, 3, 4};
  CHECK(SubSpan(data, 1, 2).size() == 2);
  CHECK(SubSpan(data, 3, 100).size() == 1);
  CHECK(SubSpan(data, 4, 1).empty());
  CHECK(SubSpan(data, ~0ULL, ~0ULL).empty());
}

TEST_CASE("Utf8Prefix cuts before a character, never inside it") {
  const std::string text = "a\xE6\xA4\x9C\xE6\x9F\xbb";  // "a検査": 1 + 3 + 3 bytes
  CHECK(Utf8Prefix(text, 100) == text);
  CHECK(Utf8Prefix(text, 7) == text);
  CHECK(Utf8Prefix(text, 6) == "a\xE6\xA4\x9C");
  CHECK(Utf8Prefix(text, 5) == "a\xE6\xA4\x9C");
  CHECK(Utf8Prefix(text, 4) == "a\xE6\xA4\x9C");
  CHECK(Utf8Prefix(text, 3) == "a");
  CHECK(Utf8Prefix(text, 1) == "a");
  CHECK(Utf8Prefix(text, 0).empty());
  const std::string emoji = "\xF0\x9F\x94\x8D!";  // U+1F50D, 4 bytes
  CHECK(Utf8Prefix(emoji, 3).empty());
  CHECK(Utf8Prefix(emoji, 4) == "\xF0\x9F\x94\x8D");
  // Bytes that are not UTF-8 are cut where asked once three continuation bytes are passed.
  const std::string junk = "\x80\x80\x80\x80\x80";
  CHECK(Utf8Prefix(junk, 4).size() == 1);
}

TEST_CASE("IsValidUtf8 accepts UTF-8 and refuses what protobuf refuses") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain ASCII"));
  CHECK(IsValidUtf8("\xE6\xA4\x9C\xE6\x9F\xbb \xF0\x9F\x94\x8D"));  // 検査 and U+1F50D
  CHECK_FALSE(IsValidUtf8("\xE6\xA4"));                  // cut inside a character
  CHECK_FALSE(IsValidUtf8("\x8C\x9F\x8D\xB8"));          // 検査 in Shift_JIS
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));                  // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));              // a surrogate, U+D800
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));          // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xFF"));
}

TEST_CASE("ShannonEntropy is 0 for constant data and 8 for all byte values") {
  Bytes constant(1000, 0x41);
  CHECK(ShannonEntropy(constant) == Approx(0.0));
  Bytes every;
  for (int i = 0; i < 256; ++i) every.push_back(static_cast<std::uint8_t>(i));
  CHECK(ShannonEntropy(every) == Approx(8.0));
  CHECK(ShannonEntropy({}) == Approx(0.0));
}

TEST_CASE("ReadUtf16Le decodes Japanese text and surrogate pairs to UTF-8") {
  // "検査" U+691C U+67FB, then U+1F600 as a surrogate pair.
  const Bytes data = {0x1C, 0x69, 0xFB, 0x67, 0x3D, 0xD8, 0x00, 0xDE};
  CHECK(ReadUtf16Le(data, 0, 2) == "\xE6\xA4\x9C\xE6\x9F\xBB");
  CHECK(ReadUtf16Le(data, 4, 2) == "\xF0\x9F\x98\x80");
  CHECK(ReadUtf16Le(data, 6, 5) == "\xEF\xBF\xBD");  // lone low surrogate, then the data ends
}

TEST_CASE("ReadCString stops at NUL, at the limit and at the end of data") {
  const Bytes data = {'a', 'b', 0, 'c', 'd', 'e'};
  CHECK(ReadCString(data, 0, 10) == "ab");
  CHECK(ReadCString(data, 3, 2) == "cd");
  CHECK(ReadCString(data, 3, 10) == "cde");
  CHECK(ReadCString(data, 10, 10).empty());
}

TEST_CASE("FormatRfc3339 writes UTC times, also past 2038 and before 1970") {
  CHECK(FormatRfc3339(0) == "1970-01-01T00:00:00Z");
  CHECK(FormatRfc3339(1355164680) == "2012-12-10T18:38:00Z");
  CHECK(FormatRfc3339(4294967295) == "2106-02-07T06:28:15Z");
  CHECK(FormatRfc3339(-1) == "1969-12-31T23:59:59Z");
  CHECK(NowRfc3339().size() == 20);
}

TEST_CASE("ToHex and AsciiLower") {
  const Bytes data = {0x00, 0xab, 0xff};
  CHECK(ToHex(data) == "00abff");
  CHECK(AsciiLower("KERNEL32.DLL") == "kernel32.dll");
  CHECK(FromHex("4d 5A-90\n0") == Bytes{0x4d, 0x5a, 0x90});
  CHECK(FromHex(ToHex(data)) == data);
  CHECK(HexNumber(0) == "0x0");
  CHECK(HexNumber(0x401000) == "0x401000");
  CHECK(HexNumber(~0ULL) == "0xffffffffffffffff");
}

}  // namespace
}  // namespace kensa
