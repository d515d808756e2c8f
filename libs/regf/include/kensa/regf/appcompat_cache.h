#pragma once
// The Application Compatibility Cache ("Shimcache"): the binary AppCompatCache value Windows
// keeps in the SYSTEM hive (ControlSet00N\Control\Session Manager\AppCompatCache; on XP
// ...\AppCompatibility) and writes back at shutdown. It lists executables the shim engine
// looked at, most recent first, with the file's last-modified time: evidence that a program
// was on the host, and on Windows 7 / 8 with a flag for whether it was run.
//
// Layouts, after Mandiant's "Leveraging the Application Compatibility Cache in Forensic
// Investigations" (2012) and the layouts later tools (ShimCacheParser, AppCompatCacheParser,
// regipy) document:
//   xp            magic 0xDEADBEEF; 96 fixed entries of 552 bytes, path inline
//   nt52_nt60     magic 0xBADC0FFE (Server 2003, Vista, 2008): path offset, mtime; x86 / x64
//   nt61          magic 0xBADC0FEE (7, 2008 R2): + insert flags (0x2: executed); x86 / x64
//   windows8      header of 0x80 bytes, entries "00ts" (8.0) or "10ts" (8.1, 2012 R2)
//   windows10     header of 0x30 or 0x34 bytes, entries "10ts" (10, 11, 2016 to 2022)
// The value is hostile input: every length is checked against the data, and the entry count
// is bounded.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::regf {

struct AppCompatEntry {
  std::string path;                 // UTF-8, as Windows stored it ("\??\C:\..." or "C:\...")
  std::uint64_t last_modified = 0;  // FILETIME of the file's last modification; 0 when none
  // Windows 7 / 8 set an insert flag when the program ran; nullopt where the layout has none.
  std::optional<bool> executed;
};

struct AppCompatCache {
  std::string layout;  // "xp", "nt52_nt60_x86", "nt52_nt60_x64", "nt61_x86", "nt61_x64",
                       // "windows8", "windows10"
  std::vector<AppCompatEntry> entries;  // in the cache's order: position 0 is the newest
  std::vector<std::string> problems;    // entries skipped, the count bound reached
};

// InvalidArgument when `data` is no layout above. Damaged entries after a readable start end
// the list with a problem instead of failing it.
Result<AppCompatCache> ParseAppCompatCache(ByteSpan data, std::size_t max_entries = 65536);

}  // namespace kensa::regf
