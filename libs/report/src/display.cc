#include "display.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "kensa/core/bytes.h"
#include "kensa/indicators/defang.h"

namespace kensa::report::internal {
namespace {

using analysis::v1::IndicatorType;

struct Decoded {
  std::uint32_t code_point;
  std::size_t length;  // bytes consumed
};

// One UTF-8 sequence at text[pos] (RFC 3629 §4: no overlongs, no surrogates, <= U+10FFFF),
// or nullopt when the byte there does not start a valid one.
std::optional<Decoded> DecodeUtf8(std::string_view text, std::size_t pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[pos + i]); };
  const std::uint8_t lead = byte(0);
  if (lead < 0x80) return Decoded{lead, 1};
  std::size_t length = 0;
  std::uint32_t cp = 0;
  std::uint32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    cp = lead & 0x1Fu;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    cp = lead & 0x0Fu;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    cp = lead & 0x07u;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (text.size() - pos < length) return std::nullopt;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (byte(i) & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  return Decoded{cp, length};
}

bool IsBidiOrInvisible(std::uint32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) ||  // zero-width space/joiners, LRM, RLM
         (cp >= 0x202A && cp <= 0x202E) ||  // embeddings and overrides
         (cp >= 0x2066 && cp <= 0x2069) ||  // isolates
         cp == 0xFEFF;                      // byte order mark / zero-width no-break space
}

bool IsCombining(std::uint32_t cp) {
  return (cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x3099 && cp <= 0x309A) ||
         (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x20D0 && cp <= 0x20FF);
}

// East Asian Width W and F (Unicode UAX #11), the ranges that matter for reports.
bool IsWide(std::uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0x303E) ||
         (cp >= 0x3041 && cp <= 0x33FF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
         (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xA000 && cp <= 0xA4CF) ||
         (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
         (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
         (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
         (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
}

// Characters that must not start a line (JIS X 4051 §5.3 / W3C JLREQ 3.1.7, the common subset):
// closing brackets, Japanese punctuation, small kana and the prolonged sound mark.
bool IsNoBreakBefore(std::uint32_t cp) {
  switch (cp) {
    case 0x3001: case 0x3002: case 0xFF0C: case 0xFF0E:  // 、。，．
    case 0x300D: case 0x300F: case 0x3011: case 0xFF09:  // 」』】）
    case 0x30FC: case 0x3005: case 0x30FB:               // ー々・
    case 0xFF01: case 0xFF1F: case 0xFF1A:               // ！？：
    case 0x3041: case 0x3043: case 0x3045: case 0x3047: case 0x3049:  // ぁぃぅぇぉ
    case 0x3063: case 0x3083: case 0x3085: case 0x3087:               // っゃゅょ
    case 0x30A1: case 0x30A3: case 0x30A5: case 0x30A7: case 0x30A9:  // ァィゥェォ
    case 0x30C3: case 0x30E3: case 0x30E5: case 0x30E7:               // ッャュョ
      return true;
    default:
      return false;
  }
}

std::size_t CodePointWidth(std::uint32_t cp) {
  if (IsCombining(cp)) return 0;
  return IsWide(cp) ? 2 : 1;
}

// Characters of `text` as (bytes, width) pieces; invalid bytes count as one column each
// (Neutralize has normally replaced them already).
struct Piece {
  std::string_view bytes;
  std::size_t width;
  bool is_space;
  bool is_wide;
  bool no_break_before;
};

std::vector<Piece> Pieces(std::string_view text) {
  std::vector<Piece> pieces;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto decoded = DecodeUtf8(text, pos);
    const std::size_t length = decoded ? decoded->length : 1;
    const std::uint32_t cp = decoded ? decoded->code_point : 0xFFFD;
    pieces.push_back({text.substr(pos, length), CodePointWidth(cp), cp == ' ', IsWide(cp),
                      IsNoBreakBefore(cp)});
    pos += length;
  }
  return pieces;
}

void AppendHexEscape(std::string& out, std::uint8_t byte) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\x";
  out.push_back(kDigits[byte >> 4]);
  out.push_back(kDigits[byte & 0x0F]);
}

bool IsNetworkType(IndicatorType type) {
  switch (type) {
    case analysis::v1::INDICATOR_TYPE_URL:
    case analysis::v1::INDICATOR_TYPE_DOMAIN:
    case analysis::v1::INDICATOR_TYPE_IPV4:
    case analysis::v1::INDICATOR_TYPE_IPV6:
    case analysis::v1::INDICATOR_TYPE_EMAIL:
      return true;
    default:
      return false;
  }
}

bool StartsWithNoCase(std::string_view text, std::size_t pos, std::string_view prefix) {
  if (text.size() - pos < prefix.size()) return false;
  return AsciiLower(text.substr(pos, prefix.size())) == prefix;
}

// A URL ends at whitespace, quotes and angle brackets (RFC 3986 Appendix C's delimiters).
bool EndsUrl(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' || c == '<' ||
         c == '>' || c == '`';
}

}  // namespace

std::string Neutralize(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto decoded = DecodeUtf8(text, pos);
    if (!decoded) {
      AppendHexEscape(out, static_cast<std::uint8_t>(text[pos]));
      ++pos;
      continue;
    }
    const std::uint32_t cp = decoded->code_point;
    if (cp < 0x20 || cp == 0x7F) {
      AppendHexEscape(out, static_cast<std::uint8_t>(cp));
    } else if ((cp >= 0x80 && cp <= 0x9F) || IsBidiOrInvisible(cp)) {
      // C1 controls (CSI is 0x9B) drive some terminals just like ESC [.
      char buffer[16];
      std::snprintf(buffer, sizeof(buffer), "<U+%04X>", static_cast<unsigned>(cp & 0xFFFFu));
      out += buffer;
    } else {
      out += text.substr(pos, decoded->length);
    }
    pos += decoded->length;
  }
  return out;
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      out += " \xE2\x8F\x8E ";  // U+23CE RETURN SYMBOL
    } else if (c == '\t') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::size_t DisplayWidth(std::string_view text) {
  std::size_t width = 0;
  for (const Piece& piece : Pieces(text)) width += piece.width;
  return width;
}

std::string PadRight(std::string_view text, std::size_t width) {
  std::string out(text);
  const std::size_t current = DisplayWidth(text);
  if (current < width) out.append(width - current, ' ');
  return out;
}

std::string PadLeft(std::string_view text, std::size_t width) {
  const std::size_t current = DisplayWidth(text);
  std::string out;
  if (current < width) out.append(width - current, ' ');
  out += text;
  return out;
}

std::string Elide(std::string_view text, std::size_t width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  if (width == 0) return {};
  std::string out;
  std::size_t used = 0;
  for (const Piece& piece : Pieces(text)) {
    if (used + piece.width > width - 1) break;
    out += piece.bytes;
    used += piece.width;
  }
  out += "…";
  return out;
}

std::vector<std::string> HardWrap(std::string_view text, std::size_t width) {
  std::vector<std::string> lines;
  std::string line;
  std::size_t used = 0;
  width = std::max<std::size_t>(width, 2);
  for (const Piece& piece : Pieces(text)) {
    if (used + piece.width > width && !line.empty()) {
      lines.push_back(std::move(line));
      line.clear();
      used = 0;
    }
    line += piece.bytes;
    used += piece.width;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

std::vector<std::string> WrapWords(std::string_view text, std::size_t width) {
  width = std::max<std::size_t>(width, 2);
  // Words: runs of non-space narrow characters; each wide character is a word of its own,
  // since Japanese breaks between characters (JIS X 4051's line-breaking rules, simplified).
  // Spaces between words are kept as written inside a line and dropped at a break.
  struct Word {
    std::string text;
    std::size_t width = 0;
    std::size_t spaces_before = 0;
  };
  std::vector<Word> words;
  std::size_t pending_spaces = 0;
  bool in_narrow_word = false;
  for (const Piece& piece : Pieces(text)) {
    if (piece.is_space) {
      ++pending_spaces;
      in_narrow_word = false;
      continue;
    }
    if (piece.no_break_before && !words.empty() && pending_spaces == 0) {
      // Kinsoku: stays on the line of the character before it.
      words.back().text += piece.bytes;
      words.back().width += piece.width;
      continue;
    }
    if (piece.is_wide || !in_narrow_word) {
      words.push_back({std::string(piece.bytes), piece.width, pending_spaces});
      pending_spaces = 0;
      in_narrow_word = !piece.is_wide;
      continue;
    }
    words.back().text += piece.bytes;
    words.back().width += piece.width;
  }

  std::vector<std::string> lines;
  std::string line;
  std::size_t used = 0;
  for (Word& word : words) {
    const std::size_t gap = used > 0 ? word.spaces_before : 0;
    if (used > 0 && used + gap + word.width > width) {
      lines.push_back(std::move(line));
      line.clear();
      used = 0;
    }
    if (used == 0 && word.width > width) {
      // A word longer than a line (a path, a hash): cut it rather than overflow.
      std::vector<std::string> pieces = HardWrap(word.text, width);
      for (std::size_t i = 0; i + 1 < pieces.size(); ++i) lines.push_back(std::move(pieces[i]));
      line = std::move(pieces.back());
      used = DisplayWidth(line);
      continue;
    }
    if (used > 0) {
      line.append(word.spaces_before, ' ');
      used += word.spaces_before;
    }
    line += word.text;
    used += word.width;
  }
  if (!line.empty() || lines.empty()) lines.push_back(std::move(line));
  return lines;
}

std::string GroupThousands(std::uint64_t value) {
  std::string digits = std::to_string(value);
  std::string out;
  const std::size_t first = digits.size() % 3 == 0 ? 3 : digits.size() % 3;
  out += digits.substr(0, first);
  for (std::size_t i = first; i < digits.size(); i += 3) {
    out.push_back(',');
    out += digits.substr(i, 3);
  }
  return out;
}

std::string HexNumber(std::uint64_t value) {
  char buffer[24];
  std::snprintf(buffer, sizeof(buffer), "0x%llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::string HumanSize(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(kUnits)) {
    value /= 1024.0;
    ++unit;
  }
  return FixedPoint(value, 1) + " " + kUnits[unit];
}

std::string FixedPoint(double value, int decimals) {
  if (!std::isfinite(value)) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  return buffer;
}

void FreeTextDefanger::Add(IndicatorType type, std::string_view value) {
  // Short values ("a.b") would defang unrelated words; the known-value scan is O(text * known).
  static constexpr std::size_t kMinValueLength = 4;
  static constexpr std::size_t kMaxKnownValues = 4096;
  if (!IsNetworkType(type) || value.size() < kMinValueLength) return;
  if (known_.size() >= kMaxKnownValues) return;
  const auto [it, inserted] = known_.emplace(std::string(value), type);
  if (!inserted) return;
  const auto at = std::lower_bound(
      by_length_.begin(), by_length_.end(), it->first,
      [](std::string_view a, std::string_view b) { return a.size() > b.size(); });
  by_length_.insert(at, it->first);
}

std::string FreeTextDefanger::Defang(std::string_view text) const {
  if (const auto it = known_.find(std::string(text)); it != known_.end()) {
    return indicators::Defang(it->second, text);
  }
  static constexpr std::string_view kSchemes[] = {"http://", "https://", "ftp://", "hxxp://"};
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    bool matched = false;
    for (std::string_view scheme : kSchemes) {
      if (!StartsWithNoCase(text, pos, scheme)) continue;
      std::size_t end = pos + scheme.size();
      while (end < text.size() && !EndsUrl(text[end])) ++end;
      const std::string url = AsciiLower(text.substr(pos, scheme.size())) +
                              std::string(text.substr(pos + scheme.size(), end - pos -
                                                                               scheme.size()));
      out += indicators::Defang(analysis::v1::INDICATOR_TYPE_URL, url);
      pos = end;
      matched = true;
      break;
    }
    if (matched) continue;
    // Known network indicators inside the text, longest match first at each position.
    for (std::string_view value : by_length_) {
      if (text.compare(pos, value.size(), value) != 0) continue;
      out += indicators::Defang(known_.at(std::string(value)), value);
      pos += value.size();
      matched = true;
      break;
    }
    if (matched) continue;
    out.push_back(text[pos]);
    ++pos;
  }
  return out;
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

}  // namespace kensa::report::internal
