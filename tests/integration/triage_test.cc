// Quick triage of the Windows test programs (tests/fixtures/windows, built by mingw-w64 for x86
// and x64): each program shows one behaviour, and the report must name it with its concrete
// values — the mutex, the Run key, the URL, the signature, the level and the malware type.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <string>

#include "kensa/core/file.h"
#include "kensa/pipeline/triage.h"

namespace kensa::integration_test {
namespace {

using analysis::v1::IndicatorType;
using report::v1::Report;

const pipeline::TriageEngine& Engine() {
  static const std::unique_ptr<pipeline::TriageEngine> engine = [] {
    pipeline::TriageConfig config;
    config.static_config.rules_dir = "rules";
    std::vector<std::string> warnings;
    auto created = pipeline::TriageEngine::Create(config, &warnings);
    REQUIRE(created.has_value());
    CHECK(warnings.empty());
    return std::move(*created);
  }();
  return *engine;
}

Report TriageFixture(const std::string& relative) {
  const char* binary_dir = std::getenv("KENSA_BINARY_DIR");
  REQUIRE(binary_dir != nullptr);
  const std::string path = std::string(binary_dir) + "/tests/fixtures/windows/" + relative;
  auto data = ReadFileBounded(path, 64 * 1024 * 1024);
  INFO(path);
  REQUIRE(data.has_value());
  auto report = Engine().Triage(*data, {relative, "test", "en", {}});
  REQUIRE(report.has_value());
  return std::move(*report);
}

bool HasIndicator(const Report& report, IndicatorType type, const std::string& value) {
  return std::any_of(report.indicators().begin(), report.indicators().end(),
                     [&](const auto& i) { return i.type() == type && i.value() == value; });
}

bool HasIndicatorContaining(const Report& report, IndicatorType type, const std::string& part) {
  return std::any_of(report.indicators().begin(), report.indicators().end(),
                     [&](const auto& i) { return i.type() == type && i.value().find(part) != std::string::npos; });
}

const analysis::v1::Signature* FindSignature(const Report& report, const std::string& name) {
  for (const auto& signature : report.static_result().signatures()) {
    if (signature.name() == name) return &signature;
  }
  return nullptr;
}

std::string Signatures(const Report& report) {
  std::string names;
  for (const auto& signature : report.static_result().signatures()) names += signature.name() + " ";
  return names;
}

bool HasYaraRulePrefix(const Report& report, const std::string& prefix) {
  return std::any_of(report.static_result().yara_matches().begin(), report.static_result().yara_matches().end(),
                     [&](const auto& match) { return match.rule().starts_with(prefix); });
}

const char* kArchs[] = {"x86", "x64"};

TEST_CASE("mutex.exe: the mutex name is an indicator and the file stays below suspicious") {
  // Standard imphash as pefile 2024.8.26 computes it for the Debian 12 mingw-w64 build
  // (tests/fixtures/windows/README.md).
  const std::map<std::string, std::string> imphash = {{"x86", "a965612a7cb397960409fc658e10e0b1"},
                                                      {"x64", "b9f64c39f6a26ee9c4f2e870d980e36a"}};
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/mutex.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(report.static_result().sample().hashes().imphash() == imphash.at(arch));
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_MUTEX, "Global\\KensaFixtureMutex_7Q2"));
    CHECK(FindSignature(report, "named_mutex") != nullptr);
    CHECK(report.verdict().level() < report::v1::LEVEL_SUSPICIOUS);
    CHECK(report.static_result().sample().file_type().format() == "pe");
    CHECK(report.static_result().pe().is_64bit() == (std::string(arch) == "x64"));
  }
}

TEST_CASE("run_key.exe: Run-key persistence with the key and the value's path") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/run_key.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(HasIndicatorContaining(report, analysis::v1::INDICATOR_TYPE_REGISTRY_KEY,
                                 "Software\\Microsoft\\Windows\\CurrentVersion\\Run"));
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_FILE_PATH, "C:\\Users\\Public\\kensa_updater.exe"));
    const auto* signature = FindSignature(report, "run_key_persistence_imports");
    REQUIRE(signature != nullptr);
    CHECK(signature->attack_techniques(0) == "T1547.001");
    CHECK(report.verdict().level() >= report::v1::LEVEL_SUSPICIOUS);
    CHECK(report.verdict().malware_type() == "backdoor");
  }
}

TEST_CASE("download_wininet.exe: the URL and its domain") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/download_wininet.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_URL, "http://update.kensa-fixture.jp/check.php?id=42"));
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_DOMAIN, "update.kensa-fixture.jp"));
    CHECK(FindSignature(report, "http_client_imports") != nullptr);
  }
}

TEST_CASE("download_urlmon.exe: download-and-execute makes a suspicious downloader") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/download_urlmon.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_URL, "https://cdn.kensa-fixture.co.jp/payload/stage2.exe"));
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_DOMAIN, "cdn.kensa-fixture.co.jp"));
    const auto* signature = FindSignature(report, "download_and_execute_imports");
    REQUIRE(signature != nullptr);
    CHECK(signature->evidence(0).value() == "urldownloadtofile");
    CHECK(FindSignature(report, "executable_download_url") != nullptr);
    CHECK(report.verdict().level() >= report::v1::LEVEL_SUSPICIOUS);
    CHECK(report.verdict().malware_type() == "downloader");
  }
}

TEST_CASE("winsock_connect.exe: the C2 address and the raw socket client") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/winsock_connect.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_IPV4, "203.0.113.77"));
    CHECK(FindSignature(report, "raw_socket_client_imports") != nullptr);
  }
}

TEST_CASE("create_process.exe: the cmd.exe command line") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/create_process.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(HasIndicatorContaining(report, analysis::v1::INDICATOR_TYPE_COMMAND_LINE, "cmd.exe /c whoami"));
  }
}

TEST_CASE("inject.exe: remote process injection makes a suspicious loader") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/inject.exe");
    INFO(arch << " " << Signatures(report));
    const auto* signature = FindSignature(report, "process_injection_imports");
    REQUIRE(signature != nullptr);
    CHECK(signature->attack_techniques(0) == "T1055");
    CHECK(report.verdict().level() >= report::v1::LEVEL_SUSPICIOUS);
    CHECK(report.verdict().malware_type() == "loader");
    const auto& contributions = report.verdict().contributions();
    CHECK(std::any_of(contributions.begin(), contributions.end(), [](const auto& c) {
      return c.signature() == "process_injection_imports" && c.points() == 30;
    }));
  }
}

TEST_CASE("service_create.exe: service creation with the service binary path") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/service_create.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(FindSignature(report, "service_creation_imports") != nullptr);
    CHECK(HasIndicator(report, analysis::v1::INDICATOR_TYPE_FILE_PATH, "C:\\ProgramData\\kensa\\svc.exe"));
  }
}

TEST_CASE("ransom_note.exe: ransomware, malicious or worse") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/ransom_note.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(FindSignature(report, "yara:Ransom_Shadow_Copy_Deletion") != nullptr);
    CHECK(FindSignature(report, "crypto_and_file_walk_imports") != nullptr);
    CHECK(HasYaraRulePrefix(report, "Ransom_Note_English"));
    CHECK(report.verdict().level() >= report::v1::LEVEL_MALICIOUS);
    CHECK(report.verdict().malware_type() == "ransomware");
  }
}

TEST_CASE("credential_strings.exe: an LSASS dumper with mimikatz strings") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/credential_strings.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(FindSignature(report, "lsass_memory_dump_imports") != nullptr);
    CHECK(report.verdict().level() >= report::v1::LEVEL_MALICIOUS);
    CHECK(report.verdict().family() == "mimikatz");
  }
}

TEST_CASE("shellcode_loader.exe: PEB-walking shellcode bytes make a loader") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/shellcode_loader.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(FindSignature(report, std::string("yara:Shellcode_PEB_Walk_") + arch) != nullptr);
    CHECK(report.verdict().malware_type() == "loader");
    CHECK(report.verdict().level() >= report::v1::LEVEL_SUSPICIOUS);
  }
}

TEST_CASE("xor_packed.exe: the encoded gate URL does not appear in static indicators") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/xor_packed.exe");
    CHECK_FALSE(HasIndicatorContaining(report, analysis::v1::INDICATOR_TYPE_URL, "packed.kensa-fixture.jp"));
    CHECK_FALSE(HasIndicatorContaining(report, analysis::v1::INDICATOR_TYPE_DOMAIN, "packed.kensa-fixture.jp"));
  }
}

TEST_CASE("japanese_resources.exe: ja-JP resources and the Japanese version info") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/japanese_resources.exe");
    INFO(arch << " " << Signatures(report));
    const auto& pe = report.static_result().pe();
    CHECK(std::any_of(pe.resources().begin(), pe.resources().end(), [](const auto& r) {
      return r.language_id() == 0x0411 && r.language() == "ja-JP" && r.type() == "RT_VERSION";
    }));
    CHECK(pe.version_info().strings().at("CompanyName") == "検査テスト株式会社");
    CHECK(pe.version_info().strings().at("OriginalFilename") == "kensa_jp.exe");
    CHECK(FindSignature(report, "pe_japanese_resources") != nullptr);
    CHECK(report.verdict().level() == report::v1::LEVEL_CLEAN);
  }
}

TEST_CASE("dll_export.dll: a DLL with its exports") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/dll_export.dll");
    const auto& pe = report.static_result().pe();
    CHECK(pe.is_dll());
    std::vector<std::string> exports;
    for (const auto& e : pe.exports()) exports.push_back(e.name());
    CHECK(std::find(exports.begin(), exports.end(), "KensaStart") != exports.end());
    CHECK(std::find(exports.begin(), exports.end(), "KensaStop") != exports.end());
    CHECK(report.static_result().sample().file_type().extension() == "dll");
  }
}

TEST_CASE("benign_hello.exe is clean") {
  for (const char* arch : kArchs) {
    const Report report = TriageFixture(std::string(arch) + "/benign_hello.exe");
    INFO(arch << " " << Signatures(report));
    CHECK(report.verdict().level() == report::v1::LEVEL_CLEAN);
    CHECK(report.verdict().malware_type().empty());
  }
}

TEST_CASE("Damaged copies are triaged without a crash and their damage is reported") {
  const Report half = TriageFixture("damaged/mutex_x64_trunc50.exe");
  const auto& anomalies = half.static_result().anomalies();
  CHECK(std::any_of(anomalies.begin(), anomalies.end(), [](const auto& a) { return a.code() == "pe_truncated"; }));
  CHECK(TriageFixture("damaged/mutex_x64_trunc64.exe").static_result().sample().file_type().format() == "dos");
  CHECK(TriageFixture("damaged/mutex_x64_bad_pe_signature.exe").static_result().sample().file_type().format() == "dos");
  CHECK(TriageFixture("damaged/mutex_x64_lfanew_past_end.exe").static_result().sample().file_type().format() == "dos");
  const Report sections = TriageFixture("damaged/mutex_x64_sections_ffff.exe");
  const auto& section_anomalies = sections.static_result().anomalies();
  CHECK(std::any_of(section_anomalies.begin(), section_anomalies.end(),
                    [](const auto& a) { return a.code() == "pe_section_count_exceeds_limit"; }));
  for (const char* kind : {"trunc50", "trunc1k", "trunc64", "bad_pe_signature", "lfanew_past_end", "sections_ffff"}) {
    const Report report = TriageFixture(std::string("damaged/download_wininet_x86_") + kind + ".exe");
    CHECK(report.static_result().sample().hashes().sha256().size() == 64);
  }
}

}  // namespace
}  // namespace kensa::integration_test
