// libFuzzer target: kensa::regf's readers of the AppCompat caches over arbitrary bytes: the
// AppCompatCache ("Shimcache") value and RecentFileCache.bcf. Seeds: a value of every layout
// and a .bcf, written by tests/support/make_appcompat_cache.py into the build tree by
// scripts/fuzz.
#include <cstddef>
#include <cstdint>

#include "kensa/regf/appcompat_cache.h"
#include "kensa/regf/recent_file_cache.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  constexpr std::size_t kMaxEntries = 512;
  if (auto recent = kensa::regf::ParseRecentFileCache(kensa::ByteSpan(data, size), kMaxEntries)) {
    if (recent->paths.size() > kMaxEntries) __builtin_trap();
    for (const auto& path : recent->paths) {
      if (path.size() > size * 2) __builtin_trap();
    }
  }
  auto cache = kensa::regf::ParseAppCompatCache(kensa::ByteSpan(data, size), kMaxEntries);
  if (!cache) return 0;
  if (cache->entries.size() > kMaxEntries) __builtin_trap();
  // Every entry takes bytes of its own: a path is never longer than the value it came from
  // (UTF-16 to UTF-8 at most triples a unit: 2 bytes -> 3).
  for (const auto& entry : cache->entries) {
    if (entry.path.size() > size * 2) __builtin_trap();
  }
  return 0;
}
