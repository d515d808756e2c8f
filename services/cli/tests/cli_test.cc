// The `kensa` command as users run it: arguments, outputs and one exit code per kind of input
// problem. Runs kensa::cli::Run in-process on the Windows test programs.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "kensa/core/file.h"

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

}  // namespace
}  // namespace kensa::cli
