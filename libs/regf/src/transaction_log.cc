#include "kensa/regf/transaction_log.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <optional>

namespace kensa::regf {
namespace {

constexpr std::size_t kBaseBlockSize = 4096;   // the primary file's; hive bins follow it
constexpr std::size_t kLogSectorSize = 512;    // a log keeps the base block's first sector
constexpr std::size_t kChecksumOffset = 0x1FC;
constexpr std::size_t kHiveBinsSizeOffset = 0x28;
constexpr std::uint32_t kFileTypeOldLog = 1;   // also 2 (an alternate log) on XP
constexpr std::uint32_t kFileTypeNewLog = 6;
constexpr std::size_t kEntryHeaderSize = 40;
constexpr std::size_t kPageReferenceSize = 8;
constexpr std::size_t kOldPageSize = 512;
// The seed the kernel gives SymCryptMarvin32ExpandSeed for log entries (HvInitializeHashLibrary):
// the 64-bit number below, whose low half is the first state word. The specification's decimal
// 14219357686671994754 is the same eight bytes in the other order; notatin's and yarp's
// implementations, checked against real logs, use this one.
constexpr std::uint64_t kLogHashSeed = 0x82EF4D887A4E55C5ull;

std::uint32_t Rotl(std::uint32_t value, int bits) { return (value << bits) | (value >> (32 - bits)); }

void MarvinBlock(std::uint32_t& p0, std::uint32_t& p1) {
  p1 ^= p0;
  p0 = Rotl(p0, 20);
  p0 += p1;
  p1 = Rotl(p1, 9);
  p1 ^= p0;
  p0 = Rotl(p0, 27);
  p0 += p1;
  p1 = Rotl(p1, 19);
}

std::uint32_t U32(ByteSpan data, std::size_t offset) { return ReadLe<std::uint32_t>(data, offset).value_or(0); }

// The base block checksum: XOR of the first 127 double words, 0 and ~0 moved aside.
std::uint32_t BaseBlockChecksum(ByteSpan block) {
  std::uint32_t checksum = 0;
  for (std::size_t offset = 0; offset < kChecksumOffset; offset += 4) checksum ^= U32(block, offset);
  if (checksum == 0xFFFFFFFF) checksum = 0xFFFFFFFE;
  if (checksum == 0) checksum = 1;
  return checksum;
}

bool BaseBlockValid(ByteSpan block) {
  return block.size() >= kLogSectorSize && HasBytesAt(block, 0, "regf") &&
         BaseBlockChecksum(block) == U32(block, kChecksumOffset);
}

void PutU32(Bytes& data, std::size_t offset, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) data[offset + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

void SealBaseBlock(Bytes& hive, std::uint32_t sequence, std::uint32_t hive_bins_size) {
  PutU32(hive, 0x04, sequence);
  PutU32(hive, 0x08, sequence);
  PutU32(hive, kHiveBinsSizeOffset, hive_bins_size);
  PutU32(hive, kChecksumOffset, BaseBlockChecksum(hive));
}

struct PageReference {
  std::uint32_t offset;  // relative to the first hive bin
  std::uint32_t size;
};

struct LogEntry {
  std::size_t log = 0;          // index into the logs
  std::size_t data_offset = 0;  // where the pages start in the log
  std::uint32_t sequence = 0;
  std::uint32_t hive_bins_size = 0;
  std::vector<PageReference> pages;
};

std::string LogName(std::size_t index) { return "log " + std::to_string(index + 1); }

// The valid entries of a new-format log, up to the first bad one (Windows stops there too).
std::vector<LogEntry> ReadEntries(std::size_t index, ByteSpan log, const HiveLimits& limits,
                                  std::vector<std::string>* notes) {
  std::vector<LogEntry> entries;
  std::size_t offset = kLogSectorSize;
  while (offset + kEntryHeaderSize <= log.size() && HasBytesAt(log, offset, "HvLE")) {
    const std::string where = LogName(index) + ", entry at " + HexNumber(offset) + ": ";
    const std::uint32_t size = U32(log, offset + 4);
    const std::uint32_t count = U32(log, offset + 20);
    if (size < kEntryHeaderSize || size % kLogSectorSize != 0 || size > log.size() - offset) {
      notes->push_back(where + "its size " + std::to_string(size) + " does not fit the log; replay stops");
      break;
    }
    const ByteSpan entry = SubSpan(log, offset, size);
    if (count > (size - kEntryHeaderSize) / kPageReferenceSize) {
      notes->push_back(where + std::to_string(count) + " pages do not fit the entry; replay stops");
      break;
    }
    // Hash-1 covers everything after the header, Hash-2 the header's first 32 bytes.
    const std::uint64_t hash1 = ReadLe<std::uint64_t>(entry, 24).value_or(0);
    const std::uint64_t hash2 = ReadLe<std::uint64_t>(entry, 32).value_or(0);
    if (Marvin32(SubSpan(entry, kEntryHeaderSize, size - kEntryHeaderSize), kLogHashSeed) != hash1 ||
        Marvin32(SubSpan(entry, 0, 32), kLogHashSeed) != hash2) {
      notes->push_back(where + "its hash does not match (a torn or damaged write); replay stops");
      break;
    }
    LogEntry parsed;
    parsed.log = index;
    parsed.sequence = U32(entry, 12);
    parsed.hive_bins_size = U32(entry, 16);
    parsed.data_offset = offset + kEntryHeaderSize + std::size_t{count} * kPageReferenceSize;
    if (parsed.hive_bins_size % 4096 != 0 || parsed.hive_bins_size == 0 ||
        parsed.hive_bins_size > limits.max_hive_bytes - kBaseBlockSize) {
      notes->push_back(where + "hive bins size " + std::to_string(parsed.hive_bins_size) + " is not valid; replay stops");
      break;
    }
    std::uint64_t data_bytes = 0;
    bool pages_ok = true;
    for (std::uint32_t i = 0; i < count; ++i) {
      const PageReference page{U32(entry, kEntryHeaderSize + std::size_t{i} * kPageReferenceSize),
                               U32(entry, kEntryHeaderSize + std::size_t{i} * kPageReferenceSize + 4)};
      data_bytes += page.size;
      if (page.size == 0 || std::uint64_t{page.offset} + page.size > parsed.hive_bins_size) pages_ok = false;
      parsed.pages.push_back(page);
    }
    if (!pages_ok || parsed.data_offset + data_bytes > offset + size) {
      notes->push_back(where + "a page lies outside the hive bins or the entry; replay stops");
      break;
    }
    entries.push_back(std::move(parsed));
    offset += size;
  }
  return entries;
}

// Windows 8.1+: entries of both logs in sequence order, from the hive's secondary sequence number.
void ReplayNewFormat(Bytes& hive, const std::vector<ByteSpan>& logs, const std::vector<std::size_t>& new_logs,
                     const HiveLimits& limits, LogReplay* replay) {
  std::vector<LogEntry> entries;
  for (std::size_t index : new_logs) {
    for (auto& entry : ReadEntries(index, logs[index], limits, &replay->notes)) entries.push_back(std::move(entry));
  }
  // Stable: on equal numbers (the same entry in both logs) the first log's copy comes first.
  std::stable_sort(entries.begin(), entries.end(),
                   [](const LogEntry& a, const LogEntry& b) { return a.sequence < b.sequence; });
  const std::uint32_t start = U32(hive, 0x08);
  std::optional<std::uint32_t> last;
  for (const LogEntry& entry : entries) {
    if (entry.sequence < start) continue;  // already in the hive file
    if (last && entry.sequence == *last) continue;  // a copy in the other log
    if (!last && entry.sequence != start) {
      // Windows reconciled part of the log without updating the base block, then rotated the
      // logs: the entries before this one were written to the hive file already.
      replay->notes.push_back("the logs start at sequence number " + std::to_string(entry.sequence) + ", not " +
                              std::to_string(start) + " (a partial reconcile); applied from there");
    }
    if (last && entry.sequence != *last + 1) {
      replay->notes.push_back("sequence number " + std::to_string(*last + 1) + " is missing from the logs; " +
                              "entries from " + std::to_string(entry.sequence) + " on are not applied");
      break;
    }
    // New hive bins are dirty pages of the entry, so the hive grows by at most what it carries
    // (which also keeps a few bytes of crafted log from asking for a gigabyte).
    const std::size_t needed = kBaseBlockSize + entry.hive_bins_size;
    std::size_t carried = 0;
    for (const PageReference& page : entry.pages) carried += page.size;
    if (needed > hive.size() + carried) {
      replay->notes.push_back("the entry with sequence number " + std::to_string(entry.sequence) + " grows the hive to " +
                              std::to_string(needed) + " bytes with only " + std::to_string(carried) +
                              " bytes of pages; replay stops");
      break;
    }
    if (hive.size() < needed) hive.resize(needed, 0);
    const ByteSpan log = logs[entry.log];
    std::size_t source = entry.data_offset;
    for (const PageReference& page : entry.pages) {
      std::memcpy(hive.data() + kBaseBlockSize + page.offset, log.data() + source, page.size);
      source += page.size;
      ++replay->pages_applied;
    }
    SealBaseBlock(hive, entry.sequence, entry.hive_bins_size);
    ++replay->entries_applied;
    last = entry.sequence;
  }
}

// Vista, 7 and XP: the dirty 512-byte pages of one write, marked in a bitmap.
bool ReplayOldFormat(Bytes& hive, ByteSpan log, std::size_t index, const HiveLimits& limits, LogReplay* replay) {
  const std::string name = LogName(index) + ": ";
  if (U32(log, 0x04) != U32(log, 0x08)) {
    replay->notes.push_back(name + "its own write did not finish (sequence numbers differ); not used");
    return false;
  }
  const std::uint32_t hive_bins_size = U32(log, kHiveBinsSizeOffset);
  if (hive_bins_size % 4096 != 0 || hive_bins_size == 0 || hive_bins_size > limits.max_hive_bytes - kBaseBlockSize) {
    replay->notes.push_back(name + "hive bins size " + std::to_string(hive_bins_size) + " is not valid; not used");
    return false;
  }
  const std::size_t bitmap_bytes = hive_bins_size / kOldPageSize / 8;
  const std::size_t bitmap_offset = kLogSectorSize + 4;
  const std::size_t pages_offset = (bitmap_offset + bitmap_bytes + kLogSectorSize - 1) / kLogSectorSize * kLogSectorSize;
  if (!HasBytesAt(log, kLogSectorSize, "DIRT") || bitmap_offset + bitmap_bytes > log.size()) {
    replay->notes.push_back(name + "no dirty vector (\"DIRT\") after its base block; not used");
    return false;
  }
  const ByteSpan bitmap = SubSpan(log, bitmap_offset, bitmap_bytes);
  std::size_t dirty = 0;
  for (std::uint8_t byte : bitmap) dirty += static_cast<std::size_t>(std::popcount(byte));
  if (pages_offset + dirty * kOldPageSize > log.size()) {
    replay->notes.push_back(name + "the log ends before its " + std::to_string(dirty) + " dirty pages; not used");
    return false;
  }
  if (kBaseBlockSize + hive_bins_size > hive.size() + dirty * kOldPageSize) {
    replay->notes.push_back(name + "it grows the hive beyond the pages it carries; not used");
    return false;
  }
  if (hive.size() < kBaseBlockSize + hive_bins_size) hive.resize(kBaseBlockSize + hive_bins_size, 0);
  std::size_t source = pages_offset;
  for (std::size_t bit = 0; bit < bitmap_bytes * 8; ++bit) {
    if ((bitmap[bit / 8] >> (bit % 8) & 1) == 0) continue;
    std::memcpy(hive.data() + kBaseBlockSize + bit * kOldPageSize, log.data() + source, kOldPageSize);
    source += kOldPageSize;
    ++replay->pages_applied;
  }
  SealBaseBlock(hive, U32(log, 0x08), hive_bins_size);
  ++replay->entries_applied;
  return true;
}

}  // namespace

std::uint64_t Marvin32(ByteSpan data, std::uint64_t seed) {
  std::uint32_t p0 = static_cast<std::uint32_t>(seed);
  std::uint32_t p1 = static_cast<std::uint32_t>(seed >> 32);
  std::size_t i = 0;
  for (; i + 4 <= data.size(); i += 4) {
    p0 += U32(data, i);
    MarvinBlock(p0, p1);
  }
  // The last 0-3 bytes, then a 0x80 marker byte, as a final little-endian word.
  std::uint32_t last = 0x80;
  for (std::size_t k = data.size(); k > i; --k) last = (last << 8) | static_cast<std::uint32_t>(data[k - 1]);
  p0 += last;
  MarvinBlock(p0, p1);
  MarvinBlock(p0, p1);
  return (std::uint64_t{p1} << 32) | p0;
}

LogReplay ReplayTransactionLogs(Bytes& hive, const std::vector<ByteSpan>& logs, const HiveLimits& limits) {
  LogReplay replay;
  if (hive.size() < kBaseBlockSize || !HasBytesAt(hive, 0, "regf")) {
    replay.notes.push_back("not a hive: nothing replayed");
    return replay;
  }
  const bool base_valid = BaseBlockValid(hive);
  replay.dirty = !base_valid || U32(hive, 0x04) != U32(hive, 0x08);
  if (!replay.dirty) return replay;

  // Logs that describe this hive: a valid base block sector, of a log type.
  std::vector<std::size_t> new_logs, old_logs;
  for (std::size_t index = 0; index < logs.size(); ++index) {
    const ByteSpan log = logs[index];
    if (!BaseBlockValid(log)) {
      replay.notes.push_back(LogName(index) + ": no valid base block; not used");
      continue;
    }
    const std::uint32_t type = U32(log, 0x1C);
    if (type == kFileTypeNewLog) {
      new_logs.push_back(index);
    } else if (type == kFileTypeOldLog || type == 2) {
      old_logs.push_back(index);
    } else {
      replay.notes.push_back(LogName(index) + ": file type " + std::to_string(type) + " is not a log; not used");
    }
  }
  if (!base_valid) {
    // The damaged base block is rebuilt from a log's copy of its first sector, the newest one.
    std::optional<std::size_t> source;
    for (std::size_t index : new_logs) {
      if (!source || U32(logs[index], 0x08) > U32(logs[*source], 0x08)) source = index;
    }
    for (std::size_t index : old_logs) {
      if (!source) source = index;
    }
    if (!source) {
      replay.notes.push_back("the base block is damaged and no log holds a copy of it");
      return replay;
    }
    std::memcpy(hive.data(), logs[*source].data(), kLogSectorSize);
    PutU32(hive, 0x1C, 0);  // a primary file again
    PutU32(hive, kChecksumOffset, BaseBlockChecksum(hive));
    replay.base_block_recovered = true;
  }
  if (!new_logs.empty()) {
    ReplayNewFormat(hive, logs, new_logs, limits, &replay);
    return replay;
  }
  // Old format: the log of the same write is the one whose timestamp is the hive's.
  const std::uint64_t written = ReadLe<std::uint64_t>(hive, 0x0C).value_or(0);
  for (std::size_t index : old_logs) {
    if (ReadLe<std::uint64_t>(logs[index], 0x0C).value_or(0) != written) {
      replay.notes.push_back(LogName(index) + ": written at another time than the hive; not used");
      continue;
    }
    if (ReplayOldFormat(hive, logs[index], index, limits, &replay)) break;
  }
  return replay;
}

}  // namespace kensa::regf
