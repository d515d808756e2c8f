// The `kensa` command as users run it: arguments, outputs and one exit code per kind of input
// problem. Runs kensa::cli::Run in-process on the Windows test programs.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "kensa/core/file.h"
#include "kensa/test_support/command.h"

namespace kensa::cli {
namespace {

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome RunKensa(std::vector<std::string> args) {
  std::ostringstream out;
  std::ostringstream err;
  const int code = Run(args, out, err);
  return {code, out.str(), err.str()};
}

std::string Fixture(const std::string& relative) {
  const char* binary_dir = std::getenv("KENSA_BINARY_DIR");
  REQUIRE(binary_dir != nullptr);
  return std::string(binary_dir) + "/tests/fixtures/windows/" + relative;
}

std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("kensa_cli_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST_CASE("kensa triage prints a verdict summary with the defanged URL") {
  const auto result = RunKensa({"triage", Fixture("x64/download_urlmon.exe"), "--no-color"});
  INFO(result.err);
  CHECK(result.code == kExitOk);
  CHECK(result.out.find("download_urlmon.exe") != std::string::npos);
  CHECK(result.out.find("hxxps[://]cdn[.]kensa-fixture[.]co[.]jp/payload/stage2.exe") != std::string::npos);
  CHECK(result.out.find("https://cdn.kensa-fixture.co.jp") == std::string::npos);
}

TEST_CASE("kensa triage opens an encrypted archive with --password and reports its members") {
  // A mail attachment as attackers send it: an executable with a document name, in a zip whose
  // password (not in the default list) travels in the mail body. Built with Info-ZIP's zip.
  const std::string dir = TempDir("archive");
  std::filesystem::copy_file(Fixture("x64/download_urlmon.exe"), dir + "/invoice.pdf.exe",
                             std::filesystem::copy_options::overwrite_existing);
  const std::string zip = dir + "/mail.zip";
  std::filesystem::remove(zip);
  REQUIRE(std::system(("cd '" + dir + "' && zip -q -P kensa-2026 mail.zip invoice.pdf.exe").c_str()) == 0);

  const auto opened = RunKensa({"triage", zip, "--no-color", "--password", "kensa-2026"});
  INFO(opened.err);
  CHECK(opened.code == kExitOk);
  CHECK(opened.out.find("-- Files inside the sample (1)") != std::string::npos);
  CHECK(opened.out.find("  invoice.pdf.exe\n    PE32+ executable") != std::string::npos);
  CHECK(opened.out.find("found in: invoice.pdf.exe") != std::string::npos);
  CHECK(opened.out.find("download_and_execute_imports") != std::string::npos);
  CHECK(opened.out.find("hxxps[://]cdn[.]kensa-fixture[.]co[.]jp/payload/stage2.exe") != std::string::npos);

  const auto locked = RunKensa({"triage", zip, "--no-color"});
  CHECK(locked.code == kExitOk);
  CHECK(locked.out.find("Files inside the sample") == std::string::npos);
  CHECK(locked.out.find("archive_password_unknown") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("A file that crashes its parser fails its own analysis, and the triage around it goes on") {
  // Each file is analyzed in a forked child: the member that crashes (by the pipeline's fault
  // marker, as a parser bug would) is reported with the signal, its sibling is fully analyzed.
  const std::string dir = TempDir("crash");
  const std::string marker = "KENSA-CRASH-MARKER-7f3a";
  {
    std::ofstream bad(dir + "/bad.txt");
    bad << "hello " << marker << "\n";
    for (int line = 0; line < 200; ++line) bad << "padding line " << line << " so that zip deflates the member\n";
  }
  std::filesystem::copy_file(Fixture("x64/download_urlmon.exe"), dir + "/invoice.pdf.exe",
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::remove(dir + "/mail.zip");
  REQUIRE(std::system(("cd '" + dir + "' && zip -q mail.zip bad.txt invoice.pdf.exe").c_str()) == 0);
  const Bytes zip = *ReadFileBounded(dir + "/mail.zip", 1 << 20);
  REQUIRE(std::search(zip.begin(), zip.end(), marker.begin(), marker.end()) == zip.end());  // deflated

  REQUIRE(::setenv("KENSA_FAULT_CRASH_MARKER", marker.c_str(), 1) == 0);
  const auto result = RunKensa({"triage", dir + "/mail.zip", "--no-color"});
  ::unsetenv("KENSA_FAULT_CRASH_MARKER");
  INFO(result.out + result.err);
  CHECK(result.code == kExitOk);
  CHECK(result.out.find("  bad.txt\n") != std::string::npos);
  CHECK(result.out.find("analysis failed: analysis crashed: signal 11 (SIGSEGV)") != std::string::npos);
  CHECK(result.out.find("[CRITICAL] download_and_execute") != std::string::npos);

  // The sample itself crashing is the triage failing, with the reason and exit code 1.
  std::filesystem::copy_file(dir + "/bad.txt", dir + "/alone.txt", std::filesystem::copy_options::overwrite_existing);
  REQUIRE(::setenv("KENSA_FAULT_CRASH_MARKER", marker.c_str(), 1) == 0);
  const auto alone = RunKensa({"triage", dir + "/alone.txt", "--no-color"});
  ::unsetenv("KENSA_FAULT_CRASH_MARKER");
  CHECK(alone.code == kExitInternal);
  CHECK(alone.err.find("analysis crashed: signal 11 (SIGSEGV)") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("kensa triage --format json prints the protobuf JSON form of the report") {
  const auto result = RunKensa({"triage", Fixture("x64/mutex.exe"), "--format", "json"});
  CHECK(result.code == kExitOk);
  CHECK(result.out.find("\"schemaVersion\": \"1\"") != std::string::npos);
  CHECK(result.out.find("\"value\": \"Global\\\\KensaFixtureMutex_7Q2\"") != std::string::npos);
  CHECK(result.out.find("\"level\": \"LEVEL_") != std::string::npos);
}

TEST_CASE("kensa triage --out writes JSON, HTML and text reports named by sha256, in Japanese with --lang ja") {
  const std::string dir = TempDir("out");
  const auto result = RunKensa({"triage", Fixture("x64/inject.exe"), "--out", dir, "--lang", "ja", "--no-color"});
  CHECK(result.code == kExitOk);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  REQUIRE(names.size() == 3);
  CHECK(names[0].size() == 64 + 5);  // <sha256>.html
  CHECK(names[0].ends_with(".html"));
  CHECK(names[1].ends_with(".json"));
  CHECK(names[2].ends_with(".txt"));
  auto html = ReadFileBounded(dir + "/" + names[0], 10 * 1024 * 1024);
  REQUIRE(html.has_value());
  const std::string page(html->begin(), html->end());
  CHECK(page.find("lang=\"ja\"") != std::string::npos);
  CHECK(result.out.find("要注意") != std::string::npos);  // injection imports: suspicious
  std::filesystem::remove_all(dir);
}

TEST_CASE("Each kind of bad input gets one line on stderr and its own exit code") {
  const std::string dir = TempDir("bad");
  auto missing = RunKensa({"triage", dir + "/missing.exe"});
  CHECK(missing.code == kExitNotFound);
  CHECK(missing.err == "kensa: no such file: " + dir + "/missing.exe\n");

  const std::string empty = dir + "/empty.exe";
  REQUIRE(WriteFileAtomically(empty, "").ok());
  auto empty_result = RunKensa({"triage", empty});
  CHECK(empty_result.code == kExitEmpty);
  CHECK(empty_result.err == "kensa: empty file, nothing to analyze: " + empty + "\n");

  auto large = RunKensa({"triage", Fixture("x64/mutex.exe"), "--max-size", "1000"});
  CHECK(large.code == kExitTooLarge);
  CHECK(large.err.find("over the limit of 1000") != std::string::npos);
  CHECK(std::count(large.err.begin(), large.err.end(), '\n') == 1);

  auto directory = RunKensa({"triage", dir});
  CHECK(directory.code == kExitNotAFile);
  CHECK(directory.err == "kensa: not a regular file: " + dir + "\n");

  auto truncated = RunKensa({"triage", Fixture("damaged/mutex_x64_trunc50.exe"), "--format", "json"});
  CHECK(truncated.code == kExitTruncated);
  CHECK(truncated.out.find("pe_truncated") != std::string::npos);
  CHECK(truncated.err.find("is truncated") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("An unreadable file exits 4 when an unprivileged user runs kensa") {
  const std::string dir = TempDir("perm");
  const std::string secret = dir + "/secret.exe";
  REQUIRE(WriteFileAtomically(secret, "MZ").ok());
  REQUIRE(::chmod(secret.c_str(), 0600) == 0);
  ::chmod(dir.c_str(), 0755);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // As root, drop to nobody (65534) so that the permission check is real.
    if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) ::_exit(99);
    std::ostringstream out;
    std::ostringstream err;
    ::_exit(Run({"triage", secret, "--rules", std::string(std::getenv("KENSA_SOURCE_DIR")) + "/rules"}, out, err));
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == kExitUnreadable);
  std::filesystem::remove_all(dir);
}

TEST_CASE("Bad command lines exit 2 with the reason") {
  CHECK(RunKensa({}).code == kExitUsage);
  auto format = RunKensa({"triage", "x", "--format", "pdf"});
  CHECK(format.code == kExitUsage);
  CHECK(format.err.find("--format must be text, json or html") != std::string::npos);
  CHECK(RunKensa({"triage", "x", "--lang", "fr"}).code == kExitUsage);
  CHECK(RunKensa({"triage", "x", "--bogus"}).err.find("unknown option --bogus") != std::string::npos);
  CHECK(RunKensa({"frobnicate"}).code == kExitUsage);
  CHECK(RunKensa({"triage"}).code == kExitUsage);
  CHECK(RunKensa({"help"}).out.find("exit codes") != std::string::npos);
}

TEST_CASE("Rules that cannot load exit 8 and name the problem") {
  const std::string dir = TempDir("rules");
  std::filesystem::create_directories(dir + "/yara");
  std::filesystem::create_directories(dir + "/signatures");
  REQUIRE(WriteFileAtomically(dir + "/signatures/bad.yaml", "signatures:\n  - name: x\n").ok());
  auto result = RunKensa({"triage", Fixture("x64/mutex.exe"), "--rules", dir});
  CHECK(result.code == kExitRules);
  CHECK(result.err.find("bad.yaml: rule 'x': description is required") != std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("--fail-on exits 10 once the verdict reaches the level") {
  CHECK(RunKensa({"triage", Fixture("x64/inject.exe"), "--fail-on", "suspicious"}).code == kExitLevelReached);
  CHECK(RunKensa({"triage", Fixture("x64/benign_hello.exe"), "--fail-on", "suspicious"}).code == kExitOk);
  CHECK(RunKensa({"triage", Fixture("x64/benign_hello.exe"), "--fail-on", "bad"}).code == kExitUsage);
}

TEST_CASE("A configuration file adds YARA folders and command-line flags override it") {
  const std::string dir = TempDir("config");
  std::filesystem::create_directories(dir + "/extra");
  REQUIRE(WriteFileAtomically(dir + "/extra/extra.yar",
                              "rule Extra_Mutex_Name { strings: $a = \"KensaFixtureMutex_7Q2\" condition: $a }\n")
              .ok());
  REQUIRE(WriteFileAtomically(dir + "/kensa.yaml", "yara_rule_dirs: [" + dir + "/extra]\nlanguage: ja\n").ok());
  auto result = RunKensa({"triage", Fixture("x64/mutex.exe"), "--config", dir + "/kensa.yaml", "--format", "json",
                          "--lang", "en"});
  CHECK(result.code == kExitOk);
  CHECK(result.out.find("\"rule\": \"Extra_Mutex_Name\"") != std::string::npos);
  CHECK(result.out.find("\"language\": \"en\"") != std::string::npos);
  std::filesystem::remove_all(dir);
}

constexpr char kSigmaWindowsRules[] = "../shared/corpora/sigma/rules/windows";
constexpr char kCredentialAccess[] = "../shared/corpora/evtx-attack-samples/Credential Access";

TEST_CASE("kensa hunt on a Linux collection archive says compromised, why, and what to do") {
  const std::string dir = TempDir("collection");
  const std::string archive = kensa::test_support::RunCommand("python3 tests/collectors/planted_host.py " + dir);
  const auto result = RunKensa({"hunt", archive, "--out", dir + "/report"});
  INFO(result.err);
  CHECK(result.code == kExitOk);
  CHECK(result.out.find("verdict: COMPROMISED (2 critical matches (top rule: A shell history shows a reverse shell))") !=
        std::string::npos);
  CHECK(result.out.find("collection: victim01 (Debian GNU/Linux 12 (bookworm)") != std::string::npos);
  CHECK(result.out.find("recommended actions:\n  1. Isolate the host") != std::string::npos);
  CHECK(result.out.find("    files/etc/ld.so.preload:1: /usr/lib/x86_64-linux-gnu/libsneaky.so\n") != std::string::npos);
  CHECK(result.out.find("timeline (first 15 of") != std::string::npos);
  CHECK(result.out.find("  [URL] hxxp[://]198[.]51[.]100[.]7/c.sh  (linux_cron_download_and_run)\n") != std::string::npos);
  CHECK(std::filesystem::exists(dir + "/report/hunt.json"));
  CHECK(std::filesystem::exists(dir + "/report/hunt.html"));
  const auto html = RunKensa({"hunt", archive, "--format", "html", "-o", dir + "/victim01.html"});
  CHECK(html.code == kExitOk);
  CHECK(html.out.empty());
  auto page = ReadFileBounded(dir + "/victim01.html", 16 * 1024 * 1024);
  REQUIRE(page.has_value());
  const std::string page_text(page->begin(), page->end());
  CHECK(page_text.find("<div class=\"badge\">COMPROMISED</div>") != std::string::npos);
  CHECK(page_text.find("files/etc/ld.so.preload:1") != std::string::npos);
  const auto ja = RunKensa({"hunt", archive, "--lang", "ja"});
  CHECK(ja.code == kExitOk);
  CHECK(ja.out.find("判定: 侵害あり") != std::string::npos);
  CHECK(ja.out.find("推奨対応:\n  1. 調査が終わるまでホストをネットワークから隔離") != std::string::npos);
  CHECK(ja.out.find("/etc/ld.so.preload が全プロセスにライブラリを読み込ませています") != std::string::npos);
  CHECK(ja.out.find("[critical] シェル履歴にリバースシェルの実行が残っています (linux_history_reverse_shell)\n") !=
        std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST_CASE("kensa hunt on an X509-encrypted Velociraptor collection asks for the key, then hunts it") {
  const std::string dir = TempDir("velociraptor-x509");
  const std::string reg = dir + "/software.reg";
  std::ofstream(reg, std::ios::binary) << "Windows Registry Editor Version 5.00\r\n\r\n"
                                          "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
                                          "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n\r\n";
  kensa::test_support::RunCommand("python3 tests/support/make_hive.py '" + dir + "/SOFTWARE' '" + reg +
                                  "' --prefix 'HKEY_LOCAL_MACHINE\\SOFTWARE' && openssl genrsa -out '" + dir +
                                  "/frontend.key' 2048 2>/dev/null");
  const std::string zip = dir + "/Collection-WKSTN-07.zip";
  kensa::test_support::RunCommand(
      "python3 libs/collection/tests/make_foreign_collections.py velociraptor-x509 '" + zip +
      "' '../shared/corpora/evtx-attack-samples/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx' '" +
      dir + "/SOFTWARE' '" + dir + "/frontend.key'");
  const auto locked = RunKensa({"hunt", zip});
  CHECK(locked.code == kExitEmpty);
  CHECK(locked.err.find("is an encrypted Velociraptor collection (X509 scheme)") != std::string::npos);
  CHECK(locked.err.find("give the private key") != std::string::npos);

  const auto result = RunKensa({"hunt", zip, "--collection-key", dir + "/frontend.key", "--format", "json"});
  INFO(result.err);
  REQUIRE(result.code == kExitOk);
  CHECK(result.out.find("\"encryption\": \"Velociraptor container, X509 scheme: password decrypted with the private key\"") !=
        std::string::npos);
  CHECK(result.out.find("\"hostname\": \"WKSTN-07\"") != std::string::npos);
  CHECK(result.out.find("\"ruleId\": \"windows_autorun_user_writable\"") != std::string::npos);
  CHECK(RunKensa({"hunt", zip, "--collection-key", reg}).code == kExitUsage);  // no key in it
  std::filesystem::remove_all(dir);
}

TEST_CASE("kensa hunt with no rule option hunts event logs with the team's own Sigma rules") {
  const std::string file = std::string(kCredentialAccess) + "/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx";
  const auto result = RunKensa({"hunt", file, "--format", "json"});
  INFO(result.err);
  CHECK(result.code == kExitOk);
  CHECK(result.err.empty());
  CHECK(result.out.find("\"title\": \"Process opens LSASS with rights to read its memory\"") != std::string::npos);
  CHECK(result.out.find("\"T1003.001\"") != std::string::npos);
  CHECK(result.out.find("\"verdict\": \"HUNT_VERDICT_COMPROMISED\"") != std::string::npos);
  // In Japanese, the finding has the rule's Japanese title.
  const auto ja = RunKensa({"hunt", file, "--lang", "ja"});
  CHECK(ja.code == kExitOk);
  CHECK(ja.out.find("プロセスがメモリ読み取り権限で LSASS を開きました") != std::string::npos);
  // --sigma-rules adds a folder to the team's rules: both rule sets report the access.
  const auto both = RunKensa({"hunt", file, "--sigma-rules", kSigmaWindowsRules, "--format", "json"});
  CHECK(both.code == kExitOk);
  CHECK(both.out.find("\"title\": \"Process opens LSASS with rights to read its memory\"") != std::string::npos);
  CHECK(both.out.find("\"title\": \"HackTool - Generic Process Access\"") != std::string::npos);
}

TEST_CASE("kensa hunt on a Mimikatz sekurlsa log finds SigmaHQ's hack tool LSASS access rule") {
  const std::string file = std::string(kCredentialAccess) + "/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx";
  const auto result = RunKensa({"hunt", file, "--no-kensa-sigma", "--sigma-rules", kSigmaWindowsRules, "--format", "json"});
  INFO(result.err);
  CHECK(result.code == kExitOk);
  CHECK(result.err.empty());
  CHECK(result.out.find("\"ruleId\": \"d0d2f720-d14f-448d-8242-51ff396a334e\"") != std::string::npos);
  CHECK(result.out.find("\"title\": \"HackTool - Generic Process Access\"") != std::string::npos);
  CHECK(result.out.find("\"level\": \"high\"") != std::string::npos);
  CHECK(result.out.find("\"T1003.001\"") != std::string::npos);
  CHECK(result.out.find("\"SourceImage\": \"C:\\\\Users\\\\IEUser\\\\Desktop\\\\mimikatz_trunk\\\\Win32\\\\mimikatz.exe\"") !=
        std::string::npos);
  CHECK(result.out.find("\"timestamp\": \"2019-03-17T19:37:11.661930Z\"") != std::string::npos);
  CHECK(result.out.find("\"verdict\": \"HUNT_VERDICT_COMPROMISED\"") != std::string::npos);
  CHECK(result.out.find("\"verdictReason\": \"1 high match (top rule: HackTool - Generic Process Access)\"") !=
        std::string::npos);
}

TEST_CASE("kensa hunt on the Credential Access folder prints a compromised verdict led by critical rules") {
  const std::string dir = TempDir("hunt_out");
  const auto result = RunKensa({"hunt", kCredentialAccess, "--no-kensa-sigma", "--sigma-rules", kSigmaWindowsRules, "--out", dir});
  INFO(result.err);
  CHECK(result.code == kExitOk);
  // 38 EVTX files; the folder's .etl trace is not EVTX by content and is left out.
  CHECK(result.out.starts_with(
      "verdict: COMPROMISED (7 critical matches (top rule: HackTool - Dumpert Process Dumper Default File))\n"
      "hunted:  38 file(s), 744 events, "));
  // Medium: the MSSQL and ESENT rules read the classic providers' unnamed Data; ten failed logons
  // from 10.0.2.17 are no longer "from an external network", the ntdsutil copy is found.
  CHECK(result.out.find("matches by level: critical=7 high=65 medium=60 low=20 informational=0\n") !=
        std::string::npos);
  CHECK(result.out.find("  3  [critical] HackTool - Dumpert Process Dumper Default File "
                        "(93d94efc-d7ad-4161-ad7d-1638c4f908d8)\n") != std::string::npos);
  // Findings are in time order: the first is the 2017 DSRM password change.
  CHECK(result.out.find("first findings:\n  2017-06-09T19:21:26.968669Z  2016dc.hqcorp.local  [high] "
                        "Password Change on Directory Service Restore Mode (DSRM) Account\n") != std::string::npos);
  auto json = ReadFileBounded(dir + "/hunt.json", 64 * 1024 * 1024);
  REQUIRE(json.has_value());
  const std::string text(json->begin(), json->end());
  CHECK(text.find("\"ruleId\": \"93d94efc-d7ad-4161-ad7d-1638c4f908d8\"") != std::string::npos);
  auto txt = ReadFileBounded(dir + "/hunt.txt", 64 * 1024 * 1024);
  REQUIRE(txt.has_value());
  CHECK(std::string(txt->begin(), txt->end()) == result.out);
  std::filesystem::remove_all(dir);
}

TEST_CASE("kensa hunt reports a damaged log's record errors and still hunts it") {
  const auto result = RunKensa({"hunt", "../shared/corpora/evtx-damaged/samples/sample_with_a_bad_chunk_magic.evtx",
                                "--sigma-rules", kSigmaWindowsRules, "--format", "json"});
  CHECK(result.code == kExitOk);
  CHECK(result.out.find("\"records\": \"270\"") != std::string::npos);
  CHECK(result.out.find("\"recordErrors\": \"3\"") != std::string::npos);
  CHECK(result.out.find("\"chunk 7: bad_record_signature at 8288\"") != std::string::npos);
  CHECK(result.out.find("\"verdict\": \"HUNT_VERDICT_NO_EVIDENCE\"") != std::string::npos);
  CHECK(result.err.find("is damaged (0 chunk errors, 3 record errors); hunted what could be decoded") !=
        std::string::npos);
}

TEST_CASE("kensa hunt exits with triage's codes for a missing path, a folder without EVTX and bad rules") {
  const std::string dir = TempDir("hunt_bad");
  auto missing = RunKensa({"hunt", dir + "/missing", "--sigma-rules", kSigmaWindowsRules});
  CHECK(missing.code == kExitNotFound);
  CHECK(missing.err == "kensa: no such file or folder: " + dir + "/missing\n");

  REQUIRE(WriteFileAtomically(dir + "/notes.evtx", "not an event log").ok());
  auto no_evtx = RunKensa({"hunt", dir, "--sigma-rules", kSigmaWindowsRules});
  CHECK(no_evtx.code == kExitEmpty);
  CHECK(no_evtx.err == "kensa: no event log (EVTX or .evt) under " + dir + "\n");
  auto not_evtx = RunKensa({"hunt", dir + "/notes.evtx", "--sigma-rules", kSigmaWindowsRules});
  CHECK(not_evtx.code == kExitEmpty);
  CHECK(not_evtx.err == "kensa: not an event log (no EVTX ElfFile or .evt LfLe signature): " + dir + "/notes.evtx\n");

  auto no_rules = RunKensa({"hunt", kCredentialAccess, "--no-kensa-sigma"});
  CHECK(no_rules.code == kExitUsage);
  CHECK(no_rules.err.find("hunting event logs needs Sigma rules: --no-kensa-sigma needs --sigma-rules DIR") !=
        std::string::npos);
  auto bad_rules = RunKensa({"hunt", kCredentialAccess, "--sigma-rules", dir + "/no_such_rules"});
  CHECK(bad_rules.code == kExitRules);
  CHECK(bad_rules.err.find("cannot load Sigma rules") != std::string::npos);
  CHECK(RunKensa({"hunt", kCredentialAccess, "--sigma-rules", dir, "--format", "pdf"}).code == kExitUsage);
  CHECK(RunKensa({"help"}).out.find("hunt PATH") != std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kensa::cli
