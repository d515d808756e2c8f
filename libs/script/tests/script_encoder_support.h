#pragma once
// A Script Encoder (screnc.exe) for tests, derived from the decoder: for each position modulo 64
// and each encoded character, what the decoder makes of it; inverted, that is the encoder.
// script_encoder_test.cc checks that it reproduces the published MsgBox vector.

#include <array>
#include <cstdint>
#include <string>

#include "kensa/script/script_encoder.h"

namespace kensa::script::testing {

inline std::string Base64Field(std::uint32_t value) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::uint8_t b[4] = {static_cast<std::uint8_t>(value), static_cast<std::uint8_t>(value >> 8),
                             static_cast<std::uint8_t>(value >> 16), static_cast<std::uint8_t>(value >> 24)};
  std::string out;
  out.push_back(kAlphabet[b[0] >> 2]);
  out.push_back(kAlphabet[((b[0] & 3) << 4) | (b[1] >> 4)]);
  out.push_back(kAlphabet[((b[1] & 15) << 2) | (b[2] >> 6)]);
  out.push_back(kAlphabet[b[2] & 63]);
  out.push_back(kAlphabet[b[3] >> 2]);
  out.push_back(kAlphabet[(b[3] & 3) << 4]);
  return out + "==";
}

// encoded[position % 64][plain character] by asking the decoder.
inline const std::array<std::array<char, 128>, 64>& EncodeTable() {
  static const auto table = [] {
    std::array<std::array<char, 128>, 64> t{};
    for (std::size_t position = 0; position < 64; ++position) {
      for (int e = 9; e < 128; ++e) {
        if (e != 9 && e < 32) continue;
        if (e == '<' || e == '>' || e == '@') continue;
        // `position` escapes (one position each) put the probe where it is wanted.
        std::string block = "#@~^AAAAAA==";
        for (std::size_t i = 0; i < position; ++i) block += "@&";
        block.push_back(static_cast<char>(e));
        block += "AAAAAA==^#~@";
        auto decoded = DecodeScriptEncoderBlock(block, 0, 4096);
        const auto plain = static_cast<std::uint8_t>(decoded->decoded[position]);
        if (plain < 128) t[position][plain] = static_cast<char>(e);
      }
    }
    return t;
  }();
  return table;
}

// `script` (ASCII) as a complete Script Encoder block with length and checksum.
inline std::string EncodeScript(const std::string& script) {
  std::string data;
  std::uint32_t checksum = 0;
  std::size_t position = 0;
  for (char c : script) {
    checksum += static_cast<std::uint8_t>(c);
    switch (c) {
      case '\n': data += "@&"; break;
      case '\r': data += "@#"; break;
      case '>': data += "@*"; break;
      case '<': data += "@!"; break;
      case '@': data += "@$"; break;
      default: data.push_back(EncodeTable()[position % 64][static_cast<std::uint8_t>(c)]); break;
    }
    ++position;
  }
  return "#@~^" + Base64Field(static_cast<std::uint32_t>(data.size())) + data + Base64Field(checksum) + "^#~@";
}

}  // namespace kensa::script::testing
