// Real PE files no one on this project wrote: corkami's hand-made corner cases (a parser must
// survive every one of them) and plaso's test PE and driver. Paths are relative to the
// repository root, where ctest runs the tests.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <system_error>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/pe/pe_analyzer.h"

namespace kensa::pe {
namespace {

const std::string kCorkami = "../shared/corpora/corkami/PE/bin/";
const std::string kPlaso = "../shared/corpora/plaso-test-data/test_data/";
// Generous for sanitizer builds; a release build needs well under a millisecond per file
// (corkami manyimportsW7.exe, 1 MB with 4 million bogus thunks, is the slowest at ~6 ms).
constexpr auto kPerFileBudget = std::chrono::milliseconds(500);

PeAnalysis Analyze(const std::string& path) {
  auto data = ReadFileBounded(path, 64u << 20);
  REQUIRE(data.has_value());
  auto pe = AnalyzePe(*data);
  REQUIRE(pe.has_value());
  return std::move(pe).value();
}

bool HasAnomaly(const PeAnalysis& pe, const std::string& code) {
  return std::any_of(pe.anomalies.begin(), pe.anomalies.end(),
                     [&](const analysis::v1::Anomaly& a) { return a.code() == code; });
}

const analysis::v1::PeImport* FindImport(const analysis::v1::PeInfo& info,
                                         const std::string& dll) {
  for (const auto& import : info.imports()) {
    if (import.dll() == dll) return &import;
  }
  return nullptr;
}

TEST_CASE("Every corkami file parses without a crash and within the time budget") {
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(kCorkami, ec)) {
    if (entry.is_regular_file(ec)) files.push_back(entry.path().filename().string());
  }
  REQUIRE_FALSE(ec);
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() == 233);
  std::vector<std::string> not_pe_with_mz;
  std::size_t parsed = 0;
  for (const std::string& name : files) {
    auto data = ReadFileBounded(kCorkami + name, 64u << 20);
    REQUIRE(data.has_value());
    const auto start = std::chrono::steady_clock::now();
    auto pe = AnalyzePe(*data);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    INFO(name);
    CHECK(elapsed < kPerFileBudget);
    if (pe.has_value()) {
      ++parsed;
      // Every string field must be valid UTF-8: proto3 parsing rejects anything else.
      std::string wire;
      analysis::v1::PeInfo round_trip;
      CHECK(pe->info.SerializeToString(&wire));
      CHECK(round_trip.ParseFromString(wire));
    } else if (data->size() >= 2 && (*data)[0] == 'M' && (*data)[1] == 'Z') {
      not_pe_with_mz.push_back(name);
    }
  }
  // 233 files: 225 PEs, 4 text files, bin.sha, the makefile, dosZMXP.exe ("ZM") and
  // exe2pe.exe (an MZ program that turns itself into a PE only when run).
  CHECK(parsed == 225);
  CHECK(not_pe_with_mz == std::vector<std::string>{"exe2pe.exe"});
}

TEST_CASE("corkami compiled.exe: imphash and rich header as pefile computes them") {
  const PeAnalysis pe = Analyze(kCorkami + "compiled.exe");
  // pefile 2024.8.26 gives the same get_imphash() and get_rich_header_hash().
  CHECK(pe.imphash == "23285270545de4353386c2c1c9ed45a4");
  CHECK(pe.info.rich_hash() == "6d4f1705fb34841558b9a2fd23b3fec1");
  REQUIRE(pe.info.rich_entries_size() == 2);
  CHECK(pe.info.rich_entries(0).product_id() == 19);
  CHECK(pe.info.rich_entries(0).build() == 8078);
  CHECK(pe.info.rich_entries(0).count() == 7);
  CHECK(pe.info.rich_entries(1).product_id() == 18);
  CHECK(pe.info.rich_entries(1).build() == 8444);
  CHECK(pe.info.compile_time() == "2010-01-16T17:19:00Z");
  CHECK(pe.info.computed_checksum() == 17166u);  // pefile's generate_checksum() too
  REQUIRE(pe.info.sections_size() == 3);
  CHECK(pe.info.sections(0).name() == ".text");
  CHECK(pe.info.sections(1).name() == ".rdata");
  CHECK(pe.info.sections(2).name() == ".data");
  CHECK(pe.info.entry_section() == ".text");
}

TEST_CASE("corkami delayimports.exe: delay-loaded DLLs are listed but not in the imphash") {
  const PeAnalysis pe = Analyze(kCorkami + "delayimports.exe");
  CHECK(pe.imphash == "4e7b7b5b63ae609e9707b4896498325d");  // pefile 2024.8.26 agrees
  const auto* msvcrt = FindImport(pe.info, "msvcrt.dll");
  REQUIRE(msvcrt != nullptr);
  CHECK(msvcrt->delay_loaded());
  REQUIRE(msvcrt->functions_size() == 1);
  CHECK(msvcrt->functions(0).name() == "printf");
}

TEST_CASE("corkami TLS files yield their callbacks as virtual addresses") {
  const PeAnalysis tls = Analyze(kCorkami + "tls.exe");
  REQUIRE(tls.info.tls_callbacks_size() == 1);
  CHECK(tls.info.tls_callbacks(0) == 0x401020u);
  CHECK(HasAnomaly(tls, "pe_tls_callbacks"));
  const PeAnalysis tls64 = Analyze(kCorkami + "tls64.exe");
  CHECK(tls64.info.is_64bit());
  CHECK(tls64.info.machine() == "amd64");
  REQUIRE(tls64.info.tls_callbacks_size() == 1);
  CHECK(tls64.info.tls_callbacks(0) == 0x401000u);
}

TEST_CASE("corkami DLLs: exports, forwarders and imports by ordinal") {
  const PeAnalysis dll = Analyze(kCorkami + "dll.dll");
  CHECK(dll.info.is_dll());
  CHECK(dll.info.export_dll_name() == "dll.dll");
  REQUIRE(dll.info.exports_size() == 1);
  CHECK(dll.info.exports(0).name() == "export");

  const PeAnalysis forwarder = Analyze(kCorkami + "dllfw.dll");
  REQUIRE(forwarder.info.exports_size() == 1);
  CHECK(forwarder.info.exports(0).name() == "ExitProcess");
  CHECK(forwarder.info.exports(0).forwarder() == "msvcrt.printf");

  const PeAnalysis by_ordinal = Analyze(kCorkami + "impbyord.exe");
  const auto* own = FindImport(by_ordinal.info, "impbyord.exe");
  REQUIRE(own != nullptr);
  REQUIRE(own->functions_size() == 1);
  CHECK(own->functions(0).by_ordinal());
  CHECK(own->functions(0).ordinal() == 35u);
  // md5("msvcrt.printf,impbyord.exe.ord35"); pefile 2024.8.26 agrees.
  CHECK(by_ordinal.imphash == "806635f2551e40916dcfd4c38c761baa");
}

TEST_CASE("corkami driver.sys is a native driver with a valid checksum") {
  const PeAnalysis pe = Analyze(kCorkami + "driver.sys");
  CHECK(pe.info.is_driver());
  CHECK(pe.info.subsystem() == "native");
  CHECK(pe.info.checksum() == 64346u);
  CHECK(pe.info.computed_checksum() == 64346u);
  CHECK_FALSE(HasAnomaly(pe, "pe_checksum_mismatch"));
  const auto* kernel = FindImport(pe.info, "ntoskrnl.exe");
  REQUIRE(kernel != nullptr);
  CHECK(kernel->functions(0).name() == "DbgPrint");
}

TEST_CASE("corkami .NET files: runtime version, and a CLR entry past NumberOfRvaAndSizes") {
  const PeAnalysis dotnet = Analyze(kCorkami + "dotnet20.exe");
  CHECK(dotnet.info.is_dotnet());
  CHECK(dotnet.info.dotnet().runtime_version() == "v2.0.50727");
  CHECK(dotnet.info.dotnet().flags() == 1u);  // COMIMAGE_FLAGS_ILONLY
  CHECK(dotnet.info.version_info().strings().at("OriginalFilename") == "hw.exe");
  const PeAnalysis tiny = Analyze(kCorkami + "tinynet.exe");
  CHECK(tiny.info.is_dotnet());
  CHECK(HasAnomaly(tiny, "pe_dotnet_directory_beyond_count"));
  const PeAnalysis fake = Analyze(kCorkami + "fakenet.exe");
  CHECK_FALSE(fake.info.is_dotnet());
}

TEST_CASE("corkami resources: a looping tree and standard version info") {
  const PeAnalysis loop = Analyze(kCorkami + "resourceloop.exe");
  CHECK(HasAnomaly(loop, "pe_resource_loop"));
  const PeAnalysis version = Analyze(kCorkami + "version_std.exe");
  CHECK(version.info.version_info().strings().at("FileDescription") ==
        "a PE with \"standard\" version info");
  CHECK(version.info.version_info().strings().at("LegalCopyright") == "corkami.com");
  CHECK(version.info.version_info().file_version() == "65535.65535.65535.65535");
}

TEST_CASE("corkami debug, signature, overlay and section-count files") {
  CHECK(Analyze(kCorkami + "debug.exe").info.pdb_path() == "nosymbols.pdb");

  const PeAnalysis signed_pe = Analyze(kCorkami + "signature.exe");
  CHECK(signed_pe.info.signature().present());
  CHECK(signed_pe.info.signature().offset() == 1024u);
  CHECK(signed_pe.info.signature().size() == 2176u);
  REQUIRE(signed_pe.info.signature().subjects_size() == 1);
  CHECK(signed_pe.info.signature().subjects(0) ==
        "OU=code signing,O=Internet Widgits Pty Ltd,ST=Some-State,C=AU");

  const PeAnalysis appended = Analyze(kCorkami + "appendeddata.exe");
  CHECK(appended.info.overlay_offset() == 1024u);
  CHECK(appended.info.overlay_size() == 148u);
  CHECK(HasAnomaly(appended, "pe_overlay_present"));

  const PeAnalysis many = Analyze(kCorkami + "65535sects.exe");
  CHECK(many.info.sections_size() == 96);
  CHECK(HasAnomaly(many, "pe_section_count_exceeds_limit"));
}

TEST_CASE("plaso test_pe.exe: a small MSVC GUI program with a delay-loaded USER32") {
  const PeAnalysis pe = Analyze(kPlaso + "test_pe.exe");
  CHECK(pe.info.machine() == "i386");
  CHECK(pe.info.subsystem() == "windows_gui");
  CHECK_FALSE(pe.info.is_dll());
  CHECK_FALSE(pe.info.is_driver());
  CHECK(pe.info.compile_time() == "2015-04-21T14:53:56Z");
  // pefile 2024.8.26 gives the same get_imphash() and get_rich_header_hash().
  CHECK(pe.imphash == "8d0739063fc8f9955cc6696b462544ab");
  CHECK(pe.info.rich_hash() == "80958e5f861709a4e4f7dd84b5819cf6");
  const auto* kernel32 = FindImport(pe.info, "KERNEL32.dll");
  REQUIRE(kernel32 != nullptr);
  CHECK(kernel32->functions(0).name() == "ExitProcess");
  const auto* user32 = FindImport(pe.info, "USER32.dll");
  REQUIRE(user32 != nullptr);
  CHECK(user32->delay_loaded());
  CHECK(user32->functions(0).name() == "MessageBoxA");
}

TEST_CASE("plaso test_driver.sys: a driver whose header checksum is stale") {
  const PeAnalysis pe = Analyze(kPlaso + "test_driver.sys");
  CHECK(pe.info.machine() == "i386");
  CHECK(pe.info.is_driver());
  CHECK(pe.info.subsystem() == "native");
  CHECK(pe.info.compile_time() == "2015-04-21T14:53:54Z");
  CHECK(pe.imphash == "d9c9c4541168665f44917e3ddc4a00d5");  // ntoskrnl.dbgprint
  // pefile 2024.8.26: CheckSum 0xd07b, generate_checksum() 35380 (0x8a34).
  CHECK(pe.info.checksum() == 0xD07Bu);
  CHECK(pe.info.computed_checksum() == 0x8A34u);
  CHECK(HasAnomaly(pe, "pe_checksum_mismatch"));
}

TEST_CASE("plaso wrc-test-wevt_template.dll: resources with languages, and a PDB path") {
  const PeAnalysis pe = Analyze(kPlaso + "wrc-test-wevt_template.dll");
  CHECK(pe.info.is_dll());
  CHECK(pe.info.pdb_path() == "C:\\Projects\\wrc-specimens\\Release\\wrc-test.pdb");
  REQUIRE(pe.info.resources_size() == 3);
  CHECK(pe.info.resources(0).type() == "WEVT_TEMPLATE");
  CHECK(pe.info.resources(0).language_id() == 1033u);
  CHECK(pe.info.resources(0).language() == "en-US");
  CHECK(pe.info.resources(1).type() == "RT_MESSAGETABLE");
  CHECK(pe.info.resources(2).type() == "RT_MANIFEST");
  CHECK(pe.info.resources(2).content_format() == "xml");
  CHECK(pe.info.resources(2).size() == 381u);
}

}  // namespace
}  // namespace kensa::pe
