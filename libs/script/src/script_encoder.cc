#include "kensa/script/script_encoder.h"

#include <array>
#include <cstdint>

#include "text_util.h"

namespace kensa::script {
namespace {

constexpr std::string_view kStartMarker = "#@~^";
constexpr std::string_view kEndMarker = "^#~@";
// "#@~^" is followed by the length as 6 base64 characters and "==", the encoded text, the
// checksum as 6 base64 characters and "==", then "^#~@".
constexpr std::size_t kFieldSize = 8;

// The three substitution tables for characters 32..127, one row per table; tab (9) has its own
// entry below. Octal escapes because hex escapes in C++ swallow following hex digits.
constexpr std::array<std::string_view, 3> kDecodeTables = {
    ".GzVBj/&IA42[vrC89pEhqO\011bD#uJ~J^@wJa]\042KoN;LPg*}tT+-,0nkf5%!dMRc\077{x)(sY3\177mUS|:_eFX1ilZH'\134=$y7`Q 6",
    "-uR`q^I\134b})6 |z\177kc3+hQfv1dTCL:L~LE,*t'7DyY/o&rj9{\0778wgSG4x]0#Z[lHUpi.L!$NP\011Vs5aKX;W\042mM%(FJ2A=_OBe",
    "20!)[83=X:5e9\134VsfNEkbYx^}JmqA`AS@B'Hru17MR\042TjGd- \177.L]~loytC&v%$+(#A4\011*D\077w;UiacPgQIOFh|6pnz/_KZ,W",
};
constexpr std::array<char, 3> kDecodeTab = {'\x57', '\x6E', '\x7B'};

// Which table decodes the character at each position modulo 64.
constexpr std::array<std::uint8_t, 64> kTableOrder = {
    0, 1, 2, 0, 1, 2, 1, 2, 2, 1, 2, 1, 0, 2, 1, 2, 0, 2, 1, 2, 0, 0, 1, 2, 2, 1, 0, 2, 1, 2, 2, 1,
    0, 0, 2, 1, 2, 1, 2, 0, 2, 0, 0, 1, 2, 0, 2, 1, 0, 2, 1, 2, 0, 0, 1, 2, 2, 0, 0, 1, 2, 0, 2, 1};

// The 32-bit little-endian number an 8-character base64 field holds.
std::optional<std::uint32_t> DecodeField(std::string_view field) {
  auto bytes = internal::DecodeBase64(field, 6);
  if (!bytes || bytes->size() < 4) return std::nullopt;
  return static_cast<std::uint32_t>((*bytes)[0]) | (static_cast<std::uint32_t>((*bytes)[1]) << 8) |
         (static_cast<std::uint32_t>((*bytes)[2]) << 16) | (static_cast<std::uint32_t>((*bytes)[3]) << 24);
}

std::string Decode(std::string_view encoded, std::size_t max_output, std::uint32_t* checksum) {
  std::string out;
  std::size_t index = 0;
  *checksum = 0;
  for (std::size_t i = 0; i < encoded.size() && out.size() < max_output; ++i) {
    char c = encoded[i];
    if (c == '@' && i + 1 < encoded.size()) {
      // Escapes for the characters the encoder cannot emit; they take one position.
      switch (encoded[i + 1]) {
        case '&': c = '\n'; ++i; break;
        case '#': c = '\r'; ++i; break;
        case '*': c = '>'; ++i; break;
        case '!': c = '<'; ++i; break;
        case '$': c = '@'; ++i; break;
        default: break;
      }
      out.push_back(c);
      ++index;
    } else {
      const auto byte = static_cast<std::uint8_t>(c);
      if (byte == 9) {
        c = kDecodeTab[kTableOrder[index % 64]];
      } else if (byte > 31 && byte < 128 && c != '<' && c != '>' && c != '@') {
        c = kDecodeTables[kTableOrder[index % 64]][byte - 32];
      }
      // Bytes of multi-byte characters pass through and do not advance the position.
      if (byte < 128) ++index;
      out.push_back(c);
    }
    *checksum += static_cast<std::uint8_t>(out.back());
  }
  return out;
}

}  // namespace

std::optional<ScriptEncoderBlock> DecodeScriptEncoderBlock(std::string_view text, std::size_t from,
                                                           std::size_t max_output) {
  const std::size_t begin = text.find(kStartMarker, from);
  if (begin == std::string_view::npos) return std::nullopt;
  const std::size_t data_start = begin + kStartMarker.size() + kFieldSize;
  if (data_start > text.size()) return std::nullopt;
  ScriptEncoderBlock block;
  block.begin = begin;
  std::string_view encoded;
  std::string_view checksum_field;
  // The length field says where the data ends; when it lies (a hand-edited block), the end marker
  // does.
  const auto length = DecodeField(text.substr(begin + kStartMarker.size(), kFieldSize));
  const bool length_fits =
      length && *length <= text.size() - data_start && text.size() - data_start - *length >= kFieldSize;
  if (length_fits && text.substr(data_start + *length + kFieldSize, kEndMarker.size()) == kEndMarker) {
    encoded = text.substr(data_start, *length);
    checksum_field = text.substr(data_start + *length, kFieldSize);
    block.end = data_start + *length + kFieldSize + kEndMarker.size();
  } else {
    const std::size_t end = text.find(kEndMarker, data_start);
    const std::size_t data_end = end == std::string_view::npos ? text.size() : end;
    const std::size_t checksum_start = data_end >= data_start + kFieldSize ? data_end - kFieldSize : data_start;
    encoded = text.substr(data_start, checksum_start - data_start);
    checksum_field = text.substr(checksum_start, data_end - checksum_start);
    block.end = end == std::string_view::npos ? text.size() : end + kEndMarker.size();
  }
  std::uint32_t checksum = 0;
  block.decoded = Decode(encoded, max_output, &checksum);
  const auto expected = DecodeField(checksum_field);
  block.checksum_ok = expected.has_value() && *expected == checksum;
  return block;
}

}  // namespace kensa::script
