#include "kensa/regf/recent_file_cache.h"

#include <algorithm>
#include <array>

namespace kensa::regf {
namespace {

constexpr std::array<std::uint8_t, 4> kMagic = {0xFE, 0xFF, 0xEE, 0xFF};
constexpr std::size_t kHeaderSize = 20;
// MAX_PATH is 260; the extended-length form allows 32,767 code units.
constexpr std::uint32_t kMaxPathUnits = 32767;

}  // namespace

Result<RecentFileCache> ParseRecentFileCache(ByteSpan data, std::size_t max_entries) {
  if (data.size() < kHeaderSize || !std::equal(kMagic.begin(), kMagic.end(), data.begin())) {
    return InvalidArgumentError("RecentFileCache.bcf: no FE FF EE FF header");
  }
  RecentFileCache cache;
  std::size_t offset = kHeaderSize;
  while (offset < data.size()) {
    const std::string where = "entry " + std::to_string(cache.paths.size()) + " at offset " + std::to_string(offset);
    if (cache.paths.size() >= max_entries) {
      cache.problems.push_back("more than " + std::to_string(max_entries) + " entries; the rest are not read");
      break;
    }
    const auto units = ReadLe<std::uint32_t>(data, offset);
    if (!units) {
      cache.problems.push_back(where + ": a truncated length");
      break;
    }
    const std::uint64_t bytes = std::uint64_t{*units} * 2 + 2;  // the path and its NUL
    if (*units == 0 || *units > kMaxPathUnits || bytes > data.size() - offset - 4) {
      cache.problems.push_back(where + ": a path of " + std::to_string(*units) + " code units does not fit");
      break;
    }
    cache.paths.push_back(ReadUtf16Le(data, offset + 4, *units));
    offset += 4 + static_cast<std::size_t>(bytes);
  }
  return cache;
}

}  // namespace kensa::regf
