#include "shell_items.h"

#include <array>
#include <cctype>
#include <chrono>
#include <string_view>

#include "kensa/core/time.h"
#include "kensa/lnk/lnk_parser.h"

namespace kensa::lnk::internal {
namespace {

using analysis::v1::LnkShellItem;

// Shell folders a root folder item (class 0x1F) names by CLSID.
std::string RootFolderName(const std::string& clsid) {
  struct Known {
    std::string_view clsid;
    std::string_view name;
  };
  static constexpr std::array<Known, 12> kKnown = {{
      {"20d04fe0-3aea-1069-a2d8-08002b30309d", "My Computer"},
      {"208d2c60-3aea-1069-a2d7-08002b30309d", "My Network Places"},
      {"f02c1a0d-be21-4350-88b0-7367fc96ef3c", "Network"},
      {"21ec2020-3aea-1069-a2dd-08002b30309d", "Control Panel"},
      {"26ee0668-a00a-44d7-9371-beb064c98683", "Control Panel"},
      {"450d8fba-ad25-11d0-98a8-0800361b1103", "My Documents"},
      {"59031a47-3f72-44a7-89c5-5595fe6b30ee", "Users Files"},
      {"645ff040-5081-101b-9f08-00aa002f954e", "Recycle Bin"},
      {"679f85cb-0220-4080-b29b-5540cc05aab6", "Quick access"},
      {"031e4825-7b94-4dc3-b131-e946b44c8dd5", "Libraries"},
      {"871c5380-42a0-1069-a2ea-08002b30309d", "Internet Explorer"},
      {"d20beec4-5ca8-4905-ae3b-bf251ea09b53", "Network"},
  }};
  for (const auto& known : kKnown) {
    if (known.clsid == clsid) return std::string(known.name);
  }
  return "{" + clsid + "}";
}

// A NUL-terminated single-byte string inside `item` from `offset`, at most up to the item's end.
std::string ReadAnsiZ(ByteSpan item, std::size_t offset, std::uint32_t code_page, std::size_t* end) {
  std::size_t i = offset;
  while (i < item.size() && item[i] != 0) ++i;
  if (end != nullptr) *end = i < item.size() ? i + 1 : i;
  if (offset >= item.size()) return {};
  return DecodeAnsi(std::string_view(reinterpret_cast<const char*>(item.data() + offset), i - offset),
                    code_page);
}

// A NUL-terminated UTF-16LE string inside `item` from `offset`.
std::string ReadUtf16Z(ByteSpan item, std::size_t offset, std::size_t* end) {
  std::size_t units = 0;
  while (offset + 2 * units + 1 < item.size() &&
         (item[offset + 2 * units] != 0 || item[offset + 2 * units + 1] != 0)) {
    ++units;
  }
  if (end != nullptr) *end = offset + 2 * units + 2;
  return ReadUtf16Le(item, offset, units);
}

bool IsExtensionBlockAt(ByteSpan item, std::size_t offset) {
  // Extension block header: size (2), version (2), signature 0xBEEF0004 (4).
  return HasBytesAt(item, offset + 4, std::string_view("\x04\x00\xEF\xBE", 4));
}

// File entry items (class 0x30-0x3F): size, FAT modification time, attributes and the primary
// (8.3) name, then the 0xBEEF0004 extension block with the long name and the NTFS reference.
void DecodeFileEntry(ByteSpan item, std::uint8_t class_type, std::uint32_t code_page,
                     LnkShellItem* out) {
  out->set_kind("file_entry");
  const auto date = ReadLe<std::uint16_t>(item, 8);
  const auto time = ReadLe<std::uint16_t>(item, 10);
  if (date && time) out->set_modified(FormatFatDateTime(*date, *time));
  constexpr std::size_t kPrimaryNameOffset = 14;
  constexpr std::uint8_t kUnicodeName = 0x04;
  std::size_t name_end = kPrimaryNameOffset;
  const std::string primary = (class_type & kUnicodeName) != 0
                                  ? ReadUtf16Z(item, kPrimaryNameOffset, &name_end)
                                  : ReadAnsiZ(item, kPrimaryNameOffset, code_page, &name_end);
  out->set_name(primary);

  // The block follows the name, aligned to two bytes from the item start; some writers skip the
  // padding, so both places are checked.
  std::size_t block = name_end + (name_end % 2);
  if (!IsExtensionBlockAt(item, block)) block = name_end;
  if (!IsExtensionBlockAt(item, block)) return;
  const auto block_size = ReadLe<std::uint16_t>(item, block);
  const auto version = ReadLe<std::uint16_t>(item, block + 2);
  if (!block_size || !version || *block_size < 8 || block + *block_size > item.size()) return;
  const ByteSpan ext = SubSpan(item, block, *block_size);
  // Layout by version (libfwsi "File entry extension block 0xbeef0004"): 18 bytes of header and
  // FAT times; Vista (7) adds 2 + 8 (NTFS reference) + 8; 3 and later a long name size (2);
  // Windows 7 (8) and 8 (9) one more 4-byte field each.
  std::size_t long_name = 18;
  if (*version >= 7) {
    const auto reference = ReadLe<std::uint64_t>(ext, 20);
    if (reference) {
      const std::uint64_t entry = *reference & 0xFFFFFFFFFFFFull;
      const std::uint64_t sequence = *reference >> 48;
      if (entry != 0) out->set_file_reference(std::to_string(entry) + "-" + std::to_string(sequence));
    }
    long_name += 2 + 8 + 8;
  }
  if (*version >= 3) long_name += 2;
  if (*version >= 8) long_name += 4;
  if (*version >= 9) long_name += 4;
  if (long_name + 2 > ext.size()) return;
  const std::string long_text = ReadUtf16Z(ext, long_name, nullptr);
  if (!long_text.empty() && long_text != primary) {
    out->set_short_name(primary);
    out->set_name(long_text);
  }
}

// A printable URL inside an item, ASCII or UTF-16LE: the layouts of URI items vary by Windows
// version, the URL itself is always spelled out.
std::string FindUrl(ByteSpan item) {
  constexpr std::string_view kScheme = "://";
  constexpr std::size_t kMaxUrl = 2048;
  auto printable = [](std::uint8_t c) { return c > 0x20 && c < 0x7F; };
  for (std::size_t i = 0; i + kScheme.size() <= item.size(); ++i) {
    if (HasBytesAt(item, i, kScheme)) {
      std::size_t start = i;
      while (start > 0 && (std::isalpha(item[start - 1]) != 0)) --start;
      std::size_t end = i;
      while (end < item.size() && printable(item[end]) && end - start < kMaxUrl) ++end;
      if (start < i) return std::string(reinterpret_cast<const char*>(item.data() + start), end - start);
    }
    if (HasBytesAt(item, i, std::string_view(":\0/\0/\0", 6))) {
      std::size_t start = i;
      while (start >= 2 && item[start - 1] == 0 && std::isalpha(item[start - 2]) != 0) start -= 2;
      std::size_t end = i;
      while (end + 1 < item.size() && item[end + 1] == 0 && printable(item[end]) &&
             (end - start) / 2 < kMaxUrl) {
        end += 2;
      }
      if (start < i) return ReadUtf16Le(item, start, (end - start) / 2);
    }
  }
  return {};
}

void DecodeItem(ByteSpan item, std::uint32_t code_page, LnkShellItem* out) {
  const std::uint8_t class_type = item.size() > 2 ? item[2] : 0;
  out->set_class_type(class_type);
  constexpr std::uint8_t kRootFolder = 0x1F;
  constexpr std::uint8_t kControlPanel = 0x71;
  constexpr std::uint8_t kDelegate = 0x74;
  constexpr std::uint8_t kUri = 0x61;
  if (class_type == kRootFolder) {
    out->set_kind("root_folder");
    const std::string clsid = FormatGuid(item, 4);
    if (!clsid.empty()) out->set_name(RootFolderName(clsid));
  } else if ((class_type & 0x70) == 0x20) {
    // Volume: "C:\" as ASCII at offset 3 when bit 0 says the item has a name.
    out->set_kind("volume");
    if ((class_type & 0x01) != 0) out->set_name(ReadAnsiZ(item, 3, code_page, nullptr));
  } else if ((class_type & 0x70) == 0x30) {
    DecodeFileEntry(item, class_type, code_page, out);
  } else if ((class_type & 0x70) == 0x40) {
    // Network location: flags at 3, then the location ("\\server\share") at 5.
    out->set_kind("network_location");
    out->set_name(ReadAnsiZ(item, 5, code_page, nullptr));
  } else if (class_type == kUri) {
    out->set_kind("uri");
    out->set_name(FindUrl(item));
  } else if (class_type == kControlPanel) {
    out->set_kind("control_panel");
    const std::string clsid = FormatGuid(item, 14);
    if (!clsid.empty()) out->set_name("{" + clsid + "}");
  } else if (class_type == kDelegate && HasBytesAt(item, 6, "CFSF")) {
    // Users files delegate: a file entry nested at offset 10 (its own size field first).
    out->set_kind("delegate");
    constexpr std::size_t kInnerItem = 10;
    LnkShellItem inner;
    const ByteSpan nested = SubSpan(item, kInnerItem, item.size() - kInnerItem);
    if (nested.size() > 2) DecodeFileEntry(nested, nested[2], code_page, &inner);
    out->set_name(inner.name());
    out->set_short_name(inner.short_name());
    out->set_modified(inner.modified());
    out->set_file_reference(inner.file_reference());
  } else {
    out->set_kind("unknown");
  }
}

}  // namespace

std::string FormatFatDateTime(std::uint16_t date, std::uint16_t time) {
  if (date == 0 && time == 0) return {};
  const int year = 1980 + (date >> 9);
  const unsigned month = (date >> 5) & 0x0Fu;
  const unsigned day = date & 0x1Fu;
  const int hours = time >> 11;
  const int minutes = (time >> 5) & 0x3F;
  const int seconds = (time & 0x1F) * 2;
  using namespace std::chrono;
  const year_month_day ymd{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
  if (!ymd.ok() || hours > 23 || minutes > 59 || seconds > 59) return {};
  const auto since_epoch = sys_days{ymd}.time_since_epoch();
  const std::int64_t unix_seconds =
      duration_cast<std::chrono::seconds>(since_epoch).count() + hours * 3600 + minutes * 60 + seconds;
  return FormatRfc3339(unix_seconds);
}

IdList DecodeIdList(ByteSpan list, std::size_t max_items, std::uint32_t code_page) {
  IdList result;
  std::size_t offset = 0;
  bool terminated = false;
  std::vector<std::string> parts;
  while (offset + 2 <= list.size()) {
    const std::uint16_t size = ReadLe<std::uint16_t>(list, offset).value_or(0);
    if (size == 0) {
      terminated = true;
      break;
    }
    // The smallest item is its size and class type; anything shorter or past the list's end is
    // damage, and the walk stops rather than guess where the next item starts.
    if (size < 3 || offset + size > list.size()) {
      result.malformed = true;
      break;
    }
    if (result.items.size() >= max_items) {
      result.limit_reached = true;
      break;
    }
    LnkShellItem item;
    DecodeItem(SubSpan(list, offset, size), code_page, &item);
    if (item.kind() == "root_folder") {
      // "My Computer" is implied by a drive letter; other roots name where the path starts.
      if (item.name() != "My Computer") parts.push_back("<" + item.name() + ">");
    } else if (!item.name().empty()) {
      parts.push_back(item.name());
    }
    result.items.push_back(std::move(item));
    offset += size;
  }
  if (!terminated && !result.limit_reached) result.malformed = true;

  for (const auto& part : parts) {
    if (!result.path.empty() && result.path.back() != '\\') result.path.push_back('\\');
    result.path += part;
  }
  return result;
}

}  // namespace kensa::lnk::internal
