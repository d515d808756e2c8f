#include "report_fixture.h"

namespace kensa::report::testing {
namespace {

void AddIndicator(report::v1::Report& report, analysis::v1::IndicatorType type,
                  const char* value, const char* source, std::uint64_t offset) {
  auto* indicator = report.add_indicators();
  indicator->set_type(type);
  indicator->set_value(value);
  indicator->set_source(source);
  indicator->set_offset(offset);
  indicator->set_occurrences(1);
}

void AddEvidence(analysis::v1::Signature& signature, const char* kind, const char* value) {
  auto* evidence = signature.add_evidence();
  evidence->set_kind(kind);
  evidence->set_value(value);
}

}  // namespace

report::v1::Report MaliciousPeReport() {
  report::v1::Report report;
  report.set_schema_version("1");
  report.set_generator("kensa 0.1.0");
  report.set_generated_at("2025-06-02T01:23:45Z");
  report.set_language("en");

  sample::v1::Sample sample;
  sample.set_file_name("invoice_2025.exe");
  sample.set_size(184320);
  auto* type = sample.mutable_file_type();
  type->set_format("pe");
  type->add_tags("pe32");
  type->add_tags("exe");
  type->set_description("PE32 executable (GUI)");
  type->set_extension("exe");
  type->set_mime_type("application/vnd.microsoft.portable-executable");
  auto* hashes = sample.mutable_hashes();
  hashes->set_sha256("5c1d1b2f0e8a4f0c9a7b3e6d2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f30");
  hashes->set_md5("8f14e45fceea167a5a36dedd4bea2543");
  hashes->set_sha1("1b6453892473a467d07372d45eb05abc2031647a");
  hashes->set_imphash("2b5f75aa6e5a0c5a3b9e1f2d4c6a8b0e");
  hashes->set_ssdeep(
      "3072:Kx9bQmY2vF8rT1pLw3ZcN5hG7jD0sA4eU6iO8kM2nB1vC3xZ5qW7eR9tY1uI3oP:Kx9bQmY2vF8rT1pLw3Zc");
  hashes->set_tlsh("T1A4B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3");

  auto* submission = report.mutable_submission();
  submission->set_id("sub-20250602-0001");
  submission->set_tenant("csirt-a");
  submission->set_priority(sample::v1::PRIORITY_P2);
  submission->set_state(sample::v1::SUBMISSION_STATE_DONE);
  submission->set_submitted_at("2025-06-02T01:23:40Z");
  *submission->mutable_sample() = sample;

  auto* result = report.mutable_static_result();
  *result->mutable_sample() = sample;
  result->set_duration_ms(412.5);
  result->set_entropy(6.12);

  auto* pe = result->mutable_pe();
  pe->set_machine("i386");
  pe->set_subsystem("windows_gui");
  pe->set_timestamp(0x65E1A2B0);
  pe->set_compile_time("2024-03-01T09:30:24Z");
  pe->set_image_base(0x400000);
  pe->set_entry_point(0x1A2C0);
  pe->set_entry_section(".text");
  struct SectionSpec {
    const char* name;
    std::uint64_t va, vsize, raw;
    double entropy;
    const char* permissions;
  };
  const SectionSpec sections[] = {{".text", 0x1000, 0x1F2A0, 0x1F400, 6.41, "rx"},
                                  {".rdata", 0x21000, 0x6C10, 0x6E00, 4.93, "r"},
                                  {".data", 0x28000, 0x2408, 0x600, 2.07, "rw"},
                                  {".rsrc", 0x2B000, 0x1E00, 0x1E00, 7.62, "r"}};
  for (const auto& spec : sections) {
    auto* section = pe->add_sections();
    section->set_name(spec.name);
    section->set_virtual_address(spec.va);
    section->set_virtual_size(spec.vsize);
    section->set_raw_size(spec.raw);
    section->set_entropy(spec.entropy);
    section->set_permissions(spec.permissions);
  }
  auto* kernel32 = pe->add_imports();
  kernel32->set_dll("kernel32.dll");
  for (const char* name : {"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread",
                           "GetProcAddress", "LoadLibraryW", "ExitProcess"}) {
    kernel32->add_functions()->set_name(name);
  }
  auto* wininet = pe->add_imports();
  wininet->set_dll("wininet.dll");
  for (const char* name : {"InternetOpenW", "InternetOpenUrlW", "InternetReadFile"}) {
    wininet->add_functions()->set_name(name);
  }
  struct ResourceSpec {
    const char* type;
    std::uint32_t language_id;
    const char* language;
  };
  const ResourceSpec resources[] = {{"RT_ICON", 0x0411, "ja-JP"},
                                    {"RT_VERSION", 0x0411, "ja-JP"},
                                    {"RT_MANIFEST", 0x0409, "en-US"}};
  for (const auto& spec : resources) {
    auto* resource = pe->add_resources();
    resource->set_type(spec.type);
    resource->set_name("1");
    resource->set_language_id(spec.language_id);
    resource->set_language(spec.language);
  }
  auto* version = pe->mutable_version_info();
  (*version->mutable_strings())["CompanyName"] = "Kensa Fixture 株式会社";
  (*version->mutable_strings())["OriginalFilename"] = "updater.exe";
  (*version->mutable_strings())["FileDescription"] = "Update Service";
  version->set_file_version("1.2.0.4");
  version->add_translations(0x041104B0);
  pe->mutable_signature()->set_present(false);
  pe->set_overlay_offset(0x2D000);
  pe->set_overlay_size(4096);
  pe->set_overlay_entropy(7.95);

  // The MEDIUM signature comes first here so that the tests see the renderers sort.
  auto* downloader = result->add_signatures();
  downloader->set_name("downloader_url_strings");
  downloader->set_description(
      "Contains a URL and the WinINet functions needed to download a file from it.");
  downloader->set_severity(analysis::v1::SEVERITY_MEDIUM);
  downloader->add_attack_techniques("T1105");
  downloader->add_malware_types("downloader");
  downloader->set_source("strings");
  auto* url_evidence = downloader->add_evidence();
  url_evidence->set_kind("string");
  url_evidence->set_value("http://update.kensa-fixture.jp/payload.bin");
  url_evidence->set_offset(0x2A10);
  url_evidence->set_has_offset(true);
  AddEvidence(*downloader, "import", "wininet.dll!InternetOpenUrlW");

  auto* injection = result->add_signatures();
  injection->set_name("process_injection_imports");
  injection->set_description(
      "Imports the functions used to write code into another process and run it there.");
  injection->set_description_ja(
      "他のプロセスにコードを書き込み、そこで実行するための関数をインポートしています。");
  injection->set_severity(analysis::v1::SEVERITY_HIGH);
  injection->add_attack_techniques("T1055");
  injection->add_attack_techniques("T1106");
  injection->add_malware_types("rat");
  injection->set_source("pe");
  AddEvidence(*injection, "import", "kernel32.dll!VirtualAllocEx");
  AddEvidence(*injection, "import", "kernel32.dll!WriteProcessMemory");
  AddEvidence(*injection, "import", "kernel32.dll!CreateRemoteThread");
  AddEvidence(*injection, "import", "kernel32.dll!GetProcAddress");

  auto* anomaly = result->add_anomalies();
  anomaly->set_code("pe_checksum_mismatch");
  anomaly->set_detail("header checksum 0x0, computed 0x3a1f2");

  auto* yara = result->add_yara_matches();
  yara->set_rule("kensa_downloader_generic");
  yara->set_namespace_("kensa");
  yara->add_tags("downloader");
  (*yara->mutable_meta())["author"] = "kensa";
  auto* yara_string = yara->add_strings();
  yara_string->set_identifier("$url");
  yara_string->set_offset(0x2A10);
  yara_string->set_data("http://update.kensa-fixture.jp/payload.bin");

  AddIndicator(report, analysis::v1::INDICATOR_TYPE_URL,
               "http://update.kensa-fixture.jp/payload.bin", "strings.ascii", 0x2A10);
  AddIndicator(report, analysis::v1::INDICATOR_TYPE_DOMAIN, "update.kensa-fixture.jp",
               "strings.ascii", 0x2A10);
  AddIndicator(report, analysis::v1::INDICATOR_TYPE_IPV4, "203.0.113.45", "strings.utf16le",
               0x2C44);
  AddIndicator(report, analysis::v1::INDICATOR_TYPE_REGISTRY_KEY,
               "HKCU\\Software\\Microsoft\\Windows\\CurrentVersion\\Run\\KensaUpdater",
               "strings.utf16le", 0x2D80);
  AddIndicator(report, analysis::v1::INDICATOR_TYPE_MUTEX, "Global\\KensaFixtureMutex",
               "strings.utf16le", 0x2E10);
  AddIndicator(report, analysis::v1::INDICATOR_TYPE_FILE_PATH,
               "C:\\Users\\Public\\updater.exe", "strings.utf16le", 0x2E60);
  *result->mutable_indicators() = report.indicators();

  auto* verdict = report.mutable_verdict();
  verdict->set_score(82);
  verdict->set_level(report::v1::LEVEL_MALICIOUS);
  verdict->set_malware_type("downloader");
  verdict->set_model_version("2025.06-1");
  auto* vote = verdict->add_malware_type_votes();
  vote->set_type("downloader");
  vote->set_weight(37);
  vote->add_signatures("downloader_url_strings");
  vote = verdict->add_malware_type_votes();
  vote->set_type("rat");
  vote->set_weight(20);
  vote->add_signatures("process_injection_imports");
  auto* contribution = verdict->add_contributions();
  contribution->set_signature("process_injection_imports");
  contribution->set_points(45);
  contribution->set_reason("high severity");
  contribution = verdict->add_contributions();
  contribution->set_signature("downloader_url_strings");
  contribution->set_points(37);
  contribution->set_reason("medium severity, downloader evidence");
  return report;
}

report::v1::Report CleanTextReport() {
  report::v1::Report report;
  report.set_schema_version("1");
  report.set_generator("kensa 0.1.0");
  report.set_generated_at("2025-06-02T02:00:00Z");
  auto* sample = report.mutable_submission()->mutable_sample();
  sample->set_file_name("readme.txt");
  sample->set_size(1234);
  sample->mutable_file_type()->set_format("text");
  sample->mutable_file_type()->set_description("ASCII text");
  sample->mutable_hashes()->set_sha256(
      "0f343b0931126a20f133d67c2b018a3b5e6a0ec8c6d0b1b5c5d0a0f9e1c2d3e4");
  sample->mutable_hashes()->set_md5("d41d8cd98f00b204e9800998ecf8427e");
  *report.mutable_static_result()->mutable_sample() = *sample;
  report.mutable_verdict()->set_score(0);
  report.mutable_verdict()->set_level(report::v1::LEVEL_CLEAN);
  report.mutable_verdict()->set_model_version("2025.06-1");
  return report;
}

}  // namespace kensa::report::testing
