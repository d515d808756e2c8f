#include "lnk_analyzer.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "kensa/hashing/hashes.h"
#include "kensa/lnk/lnk_parser.h"
#include "script_analyzer.h"

namespace kensa::static_analysis {
namespace {

constexpr std::size_t kMinAppendedChild = 16;      // smaller trailers are padding, not files
constexpr std::size_t kBlankRunHidingArguments = 32;  // blanks that push the rest out of view
constexpr std::size_t kLongArguments = 1024;       // the Target field shows 260 characters
constexpr std::size_t kMaxDetailBytes = 300;

// Command interpreters (T1059).
constexpr std::array<std::string_view, 6> kShells = {"cmd.exe",     "powershell.exe", "pwsh.exe",
                                                     "wscript.exe", "cscript.exe",    "powershell_ise.exe"};
// System programs that run other code, or fetch files, for whoever starts them (T1218 and
// kin): what shortcut droppers start instead of a shell to slip past rules about shells.
constexpr std::array<std::string_view, 19> kLolbins = {
    "mshta.exe",    "rundll32.exe",  "regsvr32.exe", "msiexec.exe",  "certutil.exe",
    "bitsadmin.exe", "hh.exe",       "cmstp.exe",    "installutil.exe", "regasm.exe",
    "regsvcs.exe",  "msbuild.exe",   "forfiles.exe", "conhost.exe",  "wmic.exe",
    "curl.exe",     "schtasks.exe",  "msxsl.exe",    "odbcconf.exe"};
// Icons that make a shortcut look like a document or a web page.
constexpr std::array<std::string_view, 17> kDocumentIconModules = {
    "shell32.dll",  "imageres.dll", "moricons.dll", "msedge.exe",   "chrome.exe",  "firefox.exe",
    "iexplore.exe", "acrord32.exe", "acrobat.exe",  "winword.exe",  "excel.exe",   "powerpnt.exe",
    "notepad.exe",  "wordpad.exe",  "mspaint.exe",  "explorer.exe", "photos.exe"};
constexpr std::array<std::string_view, 22> kDocumentExtensions = {
    ".pdf", ".doc", ".docx", ".docm", ".rtf", ".xls", ".xlsx", ".xlsm", ".ppt", ".pptx", ".txt",
    ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".htm", ".html", ".zip", ".rar", ".7z", ".csv"};
constexpr std::array<std::string_view, 13> kExecutableExtensions = {
    ".exe", ".bat", ".cmd", ".ps1", ".vbs", ".vbe", ".js", ".jse", ".hta", ".scr", ".com", ".pif", ".dll"};

template <std::size_t N>
bool Contains(const std::array<std::string_view, N>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// "C:\Windows\System32\cmd.exe" -> "cmd.exe"; quotes and trailing blanks dropped.
std::string BaseName(std::string_view path) {
  while (!path.empty() && (path.back() == '"' || path.back() == ' ')) path.remove_suffix(1);
  while (!path.empty() && path.front() == '"') path.remove_prefix(1);
  const std::size_t slash = path.find_last_of("\\/");
  if (slash != std::string_view::npos) path = path.substr(slash + 1);
  return AsciiLower(path);
}

std::string Extension(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  return dot == std::string_view::npos ? std::string() : std::string(name.substr(dot));
}

std::string Bounded(std::string_view text) {
  if (text.size() <= kMaxDetailBytes) return std::string(text);
  std::size_t cut = kMaxDetailBytes;
  while (cut > 0 && (static_cast<std::uint8_t>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "...";
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// A UNC path (\\host\share), WebDAV (host@SSL, DavWWWRoot) or URL inside `text`; the match.
std::string RemoteLocation(std::string_view text) {
  const std::string lower = AsciiLower(text);
  for (std::string_view marker : {"\\\\", "http://", "https://", "file://", "ftp://"}) {
    std::size_t at = lower.find(marker);
    while (at != std::string::npos) {
      // "\\" inside "C:\\Users" (JScript-style doubled backslashes) is not a share.
      const bool unc = marker == "\\\\";
      const bool host_follows = at + marker.size() < lower.size() &&
                                (std::isalnum(static_cast<unsigned char>(lower[at + marker.size()])) != 0);
      const bool at_start = at == 0 || lower[at - 1] == ' ' || lower[at - 1] == '"' || lower[at - 1] == '\'' ||
                            lower[at - 1] == '(' || lower[at - 1] == '=';
      if (!unc || (host_follows && at_start)) {
        std::size_t end = at;
        while (end < text.size() && !IsBlank(text[end]) && text[end] != '"' && text[end] != '\'') ++end;
        return std::string(text.substr(at, end - at));
      }
      at = lower.find(marker, at + marker.size());
    }
  }
  if (lower.find("@ssl\\") != std::string::npos || lower.find("davwwwroot") != std::string::npos) {
    return std::string(text);
  }
  return {};
}

void AddAnomaly(analysis::v1::StaticResult* result, const std::string& code, const std::string& detail) {
  auto* anomaly = result->add_anomalies();
  anomaly->set_code(code);
  anomaly->set_detail(detail);
}

void AddFindings(const analysis::v1::LnkInfo& lnk, analysis::v1::StaticResult* result) {
  const std::string program = BaseName(lnk.target_path());
  const std::string& arguments = lnk.arguments();
  const std::string lower_arguments = AsciiLower(arguments);
  const std::string shown_arguments = Bounded(arguments);

  if (Contains(kShells, program)) {
    AddAnomaly(result, "lnk_runs_shell", "target " + lnk.target_path() +
                                             (arguments.empty() ? "" : " with arguments " + shown_arguments));
  } else if (Contains(kLolbins, program)) {
    AddAnomaly(result, "lnk_runs_lolbin", "target " + lnk.target_path() +
                                              (arguments.empty() ? "" : " with arguments " + shown_arguments));
  }

  // Padding: a run of blanks or a line break pushes the real command out of the Properties
  // dialog, which shows the start of the Target field only.
  std::size_t longest_run = 0;
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < arguments.size();) {
    if (!IsBlank(arguments[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < arguments.size() && IsBlank(arguments[j])) ++j;
    if (j - i > longest_run) {
      longest_run = j - i;
      run_start = i;
    }
    i = j;
  }
  const bool line_break = arguments.find_first_of("\r\n\v\f") != std::string::npos;
  if (longest_run >= kBlankRunHidingArguments || line_break || arguments.size() > kLongArguments) {
    std::string detail = std::to_string(arguments.size()) + " characters of arguments";
    if (longest_run >= kBlankRunHidingArguments) {
      detail += ", a run of " + std::to_string(longest_run) + " blanks at character " + std::to_string(run_start);
    }
    if (line_break) detail += ", line breaks";
    AddAnomaly(result, "lnk_long_arguments", detail);
  }

  const std::string icon_path = !lnk.icon_location().empty() ? lnk.icon_location() : lnk.icon_environment_target();
  const std::string icon = BaseName(icon_path);
  const bool executable_target = Contains(kShells, program) || Contains(kLolbins, program) ||
                                 Contains(kExecutableExtensions, Extension(program));
  const bool document_icon = Contains(kDocumentIconModules, icon) || Contains(kDocumentExtensions, Extension(icon));
  if (!icon.empty() && icon != program && executable_target && document_icon) {
    AddAnomaly(result, "lnk_icon_mismatch", "icon " + icon_path + "," + std::to_string(lnk.icon_index()) +
                                                " on target " + lnk.target_path());
  }

  const bool powershell = program == "powershell.exe" || program == "pwsh.exe" ||
                          lower_arguments.find("powershell") != std::string::npos ||
                          lower_arguments.find("pwsh") != std::string::npos;
  bool encoded = false;
  for (const auto& layer : result->script().layers()) encoded = encoded || layer.kind() == "encoded_command";
  if (powershell && (encoded || lower_arguments.find("frombase64string") != std::string::npos)) {
    AddAnomaly(result, "lnk_encoded_powershell", shown_arguments);
  }

  for (const std::string* place : {&lnk.target_path(), &lnk.network_share(), &lnk.arguments()}) {
    const std::string remote = RemoteLocation(*place);
    if (!remote.empty()) {
      AddAnomaly(result, "lnk_remote_target", Bounded(remote));
      break;
    }
  }
}

}  // namespace

void AnalyzeLnkFile(ByteSpan data, const std::string& file_name, analysis::v1::StaticResult* result,
                    std::vector<ExtractedChild>* children,
                    std::vector<std::pair<std::string, std::string>>* decoded_texts) {
  auto parsed = lnk::ParseLnk(data);
  if (!parsed) {
    result->add_errors("lnk: " + parsed.error().message());
    return;
  }
  *result->mutable_lnk() = std::move(parsed->info);
  for (auto& anomaly : parsed->anomalies) *result->add_anomalies() = std::move(anomaly);
  const auto& lnk = result->lnk();

  // What the shortcut runs, and its other strings, are UTF-16 in the file: string extraction
  // sees them, but as pieces; the command line as a whole goes to indicators and the script layer.
  if (!lnk.command_line().empty()) decoded_texts->emplace_back("lnk.command_line", lnk.command_line());
  for (const std::string* text : {&lnk.working_dir(), &lnk.icon_location(), &lnk.name(), &lnk.network_share()}) {
    if (!text->empty()) decoded_texts->emplace_back("lnk.strings", *text);
  }
  if (!lnk.arguments().empty()) {
    AnalyzeScriptText(lnk.command_line(), script::Language::kCommandLine, "lnk command line", file_name, result,
                      children, decoded_texts);
  }
  AddFindings(result->lnk(), result);

  if (lnk.appended_size() >= kMinAppendedChild &&
      std::any_of(result->anomalies().begin(), result->anomalies().end(),
                  [](const auto& a) { return a.code() == "lnk_appended_data"; })) {
    const ByteSpan appended = SubSpan(data, lnk.appended_offset(), lnk.appended_size());
    analysis::v1::ExtractedFile file;
    file.set_name((file_name.empty() ? std::string("shortcut.lnk") : file_name) + ".appended.bin");
    file.set_sha256(hashing::Sha256Hex(appended));
    file.set_size(appended.size());
    file.set_origin("lnk appended data");
    *result->add_extracted_files() = file;
    if (children != nullptr) children->push_back({std::move(file), Bytes(appended.begin(), appended.end())});
  }
}

}  // namespace kensa::static_analysis
