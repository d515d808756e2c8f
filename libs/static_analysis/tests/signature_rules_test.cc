#include "kensa/static_analysis/signature_rules.h"

#include <catch2/catch.hpp>

namespace kensa::static_analysis {
namespace {

using analysis::v1::StaticResult;

StaticResult PeWithImports(const std::string& dll, const std::vector<std::string>& functions) {
  StaticResult result;
  result.mutable_pe()->set_machine("i386");
  auto* import = result.mutable_pe()->add_imports();
  import->set_dll(dll);
  for (const auto& name : functions) import->add_functions()->set_name(name);
  return result;
}

const analysis::v1::Signature* Find(const StaticResult& result, const std::string& name) {
  for (const auto& signature : result.signatures()) {
    if (signature.name() == name) return &signature;
  }
  return nullptr;
}

SignatureRules Shipped() {
  auto rules = SignatureRules::LoadDirectory("rules/signatures");
  INFO((rules ? std::string() : rules.error().message()));
  REQUIRE(rules.has_value());
  return *rules;
}

TEST_CASE("NormalizeApiName drops case and the ANSI/Unicode suffix") {
  CHECK(NormalizeApiName("URLDownloadToFileA") == "urldownloadtofile");
  CHECK(NormalizeApiName("CreateProcessW") == "createprocess");
  CHECK(NormalizeApiName("VirtualAllocEx") == "virtualallocex");
  CHECK(NormalizeApiName("send") == "send");
}

TEST_CASE("The shipped signature rules load and every rule has a Japanese description") {
  const SignatureRules rules = Shipped();
  CHECK(rules.size() >= 25);
  for (const auto& rule : rules.rules()) {
    INFO(rule.signature.name());
    CHECK_FALSE(rule.signature.description_ja().empty());
    CHECK(rule.signature.severity() != analysis::v1::SEVERITY_UNSPECIFIED);
  }
}

TEST_CASE("Remote injection imports fire process_injection_imports with the imports as evidence") {
  StaticResult result = PeWithImports("KERNEL32.dll", {"OpenProcess", "VirtualAllocEx", "WriteProcessMemory",
                                                       "CreateRemoteThread"});
  Shipped().Evaluate(StringFacts{}, &result);
  const auto* signature = Find(result, "process_injection_imports");
  REQUIRE(signature != nullptr);
  CHECK(signature->severity() == analysis::v1::SEVERITY_HIGH);
  CHECK(signature->attack_techniques(0) == "T1055");
  REQUIRE(signature->evidence_size() == 3);
  CHECK(signature->evidence(2).value() == "createremotethread");
}

TEST_CASE("Two of three injection imports do not fire, but API names in strings complete the set") {
  StaticResult partial = PeWithImports("KERNEL32.dll", {"VirtualAllocEx", "WriteProcessMemory"});
  const SignatureRules rules = Shipped();
  rules.Evaluate(StringFacts{}, &partial);
  CHECK(Find(partial, "process_injection_imports") == nullptr);

  StaticResult dynamic = PeWithImports("KERNEL32.dll", {"VirtualAllocEx", "WriteProcessMemory"});
  rules.Evaluate(StringFacts{{"CreateRemoteThread"}, ""}, &dynamic);
  const auto* signature = Find(dynamic, "process_injection_imports");
  REQUIRE(signature != nullptr);
  CHECK(signature->evidence(2).kind() == "api_string");
}

TEST_CASE("A DLL that exports an API does not count it as dynamically resolved") {
  StaticResult result = PeWithImports("ntdll.dll", {"VirtualAllocEx", "WriteProcessMemory"});
  result.mutable_pe()->add_exports()->set_name("CreateRemoteThread");
  Shipped().Evaluate(StringFacts{{"CreateRemoteThread"}, ""}, &result);
  CHECK(Find(result, "process_injection_imports") == nullptr);
}

TEST_CASE("Run-key persistence needs both the registry write and an autostart key") {
  StaticResult result = PeWithImports("ADVAPI32.dll", {"RegCreateKeyExA", "RegSetValueExA"});
  auto* indicator = result.add_indicators();
  indicator->set_type(analysis::v1::INDICATOR_TYPE_REGISTRY_KEY);
  indicator->set_value("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
  indicator->set_offset(0x2040);
  Shipped().Evaluate(StringFacts{}, &result);
  const auto* signature = Find(result, "run_key_persistence_imports");
  REQUIRE(signature != nullptr);
  CHECK(signature->evidence(1).offset() == 0x2040);
  CHECK(Find(result, "autorun_registry_reference") != nullptr);

  StaticResult no_key = PeWithImports("ADVAPI32.dll", {"RegSetValueExA"});
  Shipped().Evaluate(StringFacts{}, &no_key);
  CHECK(Find(no_key, "run_key_persistence_imports") == nullptr);
}

TEST_CASE("Anomalies and Japanese resources become signatures") {
  StaticResult result = PeWithImports("KERNEL32.dll", {"ExitProcess"});
  auto* anomaly = result.add_anomalies();
  anomaly->set_code("pe_writable_executable_section");
  anomaly->set_detail("UPX0 (rwx)");
  auto* resource = result.mutable_pe()->add_resources();
  resource->set_language("ja-JP");
  Shipped().Evaluate(StringFacts{}, &result);
  REQUIRE(Find(result, "pe_writable_executable_section") != nullptr);
  CHECK(Find(result, "pe_writable_executable_section")->evidence(0).value() == "UPX0 (rwx)");
  REQUIRE(Find(result, "pe_japanese_resources") != nullptr);
  CHECK(Find(result, "pe_japanese_resources")->evidence(0).value() == "ja-JP (1 resources)");
}

TEST_CASE("The LSASS dump rule needs the lsass name among the strings") {
  StaticResult result = PeWithImports("DBGHELP.dll", {"MiniDumpWriteDump"});
  result.mutable_pe()->mutable_imports(0)->add_functions()->set_name("OpenProcess");
  Shipped().Evaluate(StringFacts{{}, "hello\nworld\n"}, &result);
  CHECK(Find(result, "lsass_memory_dump_imports") == nullptr);
  Shipped().Evaluate(StringFacts{{}, "c:\\windows\\system32\\lsass.exe\n"}, &result);
  const auto* signature = Find(result, "lsass_memory_dump_imports");
  REQUIRE(signature != nullptr);
  CHECK(signature->evidence(2).kind() == "string");
  CHECK(signature->evidence(2).value() == "lsass");
}

TEST_CASE("Import rules skip general-purpose libraries and APIs the module itself exports") {
  StaticResult library = PeWithImports("KERNEL32.dll", {"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread"});
  library.mutable_pe()->set_is_dll(true);
  for (int i = 0; i < kLibraryMinNamedExports; ++i) {
    library.mutable_pe()->add_exports()->set_name("Export" + std::to_string(i));
  }
  Shipped().Evaluate(StringFacts{}, &library);
  CHECK(Find(library, "process_injection_imports") == nullptr);

  StaticResult small_dll = PeWithImports("KERNEL32.dll", {"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread"});
  small_dll.mutable_pe()->set_is_dll(true);
  small_dll.mutable_pe()->add_exports()->set_name("ServiceMain");
  Shipped().Evaluate(StringFacts{}, &small_dll);
  CHECK(Find(small_dll, "process_injection_imports") != nullptr);

  StaticResult forwarder = PeWithImports("kernelbase.dll", {"VirtualAllocEx", "WriteProcessMemory", "CreateRemoteThread"});
  forwarder.mutable_pe()->add_exports()->set_name("WriteProcessMemory");
  Shipped().Evaluate(StringFacts{}, &forwarder);
  CHECK(Find(forwarder, "process_injection_imports") == nullptr);
}

TEST_CASE("PE-only rules do not fire on non-PE files") {
  StaticResult result;
  auto* anomaly = result.add_anomalies();
  anomaly->set_code("pe_imports_only_loader");
  Shipped().Evaluate(StringFacts{{"CreateRemoteThread", "VirtualAllocEx", "WriteProcessMemory"}, ""}, &result);
  CHECK(Find(result, "process_injection_imports") == nullptr);
  CHECK(Find(result, "pe_imports_only_loader") != nullptr);  // anomaly rules need no PE flag
}

TEST_CASE("Invalid rule files are refused with the file and the rule named") {
  CHECK(SignatureRules::Parse("signatures:\n  - description: x\n    severity: low\n    match: {anomaly: a}\n", "f.yaml")
            .error().message() == "f.yaml: a rule has no name");
  auto bad_severity = SignatureRules::Parse(
      "signatures:\n  - name: r\n    description: x\n    severity: severe\n    match: {anomaly: a}\n", "f.yaml");
  CHECK(bad_severity.error().message().find("rule 'r': unknown severity 'severe'") != std::string::npos);
  auto bad_type = SignatureRules::Parse(
      "signatures:\n  - name: r\n    description: x\n    severity: low\n    match:\n      indicators_any:\n"
      "        - type: PHONE\n", "f.yaml");
  CHECK(bad_type.error().message().find("unknown indicator type 'PHONE'") != std::string::npos);
  auto empty_match = SignatureRules::Parse(
      "signatures:\n  - name: r\n    description: x\n    severity: low\n    match: {}\n", "f.yaml");
  CHECK(empty_match.error().message().find("no condition") != std::string::npos);
  auto duplicate = SignatureRules::Parse(
      "signatures:\n  - {name: r, description: x, severity: low, match: {anomaly: a}}\n"
      "  - {name: r, description: y, severity: low, match: {anomaly: b}}\n", "f.yaml");
  CHECK(duplicate.error().message().find("duplicate rule name 'r'") != std::string::npos);
  CHECK(SignatureRules::LoadDirectory("/nonexistent/rules").error().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace kensa::static_analysis
