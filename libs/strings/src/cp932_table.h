#pragma once
// Internal: the CP932 decoding table shared by the scanner and the public helpers, and the
// UTF-16 code unit classes derived from it.

#include <cstdint>

namespace kensa::strings {

// CP932 lead bytes (JIS X 0208 rows, NEC row 13, IBM extensions FA-FC). The user-defined
// area F0-F9 is left out: it maps to private-use code points, never to text.
constexpr bool IsCp932Lead(std::uint8_t b) {
  return (b >= 0x81 && b <= 0x9F) || (b >= 0xE0 && b <= 0xEF) || (b >= 0xFA && b <= 0xFC);
}

// CP932 trail bytes.
constexpr bool IsCp932Trail(std::uint8_t b) {
  return (b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFC);
}

// Whether a CP932 double-byte code is rare in real text: JIS X 0208 level-2 kanji (from
// 0x989F), the NEC and IBM extension rows, and the symbol rows 0x84-0x87 (box drawing,
// Cyrillic, circled numbers). Random bytes land there as often as anywhere; prose rarely does.
constexpr bool IsRareCp932(unsigned code) {
  const unsigned lead = code >> 8;
  return (lead >= 0x84 && lead <= 0x87) || code >= 0x989F;
}

// 65536 entries indexed by (lead << 8 | trail): the BMP code point, or 0 when the pair is not
// an assigned character. Built on first use; thread-safe.
const std::uint16_t* Cp932Table();

// Class of each UTF-16 code unit for the UTF-16LE scanner, indexed by the unit; the
// kUtf16InCp932 bit is set on Latin, Greek and Cyrillic units that CP932 can encode.
enum Utf16Class : std::uint8_t {
  kUtf16None = 0,       // not text
  kUtf16Ascii,          // U+0009, U+0020-U+007E
  kUtf16Latin1,         // U+00A0-U+00FF: also what tables of small integers look like
  kUtf16LatinExt,       // U+0100-U+024F
  kUtf16LatinRare,      // Latin Extended-B letters few languages use (U+0180-U+024F)
  kUtf16Greek,          // U+0386-U+03CE
  kUtf16Cyrillic,       // U+0400-U+045F, U+0490-U+0491
  kUtf16CyrillicRare,   // the rest of U+0370-U+052F
  kUtf16Punct,          // punctuation and symbols from U+2000 (CP932's, and the euro sign)
  kUtf16HalfKana,       // U+FF61-U+FF9F
  // From here on: Japanese. The first three are weak evidence (U+3000 is the bytes 00 30).
  kUtf16IdeoSpace,      // U+3000
  kUtf16Fullwidth,      // U+FF01-U+FF5E, U+FFE0-U+FFE6
  // Strong evidence of Japanese.
  kUtf16Kana,           // U+3041-U+30FF
  kUtf16CjkPunct,       // U+3001-U+303F found in CP932
  kUtf16Kanji,          // a CJK ideograph that is a JIS X 0208 level-1 kanji
  kUtf16RareKanji,      // any other CJK ideograph found in CP932
};
constexpr std::uint8_t kUtf16InCp932 = 0x80;
constexpr std::uint8_t kUtf16ClassMask = 0x7F;
const std::uint8_t* Utf16Classes();

}  // namespace kensa::strings
