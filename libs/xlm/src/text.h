#pragma once
// Small text helpers shared by the readers: strings out of hostile bytes always come back as
// valid UTF-8 (protobuf string fields require it).

#include <cstddef>
#include <string>
#include <string_view>

#include "kensa/core/bytes.h"

namespace kensa::xlm {

// `text` with every invalid UTF-8 sequence replaced by U+FFFD and control characters other
// than tab and newline shown as "\xNN"; cut at `max` bytes on a character boundary.
std::string CleanText(std::string_view text, std::size_t max);

// 8-bit characters as Latin-1 (BIFF8's "compressed" UTF-16 keeps the low bytes, and BIFF5
// text in the Western code page reads well enough this way), to UTF-8.
std::string Latin1ToUtf8(ByteSpan bytes);

std::string AsciiUpper(std::string_view text);

}  // namespace kensa::xlm
