#include "kensa/core/bytes.h"

#include <array>
#include <cmath>

namespace kensa {

std::string ReadCString(ByteSpan data, std::uint64_t offset, std::size_t max_length) {
  std::string out;
  for (std::uint64_t i = offset; i < data.size() && out.size() < max_length; ++i) {
    if (data[i] == 0) break;
    out.push_back(static_cast<char>(data[i]));
  }
  return out;
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string_view Utf8Prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  std::size_t end = max_bytes;
  // Back up over continuation bytes (10xxxxxx) to the start of the cut character; at most three.
  std::size_t backed = 0;
  while (end > 0 && backed < 3 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
    --end;
    ++backed;
  }
  return text.substr(0, end);
}

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t cp = 0, min = 0;
    if ((lead & 0xE0) == 0xC0) {
      length = 2, cp = lead & 0x1Fu, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, cp = lead & 0x0Fu, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, cp = lead & 0x07u, min = 0x10000;
    } else {
      return false;  // a continuation byte, or 0xF8..0xFF
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3Fu);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += length;
  }
  return true;
}

std::string ReadUtf16Le(ByteSpan data, std::uint64_t offset, std::size_t units) {
  std::string out;
  for (std::size_t i = 0; i < units; ++i) {
    auto unit = ReadLe<std::uint16_t>(data, offset + 2 * i);
    if (!unit) break;
    std::uint32_t cp = *unit;
    if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < units) {
      auto low = ReadLe<std::uint16_t>(data, offset + 2 * (i + 1));
      if (low && *low >= 0xDC00 && *low <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00u);
        ++i;
      }
    }
    AppendUtf8(out, cp);
  }
  return out;
}

double ShannonEntropy(ByteSpan data) {
  if (data.empty()) return 0.0;
  // Four histograms break the store-to-load dependency between equal neighbouring bytes, which
  // makes this about twice as fast on code and padding (long runs of one value).
  std::array<std::array<std::uint64_t, 256>, 4> counts{};
  const std::size_t whole = data.size() / 4 * 4;
  for (std::size_t i = 0; i < whole; i += 4) {
    ++counts[0][data[i]];
    ++counts[1][data[i + 1]];
    ++counts[2][data[i + 2]];
    ++counts[3][data[i + 3]];
  }
  for (std::size_t i = whole; i < data.size(); ++i) ++counts[0][data[i]];
  double entropy = 0.0;
  const auto total = static_cast<double>(data.size());
  for (std::size_t b = 0; b < 256; ++b) {
    const std::uint64_t c = counts[0][b] + counts[1][b] + counts[2][b] + counts[3][b];
    if (c == 0) continue;
    const double p = static_cast<double>(c) / total;
    entropy -= p * std::log2(p);
  }
  return entropy;
}

std::string ToHex(ByteSpan data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(data.size() * 2);
  for (std::uint8_t b : data) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0xF]);
  }
  return out;
}

std::string HexNumber(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string digits;
  do {
    digits.push_back(kDigits[value & 0xF]);
    value >>= 4;
  } while (value != 0);
  return "0x" + std::string(digits.rbegin(), digits.rend());
}

Bytes FromHex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char c : hex) {
    int value = -1;
    if (c >= '0' && c <= '9') value = c - '0';
    if (c >= 'a' && c <= 'f') value = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') value = c - 'A' + 10;
    if (value < 0) continue;
    if (high < 0) {
      high = value;
    } else {
      out.push_back(static_cast<std::uint8_t>(high * 16 + value));
      high = -1;
    }
  }
  return out;
}

std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace kensa
