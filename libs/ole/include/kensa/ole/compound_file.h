#pragma once
// Kensa's own reader for Compound File Binary files (OLE2 / "structured storage": .doc, .xls,
// .ppt, .msg, vbaProject.bin), written for hostile input from [MS-CFB].
//
//   kensa::Result<kensa::ole::CompoundFile> cf = kensa::ole::CompoundFile::Open(bytes);
//   if (!cf) return cf.error();                      // not a compound file at all
//   for (const auto& e : cf->entries()) ...          // every storage and stream, with its path
//   kensa::Result<kensa::Bytes> dir = cf->ReadStream("Macros/VBA/dir");
//   for (const auto& a : cf->anomalies()) ...        // everything odd about the container
//
// Only "this is not a compound file" (bad signature, header shorter than 512 bytes) is an
// error. Every other malformation (FAT chains that loop or leave the file, sectors past the
// end, directory trees with cycles, counts past a limit) becomes an Anomaly with a stable
// snake_case code ("ole_fat_chain_loop") and reading goes on as far as it can. Every loop
// driven by a value in the file is bounded by OleLimits or by the size of the file. Nothing
// here throws. A CompoundFile keeps a view of `data`: the bytes must outlive it.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::ole {

struct OleLimits {
  // A real document has tens of entries; a few thousand covers huge .msg files with attachments.
  std::size_t max_directory_entries = 65536;
  // Bytes returned by one ReadStream; bigger streams are clipped (and reported).
  std::uint64_t max_stream_size = 256ull << 20;
  // DIFAT sectors followed; 1000 of them address ~ 8 GB in 512-byte sectors, 4 TB in 4096.
  std::size_t max_difat_sectors = 1000;
};

// [MS-CFB] 2.6.1 Object Type.
enum class EntryType : std::uint8_t {
  kUnknown = 0,  // unallocated or invalid
  kStorage = 1,
  kStream = 2,
  kRoot = 5,
};

// One directory entry reachable from the root ([MS-CFB] 2.6).
struct DirectoryEntry {
  std::uint32_t id = 0;        // index in the directory (stream ID)
  std::string name;            // UTF-8
  std::string path;            // "Macros/VBA/dir"; "" for the root entry
  EntryType type = EntryType::kUnknown;
  std::uint64_t size = 0;      // stream size as declared (the root: mini stream size)
  std::string clsid;           // "00020906-0000-0000-c000-000000000046"; "" when all zero
  std::uint64_t creation_time = 0;      // FILETIME (100 ns since 1601-01-01 UTC); 0 = unset
  std::uint64_t modification_time = 0;  // FILETIME
  std::uint32_t start_sector = 0;
  std::uint32_t parent_id = 0xFFFFFFFFu;  // directory index of the parent storage
};

class CompoundFile {
 public:
  static Result<CompoundFile> Open(ByteSpan data, const OleLimits& limits = {});

  std::uint16_t major_version() const { return major_version_; }
  std::uint32_t sector_size() const { return sector_size_; }
  // The root first; then, storage by storage, each storage's children in directory-tree order.
  const std::vector<DirectoryEntry>& entries() const { return entries_; }
  const std::vector<analysis::v1::Anomaly>& anomalies() const { return anomalies_; }

  // The entry at `path` (components separated by '/', compared case-insensitively as
  // [MS-CFB] 2.6.4 compares names, for ASCII), or nullptr. "" is the root entry.
  const DirectoryEntry* Find(std::string_view path) const;

  // The bytes of the stream at `path`. NotFound when no stream has that path. A broken chain
  // yields the bytes read so far; what went wrong is appended to `anomalies` when given.
  Result<Bytes> ReadStream(std::string_view path,
                           std::vector<analysis::v1::Anomaly>* anomalies = nullptr) const;
  Result<Bytes> ReadEntry(const DirectoryEntry& entry,
                          std::vector<analysis::v1::Anomaly>* anomalies = nullptr) const;

  // A copy of the whole file with the bytes of the stream at `path` overwritten by `contents`,
  // sector by sector where the stream lies (FAT or mini stream); everything else, including
  // any malformation, stays byte for byte. This is how a decrypted stream is put back
  // ([MS-OFFCRYPTO] 2.3.7: an encrypted BIFF8 Workbook keeps its size) without rewriting the
  // container. InvalidArgument when `contents` is not exactly as long as ReadEntry's result
  // for that stream or its chain cannot be followed that far; NotFound when no such stream.
  Result<Bytes> WithStreamContents(std::string_view path, ByteSpan contents) const;

 private:
  CompoundFile() = default;

  ByteSpan data_;
  OleLimits limits_;
  std::uint16_t major_version_ = 0;
  std::uint32_t sector_size_ = 512;
  std::uint32_t mini_sector_size_ = 64;
  std::uint32_t mini_stream_cutoff_ = 4096;
  std::vector<std::uint32_t> fat_;
  std::vector<std::uint32_t> mini_fat_;
  Bytes mini_stream_;
  std::vector<DirectoryEntry> entries_;
  std::unordered_map<std::string, std::size_t> by_path_;  // lower-cased path -> entries_ index
  std::vector<analysis::v1::Anomaly> anomalies_;
};

// FILETIME to seconds since the Unix epoch; 0 for 0 and for times before 1970.
std::int64_t FiletimeToUnixSeconds(std::uint64_t filetime);

}  // namespace kensa::ole
