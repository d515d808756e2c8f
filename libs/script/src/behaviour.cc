#include "kensa/script/behaviour.h"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>

#include "text_util.h"

namespace kensa::script {
namespace {

constexpr std::size_t kMaxLineBytes = 300;

struct Rule {
  std::string_view kind;
  std::string_view keyword;
  // Found on a line (lower case); `whole_word` requires no letter, digit or '-' around it.
  std::string_view needle;
  bool whole_word = false;
  // At least one of these (when any are given) on the same line...
  std::array<std::string_view, 4> line_any{};
  // ...and at least one of these anywhere in the text.
  std::array<std::string_view, 4> text_any{};
};

constexpr Rule kRules[] = {
    // Downloads (T1105).
    {"download_cradle", "Net.WebClient.DownloadString", "downloadstring", false, {}, {"webclient"}},
    {"download_cradle", "Net.WebClient.DownloadFile", "downloadfile", false, {}, {"webclient"}},
    {"download_cradle", "Net.WebClient.DownloadData", "downloaddata", false, {}, {"webclient"}},
    {"download_cradle", "Net.WebClient.OpenRead", "openread", false, {}, {"webclient"}},
    {"download_cradle", "Invoke-WebRequest", "invoke-webrequest"},
    {"download_cradle", "Invoke-WebRequest", "iwr", true, {"http"}},
    {"download_cradle", "Invoke-RestMethod", "invoke-restmethod"},
    {"download_cradle", "Start-BitsTransfer", "start-bitstransfer"},
    {"download_cradle", "Net.Http.HttpClient", "httpclient", false, {"getasync", "getstringasync", "getbytearrayasync", "getstreamasync"}},
    {"download_cradle", "XMLHTTP + ADODB.Stream", "xmlhttp", false, {}, {"adodb.stream", "responsebody", "responsetext"}},
    {"download_cradle", "WinHttpRequest", "winhttp.winhttprequest", false, {}, {"responsebody", "responsetext", "adodb.stream"}},
    {"download_cradle", "URLDownloadToFile", "urldownloadtofile"},
    {"download_cradle", "certutil -urlcache", "certutil", false, {"urlcache", "verifyctl"}},
    {"download_cradle", "bitsadmin /transfer", "bitsadmin", false, {"/transfer", "/addfile", "-transfer"}},
    {"download_cradle", "curl", "curl", true, {"http"}},
    {"download_cradle", "wget", "wget", true, {"http", "ftp"}},
    // Running code or programs (T1059.*).
    {"execution", "Invoke-Expression", "invoke-expression"},
    {"execution", "Invoke-Expression", "iex", true},
    {"execution", "Start-Process", "start-process"},
    {"execution", "Invoke-Item", "invoke-item"},
    {"execution", "Diagnostics.Process.Start", "process]::start"},
    {"execution", "Invoke-Command", "invoke-command"},
    {"execution", "Reflection.Assembly.Load", "assembly]::load"},
    {"execution", "WScript.Shell.Run", ".run", true, {}, {"wscript.shell"}},
    {"execution", "WScript.Shell.Exec", ".exec", true, {}, {"wscript.shell"}},
    {"execution", "ShellExecute", "shellexecute"},
    {"execution", "Win32_Process.Create", "win32_process"},
    {"execution", "ExecuteGlobal", "executeglobal"},
    {"execution", "powershell", "powershell", true},
    {"execution", "cmd /c", "cmd", true, {"/c ", "/k ", "/c\"", "/r "}},
    {"execution", "mshta", "mshta", true},
    {"execution", "rundll32", "rundll32", true},
    {"execution", "regsvr32", "regsvr32", true},
    // Shell scripts: what they fetch or decode runs through a shell.
    {"execution", "piped into a shell", "| sh", true},
    {"execution", "piped into a shell", "|sh", true},
    {"execution", "piped into a shell", "| bash", true},
    {"execution", "piped into a shell", "|bash", true},
    {"execution", "piped into a shell", "| /bin/sh", true},
    {"execution", "piped into a shell", "| /bin/bash", true},
    {"execution", "sh -c", "sh -c", true},
    {"execution", "chmod +x in a temporary folder", "chmod", true, {"+x", "777", "755", "700"}, {"/tmp/", "/dev/shm/", "/var/tmp/"}},
    // Reverse shells (T1059.004): the host's shell handed to a remote peer.
    {"reverse_shell", "/dev/tcp", "/dev/tcp/"},
    {"reverse_shell", "/dev/udp", "/dev/udp/"},
    {"reverse_shell", "nc -e", "nc", true, {" -e ", " -c ", " -e/", "--exec"}},
    {"reverse_shell", "ncat -e", "ncat", true, {" -e ", " -c ", "--exec", "--sh-exec"}},
    {"reverse_shell", "socat exec", "socat", true, {"exec:", "system:"}},
    {"reverse_shell", "mkfifo + nc", "mkfifo", true, {"nc ", "ncat ", "telnet "}},
    {"reverse_shell", "pty.spawn", "pty.spawn"},
    // Covering tracks and switching defences off (T1070, T1562).
    {"defense_evasion", "history -c", "history -c"},
    {"defense_evasion", "HISTFILE off", "unset histfile"},
    {"defense_evasion", "HISTFILE off", "histfile=/dev/null"},
    {"defense_evasion", "HISTSIZE=0", "histsize=0"},
    {"defense_evasion", "setenforce 0", "setenforce 0"},
    {"defense_evasion", "iptables -F", "iptables -f"},
    {"defense_evasion", "ufw disable", "ufw disable"},
    {"defense_evasion", "chattr +i", "chattr +i"},
    {"defense_evasion", "logs removed", "rm -rf /var/log"},
    {"defense_evasion", "logs removed", "rm -f /var/log"},
    {"defense_evasion", "logs emptied", "> /var/log/"},
    {"defense_evasion", "shred", "shred", true, {"/var/log", "history", "-u"}},
    // Credentials (T1003.008, T1552.004).
    {"credential_access", "/etc/shadow", "/etc/shadow"},
    {"credential_access", "SSH private key", "id_rsa"},
    {"credential_access", "SSH private key", "id_ed25519"},
    {"credential_access", "mimipenguin", "mimipenguin"},
    // AMSI bypass (T1562.001).
    {"amsi_bypass", "AmsiUtils", "amsiutils"},
    {"amsi_bypass", "amsiInitFailed", "amsiinitfailed"},
    {"amsi_bypass", "AmsiScanBuffer", "amsiscanbuffer"},
    {"amsi_bypass", "amsiContext", "amsicontext"},
    {"amsi_bypass", "AmsiOpenSession", "amsiopensession"},
    // Persistence (T1547.001, T1053.005).
    {"persistence", "Run key", "currentversion\\run"},
    {"persistence", "Run key", "currentversion\\\\run"},
    {"persistence", "schtasks /create", "schtasks", false, {"/create", "-create"}},
    {"persistence", "New-ScheduledTask", "new-scheduledtask"},
    {"persistence", "Register-ScheduledTask", "register-scheduledtask"},
    {"persistence", "Startup folder", "\\programs\\startup"},
    {"persistence", "Startup folder", "\\\\programs\\\\startup"},
    {"persistence", "Startup folder", "shell:startup"},
    {"persistence", "Startup folder", "specialfolders(\"startup\")"},
    // "crontab -l" only reads; a crontab fed on standard input replaces it.
    {"persistence", "crontab", "| crontab", true},
    {"persistence", "crontab", "|crontab", true},
    {"persistence", "cron file", "/etc/cron"},
    {"persistence", "cron file", "/var/spool/cron"},
    {"persistence", "systemd unit", "systemctl enable"},
    {"persistence", "systemd unit", "/etc/systemd/system/"},
    {"persistence", "rc.local", "/etc/rc.local"},
    {"persistence", "shell profile", ".bashrc", false, {">>", "echo"}},
    {"persistence", "shell profile", "/etc/profile.d/"},
    {"persistence", "SSH authorized_keys", "authorized_keys", false, {">>", "echo", "cat "}},
    {"persistence", "ld.so.preload", "/etc/ld.so.preload"},
};

bool WordChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::size_t FindNeedle(std::string_view line, const Rule& rule) {
  for (std::size_t at = line.find(rule.needle); at != std::string_view::npos;
       at = line.find(rule.needle, at + 1)) {
    if (!rule.whole_word) return at;
    const std::size_t end = at + rule.needle.size();
    // A needle that starts with punctuation (".run") needs no boundary before it.
    const bool before = at == 0 || !WordChar(rule.needle[0]) || !WordChar(line[at - 1]);
    const bool after = end >= line.size() || !WordChar(line[end]) || line.substr(end, 4) == ".exe";
    if (before && after) return at;
  }
  return std::string_view::npos;
}

bool AnyIn(std::string_view haystack, const std::array<std::string_view, 4>& needles) {
  bool any_given = false;
  for (std::string_view needle : needles) {
    if (needle.empty()) continue;
    any_given = true;
    if (haystack.find(needle) != std::string_view::npos) return true;
  }
  return !any_given;
}

// The evidence: the line, or a window of it around the match when the line is long.
std::string Evidence(std::string_view line, std::size_t at) {
  std::size_t begin = 0;
  std::size_t end = line.size();
  while (begin < end && (line[begin] == ' ' || line[begin] == '\t')) ++begin;
  while (end > begin && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r')) --end;
  if (end - begin > kMaxLineBytes) {
    begin = at > kMaxLineBytes / 3 ? at - kMaxLineBytes / 3 : begin;
    while (begin > 0 && (static_cast<std::uint8_t>(line[begin]) & 0xC0) == 0x80) --begin;
  }
  return internal::SanitizeUtf8(internal::Utf8Prefix(line.substr(begin, end - begin), kMaxLineBytes));
}

}  // namespace

std::vector<ScriptFinding> FindBehaviourInText(std::string_view text, Language language, std::size_t text_index,
                                               std::size_t max_findings) {
  std::vector<ScriptFinding> findings;
  // Keywords are matched in lower case; offsets stay those of `text` for the evidence.
  const std::string lower = AsciiLower(text);
  std::vector<bool> done(std::size(kRules), false);
  std::set<std::pair<std::string_view, std::string_view>> reported;
  std::size_t start = 0;
  const std::string_view all(lower);
  while (start < all.size() && findings.size() < max_findings) {
    std::size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view line = all.substr(start, end - start);
    for (std::size_t r = 0; r < std::size(kRules) && findings.size() < max_findings; ++r) {
      const Rule& rule = kRules[r];
      if (done[r]) continue;
      const std::size_t at = FindNeedle(line, rule);
      if (at == std::string_view::npos) continue;
      if (!AnyIn(line, rule.line_any) || !AnyIn(all, rule.text_any)) continue;
      done[r] = true;
      if (!reported.insert({rule.kind, rule.keyword}).second) continue;
      ScriptFinding finding;
      finding.kind = std::string(rule.kind);
      finding.keyword = std::string(rule.keyword);
      // Evidence from the original text, with its case.
      finding.line = Evidence(text.substr(start, end - start), at);
      finding.text_index = text_index;
      finding.language = language;
      findings.push_back(std::move(finding));
    }
    start = end + 1;
  }
  return findings;
}

std::vector<ScriptFinding> FindBehaviour(const Deobfuscation& deobfuscation, std::string_view original,
                                         std::size_t max_findings) {
  std::vector<ScriptFinding> findings;
  std::set<std::tuple<std::string, std::string, std::size_t>> seen;
  auto add = [&](ScriptFinding finding) {
    if (findings.size() >= max_findings) return;
    if (!seen.insert({finding.kind, finding.keyword, finding.text_index}).second) return;
    findings.push_back(std::move(finding));
  };
  const Language first_language =
      deobfuscation.texts.empty() ? Language::kPowerShell : deobfuscation.texts[0].language;
  // Decoded texts first: their lines are the clearer evidence.
  for (std::size_t i = 0; i < deobfuscation.texts.size(); ++i) {
    const auto& text = deobfuscation.texts[i];
    for (auto& f : FindBehaviourInText(text.text, text.language, i, max_findings)) add(std::move(f));
  }
  for (auto& f : FindBehaviourInText(original, first_language, 0, max_findings)) add(std::move(f));
  for (const auto& layer : deobfuscation.layers) {
    ScriptFinding finding;
    finding.text_index = layer.text_index;
    finding.language = layer.language;
    finding.line = Evidence(layer.excerpt, 0);
    if (layer.kind == "encoded_command") {
      finding.kind = "encoded_command";
      finding.keyword = "-EncodedCommand";
      // The command was decoded from its parent; the evidence is what it says.
      finding.text_index = deobfuscation.texts[layer.text_index].parent;
      finding.language = deobfuscation.texts[finding.text_index].language;
    } else if (layer.kind == "invoke_expression") {
      finding.kind = "execution";
      finding.keyword = "Invoke-Expression";
    } else if (layer.kind == "eval") {
      finding.kind = "execution";
      finding.keyword = layer.language == Language::kVbScript ? "Execute" : "eval";
    } else {
      continue;
    }
    add(std::move(finding));
  }
  return findings;
}

}  // namespace kensa::script
