#include "text.h"

#include <cstdint>

namespace kensa::xlm {
namespace {

// Length of the valid UTF-8 sequence at `at`, or 0 when the bytes there are not one.
std::size_t Utf8SequenceLength(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(at);
  std::size_t length = 0;
  std::uint32_t min = 0;
  std::uint32_t code = 0;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0u) == 0xC0u) {
    length = 2, min = 0x80, code = lead & 0x1Fu;
  } else if ((lead & 0xF0u) == 0xE0u) {
    length = 3, min = 0x800, code = lead & 0x0Fu;
  } else if ((lead & 0xF8u) == 0xF0u) {
    length = 4, min = 0x10000, code = lead & 0x07u;
  } else {
    return 0;
  }
  if (text.size() - at < length) return 0;
  for (std::size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0u) != 0x80u) return 0;
    code = (code << 6) | (byte(at + i) & 0x3Fu);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::string CleanText(std::string_view text, std::size_t max) {
  std::string out;
  out.reserve(std::min(text.size(), max));
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t length = Utf8SequenceLength(text, at);
    std::string piece;
    if (length == 0) {
      piece = "\xEF\xBF\xBD";  // U+FFFD
      ++at;
    } else {
      const auto c = static_cast<std::uint8_t>(text[at]);
      if (length == 1 && c < 0x20 && c != '\t' && c != '\n') {
        static constexpr char kHex[] = "0123456789abcdef";
        piece = {'\\', 'x', kHex[c >> 4], kHex[c & 0x0F]};
      } else {
        piece = std::string(text.substr(at, length));
      }
      at += length;
    }
    if (out.size() + piece.size() > max) break;
    out += piece;
  }
  return out;
}

std::string Latin1ToUtf8(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const std::uint8_t b : bytes) AppendUtf8(out, b);
  return out;
}

std::string AsciiUpper(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

}  // namespace kensa::xlm
