#pragma once
// Kensa's own reader of Windows registry hive files ("regf": SYSTEM, SOFTWARE, SAM, NTUSER.DAT,
// UsrClass.dat, Amcache.hve...), after Joachim Metz's "Windows NT Registry File (REGF) format
// specification". Hive files from a suspect host are hostile input: every cell access is
// range-checked, key traversal is bounded in depth and count, and a damaged key or list is
// skipped and reported instead of failing the hive.
//
// A dirty hive is read as it is on disk (`HiveHeader::dirty` says recent changes may be
// missing); ReplayTransactionLogs (transaction_log.h) brings it up to date from its .LOG1/.LOG2
// first. Not done: recovering deleted keys from free cells.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::regf {

struct HiveLimits {
  // The largest hives of long-lived servers (SOFTWARE, Amcache) are a few hundred MB.
  std::uint64_t max_hive_bytes = 1ull << 30;
  // Windows allows 512 levels of keys; deeper nesting is a damaged or crafted hive.
  std::size_t max_depth = 512;
  // Per-key bounds: far above what Windows writes, low enough that a crafted count cannot
  // make one call allocate without end.
  std::size_t max_subkeys_per_key = 1u << 20;
  std::size_t max_values_per_key = 1u << 16;
  // One value's data: big-data values ("db") of installers reach a few MB.
  std::size_t max_value_bytes = 16u << 20;
};

// Registry value types (winnt.h REG_*).
enum class ValueType : std::uint32_t {
  kNone = 0,
  kString = 1,          // REG_SZ
  kExpandString = 2,    // REG_EXPAND_SZ
  kBinary = 3,          // REG_BINARY
  kDword = 4,           // REG_DWORD (little-endian)
  kDwordBigEndian = 5,  // REG_DWORD_BIG_ENDIAN
  kLink = 6,            // REG_LINK
  kMultiString = 7,     // REG_MULTI_SZ
  kResourceList = 8,
  kFullResourceDescriptor = 9,
  kResourceRequirementsList = 10,
  kQword = 11,  // REG_QWORD
};

// "REG_SZ", "REG_DWORD"..., or "REG_0x<n>" for a type Windows does not define.
std::string ValueTypeName(std::uint32_t type);

struct HiveHeader {
  std::uint32_t primary_sequence = 0;
  std::uint32_t secondary_sequence = 0;
  std::uint64_t last_written = 0;  // FILETIME
  std::uint32_t major_version = 0;
  std::uint32_t minor_version = 0;
  std::uint32_t root_cell = 0;
  std::uint32_t hive_bins_size = 0;
  std::string file_name;  // the last 31 characters of the hive's path, as Windows stores them
  bool checksum_ok = false;
  // The sequence numbers differ: Windows was writing the hive when it was copied, or did not
  // flush it; the newest changes may be only in the transaction logs.
  bool dirty() const { return primary_sequence != secondary_sequence; }
};

struct Key {
  std::uint32_t cell = 0;  // offset of the key's cell, relative to the first hive bin
  std::string name;        // UTF-8
  std::uint64_t last_written = 0;  // FILETIME
  std::uint32_t subkey_count = 0;
  std::uint32_t value_count = 0;
  std::uint16_t flags = 0;
};

struct Value {
  std::string name;  // UTF-8; "" is the key's default value
  std::uint32_t type = 0;
  Bytes data;
  // The data is shorter than the size the value declares (damaged hive or limit reached).
  bool truncated = false;
};

// The value as an analyst reads it: strings as UTF-8 without the terminating NULs, the
// strings of REG_MULTI_SZ joined by "\n", DWORD/QWORD in decimal, anything else as hex.
std::string ValueText(const Value& value);

// The strings of a REG_SZ / REG_EXPAND_SZ / REG_MULTI_SZ value (one for the first two).
std::vector<std::string> ValueStrings(const Value& value);

// A REG_DWORD / REG_DWORD_BIG_ENDIAN / REG_QWORD value as a number; nullopt for other types
// or short data.
std::optional<std::uint64_t> ValueNumber(const Value& value);

class Hive {
 public:
  // InvalidArgument when `data` is not a hive (no "regf" base block, or no readable root
  // key); ResourceExhausted above limits.max_hive_bytes. Damage past that is in problems().
  static Result<Hive> Open(Bytes data, const HiveLimits& limits = {});

  const HiveHeader& header() const { return header_; }
  // What was found wrong while opening: a bad checksum, a dirty hive, truncated hive bins.
  const std::vector<std::string>& problems() const { return problems_; }

  const Key& root() const { return root_; }

  // The key at a backslash-separated path below the root ("Microsoft\\Windows\\CurrentVersion\\Run"),
  // compared case-insensitively as Windows does; nullopt when it does not exist. An empty
  // path is the root itself.
  std::optional<Key> Find(std::string_view path) const;

  // The direct subkeys / values of `key`. Damaged list entries are skipped and described in
  // `problems` when it is given.
  std::vector<Key> Subkeys(const Key& key, std::vector<std::string>* problems = nullptr) const;
  std::vector<Value> Values(const Key& key, std::vector<std::string>* problems = nullptr) const;

  // One value by name (case-insensitive; "" is the default value).
  std::optional<Value> GetValue(const Key& key, std::string_view name) const;

  // Calls `visit(path, key)` for every key below the root, depth first, parents before
  // children; `path` is backslash-separated from the root's children. Stops descending at
  // limits.max_depth and never visits a cell twice (a crafted hive can loop).
  using KeyVisitor = std::function<void(const std::string& path, const Key& key)>;
  void Walk(const KeyVisitor& visit, std::vector<std::string>* problems = nullptr) const;

 private:
  Hive() = default;

  ByteSpan Cell(std::uint32_t offset) const;
  std::optional<Key> ReadKey(std::uint32_t offset) const;
  std::optional<Value> ReadValue(std::uint32_t offset) const;
  void CollectSubkeyCells(std::uint32_t list, int nesting, std::vector<std::uint32_t>* cells,
                          std::vector<std::string>* problems) const;
  void WalkFrom(const Key& key, const std::string& path, std::size_t depth,
                std::unordered_set<std::uint32_t>* visited, std::vector<std::string>* problems,
                const KeyVisitor& visit) const;

  Bytes data_;
  HiveLimits limits_;
  HiveHeader header_;
  Key root_;
  std::size_t bins_end_ = 0;  // end of the readable hive bins, as a file offset
  std::vector<std::string> problems_;
};

}  // namespace kensa::regf
