// PE emulation: mingw-w64 programs built at test time, x86 and x64, through the loader, the
// C runtime start-up, the API models and the virtual environment.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "kensa/emulator/emulator.h"
#include "kensa/hashing/hashes.h"
#include "test_support.h"

using kensa::Bytes;
using kensa::analysis::v1::BehaviorResult;
using namespace kensa::emulator;
using namespace kensa::emulator::testing;
namespace v1 = kensa::analysis::v1;

namespace {

const char* kDropper = R"(
#include <windows.h>
#include <stdio.h>
#include <string.h>
int main(int argc, char** argv) {
  HANDLE m1 = CreateMutexA(NULL, FALSE, "Global\\sbx-test-mutex");
  HANDLE m2 = CreateMutexA(NULL, FALSE, "Global\\sbx-test-mutex");
  printf("SBX|t|mutex|%lu\n", GetLastError());
  HKEY key;
  if (RegCreateKeyExA(HKEY_CURRENT_USER, "Software\\Microsoft\\Windows\\CurrentVersion\\Run", 0, NULL,
                      0, KEY_WRITE, NULL, &key, NULL) == ERROR_SUCCESS) {
    const char* value = "C:\\ProgramData\\sbx\\agent.exe";
    RegSetValueExA(key, "SbxTest", 0, REG_SZ, (const BYTE*)value, (DWORD)strlen(value) + 1);
    RegCloseKey(key);
  }
  char path[MAX_PATH];
  GetTempPathA(MAX_PATH, path);
  strcat(path, "sbx-drop.bin");
  HANDLE f = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
  static char buffer[4096];
  for (int i = 0; i < 4096; ++i) buffer[i] = (char)(i * 7);
  DWORD written = 0;
  WriteFile(f, buffer, sizeof buffer, &written, NULL);
  CloseHandle(f);
  printf("SBX|t|written|%lu\n", written);
  printf("SBX|t|argc|%d|%s\n", argc, argc > 1 ? argv[1] : "-");
  WinExec("cmd.exe /c echo sbx", SW_HIDE);
  CloseHandle(m1);
  CloseHandle(m2);
  return 0;
}
)";

const char* kThreads = R"(
#include <windows.h>
#include <stdio.h>
static volatile LONG counter = 0;
static DWORD WINAPI Worker(LPVOID parameter) {
  for (int i = 0; i < 3; ++i) counter += (LONG)(INT_PTR)parameter;
  return 7;
}
int main(void) {
  HANDLE t = CreateThread(NULL, 0, Worker, (LPVOID)5, 0, NULL);
  WaitForSingleObject(t, INFINITE);
  printf("SBX|threads|counter|%ld\n", counter);
  return 0;
}
)";

// XOR-decodes "mov eax, 42; ret" into fresh memory, makes it executable and calls it.
const char* kUnpacker = R"(
#include <windows.h>
#include <stdio.h>
static const unsigned char packed[] = {0xB8 ^ 0x5A, 0x2A ^ 0x5A, 0x00 ^ 0x5A, 0x00 ^ 0x5A, 0x00 ^ 0x5A, 0xC3 ^ 0x5A};
int main(void) {
  unsigned char* code = (unsigned char*)VirtualAlloc(NULL, 4096, MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE);
  for (int i = 0; i < (int)sizeof packed; ++i) code[i] = packed[i] ^ 0x5A;
  DWORD old;
  VirtualProtect(code, 4096, PAGE_EXECUTE_READ, &old);
  int value = ((int (*)(void))code)();
  printf("SBX|unpack|value|%d\n", value);
  return 0;
}
)";

const char* kDll = R"(
#include <windows.h>
BOOL WINAPI DllMain(HINSTANCE h, DWORD reason, LPVOID reserved) {
  if (reason == DLL_PROCESS_ATTACH) MessageBoxA(NULL, "Inside process attach", "sbx", MB_OK);
  return TRUE;
}
__declspec(dllexport) int sbx_export(void) {
  CreateMutexA(NULL, FALSE, "sbx-dll-export");
  return 0x41414141;
}
)";

EmulationOutput Run(const Bytes& pe, const EmulationOptions& options = {}) {
  REQUIRE_FALSE(pe.empty());
  auto out = Emulate(pe, options);
  REQUIRE(out);
  return std::move(*out);
}

const v1::RegistryEvent* FindRegistry(const BehaviorResult& r, const std::string& op) {
  for (const auto& e : r.registry_events()) {
    if (e.operation() == op) return &e;
  }
  return nullptr;
}

void CheckDropper(const EmulationOutput& out, bool x64) {
  const BehaviorResult& r = out.behavior;
  INFO(r.end_detail() << "\nconsole:\n" << r.console_output());
  CHECK(r.architecture() == (x64 ? "x64" : "x86"));
  CHECK(r.input_kind() == "pe_exe");
  CHECK(r.end_reason() == v1::EMULATION_END_REASON_EXITED);
  CHECK(r.end_detail() == "exit(0)");
  REQUIRE(r.mutex_events_size() == 2);
  CHECK(r.mutex_events(0).target() == "Global\\sbx-test-mutex");
  CHECK(r.mutex_events(0).details().empty());
  CHECK(r.mutex_events(1).details() == "already_exists");
  CHECK(r.console_output().find("SBX|t|mutex|183\n") != std::string::npos);
  const v1::RegistryEvent* set = FindRegistry(r, "set_value");
  REQUIRE(set != nullptr);
  CHECK(set->target() == "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
  CHECK(set->details() == "SbxTest = C:\\ProgramData\\sbx\\agent.exe");
  Bytes pattern(4096);
  for (std::size_t i = 0; i < pattern.size(); ++i) pattern[i] = static_cast<std::uint8_t>(i * 7);
  REQUIRE(r.dropped_files_size() == 1);
  CHECK(r.dropped_files(0).path() == "C:\\Users\\jsmith\\AppData\\Local\\Temp\\sbx-drop.bin");
  CHECK(r.dropped_files(0).size() == 4096);
  CHECK(r.dropped_files(0).sha256() == kensa::hashing::Sha256Hex(pattern));
  REQUIRE(out.dropped_files.size() == 1);
  CHECK(out.dropped_files[0].content == pattern);
  CHECK(r.console_output().find("SBX|t|written|4096\n") != std::string::npos);
  CHECK(r.console_output().find("SBX|t|argc|2|--sbx-arg\n") != std::string::npos);
  REQUIRE(r.process_events_size() == 1);
  CHECK(r.process_events(0).target() == "cmd.exe /c echo sbx");
  // The process events point back at their API call.
  const auto winexec = CallsNamed(r, "WinExec");
  REQUIRE(winexec.size() == 1);
  CHECK(r.process_events(0).api_seq() == winexec[0]->seq());
  CHECK(r.unmodelled_apis_size() == 0);
}

}  // namespace

TEST_CASE("an x86 mingw dropper: mutex twice, Run key, file drop, WinExec") {
  EmulationOptions options;
  options.environment.arguments = {"--sbx-arg"};
  CheckDropper(Run(CompileC(kDropper, false), options), false);
}

TEST_CASE("an x64 mingw dropper: mutex twice, Run key, file drop, WinExec") {
  EmulationOptions options;
  options.environment.arguments = {"--sbx-arg"};
  CheckDropper(Run(CompileC(kDropper, true), options), true);
}

TEST_CASE("a thread created with CreateThread runs when main waits for it") {
  for (bool x64 : {false, true}) {
    const EmulationOutput out = Run(CompileC(kThreads, x64));
    INFO(out.behavior.end_detail());
    CHECK(out.behavior.console_output().find("SBX|threads|counter|15\n") != std::string::npos);
    const auto create = CallsNamed(out.behavior, "CreateThread");
    REQUIRE(create.size() == 1);
  }
}

TEST_CASE("code decoded into VirtualAlloc memory and made executable is dumped") {
  for (bool x64 : {false, true}) {
    const EmulationOutput out = Run(CompileC(kUnpacker, x64));
    INFO(out.behavior.end_detail());
    CHECK(out.behavior.console_output().find("SBX|unpack|value|42\n") != std::string::npos);
    REQUIRE(out.behavior.executed_memory_regions_size() == 1);
    const auto& region = out.behavior.executed_memory_regions(0);
    CHECK(region.found_by() == "protect_to_executable");
    CHECK(region.size() == 4096);
    Bytes page(4096, 0);
    const std::uint8_t stub[] = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3};
    std::copy(std::begin(stub), std::end(stub), page.begin());
    CHECK(region.sha256() == kensa::hashing::Sha256Hex(page));
    REQUIRE(out.memory_regions.size() == 1);
    CHECK(out.memory_regions[0].content == page);
  }
}

TEST_CASE("a DLL runs DllMain with DLL_PROCESS_ATTACH, then the export asked for") {
  for (bool x64 : {false, true}) {
    EmulationOptions options;
    options.dll_exports = {"sbx_export"};
    const EmulationOutput out = Run(CompileC(kDll, x64, "-shared", "t.dll"), options);
    const BehaviorResult& r = out.behavior;
    INFO(r.end_detail());
    CHECK(r.input_kind() == "pe_dll");
    const auto box = CallsNamed(r, "MessageBoxA");
    REQUIRE(box.size() == 1);
    CHECK(box[0]->module() == "user32.dll");
    CHECK(box[0]->args(1) == "\"Inside process attach\"");
    REQUIRE(r.mutex_events_size() == 1);
    CHECK(r.mutex_events(0).target() == "sbx-dll-export");
    CHECK(box[0]->seq() < r.mutex_events(0).api_seq());
  }
}

TEST_CASE("with the ja-JP profile ANSI strings are decoded as code page 932") {
  // "テスト" in Shift_JIS.
  const std::string source =
      "#include <windows.h>\nint main(void) { CreateMutexA(NULL, FALSE, \"\\x83\\x65\\x83\\x58\\x83\\x67\"); "
      "return GetACP() == 932 ? 0 : 1; }\n";
  EmulationOptions options;
  options.environment.locale = "ja-JP";
  const EmulationOutput out = Run(CompileC(source, false), options);
  INFO(out.behavior.end_detail());
  REQUIRE(out.behavior.mutex_events_size() == 1);
  CHECK(out.behavior.mutex_events(0).target() == "\xE3\x83\x86\xE3\x82\xB9\xE3\x83\x88");
  CHECK(out.behavior.end_detail() == "exit(0)");
}

TEST_CASE("an input that is neither x86 nor x64 code is reported unsupported") {
  Bytes not_pe = {'M', 'Z', 0, 0};
  const auto out = Emulate(not_pe, EmulationOptions{});
  REQUIRE(out);
  CHECK(out->behavior.end_reason() == v1::EMULATION_END_REASON_UNSUPPORTED_FILE);
  CHECK_FALSE(Emulate(Bytes{}, EmulationOptions{}));
}

TEST_CASE("network and service behaviour: DNS, connect, send, recv, HTTP, a new service") {
  const char* source = R"(
#include <winsock2.h>
#include <windows.h>
#include <wininet.h>
#include <stdio.h>
int main(void) {
  WSADATA wsa;
  WSAStartup(MAKEWORD(2, 2), &wsa);
  struct hostent* host = gethostbyname("c2.sbx-test.invalid");
  SOCKET s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  struct sockaddr_in address;
  memset(&address, 0, sizeof address);
  address.sin_family = AF_INET;
  address.sin_port = htons(4444);
  memcpy(&address.sin_addr, host->h_addr_list[0], 4);
  connect(s, (struct sockaddr*)&address, sizeof address);
  send(s, "SBXHELLO", 8, 0);
  char reply[64] = {0};
  int n = recv(s, reply, sizeof reply - 1, 0);
  printf("SBX|net|recv|%d|%s\n", n, reply);
  closesocket(s);
  HINTERNET session = InternetOpenA("sbx", 0, NULL, NULL, 0);
  HINTERNET url = InternetOpenUrlA(session, "http://sbx.test/payload.bin", NULL, 0, 0, 0);
  char body[256];
  DWORD got = 0;
  InternetReadFile(url, body, sizeof body, &got);
  printf("SBX|net|body|%lu\n", got);
  SC_HANDLE manager = OpenSCManagerA(NULL, NULL, SC_MANAGER_ALL_ACCESS);
  SC_HANDLE service = CreateServiceA(manager, "SbxTestSvc", "Sbx Test", SERVICE_ALL_ACCESS,
      SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START, SERVICE_ERROR_IGNORE,
      "C:\\ProgramData\\sbx\\svc.exe", NULL, NULL, NULL, NULL, NULL);
  StartServiceA(service, 0, NULL);
  return 0;
}
)";
  for (bool x64 : {false, true}) {
    EmulationOptions options;
    options.environment.dns_answers["c2.sbx-test.invalid"] = "203.0.113.7";
    const EmulationOutput out = Run(CompileC(source, x64, "-lws2_32 -lwininet"), options);
    const BehaviorResult& r = out.behavior;
    INFO(r.end_detail() << "\n" << r.console_output());
    std::vector<std::string> network;
    for (const auto& e : r.network_events()) network.push_back(e.operation() + " " + e.target() + " " + e.details());
    const std::vector<std::string> expected_network = {
        "dns c2.sbx-test.invalid 203.0.113.7", "connect 203.0.113.7:4444 tcp",
        "send 203.0.113.7:4444 8 bytes: SBXHELLO", "recv 203.0.113.7:4444 4 bytes",
        "dns sbx.test 192.0.2.10", "http_request http://sbx.test/payload.bin GET"};
    CHECK(network == expected_network);
    CHECK(r.console_output().find("SBX|net|recv|4|OK\r\n") != std::string::npos);
    CHECK(r.console_output().find("SBX|net|body|" + std::to_string(options.environment.http_response_body.size())) !=
          std::string::npos);
    REQUIRE(r.service_events_size() == 3);
    CHECK(r.service_events(0).operation() == "open_manager");
    CHECK(r.service_events(1).operation() == "create");
    CHECK(r.service_events(1).target() == "SbxTestSvc");
    CHECK(r.service_events(1).details() == "binPath=C:\\ProgramData\\sbx\\svc.exe start=3 type=0x10");
    CHECK(r.service_events(2).operation() == "start");
    bool mirrored = false;
    for (const auto& e : r.registry_events()) {
      mirrored |= e.target() == "HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\SbxTestSvc";
    }
    CHECK(mirrored);
  }
}

TEST_CASE("an RCDATA resource is found, loaded and dropped") {
  const char* source = R"(
#include <windows.h>
int main(void) {
  HRSRC info = FindResourceA(NULL, MAKEINTRESOURCEA(101), (LPCSTR)RT_RCDATA);
  if (info == NULL) return 2;
  DWORD size = SizeofResource(NULL, info);
  const void* data = LockResource(LoadResource(NULL, info));
  HANDLE f = CreateFileA("C:\\ProgramData\\sbx-resource.bin", GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, 0, NULL);
  DWORD written = 0;
  WriteFile(f, data, size, &written, NULL);
  CloseHandle(f);
  return 0;
}
)";
  const std::string payload = "SBX resource payload: dropped from .rsrc\n";
  for (bool x64 : {false, true}) {
    const EmulationOutput out = Run(CompileCWithResources(source, "101 RCDATA \"payload.bin\"\n",
                                                          {{"payload.bin", payload}}, x64));
    const BehaviorResult& r = out.behavior;
    INFO(r.end_detail());
    CHECK(r.end_detail() == "exit(0)");
    REQUIRE(r.dropped_files_size() == 1);
    CHECK(r.dropped_files(0).path() == "C:\\ProgramData\\sbx-resource.bin");
    CHECK(r.dropped_files(0).sha256() ==
          kensa::hashing::Sha256Hex(Bytes(payload.begin(), payload.end())));
    const auto find = CallsNamed(r, "FindResourceA");
    REQUIRE(find.size() == 1);
    CHECK(find[0]->args(1) == "#101");
    CHECK(find[0]->args(2) == "#10");
  }
}

TEST_CASE("an import DLL name that is not UTF-8 is recorded with '?' and the result serializes") {
  // Found by tests/fuzz/emulator_fuzz: raw import names reached ApiCall.module.
  Bytes pe = CompileC("int main(void) { return 0; }\n", false);
  REQUIRE_FALSE(pe.empty());
  const std::string needle = "msvcrt.dll";
  auto at = std::search(pe.begin(), pe.end(), needle.begin(), needle.end());
  REQUIRE(at != pe.end());
  at[2] = 0xFF;  // "ms\xFF" "crt.dll"
  const EmulationOutput out = Run(pe);
  bool recorded = false;
  for (const auto& c : out.behavior.api_calls()) recorded |= c.module() == "ms?crt.dll";
  CHECK(recorded);
  std::string wire;
  BehaviorResult parsed;
  REQUIRE(out.behavior.SerializeToString(&wire));
  CHECK(parsed.ParseFromString(wire));
}

// Not a test: prints the calls and events of the file in $KENSA_EMULATE_FILE, for debugging
// and measurement (run with the tag [.dump]).
TEST_CASE("dump the behaviour of one file", "[.dump]") {
  const char* path = std::getenv("KENSA_EMULATE_FILE");
  REQUIRE(path != nullptr);
  EmulationOptions options;
  if (const char* arch = std::getenv("KENSA_EMULATE_ARCH")) options.shellcode_arch = arch;
  if (const char* args = std::getenv("KENSA_EMULATE_ARGS")) {
    std::string all = args;
    for (std::size_t at = 0; at < all.size();) {
      const std::size_t space = std::min(all.find(' ', at), all.size());
      if (space > at) options.environment.arguments.push_back(all.substr(at, space - at));
      at = space + 1;
    }
  }
  const auto out = Emulate(ReadAll(path), options);
  REQUIRE(out);
  const BehaviorResult& r = out->behavior;
  for (const auto& c : r.api_calls()) {
    std::string args;
    for (const auto& a : c.args()) args += (args.empty() ? "" : ", ") + a;
    std::printf("%4llu %s!%s(%s) = 0x%llx%s\n", static_cast<unsigned long long>(c.seq()), c.module().c_str(),
                c.name().c_str(), args.c_str(), static_cast<unsigned long long>(c.return_value()),
                c.unmodelled() ? "  [unmodelled]" : "");
  }
  for (const auto& region : r.executed_memory_regions()) {
    std::printf("executed region 0x%llx +0x%llx %s %s\n", static_cast<unsigned long long>(region.address()),
                static_cast<unsigned long long>(region.size()), region.found_by().c_str(), region.sha256().c_str());
  }
  std::printf("console: %s\nend: %d %s\ninstructions: %llu apis: %llu seconds: %.3f\n", r.console_output().c_str(),
              static_cast<int>(r.end_reason()), r.end_detail().c_str(),
              static_cast<unsigned long long>(r.instruction_count()),
              static_cast<unsigned long long>(r.api_call_count()), r.duration_seconds());
}
