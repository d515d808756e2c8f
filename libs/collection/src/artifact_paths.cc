// Where a foreign collection's files go in the Kensa layout and which artifact each is: the
// table of docs/collection-format.md ("Artifact names") read backwards, from a file's original
// path to the artifact name the host checks select on.
#include <algorithm>
#include <regex>

#include "foreign_layout.h"
#include "kensa/core/bytes.h"

namespace kensa::collection::foreign {
namespace {

bool StartsWith(const std::string& text, const std::string& prefix) {
  return text.size() >= prefix.size() && text.compare(0, prefix.size(), prefix) == 0;
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool IsPe(ByteSpan head) { return head.size() >= 2 && head[0] == 'M' && head[1] == 'Z'; }
bool IsElf(ByteSpan head) {
  return head.size() >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F';
}

// `rest` lower-cased, relative to the drive ("windows/system32/config/software").
std::string WindowsArtifact(const std::string& rest, ByteSpan head) {
  static const std::regex kEventLog(R"(^windows/system32/winevt/logs/[^/]+\.evtx$|^windows/system32/config/[^/]+\.evt$)");
  static const std::regex kSystemHive(R"(^windows/system32/config/(system|software|sam|security|default)$)");
  static const std::regex kUserHive(
      R"(^(users|documents and settings)/[^/]+/(ntuser\.dat|appdata/local/microsoft/windows/usrclass\.dat)$)");
  static const std::regex kAmcache(R"(^windows/appcompat/programs/(amcache\.hve(\.log[12])?|recentfilecache\.bcf)$)");
  static const std::regex kPrefetch(R"(^windows/prefetch/[^/]+\.pf$)");
  static const std::regex kPsHistory(
      R"(^users/[^/]+/appdata/roaming/microsoft/windows/powershell/psreadline/consolehost_history\.txt$)");
  static const std::regex kTasks(R"(^windows/system32/tasks/|^windows/tasks/[^/]+\.job$)");
  static const std::regex kStartup(R"(/start menu/programs/startup/[^/]+$)");
  static const std::regex kDropZone(
      R"(^users/[^/]+/(appdata|downloads|desktop)/|^windows/temp/|^programdata/)");
  if (std::regex_search(rest, kEventLog)) return "event_logs";
  if (std::regex_search(rest, kSystemHive) || std::regex_search(rest, kUserHive)) return "registry_hives";
  if (std::regex_search(rest, kAmcache)) return "amcache";
  if (std::regex_search(rest, kPrefetch)) return "prefetch";
  if (std::regex_search(rest, kPsHistory)) return "shell_history";
  if (std::regex_search(rest, kTasks)) return "scheduled_tasks";
  if (std::regex_search(rest, kStartup)) return "autoruns";
  if (IsPe(head) && std::regex_search(rest, kDropZone)) return "recent_executables";
  return "other";
}

// `path` absolute, as on the host ("/var/log/auth.log").
std::string UnixArtifact(const std::string& path, ByteSpan head) {
  static const std::regex kUsers(R"(^/etc/(passwd|group)$|^/var/log/(wtmp|btmp|lastlog)$)");
  static const std::regex kAuthLog(R"(^/var/log/(auth\.log|secure)[^/]*$)");
  static const std::regex kSyslog(R"(^/var/log/(syslog|messages|kern\.log)[^/]*$)");
  static const std::regex kHistory(R"(^/(root|home/[^/]+)/\.(bash|zsh|sh|ash|python)_history$)");
  static const std::regex kCron(R"(^/etc/crontab$|^/etc/cron\.[^/]+/[^/]+$|^/var/spool/cron/)");
  static const std::regex kServices(
      R"(^/(etc|lib|usr/lib)/systemd/system/|^/etc/init\.d/[^/]+$|^/etc/rc\.local$)");
  static const std::regex kAutoruns(
      R"(^/etc/(ld\.so\.preload|profile|bash\.bashrc)$|^/etc/profile\.d/[^/]+$|^/(root|home/[^/]+)/\.(bashrc|profile)$)");
  static const std::regex kSsh(R"(/\.ssh/authorized_keys2?$|^/etc/ssh/sshd_config$)");
  static const std::regex kTemp(R"(^/(tmp|var/tmp|dev/shm)/)");
  if (std::regex_search(path, kUsers)) return "users";
  if (std::regex_search(path, kAuthLog)) return "auth_log";
  if (std::regex_search(path, kSyslog)) return "syslog";
  if (std::regex_search(path, kHistory)) return "shell_history";
  if (std::regex_search(path, kCron)) return "cron";
  if (std::regex_search(path, kServices)) return "services";
  if (std::regex_search(path, kAutoruns)) return "autoruns";
  if (std::regex_search(path, kSsh)) return "ssh";
  if (IsElf(head) && std::regex_search(path, kTemp)) return "recent_executables";
  return "other";
}

bool IsDriveLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

bool HasTopFile(const std::vector<std::string>& paths, const std::string& name) {
  return std::find(paths.begin(), paths.end(), name) != paths.end();
}

bool AnyStartsWith(const std::vector<std::string>& paths, const std::string& prefix) {
  return std::any_of(paths.begin(), paths.end(), [&](const std::string& path) { return StartsWith(path, prefix); });
}

}  // namespace

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return text;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find(separator, start);
    parts.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::string UnescapeComponent(const std::string& component) {
  std::string out;
  out.reserve(component.size());
  for (std::size_t i = 0; i < component.size(); ++i) {
    if (component[i] == '%' && i + 2 < component.size() && HexValue(component[i + 1]) >= 0 &&
        HexValue(component[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(component[i + 1]) * 16 + HexValue(component[i + 2]));
      i += 2;
    } else {
      out += component[i];
    }
  }
  return out;
}

bool SafeComponent(const std::string& component) {
  if (component.empty() || component == "." || component == ".." || component.size() > 1024) return false;
  // "%FF" unescapes to a byte that is not UTF-8; paths travel in protobuf strings.
  if (!IsValidUtf8(component)) return false;
  return std::none_of(component.begin(), component.end(), [](char c) {
    return c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

void PlaceWindowsFile(char drive, const std::string& rest, ByteSpan head, MappedItem* item) {
  const char letter = static_cast<char>(drive >= 'a' && drive <= 'z' ? drive - 'a' + 'A' : drive);
  item->path = std::string("files/") + letter + "/" + rest;
  std::string source = std::string(1, letter) + ":\\" + rest;
  std::replace(source.begin(), source.end(), '/', '\\');
  item->source = source;
  item->artifact = WindowsArtifact(Lower(rest), head);
}

void PlaceUnixFile(const std::string& path, ByteSpan head, MappedItem* item) {
  item->path = "files" + path;
  item->source = path;
  item->artifact = UnixArtifact(path, head);
}

Layout Detect(const std::vector<std::string>& paths) {
  const bool velociraptor_meta = HasTopFile(paths, "uploads.json") || HasTopFile(paths, "log.json") ||
                                 HasTopFile(paths, "client_info.json");
  if (HasTopFile(paths, "collection_context.json") ||
      (velociraptor_meta && (AnyStartsWith(paths, "uploads/") || AnyStartsWith(paths, "results/")))) {
    return Layout::kVelociraptor;
  }
  if (HasTopFile(paths, "uac.log") && (AnyStartsWith(paths, "live_response/") || AnyStartsWith(paths, "[root]/") ||
                                       AnyStartsWith(paths, "bodyfile/"))) {
    return Layout::kUac;
  }
  // KAPE: its copy log at the top, or a drive letter folder ("C/" or Velociraptor-escaped
  // "C%3A/") holding what KAPE targets copy.
  static const std::regex kDriveFolder(
      R"(^[a-z](%3a)?/(windows|users|programdata|documents and settings|\$mft|\$extend|\$recycle\.bin)(/|$))",
      std::regex::icase);
  for (const auto& path : paths) {
    if (path.find('/') == std::string::npos && EndsWith(path, "_CopyLog.csv")) return Layout::kKape;
    if (path.size() > 2 && IsDriveLetter(path[0]) && std::regex_search(path, kDriveFolder)) return Layout::kKape;
  }
  return Layout::kNone;
}

const char* LayoutName(Layout layout) {
  switch (layout) {
    case Layout::kVelociraptor: return "velociraptor";
    case Layout::kKape: return "kape";
    case Layout::kUac: return "uac";
    case Layout::kNone: break;
  }
  return "none";
}

}  // namespace kensa::collection::foreign
