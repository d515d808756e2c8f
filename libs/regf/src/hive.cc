#include "kensa/regf/hive.h"

#include <algorithm>
#include <cstdio>

namespace kensa::regf {
namespace {

constexpr std::size_t kBaseBlockSize = 4096;  // hive bins start here; cell offsets count from it
constexpr std::size_t kHiveBinHeaderSize = 32;
constexpr std::uint32_t kNoCell = 0xFFFFFFFF;
constexpr std::size_t kKeyFixedSize = 0x4C;    // nk fields before the name
constexpr std::size_t kValueFixedSize = 0x14;  // vk fields before the name
constexpr std::uint16_t kKeyAsciiName = 0x0020;  // KEY_COMP_NAME
constexpr std::uint16_t kValueAsciiName = 0x0001;  // VALUE_COMP_NAME
constexpr std::uint32_t kDataInline = 0x80000000;  // vk data size: data sits in the offset field
// Values larger than this are split into "db" segments of this size (hive version 1.4 and up).
constexpr std::size_t kBigDataSegment = 16344;
// An "ri" list points at other lists; Windows never nests them deeper than one level.
constexpr int kMaxListNesting = 2;

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return AsciiLower(x) == AsciiLower(y); });
}

// Latin-1 ("compressed") names: each byte is one code point.
std::string Latin1ToUtf8(ByteSpan bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (const std::uint8_t b : bytes) AppendUtf8(out, b);
  return out;
}

std::string DecodeName(ByteSpan bytes, bool ascii) {
  return ascii ? Latin1ToUtf8(bytes) : ReadUtf16Le(bytes, 0, bytes.size() / 2);
}

std::string Describe(const char* what, std::uint32_t cell) { return std::string(what) + " at cell " + HexNumber(cell); }

// UTF-16LE text up to its first NUL code unit.
std::string Utf16UntilNul(ByteSpan data) {
  std::size_t units = data.size() / 2;
  for (std::size_t i = 0; i < units; ++i) {
    if (data[2 * i] == 0 && data[2 * i + 1] == 0) {
      units = i;
      break;
    }
  }
  return ReadUtf16Le(data, 0, units);
}

}  // namespace

std::string ValueTypeName(std::uint32_t type) {
  static constexpr const char* kNames[] = {"REG_NONE",
                                           "REG_SZ",
                                           "REG_EXPAND_SZ",
                                           "REG_BINARY",
                                           "REG_DWORD",
                                           "REG_DWORD_BIG_ENDIAN",
                                           "REG_LINK",
                                           "REG_MULTI_SZ",
                                           "REG_RESOURCE_LIST",
                                           "REG_FULL_RESOURCE_DESCRIPTOR",
                                           "REG_RESOURCE_REQUIREMENTS_LIST",
                                           "REG_QWORD"};
  if (type < std::size(kNames)) return kNames[type];
  return "REG_" + HexNumber(type);
}

std::vector<std::string> ValueStrings(const Value& value) {
  const auto type = static_cast<ValueType>(value.type);
  if (type == ValueType::kString || type == ValueType::kExpandString) return {Utf16UntilNul(value.data)};
  if (type != ValueType::kMultiString) return {};
  std::vector<std::string> strings;
  const ByteSpan data = value.data;
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    if (data[i] != 0 || data[i + 1] != 0) continue;
    if (i == start) break;  // an empty string ends the list
    strings.push_back(ReadUtf16Le(data, start, (i - start) / 2));
    start = i + 2;
  }
  if (start + 1 < data.size() && (strings.empty() || start < data.size())) {
    // A last string without its terminator (damaged or hand-written data).
    const std::size_t units = (data.size() - start) / 2;
    if (units > 0 && !(data[start] == 0 && data[start + 1] == 0)) strings.push_back(Utf16UntilNul(data.subspan(start)));
  }
  return strings;
}

std::optional<std::uint64_t> ValueNumber(const Value& value) {
  switch (static_cast<ValueType>(value.type)) {
    case ValueType::kDword:
      return ReadLe<std::uint32_t>(value.data, 0);
    case ValueType::kDwordBigEndian:
      return ReadBe<std::uint32_t>(value.data, 0);
    case ValueType::kQword:
      return ReadLe<std::uint64_t>(value.data, 0);
    default:
      return std::nullopt;
  }
}

std::string ValueText(const Value& value) {
  const auto type = static_cast<ValueType>(value.type);
  if (type == ValueType::kString || type == ValueType::kExpandString || type == ValueType::kMultiString) {
    std::string text;
    for (const std::string& s : ValueStrings(value)) {
      if (!text.empty()) text += '\n';
      text += s;
    }
    return text;
  }
  if (const auto number = ValueNumber(value)) return std::to_string(*number);
  return ToHex(value.data);
}

Result<Hive> Hive::Open(Bytes data, const HiveLimits& limits) {
  if (data.size() > limits.max_hive_bytes) {
    return ResourceExhaustedError("the hive is " + std::to_string(data.size()) + " bytes, above the limit of " +
                                  std::to_string(limits.max_hive_bytes));
  }
  if (data.size() < kBaseBlockSize + kHiveBinHeaderSize || !HasBytesAt(data, 0, "regf")) {
    return InvalidArgumentError("not a registry hive (no \"regf\" base block)");
  }
  Hive hive;
  hive.limits_ = limits;
  hive.data_ = std::move(data);
  const ByteSpan bytes = hive.data_;
  HiveHeader& h = hive.header_;
  h.primary_sequence = ReadLe<std::uint32_t>(bytes, 0x04).value_or(0);
  h.secondary_sequence = ReadLe<std::uint32_t>(bytes, 0x08).value_or(0);
  h.last_written = ReadLe<std::uint64_t>(bytes, 0x0C).value_or(0);
  h.major_version = ReadLe<std::uint32_t>(bytes, 0x14).value_or(0);
  h.minor_version = ReadLe<std::uint32_t>(bytes, 0x18).value_or(0);
  h.root_cell = ReadLe<std::uint32_t>(bytes, 0x24).value_or(0);
  h.hive_bins_size = ReadLe<std::uint32_t>(bytes, 0x28).value_or(0);
  h.file_name = Utf16UntilNul(SubSpan(bytes, 0x30, 64));
  // The checksum is the XOR of the first 127 double words, with 0 and ~0 moved aside.
  std::uint32_t checksum = 0;
  for (std::size_t offset = 0; offset < 0x1FC; offset += 4) checksum ^= ReadLe<std::uint32_t>(bytes, offset).value_or(0);
  if (checksum == 0xFFFFFFFF) checksum = 0xFFFFFFFE;
  if (checksum == 0) checksum = 1;
  h.checksum_ok = checksum == ReadLe<std::uint32_t>(bytes, 0x1FC).value_or(0);

  if (h.major_version != 1) {
    hive.problems_.push_back("unexpected hive format version " + std::to_string(h.major_version) + "." +
                             std::to_string(h.minor_version));
  }
  if (!h.checksum_ok) hive.problems_.push_back("the base block checksum does not match");
  if (h.dirty()) {
    hive.problems_.push_back("the hive is dirty (sequence numbers " + std::to_string(h.primary_sequence) + " and " +
                             std::to_string(h.secondary_sequence) +
                             "): its newest changes may be only in its .LOG1/.LOG2 transaction logs");
  }
  // Hive bins: the declared size, cut short where the file or the chain of "hbin" headers ends.
  const std::size_t declared_end = kBaseBlockSize + static_cast<std::size_t>(h.hive_bins_size);
  std::size_t end = std::min(declared_end, bytes.size());
  std::size_t bin = kBaseBlockSize;
  while (bin < end) {
    const auto bin_size = ReadLe<std::uint32_t>(bytes, bin + 8);
    if (!HasBytesAt(bytes, bin, "hbin") || !bin_size || *bin_size < kHiveBinHeaderSize || *bin_size % 4096 != 0) {
      hive.problems_.push_back("the hive bins end early at file offset " + HexNumber(bin) + " (no valid \"hbin\" header)");
      end = bin;
      break;
    }
    bin += *bin_size;
  }
  if (declared_end > bytes.size()) {
    hive.problems_.push_back("the hive is truncated: " + std::to_string(declared_end - bytes.size()) +
                             " bytes of hive bins are missing");
  }
  hive.bins_end_ = std::min(end, bytes.size());

  auto root = hive.ReadKey(h.root_cell);
  if (!root) return InvalidArgumentError("the hive's root key (cell " + HexNumber(h.root_cell) + ") is not readable");
  hive.root_ = std::move(*root);
  return hive;
}

ByteSpan Hive::Cell(std::uint32_t offset) const {
  if (offset == kNoCell || offset % 8 != 0) return {};
  const std::size_t position = kBaseBlockSize + offset;
  const auto raw_size = ReadLe<std::uint32_t>(data_, position);
  if (!raw_size || position + 4 > bins_end_) return {};
  // Allocated cells have a negative size; a free cell is not part of the live tree.
  const auto size = static_cast<std::int32_t>(*raw_size);
  if (size >= 0) return {};
  const std::size_t length = static_cast<std::size_t>(-static_cast<std::int64_t>(size));
  if (length < 4 || length > bins_end_ - position) return {};
  return ByteSpan(data_).subspan(position + 4, length - 4);
}

std::optional<Key> Hive::ReadKey(std::uint32_t offset) const {
  const ByteSpan cell = Cell(offset);
  if (cell.size() < kKeyFixedSize || !HasBytesAt(cell, 0, "nk")) return std::nullopt;
  Key key;
  key.cell = offset;
  key.flags = ReadLe<std::uint16_t>(cell, 0x02).value_or(0);
  key.last_written = ReadLe<std::uint64_t>(cell, 0x04).value_or(0);
  key.subkey_count = ReadLe<std::uint32_t>(cell, 0x14).value_or(0);
  key.value_count = ReadLe<std::uint32_t>(cell, 0x24).value_or(0);
  const std::uint16_t name_length = ReadLe<std::uint16_t>(cell, 0x48).value_or(0);
  key.name = DecodeName(SubSpan(cell, kKeyFixedSize, name_length), (key.flags & kKeyAsciiName) != 0);
  return key;
}

void Hive::CollectSubkeyCells(std::uint32_t list, int nesting, std::vector<std::uint32_t>* cells,
                              std::vector<std::string>* problems) const {
  const ByteSpan cell = Cell(list);
  const auto count = ReadLe<std::uint16_t>(cell, 2);
  if (cell.size() < 4 || !count) {
    if (problems) problems->push_back(Describe("an unreadable subkey list", list));
    return;
  }
  const bool index_root = HasBytesAt(cell, 0, "ri");
  const bool hashed = HasBytesAt(cell, 0, "lf") || HasBytesAt(cell, 0, "lh");
  if (!index_root && !hashed && !HasBytesAt(cell, 0, "li")) {
    if (problems) problems->push_back(Describe("a subkey list of unknown type", list));
    return;
  }
  if (index_root && nesting >= kMaxListNesting) {
    if (problems) problems->push_back(Describe("a subkey index nested too deep", list));
    return;
  }
  const std::size_t stride = hashed ? 8 : 4;
  for (std::size_t i = 0; i < *count; ++i) {
    const auto entry = ReadLe<std::uint32_t>(cell, 4 + i * stride);
    if (!entry) {
      if (problems) problems->push_back(Describe("a subkey list shorter than its count", list));
      return;
    }
    if (index_root) {
      CollectSubkeyCells(*entry, nesting + 1, cells, problems);
    } else {
      cells->push_back(*entry);
    }
    if (cells->size() >= limits_.max_subkeys_per_key) {
      if (problems) problems->push_back(Describe("a key with more subkeys than the limit", list));
      return;
    }
  }
}

std::vector<Key> Hive::Subkeys(const Key& key, std::vector<std::string>* problems) const {
  std::vector<Key> keys;
  if (key.subkey_count == 0) return keys;
  const ByteSpan cell = Cell(key.cell);
  const std::uint32_t list = ReadLe<std::uint32_t>(cell, 0x1C).value_or(kNoCell);
  std::vector<std::uint32_t> cells;
  CollectSubkeyCells(list, 0, &cells, problems);
  keys.reserve(cells.size());
  for (const std::uint32_t offset : cells) {
    if (auto subkey = ReadKey(offset)) {
      keys.push_back(std::move(*subkey));
    } else if (problems) {
      problems->push_back(Describe("an unreadable key", offset));
    }
  }
  return keys;
}

std::optional<Value> Hive::ReadValue(std::uint32_t offset) const {
  const ByteSpan cell = Cell(offset);
  if (cell.size() < kValueFixedSize || !HasBytesAt(cell, 0, "vk")) return std::nullopt;
  Value value;
  const std::uint16_t name_length = ReadLe<std::uint16_t>(cell, 0x02).value_or(0);
  const std::uint32_t raw_size = ReadLe<std::uint32_t>(cell, 0x04).value_or(0);
  const std::uint32_t data_offset = ReadLe<std::uint32_t>(cell, 0x08).value_or(kNoCell);
  value.type = ReadLe<std::uint32_t>(cell, 0x0C).value_or(0);
  const std::uint16_t flags = ReadLe<std::uint16_t>(cell, 0x10).value_or(0);
  value.name = DecodeName(SubSpan(cell, kValueFixedSize, name_length), (flags & kValueAsciiName) != 0);

  if ((raw_size & kDataInline) != 0) {
    // Up to four bytes live in the offset field itself.
    const std::size_t size = std::min<std::size_t>(raw_size & ~kDataInline, 4);
    const ByteSpan inline_data = SubSpan(cell, 0x08, size);
    value.data.assign(inline_data.begin(), inline_data.end());
    return value;
  }
  const std::size_t declared = raw_size;
  const std::size_t wanted = std::min(declared, limits_.max_value_bytes);
  const ByteSpan data_cell = Cell(data_offset);
  if (declared > kBigDataSegment && header_.minor_version >= 4 && HasBytesAt(data_cell, 0, "db")) {
    // Big data: a list of segment cells, each holding up to kBigDataSegment bytes.
    const std::uint16_t segments = ReadLe<std::uint16_t>(data_cell, 2).value_or(0);
    const ByteSpan list = Cell(ReadLe<std::uint32_t>(data_cell, 4).value_or(kNoCell));
    for (std::size_t i = 0; i < segments && value.data.size() < wanted; ++i) {
      const ByteSpan segment = Cell(ReadLe<std::uint32_t>(list, i * 4).value_or(kNoCell));
      const std::size_t take = std::min({segment.size(), kBigDataSegment, wanted - value.data.size()});
      value.data.insert(value.data.end(), segment.begin(), segment.begin() + static_cast<std::ptrdiff_t>(take));
    }
  } else {
    const ByteSpan data = data_cell.subspan(0, std::min(wanted, data_cell.size()));
    value.data.assign(data.begin(), data.end());
  }
  value.truncated = value.data.size() < declared;
  return value;
}

std::vector<Value> Hive::Values(const Key& key, std::vector<std::string>* problems) const {
  std::vector<Value> values;
  if (key.value_count == 0) return values;
  const ByteSpan cell = Cell(key.cell);
  const std::uint32_t list_offset = ReadLe<std::uint32_t>(cell, 0x28).value_or(kNoCell);
  const ByteSpan list = Cell(list_offset);
  std::size_t count = key.value_count;
  if (count > limits_.max_values_per_key) {
    if (problems) problems->push_back(Describe("a key with more values than the limit", key.cell));
    count = limits_.max_values_per_key;
  }
  if (list.size() / 4 < count) {
    if (problems) problems->push_back(Describe("a value list shorter than its count", list_offset));
    count = list.size() / 4;
  }
  values.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t offset = ReadLe<std::uint32_t>(list, i * 4).value_or(kNoCell);
    if (auto value = ReadValue(offset)) {
      values.push_back(std::move(*value));
    } else if (problems) {
      problems->push_back(Describe("an unreadable value", offset));
    }
  }
  return values;
}

std::optional<Value> Hive::GetValue(const Key& key, std::string_view name) const {
  for (Value& value : Values(key)) {
    if (SameName(value.name, name)) return std::move(value);
  }
  return std::nullopt;
}

std::optional<Key> Hive::Find(std::string_view path) const {
  Key key = root_;
  std::size_t depth = 0;
  while (!path.empty()) {
    const std::size_t separator = path.find('\\');
    const std::string_view part = path.substr(0, separator);
    path = separator == std::string_view::npos ? std::string_view() : path.substr(separator + 1);
    if (part.empty()) continue;
    if (++depth > limits_.max_depth) return std::nullopt;
    std::optional<Key> next;
    for (Key& subkey : Subkeys(key)) {
      if (SameName(subkey.name, part)) {
        next = std::move(subkey);
        break;
      }
    }
    if (!next) return std::nullopt;
    key = std::move(*next);
  }
  return key;
}

void Hive::Walk(const KeyVisitor& visit, std::vector<std::string>* problems) const {
  std::unordered_set<std::uint32_t> visited{root_.cell};
  WalkFrom(root_, "", 0, &visited, problems, visit);
}

void Hive::WalkFrom(const Key& key, const std::string& path, std::size_t depth,
                    std::unordered_set<std::uint32_t>* visited, std::vector<std::string>* problems,
                    const KeyVisitor& visit) const {
  if (depth >= limits_.max_depth) {
    if (problems) problems->push_back("keys nested deeper than " + std::to_string(limits_.max_depth) + " under " + path);
    return;
  }
  for (const Key& subkey : Subkeys(key, problems)) {
    if (!visited->insert(subkey.cell).second) {
      if (problems) problems->push_back(Describe("a key reached twice (a loop in the hive)", subkey.cell));
      continue;
    }
    const std::string subkey_path = path.empty() ? subkey.name : path + "\\" + subkey.name;
    visit(subkey_path, subkey);
    WalkFrom(subkey, subkey_path, depth + 1, visited, problems, visit);
  }
}

}  // namespace kensa::regf
