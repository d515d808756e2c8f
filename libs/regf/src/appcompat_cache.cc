#include "kensa/regf/appcompat_cache.h"

#include <algorithm>
#include <array>

namespace kensa::regf {
namespace {

constexpr std::uint32_t kMagicXp = 0xDEADBEEF;
constexpr std::uint32_t kMagicNt52Nt60 = 0xBADC0FFE;
constexpr std::uint32_t kMagicNt61 = 0xBADC0FEE;
constexpr std::uint32_t kWindows8HeaderSize = 0x80;
constexpr std::array<std::uint32_t, 2> kWindows10HeaderSizes = {0x30, 0x34};
// Entry signatures "00ts" (Windows 8.0) and "10ts" (8.1 and later), read little-endian.
constexpr std::uint32_t kSignature00ts = 0x73743030;
constexpr std::uint32_t kSignature10ts = 0x73743031;

// XP: a header of 400 bytes, then at most 96 entries with the path inline.
constexpr std::size_t kXpHeaderSize = 0x190;
constexpr std::size_t kXpEntrySize = 552;
constexpr std::size_t kXpPathUnits = 264;
constexpr std::uint32_t kXpMaxEntries = 96;
// Windows 7 header; Server 2003 / Vista entries start right after the magic and the count.
constexpr std::size_t kNt61HeaderSize = 0x80;
constexpr std::size_t kNt52HeaderSize = 8;
// The insert flag Windows 7 and 8 set when CSRSS saw the program run.
constexpr std::uint32_t kInsertFlagExecuted = 0x2;

std::uint16_t U16(ByteSpan data, std::size_t offset) { return ReadLe<std::uint16_t>(data, offset).value_or(0); }
std::uint32_t U32(ByteSpan data, std::size_t offset) { return ReadLe<std::uint32_t>(data, offset).value_or(0); }
std::uint64_t U64(ByteSpan data, std::size_t offset) { return ReadLe<std::uint64_t>(data, offset).value_or(0); }

bool Fits(ByteSpan data, std::uint64_t offset, std::uint64_t length) {
  return offset <= data.size() && length <= data.size() - offset;
}

// A UTF-16 path of `bytes` bytes at `offset`, without a terminating NUL; nullopt outside data.
std::optional<std::string> PathAt(ByteSpan data, std::uint64_t offset, std::uint64_t bytes) {
  if (bytes % 2 != 0 || !Fits(data, offset, bytes)) return std::nullopt;
  std::string path = ReadUtf16Le(data, offset, static_cast<std::size_t>(bytes / 2));
  while (!path.empty() && path.back() == '\0') path.pop_back();
  return path;
}

class Reader {
 public:
  Reader(ByteSpan data, std::size_t max_entries, AppCompatCache* cache)
      : data_(data), max_entries_(max_entries), cache_(cache) {}

  // False (with a problem) once the bound is reached.
  bool Add(AppCompatEntry entry) {
    if (cache_->entries.size() >= max_entries_) {
      cache_->problems.push_back("more than " + std::to_string(max_entries_) + " entries; the rest are not read");
      return false;
    }
    cache_->entries.push_back(std::move(entry));
    return true;
  }

  void Damaged(std::size_t index, std::uint64_t offset, const std::string& what) {
    cache_->problems.push_back("entry " + std::to_string(index) + " at offset " + std::to_string(offset) + ": " + what +
                               "; the list ends there");
  }

  void Xp() {
    const std::uint32_t count = U32(data_, 8);  // after the magic and the cache's capacity
    if (count > kXpMaxEntries) cache_->problems.push_back("XP header declares " + std::to_string(count) + " entries");
    for (std::size_t index = 0; index < std::min(count, kXpMaxEntries); ++index) {
      const std::size_t offset = kXpHeaderSize + index * kXpEntrySize;
      if (!Fits(data_, offset, kXpEntrySize)) return Damaged(index, offset, "past the end of the value");
      std::string path = ReadUtf16Le(data_, offset, kXpPathUnits);
      if (const auto nul = path.find('\0'); nul != std::string::npos) path.resize(nul);
      if (!Add({std::move(path), U64(data_, offset + kXpPathUnits * 2), std::nullopt})) return;
    }
  }

  // Server 2003, Vista, 2008 (nt52_nt60) and 7, 2008 R2 (nt61): a table of fixed-size entries
  // pointing at their paths. x64 entries pad the 16-bit lengths to 8 bytes.
  void Nt5Nt6(bool nt61) {
    const std::uint32_t count = U32(data_, 4);
    const std::size_t first = nt61 ? kNt61HeaderSize : kNt52HeaderSize;
    // x86 entries have the path offset where x64 entries have zero padding.
    const bool x64 = count == 0 || U32(data_, first + 4) == 0;
    const std::size_t size = nt61 ? (x64 ? 48 : 32) : (x64 ? 32 : 24);
    cache_->layout = std::string(nt61 ? "nt61" : "nt52_nt60") + (x64 ? "_x64" : "_x86");
    for (std::size_t index = 0; index < count; ++index) {
      const std::size_t offset = first + index * size;
      if (!Fits(data_, offset, size)) return Damaged(index, offset, "past the end of the value");
      const std::uint16_t length = U16(data_, offset);
      const std::uint64_t path_offset = x64 ? U64(data_, offset + 8) : U32(data_, offset + 4);
      const std::size_t times = offset + (x64 ? 16 : 8);
      const auto path = PathAt(data_, path_offset, length);
      if (!path) return Damaged(index, offset, "path outside the value");
      std::optional<bool> executed;
      if (nt61) executed = (U32(data_, times + 8) & kInsertFlagExecuted) != 0;
      if (!Add({*path, U64(data_, times), executed})) return;
    }
  }

  // Windows 8 and 10: variable-size entries, each with a signature and its own size.
  void Signed(std::size_t first, bool windows8) {
    std::size_t offset = first;
    for (std::size_t index = 0; offset < data_.size(); ++index) {
      if (!Fits(data_, offset, 12)) return Damaged(index, offset, "a truncated entry header");
      const std::uint32_t signature = U32(data_, offset);
      if (signature != kSignature10ts && signature != kSignature00ts)
        return Damaged(index, offset, "no 10ts/00ts signature");
      const std::uint64_t size = U32(data_, offset + 8);
      const std::size_t body = offset + 12;
      if (!Fits(data_, body, size)) return Damaged(index, offset, "entry longer than the value");
      const ByteSpan entry = data_.subspan(body, static_cast<std::size_t>(size));
      const std::uint16_t path_bytes = U16(entry, 0);
      const auto path = PathAt(entry, 2, path_bytes);
      if (!path) return Damaged(index, offset, "path longer than the entry");
      std::size_t at = 2 + std::size_t{path_bytes};
      std::optional<bool> executed;
      if (windows8) {
        const std::uint16_t package_bytes = U16(entry, at);
        at += 2 + std::size_t{package_bytes};
        if (!Fits(entry, at, 8)) return Damaged(index, offset, "flags outside the entry");
        executed = (U32(entry, at) & kInsertFlagExecuted) != 0;
        at += 8;
      }
      if (!Fits(entry, at, 8)) return Damaged(index, offset, "time outside the entry");
      if (!Add({*path, U64(entry, at), executed})) return;
      offset = body + static_cast<std::size_t>(size);
    }
  }

 private:
  ByteSpan data_;
  std::size_t max_entries_;
  AppCompatCache* cache_;
};

}  // namespace

Result<AppCompatCache> ParseAppCompatCache(ByteSpan data, std::size_t max_entries) {
  if (data.size() < 8) return InvalidArgumentError("AppCompatCache: " + std::to_string(data.size()) + " bytes");
  AppCompatCache cache;
  Reader reader(data, max_entries, &cache);
  const std::uint32_t first = U32(data, 0);
  if (first == kMagicXp) {
    cache.layout = "xp";
    reader.Xp();
  } else if (first == kMagicNt52Nt60 || first == kMagicNt61) {
    reader.Nt5Nt6(first == kMagicNt61);
  } else if (std::find(kWindows10HeaderSizes.begin(), kWindows10HeaderSizes.end(), first) !=
                 kWindows10HeaderSizes.end() &&
             U32(data, first) == kSignature10ts) {
    cache.layout = "windows10";
    reader.Signed(first, false);
  } else if (const std::uint32_t signature = U32(data, kWindows8HeaderSize);
             signature == kSignature00ts || signature == kSignature10ts) {
    cache.layout = "windows8";
    reader.Signed(kWindows8HeaderSize, true);
  } else if (std::find(kWindows10HeaderSizes.begin(), kWindows10HeaderSizes.end(), first) !=
                 kWindows10HeaderSizes.end() &&
             data.size() == first) {
    cache.layout = "windows10";  // an empty cache: the header alone
  } else {
    return InvalidArgumentError("AppCompatCache: unknown layout (first dword " + HexNumber(first) + ")");
  }
  return cache;
}

}  // namespace kensa::regf
