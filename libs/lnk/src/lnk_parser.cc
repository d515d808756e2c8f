#include "kensa/lnk/lnk_parser.h"

#include <array>
#include <cstdio>
#include <string_view>

#include "kensa/core/time.h"
#include "kensa/strings/string_extractor.h"
#include "property_store.h"
#include "shell_items.h"

namespace kensa::lnk {
namespace {

using analysis::v1::LnkInfo;

constexpr std::size_t kHeaderSize = 0x4C;
// [MS-SHLLINK] 2.1: HeaderSize 0x4C, then LinkCLSID 00021401-0000-0000-C000-000000000046.
constexpr std::string_view kHeaderMagic("\x4C\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xC0\x00\x00\x00\x00\x00\x00\x46", 20);

// LinkFlags ([MS-SHLLINK] 2.1.1).
enum LinkFlag : std::uint32_t {
  kHasLinkTargetIdList = 0x00000001,
  kHasLinkInfo = 0x00000002,
  kHasName = 0x00000004,
  kHasRelativePath = 0x00000008,
  kHasWorkingDir = 0x00000010,
  kHasArguments = 0x00000020,
  kHasIconLocation = 0x00000040,
  kIsUnicode = 0x00000080,
};

constexpr std::array<std::string_view, 27> kFlagNames = {
    "HasLinkTargetIDList", "HasLinkInfo", "HasName", "HasRelativePath", "HasWorkingDir",
    "HasArguments", "HasIconLocation", "IsUnicode", "ForceNoLinkInfo", "HasExpString",
    "RunInSeparateProcess", "Unused1", "HasDarwinID", "RunAsUser", "HasExpIcon", "NoPidlAlias",
    "Unused2", "RunWithShimLayer", "ForceNoLinkTrack", "EnableTargetMetadata",
    "DisableLinkPathTracking", "DisableKnownFolderTracking", "DisableKnownFolderAlias",
    "AllowLinkToLink", "UnaliasOnSave", "PreferEnvironmentPath", "KeepLocalIDListForUNCTarget"};

// ExtraData block signatures ([MS-SHLLINK] 2.5).
enum BlockSignature : std::uint32_t {
  kEnvironmentVariable = 0xA0000001,
  kConsole = 0xA0000002,
  kTracker = 0xA0000003,
  kConsoleFe = 0xA0000004,
  kSpecialFolder = 0xA0000005,
  kDarwin = 0xA0000006,
  kIconEnvironment = 0xA0000007,
  kShim = 0xA0000008,
  kPropertyStore = 0xA0000009,
  kKnownFolder = 0xA000000B,
  kVistaAndAboveIdList = 0xA000000C,
};

std::string BlockName(std::uint32_t signature) {
  switch (signature) {
    case kEnvironmentVariable: return "EnvironmentVariableDataBlock";
    case kConsole: return "ConsoleDataBlock";
    case kTracker: return "TrackerDataBlock";
    case kConsoleFe: return "ConsoleFEDataBlock";
    case kSpecialFolder: return "SpecialFolderDataBlock";
    case kDarwin: return "DarwinDataBlock";
    case kIconEnvironment: return "IconEnvironmentDataBlock";
    case kShim: return "ShimDataBlock";
    case kPropertyStore: return "PropertyStoreDataBlock";
    case kKnownFolder: return "KnownFolderDataBlock";
    case kVistaAndAboveIdList: return "VistaAndAboveIDListDataBlock";
    default: return HexNumber(signature);
  }
}

std::string ShowCommandName(std::uint32_t value) {
  switch (value) {
    case 1: return "SW_SHOWNORMAL";
    case 3: return "SW_SHOWMAXIMIZED";
    case 7: return "SW_SHOWMINNOACTIVE";
    default: return std::to_string(value);
  }
}

std::string DriveTypeName(std::uint32_t value) {
  static constexpr std::array<std::string_view, 7> kNames = {
      "DRIVE_UNKNOWN", "DRIVE_NO_ROOT_DIR", "DRIVE_REMOVABLE", "DRIVE_FIXED",
      "DRIVE_REMOTE",  "DRIVE_CDROM",       "DRIVE_RAMDISK"};
  return value < kNames.size() ? std::string(kNames[value]) : std::to_string(value);
}

// HotKeyFlags ([MS-SHLLINK] 2.1.3): low byte a virtual key, high byte SHIFT/CTRL/ALT bits.
std::string HotkeyText(std::uint16_t hotkey) {
  if (hotkey == 0) return {};
  const auto key = static_cast<std::uint8_t>(hotkey & 0xFF);
  const std::uint8_t modifiers = static_cast<std::uint8_t>(hotkey >> 8);
  std::string text;
  if ((modifiers & 0x02) != 0) text += "CTRL+";
  if ((modifiers & 0x04) != 0) text += "ALT+";
  if ((modifiers & 0x01) != 0) text += "SHIFT+";
  if ((key >= '0' && key <= '9') || (key >= 'A' && key <= 'Z')) {
    text.push_back(static_cast<char>(key));
  } else if (key >= 0x70 && key <= 0x87) {
    text += "F" + std::to_string(key - 0x6F);
  } else if (key == 0x90) {
    text += "NUM LOCK";
  } else if (key == 0x91) {
    text += "SCROLL LOCK";
  } else {
    text += HexNumber(key);
  }
  return text;
}

// Windows-1252's 0x80-0x9F row; the rest of the code page is Latin-1. 0 marks unassigned bytes.
constexpr std::array<std::uint16_t, 32> kCp1252High = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

std::string Cp1252ToUtf8(std::string_view bytes) {
  std::string out;
  for (char c : bytes) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (byte >= 0x80 && byte < 0xA0) {
      const std::uint16_t mapped = kCp1252High[byte - 0x80];
      AppendUtf8(out, mapped == 0 ? 0xFFFDu : mapped);
    } else {
      AppendUtf8(out, byte);
    }
  }
  return out;
}

// The UUID v1 node (a MAC address) and time of a distributed link tracking object id stored as
// a GUID at `offset`; false when the id is not version 1.
bool DecodeUuidV1(ByteSpan data, std::size_t offset, std::string* mac, std::string* time) {
  const auto time_low = ReadLe<std::uint32_t>(data, offset);
  const auto time_mid = ReadLe<std::uint16_t>(data, offset + 4);
  const auto time_high = ReadLe<std::uint16_t>(data, offset + 6);
  if (!time_low || !time_mid || !time_high || data.size() < offset + 16) return false;
  if ((*time_high >> 12) != 1) return false;
  char buffer[18];
  std::snprintf(buffer, sizeof buffer, "%02x:%02x:%02x:%02x:%02x:%02x", data[offset + 10],
                data[offset + 11], data[offset + 12], data[offset + 13], data[offset + 14],
                data[offset + 15]);
  *mac = buffer;
  // 100 ns intervals since 1582-10-15 (the Gregorian reform); FILETIME counts from 1601-01-01,
  // 6653 days later.
  const std::uint64_t uuid_time = (static_cast<std::uint64_t>(*time_high & 0x0FFFu) << 48) |
                                  (static_cast<std::uint64_t>(*time_mid) << 32) | *time_low;
  constexpr std::uint64_t kGregorianToFiletime = 6653ull * 86400ull * 10000000ull;
  *time = uuid_time > kGregorianToFiletime ? FormatFiletime(uuid_time - kGregorianToFiletime) : "";
  return true;
}

std::string TrimNuls(std::string text) {
  const auto nul = text.find('\0');
  if (nul != std::string::npos) text.resize(nul);
  return text;
}

class Parser {
 public:
  Parser(ByteSpan data, const LnkLimits& limits, std::uint32_t code_page)
      : data_(data), limits_(limits), code_page_(code_page) {}

  LnkParse Parse() {
    ParseHeader();
    std::size_t offset = kHeaderSize;
    const std::uint32_t flags = info().link_flags();
    if ((flags & kHasLinkTargetIdList) != 0 && !ParseIdList(&offset)) return Finish();
    if ((flags & kHasLinkInfo) != 0 && !ParseLinkInfo(&offset)) return Finish();
    if (!ParseStringData(flags, &offset)) return Finish();
    ParseExtraData(offset);
    return Finish();
  }

 private:
  LnkInfo& info() { return result_.info; }

  void AddAnomaly(const std::string& code, const std::string& detail) {
    auto& anomaly = result_.anomalies.emplace_back();
    anomaly.set_code(code);
    anomaly.set_detail(detail);
  }

  std::string Ansi(std::string_view bytes) {
    std::uint32_t used = 0;
    std::string text = DecodeAnsi(bytes, code_page_, &used);
    if (used != 0 && info().ansi_code_page() == 0) info().set_ansi_code_page(used);
    return text;
  }

  // A NUL-terminated ANSI string at `offset` inside `area`.
  std::string AnsiZ(ByteSpan area, std::uint64_t offset) {
    if (offset >= area.size()) return {};
    std::size_t end = static_cast<std::size_t>(offset);
    while (end < area.size() && area[end] != 0) ++end;
    return Ansi(std::string_view(reinterpret_cast<const char*>(area.data() + offset),
                                 end - static_cast<std::size_t>(offset)));
  }

  static std::string Utf16Z(ByteSpan area, std::uint64_t offset) {
    std::size_t units = 0;
    while (offset + 2 * units + 1 < area.size() &&
           (area[offset + 2 * units] != 0 || area[offset + 2 * units + 1] != 0)) {
      ++units;
    }
    return ReadUtf16Le(area, offset, units);
  }

  void ParseHeader() {
    auto& lnk = info();
    const std::uint32_t flags = ReadLe<std::uint32_t>(data_, 20).value_or(0);
    lnk.set_link_flags(flags);
    for (std::size_t bit = 0; bit < kFlagNames.size(); ++bit) {
      if ((flags & (1u << bit)) != 0) lnk.add_flag_names(std::string(kFlagNames[bit]));
    }
    lnk.set_file_attributes(ReadLe<std::uint32_t>(data_, 24).value_or(0));
    lnk.set_creation_time(FormatFiletime(ReadLe<std::uint64_t>(data_, 28).value_or(0)));
    lnk.set_access_time(FormatFiletime(ReadLe<std::uint64_t>(data_, 36).value_or(0)));
    lnk.set_write_time(FormatFiletime(ReadLe<std::uint64_t>(data_, 44).value_or(0)));
    lnk.set_file_size(ReadLe<std::uint32_t>(data_, 52).value_or(0));
    lnk.set_icon_index(static_cast<std::int32_t>(ReadLe<std::uint32_t>(data_, 56).value_or(0)));
    lnk.set_show_command(ShowCommandName(ReadLe<std::uint32_t>(data_, 60).value_or(0)));
    lnk.set_hotkey(HotkeyText(ReadLe<std::uint16_t>(data_, 64).value_or(0)));
  }

  // LinkTargetIDList ([MS-SHLLINK] 2.2): IDListSize, then the items.
  bool ParseIdList(std::size_t* offset) {
    const auto size = ReadLe<std::uint16_t>(data_, *offset);
    if (!size) {
      AddAnomaly("lnk_truncated", "the file ends before LinkTargetIDList");
      return false;
    }
    const std::size_t start = *offset + 2;
    const bool truncated = start + *size > data_.size();
    auto list = internal::DecodeIdList(SubSpan(data_, start, *size), limits_.max_shell_items, code_page_);
    for (auto& item : list.items) *info().add_id_list() = std::move(item);
    info().set_id_list_path(list.path);
    if (truncated) {
      AddAnomaly("lnk_truncated", "LinkTargetIDList of " + std::to_string(*size) +
                                      " bytes runs past the end of the file");
      return false;
    }
    if (list.malformed) {
      AddAnomaly("lnk_malformed_id_list", "LinkTargetIDList at offset " + std::to_string(*offset) +
                                              " has an item that overruns it or no terminator");
    }
    if (list.limit_reached) {
      AddAnomaly("lnk_item_limit", "LinkTargetIDList has more than " +
                                       std::to_string(limits_.max_shell_items) + " items");
    }
    *offset = start + *size;
    return true;
  }

  // LinkInfo ([MS-SHLLINK] 2.3); offsets inside it are relative to its start.
  bool ParseLinkInfo(std::size_t* offset) {
    const auto size = ReadLe<std::uint32_t>(data_, *offset);
    const auto header_size = ReadLe<std::uint32_t>(data_, *offset + 4);
    constexpr std::uint32_t kMinHeader = 0x1C;
    if (!size || !header_size) {
      AddAnomaly("lnk_truncated", "the file ends inside LinkInfo");
      return false;
    }
    if (*size > data_.size() - *offset) {
      AddAnomaly("lnk_truncated", "LinkInfo of " + std::to_string(*size) +
                                      " bytes runs past the end of the file");
      return false;
    }
    if (*size < kMinHeader || *header_size < kMinHeader || *header_size > *size) {
      AddAnomaly("lnk_malformed_link_info", "LinkInfo size " + std::to_string(*size) +
                                                ", header size " + std::to_string(*header_size));
      *offset += std::max<std::uint32_t>(*size, 4);
      return *size >= 4;
    }
    const ByteSpan link_info = SubSpan(data_, *offset, *size);
    const std::uint32_t flags = ReadLe<std::uint32_t>(link_info, 8).value_or(0);
    const std::uint32_t volume_offset = ReadLe<std::uint32_t>(link_info, 12).value_or(0);
    const std::uint32_t local_offset = ReadLe<std::uint32_t>(link_info, 16).value_or(0);
    const std::uint32_t network_offset = ReadLe<std::uint32_t>(link_info, 20).value_or(0);
    const std::uint32_t suffix_offset = ReadLe<std::uint32_t>(link_info, 24).value_or(0);
    constexpr std::uint32_t kUnicodeHeader = 0x24;
    const bool unicode = *header_size >= kUnicodeHeader;
    constexpr std::uint32_t kVolumeIdAndLocalBasePath = 0x1;
    constexpr std::uint32_t kCommonNetworkRelativeLink = 0x2;
    bool bad_offset = false;
    auto inside = [&](std::uint32_t at) {
      if (at != 0 && at < link_info.size()) return true;
      bad_offset = true;
      return false;
    };

    if ((flags & kVolumeIdAndLocalBasePath) != 0) {
      if (inside(volume_offset)) ParseVolumeId(SubSpan(link_info, volume_offset, link_info.size()));
      const std::uint32_t local_unicode = unicode ? ReadLe<std::uint32_t>(link_info, 28).value_or(0) : 0;
      if (local_unicode != 0 && inside(local_unicode)) {
        info().set_local_base_path(Utf16Z(link_info, local_unicode));
      } else if (inside(local_offset)) {
        info().set_local_base_path(AnsiZ(link_info, local_offset));
      }
    }
    if ((flags & kCommonNetworkRelativeLink) != 0 && inside(network_offset)) {
      ParseNetworkLink(SubSpan(link_info, network_offset, link_info.size()));
    }
    const std::uint32_t suffix_unicode = unicode ? ReadLe<std::uint32_t>(link_info, 32).value_or(0) : 0;
    if (suffix_unicode != 0 && suffix_unicode < link_info.size()) {
      info().set_common_path_suffix(Utf16Z(link_info, suffix_unicode));
    } else if (suffix_offset != 0 && suffix_offset < link_info.size()) {
      info().set_common_path_suffix(AnsiZ(link_info, suffix_offset));
    }
    if (bad_offset) {
      AddAnomaly("lnk_malformed_link_info", "LinkInfo at offset " + std::to_string(*offset) +
                                                " points outside itself");
    }
    *offset += *size;
    return true;
  }

  // VolumeID ([MS-SHLLINK] 2.3.1).
  void ParseVolumeId(ByteSpan volume) {
    const std::uint32_t size = ReadLe<std::uint32_t>(volume, 0).value_or(0);
    constexpr std::uint32_t kMinVolumeId = 0x10;
    if (size < kMinVolumeId) return;
    volume = SubSpan(volume, 0, size);
    auto* out = info().mutable_volume();
    out->set_drive_type(DriveTypeName(ReadLe<std::uint32_t>(volume, 4).value_or(0)));
    out->set_drive_serial_number(ReadLe<std::uint32_t>(volume, 8).value_or(0));
    const std::uint32_t label_offset = ReadLe<std::uint32_t>(volume, 12).value_or(0);
    constexpr std::uint32_t kUnicodeLabelMarker = 0x14;
    if (label_offset == kUnicodeLabelMarker) {
      out->set_volume_label(Utf16Z(volume, ReadLe<std::uint32_t>(volume, 16).value_or(0)));
    } else {
      out->set_volume_label(AnsiZ(volume, label_offset));
    }
  }

  // CommonNetworkRelativeLink ([MS-SHLLINK] 2.3.2).
  void ParseNetworkLink(ByteSpan link) {
    const std::uint32_t size = ReadLe<std::uint32_t>(link, 0).value_or(0);
    constexpr std::uint32_t kMinNetworkLink = 0x14;
    if (size < kMinNetworkLink) return;
    link = SubSpan(link, 0, size);
    const std::uint32_t flags = ReadLe<std::uint32_t>(link, 4).value_or(0);
    const std::uint32_t net_name = ReadLe<std::uint32_t>(link, 8).value_or(0);
    const std::uint32_t device_name = ReadLe<std::uint32_t>(link, 12).value_or(0);
    const bool unicode = net_name > kMinNetworkLink;
    const std::uint32_t net_name_unicode = unicode ? ReadLe<std::uint32_t>(link, 20).value_or(0) : 0;
    const std::uint32_t device_unicode = unicode ? ReadLe<std::uint32_t>(link, 24).value_or(0) : 0;
    info().set_network_share(net_name_unicode != 0 ? Utf16Z(link, net_name_unicode) : AnsiZ(link, net_name));
    constexpr std::uint32_t kValidDevice = 0x1;
    if ((flags & kValidDevice) != 0) {
      info().set_device_name(device_unicode != 0 ? Utf16Z(link, device_unicode) : AnsiZ(link, device_name));
    }
  }

  // StringData ([MS-SHLLINK] 2.4): a character count, then the characters.
  bool ParseStringData(std::uint32_t flags, std::size_t* offset) {
    const bool unicode = (flags & kIsUnicode) != 0;
    struct Field {
      std::uint32_t flag;
      const char* name;
      std::string* (LnkInfo::*target)();
    };
    const std::array<Field, 5> fields = {{
        {kHasName, "NAME_STRING", &LnkInfo::mutable_name},
        {kHasRelativePath, "RELATIVE_PATH", &LnkInfo::mutable_relative_path},
        {kHasWorkingDir, "WORKING_DIR", &LnkInfo::mutable_working_dir},
        {kHasArguments, "COMMAND_LINE_ARGUMENTS", &LnkInfo::mutable_arguments},
        {kHasIconLocation, "ICON_LOCATION", &LnkInfo::mutable_icon_location},
    }};
    for (const auto& field : fields) {
      if ((flags & field.flag) == 0) continue;
      const auto count = ReadLe<std::uint16_t>(data_, *offset);
      if (!count) {
        AddAnomaly("lnk_truncated", std::string("the file ends before ") + field.name);
        return false;
      }
      const std::size_t bytes = unicode ? 2u * *count : *count;
      const std::size_t start = *offset + 2;
      const bool truncated = bytes > data_.size() - start;
      std::string* target = (info().*field.target)();
      if (unicode) {
        *target = ReadUtf16Le(data_, start, *count);
      } else {
        const ByteSpan raw = SubSpan(data_, start, bytes);
        *target = Ansi(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
      }
      if (truncated) {
        AddAnomaly("lnk_truncated", std::string(field.name) + " of " + std::to_string(*count) +
                                        " characters runs past the end of the file");
        return false;
      }
      *offset = start + bytes;
    }
    return true;
  }

  // ExtraData ([MS-SHLLINK] 2.5): blocks of size and signature until a block smaller than 4.
  void ParseExtraData(std::size_t offset) {
    std::size_t blocks = 0;
    while (true) {
      const auto size = ReadLe<std::uint32_t>(data_, offset);
      if (!size) {
        // No TerminalBlock: Windows always writes one; a cut file or a hand-made one has none.
        AddAnomaly("lnk_truncated", "the file ends at offset " + std::to_string(offset) +
                                        " without the terminal extra data block");
        return;
      }
      constexpr std::uint32_t kTerminalBlockMax = 4;  // TerminalBlock: size below 4 ends the list
      if (*size < kTerminalBlockMax) {
        RecordAppendedData(offset + 4);
        return;
      }
      if (*size > data_.size() - offset || *size < 8) {
        AddAnomaly("lnk_malformed_extra_data", "extra data block of " + std::to_string(*size) +
                                                   " bytes at offset " + std::to_string(offset) +
                                                   " runs past the end of the file");
        return;
      }
      if (++blocks > limits_.max_extra_blocks) {
        AddAnomaly("lnk_item_limit", "more than " + std::to_string(limits_.max_extra_blocks) +
                                         " extra data blocks");
        return;
      }
      const std::uint32_t signature = ReadLe<std::uint32_t>(data_, offset + 4).value_or(0);
      info().add_extra_blocks(BlockName(signature));
      ParseBlock(signature, SubSpan(data_, offset, *size), offset);
      offset += *size;
    }
  }

  // A block whose fixed size [MS-SHLLINK] states; a shorter one is damage.
  bool CheckBlockSize(ByteSpan block, std::size_t expected, std::size_t offset, std::uint32_t signature) {
    if (block.size() >= expected) return true;
    AddAnomaly("lnk_malformed_extra_data", BlockName(signature) + " at offset " + std::to_string(offset) +
                                               " has " + std::to_string(block.size()) + " bytes, not " +
                                               std::to_string(expected));
    return false;
  }

  // The ANSI (260 bytes) and Unicode (520 bytes) target of environment, icon and Darwin blocks.
  std::string BlockTarget(ByteSpan block) {
    constexpr std::size_t kAnsi = 8;
    constexpr std::size_t kUnicode = 8 + 260;
    std::string unicode = Utf16Z(SubSpan(block, kUnicode, 520), 0);
    if (!unicode.empty()) return unicode;
    return AnsiZ(SubSpan(block, kAnsi, 260), 0);
  }

  void ParseBlock(std::uint32_t signature, ByteSpan block, std::size_t offset) {
    auto& lnk = info();
    switch (signature) {
      case kEnvironmentVariable:
        if (CheckBlockSize(block, 0x314, offset, signature)) lnk.set_environment_target(BlockTarget(block));
        break;
      case kIconEnvironment:
        if (CheckBlockSize(block, 0x314, offset, signature)) lnk.set_icon_environment_target(BlockTarget(block));
        break;
      case kDarwin:
        if (CheckBlockSize(block, 0x314, offset, signature)) lnk.set_darwin_id(BlockTarget(block));
        break;
      case kTracker: {
        if (!CheckBlockSize(block, 0x60, offset, signature)) break;
        auto* tracker = lnk.mutable_tracker();
        const ByteSpan machine = SubSpan(block, 16, 16);
        tracker->set_machine_id(TrimNuls(Ansi(std::string_view(reinterpret_cast<const char*>(machine.data()), machine.size()))));
        tracker->set_droid_volume_id(FormatGuid(block, 32));
        tracker->set_droid_file_id(FormatGuid(block, 48));
        tracker->set_birth_droid_volume_id(FormatGuid(block, 64));
        tracker->set_birth_droid_file_id(FormatGuid(block, 80));
        std::string mac;
        std::string time;
        if (DecodeUuidV1(block, 48, &mac, &time)) {
          tracker->set_mac_address(mac);
          tracker->set_droid_file_time(time);
        }
        if (DecodeUuidV1(block, 80, &mac, &time)) tracker->set_birth_mac_address(mac);
        break;
      }
      case kConsoleFe:
        if (CheckBlockSize(block, 0x0C, offset, signature)) {
          lnk.set_console_code_page(ReadLe<std::uint32_t>(block, 8).value_or(0));
        }
        break;
      case kConsole: {
        if (!CheckBlockSize(block, 0xCC, offset, signature)) break;
        auto* console = lnk.mutable_console();
        console->set_fill_attributes(ReadLe<std::uint16_t>(block, 8).value_or(0));
        console->set_screen_buffer_size_x(ReadLe<std::uint16_t>(block, 12).value_or(0));
        console->set_screen_buffer_size_y(ReadLe<std::uint16_t>(block, 14).value_or(0));
        console->set_window_size_x(ReadLe<std::uint16_t>(block, 16).value_or(0));
        console->set_window_size_y(ReadLe<std::uint16_t>(block, 18).value_or(0));
        console->set_face_name(Utf16Z(SubSpan(block, 44, 64), 0));
        console->set_history_buffer_size(ReadLe<std::uint32_t>(block, 128).value_or(0));
        break;
      }
      case kSpecialFolder:
        if (CheckBlockSize(block, 0x10, offset, signature)) {
          lnk.set_special_folder_id(ReadLe<std::uint32_t>(block, 8).value_or(0));
        }
        break;
      case kKnownFolder:
        if (CheckBlockSize(block, 0x1C, offset, signature)) lnk.set_known_folder_id(FormatGuid(block, 8));
        break;
      case kShim:
        lnk.set_shim_layer(ReadUtf16Le(block, 8, (block.size() - 8) / 2));
        lnk.set_shim_layer(TrimNuls(lnk.shim_layer()));
        break;
      case kVistaAndAboveIdList: {
        auto list = internal::DecodeIdList(SubSpan(block, 8, block.size() - 8), limits_.max_shell_items, code_page_);
        lnk.set_vista_id_list_path(list.path);
        if (list.malformed) {
          AddAnomaly("lnk_malformed_id_list", "VistaAndAboveIDListDataBlock at offset " + std::to_string(offset) +
                                                  " has an item that overruns it or no terminator");
        }
        break;
      }
      case kPropertyStore: {
        auto store = internal::DecodePropertyStore(SubSpan(block, 8, block.size() - 8),
                                                   limits_.max_properties, limits_.max_property_chars);
        for (auto& property : store.properties) *lnk.add_properties() = std::move(property);
        if (store.malformed) {
          AddAnomaly("lnk_malformed_extra_data", "PropertyStoreDataBlock at offset " + std::to_string(offset) +
                                                     " has a storage or value that overruns it");
        }
        if (store.limit_reached) {
          AddAnomaly("lnk_item_limit", "more than " + std::to_string(limits_.max_properties) +
                                           " property values");
        }
        break;
      }
      default:
        break;
    }
  }

  void RecordAppendedData(std::size_t offset) {
    if (offset >= data_.size()) return;
    const ByteSpan rest = data_.subspan(offset);
    info().set_appended_offset(offset);
    info().set_appended_size(rest.size());
    const bool all_zero = std::all_of(rest.begin(), rest.end(), [](std::uint8_t b) { return b == 0; });
    if (!all_zero) {
      AddAnomaly("lnk_appended_data", std::to_string(rest.size()) + " bytes after the terminal block at offset " +
                                          std::to_string(offset));
    }
  }

  LnkParse Finish() {
    auto& lnk = info();
    std::string local = lnk.local_base_path();
    if (!local.empty() && !lnk.common_path_suffix().empty()) {
      if (local.back() != '\\') local.push_back('\\');
      local += lnk.common_path_suffix();
    }
    std::string network = lnk.network_share();
    if (!network.empty() && !lnk.common_path_suffix().empty()) {
      if (network.back() != '\\') network.push_back('\\');
      network += lnk.common_path_suffix();
    }
    const std::array<const std::string*, 5> candidates = {
        &local, &network, &lnk.id_list_path(), &lnk.environment_target(), &lnk.relative_path()};
    for (const std::string* candidate : candidates) {
      if (!candidate->empty()) {
        lnk.set_target_path(*candidate);
        break;
      }
    }
    std::string command = lnk.target_path();
    if (command.find(' ') != std::string::npos) command = "\"" + command + "\"";
    if (!lnk.arguments().empty()) {
      if (!command.empty()) command.push_back(' ');
      command += lnk.arguments();
    }
    lnk.set_command_line(std::move(command));
    return std::move(result_);
  }

  ByteSpan data_;
  const LnkLimits& limits_;
  std::uint32_t code_page_;
  LnkParse result_;
};

}  // namespace

std::string FormatGuid(ByteSpan data, std::uint64_t offset) {
  if (offset > data.size() || data.size() - offset < 16) return {};
  char buffer[37];
  const auto at = static_cast<std::size_t>(offset);
  std::snprintf(buffer, sizeof buffer, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
                ReadLe<std::uint32_t>(data, at).value_or(0), ReadLe<std::uint16_t>(data, at + 4).value_or(0),
                ReadLe<std::uint16_t>(data, at + 6).value_or(0), data[at + 8], data[at + 9], data[at + 10],
                data[at + 11], data[at + 12], data[at + 13], data[at + 14], data[at + 15]);
  return buffer;
}

std::string DecodeAnsi(std::string_view bytes, std::uint32_t code_page, std::uint32_t* used) {
  const bool ascii = std::all_of(bytes.begin(), bytes.end(),
                                 [](char c) { return static_cast<std::uint8_t>(c) < 0x80; });
  if (used != nullptr) *used = 0;
  if (ascii) return std::string(bytes);
  constexpr std::uint32_t kShiftJis = 932;
  constexpr std::uint32_t kWindows1252 = 1252;
  if (code_page == kShiftJis || code_page == 0) {
    std::string text = strings::Cp932ToUtf8(bytes);
    // Cp932ToUtf8 writes U+FFFD for bytes that are not CP932: then the system was not Japanese.
    if (code_page == kShiftJis || text.find("\xEF\xBF\xBD") == std::string::npos) {
      if (used != nullptr) *used = kShiftJis;
      return text;
    }
  }
  if (used != nullptr) *used = kWindows1252;
  return Cp1252ToUtf8(bytes);
}

Result<LnkParse> ParseLnk(ByteSpan data, const LnkLimits& limits) {
  if (data.size() < kHeaderSize || !HasBytesAt(data, 0, kHeaderMagic)) {
    return InvalidArgumentError("not a Windows shortcut: no ShellLinkHeader (size 0x4C, CLSID 00021401-0000-0000-C000-000000000046)");
  }
  LnkParse parse = Parser(data, limits, 0).Parse();
  // A ConsoleFEDataBlock names the code page the shortcut's ANSI strings were written in; the
  // first pass guessed it, a second one uses it.
  const std::uint32_t console_code_page = parse.info.console_code_page();
  if (parse.info.ansi_code_page() != 0 && console_code_page != 0 &&
      console_code_page != parse.info.ansi_code_page()) {
    parse = Parser(data, limits, console_code_page).Parse();
  }
  return parse;
}

}  // namespace kensa::lnk
