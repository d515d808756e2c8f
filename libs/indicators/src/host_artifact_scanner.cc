// REGISTRY_KEY, FILE_PATH, MUTEX, USER_AGENT and COMMAND_LINE scanners. See
// indicator_extractor.h for the rules and why.

#include <algorithm>
#include <array>
#include <string>

#include "scanners.h"

namespace kensa::indicators::internal {
namespace {

using analysis::v1::IndicatorType;

// MAX_PATH; a longer name is not something Windows would open, and bounds the scans.
constexpr std::size_t kMaxPathLength = 260;
// Object names are at most MAX_PATH characters too.
constexpr std::size_t kMaxObjectNameLength = 260;
// A key name is at most 255 characters (Registry element size limits); a few levels of them
// are all a key in a string will need, and this bounds the scan.
constexpr std::size_t kMaxRegistryKeyLength = 512;
// Linux PATH_MAX; bounds the scan of a Unix path.
constexpr std::size_t kMaxUnixPathLength = 4096;
// How far back a command line's opening quote may be from the program name.
constexpr std::size_t kMaxQuotedPathLength = 260;

bool IsWordChar(char c) { return IsAlnum(c) || c == '_'; }

// Whether a run of backslashes in `s` always has an even length: C-escaped text
// ("C:\\Windows\\x.exe" as it appears in source code and scripts).
bool AllBackslashRunsEven(std::string_view s) {
  bool any = false;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] != '\\') {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < s.size() && s[j] == '\\') ++j;
    if ((j - i) % 2 != 0) return false;
    any = true;
    i = j;
  }
  return any;
}

// Halves every run of backslashes when the text is C-escaped; otherwise returns it unchanged.
std::string Unescape(std::string_view s) {
  if (!AllBackslashRunsEven(s)) return std::string(s);
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    out.push_back(s[i]);
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') ++i;
  }
  return out;
}

// Position of a command-line switch (" /x", " -x") in [begin, end), or `end`.
std::size_t FindSwitch(std::string_view text, std::size_t begin, std::size_t end) {
  for (std::size_t k = begin; k + 2 < end; ++k) {
    if (text[k] == ' ' && (text[k + 1] == '/' || text[k + 1] == '-') && IsAlnum(text[k + 2])) {
      return k;
    }
  }
  return end;
}

void TrimEnd(std::string_view text, std::size_t begin, std::size_t& end, std::string_view chars) {
  while (end > begin && chars.find(text[end - 1]) != std::string_view::npos) --end;
}

// --- REGISTRY_KEY -----------------------------------------------------------------------------

struct Hive {
  std::string_view prefix;  // lower case
  std::string_view name;
};

constexpr std::array<Hive, 12> kHives = {{
    {"hkey_local_machine", "HKEY_LOCAL_MACHINE"},
    {"hkey_current_user", "HKEY_CURRENT_USER"},
    {"hkey_classes_root", "HKEY_CLASSES_ROOT"},
    {"hkey_current_config", "HKEY_CURRENT_CONFIG"},
    {"hkey_users", "HKEY_USERS"},
    {"hklm", "HKEY_LOCAL_MACHINE"},
    {"hkcu", "HKEY_CURRENT_USER"},
    {"hkcr", "HKEY_CLASSES_ROOT"},
    {"hkcc", "HKEY_CURRENT_CONFIG"},
    {"hku", "HKEY_USERS"},
    // Native (kernel) names, as seen in drivers and NtOpenKey calls.
    {"\\registry\\machine", "HKEY_LOCAL_MACHINE"},
    {"\\registry\\user", "HKEY_USERS"},
}};

// Keys written without a hive that are still unmistakably registry paths.
constexpr std::array<std::string_view, 3> kHivelessRoots = {
    "software\\", "system\\currentcontrolset\\", "system\\controlset00"};

// Key names may hold any printable character but '\'; these end a key in practice (quotes,
// shell operators, and ':' which in text starts a drive path or a new field).
bool IsRegistryStop(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F || c == '"' || c == '\'' || c == '|' || c == '<' || c == '>' ||
         c == ':';
}

// Splits a key path into its non-empty parts.
std::size_t CountParts(std::string_view path, char separator) {
  std::size_t parts = 0;
  bool in_part = false;
  for (char c : path) {
    if (c == separator) {
      in_part = false;
    } else if (!in_part) {
      in_part = true;
      ++parts;
    }
  }
  return parts;
}

void ScanRegistry(std::string_view text, std::vector<Match>& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t p = text.find_first_of("hHsS\\", pos);
    if (p == std::string_view::npos) return;
    pos = p + 1;
    if (IsWordChar(CharBefore(text, p))) continue;
    std::string_view hive_name;
    std::size_t path_begin = 0;  // where the subkey path (after the hive) starts
    bool hiveless = false;
    for (const Hive& hive : kHives) {
      if (!HasAtNoCase(text, p, hive.prefix)) continue;
      std::size_t after = p + hive.prefix.size();
      if (CharAt(text, after) == ':') ++after;  // PowerShell drive "HKLM:\"
      if (CharAt(text, after) != '\\') continue;
      hive_name = hive.name;
      path_begin = after;
      break;
    }
    if (hive_name.empty()) {
      if (CharBefore(text, p) == '\\') continue;  // inside a longer path
      for (std::string_view root : kHivelessRoots) {
        if (HasAtNoCase(text, p, root)) {
          hiveless = true;
          path_begin = p;
          break;
        }
      }
      if (!hiveless) continue;
    }
    std::size_t end = path_begin;
    while (end < text.size() && !IsRegistryStop(text[end]) &&
           end - path_begin < kMaxRegistryKeyLength) {
      if (text[end] == ' ' && HasAtNoCase(text, end + 1, "hk")) break;  // the next key
      ++end;
    }
    end = FindSwitch(text, path_begin, end);
    TrimEnd(text, path_begin, end, " \\");
    pos = std::max(pos, end);
    std::string path = Unescape(text.substr(path_begin, end - path_begin));
    // Collapse what remains of doubled separators ("HKLM:\\Software" in PowerShell).
    path.erase(std::unique(path.begin(), path.end(),
                           [](char a, char b) { return a == '\\' && b == '\\'; }),
               path.end());
    const std::size_t parts = CountParts(path, '\\');
    if (hiveless) {
      if (parts < 3) continue;
      out.push_back({IndicatorType::INDICATOR_TYPE_REGISTRY_KEY, std::move(path), p});
    } else {
      if (parts < 1) continue;
      if (!path.starts_with('\\')) path.insert(path.begin(), '\\');
      out.push_back({IndicatorType::INDICATOR_TYPE_REGISTRY_KEY, std::string(hive_name) + path, p});
    }
  }
}

// --- FILE_PATH --------------------------------------------------------------------------------

constexpr std::array<std::string_view, 12> kKnownWindowsFolders = {
    "windows",  "temp",    "tmp",      "users",    "programdata",           "program files",
    "program files (x86)", "perflogs", "$recycle.bin", "recycler", "documents and settings",
    "intel"};

// Environment variables that name folders ("%APPDATA%\x.exe"); other %NAME% are templates
// (registry scripts' "%MODULE%", "%CLSID_x%").
constexpr std::array<std::string_view, 22> kFolderVariables = {
    "temp",         "tmp",            "appdata",           "localappdata",  "userprofile",
    "programdata",  "allusersprofile", "public",           "windir",        "systemroot",
    "systemdrive",  "programfiles",   "programfiles(x86)", "programw6432",  "commonprogramfiles",
    "commonprogramfiles(x86)", "homedrive", "homepath",    "username",      "onedrive",
    "userdomain",   "computername"};

bool IsKnownFolderVariable(std::string_view name) {
  std::string lowered(name);
  for (char& c : lowered) c = ToLower(c);
  return std::find(kFolderVariables.begin(), kFolderVariables.end(), lowered) !=
         kFolderVariables.end();
}

constexpr std::array<std::string_view, 9> kUnixRoots = {
    "tmp/", "etc/", "bin/", "sbin/", "usr/", "var/", "dev/shm/", "home/", "root/"};

bool IsWindowsPathStop(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7F || c == '"' || c == '*' || c == '?' || c == '<' || c == '>' ||
         c == '|' || c == ';' || c == ':' || c == '#';  // '#': "x.DLL#Description" (VBA refs)
}

bool IsUnixPathChar(char c) {
  return IsAlnum(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == '+' || c == '~' ||
         c == '@' || c == '%' || c == '=';
}

bool IsSeparator(char c) { return c == '\\' || c == '/'; }

// "name.ext" with a 1-6 character alphanumeric extension and a non-empty name.
bool HasExtension(std::string_view component) {
  const std::size_t dot = component.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  const std::string_view ext = component.substr(dot + 1);
  return !ext.empty() && ext.size() <= 6 && std::all_of(ext.begin(), ext.end(), IsAlnum);
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

// The end of a Windows path whose body starts at `body`: see indicator_extractor.h.
std::size_t WindowsPathEnd(std::string_view text, std::size_t begin, std::size_t body) {
  // A path opened by a quote ends at the same quote ("'%APPDATA%\x.exe'").
  const char quote = CharBefore(text, begin) == '\'' ? '\'' : '\0';
  std::size_t end = body;
  while (end < text.size() && !IsWindowsPathStop(text[end]) && text[end] != quote &&
         end - begin < kMaxPathLength) {
    ++end;
  }
  end = FindSwitch(text, body, end);
  // A space ends the path after "name.ext", or before what starts another path ("C:",
  // "%VAR%", "\\server").
  for (std::size_t k = body, part = body; k < end; ++k) {
    if (IsSeparator(text[k])) {
      part = k + 1;
      continue;
    }
    if (text[k] != ' ') continue;
    const char n1 = CharAt(text, k + 1);
    const char n2 = CharAt(text, k + 2);
    if (HasExtension(text.substr(part, k - part)) || (IsAlpha(n1) && n2 == ':') || n1 == '%' ||
        (n1 == '\\' && n2 == '\\')) {
      end = k;
      break;
    }
  }
  std::size_t last_sep = end;
  while (last_sep > body && !IsSeparator(text[last_sep - 1])) --last_sep;
  const std::string_view tail = text.substr(last_sep, end - last_sep);
  // Spaces in the last part stay only in a name with an extension ("my notes.txt"); otherwise
  // what follows the space is prose ("C:\Windows is ...").
  if (tail.find(' ') != std::string_view::npos && !HasExtension(tail)) {
    end = last_sep + tail.find(' ');
  }
  // A quote right after the path closes a quoted command it sits in ("'powershell -f C:\x.ps1'");
  // a comma separates rundll32's entry point ("C:\x\comsvcs.dll, MiniDump").
  TrimEnd(text, body, end, " .',");
  return end;
}

// `may_unescape`: whether doubled backslashes may be C escapes (not for a UNC path written
// with two leading backslashes: those two are the real thing).
void RecordWindowsPath(std::string_view text, std::size_t begin, std::size_t body,
                       bool needs_evidence, bool may_unescape, std::vector<Match>& out) {
  std::size_t end = WindowsPathEnd(text, begin, body);
  // A trailing separator names the folder itself.
  TrimEnd(text, body, end, "\\/");
  const std::string_view rest = text.substr(body, end - body);
  std::size_t parts = 0;
  std::string_view first;
  std::string_view last;
  for (std::size_t k = 0; k < rest.size();) {
    while (k < rest.size() && IsSeparator(rest[k])) ++k;
    const std::size_t start = k;
    while (k < rest.size() && !IsSeparator(rest[k])) ++k;
    if (k == start) break;
    const std::string_view part = rest.substr(start, k - start);
    if (parts == 0) first = part;
    last = part;
    ++parts;
  }
  if (parts == 0) return;
  if (needs_evidence && parts < 2 && !HasExtension(last)) {
    const std::string lowered = Lower(first);
    if (std::find(kKnownWindowsFolders.begin(), kKnownWindowsFolders.end(), lowered) ==
        kKnownWindowsFolders.end()) {
      return;
    }
  }
  const std::string_view path = text.substr(begin, end - begin);
  out.push_back({IndicatorType::INDICATOR_TYPE_FILE_PATH,
                 may_unescape ? Unescape(path) : std::string(path), begin});
}

void ScanPaths(std::string_view text, std::vector<Match>& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t p = text.find_first_of(":%\\/", pos);
    if (p == std::string_view::npos) return;
    pos = p + 1;
    const char c = text[p];
    if (c == ':') {
      // Drive: "C:\" or "C:/", the letter starting a token.
      if (p == 0 || !IsAlpha(text[p - 1]) || IsWordChar(CharBefore(text, p - 1))) continue;
      if (!IsSeparator(CharAt(text, p + 1))) continue;
      if (CharAt(text, p + 1) == '/' && CharAt(text, p + 2) == '/') continue;  // "x://"
      const std::size_t before = out.size();
      RecordWindowsPath(text, p - 1, p + 1, /*needs_evidence=*/true, /*may_unescape=*/true, out);
      if (out.size() > before) pos = p - 1 + out.back().value.size();
    } else if (c == '%') {
      // Environment variable: "%APPDATA%\x.exe", "%ProgramFiles(x86)%\...".
      std::size_t k = p + 1;
      while (k < text.size() && k - p <= 40 &&
             (IsWordChar(text[k]) || text[k] == '(' || text[k] == ')')) {
        ++k;
      }
      if (CharAt(text, k) != '%' || !IsKnownFolderVariable(text.substr(p + 1, k - p - 1))) {
        continue;
      }
      if (!IsSeparator(CharAt(text, k + 1))) {
        pos = k;  // the closing '%' may open the next variable
        continue;
      }
      const std::size_t before = out.size();
      RecordWindowsPath(text, p, k + 1, /*needs_evidence=*/false, /*may_unescape=*/true, out);
      pos = out.size() > before ? p + out.back().value.size() : k + 1;
    } else if (c == '\\') {
      // UNC: "\\server\share\..." (or C-escaped "\\\\server\\share").
      if (CharBefore(text, p) == '\\' || CharAt(text, p + 1) != '\\') continue;
      std::size_t host = p + 2;
      if (CharAt(text, host) == '\\' && CharAt(text, host + 1) == '\\') host += 2;
      std::size_t k = host;
      while (k < text.size() && (IsWordChar(text[k]) || text[k] == '.' || text[k] == '-') &&
             k - host < 253) {
        ++k;
      }
      // ".." is no server; "." and "?" are the device namespaces ("\\.\PhysicalDrive0",
      // "\\.\pipe\name"), kept: wipers and named pipes are worth knowing about.
      if (k == host || CharAt(text, k) != '\\' || text.substr(host, k - host) == "..") {
        pos = std::max(pos, k);
        continue;
      }
      const std::size_t before = out.size();
      RecordWindowsPath(text, p, k, /*needs_evidence=*/false, /*may_unescape=*/host == p + 4,
                        out);
      // UNC needs a share after the server.
      if (out.size() > before) {
        const std::string& value = out.back().value;
        if (CountParts(std::string_view(value).substr(2), '\\') < 2) {
          out.pop_back();
        } else {
          pos = p + value.size();
        }
      }
      pos = std::max(pos, k);
    } else {
      // Unix: a known root directory, starting a token.
      const char prev = CharBefore(text, p);
      if (IsWordChar(prev) || prev == '.' || prev == '/' || prev == '\\' || prev == '~' ||
          prev == '-' || prev == ':' || prev == '<') {
        continue;
      }
      std::size_t root = 0;
      for (std::string_view r : kUnixRoots) {
        if (HasAt(text, p + 1, r)) {
          root = r.size();
          break;
        }
      }
      if (root == 0) continue;
      std::size_t end = p + 1;
      while (end < text.size() && IsUnixPathChar(text[end]) && end - p < kMaxUnixPathLength) ++end;
      TrimEnd(text, p, end, "/.");
      pos = std::max(pos, end);
      if (end <= p + 1 + root) continue;  // nothing after the root folder
      out.push_back({IndicatorType::INDICATOR_TYPE_FILE_PATH, std::string(text.substr(p, end - p)), p});
    }
  }
}

// --- MUTEX ------------------------------------------------------------------------------------

bool IsObjectNameStop(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u <= 0x20 || u == 0x7F || c == '"' || c == '\'';
}

// "Local\Temp", "Local\Te" (a path cut short): folders under AppData\Local, not objects.
bool IsLocalFolderPrefix(std::string_view name) {
  static constexpr std::array<std::string_view, 6> kFolders = {
      "temp", "microsoft", "packages", "programs", "google", "mozilla"};
  const std::string lowered = Lower(name);
  return std::any_of(kFolders.begin(), kFolders.end(), [&](std::string_view folder) {
    return lowered.size() >= 2 && folder.starts_with(lowered);
  });
}

void ScanMutexes(std::string_view text, std::vector<Match>& out) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t b = text.find('\\', pos);
    if (b == std::string_view::npos) return;
    pos = b + 1;
    // The word right before the backslash.
    std::size_t word = b;
    while (word > 0 && IsAlpha(text[word - 1]) && b - word < 16) --word;
    const std::string lowered = Lower(text.substr(word, b - word));
    std::size_t prefix_begin = word;
    std::string prefix;
    if (lowered == "global" || lowered == "local") {
      const char before = CharBefore(text, word);
      if (IsWordChar(before) || before == '\\' || before == '/' || before == '.' ||
          before == '%' || before == '-' || before == '$') {
        continue;  // "AppData\Local\Temp": part of a path
      }
      prefix = lowered == "global" ? "Global\\" : "Local\\";
    } else if (lowered == "basenamedobjects") {
      // "\BaseNamedObjects\x" or "Sessions\1\BaseNamedObjects\x" as written.
      if (CharBefore(text, word) != '\\') continue;
      prefix_begin = word - 1;
      std::size_t digits = prefix_begin;
      while (digits > 0 && IsDigit(text[digits - 1])) --digits;
      if (digits < prefix_begin && digits >= 9 && HasAtNoCase(text, digits - 9, "sessions\\")) {
        prefix_begin = digits - 9;
        if (CharBefore(text, prefix_begin) == '\\') --prefix_begin;
      }
      prefix = std::string(text.substr(prefix_begin, b + 1 - prefix_begin));
    } else if (lowered.empty() && b > 0 && IsDigit(text[b - 1])) {
      // "Session\1\x".
      std::size_t digits = b;
      while (digits > 0 && IsDigit(text[digits - 1]) && b - digits < 4) --digits;
      if (digits < 8 || !HasAtNoCase(text, digits - 8, "session\\")) continue;
      if (IsWordChar(CharBefore(text, digits - 8))) continue;
      if (HasAtNoCase(text, b + 1, "basenamedobjects\\")) continue;  // handled at the next '\'
      prefix_begin = digits - 8;
      prefix = std::string(text.substr(prefix_begin, b + 1 - prefix_begin));
    } else {
      continue;
    }
    std::size_t name_begin = b + 1;
    if (CharAt(text, name_begin) == '\\') ++name_begin;  // C-escaped "Global\\name"
    std::size_t end = name_begin;
    while (end < text.size() && !IsObjectNameStop(text[end]) && end - name_begin <= kMaxObjectNameLength) {
      ++end;
    }
    const std::string_view name = text.substr(name_begin, end - name_begin);
    pos = std::max(pos, end);
    if (name.empty() || name.size() > kMaxObjectNameLength || name.find('\\') != std::string_view::npos ||
        !std::any_of(name.begin(), name.end(), IsAlnum) || IsLocalFolderPrefix(name)) {
      continue;
    }
    out.push_back({IndicatorType::INDICATOR_TYPE_MUTEX, Unescape(prefix) + std::string(name), prefix_begin});
  }
}

// --- USER_AGENT -------------------------------------------------------------------------------

// Client tokens that are a user agent on their own (followed by a version digit).
constexpr std::array<std::string_view, 10> kClientTokens = {
    "curl/",         "wget/",         "python-requests/", "python-urllib/", "go-http-client/",
    "okhttp/",       "libwww-perl/",  "java/",            "microsoft-cryptoapi/", "winhttp/"};

bool IsUserAgentStop(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u < 0x20 && c != '\t') || c == '"' || c == '\'';
}

void ScanUserAgents(std::string_view text, std::vector<Match>& out) {
  const std::size_t last_paren = text.rfind(')');
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t slash = text.find('/', pos);
    if (slash == std::string_view::npos) return;
    pos = slash + 1;
    if (!IsDigit(CharAt(text, slash + 1))) continue;
    // The product token before the slash.
    std::size_t begin = slash;
    while (begin > 0 && slash - begin < 32 &&
           (IsAlnum(text[begin - 1]) || text[begin - 1] == '-' || text[begin - 1] == '_' ||
            text[begin - 1] == '.')) {
      --begin;
    }
    if (begin == slash || !IsAlpha(text[begin])) continue;
    const char before = CharBefore(text, begin);
    if (before != '\0' && !IsSpace(before) && before != '"' && before != '\'' && before != '=' &&
        before != ':' && before != '(') {
      continue;
    }
    const std::string product = Lower(text.substr(begin, slash + 1 - begin));
    bool is_agent = product == "mozilla/" ||
                    std::find(kClientTokens.begin(), kClientTokens.end(), product) != kClientTokens.end();
    if (!is_agent && product != "http/") {
      // "<product>/<version> (<comment>)", RFC 9110 section 10.1.5.
      std::size_t k = slash + 1;
      while (k < text.size() && (IsDigit(text[k]) || text[k] == '.')) ++k;
      is_agent = CharAt(text, k) == ' ' && CharAt(text, k + 1) == '(' &&
                 last_paren != std::string_view::npos && last_paren > k;
    }
    if (!is_agent) continue;
    std::size_t end = slash;
    while (end < text.size() && !IsUserAgentStop(text[end])) ++end;
    TrimEnd(text, begin, end, " \t");
    out.push_back({IndicatorType::INDICATOR_TYPE_USER_AGENT, std::string(text.substr(begin, end - begin)), begin});
    return;  // one per string: the rest of it is this user agent
  }
}

// --- COMMAND_LINE -----------------------------------------------------------------------------

enum class ArgRule {
  kCmdSwitch,    // a /c, /k or /r switch among the leading switches
  kPowerShell,   // a switch, or script text: "-enc x", "IEX(...)", "$a=..."
  kRundll32,     // "x.dll,Entry", "javascript:..."
  kRegsvr32,     // a switch, a quoted or dotted file name
  kMshta,        // a URL, "vbscript:...", a quoted or dotted file name
  kWmic,         // a switch or a WMI alias
  kVssadmin,     // a verb
  kDashOrSlash,  // an argument starting with '-' or '/'
  kSlash,        // an argument starting with '/'
  kCreate,       // "/create" somewhere in the arguments
};

struct Program {
  std::string_view name;  // lower case, without ".exe"
  ArgRule rule;
};

constexpr std::array<Program, 12> kPrograms = {{
    {"cmd", ArgRule::kCmdSwitch},
    {"%comspec%", ArgRule::kCmdSwitch},
    {"powershell", ArgRule::kPowerShell},
    {"pwsh", ArgRule::kPowerShell},
    {"rundll32", ArgRule::kRundll32},
    {"regsvr32", ArgRule::kRegsvr32},
    {"mshta", ArgRule::kMshta},
    {"wmic", ArgRule::kWmic},
    {"vssadmin", ArgRule::kVssadmin},
    {"certutil", ArgRule::kDashOrSlash},
    {"bitsadmin", ArgRule::kSlash},
    {"schtasks", ArgRule::kCreate},
}};

// WMI aliases malware uses (shadow copy deletion, discovery, process creation).
constexpr std::array<std::string_view, 14> kWmicAliases = {
    "process", "shadowcopy", "os",      "service",     "useraccount", "startup", "product",
    "qfe",     "computersystem", "nicconfig", "logicaldisk", "share",  "group",   "environment"};

constexpr std::array<std::string_view, 4> kVssadminVerbs = {"delete", "resize", "create", "list"};

// Arguments must look like arguments, so that prose ("mshta.exe is a stub", usage text
// "regsvr32 [/u] [/s]") is not a command line.
bool ArgumentsMatch(std::string_view args, ArgRule rule) {
  std::size_t k = 0;
  while (k < args.size() && IsSpace(args[k])) ++k;
  if (k == 0 || k == args.size()) return false;  // no separating space, or no argument
  const std::string_view rest = args.substr(k);
  std::size_t word_end = 0;
  while (word_end < rest.size() && !IsSpace(rest[word_end])) ++word_end;
  const std::string word = Lower(rest.substr(0, word_end));
  const char first = rest[0];
  auto word_has = [&word](std::string_view chars) {
    return word.find_first_of(chars) != std::string::npos;
  };
  switch (rule) {
    case ArgRule::kPowerShell:
      return first == '-' || first == '/' || first == '"' || first == '\'' ||
             word_has("($;") || word.ends_with(".ps1") || word.starts_with("iex") ||
             word.starts_with("invoke-");
    case ArgRule::kRundll32:
      return word_has(",:") || word.ends_with(".dll") || word.ends_with(".cpl");
    case ArgRule::kRegsvr32:
      return first == '/' || first == '-' || first == '"' || word_has(".");
    case ArgRule::kMshta:
      return first == '"' || first == '\'' || word_has(".:");
    case ArgRule::kWmic:
      return first == '/' ||
             std::find(kWmicAliases.begin(), kWmicAliases.end(), word) != kWmicAliases.end();
    case ArgRule::kVssadmin:
      return std::find(kVssadminVerbs.begin(), kVssadminVerbs.end(), word) !=
             kVssadminVerbs.end();
    case ArgRule::kDashOrSlash:
      return first == '-' || first == '/';
    case ArgRule::kSlash:
      return first == '/';
    case ArgRule::kCreate: {
      // Within the first arguments: bounded, so that many "schtasks" cost little.
      const std::string head = Lower(rest.substr(0, kMaxPathLength));
      return head.find("/create") != std::string::npos;
    }
    case ArgRule::kCmdSwitch: {
      // "cmd /q /c x", "cmd.exe /C x": walk the leading switches.
      std::size_t i = 0;
      while (i + 1 < rest.size() && rest[i] == '/') {
        const char s = ToLower(rest[i + 1]);
        if (s == 'c' || s == 'k' || s == 'r') return true;
        i += 2;
        while (i < rest.size() && !IsSpace(rest[i])) ++i;
        while (i < rest.size() && IsSpace(rest[i])) ++i;
      }
      return false;
    }
  }
  return false;
}

// Where a command line starting with the program at `p` really begins: at the start of the
// program's path, or at the quote that opens a quoted path with spaces.
std::size_t CommandStart(std::string_view text, std::size_t p) {
  std::size_t start = p;
  while (start > 0 && !IsSpace(text[start - 1]) && text[start - 1] != '"' && p - start < kMaxPathLength) {
    --start;
  }
  if (start == p) return p;
  if (CharBefore(text, start) == '"') return start - 1;
  // "C:\Program Files\...\pwsh.exe": look for the opening quote of a path with spaces.
  const std::size_t limit = p > kMaxQuotedPathLength ? p - kMaxQuotedPathLength : 0;
  for (std::size_t q = start; q > limit; --q) {
    if (text[q - 1] == '"') {
      const std::size_t path = q;
      const bool drive = IsAlpha(CharAt(text, path)) && CharAt(text, path + 1) == ':';
      return drive || CharAt(text, path) == '%' ? q - 1 : start;
    }
  }
  return start;
}

// First characters of the program names, either case.
constexpr std::array<bool, 256> MakeProgramStarts() {
  std::array<bool, 256> starts{};
  for (const Program& program : kPrograms) {
    const char c = program.name[0];
    starts[static_cast<unsigned char>(c)] = true;
    if (IsLower(c)) starts[static_cast<unsigned char>(c - 'a' + 'A')] = true;
  }
  return starts;
}
constexpr std::array<bool, 256> kProgramStarts = MakeProgramStarts();

void ScanCommandLines(std::string_view text, std::size_t max_length, std::vector<Match>& out) {
  for (std::size_t p = 0; p < text.size(); ++p) {
    if (!kProgramStarts[static_cast<unsigned char>(text[p])]) continue;
    const char before = CharBefore(text, p);
    if (IsWordChar(before) || before == '-' || before == '.') continue;
    for (const Program& program : kPrograms) {
      if (!HasAtNoCase(text, p, program.name)) continue;
      std::size_t after = p + program.name.size();
      if (HasAtNoCase(text, after, ".exe")) after += 4;
      if (CharAt(text, after) == '"') ++after;  // closing quote of a quoted path
      if (IsWordChar(CharAt(text, after))) continue;
      if (!ArgumentsMatch(text.substr(after), program.rule)) continue;
      const std::size_t start = CommandStart(text, p);
      std::size_t end = text.size();
      TrimEnd(text, start, end, " \t\r\n");
      if (end - start > max_length) {
        end = start + max_length;
        // Do not cut a UTF-8 sequence in half.
        while (end > start && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
      }
      out.push_back({IndicatorType::INDICATOR_TYPE_COMMAND_LINE, std::string(text.substr(start, end - start)), start});
      return;  // one per string: the rest of it is this command's arguments
    }
  }
}

}  // namespace

void ScanHostArtifacts(std::string_view text, const TextFeatures& features,
                       std::size_t max_command_length, std::vector<Match>& out) {
  if (features.backslash) {
    ScanRegistry(text, out);
    ScanMutexes(text, out);
  }
  if (features.backslash || features.slash || features.colon || features.percent) {
    ScanPaths(text, out);
  }
  if (features.slash) ScanUserAgents(text, out);
  if (features.space) ScanCommandLines(text, max_command_length, out);
}

}  // namespace kensa::indicators::internal
