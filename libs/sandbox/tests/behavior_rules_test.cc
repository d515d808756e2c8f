// The behaviour rule engine on hand-made BehaviorResults (conditions, combinations, order,
// counts, placeholders) and its error messages for broken rule files.
#include "behavior_rules.h"

#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "kensa/sandbox/sandbox.h"
#include "kensa/scoring/scoring_model.h"

using kensa::sandbox::BehaviorFacts;
using kensa::sandbox::BehaviorRules;
namespace v1 = kensa::analysis::v1;

namespace {

const std::string kSample = "C:\\Users\\jsmith\\Desktop\\sample.exe";

void AddCall(v1::BehaviorResult* behavior, std::uint64_t seq, const std::string& name,
             std::initializer_list<std::string> args) {
  auto* call = behavior->add_api_calls();
  call->set_seq(seq);
  call->set_module("kernel32.dll");
  call->set_name(name);
  for (const auto& arg : args) call->add_args(arg);
}

template <typename Event>
void Set(Event* event, std::uint64_t seq, const std::string& operation, const std::string& target,
         const std::string& details = "") {
  event->set_api_seq(seq);
  event->set_operation(operation);
  event->set_target(target);
  event->set_details(details);
}

std::vector<std::string> Fired(const BehaviorRules& rules, const v1::BehaviorResult& behavior) {
  const BehaviorFacts facts(behavior, {}, kSample);
  std::vector<std::string> names;
  for (const auto& signature : rules.Evaluate(facts)) names.push_back(signature.name());
  return names;
}

BehaviorRules ParseOrFail(const std::string& yaml) {
  auto rules = BehaviorRules::Parse(yaml, "test.yaml");
  INFO((rules ? std::string() : rules.error().message()));
  REQUIRE(rules);
  return std::move(*rules);
}

const char* kHeader = R"(
signatures:
  - name: r
    description: d
    description_ja: 説明
    severity: medium
    attack: [T1000]
)";

}  // namespace

TEST_CASE("a sequence holds only in API order", "[sandbox][rules]") {
  const BehaviorRules rules = ParseOrFail(std::string(kHeader) + R"(
    match:
      sequence:
        - {kind: api, names_any: [GetTickCount]}
        - {kind: api, names_any: [Sleep]}
        - {kind: api, names_any: [GetTickCount]}
)");
  v1::BehaviorResult in_order;
  AddCall(&in_order, 1, "GetTickCount", {});
  AddCall(&in_order, 2, "Sleep", {"0x2710"});
  AddCall(&in_order, 3, "GetTickCount", {});
  CHECK(Fired(rules, in_order) == std::vector<std::string>{"r"});

  v1::BehaviorResult sleep_last;
  AddCall(&sleep_last, 1, "GetTickCount", {});
  AddCall(&sleep_last, 2, "GetTickCount", {});
  AddCall(&sleep_last, 3, "Sleep", {"0x2710"});
  CHECK(Fired(rules, sleep_last).empty());
}

TEST_CASE("min_count with distinct_targets counts different files", "[sandbox][rules]") {
  const BehaviorRules rules = ParseOrFail(std::string(kHeader) + R"(
    match:
      all:
        - {kind: file, operation: write, min_count: 3, distinct_targets: true}
)");
  v1::BehaviorResult same_file;
  for (std::uint64_t i = 1; i <= 5; ++i)
    Set(same_file.add_file_events(), i, "write", "C:\\a.txt", "10 bytes");
  CHECK(Fired(rules, same_file).empty());
  v1::BehaviorResult three_files;
  for (std::uint64_t i = 1; i <= 3; ++i) {
    Set(three_files.add_file_events(), i, "write", "C:\\doc" + std::to_string(i) + ".txt",
        "10 bytes");
  }
  const BehaviorFacts facts(three_files, {}, kSample);
  const auto signatures = rules.Evaluate(facts);
  REQUIRE(signatures.size() == 1);
  CHECK(signatures[0].evidence(0).kind() == "file_event");
  CHECK(signatures[0].evidence(0).value() == "write C:\\doc1.txt 10 bytes (api #1)");
}

TEST_CASE("{sample_path} names the sample; none excludes; all needs every part",
          "[sandbox][rules]") {
  const BehaviorRules rules = ParseOrFail(std::string(kHeader) + R"(
    match:
      all:
        - {kind: file, operation: delete, target_contains_any: ['{sample_path}']}
      none:
        - {kind: process, operation: create}
)");
  v1::BehaviorResult deletes_itself;
  Set(deletes_itself.add_file_events(), 4, "delete", kSample);
  CHECK(Fired(rules, deletes_itself) == std::vector<std::string>{"r"});
  v1::BehaviorResult deletes_other;
  Set(deletes_other.add_file_events(), 4, "delete", "C:\\Users\\jsmith\\Desktop\\other.exe");
  CHECK(Fired(rules, deletes_other).empty());
  Set(deletes_itself.add_process_events(), 5, "create", "cmd.exe");
  CHECK(Fired(rules, deletes_itself).empty());
}

TEST_CASE("API arguments: numbers compare, regexes ignore case", "[sandbox][rules]") {
  const BehaviorRules rules = ParseOrFail(std::string(kHeader) + R"(
    match:
      any:
        - {kind: api, names_any: [SleepEx], arg_at_least: {index: 0, value: 5000}}
        - {kind: api, names_any: [NtQueryInformationProcess], target_regex: '^[^,]*, 0x(7|1e),'}
)");
  v1::BehaviorResult short_sleep;
  AddCall(&short_sleep, 1, "SleepEx", {"0x3e8", "0x0"});
  AddCall(&short_sleep, 2, "NtQueryInformationProcess",
          {"0xffffffff", "0x0", "0x1000", "0x30", "0x0"});
  CHECK(Fired(rules, short_sleep).empty());
  v1::BehaviorResult debug_port;
  AddCall(&debug_port, 1, "NtQueryInformationProcess",
          {"0xFFFFFFFF", "0x7", "0x1000", "0x4", "0x0"});
  CHECK(Fired(rules, debug_port) == std::vector<std::string>{"r"});
  v1::BehaviorResult long_sleep;
  AddCall(&long_sleep, 1, "SleepEx", {"0x2710", "0x0"});
  CHECK(Fired(rules, long_sleep) == std::vector<std::string>{"r"});
}

TEST_CASE("ANSI and Unicode API names are one function", "[sandbox][rules]") {
  CHECK(kensa::sandbox::NormalizeApiName("CreateProcessW") == "createprocess");
  CHECK(kensa::sandbox::NormalizeApiName("WSAStartup") == "wsastartup");
  CHECK(kensa::sandbox::NormalizeApiName("NtQueryInformationProcess") ==
        "ntqueryinformationprocess");
}

TEST_CASE("a broken rule file is an error naming the file and the rule", "[sandbox][rules]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("kensa-behavior-rules-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "behavior");
  std::filesystem::create_directories(dir / "yara");
  const std::string file = (dir / "behavior" / "broken.yaml").string();

  SECTION("an unknown severity") {
    std::ofstream(file) << R"(
signatures:
  - name: good_rule
    description: d
    description_ja: 説明
    severity: low
    match: {any: [{kind: mutex}]}
  - name: persistence_typo
    description: d
    description_ja: 説明
    severity: severe
    match: {any: [{kind: mutex}]}
)";
    auto rules = BehaviorRules::LoadDirectory((dir / "behavior").string());
    REQUIRE_FALSE(rules);
    CHECK(rules.error().message().find(file) != std::string::npos);
    CHECK(rules.error().message().find("rule 'persistence_typo'") != std::string::npos);
  }
  SECTION("an unknown condition key") {
    std::ofstream(file) << std::string(kHeader) + R"(
    match:
      any:
        - {kind: registry, target_contains: ['\run']}
)";
    auto rules = BehaviorRules::LoadDirectory((dir / "behavior").string());
    REQUIRE_FALSE(rules);
    CHECK(rules.error().message().find("rule 'r'") != std::string::npos);
    CHECK(rules.error().message().find("unknown condition key 'target_contains'") !=
          std::string::npos);
  }
  SECTION("an invalid regular expression") {
    std::ofstream(file) << std::string(kHeader) + R"(
    match:
      any:
        - {kind: process, target_regex: 'cmd(\.exe'}
)";
    auto rules = BehaviorRules::LoadDirectory((dir / "behavior").string());
    REQUIRE_FALSE(rules);
    CHECK(rules.error().message().find("rule 'r'") != std::string::npos);
    CHECK(rules.error().message().find("target_regex") != std::string::npos);
  }
  SECTION("YAML that does not parse, through Sandbox::Create") {
    std::ofstream(file) << "signatures:\n  - name: [unclosed\n";
    kensa::sandbox::SandboxConfig config;
    config.rules_dir = dir.string();
    std::vector<std::string> warnings;
    auto sandbox = kensa::sandbox::Sandbox::Create(config, &warnings);
    REQUIRE_FALSE(sandbox);
    CHECK(sandbox.error().message().find(file) != std::string::npos);
  }
  std::filesystem::remove_all(dir);
}

// Every rule in rules/behavior fires on a concrete behaviour: the tests/winbins programs cover
// the names in kCoveredByWinbins (sandbox_test.cc), hand-made events cover the rest.
TEST_CASE("every repository behaviour rule fires on a concrete behaviour", "[sandbox][rules]") {
  auto loaded = BehaviorRules::LoadDirectory("rules/behavior");
  INFO((loaded ? std::string() : loaded.error().message()));
  REQUIRE(loaded);
  const std::set<std::string> kCoveredByWinbins = {"persistence_run_key",
                                                   "service_created",
                                                   "process_injection",
                                                   "unpacked_code_executed",
                                                   "file_downloaded",
                                                   "dropped_executable",
                                                   "dropped_file_executed",
                                                   "command_shell_started",
                                                   "anti_debug_check",
                                                   "long_sleep",
                                                   "sleep_timing_check",
                                                   "analysis_tool_process_scan",
                                                   "system_discovery",
                                                   "mutex_created",
                                                   "http_response_written_to_file",
                                                   "http_communication"};

  const std::string temp = "C:\\Users\\jsmith\\AppData\\Local\\Temp\\";
  std::map<std::string, v1::BehaviorResult> cases;
  Set(cases["persistence_startup_folder"].add_file_events(), 7, "create",
      "C:\\Users\\jsmith\\AppData\\Roaming\\Microsoft\\Windows\\Start "
      "Menu\\Programs\\Startup\\upd.lnk",
      "access=0x40000000");
  Set(cases["persistence_winlogon"].add_registry_events(), 7, "set_value",
      "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
      "Userinit = C:\\Windows\\system32\\userinit.exe,C:\\ProgramData\\upd.exe");
  Set(cases["scheduled_task_created"].add_process_events(), 7, "create",
      "schtasks.exe /create /sc minute /tn Updater /tr C:\\ProgramData\\upd.exe");
  Set(cases["uac_bypass_registry"].add_registry_events(), 7, "set_value",
      "HKEY_CURRENT_USER\\Software\\Classes\\ms-settings\\shell\\open\\command",
      "(Default) = C:\\ProgramData\\upd.exe");
  {
    auto& hollow = cases["process_hollowing"];
    Set(hollow.add_process_events(), 10, "create", "C:\\Windows\\System32\\svchost.exe",
        "suspended");
    Set(hollow.add_process_events(), 11, "unmap_section", "0x88", "base=0x400000");
    Set(hollow.add_process_events(), 12, "write_memory", "C:\\Windows\\System32\\svchost.exe",
        "4096 bytes at 0x400000");
    Set(hollow.add_process_events(), 13, "set_thread_context",
        "C:\\Windows\\System32\\svchost.exe");
    Set(hollow.add_process_events(), 14, "resume_thread", "C:\\Windows\\System32\\svchost.exe");
  }
  Set(cases["powershell_started"].add_process_events(), 7, "create",
      "powershell.exe -nop -w hidden -enc SQBFAFgA");
  Set(cases["self_deletion"].add_process_events(), 7, "create",
      "cmd.exe /c ping 127.0.0.1 -n 3 > nul & del \"" + kSample + "\"");
  {
    auto& downloader = cases["download_and_execute"];
    Set(downloader.add_network_events(), 5, "download", "http://cdn.example.org/a.exe",
        "to " + temp + "a.exe");
    Set(downloader.add_file_events(), 5, "create", temp + "a.exe",
        "download from http://cdn.example.org/a.exe");
    auto* dropped = downloader.add_dropped_files();
    dropped->set_path(temp + "a.exe");
    dropped->set_size(29);
    Set(downloader.add_process_events(), 9, "create", temp + "a.exe");
  }
  Set(cases["raw_socket_connection"].add_network_events(), 7, "connect", "198.51.100.7:443", "tcp");
  Set(cases["defender_tampering"].add_process_events(), 7, "create",
      "powershell.exe Set-MpPreference -DisableRealtimeMonitoring $true");
  Set(cases["lsass_memory_access"].add_process_events(), 7, "open",
      "C:\\Windows\\System32\\lsass.exe", "access=0x1410");
  Set(cases["credential_hive_access"].add_process_events(), 7, "create",
      "reg.exe save HKLM\\SAM C:\\Temp\\sam.hiv");
  Set(cases["browser_credential_files"].add_file_events(), 7, "open",
      "C:\\Users\\jsmith\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data",
      "access=0x80000000");
  AddCall(&cases["credential_store_access"], 7, "CredEnumerateW",
          {"0x0", "0x0", "0x1ffe00", "0x1ffe08"});
  {
    auto& ransom = cases["ransomware_file_encryption"];
    Set(ransom.add_file_events(), 3, "find", "C:\\Users\\jsmith\\Documents\\*");
    AddCall(&ransom, 4, "CryptEncrypt",
            {"0x10", "0x0", "0x1", "0x0", "0x1ffe00", "0x1ffe08", "0x1000"});
    for (std::uint64_t i = 0; i < 20; ++i) {
      Set(ransom.add_file_events(), 5 + i, "write",
          "C:\\Users\\jsmith\\Documents\\d" + std::to_string(i) + ".docx", "4096 bytes");
    }
  }
  Set(cases["recovery_inhibition"].add_process_events(), 7, "create",
      "vssadmin.exe delete shadows /all /quiet");
  {
    // A decoder stub's second dump of its region (libs/emulator rewrite_test.cc runs one).
    auto* region = cases["self_decoding_code"].add_executed_memory_regions();
    region->set_address(0x600000);
    region->set_size(0x40);
    region->set_sha256(std::string(64, 'a'));
    region->set_found_by("executed_rewritten_code");
  }

  for (const auto& rule : loaded->rules()) {
    const std::string& name = rule.signature.name();
    if (kCoveredByWinbins.contains(name)) continue;
    INFO("rule " << name << " has no concrete behaviour in this test");
    REQUIRE(cases.contains(name));
    const BehaviorFacts facts(cases[name], {}, kSample);
    const auto signatures = loaded->Evaluate(facts);
    const auto fired =
        std::find_if(signatures.begin(), signatures.end(),
                     [&](const auto& signature) { return signature.name() == name; });
    REQUIRE(fired != signatures.end());
    CHECK(fired->evidence_size() > 0);
    CHECK_FALSE(fired->description_ja().empty());
    CHECK(fired->source() == "behavior");
  }
}

TEST_CASE("near misses do not fire the repository rules", "[sandbox][rules]") {
  auto loaded = BehaviorRules::LoadDirectory("rules/behavior");
  REQUIRE(loaded);
  const auto fired = [&](const v1::BehaviorResult& behavior) {
    std::set<std::string> names;
    for (const auto& signature : loaded->Evaluate(BehaviorFacts(behavior, {}, kSample)))
      names.insert(signature.name());
    return names;
  };
  v1::BehaviorResult loopback;
  Set(loopback.add_network_events(), 7, "connect", "127.0.0.1:8080", "tcp");
  CHECK_FALSE(fired(loopback).contains("raw_socket_connection"));

  v1::BehaviorResult nineteen_files;
  Set(nineteen_files.add_file_events(), 3, "find", "C:\\Users\\jsmith\\Documents\\*");
  AddCall(&nineteen_files, 4, "CryptEncrypt", {});
  for (std::uint64_t i = 0; i < 40; ++i) {
    Set(nineteen_files.add_file_events(), 5 + i, "write",
        "C:\\Users\\jsmith\\Documents\\d" + std::to_string(i % 19) + ".docx");
  }
  CHECK_FALSE(fired(nineteen_files).contains("ransomware_file_encryption"));

  v1::BehaviorResult other_file_deleted;
  Set(other_file_deleted.add_process_events(), 7, "create",
      "cmd.exe /c del C:\\Users\\jsmith\\AppData\\Local\\Temp\\x.tmp");
  CHECK_FALSE(fired(other_file_deleted).contains("self_deletion"));

  v1::BehaviorResult first_dump_only;
  {
    auto* region = first_dump_only.add_executed_memory_regions();
    region->set_address(0x600000);
    region->set_size(0x40);
    region->set_found_by("executed_dynamic_allocation");
  }
  CHECK(fired(first_dump_only).contains("unpacked_code_executed"));
  CHECK_FALSE(fired(first_dump_only).contains("self_decoding_code"));

  v1::BehaviorResult short_sleep;
  AddCall(&short_sleep, 4, "Sleep", {"0x3e8"});
  CHECK_FALSE(fired(short_sleep).contains("long_sleep"));

  v1::BehaviorResult hklm_run_read;
  Set(hklm_run_read.add_registry_events(), 7, "query_value",
      "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Run",
      "OneDrive = C:\\x.exe");
  CHECK_FALSE(fired(hklm_run_read).contains("persistence_run_key"));
}

TEST_CASE("every malware type a behaviour rule votes for is one the scoring model knows", "[sandbox][rules]") {
  // A type the model does not list never wins a vote: the rule would silently not type anything.
  const auto model = kensa::scoring::LoadScoringModel("rules/scoring/model.yaml");
  REQUIRE(model.has_value());
  const std::set<std::string> known(model->malware_type_precedence.begin(), model->malware_type_precedence.end());
  const auto rules = BehaviorRules::LoadDirectory("rules/behavior");
  REQUIRE(rules.has_value());
  for (const auto& rule : rules->rules()) {
    for (const auto& type : rule.signature.malware_types()) {
      INFO(rule.signature.name() << " votes for " << type);
      CHECK(known.count(type) == 1);
    }
  }
}
