#include "code_page.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace kensa::ole::internal {
namespace {

std::string IconvName(std::uint32_t code_page) {
  switch (code_page) {
    case 1200: return "UTF-16LE";
    case 1201: return "UTF-16BE";
    case 65001: return "UTF-8";
    case 20127: return "ASCII";
    case 10000: return "MACINTOSH";
    case 28591: return "ISO-8859-1";
    default: return "CP" + std::to_string(code_page);
  }
}

std::string Latin1(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::uint8_t b : bytes) AppendUtf8(out, b);
  return out;
}

}  // namespace

std::string DecodeCodePage(ByteSpan bytes, std::uint32_t code_page) {
  if (bytes.empty()) return {};
  const std::string from = IconvName(code_page);
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return Latin1(bytes);
  std::string out;
  char buffer[4096];
  // iconv's API takes char** for input it never writes.
  char* in = const_cast<char*>(reinterpret_cast<const char*>(bytes.data()));
  std::size_t in_left = bytes.size();
  const std::size_t unit = (code_page == 1200 || code_page == 1201) ? 2 : 1;
  // Each pass either consumes input or skips one bad unit, so the loop ends.
  while (in_left > 0) {
    char* out_ptr = buffer;
    std::size_t out_left = sizeof(buffer);
    const std::size_t rc = iconv(cd, &in, &in_left, &out_ptr, &out_left);
    out.append(buffer, static_cast<std::size_t>(out_ptr - buffer));
    if (rc != static_cast<std::size_t>(-1)) break;
    if (errno == E2BIG) continue;
    // EILSEQ or EINVAL (sequence cut short): replace one unit and go on.
    AppendUtf8(out, 0xFFFD);
    const std::size_t skip = std::min(unit, in_left);
    in += skip;
    in_left -= skip;
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  iconv_close(cd);
  return out;
}

}  // namespace kensa::ole::internal
