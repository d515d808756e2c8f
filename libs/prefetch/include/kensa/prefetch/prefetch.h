#pragma once
// Windows Prefetch files (C:\Windows\Prefetch\*.pf): proof that a program ran, how often and
// when (the last eight times since Windows 8), and which files and folders it touched in its
// first seconds. Versions 17 (XP/2003), 23 (Vista/7), 26 (8.1), 30 and 31 (10/11; stored
// compressed with LZXPRESS Huffman, "MAM"). Kensa's own reader, after Joachim Metz's
// "Windows Prefetch File (PF) format" and [MS-XCA]; prefetch files come from a suspect host and
// are read as hostile input.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::prefetch {

struct PrefetchLimits {
  // Real prefetch files are at most a few MB decompressed (thousands of mapped files).
  std::size_t max_decompressed_bytes = 64u << 20;
  std::size_t max_files = 65536;
  std::size_t max_volumes = 256;
  std::size_t max_directories = 65536;
};

struct Volume {
  std::string device_path;  // "\\DEVICE\\HARDDISKVOLUME1" or "\\VOLUME{...}"
  std::uint32_t serial_number = 0;
  std::uint64_t creation_time = 0;  // FILETIME
  std::vector<std::string> directories;
};

struct Prefetch {
  std::uint32_t version = 0;
  bool compressed = false;
  std::string executable;  // as Windows stores it: upper case, cut at 29 characters
  std::uint32_t hash = 0;  // the hash of the executable's path in the file's name
  std::uint32_t run_count = 0;
  std::vector<std::uint64_t> run_times;  // FILETIME, newest first; zero entries dropped
  std::vector<std::string> files;        // files loaded in the first seconds of the run
  std::vector<Volume> volumes;
  std::vector<std::string> problems;     // damage met while reading (the rest is still given)

  // The executable's full path on its volume ("\\WINDOWS\\SYSTEM32\\PING.EXE"): the loaded
  // file whose name is the executable's, with the volume's device path taken off; "" when none.
  std::string ExecutablePath() const;
};

// InvalidArgument when `data` is neither a prefetch file ("SCCA") nor a compressed one
// ("MAM\x04"); ResourceExhausted when it decompresses beyond the limit.
Result<Prefetch> ParsePrefetch(ByteSpan data, const PrefetchLimits& limits = {});

// [MS-XCA] 2.2 LZ77+Huffman: `data` decompressed to exactly `size` bytes, or an error saying
// where the stream is damaged.
Result<Bytes> DecompressLzxpressHuffman(ByteSpan data, std::size_t size);

}  // namespace kensa::prefetch
