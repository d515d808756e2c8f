#include "text_util.h"

#include <zlib.h>

#include <algorithm>
#include <array>

namespace kensa::script::internal {
namespace {

// Length of the valid UTF-8 sequence at `i`, 0 when invalid.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t i, std::uint32_t* code_point) {
  const auto b0 = static_cast<std::uint8_t>(text[i]);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  std::size_t length = 0;
  std::uint32_t cp = 0;
  std::uint32_t minimum = 0;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2;
    cp = b0 & 0x1Fu;
    minimum = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3;
    cp = b0 & 0x0Fu;
    minimum = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4;
    cp = b0 & 0x07u;
    minimum = 0x10000;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    const auto b = static_cast<std::uint8_t>(text[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < minimum || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  *code_point = cp;
  return length;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

char AsciiLowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool Printable(std::uint32_t cp) { return cp >= 0x20 || cp == '\n' || cp == '\r' || cp == '\t'; }

std::optional<Bytes> Inflate(ByteSpan data, std::size_t max_output, int window_bits) {
  if (data.empty()) return std::nullopt;
  z_stream stream{};
  if (inflateInit2(&stream, window_bits) != Z_OK) return std::nullopt;
  Bytes out;
  std::array<std::uint8_t, 64 * 1024> chunk{};
  // zlib's API takes non-const input; it never writes through next_in.
  stream.next_in = const_cast<Bytef*>(data.data());
  stream.avail_in = static_cast<uInt>(std::min<std::size_t>(data.size(), UINT32_MAX));
  int status = Z_OK;
  while (status == Z_OK && out.size() < max_output) {
    stream.next_out = chunk.data();
    stream.avail_out = static_cast<uInt>(chunk.size());
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    const std::size_t produced = chunk.size() - stream.avail_out;
    out.insert(out.end(), chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(produced));
    if (produced == 0 && stream.avail_in == 0) break;
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END && status != Z_OK) {
    // A stream cut short still yields what it had; a stream that is not deflate yields nothing.
    if (out.empty()) return std::nullopt;
  }
  if (out.size() > max_output) out.resize(max_output);
  return out;
}

}  // namespace

std::string SanitizeUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t length = Utf8SequenceLength(text, i, &cp);
    if (length == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else if (cp == 0) {
      out += "\xEF\xBF\xBD";  // NUL has no place in text fields either
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

std::string Utf8Prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t cut = max_bytes;
  while (cut > 0 && (static_cast<std::uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut));
}

std::vector<std::uint32_t> ToCodePoints(std::string_view utf8) {
  std::vector<std::uint32_t> out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    std::uint32_t cp = 0;
    const std::size_t length = Utf8SequenceLength(utf8, i, &cp);
    if (length == 0) {
      out.push_back(0xFFFD);
      ++i;
    } else {
      out.push_back(cp);
      i += length;
    }
  }
  return out;
}

std::string FromCodePoints(const std::vector<std::uint32_t>& code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (std::uint32_t cp : code_points) AppendUtf8(out, cp);
  return out;
}

std::string ReverseUtf8(std::string_view text) {
  auto cps = ToCodePoints(text);
  std::reverse(cps.begin(), cps.end());
  return FromCodePoints(cps);
}

std::optional<std::string> CodePointText(std::int64_t code_point) {
  if (code_point < 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    return std::nullopt;
  }
  std::string out;
  AppendUtf8(out, static_cast<std::uint32_t>(code_point));
  return out;
}

std::optional<Bytes> DecodeBase64(std::string_view text, std::size_t min_chars) {
  Bytes out;
  out.reserve(text.size() / 4 * 3 + 3);
  std::uint32_t buffer = 0;
  int bits = 0;
  std::size_t chars = 0;
  bool padding = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      padding = true;
      continue;
    }
    const int value = Base64Value(c);
    if (value < 0 || padding) return std::nullopt;  // data after padding is not base64
    ++chars;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>((buffer >> bits) & 0xFF));
    }
  }
  if (chars < min_chars || chars % 4 == 1) return std::nullopt;
  return out;
}

std::optional<Bytes> DecodeHexString(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out;
  out.reserve(text.size() / 2);
  auto digit = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); i += 2) {
    const int high = digit(text[i]);
    const int low = digit(text[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(high * 16 + low));
  }
  return out;
}

std::optional<std::string> Utf16LeAsText(ByteSpan bytes) {
  if (bytes.size() < 2 || bytes.size() % 2 != 0) return std::nullopt;
  std::size_t start = 0;
  if (bytes[0] == 0xFF && bytes[1] == 0xFE) start = 2;
  const std::size_t units = (bytes.size() - start) / 2;
  std::size_t printable = 0;
  for (std::size_t i = 0; i < units; ++i) {
    const std::uint32_t unit = bytes[start + 2 * i] | (static_cast<std::uint32_t>(bytes[start + 2 * i + 1]) << 8);
    if (unit != 0 && Printable(unit)) ++printable;
  }
  // Text, not binary that happens to have an even size: nearly every unit printable.
  constexpr std::size_t kPrintablePercent = 95;
  if (units == 0 || printable * 100 < units * kPrintablePercent) return std::nullopt;
  return SanitizeUtf8(ReadUtf16Le(bytes, start, units));
}

std::optional<std::string> BytesAsText(ByteSpan bytes) {
  if (bytes.empty()) return std::nullopt;
  // UTF-16LE: every second byte of ASCII text is zero.
  const std::size_t probe = std::min<std::size_t>(bytes.size(), 512);
  std::size_t odd_zeros = 0;
  for (std::size_t i = 1; i < probe; i += 2) odd_zeros += bytes[i] == 0 ? 1u : 0u;
  if (odd_zeros * 2 * 10 >= probe * 7) {
    if (auto text = Utf16LeAsText(bytes)) return text;
  }
  const std::string_view raw(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::size_t control = 0;
  for (char c : raw) {
    const auto b = static_cast<std::uint8_t>(c);
    if (b < 0x20 && c != '\n' && c != '\r' && c != '\t') ++control;
  }
  constexpr std::size_t kMaxControlPercent = 2;
  if (control * 100 > raw.size() * kMaxControlPercent) return std::nullopt;
  const std::string text = SanitizeUtf8(raw);
  // Binary data that passed the control test still fails here: mostly replacement characters.
  std::size_t replacements = 0;
  for (std::size_t at = text.find("\xEF\xBF\xBD"); at != std::string::npos; at = text.find("\xEF\xBF\xBD", at + 3)) {
    ++replacements;
  }
  if (replacements * 20 > raw.size()) return std::nullopt;
  return text;
}

std::optional<Bytes> InflateRaw(ByteSpan data, std::size_t max_output) {
  constexpr int kRawDeflate = -15;
  return Inflate(data, max_output, kRawDeflate);
}

std::optional<Bytes> Gunzip(ByteSpan data, std::size_t max_output) {
  if (data.size() < 18 || data[0] != 0x1F || data[1] != 0x8B) return std::nullopt;
  constexpr int kGzipOnly = 16 + 15;
  return Inflate(data, max_output, kGzipOnly);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (AsciiLowerChar(a[i]) != AsciiLowerChar(b[i])) return false;
  }
  return true;
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && EqualsIgnoreCase(text.substr(0, prefix.size()), prefix);
}

std::size_t FindIgnoreCase(std::string_view text, std::string_view needle, std::size_t from) {
  if (needle.empty()) return from <= text.size() ? from : std::string_view::npos;
  const char first = AsciiLowerChar(needle[0]);
  for (std::size_t i = from; i + needle.size() <= text.size(); ++i) {
    if (AsciiLowerChar(text[i]) != first) continue;
    if (EqualsIgnoreCase(text.substr(i, needle.size()), needle)) return i;
  }
  return std::string_view::npos;
}

std::string ReplaceAll(std::string_view text, std::string_view from, std::string_view to, bool ignore_case) {
  if (from.empty()) return std::string(text);
  std::string out;
  std::size_t at = 0;
  while (true) {
    const std::size_t hit = ignore_case ? FindIgnoreCase(text, from, at) : text.find(from, at);
    if (hit == std::string_view::npos) break;
    out.append(text.substr(at, hit - at));
    out.append(to);
    at = hit + from.size();
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace kensa::script::internal
