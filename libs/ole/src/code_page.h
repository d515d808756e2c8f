#pragma once
// Text in a Windows code page to UTF-8 (private to libs/ole).
#include <cstdint>
#include <string>

#include "kensa/core/bytes.h"

namespace kensa::ole::internal {

// Decodes `bytes` written in Windows code page `code_page` (932 = Shift_JIS, 1252, 65001 =
// UTF-8, 1200 = UTF-16LE...) through glibc's iconv. Bytes that do not decode become U+FFFD;
// an unknown code page falls back to Latin-1 so that the result is always valid UTF-8.
std::string DecodeCodePage(ByteSpan bytes, std::uint32_t code_page);

}  // namespace kensa::ole::internal
