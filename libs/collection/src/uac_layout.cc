// UAC (Unix-like Artifacts Collector, tclahr/uac) archives: uac-<host>-<os>-<time>.tar.gz.
// Layout (UAC 3.x, checked against a real run of UAC 3.3.0 with a small profile):
//
//   uac.log                 "<date> <time> <zone> INF <message>": Hostname, Operating system,
//                           System architecture, Time zone, the UAC version on the first line
//   [root]/<path>           copies of files from the mount point ("[root]/etc/passwd")
//   live_response/<area>/   command outputs: process/ (ps_*.txt, running_processes_full_paths.txt
//                           = `ls -l /proc/[0-9]*/exe`, proc/<pid>/{status,cmdline}.txt,
//                           hash_running_processes.{md5,sha1}), network/ (ss_*.txt,
//                           netstat_*.txt), system/ (uname, lsmod.txt...)
//   bodyfile/bodyfile.txt   "md5|path|inode|mode|uid|gid|size|atime|mtime|ctime|crtime"
//
// UAC hashes no file it copies, so every item is unverified. Kensa's Linux checks read
// commands/proc_exe.txt, commands/modules.txt and commands/suid.txt; those are built here from
// UAC's outputs with the collector's columns. What UAC does not record stays empty: the sha256
// of process executables (UAC hashes them with MD5 and SHA-1 only) and the `elf` column of
// recent executables (no table is built: the bodyfile does not say which files are ELF).
#include <algorithm>
#include <map>
#include <regex>

#include "foreign_layout.h"
#include "kensa/core/time.h"

namespace kensa::collection::foreign {
namespace {

// Processes read from UAC's listings; /proc holds at most pid_max (4,194,304) entries, a real
// host a few thousand.
constexpr std::size_t kMaxProcesses = 100'000;
// Bodyfile lines read for SUID programs: one per file on the mounted file systems.
constexpr std::size_t kMaxBodyfileLines = 20'000'000;

std::string Text(const ReadStored& read, const std::string& stored) {
  auto bytes = read(stored);
  return bytes ? std::string(bytes->begin(), bytes->end()) : std::string();
}

std::vector<std::string> Lines(const std::string& text) {
  auto lines = Split(text, '\n');
  for (auto& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  return lines;
}

// "2026-11-26 16:38:17 +0000" → "2026-11-26T16:38:17Z" (with the zone offset applied).
std::string UacTime(const std::string& line) {
  static const std::regex kTime(R"(^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2}))");
  std::smatch m;
  if (!std::regex_search(line, m, kTime)) return {};
  std::tm tm{};
  tm.tm_year = std::stoi(m[1].str()) - 1900;
  tm.tm_mon = std::stoi(m[2].str()) - 1;
  tm.tm_mday = std::stoi(m[3].str());
  tm.tm_hour = std::stoi(m[4].str());
  tm.tm_min = std::stoi(m[5].str());
  tm.tm_sec = std::stoi(m[6].str());
  const std::int64_t offset = (std::stoi(m[8].str()) * 3600 + std::stoi(m[9].str()) * 60) * (m[7].str() == "-" ? -1 : 1);
  return FormatRfc3339(static_cast<std::int64_t>(timegm(&tm)) - offset);
}

void ReadUacLog(const std::string& text, forensics::v1::CollectionManifest* manifest) {
  static const std::regex kField(R"( INF (Hostname|Operating system|System architecture|Time zone|Running as): (.*)$)");
  static const std::regex kVersion(R"( INF Unix-like Artifacts Collector (\S+))");
  std::string last_time;
  for (const auto& line : Lines(text)) {
    const std::string time = UacTime(line);
    if (!time.empty()) {
      if (manifest->started_at().empty()) manifest->set_started_at(time);
      last_time = time;
    }
    std::smatch m;
    if (std::regex_search(line, m, kVersion)) manifest->mutable_collector()->set_version(m[1].str());
    if (!std::regex_search(line, m, kField)) continue;
    const std::string key = m[1].str();
    const std::string value = m[2].str();
    auto* host = manifest->mutable_host();
    if (key == "Hostname") host->set_hostname(value);
    if (key == "Operating system") host->set_os(value);
    if (key == "System architecture") host->set_arch(value);
    if (key == "Time zone") host->set_timezone(value);
    if (key == "Running as") host->set_collected_by(value);
  }
  manifest->set_finished_at(last_time);
}

std::string Clean(std::string value) {
  std::replace(value.begin(), value.end(), '\t', ' ');
  return value;
}

// commands/proc_exe.txt (pid, ppid, uid, exe, sha256, cmdline) from `ls -l /proc/[0-9]*/exe`
// and each process's status.txt and cmdline.txt.
std::string ProcExeTable(const std::vector<std::string>& paths, const ReadStored& read) {
  const std::string listing = Text(read, "live_response/process/running_processes_full_paths.txt");
  if (listing.empty()) return {};
  static const std::regex kExe(R"(/proc/(\d+)/exe -> (.*)$)");
  std::string table = "pid\tppid\tuid\texe\tsha256\tcmdline\n";
  std::size_t processes = 0;
  for (const auto& line : Lines(listing)) {
    std::smatch m;
    if (!std::regex_search(line, m, kExe)) continue;
    if (++processes > kMaxProcesses) break;
    const std::string pid = m[1].str();
    const std::string folder = "live_response/process/proc/" + pid + "/";
    std::string ppid;
    std::string uid;
    if (std::binary_search(paths.begin(), paths.end(), folder + "status.txt")) {
      for (const auto& status : Lines(Text(read, folder + "status.txt"))) {
        if (status.rfind("PPid:", 0) == 0) ppid = status.substr(5);
        if (status.rfind("Uid:", 0) == 0) uid = status.substr(4);
      }
      ppid.erase(0, ppid.find_first_not_of(" \t"));
      uid.erase(0, uid.find_first_not_of(" \t"));
      uid = uid.substr(0, uid.find_first_of(" \t"));
    }
    std::string cmdline;
    if (std::binary_search(paths.begin(), paths.end(), folder + "cmdline.txt")) {
      // `strings /proc/PID/cmdline`: one argument a line.
      for (const auto& argument : Lines(Text(read, folder + "cmdline.txt"))) {
        if (!argument.empty()) cmdline += (cmdline.empty() ? "" : " ") + argument;
      }
    }
    table += pid + "\t" + ppid + "\t" + uid + "\t" + Clean(m[2].str()) + "\t\t" + Clean(cmdline) + "\n";
  }
  return processes == 0 ? std::string() : table;
}

// commands/suid.txt (path, mode, uid, size, mtime, sha256) from the bodyfile's set-uid files.
std::string SuidTable(const std::string& bodyfile) {
  std::string table = "path\tmode\tuid\tsize\tmtime\tsha256\n";
  std::size_t rows = 0;
  std::size_t start = 0;
  std::size_t lines = 0;
  while (start < bodyfile.size() && ++lines <= kMaxBodyfileLines) {
    auto end = bodyfile.find('\n', start);
    if (end == std::string::npos) end = bodyfile.size();
    const std::string line = bodyfile.substr(start, end - start);
    start = end + 1;
    // The path may hold "|": the 9 fields after it are counted from the right.
    const auto fields = Split(line, '|');
    if (fields.size() < 11) continue;
    const std::size_t n = fields.size();
    const std::string& mode = fields[n - 8];
    if (mode.size() != 10 || mode[0] != '-' || (mode[3] != 's' && mode[3] != 'S')) continue;
    std::string path;
    for (std::size_t i = 1; i + 9 < n; ++i) path += (i > 1 ? "|" : "") + fields[i];
    std::string mtime;
    try {
      mtime = FormatRfc3339(std::stoll(fields[n - 3]));
    } catch (const std::exception&) {
      // A damaged time field leaves mtime empty.
    }
    table += Clean(path) + "\t" + mode + "\t" + fields[n - 7] + "\t" + fields[n - 5] + "\t" + mtime + "\t\n";
    ++rows;
  }
  return rows == 0 ? std::string() : table;
}

std::string LiveResponseArtifact(const std::string& stored) {
  if (stored.rfind("live_response/process/proc/", 0) == 0 && stored.find("/modules.txt") != std::string::npos) {
    return "kernel_modules";
  }
  if (stored.rfind("live_response/process/", 0) == 0) return "processes";
  if (stored.rfind("live_response/network/", 0) == 0) return "network";
  if (stored.rfind("live_response/system/lsmod", 0) == 0) return "kernel_modules";
  if (stored.rfind("live_response/system/", 0) == 0) return "host_info";
  return "live_response";
}

}  // namespace

ForeignLayout MapUac(const std::vector<std::string>& paths, const ReadStored& read) {
  ForeignLayout layout;
  auto& manifest = layout.manifest;
  manifest.set_format("uac");
  manifest.mutable_collector()->set_name("uac");
  ReadUacLog(Text(read, "uac.log"), &manifest);

  std::vector<std::string> sorted = paths;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& stored : sorted) {
    MappedItem item;
    item.stored = stored;
    item.path = stored;
    item.artifact = "other";
    if (stored == "uac.log") {
      item.artifact = "collector_log";
    } else if (stored.rfind("live_response/", 0) == 0) {
      item.kind = "command";
      item.artifact = LiveResponseArtifact(stored);
    } else if (stored.rfind("bodyfile/", 0) == 0) {
      item.kind = "command";
      item.artifact = "bodyfile";
    } else if (stored.rfind("[root]/", 0) == 0) {
      const auto parts = Split(stored.substr(7), '/');
      if (std::all_of(parts.begin(), parts.end(), SafeComponent)) {
        const Bytes head = read.head(stored);
        PlaceUnixFile(stored.substr(6), head, &item);
      } else {
        layout.problems.push_back(stored + ": unsafe name; kept under its stored name");
      }
    }
    layout.items.push_back(std::move(item));
  }

  if (std::string table = ProcExeTable(sorted, read); !table.empty()) {
    layout.tables.push_back({"commands/proc_exe.txt", "processes",
                             "UAC live_response/process: running_processes_full_paths.txt, proc/*/status.txt, "
                             "proc/*/cmdline.txt (no sha256: UAC hashes executables with MD5 and SHA-1)",
                             std::move(table)});
  }
  for (const char* modules : {"live_response/system/lsmod.txt", "live_response/process/proc/modules.txt"}) {
    std::string text = Text(read, modules);
    if (text.empty()) continue;
    layout.tables.push_back({"commands/modules.txt", "kernel_modules", std::string("UAC ") + modules, std::move(text)});
    break;
  }
  if (std::string table = SuidTable(Text(read, "bodyfile/bodyfile.txt")); !table.empty()) {
    layout.tables.push_back({"commands/suid.txt", "suid_files",
                             "UAC bodyfile/bodyfile.txt: set-uid regular files (no sha256 in a bodyfile)",
                             std::move(table)});
  }
  return layout;
}

}  // namespace kensa::collection::foreign
