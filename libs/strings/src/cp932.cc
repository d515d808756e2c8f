// CP932 (Microsoft's Shift_JIS) decoding through a table built once from glibc's iconv.
// A table keeps the scanner's inner loop free of library calls and tells it, per byte pair,
// whether the pair is an assigned character (which is how noise is told from text).

#include <iconv.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/strings/string_extractor.h"
#include "cp932_table.h"

namespace kensa::strings {
namespace {

// Builds the (lead << 8 | trail) -> BMP code point table; 0 marks "not a character".
std::vector<std::uint16_t> BuildCp932Table() {
  std::vector<std::uint16_t> table(65536, 0);
  iconv_t cd = iconv_open("UTF-16LE", "CP932");
  if (cd == reinterpret_cast<iconv_t>(-1)) return table;  // no gconv module: no Shift_JIS
  for (unsigned lead = 0x81; lead <= 0xFC; ++lead) {
    if (!IsCp932Lead(static_cast<std::uint8_t>(lead))) continue;
    for (unsigned trail = 0x40; trail <= 0xFC; ++trail) {
      if (!IsCp932Trail(static_cast<std::uint8_t>(trail))) continue;
      std::array<char, 2> in = {static_cast<char>(lead), static_cast<char>(trail)};
      std::array<char, 8> out{};
      char* in_ptr = in.data();
      char* out_ptr = out.data();
      std::size_t in_left = in.size();
      std::size_t out_left = out.size();
      iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset (CP932 is stateless anyway)
      const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
      if (rc == static_cast<std::size_t>(-1) || in_left != 0 || out_left != out.size() - 2) {
        continue;  // unassigned, or decoded to more than one UTF-16 unit
      }
      const auto code = static_cast<std::uint16_t>(static_cast<std::uint8_t>(out[0]) |
                                                   (static_cast<std::uint8_t>(out[1]) << 8));
      // Private-use code points come from the user-defined rows; not text anyone wrote.
      if (code >= 0xE000 && code <= 0xF8FF) continue;
      if (code < 0x80) continue;  // never a real double-byte character
      table[(lead << 8) | trail] = code;
    }
  }
  iconv_close(cd);
  return table;
}

// Everything from U+2000 up is accepted only when CP932 can encode it: that keeps the
// ideographs to the ~6,700 a Japanese system can write instead of all 21,000, which is what
// lets the scanner tell Japanese text from random bytes.
std::vector<std::uint8_t> BuildUtf16Classes(const std::uint16_t* cp932) {
  std::vector<std::uint8_t> classes(65536, kUtf16None);
  classes['\t'] = kUtf16Ascii;
  for (unsigned u = 0x20; u <= 0x7E; ++u) classes[u] = kUtf16Ascii;
  for (unsigned u = 0xA0; u <= 0xFF; ++u) classes[u] = kUtf16Latin1;
  for (unsigned u = 0x100; u <= 0x17F; ++u) classes[u] = kUtf16LatinExt;
  for (unsigned u = 0x180; u <= 0x24F; ++u) classes[u] = kUtf16LatinRare;
  for (unsigned u = 0x1A0; u <= 0x1B0; ++u) classes[u] = kUtf16LatinExt;  // Vietnamese
  for (unsigned u = 0x218; u <= 0x21B; ++u) classes[u] = kUtf16LatinExt;  // Romanian
  for (unsigned u = 0x370; u <= 0x52F; ++u) classes[u] = kUtf16CyrillicRare;
  for (unsigned u = 0x386; u <= 0x3CE; ++u) classes[u] = kUtf16Greek;
  for (unsigned u = 0x400; u <= 0x45F; ++u) classes[u] = kUtf16Cyrillic;  // Russian, Ukrainian, ...
  classes[0x490] = kUtf16Cyrillic;
  classes[0x491] = kUtf16Cyrillic;
  for (unsigned u = 0xFF61; u <= 0xFF9F; ++u) classes[u] = kUtf16HalfKana;
  classes[0x20AC] = kUtf16Punct;  // euro sign
  for (unsigned code = 0x8140; code <= 0xFCFC; ++code) {
    const std::uint16_t u = cp932[code];
    if (u == 0) continue;
    if (u < 0x2000) {
      if (classes[u] != kUtf16None) classes[u] |= kUtf16InCp932;
      continue;
    }
    std::uint8_t cls = kUtf16Punct;
    if (u >= 0x3041 && u <= 0x30FF) {
      cls = kUtf16Kana;
    } else if (u == 0x3000) {
      cls = kUtf16IdeoSpace;
    } else if (u >= 0x3001 && u <= 0x303F) {
      cls = kUtf16CjkPunct;
    } else if ((u >= 0xFF01 && u <= 0xFF5E) || (u >= 0xFFE0 && u <= 0xFFE6)) {
      cls = kUtf16Fullwidth;
    } else if (u >= 0xFF61 && u <= 0xFF9F) {
      cls = kUtf16HalfKana;
    } else if ((u >= 0x4E00 && u <= 0x9FFF) || (u >= 0xF900 && u <= 0xFAFF)) {
      cls = IsRareCp932(code) ? kUtf16RareKanji : kUtf16Kanji;
      // The same ideograph may sit both in JIS X 0208 and in an extension row.
      if (classes[u] == kUtf16Kanji) cls = kUtf16Kanji;
    }
    classes[u] = cls;
  }
  return classes;
}

}  // namespace

const std::uint16_t* Cp932Table() {
  static const std::vector<std::uint16_t> table = BuildCp932Table();
  return table.data();
}

const std::uint8_t* Utf16Classes() {
  static const std::vector<std::uint8_t> classes = BuildUtf16Classes(Cp932Table());
  return classes.data();
}

std::uint32_t DecodeCp932Pair(std::uint8_t lead, std::uint8_t trail) {
  return Cp932Table()[(static_cast<unsigned>(lead) << 8) | trail];
}

std::string Cp932ToUtf8(std::string_view bytes) {
  const std::uint16_t* table = Cp932Table();
  std::string out;
  out.reserve(bytes.size() * 3 / 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto b = static_cast<std::uint8_t>(bytes[i]);
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
    } else if (b >= 0xA1 && b <= 0xDF) {
      AppendUtf8(out, 0xFF61u + (b - 0xA1u));  // half-width katakana block
    } else if (IsCp932Lead(b) && i + 1 < bytes.size()) {
      const std::uint16_t code = table[(static_cast<unsigned>(b) << 8) |
                                       static_cast<std::uint8_t>(bytes[i + 1])];
      if (code != 0) {
        AppendUtf8(out, code);
        ++i;
      } else {
        AppendUtf8(out, 0xFFFD);
      }
    } else {
      AppendUtf8(out, 0xFFFD);
    }
  }
  return out;
}

std::string HostTextToUtf8(std::string_view bytes, std::size_t max_bytes) {
  if (IsValidUtf8(bytes)) return std::string(Utf8Prefix(bytes, max_bytes));
  constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string decoded = Cp932ToUtf8(bytes);
  if (decoded.find(kReplacement) == std::string::npos) {
    return std::string(Utf8Prefix(decoded, max_bytes));
  }
  // Neither: keep the UTF-8 sequences that are whole and mark every other byte.
  decoded.clear();
  std::size_t i = 0;
  while (i < bytes.size() && decoded.size() < max_bytes) {
    std::size_t length = 1;
    const auto lead = static_cast<unsigned char>(bytes[i]);
    if (lead >= 0xC0) length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (length > 1 && i + length <= bytes.size() && IsValidUtf8(bytes.substr(i, length))) {
      decoded.append(bytes.substr(i, length));
    } else if (lead < 0x80) {
      decoded.push_back(static_cast<char>(lead));
    } else {
      decoded.append(kReplacement);
      length = 1;
    }
    i += length;
  }
  return std::string(Utf8Prefix(decoded, max_bytes));
}

}  // namespace kensa::strings
