#include "kensa/hunt/shortcut_table.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <string_view>

#include "kensa/core/bytes.h"
#include "kensa/lnk/dest_list.h"
#include "kensa/lnk/lnk_parser.h"
#include "kensa/ole/compound_file.h"
#include "tsv_row.h"

namespace kensa::hunt {
namespace {

// A user profile keeps a few hundred Recent items and jump lists; more is not a profile.
constexpr std::size_t kMaxShortcutFiles = 20000;
// Rows kept in all: jump lists hold up to a few thousand entries per application.
constexpr std::size_t kMaxRows = 50000;
// A jump list above this is not one (Windows keeps them to a few MB).
constexpr std::uint64_t kMaxJumpListBytes = 64ull << 20;
// Shortcuts carved from one CustomDestinations file.
constexpr std::size_t kMaxShortcutsPerFile = 2000;

// The shell link header: HeaderSize 0x4C, then CLSID 00021401-0000-0000-C000-000000000046.
constexpr std::uint8_t kLnkHeader[] = {0x4C, 0x00, 0x00, 0x00, 0x01, 0x14, 0x02, 0x00, 0x00, 0x00,
                                       0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

// What kind of shortcut file `path` is, by where Windows keeps it; nullopt for other files.
std::optional<std::string> SourceOf(const std::string& path) {
  const std::string lower = AsciiLower(path);
  if (lower.find("/automaticdestinations/") != std::string::npos && lower.ends_with(".automaticdestinations-ms")) {
    return "jumplist";
  }
  if (lower.find("/customdestinations/") != std::string::npos && lower.ends_with(".customdestinations-ms")) {
    return "jumplist_custom";
  }
  if (!lower.ends_with(".lnk")) return std::nullopt;
  if (lower.find("/start menu/programs/startup/") != std::string::npos) return "startup";
  if (lower.find("/microsoft/windows/recent/") != std::string::npos) return "recent";
  if (lower.find("/desktop/") != std::string::npos) return "desktop";
  if (lower.find("/downloads/") != std::string::npos) return "downloads";
  return "shortcut";
}

// The profile a path is in: files/C/Users/<name>/..., or "" outside the profiles.
std::string UserOf(const std::string& path) {
  const std::string lower = AsciiLower(path);
  const auto users = lower.find("/users/");
  if (users == std::string::npos) return "";
  const auto start = users + 7;
  const auto end = path.find('/', start);
  return path.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// `carved`: the shortcut was cut out of a larger file up to where the next one starts, so the
// bytes after its end are the file's own structure, not appended data.
// `used`: the jump list's DestList entry of this shortcut, when it has one.
void AddRow(ShortcutTable* table, std::string* rows, const std::string& source, const std::string& user,
            const std::string& location, ByteSpan bytes, bool carved = false,
            const lnk::DestListEntry* used = nullptr) {
  if (table->shortcuts >= kMaxRows) return;
  auto lnk = lnk::ParseLnk(bytes);
  if (!lnk) {
    table->problems.push_back(location + ": " + lnk.error().message());
    return;
  }
  const analysis::v1::LnkInfo& info = lnk->info;
  std::string anomalies;
  for (const auto& anomaly : lnk->anomalies) {
    if (carved && anomaly.code() == "lnk_appended_data") continue;
    anomalies += (anomalies.empty() ? "" : ",") + anomaly.code();
  }
  char serial[16] = "";
  if (info.has_volume() && info.volume().drive_serial_number() != 0) {
    std::snprintf(serial, sizeof serial, "%08X", info.volume().drive_serial_number());
  }
  ++table->shortcuts;
  // When the user opened it: the jump list's own record of the last use, else the target's last
  // access as the shortcut recorded it.
  const std::string time = used != nullptr && !used->last_used.empty() ? used->last_used : info.access_time();
  internal::AppendTsvRow(rows, {time, info.access_time(), source, user, info.target_path(), info.arguments(),
                                info.command_line(), info.working_dir(), info.creation_time(), info.write_time(),
                                info.file_size() ? std::to_string(info.file_size()) : "",
                                info.has_volume() ? info.volume().drive_type() : "", serial,
                                info.has_volume() ? info.volume().volume_label() : "", info.network_share(),
                                info.tracker().machine_id(), info.tracker().mac_address(), anomalies, location,
                                used != nullptr ? used->last_used : "",
                                used != nullptr ? (used->pinned ? "yes" : "no") : "",
                                used != nullptr && used->interaction_count > 0 ? std::to_string(used->interaction_count) : "",
                                used != nullptr ? used->host : ""});
}

// AutomaticDestinations: every stream but DestList is a shortcut, named by its entry number.
void ReadAutomaticDestinations(ShortcutTable* table, std::string* rows, const std::string& path,
                               const std::string& user, ByteSpan bytes) {
  auto file = ole::CompoundFile::Open(bytes);
  if (!file) {
    table->problems.push_back(path + ": not a jump list (" + file.error().message() + ")");
    return;
  }
  std::vector<analysis::v1::Anomaly> anomalies(file->anomalies().begin(), file->anomalies().end());
  // DestList: per entry number, when the application last opened it, pins, counts and host.
  std::map<std::uint32_t, lnk::DestListEntry> used;
  for (const auto& entry : file->entries()) {
    if (entry.type != ole::EntryType::kStream || AsciiLower(entry.name) != "destlist") continue;
    auto stream = file->ReadEntry(entry, &anomalies);
    auto list = stream ? lnk::ParseDestList(*stream) : Result<lnk::DestList>(stream.error());
    if (!list) {
      table->problems.push_back(path + "#DestList: " + list.error().message());
      continue;
    }
    if (list->truncated) table->problems.push_back(path + "#DestList: cut inside an entry; the entries before it were read");
    for (auto& destination : list->entries) used.emplace(destination.entry_number, std::move(destination));
  }
  for (const auto& entry : file->entries()) {
    if (entry.type != ole::EntryType::kStream || AsciiLower(entry.name) == "destlist") continue;
    auto stream = file->ReadEntry(entry, &anomalies);
    if (!stream) {
      table->problems.push_back(path + "#" + entry.name + ": " + stream.error().message());
      continue;
    }
    // Shortcut streams are named by their DestList entry number in hex ("1a").
    const lnk::DestListEntry* destination = nullptr;
    char* parsed_end = nullptr;
    const unsigned long number = std::strtoul(entry.name.c_str(), &parsed_end, 16);
    if (!entry.name.empty() && parsed_end != nullptr && *parsed_end == '\0') {
      if (auto it = used.find(static_cast<std::uint32_t>(number)); it != used.end()) destination = &it->second;
    }
    AddRow(table, rows, "jumplist", user, path + "#" + entry.name, *stream, false, destination);
  }
  if (!anomalies.empty()) {
    std::string codes;
    for (const auto& anomaly : anomalies) codes += (codes.empty() ? "" : ", ") + anomaly.code();
    table->problems.push_back(path + ": the jump list is damaged (" + codes + "); its entries were read as far as they go");
  }
}

// CustomDestinations: categories of shortcuts written one after another, each starting with the
// shell link header; the shortcuts are cut where the next header starts.
void ReadCustomDestinations(ShortcutTable* table, std::string* rows, const std::string& path,
                            const std::string& user, ByteSpan bytes) {
  std::vector<std::size_t> starts;
  const auto* begin = bytes.data();
  const auto* end = bytes.data() + bytes.size();
  for (const auto* at = begin; starts.size() < kMaxShortcutsPerFile;) {
    at = std::search(at, end, std::begin(kLnkHeader), std::end(kLnkHeader));
    if (at == end) break;
    starts.push_back(static_cast<std::size_t>(at - begin));
    at += sizeof kLnkHeader;
  }
  if (starts.empty()) {
    table->problems.push_back(path + ": no shortcut in the jump list");
    return;
  }
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t stop = i + 1 < starts.size() ? starts[i + 1] : bytes.size();
    AddRow(table, rows, "jumplist_custom", user, path + "@" + std::to_string(starts[i]),
           bytes.subspan(starts[i], stop - starts[i]), /*carved=*/true);
  }
}

}  // namespace

ShortcutTable DeriveShortcutTable(const collection::Collection& collection) {
  ShortcutTable table;
  std::string rows;
  for (const std::string& path : collection.Paths()) {
    const auto source = SourceOf(path);
    if (!source) continue;
    if (table.files_read >= kMaxShortcutFiles) {
      table.problems.push_back("more shortcut files than " + std::to_string(kMaxShortcutFiles) +
                               "; the rest are not read");
      break;
    }
    auto bytes = collection.Read(path);
    if (!bytes) {
      table.problems.push_back(path + ": " + bytes.error().message());
      continue;
    }
    if (bytes->size() > kMaxJumpListBytes) {
      table.problems.push_back(path + ": " + std::to_string(bytes->size()) + " bytes, too large to be a shortcut");
      continue;
    }
    ++table.files_read;
    const std::string user = UserOf(path);
    if (*source == "jumplist") {
      ReadAutomaticDestinations(&table, &rows, path, user, *bytes);
    } else if (*source == "jumplist_custom") {
      ReadCustomDestinations(&table, &rows, path, user, *bytes);
    } else {
      AddRow(&table, &rows, *source, user, path, *bytes);
    }
  }
  if (table.shortcuts >= kMaxRows) {
    table.problems.push_back("more shortcuts than " + std::to_string(kMaxRows) + "; the rest are not listed");
  }
  if (!rows.empty()) {
    table.tsv =
        "time\ttarget_accessed\tsource\tuser\ttarget_path\targuments\tcommand_line\tworking_dir\ttarget_created\t"
        "target_modified\ttarget_size\tdrive_type\tvolume_serial\tvolume_label\tnetwork_share\tmachine_id\t"
        "mac_address\tanomalies\tshortcut\tjumplist_last_used\tjumplist_pinned\tjumplist_uses\tjumplist_host\n" +
        rows;
  }
  return table;
}

std::vector<std::string> AddShortcutTable(collection::Collection* collection) {
  ShortcutTable table = DeriveShortcutTable(*collection);
  if (!table.tsv.empty()) {
    collection->AddDerivedItem("derived/shortcuts.tsv", "shortcuts",
                               "shortcut files: " + std::to_string(table.files_read) + " read, " +
                                   std::to_string(table.shortcuts) + " shortcuts",
                               Bytes(table.tsv.begin(), table.tsv.end()));
  }
  return table.problems;
}

}  // namespace kensa::hunt
