#include "kensa/lnk/dest_list.h"

#include "kensa/core/time.h"

namespace kensa::lnk {

namespace {

constexpr std::size_t kHeaderBytes = 32;
constexpr std::size_t kHostOffset = 72;
constexpr std::size_t kHostBytes = 16;
constexpr std::size_t kEntryNumberOffset = 88;
constexpr std::size_t kLastUsedOffset = 100;
constexpr std::size_t kPinOffset = 108;
// Where the path length sits: version 1 right after the pin, later versions 16 bytes further.
constexpr std::size_t kPathLengthOffsetV1 = 112;
constexpr std::size_t kPathLengthOffsetV3 = 128;
constexpr std::size_t kInteractionCountOffset = 116;

// Printable ASCII up to the first NUL: NetBIOS names are at most 15 characters of it.
std::string HostName(ByteSpan bytes) {
  std::string host;
  for (std::uint8_t byte : bytes) {
    if (byte == 0) break;
    host += byte >= 0x20 && byte < 0x7F ? static_cast<char>(byte) : '?';
  }
  return host;
}

}  // namespace

Result<DestList> ParseDestList(ByteSpan stream, std::size_t max_entries) {
  if (stream.size() < kHeaderBytes) return InvalidArgumentError("DestList is shorter than its 32-byte header");
  DestList list;
  list.version = ReadLe<std::uint32_t>(stream, 0).value_or(0);
  if (list.version != 1 && (list.version < 3 || list.version > 6)) {
    return InvalidArgumentError("DestList version " + std::to_string(list.version) + " is not one Windows writes");
  }
  const bool v3 = list.version >= 3;
  const std::size_t path_length_offset = v3 ? kPathLengthOffsetV3 : kPathLengthOffsetV1;
  std::size_t at = kHeaderBytes;
  while (at < stream.size() && list.entries.size() < max_entries) {
    const ByteSpan entry = stream.subspan(at);
    const auto path_length = ReadLe<std::uint16_t>(entry, path_length_offset);
    const std::size_t fixed = path_length_offset + 2;
    if (!path_length || entry.size() < fixed + 2u * *path_length) {
      list.truncated = true;
      break;
    }
    DestListEntry parsed;
    parsed.entry_number = ReadLe<std::uint32_t>(entry, kEntryNumberOffset).value_or(0);
    const std::uint64_t last_used = ReadLe<std::uint64_t>(entry, kLastUsedOffset).value_or(0);
    if (last_used != 0) parsed.last_used = FormatFiletime(last_used);
    parsed.pinned = ReadLe<std::int32_t>(entry, kPinOffset).value_or(-1) != -1;
    if (v3) parsed.interaction_count = ReadLe<std::uint32_t>(entry, kInteractionCountOffset).value_or(0);
    parsed.host = HostName(SubSpan(entry, kHostOffset, kHostBytes));
    parsed.path = ReadUtf16Le(entry, fixed, *path_length);
    list.entries.push_back(std::move(parsed));
    at += fixed + 2u * *path_length + (v3 ? 4 : 0);
  }
  return list;
}

}  // namespace kensa::lnk
