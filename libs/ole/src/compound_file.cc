#include "kensa/ole/compound_file.h"

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>

#include "anomaly.h"

namespace kensa::ole {
namespace {

using internal::AddAnomaly;

// [MS-CFB] 2.1 sector numbers with a special meaning.
constexpr std::uint32_t kMaxRegSect = 0xFFFFFFFAu;
constexpr std::uint32_t kEndOfChain = 0xFFFFFFFEu;
constexpr std::uint32_t kFreeSect = 0xFFFFFFFFu;
constexpr std::uint32_t kNoStream = 0xFFFFFFFFu;

constexpr std::size_t kHeaderSize = 512;
constexpr std::size_t kHeaderDifatEntries = 109;  // [MS-CFB] 2.2: DIFAT array in the header
constexpr std::size_t kDirectoryEntrySize = 128;  // [MS-CFB] 2.6.1
constexpr std::uint8_t kSignature[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

std::string FormatClsid(ByteSpan raw) {
  if (raw.size() < 16) return {};
  if (std::all_of(raw.begin(), raw.end(), [](std::uint8_t b) { return b == 0; })) return {};
  // [MS-DTYP] 2.3.4.2: Data1..Data3 little-endian, Data4 as bytes.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  auto put = [&](std::uint8_t b) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0x0F]);
  };
  for (int i = 3; i >= 0; --i) put(raw[static_cast<std::size_t>(i)]);
  out.push_back('-');
  put(raw[5]);
  put(raw[4]);
  out.push_back('-');
  put(raw[7]);
  put(raw[6]);
  out.push_back('-');
  put(raw[8]);
  put(raw[9]);
  out.push_back('-');
  for (std::size_t i = 10; i < 16; ++i) put(raw[i]);
  return out;
}

std::string StripSlashes(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return AsciiLower(path);
}

// Follows a chain through `table` and copies its sectors out of `source`. `want` is the number
// of bytes wanted, or nullopt to read up to the end of the chain. Every sector is visited at
// most once, so the loop is bounded by the table size; the visited set grows with the chain
// rather than with the table, so many small reads of a huge file stay cheap.
Bytes ReadChain(ByteSpan source, std::uint64_t base_offset, std::uint32_t unit,
                const std::vector<std::uint32_t>& table, std::uint32_t start,
                std::optional<std::uint64_t> want, std::uint64_t max_bytes, const char* what,
                std::vector<analysis::v1::Anomaly>* anomalies) {
  Bytes out;
  const std::uint64_t limit = want ? std::min(*want, max_bytes) : max_bytes;
  std::unordered_set<std::uint32_t> visited;
  std::uint32_t sector = start;
  while (out.size() < limit) {
    if (sector == kEndOfChain || sector == kFreeSect) {
      if (want) {
        AddAnomaly(anomalies, "ole_chain_too_short",
                   std::string(what) + " chain ends after " + std::to_string(out.size()) +
                       " of " + std::to_string(*want) + " bytes");
      }
      return out;
    }
    if (sector > kMaxRegSect || sector >= table.size()) {
      AddAnomaly(anomalies, "ole_sector_out_of_range",
                 std::string(what) + " chain names sector " + std::to_string(sector) +
                     " past the allocation table");
      return out;
    }
    if (!visited.insert(sector).second) {
      AddAnomaly(anomalies, "ole_fat_chain_loop",
                 std::string(what) + " chain revisits sector " + std::to_string(sector));
      return out;
    }
    const std::uint64_t offset = base_offset + static_cast<std::uint64_t>(sector) * unit;
    const ByteSpan bytes = SubSpan(source, offset, unit);
    if (bytes.empty()) {
      AddAnomaly(anomalies, "ole_sector_out_of_range",
                 std::string(what) + " sector " + std::to_string(sector) + " lies past the end");
      return out;
    }
    const std::uint64_t take = std::min<std::uint64_t>(bytes.size(), limit - out.size());
    out.insert(out.end(), bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(take));
    if (bytes.size() < unit && out.size() < limit) {
      AddAnomaly(anomalies, "ole_sector_truncated",
                 std::string(what) + " sector " + std::to_string(sector) + " is cut short");
      return out;
    }
    sector = table[sector];
  }
  return out;
}

// File offsets of the first `count` units of a chain, with ReadChain's bounds: each sector once,
// inside the table. Shorter than `count` when the chain breaks.
std::vector<std::uint64_t> ChainOffsets(std::uint64_t base_offset, std::uint32_t unit,
                                        const std::vector<std::uint32_t>& table,
                                        std::uint32_t start, std::uint64_t count) {
  std::vector<std::uint64_t> offsets;
  std::unordered_set<std::uint32_t> visited;
  std::uint32_t sector = start;
  while (offsets.size() < count && sector <= kMaxRegSect && sector < table.size() &&
         visited.insert(sector).second) {
    offsets.push_back(base_offset + static_cast<std::uint64_t>(sector) * unit);
    sector = table[sector];
  }
  return offsets;
}

}  // namespace

std::int64_t FiletimeToUnixSeconds(std::uint64_t filetime) {
  constexpr std::uint64_t kEpochDelta = 116444736000000000ull;  // 1601 -> 1970 in 100 ns
  if (filetime < kEpochDelta) return 0;
  return static_cast<std::int64_t>((filetime - kEpochDelta) / 10000000ull);
}

Result<CompoundFile> CompoundFile::Open(ByteSpan data, const OleLimits& limits) {
  if (data.size() < kHeaderSize) return InvalidArgumentError("shorter than a CFB header");
  if (!std::equal(std::begin(kSignature), std::end(kSignature), data.begin())) {
    return InvalidArgumentError("no CFB signature");
  }
  CompoundFile cf;
  cf.data_ = data;
  cf.limits_ = limits;
  auto* anomalies = &cf.anomalies_;

  // [MS-CFB] 2.2 Compound File Header. All reads below are inside the 512 bytes checked above.
  cf.major_version_ = ReadLe<std::uint16_t>(data, 26).value_or(0);
  const std::uint16_t byte_order = ReadLe<std::uint16_t>(data, 28).value_or(0);
  const std::uint16_t sector_shift = ReadLe<std::uint16_t>(data, 30).value_or(0);
  const std::uint16_t mini_shift = ReadLe<std::uint16_t>(data, 32).value_or(0);
  std::uint32_t fat_sector_count = ReadLe<std::uint32_t>(data, 44).value_or(0);
  const std::uint32_t first_dir_sector = ReadLe<std::uint32_t>(data, 48).value_or(kEndOfChain);
  const std::uint32_t cutoff = ReadLe<std::uint32_t>(data, 56).value_or(4096);
  const std::uint32_t first_minifat = ReadLe<std::uint32_t>(data, 60).value_or(kEndOfChain);
  const std::uint32_t first_difat = ReadLe<std::uint32_t>(data, 68).value_or(kEndOfChain);
  const std::uint32_t difat_count = ReadLe<std::uint32_t>(data, 72).value_or(0);

  if (cf.major_version_ != 3 && cf.major_version_ != 4) {
    AddAnomaly(anomalies, "ole_version_invalid",
               "major version " + std::to_string(cf.major_version_));
  }
  if (byte_order != 0xFFFE) {
    AddAnomaly(anomalies, "ole_byte_order_invalid", "byte order mark " + HexNumber(byte_order));
  }
  if (sector_shift == 9 || sector_shift == 12) {
    cf.sector_size_ = 1u << sector_shift;
  } else {
    cf.sector_size_ = cf.major_version_ == 4 ? 4096 : 512;
    AddAnomaly(anomalies, "ole_sector_size_invalid", "sector shift " + std::to_string(sector_shift));
  }
  if ((cf.major_version_ == 3 && cf.sector_size_ != 512) ||
      (cf.major_version_ == 4 && cf.sector_size_ != 4096)) {
    AddAnomaly(anomalies, "ole_sector_size_mismatch",
               "sector size " + std::to_string(cf.sector_size_) + " for major version " +
                   std::to_string(cf.major_version_));
  }
  if (mini_shift != 6) {
    AddAnomaly(anomalies, "ole_mini_sector_size_invalid",
               "mini sector shift " + std::to_string(mini_shift));
  }
  if (cutoff != 4096) {
    // Readers (Office included) use 4096 whatever the header says.
    AddAnomaly(anomalies, "ole_mini_stream_cutoff_invalid", "cutoff " + std::to_string(cutoff));
  }
  const std::uint32_t ss = cf.sector_size_;
  const std::uint64_t sectors_in_file = (data.size() + ss - 1) / ss;  // upper bound
  if (fat_sector_count > sectors_in_file) {
    AddAnomaly(anomalies, "ole_fat_sector_count_invalid",
               std::to_string(fat_sector_count) + " FAT sectors in a file of " +
                   std::to_string(sectors_in_file) + " sectors");
    fat_sector_count = static_cast<std::uint32_t>(sectors_in_file);
  }

  // [MS-CFB] 2.5: FAT sector locations, 109 in the header then a chain of DIFAT sectors.
  std::vector<std::uint32_t> fat_sectors;
  for (std::size_t i = 0; i < kHeaderDifatEntries && fat_sectors.size() < fat_sector_count; ++i) {
    const std::uint32_t s = ReadLe<std::uint32_t>(data, 76 + 4 * i).value_or(kFreeSect);
    if (s <= kMaxRegSect) fat_sectors.push_back(s);
  }
  {
    std::vector<bool> seen;
    std::uint32_t difat = first_difat;
    std::size_t followed = 0;
    const std::size_t per_sector = ss / 4 - 1;
    while (fat_sectors.size() < fat_sector_count && difat <= kMaxRegSect) {
      // The header's DIFAT sector count bounds the chain; one extra sector is tolerated.
      if (followed >= limits.max_difat_sectors || followed > difat_count) {
        AddAnomaly(anomalies, "ole_difat_chain_too_long",
                   "DIFAT chain longer than " + std::to_string(followed) + " sectors");
        break;
      }
      if (difat >= sectors_in_file) {
        AddAnomaly(anomalies, "ole_sector_out_of_range",
                   "DIFAT sector " + std::to_string(difat) + " lies past the end");
        break;
      }
      if (seen.empty()) seen.assign(sectors_in_file, false);
      if (seen[difat]) {
        AddAnomaly(anomalies, "ole_difat_chain_loop",
                   "DIFAT chain revisits sector " + std::to_string(difat));
        break;
      }
      seen[difat] = true;
      ++followed;
      const std::uint64_t base = (static_cast<std::uint64_t>(difat) + 1) * ss;
      for (std::size_t i = 0; i < per_sector && fat_sectors.size() < fat_sector_count; ++i) {
        const std::uint32_t s = ReadLe<std::uint32_t>(data, base + 4 * i).value_or(kFreeSect);
        if (s <= kMaxRegSect) fat_sectors.push_back(s);
      }
      difat = ReadLe<std::uint32_t>(data, base + 4 * per_sector).value_or(kEndOfChain);
    }
  }
  if (fat_sectors.size() < fat_sector_count) {
    AddAnomaly(anomalies, "ole_difat_truncated",
               "found " + std::to_string(fat_sectors.size()) + " of " +
                   std::to_string(fat_sector_count) + " FAT sectors");
  }

  // [MS-CFB] 2.3: the FAT. A FAT sector that is missing keeps its slots free so that sector
  // numbers still line up.
  cf.fat_.reserve(fat_sectors.size() * (ss / 4));
  for (std::uint32_t s : fat_sectors) {
    const std::uint64_t base = (static_cast<std::uint64_t>(s) + 1) * ss;
    if (base >= data.size()) {
      AddAnomaly(anomalies, "ole_sector_out_of_range",
                 "FAT sector " + std::to_string(s) + " lies past the end");
    }
    for (std::size_t i = 0; i < ss / 4; ++i) {
      cf.fat_.push_back(ReadLe<std::uint32_t>(data, base + 4 * i).value_or(kFreeSect));
    }
  }

  // [MS-CFB] 2.6: the directory, a chain of 128-byte entries.
  const std::uint64_t max_dir_bytes =
      static_cast<std::uint64_t>(limits.max_directory_entries) * kDirectoryEntrySize;
  const Bytes dir = ReadChain(data, ss, ss, cf.fat_, first_dir_sector, std::nullopt,
                              max_dir_bytes, "directory", anomalies);
  const std::size_t entry_count = dir.size() / kDirectoryEntrySize;
  if (entry_count >= limits.max_directory_entries) {
    AddAnomaly(anomalies, "ole_directory_entry_count_exceeds_limit",
               "more than " + std::to_string(limits.max_directory_entries) + " entries");
  }
  if (entry_count == 0) {
    AddAnomaly(anomalies, "ole_directory_empty", "no directory entry could be read");
    return cf;
  }

  auto parse_entry = [&](std::uint32_t id) {
    const ByteSpan raw = SubSpan(dir, static_cast<std::uint64_t>(id) * kDirectoryEntrySize,
                                 kDirectoryEntrySize);
    DirectoryEntry e;
    e.id = id;
    std::uint16_t name_bytes = ReadLe<std::uint16_t>(raw, 64).value_or(0);
    if (name_bytes > 64 || name_bytes % 2 != 0) {
      AddAnomaly(anomalies, "ole_directory_name_invalid",
                 "entry " + std::to_string(id) + " name length " + std::to_string(name_bytes));
      name_bytes = static_cast<std::uint16_t>(std::min<std::uint16_t>(name_bytes, 64) & ~1u);
    }
    // The length counts the terminating NUL; stop early at an embedded one too.
    std::size_t units = name_bytes >= 2 ? name_bytes / 2u - 1u : 0;
    for (std::size_t i = 0; i < units; ++i) {
      if (ReadLe<std::uint16_t>(raw, 2 * i).value_or(0) == 0) {
        units = i;
        break;
      }
    }
    e.name = ReadUtf16Le(raw, 0, units);
    const std::uint8_t type = raw.size() > 66 ? raw[66] : 0;
    switch (type) {
      case 1: e.type = EntryType::kStorage; break;
      case 2: e.type = EntryType::kStream; break;
      case 5: e.type = EntryType::kRoot; break;
      default: e.type = EntryType::kUnknown; break;
    }
    e.clsid = FormatClsid(SubSpan(raw, 80, 16));
    e.creation_time = ReadLe<std::uint64_t>(raw, 100).value_or(0);
    e.modification_time = ReadLe<std::uint64_t>(raw, 108).value_or(0);
    e.start_sector = ReadLe<std::uint32_t>(raw, 116).value_or(kEndOfChain);
    e.size = ReadLe<std::uint64_t>(raw, 120).value_or(0);
    // [MS-CFB] 2.6.3: version 3 writers may leave garbage in the high 32 bits.
    if (cf.major_version_ != 4) e.size &= 0xFFFFFFFFull;
    return e;
  };
  auto link = [&](std::uint32_t id, std::size_t field) {
    return ReadLe<std::uint32_t>(dir, static_cast<std::uint64_t>(id) * kDirectoryEntrySize + field)
        .value_or(kNoStream);
  };

  DirectoryEntry root = parse_entry(0);
  if (root.type != EntryType::kRoot) {
    AddAnomaly(anomalies, "ole_root_entry_invalid",
               "entry 0 has object type " + std::to_string(static_cast<int>(root.type)));
    root.type = EntryType::kRoot;
  }
  root.path.clear();

  // [MS-CFB] 2.6.4: each storage's children form a red-black tree. The colours do not matter
  // for reading; a visited set turns any cycle or shared node into an anomaly.
  std::vector<bool> visited(entry_count, false);
  visited[0] = true;
  cf.entries_.push_back(root);
  std::vector<std::size_t> storages = {0};  // indexes into entries_ still to expand
  while (!storages.empty()) {
    const std::size_t parent_index = storages.back();
    storages.pop_back();
    const std::uint32_t parent_id = cf.entries_[parent_index].id;
    const std::string parent_path = cf.entries_[parent_index].path;
    std::vector<std::uint32_t> nodes = {link(parent_id, 76)};
    std::vector<std::size_t> new_storages;
    // Each push follows an entry visited for the first time: at most 2 * entry_count + 1 pushes.
    while (!nodes.empty()) {
      const std::uint32_t id = nodes.back();
      nodes.pop_back();
      if (id == kNoStream) continue;
      if (id >= entry_count) {
        AddAnomaly(anomalies, "ole_directory_index_out_of_range",
                   "directory link to entry " + std::to_string(id));
        continue;
      }
      if (visited[id]) {
        AddAnomaly(anomalies, "ole_directory_loop",
                   "entry " + std::to_string(id) + " is reached twice");
        continue;
      }
      visited[id] = true;
      nodes.push_back(link(id, 72));  // right sibling
      nodes.push_back(link(id, 68));  // left sibling
      DirectoryEntry e = parse_entry(id);
      if (e.type == EntryType::kUnknown || e.type == EntryType::kRoot) {
        AddAnomaly(anomalies, "ole_directory_entry_invalid",
                   "entry " + std::to_string(id) + " in the tree has an invalid object type");
        continue;
      }
      e.parent_id = parent_id;
      e.path = parent_path.empty() ? e.name : parent_path + "/" + e.name;
      // [MS-CFB] 2.6.4: names are unique within a storage; a second one is unreachable by path.
      if (!cf.by_path_.emplace(AsciiLower(e.path), cf.entries_.size()).second) {
        AddAnomaly(anomalies, "ole_directory_duplicate_name",
                   "entry " + std::to_string(id) + " repeats a name in its storage");
      }
      cf.entries_.push_back(std::move(e));
      if (cf.entries_.back().type == EntryType::kStorage) {
        new_storages.push_back(cf.entries_.size() - 1);
      }
    }
    // Expand children in tree order: the stack pops the last pushed first.
    storages.insert(storages.end(), new_storages.rbegin(), new_storages.rend());
  }

  // [MS-CFB] 2.4: the MiniFAT and the mini stream (the root entry's data in the FAT).
  if (first_minifat <= kMaxRegSect) {
    const Bytes mini_fat_bytes = ReadChain(data, ss, ss, cf.fat_, first_minifat, std::nullopt,
                                           limits.max_stream_size, "MiniFAT", anomalies);
    cf.mini_fat_.reserve(mini_fat_bytes.size() / 4);
    for (std::size_t i = 0; i + 4 <= mini_fat_bytes.size(); i += 4) {
      cf.mini_fat_.push_back(ReadLe<std::uint32_t>(mini_fat_bytes, i).value_or(kFreeSect));
    }
    if (root.size > limits.max_stream_size) {
      AddAnomaly(anomalies, "ole_stream_size_exceeds_limit",
                 "mini stream of " + std::to_string(root.size) + " bytes");
    }
    cf.mini_stream_ = ReadChain(data, ss, ss, cf.fat_, root.start_sector, root.size,
                                limits.max_stream_size, "mini stream", anomalies);
  }
  return cf;
}

const DirectoryEntry* CompoundFile::Find(std::string_view path) const {
  const std::string wanted = StripSlashes(path);
  if (wanted.empty()) return entries_.empty() ? nullptr : &entries_.front();
  const auto it = by_path_.find(wanted);
  return it == by_path_.end() ? nullptr : &entries_[it->second];
}

Result<Bytes> CompoundFile::ReadStream(std::string_view path,
                                       std::vector<analysis::v1::Anomaly>* anomalies) const {
  const DirectoryEntry* e = Find(path);
  if (e == nullptr || e->type != EntryType::kStream) {
    return NotFoundError("no stream at this path");
  }
  return ReadEntry(*e, anomalies);
}

Result<Bytes> CompoundFile::ReadEntry(const DirectoryEntry& entry,
                                      std::vector<analysis::v1::Anomaly>* anomalies) const {
  if (entry.type != EntryType::kStream) return FailedPreconditionError("not a stream");
  if (entry.size > limits_.max_stream_size) {
    AddAnomaly(anomalies, "ole_stream_size_exceeds_limit",
               "stream of " + std::to_string(entry.size) + " bytes");
  }
  // [MS-CFB] 2.4: streams under the cutoff live in the mini stream.
  if (entry.size < mini_stream_cutoff_) {
    return ReadChain(mini_stream_, 0, mini_sector_size_, mini_fat_, entry.start_sector,
                     entry.size, limits_.max_stream_size, "mini stream", anomalies);
  }
  return ReadChain(data_, sector_size_, sector_size_, fat_, entry.start_sector, entry.size,
                   limits_.max_stream_size, "stream", anomalies);
}

Result<Bytes> CompoundFile::WithStreamContents(std::string_view path, ByteSpan contents) const {
  const DirectoryEntry* entry = Find(path);
  if (entry == nullptr || entry->type != EntryType::kStream) {
    return NotFoundError("no stream at this path");
  }
  auto current = ReadEntry(*entry);
  if (!current) return current.error();
  if (current->size() != contents.size()) {
    return InvalidArgumentError("replacement is " + std::to_string(contents.size()) +
                                " bytes, the stream " + std::to_string(current->size()));
  }
  const bool in_mini_stream = entry->size < mini_stream_cutoff_;
  const std::uint32_t unit = in_mini_stream ? mini_sector_size_ : sector_size_;
  const std::uint64_t units = (contents.size() + unit - 1) / unit;
  std::vector<std::uint64_t> offsets;
  if (in_mini_stream) {
    // Mini sectors are offsets into the mini stream, itself a FAT chain of the root entry.
    const DirectoryEntry& root = entries_.front();
    const std::vector<std::uint64_t> mini_stream_sectors = ChainOffsets(
        sector_size_, sector_size_, fat_, root.start_sector,
        (mini_stream_.size() + sector_size_ - 1) / sector_size_);
    for (std::uint64_t mini : ChainOffsets(0, unit, mini_fat_, entry->start_sector, units)) {
      const std::uint64_t index = mini / sector_size_;
      if (index >= mini_stream_sectors.size()) break;
      offsets.push_back(mini_stream_sectors[index] + mini % sector_size_);
    }
  } else {
    offsets = ChainOffsets(sector_size_, sector_size_, fat_, entry->start_sector, units);
  }
  if (offsets.size() < units) return InvalidArgumentError("the stream's chain breaks");
  Bytes out(data_.begin(), data_.end());
  for (std::uint64_t i = 0; i < units; ++i) {
    const std::uint64_t from = i * unit;
    const std::uint64_t length = std::min<std::uint64_t>(unit, contents.size() - from);
    if (offsets[i] + length > out.size()) return InvalidArgumentError("a sector lies past the end");
    std::copy_n(contents.begin() + static_cast<std::ptrdiff_t>(from), length,
                out.begin() + static_cast<std::ptrdiff_t>(offsets[i]));
  }
  return out;
}

}  // namespace kensa::ole
