// The process structures shellcode and packers read directly: PEB, TEB, PEB_LDR_DATA and
// LDR_DATA_TABLE_ENTRY at the offsets of the Windows x86 / x64 layouts (the table in
// docs/emulator.md), and the decoy export tables against the API models.
#include <catch2/catch.hpp>

#include <set>

#include "machine.h"

using namespace kensa::emulator;
using namespace kensa::emulator::internal;

namespace {

struct Layout {
  Arch arch;
  std::uint64_t teb_self, teb_peb, peb_image_base, peb_ldr, peb_params, ldr_in_load, ldr_in_memory,
      ldr_in_init, entry_dll_base, entry_full_name, entry_base_name, params_command_line;
};

const Layout kLayouts[] = {
    {Arch::kX86, 0x18, 0x30, 0x08, 0x0C, 0x10, 0x0C, 0x14, 0x1C, 0x18, 0x24, 0x2C, 0x40},
    {Arch::kX64, 0x30, 0x60, 0x10, 0x18, 0x20, 0x10, 0x20, 0x30, 0x30, 0x48, 0x58, 0x70},
};

std::string UnicodeStringAt(Machine& m, std::uint64_t at) {
  const std::uint16_t length = static_cast<std::uint16_t>(m.Read32(at) & 0xFFFF);
  return m.ReadWide(m.ReadPtr(at + (m.x64() ? 8 : 4)), length / 2u);
}

}  // namespace

TEST_CASE("PEB, TEB and the three LDR lists sit at the Windows offsets") {
  for (const Layout& l : kLayouts) {
    EmulationOptions options;
    auto cpu = CpuEngine::Create(l.arch);
    REQUIRE(cpu);
    Machine m(options, l.arch, std::move(*cpu));
    REQUIRE(m.Initialize().ok());
    Module main;
    main.name = "sample.exe";
    main.path = options.environment.sample_path;
    main.base = 0x400000;
    main.size = 0x1000;
    m.AddMainModule(main);
    REQUIRE(m.FinishLoaderData().ok());

    CHECK(m.ReadPtr(kTebAddress + l.teb_self) == kTebAddress);
    const std::uint64_t peb = m.ReadPtr(kTebAddress + l.teb_peb);
    CHECK(peb == kPebAddress);
    CHECK(m.ReadPtr(peb + l.peb_image_base) == 0x400000);
    const std::uint64_t params = m.ReadPtr(peb + l.peb_params);
    CHECK(UnicodeStringAt(m, params + l.params_command_line) == "\"" + options.environment.sample_path + "\"");
    const std::uint64_t ldr = m.ReadPtr(peb + l.peb_ldr);

    // InMemoryOrder: the executable, ntdll, kernel32 (what shellcode counts on).
    std::vector<std::string> names;
    const std::uint64_t head = ldr + l.ldr_in_memory;
    std::uint64_t link = m.ReadPtr(head);
    const std::uint64_t link_offset = l.ldr_in_memory - l.ldr_in_load;  // 8 or 0x10 into the entry
    for (int i = 0; i < 64 && link != head; ++i) {
      const std::uint64_t entry = link - link_offset;
      names.push_back(UnicodeStringAt(m, entry + l.entry_base_name));
      if (i == 2) {
        CHECK(m.ReadPtr(entry + l.entry_dll_base) == m.FindModule("kernel32.dll")->base);
        CHECK(UnicodeStringAt(m, entry + l.entry_full_name) == "C:\\Windows\\System32\\kernel32.dll");
      }
      link = m.ReadPtr(link);
    }
    REQUIRE(names.size() >= 16);
    CHECK(names[0] == "sample.exe");
    CHECK(names[1] == "ntdll.dll");
    CHECK(names[2] == "kernel32.dll");
    // InLoadOrder has the same order; InInitializationOrder starts at ntdll.
    const std::uint64_t first_load = m.ReadPtr(ldr + l.ldr_in_load);
    CHECK(UnicodeStringAt(m, first_load + l.entry_base_name) == "sample.exe");
    const std::uint64_t first_init = m.ReadPtr(ldr + l.ldr_in_init) - 2 * link_offset;
    CHECK(UnicodeStringAt(m, first_init + l.entry_base_name) == "ntdll.dll");
  }
}

TEST_CASE("every modelled API is exported by a decoy DLL, and the models cover the brief's list") {
  std::set<std::string> exported;
  for (const std::string& dll : DecoyDllNames()) {
    for (const DecoyExport& e : BuildDecoy(dll, false, 0x10000000).exports) exported.insert(e.name);
  }
  // Names every handler answers to; a handler no decoy exports could never run.
  for (const char* name :
       {"GetModuleHandleA", "GetModuleHandleW", "LoadLibraryA", "LoadLibraryW", "LoadLibraryExA",
        "LoadLibraryExW", "GetProcAddress", "ExitProcess", "ExitThread", "GetCommandLineA",
        "GetCommandLineW", "GetLastError", "SetLastError", "Sleep", "GetTickCount",
        "QueryPerformanceCounter", "GetSystemTimeAsFileTime", "CreateMutexA", "CreateMutexW",
        "OpenMutexA", "OpenMutexW", "CreateFileA", "CreateFileW", "WriteFile", "ReadFile",
        "CloseHandle", "DeleteFileA", "DeleteFileW", "CopyFileA", "CopyFileW", "MoveFileA",
        "MoveFileW", "GetTempPathA", "GetTempPathW", "GetModuleFileNameA", "GetModuleFileNameW",
        "RegOpenKeyExA", "RegOpenKeyExW", "RegCreateKeyExA", "RegCreateKeyExW", "RegSetValueExA",
        "RegSetValueExW", "RegQueryValueExA", "RegQueryValueExW", "RegCloseKey", "CreateProcessA",
        "CreateProcessW", "WinExec", "ShellExecuteA", "ShellExecuteW", "VirtualAlloc",
        "VirtualProtect", "VirtualFree", "WriteProcessMemory", "CreateRemoteThread", "OpenProcess",
        "InternetOpenA", "InternetOpenW", "InternetOpenUrlA", "InternetOpenUrlW", "InternetReadFile",
        "URLDownloadToFileA", "URLDownloadToFileW", "WSAStartup", "socket", "connect", "send",
        "recv", "gethostbyname", "getaddrinfo", "OpenSCManagerA", "OpenSCManagerW",
        "CreateServiceA", "CreateServiceW", "StartServiceA", "StartServiceW", "__getmainargs",
        "__set_app_type", "_initterm", "exit", "_onexit", "atexit", "__p__fmode", "__p__commode",
        "_controlfp", "malloc", "free", "calloc", "memcpy", "memset", "strlen", "printf",
        "sprintf", "GetStartupInfoA", "SetUnhandledExceptionFilter", "InitializeCriticalSection",
        "EnterCriticalSection", "LeaveCriticalSection", "DeleteCriticalSection", "TlsAlloc",
        "TlsGetValue", "TlsSetValue", "GetCurrentProcessId", "GetCurrentThreadId", "GetVersionExA",
        "GetVersionExW", "GetSystemInfo", "IsDebuggerPresent", "HeapAlloc", "HeapFree",
        "GlobalAlloc", "LocalAlloc", "CreateThread"}) {
    INFO(name);
    CHECK(ApiRegistry::Get().Find(name) != nullptr);
    CHECK(exported.count(name) == 1);
  }
  CHECK(ApiRegistry::Get().size() >= 600);
}
