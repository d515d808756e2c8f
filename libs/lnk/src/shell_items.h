#pragma once
// Shell item ID lists (private to libs/lnk): [MS-SHLLINK] 2.2 gives only the framing (a list of
// size-prefixed items ending with a zero size); the item contents are Explorer's own formats,
// decoded here as libfwsi documents them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/analysis/v1/lnk.pb.h"
#include "kensa/core/bytes.h"

namespace kensa::lnk::internal {

struct IdList {
  std::vector<analysis::v1::LnkShellItem> items;
  // The items joined into a path ("C:\Windows\System32\cmd.exe", "\\server\share\x.exe").
  std::string path;
  // An item overran the list or the list had no terminator.
  bool malformed = false;
  // More than `max_items` items: the rest were not decoded.
  bool limit_reached = false;
};

// Decodes the items of an IDList (the bytes after its 2-byte size). ANSI names are decoded in
// `code_page` (see DecodeAnsi).
IdList DecodeIdList(ByteSpan list, std::size_t max_items, std::uint32_t code_page);

// "2009-06-05T20:13:20Z" for an MS-DOS date and time; "" when zero or impossible.
std::string FormatFatDateTime(std::uint16_t date, std::uint16_t time);

}  // namespace kensa::lnk::internal
