#pragma once
// String extraction from hostile bytes: printable ASCII runs, UTF-16LE runs (Latin, Cyrillic,
// kana, kanji) and Shift_JIS (CP932) runs, each converted to UTF-8. Each encoding is found in
// one linear pass over the data (no backtracking); three tight loops, one per encoding.
//
//   std::vector<strings::ExtractedString> found = strings::ExtractStrings(sample_bytes);
//   for (const auto& s : found) Use(s.text, s.offset, s.encoding);
//
// Shift_JIS matters because malware aimed at Japanese users carries lures and ransom notes in
// CP932; a plain `strings` misses them entirely.
//
// What counts as a string (and why):
// - ASCII: bytes 0x20-0x7E and tab, at least `min_length` of them.
// - UTF-16LE: code units of ASCII, Latin-1, Latin Extended, Greek, Cyrillic, and, from U+2000
//   up, only the characters CP932 can encode (punctuation, kana, full-width forms, the ~6,700
//   JIS kanji). Limiting ideographs to those a Japanese system can write is what tells text
//   from random bytes, which hit the 21,000 CJK code points a third of the time. A run with
//   kanji is kept only when at most a quarter of them are rare (JIS level 2 or extension
//   rows) and either a third of its characters are ASCII, kana or CJK punctuation (Japanese
//   prose is mostly kana) or a NUL code unit ends it. Runs that are ASCII text read two bytes
//   at a time, real UTF-16 read one byte late, or only Latin-1 letters (tables of small
//   integers) are dropped. Hangul and Chinese-only ideographs are not recognised.
// - Shift_JIS: ASCII printable bytes and CP932 double-byte characters (JIS X 0208 with the
//   NEC and IBM extensions; user-defined rows F0-F9 excluded). Random bytes decode as CP932
//   very easily (a quarter of all bytes are lead bytes), but as scattered, mostly rare kanji
//   between ASCII junk. A run is kept when it holds three different kana (a byte pair like
//   83 83, "ャ", does not count: repeated bytes fill bitmaps), kana are at least a
//   quarter of its double-byte characters, at most a quarter of those are rare, and three
//   double-byte characters follow each other somewhere. Kanji-only text (an address) is
//   therefore not reported. Half-width katakana (single bytes A1-DF) end a run: rare in
//   modern text, common in noise.
// - ASCII strings that lie inside a reported UTF-16LE or Shift_JIS string are not reported:
//   they are fragments of it (hiragana in UTF-16LE is an ASCII byte and '0').
//
// Lengths are counted in characters. A run longer than `max_length` characters is cut into
// pieces of `max_length`. The result is sorted by offset (then ASCII, UTF-16LE, Shift_JIS),
// and holds at most `max_strings` entries: the first ones by offset.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::strings {

enum class Encoding { kAscii, kUtf16Le, kShiftJis };

// Stable lower-case name: "ascii", "utf16le", "shift_jis" (used in indicator sources).
std::string_view EncodingName(Encoding encoding);

struct ExtractedString {
  std::string text;  // UTF-8
  std::uint64_t offset = 0;  // file offset of the first byte
  Encoding encoding = Encoding::kAscii;

  bool operator==(const ExtractedString&) const = default;
};

struct StringLimits {
  std::size_t min_length = 5;  // characters; a value below 1 is treated as 1
  std::size_t max_length = 4096;  // characters per string; at least min_length
  std::size_t max_strings = 200000;
  bool ascii = true;
  bool utf16le = true;
  bool shift_jis = true;
};

struct StringStats {
  // True when more strings existed than `max_strings` allowed (the rest were dropped).
  bool max_strings_reached = false;
  // Cuts made in runs longer than `max_length` (a run of 10,000 characters with the default
  // limit is cut twice, into three strings).
  std::uint64_t runs_split = 0;
};

// Extracts strings from `data`. Never fails; `stats` (optional) says what the limits cut.
std::vector<ExtractedString> ExtractStrings(ByteSpan data, const StringLimits& limits = {},
                                            StringStats* stats = nullptr);

// Decodes one CP932 double-byte character to a code point, or 0 when (lead, trail) is not an
// assigned character. Exposed for tests and for parsers that meet CP932 text in a known place
// (e.g. an LNK file's ANSI strings on a Japanese system).
std::uint32_t DecodeCp932Pair(std::uint8_t lead, std::uint8_t trail);

// Converts CP932 bytes to UTF-8 (ASCII, half-width katakana and double-byte characters);
// bytes that do not decode become U+FFFD.
std::string Cp932ToUtf8(std::string_view bytes);

// Text read from a host (a log line, a shell history, a file name) as UTF-8 for a report, at
// most `max_bytes` and cut on a character boundary: kept as it is when it is UTF-8; decoded as
// CP932 when every byte decodes as CP932 (Shift_JIS logs of Japanese systems); otherwise the
// bytes that are not UTF-8 become U+FFFD.
std::string HostTextToUtf8(std::string_view bytes, std::size_t max_bytes);

}  // namespace kensa::strings
