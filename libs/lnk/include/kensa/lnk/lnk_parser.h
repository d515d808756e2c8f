#pragma once
// Kensa's own reader of Windows shortcut files ([MS-SHLLINK]) for hostile input: the header
// (flags, attributes, times, size, icon index, show command, hotkey), the LinkTargetIDList
// decoded to a path, LinkInfo (volume, local path, network share), StringData (name, relative
// path, working directory, arguments, icon location; Unicode or ANSI, ANSI decoded as CP932
// when it is valid Shift_JIS, as Japanese Windows writes it) and the ExtraData blocks
// (environment and icon targets, tracker with machine id and MAC address, special and known
// folders, console, property store, Vista ID list, shim, Darwin).
//
//   kensa::Result<kensa::lnk::LnkParse> lnk = kensa::lnk::ParseLnk(bytes);
//   if (lnk) { lnk->info.target_path(); lnk->info.arguments(); lnk->anomalies; }
//
// Only "this is not a shortcut" is an error. Everything odd about a shortcut is an anomaly with
// a stable code: lnk_truncated, lnk_malformed_id_list, lnk_malformed_link_info,
// lnk_malformed_extra_data, lnk_item_limit, lnk_appended_data (bytes after the terminal block,
// which a shortcut never needs: a payload the command line carves out of the file itself).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/analysis/v1/lnk.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::lnk {

struct LnkLimits {
  // Shell items decoded per ID list; Explorer paths are a few levels deep, 64 is generous.
  std::size_t max_shell_items = 64;
  // Extra data blocks read; Windows writes at most about ten kinds.
  std::size_t max_extra_blocks = 64;
  // Property values kept from property stores; a shortcut carries a handful.
  std::size_t max_properties = 64;
  // Characters kept of one property string value.
  std::size_t max_property_chars = 1024;
};

struct LnkParse {
  analysis::v1::LnkInfo info;
  std::vector<analysis::v1::Anomaly> anomalies;
};

// Parses a shortcut. InvalidArgument when `data` has no ShellLinkHeader (size 0x4C and the
// shell link CLSID); a damaged shortcut parses as far as it goes and says so in anomalies.
Result<LnkParse> ParseLnk(ByteSpan data, const LnkLimits& limits = {});

// A GUID as stored on disk (Data1..3 little-endian) as "20d04fe0-3aea-1069-a2d8-08002b30309d";
// "" when fewer than 16 bytes are available at `offset`.
std::string FormatGuid(ByteSpan data, std::uint64_t offset);

// Text in the system's ANSI code page as UTF-8. `code_page` 932 decodes Shift_JIS; 0 means
// unknown: ASCII stays ASCII, bytes that form valid CP932 decode as CP932 (a Japanese system),
// anything else as Windows-1252. `*used` (optional) receives the code page chosen (0 for
// pure ASCII).
std::string DecodeAnsi(std::string_view bytes, std::uint32_t code_page, std::uint32_t* used = nullptr);

}  // namespace kensa::lnk
