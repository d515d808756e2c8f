#pragma once
// RecentFileCache.bcf (C:\Windows\AppCompat\Programs, Windows 7 and Server 2008 R2, replaced
// by Amcache.hve in Windows 8): the paths of programs run since the Program Compatibility
// Assistant's inventory last ran. Layout, as described by the forensic write-ups of it (Corey
// Harrell, 2013; Mandiant): a 20-byte header starting FE FF EE FF, then per program a 32-bit
// length in UTF-16 code units, the path in UTF-16LE and a 16-bit NUL. No times, no hashes.
// Kept next to the AppCompatCache reader: both are caches of the AppCompat engine.

#include <cstddef>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::regf {

struct RecentFileCache {
  std::vector<std::string> paths;    // UTF-8, in the file's order
  std::vector<std::string> problems;  // the entry where the list broke off, the bound reached
};

// InvalidArgument when `data` does not start with the header. Damage after it ends the list
// with a problem.
Result<RecentFileCache> ParseRecentFileCache(ByteSpan data, std::size_t max_entries = 65536);

}  // namespace kensa::regf
