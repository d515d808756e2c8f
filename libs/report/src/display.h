#pragma once
// Turning sample-controlled strings into something safe and tidy to show a person: visible
// escapes for control and bidi characters, terminal column widths of UTF-8 text (East Asian
// wide characters take two), wrapping, eliding, number formatting, and defanging of free text.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kensa/analysis/v1/indicator.pb.h"

namespace kensa::report::internal {

// Replaces what could deceive a reader or drive a terminal with visible escapes: C0/C1 control
// characters and DEL become "\xNN" ("\t" stays a tab only when keep_tabs), bidirectional
// overrides and isolates (U+202A..U+202E, U+2066..U+2069, the "invoice\u202Efdp.exe" trick)
// and zero-width characters become "<U+202E>", and bytes that are not UTF-8 become "\xNN".
std::string Neutralize(std::string_view text);

// HTML-escapes text already made visible by Neutralize (HTML 5 §13.1.2.6: & < > in text,
// plus both quotes so that the same function is safe inside attribute values).
std::string HtmlEscape(std::string_view text);

// Line breaks shown as a visible mark (U+23CE) and tabs as spaces, so that a multi-line value
// stays one row of a table.
std::string OneLine(std::string_view text);

// Terminal columns that `text` (valid UTF-8) occupies: wide East Asian characters count 2,
// combining marks 0, everything else 1.
std::size_t DisplayWidth(std::string_view text);

// `text` padded with spaces to `width` columns (unchanged when already as wide).
std::string PadRight(std::string_view text, std::size_t width);
std::string PadLeft(std::string_view text, std::size_t width);

// `text` cut to at most `width` columns, the cut marked with "…".
std::string Elide(std::string_view text, std::size_t width);

// Splits `text` into lines of at most `width` columns, preferring to break at spaces; CJK text
// (which has no spaces) breaks between any two characters. A word longer than a line is cut.
std::vector<std::string> WrapWords(std::string_view text, std::size_t width);

// Splits `text` into pieces of at most `width` columns without looking for spaces: for
// hashes, URLs and paths, where every character matters.
std::vector<std::string> HardWrap(std::string_view text, std::size_t width);

// "1,234,567".
std::string GroupThousands(std::uint64_t value);
// "0x1a2b".
std::string HexNumber(std::uint64_t value);
// "12.3 KiB", "4.0 MiB", "512 B".
std::string HumanSize(std::uint64_t bytes);
// `value` with `decimals` digits after the point ("7.91").
std::string FixedPoint(double value, int decimals);

// Defangs indicators that appear inside free text (signature evidence, YARA string data):
// the whole text when it equals a known indicator, and every http/https/ftp URL inside it.
class FreeTextDefanger {
 public:
  FreeTextDefanger() = default;
  // by_length_ points into known_, so a copy would point into the original.
  FreeTextDefanger(const FreeTextDefanger&) = delete;
  FreeTextDefanger& operator=(const FreeTextDefanger&) = delete;

  void Add(analysis::v1::IndicatorType type, std::string_view value);
  std::string Defang(std::string_view text) const;

 private:
  std::unordered_map<std::string, analysis::v1::IndicatorType> known_;
  // Views of known_'s keys (stable: node-based map), longest first.
  std::vector<std::string_view> by_length_;
};

}  // namespace kensa::report::internal
