#pragma once
// The Windows Script Encoder format (screnc.exe; .vbe and .jse files, "VBScript.Encode" /
// "JScript.Encode" script blocks): "#@~^" + 6 base64 characters of length + "==", the encoded
// text, 6 base64 characters of checksum + "==", "^#~@". Each printable character is substituted
// through one of three tables, chosen by its position modulo 64; "@&", "@#", "@*", "@!" and "@$"
// stand for LF, CR, ">", "<" and "@". The tables and order are those published by the scrdec
// decoders (Mr Brownstone's scrdec.c, Didier Stevens' decode-vbe.py).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kensa::script {

struct ScriptEncoderBlock {
  // Where "#@~^" starts and where the block ends (after "^#~@", or the end of the text when the
  // marker is missing) in the input.
  std::size_t begin = 0;
  std::size_t end = 0;
  std::string decoded;
  // The checksum after the encoded text equals the sum of the decoded bytes.
  bool checksum_ok = false;
};

// The first Script Encoder block at or after `from` in `text`; nullopt when there is none.
// `max_output` bounds the decoded size.
std::optional<ScriptEncoderBlock> DecodeScriptEncoderBlock(std::string_view text, std::size_t from,
                                                           std::size_t max_output);

}  // namespace kensa::script
