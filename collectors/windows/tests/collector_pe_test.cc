// kensa-collect.exe as the Windows XP / Server 2003 loader sees it, read with Kensa's own PE
// parser: the subsystem version the loader checks, and imports limited to functions that XP
// exports (tests/xp_imports.txt). wine32 is not available here, so this is what keeps the x86
// build honest; the x64 build additionally runs under wine64 (wine_collect_test.py).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <utility>

#include "kensa/core/bytes.h"
#include "kensa/core/file.h"
#include "kensa/pe/pe_analyzer.h"

namespace kensa::collector_test {
namespace {

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Bytes ReadCollector(const std::string& arch) {
  const char* binary_dir = std::getenv("KENSA_BINARY_DIR");
  REQUIRE(binary_dir != nullptr);
  const std::string path =
      std::string(binary_dir) + "/collectors/windows/" + arch + "/kensa-collect.exe";
  INFO(path);
  auto data = ReadFileBounded(path, 16 * 1024 * 1024);
  REQUIRE(data.has_value());
  return std::move(*data);
}

// "<dll> <function>" pairs of tests/xp_imports.txt, DLL names lower-cased.
std::set<std::pair<std::string, std::string>> AllowedImports() {
  std::ifstream file("collectors/windows/tests/xp_imports.txt");
  REQUIRE(file.good());
  std::set<std::pair<std::string, std::string>> allowed;
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string dll, function;
    fields >> dll >> function;
    REQUIRE(!function.empty());
    allowed.emplace(Lower(dll), function);
  }
  return allowed;
}

// MajorSubsystemVersion / MinorSubsystemVersion: optional header offsets 48 and 50, the same
// in PE32 and PE32+ (PE Format, "Optional Header Windows-Specific Fields"). PeInfo does not
// carry them, and they are what the XP loader compares against its own version.
std::pair<int, int> SubsystemVersion(const Bytes& image) {
  const auto e_lfanew = ReadLe<std::uint32_t>(image, 0x3C);
  REQUIRE(e_lfanew.has_value());
  const std::uint64_t optional_header = *e_lfanew + 24;
  const auto major = ReadLe<std::uint16_t>(image, optional_header + 48);
  const auto minor = ReadLe<std::uint16_t>(image, optional_header + 50);
  REQUIRE(major.has_value());
  REQUIRE(minor.has_value());
  return {*major, *minor};
}

struct Build {
  const char* arch;
  const char* machine;
  int version_minor;  // 5.1 for XP x86, 5.2 for XP x64 / Server 2003
};
const Build kBuilds[] = {{"x86", "i386", 1}, {"x64", "amd64", 2}};

TEST_CASE("both collector builds are console programs the Windows XP / 2003 loader accepts") {
  for (const Build& build : kBuilds) {
    INFO(build.arch);
    const Bytes image = ReadCollector(build.arch);
    auto pe = pe::AnalyzePe(image);
    REQUIRE(pe.has_value());
    CHECK(pe->info.machine() == build.machine);
    CHECK(pe->info.subsystem() == "windows_cui");
    CHECK_FALSE(pe->info.is_dll());
    CHECK(SubsystemVersion(image) == std::make_pair(5, build.version_minor));
    CHECK(pe->info.os_major() == 5);
    CHECK(pe->info.os_minor() == static_cast<std::uint32_t>(build.version_minor));
  }
}

TEST_CASE("the collector imports only kernel32, advapi32 and msvcrt functions that XP has") {
  const auto allowed = AllowedImports();
  for (const Build& build : kBuilds) {
    INFO(build.arch);
    const Bytes image = ReadCollector(build.arch);
    auto pe = pe::AnalyzePe(image);
    REQUIRE(pe.has_value());
    std::set<std::string> dlls;
    std::size_t functions = 0;
    for (const auto& import : pe->info.imports()) {
      const std::string dll = Lower(import.dll());
      dlls.insert(dll);
      // Delay-loaded imports would still bind at first call and fail on XP the same way.
      CHECK_FALSE(import.delay_loaded());
      for (const auto& function : import.functions()) {
        INFO(dll << " " << function.name());
        CHECK_FALSE(function.by_ordinal());
        CHECK(allowed.count({dll, function.name()}) == 1);
        ++functions;
      }
    }
    CHECK(dlls == std::set<std::string>{"advapi32.dll", "kernel32.dll", "msvcrt.dll"});
    // A parse that found no functions would pass the loop above vacuously.
    CHECK(functions > 80);
  }
}

TEST_CASE("APIs newer than Windows XP SP3 stay out of the static imports and the allowlist") {
  // Each is used by the collector through GetProcAddress; a static import of any of them
  // makes the executable fail to start on XP ("entry point not found").
  const std::set<std::string> newer = {"GetTickCount64",      "QueryFullProcessImageNameW",
                                       "RegLoadAppKeyW",      "EvtExportLog",
                                       "WinHttpOpen",         "GetExtendedTcpTable",
                                       "GetExtendedUdpTable", "Wow64DisableWow64FsRedirection",
                                       "IsWow64Process",      "GetFileInformationByHandleEx",
                                       "InitializeSRWLock",   "CreateSymbolicLinkW",
                                       "RtlGetVersion",       "NtQueryInformationProcess"};
  for (const auto& [dll, function] : AllowedImports()) {
    INFO(dll << " " << function);
    CHECK(newer.count(function) == 0);
  }
  for (const Build& build : kBuilds) {
    INFO(build.arch);
    auto pe = pe::AnalyzePe(ReadCollector(build.arch));
    REQUIRE(pe.has_value());
    for (const auto& import : pe->info.imports()) {
      for (const auto& function : import.functions()) CHECK(newer.count(function.name()) == 0);
    }
  }
}

}  // namespace
}  // namespace kensa::collector_test
