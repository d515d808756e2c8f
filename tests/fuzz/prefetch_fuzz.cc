// libFuzzer target: kensa::prefetch over arbitrary bytes, both the plain format and the
// LZXPRESS Huffman decompressor ("MAM" files). Seeds: plaso's prefetch files, versions 17-31.
#include <cstddef>
#include <cstdint>

#include "kensa/prefetch/prefetch.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kensa::prefetch::PrefetchLimits limits;
  limits.max_decompressed_bytes = 1u << 20;
  limits.max_files = 1024;
  limits.max_volumes = 16;
  limits.max_directories = 1024;
  auto parsed = kensa::prefetch::ParsePrefetch(kensa::ByteSpan(data, size), limits);
  if (!parsed) return 0;
  if (parsed->files.size() > limits.max_files || parsed->volumes.size() > limits.max_volumes) __builtin_trap();
  for (const auto& volume : parsed->volumes) {
    if (volume.directories.size() > limits.max_directories) __builtin_trap();
  }
  (void)parsed->ExecutablePath();
  return 0;
}
