#include "kensa/hunt/registry_tables.h"

#include <algorithm>
#include <cstdio>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>

#include "kensa/core/bytes.h"
#include "kensa/core/time.h"
#include "kensa/regf/appcompat_cache.h"
#include "kensa/regf/hive.h"
#include "kensa/regf/recent_file_cache.h"
#include "kensa/regf/transaction_log.h"
#include "tsv_row.h"

namespace kensa::hunt {
namespace {

using regf::Hive;
using regf::Key;

// A row cap per table, as the collector has: enough for any real host, bounded for a crafted hive.
constexpr std::size_t kMaxRows = 20000;

enum class HiveKind { kSoftware, kSystem, kUser, kAmcache };

std::optional<HiveKind> KindOf(const std::string& path) {
  const std::string lower = AsciiLower(path);
  if (lower.ends_with("/windows/system32/config/software")) return HiveKind::kSoftware;
  if (lower.ends_with("/windows/system32/config/system")) return HiveKind::kSystem;
  if (lower.ends_with("/ntuser.dat")) return HiveKind::kUser;
  if (lower.ends_with("/windows/appcompat/programs/amcache.hve")) return HiveKind::kAmcache;
  return std::nullopt;
}

// The user a NTUSER.DAT belongs to: the profile folder (files/C/Users/<name>/NTUSER.DAT) or
// the SID folder of a loaded hive without a profile (files/HKEY_USERS/<SID>/NTUSER.DAT).
std::string UserOf(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return "?";
  const auto before = path.rfind('/', slash - 1);
  return path.substr(before == std::string::npos ? 0 : before + 1, slash - (before == std::string::npos ? 0 : before + 1));
}

struct Table {
  std::string text;
  std::size_t rows = 0;
  void Add(const std::vector<std::string>& fields) {
    if (rows >= kMaxRows) return;
    ++rows;
    internal::AppendTsvRow(&text, fields);
  }
};

// Where Windows starts programs from, as the collector reads them (collectors/windows/src/autoruns.c).
enum class Read { kAllValues, kNamedValue, kSubkeyValue };
struct Location {
  const char* category;
  const char* subkey;
  Read read;
  const char* value;
};

constexpr Location kSoftwareLocations[] = {
    {"run", "Microsoft\\Windows\\CurrentVersion\\Run", Read::kAllValues, nullptr},
    {"runonce", "Microsoft\\Windows\\CurrentVersion\\RunOnce", Read::kAllValues, nullptr},
    {"policies_run", "Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run", Read::kAllValues, nullptr},
    {"winlogon", "Microsoft\\Windows NT\\CurrentVersion\\Winlogon", Read::kNamedValue, "Shell"},
    {"winlogon", "Microsoft\\Windows NT\\CurrentVersion\\Winlogon", Read::kNamedValue, "Userinit"},
    {"winlogon_notify", "Microsoft\\Windows NT\\CurrentVersion\\Winlogon\\Notify", Read::kSubkeyValue, "DLLName"},
    {"ifeo_debugger", "Microsoft\\Windows NT\\CurrentVersion\\Image File Execution Options", Read::kSubkeyValue,
     "Debugger"},
    {"silent_process_exit", "Microsoft\\Windows NT\\CurrentVersion\\SilentProcessExit", Read::kSubkeyValue,
     "MonitorProcess"},
    {"appinit_dlls", "Microsoft\\Windows NT\\CurrentVersion\\Windows", Read::kNamedValue, "AppInit_DLLs"},
    {"active_setup", "Microsoft\\Active Setup\\Installed Components", Read::kSubkeyValue, "StubPath"},
    {"command_processor", "Microsoft\\Command Processor", Read::kNamedValue, "AutoRun"},
};

constexpr Location kUserLocations[] = {
    {"run", "Software\\Microsoft\\Windows\\CurrentVersion\\Run", Read::kAllValues, nullptr},
    {"runonce", "Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce", Read::kAllValues, nullptr},
    {"policies_run", "Software\\Microsoft\\Windows\\CurrentVersion\\Policies\\Explorer\\Run", Read::kAllValues,
     nullptr},
    {"winlogon", "Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon", Read::kNamedValue, "Shell"},
    {"windows_load", "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows", Read::kNamedValue, "Load"},
    {"windows_load", "Software\\Microsoft\\Windows NT\\CurrentVersion\\Windows", Read::kNamedValue, "Run"},
    {"command_processor", "Software\\Microsoft\\Command Processor", Read::kNamedValue, "AutoRun"},
};

void AddValueRow(Table* table, const char* category, const std::string& location, const std::string& entry,
                 const regf::Value& value, const Key& key) {
  table->Add({category, location, entry.empty() ? "(Default)" : entry, regf::ValueText(value),
              FormatFiletime(key.last_written)});
}

void ReadLocation(const Hive& hive, const Location& where, const std::string& root_name, const std::string& subkey,
                  Table* table) {
  const auto key = hive.Find(subkey);
  if (!key) return;
  const std::string location = root_name + "\\" + subkey;
  switch (where.read) {
    case Read::kAllValues:
      for (const auto& value : hive.Values(*key)) AddValueRow(table, where.category, location, value.name, value, *key);
      break;
    case Read::kNamedValue:
      if (const auto value = hive.GetValue(*key, where.value)) {
        AddValueRow(table, where.category, location, value->name, *value, *key);
      }
      break;
    case Read::kSubkeyValue:
      for (const Key& child : hive.Subkeys(*key)) {
        if (const auto value = hive.GetValue(child, where.value)) {
          AddValueRow(table, where.category, location, child.name + "\\" + value->name, *value, child);
        }
      }
      break;
  }
}

// The control set Windows boots with: SYSTEM\Select\Current names ControlSet00N.
std::string CurrentControlSet(const Hive& hive) {
  if (const auto select = hive.Find("Select")) {
    if (const auto current = hive.GetValue(*select, "Current")) {
      if (const auto number = regf::ValueNumber(*current); number && *number < 1000) {
        char name[32];
        std::snprintf(name, sizeof name, "ControlSet%03u", static_cast<unsigned>(*number));
        if (hive.Find(name)) return name;
      }
    }
  }
  return hive.Find("ControlSet001") ? "ControlSet001" : "CurrentControlSet";
}

std::string ServiceTypeName(std::uint64_t type) {
  switch (type & ~std::uint64_t{0x100}) {  // SERVICE_INTERACTIVE_PROCESS
    case 0x1: return "kernel_driver";
    case 0x2: return "file_system_driver";
    case 0x10: return "own_process";
    case 0x20: return "share_process";
    case 0x50: return "user_own_process";
    case 0x60: return "user_share_process";
    default: return type == 0 ? "" : HexNumber(type);
  }
}

std::string StartTypeName(std::optional<std::uint64_t> start) {
  static constexpr const char* kNames[] = {"boot", "system", "auto", "demand", "disabled"};
  if (!start) return "";
  return *start < 5 ? kNames[*start] : std::to_string(*start);
}

std::string StringValue(const Hive& hive, const Key& key, const char* name) {
  const auto value = hive.GetValue(key, name);
  return value ? regf::ValueText(*value) : "";
}

// The file name at the end of a Windows path.
std::string BaseName(const std::string& path) {
  const auto slash = path.find_last_of("\\/");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The Shimcache of every control set, the current one first; an entry another control set
// already gave (same path and time) is not repeated.
void ReadShimcache(const Hive& hive, const std::string& hive_path, Table* shimcache,
                   std::vector<std::string>* problems) {
  std::vector<std::string> control_sets = {CurrentControlSet(hive)};
  for (const Key& child : hive.Subkeys(hive.root())) {
    if (AsciiLower(child.name).rfind("controlset", 0) == 0 && child.name != control_sets.front()) {
      control_sets.push_back(child.name);
    }
  }
  std::set<std::pair<std::string, std::uint64_t>> seen;
  for (const std::string& control_set : control_sets) {
    // Server 2003 and later; XP keeps it under AppCompatibility.
    for (const char* key_name : {"AppCompatCache", "AppCompatibility"}) {
      const auto key = hive.Find(control_set + "\\Control\\Session Manager\\" + key_name);
      if (!key) continue;
      const auto value = hive.GetValue(*key, "AppCompatCache");
      if (!value) continue;
      auto cache = regf::ParseAppCompatCache(value->data);
      const std::string where = hive_path + " " + control_set + "\\" + key_name;
      if (!cache) {
        problems->push_back(where + ": " + cache.error().message());
        continue;
      }
      for (const auto& problem : cache->problems) problems->push_back(where + ": " + problem);
      for (std::size_t position = 0; position < cache->entries.size(); ++position) {
        const regf::AppCompatEntry& entry = cache->entries[position];
        if (!seen.insert({entry.path, entry.last_modified}).second) continue;
        const std::string executed = !entry.executed ? "" : *entry.executed ? "yes" : "no";
        shimcache->Add({FormatFiletime(entry.last_modified), BaseName(entry.path), entry.path, executed,
                        std::to_string(position), control_set, cache->layout});
      }
    }
  }
}

// "06/18/2022 04:26:40" (Amcache's LinkDate) as RFC 3339; other text as it is.
std::string AmcacheLinkDate(const std::string& text) {
  int month = 0, day = 0, year = 0, hour = 0, minute = 0, second = 0;
  if (std::sscanf(text.c_str(), "%2d/%2d/%4d %2d:%2d:%2d", &month, &day, &year, &hour, &minute, &second) != 6) {
    return text;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02dZ", year, month, day, hour, minute, second);
  return buffer;
}

// Amcache's FileId and the old layout's SHA-1 value are "0000" and the file's SHA-1.
std::string AmcacheSha1(std::string text) {
  text = AsciiLower(text);
  if (text.size() == 44 && text.rfind("0000", 0) == 0) text.erase(0, 4);
  return text.size() == 40 && text.find_first_not_of("0123456789abcdef") == std::string::npos ? text : "";
}

// Amcache.hve: files Windows inventoried when they ran or were installed. Windows 10 1709 and
// later keep them under Root\InventoryApplicationFile with named values; Windows 8 to 10 1703
// under Root\File\<volume>\<file id> with numbered ones (0 product, 1 publisher, 5 version,
// 6 size, f link time, 15 path, 101 SHA-1). The key's time is when the entry was written.
void ReadAmcache(const Hive& hive, const std::string& hive_path, Table* amcache) {
  if (const auto files = hive.Find("Root\\InventoryApplicationFile")) {
    for (const Key& file : hive.Subkeys(*files)) {
      const std::string path = StringValue(hive, file, "LowerCaseLongPath");
      std::string name = StringValue(hive, file, "Name");
      if (name.empty()) name = BaseName(path);
      amcache->Add({FormatFiletime(file.last_written), name, path, AmcacheSha1(StringValue(hive, file, "FileId")),
                    StringValue(hive, file, "Size"), AmcacheLinkDate(StringValue(hive, file, "LinkDate")),
                    StringValue(hive, file, "Publisher"), StringValue(hive, file, "ProductName"),
                    StringValue(hive, file, "Version"), hive_path});
    }
  }
  if (const auto volumes = hive.Find("Root\\File")) {
    for (const Key& volume : hive.Subkeys(*volumes)) {
      for (const Key& file : hive.Subkeys(volume)) {
        const std::string path = StringValue(hive, file, "15");
        std::string link_date;
        if (const auto value = hive.GetValue(file, "f")) {
          if (const auto seconds = regf::ValueNumber(*value)) link_date = FormatRfc3339(static_cast<std::int64_t>(*seconds));
        }
        amcache->Add({FormatFiletime(file.last_written), BaseName(path), path,
                      AmcacheSha1(StringValue(hive, file, "101")), StringValue(hive, file, "6"), link_date,
                      StringValue(hive, file, "1"), StringValue(hive, file, "0"), StringValue(hive, file, "5"),
                      hive_path});
      }
    }
  }
}

// Windows 7's predecessor of Amcache: program paths only, as rows of the Amcache table.
void ReadRecentFileCache(const collection::Collection& collection, const std::string& path, Table* amcache,
                         std::vector<std::string>* problems) {
  auto bytes = collection.Read(path);
  if (!bytes) {
    problems->push_back(path + ": " + bytes.error().message());
    return;
  }
  auto cache = regf::ParseRecentFileCache(*bytes);
  if (!cache) {
    problems->push_back(path + ": " + cache.error().message());
    return;
  }
  for (const auto& problem : cache->problems) problems->push_back(path + ": " + problem);
  for (const std::string& program : cache->paths) {
    amcache->Add({"", BaseName(program), program, "", "", "", "", "", "", path});
  }
}

void ReadSystem(const Hive& hive, Table* autoruns, Table* services) {
  const std::string control_set = CurrentControlSet(hive);
  const std::string session_manager = control_set + "\\Control\\Session Manager";
  for (const char* name : {"BootExecute", "SetupExecute", "Execute"}) {
    ReadLocation(hive, {"session_manager", session_manager.c_str(), Read::kNamedValue, name}, "HKLM\\SYSTEM",
                 session_manager, autoruns);
  }
  const std::string services_path = control_set + "\\Services";
  const auto services_key = hive.Find(services_path);
  if (!services_key) return;
  const std::string location = "HKLM\\SYSTEM\\" + services_path;
  for (const Key& service : hive.Subkeys(*services_key)) {
    const auto start = [&]() -> std::optional<std::uint64_t> {
      const auto value = hive.GetValue(service, "Start");
      return value ? regf::ValueNumber(*value) : std::nullopt;
    }();
    const auto type_value = hive.GetValue(service, "Type");
    const std::uint64_t type = type_value ? regf::ValueNumber(*type_value).value_or(0) : 0;
    const std::string image_path = StringValue(hive, service, "ImagePath");
    std::string service_dll;
    std::optional<Key> parameters;
    for (const Key& child : hive.Subkeys(service)) {
      if (AsciiLower(child.name) == "parameters") parameters = child;
    }
    if (parameters) service_dll = StringValue(hive, *parameters, "ServiceDll");
    // Keys without a type or image are settings (e.g. event log sources), not services.
    if (type == 0 && image_path.empty()) continue;
    services->Add({service.name, StringValue(hive, service, "DisplayName"), ServiceTypeName(type), StartTypeName(start),
                   "", "", image_path, StringValue(hive, service, "ObjectName"), service_dll,
                   "from the SYSTEM hive; key written " + FormatFiletime(service.last_written)});
    // Services that start by themselves (boot, system, automatic) are autostart entries.
    if (start && *start <= 2) {
      if (const auto value = hive.GetValue(service, "ImagePath")) {
        AddValueRow(autoruns, "service", location, service.name + "\\ImagePath", *value, service);
      }
      if (parameters) {
        if (const auto value = hive.GetValue(*parameters, "ServiceDll")) {
          AddValueRow(autoruns, "service", location, service.name + "\\Parameters\\ServiceDll", *value, *parameters);
        }
      }
    }
  }
}

// Replays the transaction logs collected beside a dirty hive (HIVE.LOG1 and HIVE.LOG2, or
// HIVE.LOG), so that the tables hold what Windows itself would read; returns what the report
// says about it ("" when the hive was clean or no log was collected).
std::string ReplayCollectedLogs(const collection::Collection& collection,
                                const std::unordered_map<std::string, std::string>& path_by_lower,
                                const std::string& path, Bytes* hive, std::vector<std::string>* problems) {
  std::vector<Bytes> logs;
  std::vector<std::string> names;
  for (const char* suffix : {".log1", ".log2", ".log"}) {
    auto it = path_by_lower.find(AsciiLower(path) + suffix);
    if (it == path_by_lower.end()) continue;
    auto bytes = collection.Read(it->second);
    if (!bytes) {
      problems->push_back(it->second + ": " + bytes.error().message());
      continue;
    }
    logs.push_back(std::move(*bytes));
    names.push_back(it->second.substr(it->second.rfind('/') + 1));
  }
  if (logs.empty()) return "";
  const regf::LogReplay replay = regf::ReplayTransactionLogs(*hive, std::vector<ByteSpan>(logs.begin(), logs.end()));
  for (const auto& note : replay.notes) problems->push_back(path + ": transaction logs: " + note);
  if (!replay.applied()) return "";
  std::string used;
  for (const auto& name : names) used += (used.empty() ? "" : ", ") + name;
  return " (+ " + std::to_string(replay.entries_applied) + " log " +
         (replay.entries_applied == 1 ? "entry" : "entries") + ", " + std::to_string(replay.pages_applied) +
         " pages replayed from " + used + (replay.base_block_recovered ? "; base block rebuilt" : "") + ")";
}

}  // namespace

RegistryTables DeriveRegistryTables(const collection::Collection& collection) {
  RegistryTables tables;
  Table autoruns;
  Table services;
  Table shimcache;
  Table amcache;
  std::unordered_map<std::string, std::string> path_by_lower;
  for (const std::string& path : collection.Paths()) path_by_lower.emplace(AsciiLower(path), path);
  for (const std::string& path : collection.Paths()) {
    if (AsciiLower(path).ends_with("/windows/appcompat/programs/recentfilecache.bcf")) {
      ReadRecentFileCache(collection, path, &amcache, &tables.problems);
      continue;
    }
    const auto kind = KindOf(path);
    if (!kind) continue;
    auto bytes = collection.Read(path);
    if (!bytes) {
      tables.problems.push_back(path + ": " + bytes.error().message());
      continue;
    }
    const std::string replayed = ReplayCollectedLogs(collection, path_by_lower, path, &*bytes, &tables.problems);
    auto hive = Hive::Open(std::move(*bytes));
    if (!hive) {
      tables.problems.push_back(path + ": " + hive.error().message());
      continue;
    }
    tables.hives_read.push_back(path + replayed);
    for (const auto& problem : hive->problems()) tables.problems.push_back(path + ": " + problem);
    switch (*kind) {
      case HiveKind::kSoftware:
        for (const Location& where : kSoftwareLocations) {
          ReadLocation(*hive, where, "HKLM\\SOFTWARE", where.subkey, &autoruns);
          // 32-bit programs register under Wow6432Node on 64-bit Windows.
          ReadLocation(*hive, where, "HKLM\\SOFTWARE", std::string("Wow6432Node\\") + where.subkey, &autoruns);
        }
        break;
      case HiveKind::kUser:
        for (const Location& where : kUserLocations) {
          ReadLocation(*hive, where, "HKU\\" + UserOf(path), where.subkey, &autoruns);
        }
        break;
      case HiveKind::kSystem:
        ReadSystem(*hive, &autoruns, &services);
        ReadShimcache(*hive, path, &shimcache, &tables.problems);
        break;
      case HiveKind::kAmcache:
        ReadAmcache(*hive, path, &amcache);
        break;
    }
  }
  if (autoruns.rows > 0) tables.autoruns_tsv = "category\tlocation\tentry\tdata\tkey_modified\n" + autoruns.text;
  if (services.rows > 0) {
    tables.services_tsv =
        "name\tdisplay_name\ttype\tstart_type\tstate\tpid\timage_path\taccount\tservice_dll\tnotes\n" + services.text;
  }
  if (shimcache.rows > 0) {
    tables.shimcache_tsv = "last_modified\texecutable\tpath\texecuted\tposition\tcontrol_set\tlayout\n" + shimcache.text;
  }
  if (amcache.rows > 0) {
    tables.amcache_tsv =
        "key_written\texecutable\tpath\tsha1\tsize\tlink_date\tpublisher\tproduct\tversion\tamcache_file\n" +
        amcache.text;
  }
  return tables;
}

std::vector<std::string> AddRegistryTables(collection::Collection* collection) {
  RegistryTables tables = DeriveRegistryTables(*collection);
  std::string sources;
  for (const auto& path : tables.hives_read) sources += (sources.empty() ? "" : ", ") + path;
  if (!tables.autoruns_tsv.empty()) {
    collection->AddDerivedItem("derived/autoruns.tsv", "autoruns", "registry hives: " + sources,
                               Bytes(tables.autoruns_tsv.begin(), tables.autoruns_tsv.end()));
  }
  if (!tables.services_tsv.empty()) {
    collection->AddDerivedItem("derived/services.tsv", "services", "registry hives: " + sources,
                               Bytes(tables.services_tsv.begin(), tables.services_tsv.end()));
  }
  if (!tables.shimcache_tsv.empty()) {
    collection->AddDerivedItem("derived/shimcache.tsv", "shimcache", "AppCompatCache in SYSTEM hives: " + sources,
                               Bytes(tables.shimcache_tsv.begin(), tables.shimcache_tsv.end()));
  }
  if (!tables.amcache_tsv.empty()) {
    collection->AddDerivedItem("derived/amcache.tsv", "amcache", "Amcache hives: " + sources,
                               Bytes(tables.amcache_tsv.begin(), tables.amcache_tsv.end()));
  }
  return tables.problems;
}

}  // namespace kensa::hunt
