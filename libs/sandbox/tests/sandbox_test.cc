// The sandbox stage library over the real mingw-w64 test programs of tests/winbins (x86 and
// x64, built by the kensa_winbins target): behaviour signatures with their evidence, YARA on
// executed memory, indicators, children, and the files it must not run.
#include "kensa/sandbox/sandbox.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/static_analysis/static_analyzer.h"

using kensa::Bytes;
using kensa::sandbox::Sandbox;
using kensa::sandbox::SandboxConfig;
using kensa::sandbox::SandboxRun;
namespace v1 = kensa::analysis::v1;

namespace {

std::string BinaryDir() {
  const char* dir = std::getenv("KENSA_BINARY_DIR");
  return dir != nullptr ? dir : "build";
}

std::string WinbinPath(const std::string& arch, const std::string& name) {
  return BinaryDir() + "/tests/winbins/" + arch + "/" + name + ".exe";
}

Bytes ReadWinbin(const std::string& arch, const std::string& name) {
  auto bytes = kensa::ReadFileBounded(WinbinPath(arch, name), 64u << 20);
  INFO(WinbinPath(arch, name) << ": build the kensa_winbins target");
  REQUIRE(bytes);
  return std::move(*bytes);
}

const kensa::static_analysis::StaticAnalyzer& Analyzer() {
  static const auto analyzer = [] {
    std::vector<std::string> warnings;
    auto created = kensa::static_analysis::StaticAnalyzer::Create({}, &warnings);
    REQUIRE(created);
    return std::move(*created);
  }();
  return *analyzer;
}

// The YARA rule the test adds: the first bytes of t11's decoded stub (mov eax, 0x11111111;
// add eax, ...), which exist only in the memory the program wrote, never in its file.
// A folder removed when the test process ends.
struct TemporaryFolder {
  std::filesystem::path path;
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

std::string TestYaraDir() {
  static const TemporaryFolder folder{std::filesystem::temp_directory_path() /
                                      ("kensa-sandbox-test-yara-" + std::to_string(::getpid()))};
  static const std::string dir = [] {
    const auto& path = folder.path;
    std::filesystem::create_directories(path);
    std::ofstream(path / "sbx_stub.yar") << R"(
rule sbx_unpacked_stub {
  meta:
    description = "t11's decoded stub"
    description_ja = "t11 の復号済みスタブ"
    severity = "high"
    attack = "T1027.002"
  strings:
    $stub = { B8 11 11 11 11 05 }
  condition:
    $stub
}
)";
    return path.string();
  }();
  return dir;
}

const Sandbox& TheSandbox() {
  static const auto sandbox = [] {
    SandboxConfig config;
    config.extra_yara_dirs = {TestYaraDir()};
    std::vector<std::string> warnings;
    auto created = Sandbox::Create(config, &warnings);
    INFO((created ? std::string() : created.error().message()));
    REQUIRE(created);
    return std::move(*created);
  }();
  return *sandbox;
}

SandboxRun RunBytes(const Bytes& bytes, const std::string& name,
                    const Sandbox& sandbox = TheSandbox()) {
  auto static_result = Analyzer().Analyze(bytes, name);
  REQUIRE(static_result);
  auto run = sandbox.Run(bytes, *static_result);
  REQUIRE(run);
  return std::move(*run);
}

SandboxRun RunWinbin(const std::string& arch, const std::string& name) {
  SandboxRun run = RunBytes(ReadWinbin(arch, name), name + ".exe");
  INFO(arch << " " << name << ": " << run.result.skip_reason()
            << run.result.behavior().end_detail());
  REQUIRE(run.result.ran());
  return run;
}

const v1::Signature* FindSignature(const v1::SandboxResult& result, const std::string& name) {
  for (const auto& signature : result.signatures()) {
    if (signature.name() == name) return &signature;
  }
  return nullptr;
}

std::string SignatureNames(const v1::SandboxResult& result) {
  std::string names;
  for (const auto& signature : result.signatures()) names += signature.name() + " ";
  return names;
}

// The evidence of `kind` whose value contains `text`.
bool HasEvidence(const v1::Signature& signature, const std::string& kind, const std::string& text) {
  return std::any_of(
      signature.evidence().begin(), signature.evidence().end(), [&](const v1::Evidence& evidence) {
        return evidence.kind() == kind && evidence.value().find(text) != std::string::npos;
      });
}

bool HasIndicator(const v1::SandboxResult& result, v1::IndicatorType type,
                  const std::string& value) {
  return std::any_of(result.indicators().begin(), result.indicators().end(),
                     [&](const v1::Indicator& indicator) {
                       return indicator.type() == type && indicator.value() == value;
                     });
}

}  // namespace

TEST_CASE("the repository's behaviour rules and YARA rules load", "[sandbox]") {
  CHECK(TheSandbox().behavior_rule_count() >= 30);
  CHECK(TheSandbox().yara_rule_count() > 1);
}

TEST_CASE("a Run-key write is persistence with the value as evidence", "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    const SandboxRun run = RunWinbin(arch, "t02_runkey");
    const auto* signature = FindSignature(run.result, "persistence_run_key");
    INFO(arch << ": " << SignatureNames(run.result));
    REQUIRE(signature != nullptr);
    CHECK(signature->source() == "behavior");
    CHECK(signature->attack_techniques(0) == "T1547.001");
    CHECK(HasEvidence(
        *signature, "registry_event",
        "set_value HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run SbxTest"));
    CHECK(HasEvidence(*signature, "registry_event", "C:\\ProgramData\\sbx\\agent.exe (api #"));
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_REGISTRY_KEY,
                       "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run"));
  }
}

TEST_CASE("CreateService is service creation naming the service", "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    const SandboxRun run = RunWinbin(arch, "t08_service");
    const auto* signature = FindSignature(run.result, "service_created");
    INFO(arch << ": " << SignatureNames(run.result));
    REQUIRE(signature != nullptr);
    CHECK(signature->attack_techniques(0) == "T1543.003");
    CHECK(HasEvidence(*signature, "service_event",
                      "create SbxTestSvc binPath=C:\\ProgramData\\sbx\\sbx-svc.exe"));
  }
}

TEST_CASE("remote allocation, write and thread are process injection", "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    const SandboxRun run = RunWinbin(arch, "t12_inject");
    const auto* signature = FindSignature(run.result, "process_injection");
    INFO(arch << ": " << SignatureNames(run.result));
    REQUIRE(signature != nullptr);
    CHECK(signature->attack_techniques(0) == "T1055");
    CHECK(HasEvidence(*signature, "process_event", "write_memory "));
    CHECK(HasEvidence(*signature, "process_event", "remote_thread "));
    // The child is never resumed: injection, not hollowing.
    CHECK(FindSignature(run.result, "process_hollowing") == nullptr);
  }
}

TEST_CASE("code run from written memory is unpacking, and YARA matches the dump",
          "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    const SandboxRun run = RunWinbin(arch, "t11_unpack");
    INFO(arch << ": " << SignatureNames(run.result));
    const auto* unpacking = FindSignature(run.result, "unpacked_code_executed");
    REQUIRE(unpacking != nullptr);
    CHECK(HasEvidence(*unpacking, "executed_memory", "memory_0x"));

    REQUIRE(run.result.behavior().executed_memory_regions_size() >= 1);
    const auto& region = run.result.behavior().executed_memory_regions(0);
    const std::string artifact = "memory_" + kensa::HexNumber(region.address());
    const auto match = std::find_if(
        run.result.yara_matches().begin(), run.result.yara_matches().end(),
        [](const v1::ArtifactYaraMatch& m) { return m.match().rule() == "sbx_unpacked_stub"; });
    REQUIRE(match != run.result.yara_matches().end());
    CHECK(match->artifact() == artifact);
    CHECK(match->artifact_sha256() == region.sha256());

    const auto* yara = FindSignature(run.result, "yara:sbx_unpacked_stub");
    REQUIRE(yara != nullptr);
    CHECK(yara->source() == "yara_memory");
    CHECK(yara->evidence(0).kind() == "artifact");
    CHECK(yara->evidence(0).value() == artifact);

    // The dump is a child after the dropped files.
    const auto child = std::find_if(run.children.begin(), run.children.end(), [](const auto& c) {
      return c.info.origin() == "executed_memory";
    });
    REQUIRE(child != run.children.end());
    CHECK(child->info.name() == artifact + ".bin");
    CHECK(child->info.sha256() == kensa::hashing::Sha256Hex(child->data));
    CHECK(child->info.size() == child->data.size());
  }
}

TEST_CASE("URLDownloadToFile is a download with the URL and host as indicators",
          "[sandbox][winbins]") {
  const std::string url = "http://sbx-download.example.com/sbx/urlmon.bin";
  for (const std::string arch : {"x86", "x64"}) {
    SandboxConfig config;
    config.emulation.environment.arguments = {url};
    std::vector<std::string> warnings;
    auto sandbox = Sandbox::Create(config, &warnings);
    REQUIRE(sandbox);
    const SandboxRun run = RunBytes(ReadWinbin(arch, "t06_urlmon"), "t06_urlmon.exe", **sandbox);
    REQUIRE(run.result.ran());
    INFO(arch << ": " << SignatureNames(run.result));
    const auto* signature = FindSignature(run.result, "file_downloaded");
    REQUIRE(signature != nullptr);
    CHECK(signature->attack_techniques(0) == "T1105");
    CHECK(HasEvidence(*signature, "network_event", "download " + url));
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_URL, url));
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_DOMAIN, "sbx-download.example.com"));
    // 192.0.2.10 is the DNS simulation's answer, not something the sample knew.
    CHECK_FALSE(HasIndicator(run.result, v1::INDICATOR_TYPE_IPV4, "192.0.2.10"));
    // The file holds the simulation's canned answer, not the sample's bytes: not a child, not a
    // dropped executable (the canned body starts with MZ).
    CHECK(run.children.empty());
    CHECK(FindSignature(run.result, "dropped_executable") == nullptr);
  }
}

TEST_CASE("an HTTP answer written to a file is a download with the user agent as indicator",
          "[sandbox][winbins]") {
  const std::string url = "http://sbx-download.example.com/sbx/wininet.bin";
  for (const std::string arch : {"x86", "x64"}) {
    SandboxConfig config;
    config.emulation.environment.arguments = {url};
    std::vector<std::string> warnings;
    auto sandbox = Sandbox::Create(config, &warnings);
    REQUIRE(sandbox);
    const SandboxRun run = RunBytes(ReadWinbin(arch, "t05_wininet"), "t05_wininet.exe", **sandbox);
    REQUIRE(run.result.ran());
    INFO(arch << ": " << SignatureNames(run.result));
    const auto* written = FindSignature(run.result, "http_response_written_to_file");
    REQUIRE(written != nullptr);
    CHECK(HasEvidence(*written, "network_event", "http_request " + url));
    CHECK(HasEvidence(*written, "api_call", "HttpQueryInfoA("));  // the first read of the answer
    CHECK(HasEvidence(*written, "file_event",
                      "write C:\\Users\\jsmith\\AppData\\Local\\Temp\\sbx-wininet.bin"));
    const auto* http = FindSignature(run.result, "http_communication");
    REQUIRE(http != nullptr);
    CHECK(http->attack_techniques(0) == "T1071.001");
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_USER_AGENT, "SbxAgent/1.0"));
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_URL, url));
  }
}

TEST_CASE("dropped files become children with their content's sha256", "[sandbox][winbins]") {
  // tests/winbins/README.md: sbx-drop.bin is 4096 bytes, byte i = (i mod 256) XOR 0x5A.
  Bytes expected(4096);
  for (std::size_t i = 0; i < expected.size(); ++i)
    expected[i] = static_cast<std::uint8_t>((i % 256) ^ 0x5A);
  const std::string expected_sha256 = kensa::hashing::Sha256Hex(expected);
  for (const std::string arch : {"x86", "x64"}) {
    const Bytes sample = ReadWinbin(arch, "t03_filedrop");
    const SandboxRun run = RunBytes(sample, "t03_filedrop.exe");
    REQUIRE(run.result.ran());
    INFO(arch << ": " << SignatureNames(run.result));
    const auto child = std::find_if(run.children.begin(), run.children.end(),
                                    [](const auto& c) { return c.info.name() == "sbx-drop.bin"; });
    REQUIRE(child != run.children.end());
    CHECK(child->info.origin() == "dropped");
    CHECK(child->info.sha256() == expected_sha256);
    CHECK(child->info.size() == 4096);
    CHECK(child->data == expected);
    REQUIRE(run.result.extracted_files_size() == static_cast<int>(run.children.size()));
    for (std::size_t i = 0; i < run.children.size(); ++i) {
      CHECK(run.result.extracted_files(static_cast<int>(i)).sha256() ==
            run.children[i].info.sha256());
    }
    // The copy of itself is reported (a dropped executable) but not submitted again.
    const std::string self_sha256 = kensa::hashing::Sha256Hex(sample);
    CHECK(std::none_of(run.children.begin(), run.children.end(),
                       [&](const auto& c) { return c.info.sha256() == self_sha256; }));
    const auto* dropped_pe = FindSignature(run.result, "dropped_executable");
    REQUIRE(dropped_pe != nullptr);
    CHECK(HasEvidence(*dropped_pe, "dropped_file", "\\sbx\\sbx-copy.exe"));
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_FILE_PATH,
                       "C:\\Users\\jsmith\\AppData\\Local\\Temp\\sbx-drop.bin"));
  }
}

TEST_CASE("debugger, sleep, timing and tool checks are anti-analysis", "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    const SandboxRun run = RunWinbin(arch, "t13_antiemu");
    INFO(arch << ": " << SignatureNames(run.result));
    const auto* debug = FindSignature(run.result, "anti_debug_check");
    REQUIRE(debug != nullptr);
    CHECK(debug->attack_techniques(0) == "T1622");
    CHECK(HasEvidence(*debug, "api_call", "IsDebuggerPresent"));
    const auto* sleep = FindSignature(run.result, "long_sleep");
    REQUIRE(sleep != nullptr);
    CHECK(HasEvidence(*sleep, "api_call", "Sleep(0x2710)"));
    const auto* timing = FindSignature(run.result, "sleep_timing_check");
    REQUIRE(timing != nullptr);
    CHECK(HasEvidence(*timing, "api_call", "GetTickCount"));
    const auto* tools = FindSignature(run.result, "analysis_tool_process_scan");
    REQUIRE(tools != nullptr);
    CHECK(HasEvidence(*tools, "api_call", "procmon.exe"));
    CHECK(FindSignature(run.result, "system_discovery") != nullptr);
    // The emulator passes every check, so the program goes on to its mutex.
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_MUTEX, "sbx-antiemu-proceed"));
  }
}

TEST_CASE("a created mutex is an indicator and an info signature", "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    const SandboxRun run = RunWinbin(arch, "t01_mutex");
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_MUTEX, "Global\\sbx-test-mutex"));
    const auto* signature = FindSignature(run.result, "mutex_created");
    REQUIRE(signature != nullptr);
    CHECK(signature->severity() == v1::SEVERITY_INFO);
    CHECK(HasEvidence(*signature, "mutex_event", "create Global\\sbx-test-mutex"));
    // The same name twice is one indicator seen twice.
    const auto mutex =
        std::find_if(run.result.indicators().begin(), run.result.indicators().end(),
                     [](const auto& i) { return i.type() == v1::INDICATOR_TYPE_MUTEX; });
    CHECK(mutex->occurrences() == 2);
  }
}

TEST_CASE("command shells and ShellExecute of a batch file are command shell execution",
          "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    const SandboxRun run = RunWinbin(arch, "t04_proc");
    INFO(arch << ": " << SignatureNames(run.result));
    const auto* shell = FindSignature(run.result, "command_shell_started");
    REQUIRE(shell != nullptr);
    CHECK(HasEvidence(*shell, "process_event", "cmd.exe /c echo sbx-createprocess"));
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_COMMAND_LINE, "cmd.exe /c echo sbx-winexec"));

    const SandboxRun batch = RunWinbin(arch, "t09_shellexec");
    INFO(SignatureNames(batch.result));
    const auto* executed = FindSignature(batch.result, "dropped_file_executed");
    REQUIRE(executed != nullptr);
    CHECK(HasEvidence(*executed, "dropped_file", "sbx-shellexec.bat started by shell_execute"));
    CHECK(FindSignature(batch.result, "command_shell_started") != nullptr);
  }
}

TEST_CASE("files the emulator cannot run are skipped with a reason", "[sandbox]") {
  const Bytes text = {'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd', '\n'};
  auto text_static = Analyzer().Analyze(text, "hello.txt");
  REQUIRE(text_static);
  CHECK_FALSE(Sandbox::CanRun(*text_static));
  auto text_run = TheSandbox().Run(text, *text_static);
  REQUIRE(text_run);
  CHECK_FALSE(text_run->result.ran());
  CHECK(text_run->result.skip_reason().find("not a Windows program") != std::string::npos);
  CHECK(text_run->result.signatures().empty());
  CHECK(text_run->children.empty());

  // What the static stage says about real programs decides: the same t01 bytes, described as a
  // .NET-only assembly or as a driver, are not run.
  const Bytes t01 = ReadWinbin("x64", "t01_mutex");
  auto pe_static = Analyzer().Analyze(t01, "t01_mutex.exe");
  REQUIRE(pe_static);
  CHECK(Sandbox::CanRun(*pe_static));

  v1::StaticResult dotnet = *pe_static;
  dotnet.mutable_sample()->mutable_file_type()->add_tags("dotnet");
  dotnet.mutable_pe()->set_is_dotnet(true);
  dotnet.mutable_pe()->mutable_dotnet()->set_flags(1);  // COMIMAGE_FLAGS_ILONLY
  CHECK_FALSE(Sandbox::CanRun(dotnet));
  auto dotnet_run = TheSandbox().Run(t01, dotnet);
  REQUIRE(dotnet_run);
  CHECK_FALSE(dotnet_run->result.ran());
  CHECK(dotnet_run->result.skip_reason().find(".NET") != std::string::npos);

  v1::StaticResult driver = *pe_static;
  driver.mutable_pe()->set_is_driver(true);
  driver.mutable_pe()->set_subsystem("native");
  CHECK_FALSE(Sandbox::CanRun(driver));
  auto driver_run = TheSandbox().Run(t01, driver);
  REQUIRE(driver_run);
  CHECK_FALSE(driver_run->result.ran());
  CHECK(driver_run->result.skip_reason().find("driver") != std::string::npos);
}

TEST_CASE("a truncated PE ends without a crash", "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    Bytes damaged = ReadWinbin(arch, "t01_mutex");
    damaged.resize(1536);  // headers and the start of .text; imports and data are gone
    auto static_result = Analyzer().Analyze(damaged, "t01_mutex.exe");
    REQUIRE(static_result);
    auto run = TheSandbox().Run(damaged, *static_result);
    REQUIRE(run);
    if (run->result.ran()) {
      CHECK(run->result.behavior().end_reason() != v1::EMULATION_END_REASON_UNSPECIFIED);
    } else {
      CHECK_FALSE(run->result.skip_reason().empty());
    }
    CHECK(run->result.backend() == "emulator");
  }
}

TEST_CASE("a raw TCP connection and PEB-walking shellcode's WinExec are seen",
          "[sandbox][winbins]") {
  for (const std::string arch : {"x86", "x64"}) {
    SandboxConfig config;
    config.emulation.environment.arguments = {"c2.sbx-test.example.net", "4444"};
    std::vector<std::string> warnings;
    auto sandbox = Sandbox::Create(config, &warnings);
    REQUIRE(sandbox);
    const SandboxRun run = RunBytes(ReadWinbin(arch, "t07_winsock"), "t07_winsock.exe", **sandbox);
    REQUIRE(run.result.ran());
    INFO(arch << ": " << SignatureNames(run.result));
    const auto* raw = FindSignature(run.result, "raw_socket_connection");
    REQUIRE(raw != nullptr);
    CHECK(HasEvidence(*raw, "network_event", ":4444 tcp"));
    CHECK(HasIndicator(run.result, v1::INDICATOR_TYPE_DOMAIN, "c2.sbx-test.example.net"));

    const SandboxRun shellcode = RunWinbin(arch, "t10_pebwalk");
    const auto* shell = FindSignature(shellcode.result, "command_shell_started");
    REQUIRE(shell != nullptr);
    CHECK(HasEvidence(*shell, "process_event", "create cmd.exe /c echo sbx-pebwalk WinExec"));
  }
}
