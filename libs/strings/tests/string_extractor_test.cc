#include "kensa/strings/string_extractor.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include "kensa/core/file.h"

namespace Catch {
template <>
struct StringMaker<kensa::strings::ExtractedString> {
  static std::string convert(const kensa::strings::ExtractedString& s) {
    return "{\"" + s.text + "\", " + std::to_string(s.offset) + ", " +
           std::string(kensa::strings::EncodingName(s.encoding)) + "}";
  }
};
}  // namespace Catch

namespace kensa::strings {
namespace {

// UTF-8 (BMP only) -> UTF-16LE bytes.
Bytes Utf16(std::string_view utf8) {
  Bytes out;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto c = static_cast<std::uint8_t>(utf8[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xE0) {
      cp = c & 0x0Fu;
      len = 3;
    } else if (c >= 0xC0) {
      cp = c & 0x1Fu;
      len = 2;
    }
    for (std::size_t k = 1; k < len; ++k) {
      cp = (cp << 6) | (static_cast<std::uint8_t>(utf8[i + k]) & 0x3Fu);
    }
    i += len;
    out.push_back(static_cast<std::uint8_t>(cp & 0xFF));
    out.push_back(static_cast<std::uint8_t>(cp >> 8));
  }
  return out;
}

Bytes Ascii(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Deterministic noise (xorshift64) standing in for compressed or encrypted sections.
Bytes Noise(std::size_t size, std::uint64_t seed) {
  Bytes out(size);
  std::uint64_t x = seed;
  for (auto& b : out) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    b = static_cast<std::uint8_t>(x >> 32);
  }
  return out;
}

std::size_t CountEncoding(const std::vector<ExtractedString>& found, Encoding encoding) {
  std::size_t n = 0;
  for (const auto& s : found) n += s.encoding == encoding ? 1 : 0;
  return n;
}

// "ファイルは暗号化されました" ("your files have been encrypted") in CP932.
constexpr std::string_view kEncryptedSjis =
    "83 74 83 40 83 43 83 8b 82 cd 88 c3 8d 86 89 bb 82 b3 82 ea 82 dc 82 b5 82 bd";
constexpr std::string_view kEncryptedUtf8 = "ファイルは暗号化されました";

TEST_CASE("ASCII runs of at least min_length printable bytes come out with their offsets") {
  const Bytes data = Concat({FromHex("00 01"), Ascii("hello\tworld"), FromHex("00"),
                             Ascii("abc"), FromHex("ff"), Ascii("kernel32.dll"), FromHex("00")});
  const auto found = ExtractStrings(data);
  REQUIRE(found.size() == 2);
  CHECK(found[0] == ExtractedString{"hello\tworld", 2, Encoding::kAscii});
  CHECK(found[1] == ExtractedString{"kernel32.dll", 18, Encoding::kAscii});
}

TEST_CASE("A string that runs to the end of the data is still reported") {
  const auto found = ExtractStrings(Ascii("\x01trailing"));
  REQUIRE(found.size() == 1);
  CHECK(found[0] == ExtractedString{"trailing", 1, Encoding::kAscii});
}

TEST_CASE("Empty data and data without text give no strings") {
  CHECK(ExtractStrings({}).empty());
  CHECK(ExtractStrings(Bytes(4096, 0)).empty());
  CHECK(ExtractStrings(Bytes(4096, 0xFF)).empty());
}

TEST_CASE("UTF-16LE Latin and Japanese strings come out as UTF-8") {
  const Bytes data = Concat({FromHex("00 00"), Utf16("Hello World"), FromHex("00 00 00 00"),
                             Utf16(kEncryptedUtf8), FromHex("00 00")});
  const auto found = ExtractStrings(data);
  CAPTURE(found);
  REQUIRE(found.size() == 2);
  CHECK(found[0] == ExtractedString{"Hello World", 2, Encoding::kUtf16Le});
  CHECK(found[1] == ExtractedString{std::string(kEncryptedUtf8), 28, Encoding::kUtf16Le});
}

TEST_CASE("UTF-16LE text one byte out of alignment is found at its odd offset only once") {
  const Bytes data = Concat({FromHex("07"), Utf16("C:\\Users\\Public"), FromHex("00 00")});
  const auto found = ExtractStrings(data);
  REQUIRE(found.size() == 1);
  CHECK(found[0] == ExtractedString{"C:\\Users\\Public", 1, Encoding::kUtf16Le});
}

TEST_CASE("ASCII text is not also reported as UTF-16 CJK read two bytes at a time") {
  const Bytes data =
      Concat({FromHex("00"), Ascii("Software\\Microsoft\\Windows\\CurrentVersion\\Run"),
              FromHex("00"), Ascii("0123456789abcdefghijklmnopqrstuvwxyz"), FromHex("00")});
  const auto found = ExtractStrings(data);
  REQUIRE(found.size() == 2);
  CHECK(found[0].text == "Software\\Microsoft\\Windows\\CurrentVersion\\Run");
  CHECK(found[1].text == "0123456789abcdefghijklmnopqrstuvwxyz");
  CHECK(CountEncoding(found, Encoding::kAscii) == 2);
}

TEST_CASE("A UTF-16LE run of ideographs alone is kept only when NUL-terminated") {
  // "東京都千代田区" has no kana: random bytes look like this, so it needs the terminator.
  const Bytes terminated = Concat({FromHex("ff ff"), Utf16("東京都千代田区"), FromHex("00 00")});
  const auto found = ExtractStrings(terminated);
  CAPTURE(found);
  REQUIRE(found.size() == 1);
  CHECK(found[0] == ExtractedString{"東京都千代田区", 2, Encoding::kUtf16Le});

  const Bytes unterminated = Concat({FromHex("ff ff"), Utf16("東京都千代田区"), FromHex("ff ff")});
  CHECK(CountEncoding(ExtractStrings(unterminated), Encoding::kUtf16Le) == 0);
}

TEST_CASE("Shift_JIS text comes out as UTF-8 with its offset") {
  const Bytes data = Concat({FromHex("00 00 00"), FromHex(kEncryptedSjis), FromHex("00")});
  const auto found = ExtractStrings(data);
  REQUIRE(found.size() == 1);
  CHECK(found[0] == ExtractedString{std::string(kEncryptedUtf8), 3, Encoding::kShiftJis});
}

TEST_CASE("Shift_JIS text mixed with ASCII is one string, not also an ASCII one") {
  // "Error: ファイルが見つかりません"
  const Bytes data = Concat(
      {FromHex("00"),
       FromHex("45 72 72 6f 72 3a 20 83 74 83 40 83 43 83 8b 82 aa 8c a9 82 c2 82 a9 82 e8 "
               "82 dc 82 b9 82 f1"),
       FromHex("00"), Ascii("plain ascii"), FromHex("00")});
  const auto found = ExtractStrings(data);
  REQUIRE(found.size() == 2);
  CHECK(found[0] == ExtractedString{"Error: ファイルが見つかりません", 1, Encoding::kShiftJis});
  CHECK(found[1] == ExtractedString{"plain ascii", 33, Encoding::kAscii});
}

TEST_CASE("Kanji-only Shift_JIS is not reported: it cannot be told from noise") {
  // "東京都千代田区" in CP932.
  const Bytes data = FromHex("00 93 8c 8b 9e 93 73 90 e7 91 e3 93 63 8b e6 00");
  CHECK(ExtractStrings(data).empty());
}

TEST_CASE("Each encoding can be switched off") {
  const Bytes data = Concat({Ascii("ascii text"), FromHex("00 00"), Utf16("wide text"),
                             FromHex("00 00"), FromHex(kEncryptedSjis), FromHex("00")});
  StringLimits all;
  CHECK(ExtractStrings(data, all).size() == 3);
  StringLimits no_wide;
  no_wide.utf16le = false;
  const auto narrow = ExtractStrings(data, no_wide);
  REQUIRE(narrow.size() == 2);
  CHECK(narrow[0].encoding == Encoding::kAscii);
  CHECK(narrow[1].encoding == Encoding::kShiftJis);
  StringLimits only_wide;
  only_wide.ascii = false;
  only_wide.shift_jis = false;
  const auto wide = ExtractStrings(data, only_wide);
  REQUIRE(wide.size() == 1);
  CHECK(wide[0] == ExtractedString{"wide text", 12, Encoding::kUtf16Le});
}

TEST_CASE("Strings of all encodings are sorted by offset") {
  const Bytes data = Concat({Utf16("first wide"), FromHex("00 00"), Ascii("second narrow"),
                             FromHex("00"), FromHex(kEncryptedSjis), FromHex("00 00"),
                             Utf16("fourth"), FromHex("00 00")});
  const auto found = ExtractStrings(data);
  REQUIRE(found.size() == 4);
  CHECK(found[0].offset == 0);
  CHECK(found[0].encoding == Encoding::kUtf16Le);
  CHECK(found[1].offset == 22);
  CHECK(found[1].text == "second narrow");
  CHECK(found[2].offset == 36);
  CHECK(found[2].encoding == Encoding::kShiftJis);
  CHECK(found[3].offset == 64);
  CHECK(found[3].text == "fourth");
}

TEST_CASE("Runs longer than max_length are cut into pieces") {
  StringLimits limits;
  limits.min_length = 2;
  limits.max_length = 4;
  StringStats stats;
  const auto found = ExtractStrings(Ascii("ABCDEFGHIJ"), limits, &stats);
  REQUIRE(found.size() == 3);
  CHECK(found[0] == ExtractedString{"ABCD", 0, Encoding::kAscii});
  CHECK(found[1] == ExtractedString{"EFGH", 4, Encoding::kAscii});
  CHECK(found[2] == ExtractedString{"IJ", 8, Encoding::kAscii});
  CHECK(stats.runs_split == 2);
  CHECK_FALSE(stats.max_strings_reached);
}

TEST_CASE("max_strings keeps the first strings by offset and says so") {
  StringLimits limits;
  limits.max_strings = 2;
  StringStats stats;
  const Bytes data = Concat({Ascii("first"), FromHex("00"), Ascii("second"), FromHex("00"),
                             Ascii("third"), FromHex("00")});
  const auto found = ExtractStrings(data, limits, &stats);
  REQUIRE(found.size() == 2);
  CHECK(found[0].text == "first");
  CHECK(found[1].text == "second");
  CHECK(stats.max_strings_reached);
}

TEST_CASE("min_length counts characters, not bytes") {
  StringLimits limits;
  limits.min_length = 13;
  const Bytes data = Concat({FromHex(kEncryptedSjis), FromHex("00 00"), Utf16(kEncryptedUtf8)});
  const auto found = ExtractStrings(data, limits);
  REQUIRE(found.size() == 2);  // 13 characters each, 26 bytes each
  limits.min_length = 14;
  CHECK(ExtractStrings(data, limits).empty());
}

TEST_CASE("One MiB of random bytes gives no UTF-16LE or Shift_JIS strings") {
  const Bytes noise = Noise(1 << 20, 0x9E3779B97F4A7C15ULL);
  const auto found = ExtractStrings(noise);
  CHECK(CountEncoding(found, Encoding::kUtf16Le) == 0);
  CHECK(CountEncoding(found, Encoding::kShiftJis) == 0);
}

TEST_CASE("Shift_JIS sentences hidden in random bytes are all found, and nothing else") {
  // Japanese lures and notes in CP932, each behind a NUL, in 64 KiB of noise.
  const std::vector<std::pair<std::string, std::string_view>> sentences = {
      {"あなたのファイルは暗号化されました",
       "82a082c882bd82cc837483408343838b82cd88c38d8689bb82b382ea82dc82b582bd"},
      {"請求書を送付いたします。ご確認ください。",
       "90bf8b818f9182f09197957482a282bd82b582dc82b7814282b28a6d944682ad82be82b382a28142"},
      {"パスワードを入力してください",
       "83708358838f815b836882f093fc97cd82b582c482ad82be82b382a2"},
      {"デスクトップ", "83668358834e836783628376"},
      {"このファイルを開くにはマクロを有効にしてください",
       "82b182cc837483408343838b82f08a4a82ad82c982cd837d834e838d82f0974c8cf882c982b582c482ad"
       "82be82b382a2"},
  };
  Bytes data = Noise(1 << 16, 7);
  std::vector<std::uint64_t> offsets;
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    const std::size_t at = 4096 * (i + 1);
    const Bytes bytes = FromHex(sentences[i].second);
    data[at - 1] = 0;
    std::copy(bytes.begin(), bytes.end(), data.begin() + static_cast<std::ptrdiff_t>(at));
    data[at + bytes.size()] = 0;
    offsets.push_back(at);
  }
  std::vector<ExtractedString> sjis;
  for (const auto& s : ExtractStrings(data)) {
    if (s.encoding == Encoding::kShiftJis) sjis.push_back(s);
  }
  REQUIRE(sjis.size() == sentences.size());
  for (std::size_t i = 0; i < sentences.size(); ++i) {
    CHECK(sjis[i] == ExtractedString{sentences[i].first, offsets[i], Encoding::kShiftJis});
  }
}

TEST_CASE("Wine's avifil32.dll gives its Japanese UTF-16LE resources and no Shift_JIS") {
  const auto data =
      ReadFileBounded("/usr/lib/x86_64-linux-gnu/wine/x86_64-windows/avifil32.dll", 64u << 20);
  REQUIRE(data.has_value());
  const auto found = ExtractStrings(*data);
  auto has = [&](std::string_view text) {
    return std::any_of(found.begin(), found.end(), [&](const ExtractedString& s) {
      return s.text == text && s.encoding == Encoding::kUtf16Le;
    });
  };
  CHECK(has("圧縮オプション"));
  CHECK(has("ストリームを選択(&C):"));
  CHECK(has("キャンセル"));
  CHECK(CountEncoding(found, Encoding::kShiftJis) == 0);
}

TEST_CASE("CP932 helpers decode pairs, half-width katakana and reject unassigned pairs") {
  CHECK(DecodeCp932Pair(0x82, 0xA0) == 0x3042);  // あ
  CHECK(DecodeCp932Pair(0x88, 0xC3) == 0x6697);  // 暗
  CHECK(DecodeCp932Pair(0x87, 0x40) == 0x2460);  // ① (NEC row 13)
  CHECK(DecodeCp932Pair(0x85, 0x40) == 0);       // unassigned row
  CHECK(DecodeCp932Pair(0xF0, 0x40) == 0);       // user-defined area
  CHECK(Cp932ToUtf8(std::string_view("\xb1\xb2\xb3 ok", 6)) == "ｱｲｳ ok");
  CHECK(Cp932ToUtf8(std::string_view("\x82\xa0\x85", 3)) == "あ\xEF\xBF\xBD");
}

TEST_CASE("EncodingName gives the labels used in indicator sources") {
  CHECK(EncodingName(Encoding::kAscii) == "ascii");
  CHECK(EncodingName(Encoding::kUtf16Le) == "utf16le");
  CHECK(EncodingName(Encoding::kShiftJis) == "shift_jis");
}

}  // namespace
}  // namespace kensa::strings

namespace kensa::strings {
namespace {

TEST_CASE("HostTextToUtf8 keeps UTF-8, decodes Shift_JIS, marks the rest, and cuts whole characters") {
  // UTF-8 as it is, cut before a character that does not fit.
  CHECK(HostTextToUtf8("curl http://x | sh", 100) == "curl http://x | sh");
  CHECK(HostTextToUtf8("\xE6\xA4\x9C\xE6\x9F\xbb", 5) == "\xE6\xA4\x9C");
  // A Shift_JIS shell history line: "検査" then ASCII.
  CHECK(HostTextToUtf8("echo \x8C\x9F\x8D\xB8 > /tmp/a", 100) == "echo \xE6\xA4\x9C\xE6\x9F\xBB > /tmp/a");
  // Neither UTF-8 nor CP932 (0xFF is in no CP932 character): whole UTF-8 characters stay, the
  // other bytes become U+FFFD.
  CHECK(HostTextToUtf8("a\xFF\xE6\xA4\x9C\x80z", 100) == "a\xEF\xBF\xBD\xE6\xA4\x9C\xEF\xBF\xBDz");
  CHECK(HostTextToUtf8("\xFF\xFF\xFF", 4) == "\xEF\xBF\xBD");
  CHECK(IsValidUtf8(HostTextToUtf8(std::string(1000, '\xFF'), 512)));
}

}  // namespace
}  // namespace kensa::strings
