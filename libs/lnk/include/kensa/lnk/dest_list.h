#pragma once
// The DestList stream of an automatic jump list (*.automaticDestinations-ms, a compound file
// whose other streams are shortcuts named by their entry number in hex): per entry, when the
// application last opened it, whether it is pinned, how often it was used (Windows 10), the
// NetBIOS name of the computer it was opened on, and the path. Layout as Windows 7 (version 1)
// and Windows 10/11 (versions 3 and 4) write it, after libyal's and Eric Zimmerman's notes:
//   header (32): version, entries, pinned entries, float, last entry number, 4 unknown,
//                last revision (8)
//   entry: checksum (8), volume / file / birth volume / birth file droids (4 x 16),
//          NetBIOS name (16, ASCII), entry number (4), 2 x 4 unknown, last used (FILETIME, 8),
//          pin (4; -1 = not pinned), [version >= 3: 4 unknown, interaction count (4), 8 unknown],
//          path length in characters (2), path (UTF-16LE), [version >= 3: 4 bytes of zero]

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::lnk {

struct DestListEntry {
  std::uint32_t entry_number = 0;  // the shortcut stream's name, in hex
  std::string last_used;           // RFC 3339 UTC; empty when not set
  bool pinned = false;
  std::uint32_t interaction_count = 0;  // version 3 and later; 0 otherwise
  std::string host;                     // NetBIOS name of the computer it was opened on
  std::string path;                     // UTF-8
};

struct DestList {
  std::uint32_t version = 0;
  std::vector<DestListEntry> entries;
  // The stream ended inside an entry (a damaged or cut jump list): entries before it are kept.
  bool truncated = false;
};

// Fails (invalid_argument) when the stream is shorter than its header or its version is not 1
// or 3 to 6; a damaged entry ends the list (truncated). At most `max_entries` entries are read.
Result<DestList> ParseDestList(ByteSpan stream, std::size_t max_entries = 10000);

}  // namespace kensa::lnk
