#include "kensa/pe/pe_analyzer.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "pe_builder.h"

namespace kensa::pe {
namespace {

using testing::BuilderExport;
using testing::BuilderFunction;
using testing::BuilderImport;
using testing::BuilderResource;
using testing::BuilderSection;
using testing::BuildPe;
using testing::PeSpec;

bool HasAnomaly(const PeAnalysis& pe, const std::string& code) {
  return std::any_of(pe.anomalies.begin(), pe.anomalies.end(),
                     [&](const analysis::v1::Anomaly& a) { return a.code() == code; });
}

std::string AnomalyDetail(const PeAnalysis& pe, const std::string& code) {
  for (const auto& a : pe.anomalies) {
    if (a.code() == code) return a.detail();
  }
  return {};
}

Bytes Filled(std::size_t size, std::uint8_t value) { return Bytes(size, value); }

// Deterministic bytes that look random (a 32-bit LCG's high byte).
Bytes NoiseBytes(std::size_t size) {
  Bytes out(size);
  std::uint32_t state = 12345;
  for (auto& b : out) {
    state = state * 1103515245u + 12345u;
    b = static_cast<std::uint8_t>(state >> 24);
  }
  return out;
}

// A typical small program: code, data, imports by name and by ordinal, one delay-load import.
PeSpec ProgramSpec(bool pe32_plus) {
  PeSpec spec;
  spec.pe32_plus = pe32_plus;
  spec.sections = {
      BuilderSection{".text", testing::kTextFlags, Filled(16, 0xC3), 0},
      BuilderSection{".data", testing::kDataFlags, Filled(8, 0x00), 0x100},
  };
  spec.imports = {
      BuilderImport{"kernel32.dll", {{"ExitProcess"}, {"GetProcAddress"}, {"LoadLibraryA"}}},
      BuilderImport{"USER32.dll", {{"MessageBoxA"}}},
      BuilderImport{"WS2_32.dll", {{"", 4}, {"", 115}}},
      BuilderImport{"oleaut32.dll", {{"", 2}, {"", 9999}}},
      BuilderImport{"custom.ocx", {{"Foo"}}},
      BuilderImport{"advapi32.dll", {{"RegOpenKeyExA"}}, /*delay_loaded=*/true},
  };
  return spec;
}

// python3 -c "import hashlib; print(hashlib.md5(b'kernel32.exitprocess,kernel32.getprocaddress,
//   kernel32.loadlibrarya,user32.messageboxa,ws2_32.connect,ws2_32.wsastartup,
//   oleaut32.sysallocstring,oleaut32.ord9999,custom.foo').hexdigest())"  (no spaces/newlines);
// pefile 2024.8.26's get_imphash() on the image BuildPe(ProgramSpec(false)) gives the same.
constexpr char kProgramImphash[] = "598bc99239da0c0c39b1ed9578502bd3";

TEST_CASE("A built PE32 program yields its headers, sections and imports exactly") {
  const Bytes image = BuildPe(ProgramSpec(false));
  auto pe = AnalyzePe(image);
  REQUIRE(pe.has_value());
  const auto& info = pe->info;
  CHECK(info.machine() == "i386");
  CHECK_FALSE(info.is_64bit());
  CHECK_FALSE(info.is_dll());
  CHECK_FALSE(info.is_driver());
  CHECK_FALSE(info.is_dotnet());
  CHECK(info.subsystem() == "windows_cui");
  CHECK(info.timestamp() == 0x5E0BE100u);
  CHECK(info.compile_time() == "2020-01-01T00:00:00Z");
  CHECK(info.image_base() == 0x400000u);
  CHECK(info.entry_point() == 0x1000u);
  CHECK(info.entry_section() == ".text");
  CHECK(info.linker_major() == 14);
  CHECK(info.linker_minor() == 29);
  CHECK(info.os_major() == 6);
  CHECK(info.header_size() == 0x400u);
  CHECK(info.size_of_image() == 0x4000u);

  REQUIRE(info.sections_size() == 3);
  CHECK(info.sections(0).name() == ".text");
  CHECK(info.sections(0).permissions() == "rx");
  CHECK(info.sections(0).virtual_address() == 0x1000u);
  CHECK(info.sections(0).raw_offset() == 0x400u);
  CHECK(info.sections(0).raw_size() == 0x200u);
  // 16 bytes 0xC3 and 496 zero bytes: python3 -c "import hashlib;
  // print(hashlib.md5(b'\xc3'*16 + b'\0'*496).hexdigest())"
  CHECK(info.sections(0).md5() == "93a04e8683747ded03128c9f63ff9538");
  // -(16/512 log2(16/512) + 496/512 log2(496/512))
  CHECK(info.sections(0).entropy() == Approx(0.2006223243));
  CHECK(info.sections(1).name() == ".data");
  CHECK(info.sections(1).permissions() == "rw");
  CHECK(info.sections(1).virtual_size() == 0x100u);
  CHECK(info.sections(2).name() == ".idata");

  REQUIRE(info.imports_size() == 6);
  CHECK(info.imports(0).dll() == "kernel32.dll");
  REQUIRE(info.imports(0).functions_size() == 3);
  CHECK(info.imports(0).functions(0).name() == "ExitProcess");
  CHECK_FALSE(info.imports(0).functions(0).by_ordinal());
  CHECK(info.imports(0).functions(2).name() == "LoadLibraryA");
  CHECK(info.imports(2).dll() == "WS2_32.dll");
  CHECK(info.imports(2).functions(0).by_ordinal());
  CHECK(info.imports(2).functions(0).ordinal() == 4);
  CHECK(info.imports(2).functions(0).name() == "connect");  // resolved through ordlookup
  CHECK(info.imports(3).functions(1).ordinal() == 9999);
  CHECK(info.imports(3).functions(1).name().empty());
  CHECK(info.imports(5).dll() == "advapi32.dll");
  CHECK(info.imports(5).delay_loaded());
  CHECK(info.imports(5).functions(0).name() == "RegOpenKeyExA");

  CHECK(pe->imphash == kProgramImphash);
  CHECK(ComputeImphash(info) == kProgramImphash);
  CHECK_FALSE(HasAnomaly(*pe, "pe_writable_executable_section"));
  CHECK_FALSE(HasAnomaly(*pe, "pe_entry_point_outside_code"));
  CHECK_FALSE(HasAnomaly(*pe, "pe_no_imports"));
  CHECK_FALSE(HasAnomaly(*pe, "pe_overlay_present"));
  CHECK_FALSE(HasAnomaly(*pe, "pe_size_of_image_mismatch"));
  CHECK(info.overlay_size() == 0u);
}

TEST_CASE("A PE32+ build of the same program has the same imphash and 64-bit headers") {
  PeSpec spec = ProgramSpec(true);
  spec.tls_callback_rvas = {0x1000};
  auto pe = AnalyzePe(BuildPe(spec));
  REQUIRE(pe.has_value());
  CHECK(pe->info.machine() == "amd64");
  CHECK(pe->info.is_64bit());
  CHECK(pe->info.image_base() == 0x140000000u);
  CHECK(pe->imphash == kProgramImphash);
  REQUIRE(pe->info.tls_callbacks_size() == 1);
  CHECK(pe->info.tls_callbacks(0) == 0x140001000u);
  CHECK(HasAnomaly(*pe, "pe_tls_callbacks"));
}

TEST_CASE("ComputeImphash strips dll/ocx/sys, resolves known ordinals and skips delay loads") {
  analysis::v1::PeInfo info;
  CHECK(ComputeImphash(info).empty());
  auto* wsock = info.add_imports();
  wsock->set_dll("WSOCK32.DLL");
  auto* f = wsock->add_functions();
  f->set_by_ordinal(true);
  f->set_ordinal(57);
  auto* other = info.add_imports();
  other->set_dll("Helper.EXE");
  f = other->add_functions();
  f->set_by_ordinal(true);
  f->set_ordinal(5);
  auto* drv = info.add_imports();
  drv->set_dll("ntoskrnl.sys");
  drv->add_functions()->set_name("KeBugCheck");
  auto* delayed = info.add_imports();
  delayed->set_dll("late.dll");
  delayed->set_delay_loaded(true);
  delayed->add_functions()->set_name("Ignored");
  // python3 -c "import hashlib; print(hashlib.md5(
  //   b'wsock32.gethostname,helper.exe.ord5,ntoskrnl.kebugcheck').hexdigest())"
  CHECK(ComputeImphash(info) == "3d38d710257b2687f87dc7e59c676c62");
}

TEST_CASE("OrdinalName knows pefile's ordinal tables and nothing else") {
  CHECK(OrdinalName("ws2_32.dll", 23) == "socket");
  CHECK(OrdinalName("WS2_32.DLL", 115) == "WSAStartup");
  CHECK(OrdinalName("oleaut32.dll", 6) == "SysFreeString");
  CHECK(OrdinalName("wsock32.dll", 1) == "accept");
  CHECK(OrdinalName("ws2_32", 23).empty());  // pefile matches the full file name
  CHECK(OrdinalName("kernel32.dll", 1).empty());
  CHECK(OrdinalName("ws2_32.dll", 60000).empty());
}

TEST_CASE("LanguageTag maps LANGIDs to BCP-47 tags") {
  CHECK(LanguageTag(0x0411) == "ja-JP");
  CHECK(LanguageTag(0x0409) == "en-US");
  CHECK(LanguageTag(0x0809) == "en-GB");
  CHECK(LanguageTag(0x0804) == "zh-CN");
  CHECK(LanguageTag(0x0404) == "zh-TW");
  CHECK(LanguageTag(0x0C04) == "zh-HK");
  CHECK(LanguageTag(0x1004) == "zh-SG");
  CHECK(LanguageTag(0x0412) == "ko-KR");
  CHECK(LanguageTag(0x0419) == "ru-RU");
  CHECK(LanguageTag(0x0401) == "ar-SA");
  CHECK(LanguageTag(0x040D) == "he-IL");
  CHECK(LanguageTag(0x0429) == "fa-IR");
  CHECK(LanguageTag(0x041F) == "tr-TR");
  CHECK(LanguageTag(0x0407) == "de-DE");
  CHECK(LanguageTag(0x0C0A) == "es-ES");
  CHECK(LanguageTag(0x0816) == "pt-PT");
  CHECK(LanguageTag(0x0C11) == "ja");  // unknown sublanguage of Japanese
  CHECK(LanguageTag(0x0000).empty());  // LANG_NEUTRAL
  CHECK(LanguageTag(0x0400).empty());  // process default
  CHECK(LanguageTag(0x007F).empty());  // invariant
  CHECK(LanguageTag(0x10000).empty());
}

TEST_CASE("A writable and executable section and an entry point in data are anomalies") {
  PeSpec spec;
  spec.sections = {
      BuilderSection{".text", testing::kTextFlags | testing::kScnWrite, Filled(16, 0x90), 0},
      BuilderSection{".data", testing::kDataFlags, Filled(16, 0x90), 0},
  };
  spec.entry_section = 1;
  spec.entry_offset = 4;
  auto pe = AnalyzePe(BuildPe(spec));
  REQUIRE(pe.has_value());
  CHECK(pe->info.sections(0).permissions() == "rwx");
  CHECK(HasAnomaly(*pe, "pe_writable_executable_section"));
  CHECK(AnomalyDetail(*pe, "pe_writable_executable_section").find(".text") != std::string::npos);
  CHECK(pe->info.entry_point() == 0x2004u);
  CHECK(pe->info.entry_section() == ".data");
  CHECK(HasAnomaly(*pe, "pe_entry_point_outside_code"));
  CHECK_FALSE(HasAnomaly(*pe, "pe_entry_point_outside_sections"));
  CHECK(HasAnomaly(*pe, "pe_no_imports"));
  CHECK(pe->imphash.empty());
}

TEST_CASE("An entry point beyond every section is an anomaly") {
  PeSpec spec;
  spec.sections = {BuilderSection{".text", testing::kTextFlags, Filled(16, 0x90), 0}};
  spec.entry_rva = 0x50000;
  auto pe = AnalyzePe(BuildPe(spec));
  REQUIRE(pe.has_value());
  CHECK(pe->info.entry_section().empty());
  CHECK(HasAnomaly(*pe, "pe_entry_point_outside_sections"));
}

TEST_CASE("Packer section names, code without raw data and high entropy are reported") {
  PeSpec spec;
  const std::uint32_t rwx = testing::kTextFlags | testing::kScnWrite;
  spec.sections = {
      BuilderSection{"UPX0", rwx, {}, 0x10000},
      BuilderSection{"UPX1", rwx, NoiseBytes(4096), 0},
  };
  spec.entry_section = 1;
  auto pe = AnalyzePe(BuildPe(spec));
  REQUIRE(pe.has_value());
  CHECK(pe->info.sections(0).raw_size() == 0u);
  CHECK(pe->info.sections(0).md5() == "d41d8cd98f00b204e9800998ecf8427e");  // MD5 of nothing
  CHECK(pe->info.sections(1).entropy() > 7.9);
  CHECK(AnomalyDetail(*pe, "pe_known_packer_section").find("UPX") != std::string::npos);
  CHECK(HasAnomaly(*pe, "pe_zero_size_raw_section_executable"));
  CHECK(AnomalyDetail(*pe, "pe_high_entropy_section").find("UPX1") != std::string::npos);
}

TEST_CASE("Timestamps of zero and past 2106 are anomalies with exact RFC 3339 times") {
  PeSpec spec;
  spec.sections = {BuilderSection{".text", testing::kTextFlags, Filled(16, 0x90), 0}};
  spec.timestamp = 0;
  auto zero = AnalyzePe(BuildPe(spec));
  REQUIRE(zero.has_value());
  CHECK(zero->info.compile_time() == "1970-01-01T00:00:00Z");
  CHECK(HasAnomaly(*zero, "pe_timestamp_zero"));
  spec.timestamp = 0xFFFFFFFF;
  auto future = AnalyzePe(BuildPe(spec));
  REQUIRE(future.has_value());
  // python3 -c "import datetime; print(datetime.datetime.utcfromtimestamp(0xFFFFFFFF))"
  CHECK(future->info.compile_time() == "2106-02-07T06:28:15Z");
  CHECK(HasAnomaly(*future, "pe_timestamp_in_future"));
  spec.timestamp = 1263662340;
  auto normal = AnalyzePe(BuildPe(spec));
  REQUIRE(normal.has_value());
  CHECK(normal->info.compile_time() == "2010-01-16T17:19:00Z");
  CHECK_FALSE(HasAnomaly(*normal, "pe_timestamp_in_future"));
  CHECK_FALSE(HasAnomaly(*normal, "pe_timestamp_zero"));
}

TEST_CASE("The computed checksum matches a correct header checksum and flags a wrong one") {
  PeSpec spec = ProgramSpec(false);
  spec.fix_checksum = true;
  auto good = AnalyzePe(BuildPe(spec));
  REQUIRE(good.has_value());
  CHECK(good->info.checksum() != 0u);
  CHECK(good->info.checksum() == good->info.computed_checksum());
  CHECK_FALSE(HasAnomaly(*good, "pe_checksum_mismatch"));
  spec.fix_checksum = false;
  spec.checksum = 0x1234;
  auto bad = AnalyzePe(BuildPe(spec));
  REQUIRE(bad.has_value());
  CHECK(bad->info.checksum() == 0x1234u);
  CHECK(bad->info.computed_checksum() == good->info.computed_checksum());
  CHECK(HasAnomaly(*bad, "pe_checksum_mismatch"));
  spec.checksum = 0;
  auto none = AnalyzePe(BuildPe(spec));
  REQUIRE(none.has_value());
  CHECK_FALSE(HasAnomaly(*none, "pe_checksum_mismatch"));
}

TEST_CASE("Appended data is the overlay, with its offset, size and entropy") {
  PeSpec spec;
  spec.sections = {BuilderSection{".text", testing::kTextFlags, Filled(16, 0x90), 0}};
  spec.overlay = Filled(100, 'A');
  const Bytes image = BuildPe(spec);
  auto pe = AnalyzePe(image);
  REQUIRE(pe.has_value());
  CHECK(pe->info.overlay_offset() == 0x600u);
  CHECK(pe->info.overlay_size() == 100u);
  CHECK(pe->info.overlay_entropy() == Approx(0.0));
  CHECK(HasAnomaly(*pe, "pe_overlay_present"));
}

TEST_CASE("Exports come out with ordinals, names and forwarders") {
  PeSpec spec;
  spec.characteristics = 0x2102;  // DLL
  spec.sections = {BuilderSection{".text", testing::kTextFlags, Filled(16, 0xC3), 0}};
  spec.export_name = "kensa_test.dll";
  spec.export_base = 7;
  spec.exports = {
      BuilderExport{"Alpha", 0x1000, ""},
      BuilderExport{"", 0x1004, ""},
      BuilderExport{"Forwarded", 0, "NTDLL.RtlExitUserThread"},
  };
  auto pe = AnalyzePe(BuildPe(spec));
  REQUIRE(pe.has_value());
  CHECK(pe->info.is_dll());
  CHECK(pe->info.export_dll_name() == "kensa_test.dll");
  REQUIRE(pe->info.exports_size() == 3);
  CHECK(pe->info.exports(0).name() == "Alpha");
  CHECK(pe->info.exports(0).ordinal() == 7u);
  CHECK(pe->info.exports(0).rva() == 0x1000u);
  CHECK(pe->info.exports(1).name().empty());
  CHECK(pe->info.exports(1).ordinal() == 8u);
  CHECK(pe->info.exports(2).name() == "Forwarded");
  CHECK(pe->info.exports(2).forwarder() == "NTDLL.RtlExitUserThread");
}

TEST_CASE("Names past the name budget are dropped with an anomaly") {
  PeSpec spec;
  spec.characteristics = 0x2102;
  spec.sections = {BuilderSection{".text", testing::kTextFlags, Filled(16, 0xC3), 0}};
  spec.export_name = "budget.dll";
  spec.exports = {BuilderExport{"Alpha", 0x1000, ""}, BuilderExport{"Bravo", 0x1001, ""},
                  BuilderExport{"Charlie", 0x1002, ""}};
  PeLimits limits;
  limits.max_total_name_bytes = 10;  // "Alpha" + "Bravo"; "Charlie" does not fit
  auto pe = AnalyzePe(BuildPe(spec), limits);
  REQUIRE(pe.has_value());
  REQUIRE(pe->info.exports_size() == 3);
  CHECK(pe->info.exports(0).name() == "Alpha");
  CHECK(pe->info.exports(1).name() == "Bravo");
  CHECK(pe->info.exports(2).name().empty());
  CHECK(pe->info.exports(2).ordinal() == 3u);
  CHECK(HasAnomaly(*pe, "pe_name_budget_exceeded"));
}

PeSpec ResourceSpec() {
  PeSpec spec;
  spec.sections = {BuilderSection{".text", testing::kTextFlags, Filled(16, 0xC3), 0}};
  Bytes payload = {'M', 'Z', 0x90, 0x00, 0x03};
  spec.resources = {
      BuilderResource{10, 0, "PAYLOAD", 0x0411, payload},
      BuilderResource{16, 1, "", 0x0411,
                      testing::BuildVersionInfo(0x0001000200030004ULL, 0x0005000600070008ULL,
                                                "041104b0",
                                                {{"CompanyName", "Kensa Test"},
                                                 {"OriginalFilename", "sample.exe"},
                                                 {"ProductName", "Triage"}},
                                                0x0411, 1200)},
  };
  return spec;
}

TEST_CASE("Resources are walked by type, name and language, with version info") {
  auto pe = AnalyzePe(BuildPe(ResourceSpec()));
  REQUIRE(pe.has_value());
  const auto& info = pe->info;
  REQUIRE(info.resources_size() == 2);
  CHECK(info.resources(0).type() == "RT_RCDATA");
  CHECK(info.resources(0).name() == "PAYLOAD");
  CHECK(info.resources(0).language_id() == 0x0411u);
  CHECK(info.resources(0).language() == "ja-JP");
  CHECK(info.resources(0).size() == 5u);
  CHECK(info.resources(0).content_format() == "pe");
  // python3 -c "import hashlib; print(hashlib.sha256(b'MZ\x90\x00\x03').hexdigest())"
  CHECK(info.resources(0).sha256() ==
        "bc002d37a0c06a225d018c7b020c4e312e834b37ec9a3d973dee286fdc80c62f");
  CHECK(info.resources(1).type() == "RT_VERSION");
  CHECK(info.resources(1).name() == "1");
  const auto& version = info.version_info();
  CHECK(version.file_version() == "1.2.3.4");
  CHECK(version.product_version() == "5.6.7.8");
  CHECK(version.strings().at("CompanyName") == "Kensa Test");
  CHECK(version.strings().at("OriginalFilename") == "sample.exe");
  CHECK(version.strings().at("ProductName") == "Triage");
  REQUIRE(version.translations_size() == 1);
  CHECK(version.translations(0) == 0x041104B0u);
  CHECK_FALSE(HasAnomaly(*pe, "pe_resource_loop"));
}

TEST_CASE("A resource directory that points back at the root is a loop, not a hang") {
  Bytes image = BuildPe(ResourceSpec());
  auto clean = AnalyzePe(image);
  REQUIRE(clean.has_value());
  REQUIRE(clean->info.sections_size() == 2);
  const std::uint64_t rsrc = clean->info.sections(1).raw_offset();
  // The first type entry's OffsetToData (root + 16 + 4) now names the root directory itself.
  image[rsrc + 20] = 0;
  image[rsrc + 21] = 0;
  image[rsrc + 22] = 0;
  image[rsrc + 23] = 0x80;
  auto pe = AnalyzePe(image);
  REQUIRE(pe.has_value());
  CHECK(HasAnomaly(*pe, "pe_resource_loop"));
}

TEST_CASE("More sections than the limit are cut at the limit with an anomaly") {
  PeSpec spec;
  for (int i = 0; i < 6; ++i) {
    spec.sections.push_back(
        BuilderSection{".s" + std::to_string(i), testing::kTextFlags, Filled(16, 0x90), 0});
  }
  PeLimits limits;
  limits.max_sections = 4;
  auto pe = AnalyzePe(BuildPe(spec), limits);
  REQUIRE(pe.has_value());
  CHECK(pe->info.sections_size() == 4);
  CHECK(HasAnomaly(*pe, "pe_section_count_exceeds_limit"));
}

TEST_CASE("Data that is not a PE is an InvalidArgument error") {
  const Bytes empty;
  const Bytes mz_only = {'M', 'Z'};
  const Bytes elf = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0};
  Bytes zm = BuildPe(ProgramSpec(false));
  zm[0] = 'Z';
  zm[1] = 'M';
  Bytes no_signature = BuildPe(ProgramSpec(false));
  no_signature[0x80] = 'N';
  for (const Bytes* data : std::vector<const Bytes*>{&empty, &mz_only, &elf, &zm, &no_signature}) {
    auto pe = AnalyzePe(*data);
    REQUIRE_FALSE(pe.has_value());
    CHECK(pe.error().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("Every prefix of a small PE parses without a crash, truncation becomes anomalies") {
  PeSpec spec = ResourceSpec();
  spec.imports = ProgramSpec(false).imports;
  spec.tls_callback_rvas = {0x1000};
  spec.export_name = "x.dll";
  spec.exports = {BuilderExport{"Alpha", 0x1000, ""}};
  const Bytes image = BuildPe(spec);
  for (std::size_t n = 0; n <= image.size(); ++n) {
    const ByteSpan prefix(image.data(), n);
    auto pe = AnalyzePe(prefix);
    if (n < 0x82) {
      CHECK_FALSE(pe.has_value());  // the "PE" signature at e_lfanew 0x80 is not there yet
      continue;
    }
    REQUIRE(pe.has_value());
    if (n < image.size() - 0x200) {
      INFO("prefix length " << n);
      CHECK((HasAnomaly(*pe, "pe_truncated") || HasAnomaly(*pe, "pe_headers_truncated")));
    }
  }
  auto full = AnalyzePe(image);
  REQUIRE(full.has_value());
  CHECK_FALSE(HasAnomaly(*full, "pe_truncated"));
  CHECK(full->imphash == kProgramImphash);
}

}  // namespace
}  // namespace kensa::pe
