// speakeasy's own test binaries (../shared/corpora/speakeasy-tests, MIT): the API calls its
// Python tests (tests/test_*.py beside the binaries upstream) expect, where Kensa models them.
#include <catch2/catch.hpp>

#include "kensa/emulator/emulator.h"
#include "test_support.h"

using kensa::Bytes;
using kensa::analysis::v1::BehaviorResult;
using namespace kensa::emulator;
using namespace kensa::emulator::testing;
namespace v1 = kensa::analysis::v1;

namespace {

std::string HexString(std::uint64_t v) { return kensa::HexNumber(v); }

EmulationOutput RunSample(const std::string& name, const EmulationOptions& options = {}) {
  const Bytes data = SpeakeasyBinary(name);
  REQUIRE_FALSE(data.empty());
  auto out = Emulate(data, options);
  REQUIRE(out);
  return std::move(*out);
}

}  // namespace

TEST_CASE("speakeasy argv_test prints each of ten arguments (test_argv.py)") {
  for (const char* name : {"argv_test_x86.exe", "argv_test_x64.exe"}) {
    EmulationOptions options;
    for (int i = 1; i <= 10; ++i) options.environment.arguments.push_back("argument_" + std::to_string(i));
    const EmulationOutput out = RunSample(name, options);
    const BehaviorResult& r = out.behavior;
    INFO(name << ": " << r.end_detail() << "\n" << r.console_output());
    CHECK(r.end_reason() == v1::EMULATION_END_REASON_EXITED);
    CHECK(CallsNamed(r, "__stdio_common_vfprintf").size() == 12);
    for (int i = 1; i <= 10; ++i) {
      const std::string line = "argv[" + std::to_string(i) + "] = argument_" + std::to_string(i) + "\n";
      CHECK(r.console_output().find(line) != std::string::npos);
    }
  }
}

TEST_CASE("speakeasy dll_test: DllMain and both exports show their message boxes (test_dlls.py)") {
  for (const char* name : {"dll_test_x86.dll", "dll_test_x64.dll"}) {
    const EmulationOutput out = RunSample(name);
    const BehaviorResult& r = out.behavior;
    INFO(name << ": " << r.end_detail());
    const auto a = CallsNamed(r, "MessageBoxA");
    REQUIRE(a.size() == 2);
    CHECK(a[0]->args(1) == "\"Inside process attach\"");
    CHECK(a[0]->args(2) == "\"My caption\"");
    CHECK(a[1]->args(1) == "\"Inside emu_test_one\"");
    CHECK(a[1]->args(2) == "\"First export\"");
    const auto w = CallsNamed(r, "MessageBoxW");
    REQUIRE(w.size() == 1);
    CHECK(w[0]->args(1) == "\"Inside emu_test_two\"");
    CHECK(w[0]->args(2) == "\"Second export\"");
  }
}

TEST_CASE("speakeasy GetProcAddress.exe: an existing export resolves, a missing one is NULL "
          "(test_GetProcAddress.py)") {
  const EmulationOutput out = RunSample("GetProcAddress.exe");
  const auto calls = CallsNamed(out.behavior, "GetProcAddress");
  const v1::ApiCall* exists = nullptr;
  const v1::ApiCall* missing = nullptr;
  for (const auto* c : calls) {
    if (c->args(1) == "\"AreFileApisANSI\"") exists = c;
    if (c->args(1) == "\"ThisFunctionIsNotExportedByKernel32\"") missing = c;
  }
  REQUIRE(exists != nullptr);
  REQUIRE(missing != nullptr);
  CHECK(exists->return_value() != 0);
  CHECK(missing->return_value() == 0);
  CHECK(exists->seq() < missing->seq());
}

TEST_CASE("speakeasy file_access_test reads c:\\myfile.txt through ntdll (test_file_access.py)") {
  for (const char* name : {"file_access_test_x86.exe", "file_access_test_x64.exe"}) {
    EmulationOptions options;
    options.environment.files["c:\\myfile.txt"] = "kensa planted this";
    const EmulationOutput out = RunSample(name, options);
    const BehaviorResult& r = out.behavior;
    INFO(name << ": " << r.end_detail() << "\n" << r.console_output());
    const auto create = CallsNamed(r, "NtCreateFile");
    REQUIRE(create.size() == 1);
    CHECK(create[0]->args(2) == "\"\\??\\c:\\myfile.txt\"");
    CHECK(CallsNamed(r, "NtReadFile").size() == 1);
    const auto printf = CallsNamed(r, "__stdio_common_vfprintf");
    CHECK(printf.size() == 5);
    // The program prints the first eight bytes it read as a number: "kensa pl".
    CHECK(r.console_output().find("File contained: 0x6c702061736e656b") != std::string::npos);
  }
}

TEST_CASE("speakeasy seh_test_x86: MSVC __try/__except scope tables catch each access violation "
          "(test_seh.py)") {
  const EmulationOutput out = RunSample("seh_test_x86.exe");
  const BehaviorResult& r = out.behavior;
  INFO(r.end_detail() << "\n" << r.console_output());
  CHECK(r.end_reason() == v1::EMULATION_END_REASON_EXITED);
  CHECK(r.end_detail() == "exit(0)");
  // Three faulting writes to address 0, each in a __try whose filter accepts the access
  // violation (one nested two levels deep); the __finally runs on the normal path.
  CHECK(CallsNamed(r, "_except_handler4_common").size() == 3);
  CHECK(r.console_output() ==
        "Hello emulator\nIn filter\nCaught AV as expected\nFirst access violation\r\n"
        "First nested access violation\r\nSecond nested access violation\r\n"
        "After access violations\r\nIn finally\r\nReturning...\n");
}

TEST_CASE("speakeasy antidbg.exe: debugger checks, its restart of itself, and the trap-flag check") {
  const EmulationOutput out = RunSample("antidbg.exe");
  const BehaviorResult& r = out.behavior;
  INFO(r.end_detail());
  CHECK(CallsNamed(r, "IsDebuggerPresent").size() == 1);
  REQUIRE(r.mutex_events_size() == 1);
  CHECK(r.mutex_events(0).operation() == "create");
  CHECK(r.mutex_events(0).target() == "antidbg");
  // sprintf("%ws %d", own path, pid): MSVC's %ws takes a wide string.
  REQUIRE(r.process_events_size() == 1);
  CHECK(r.process_events(0).operation() == "create");
  CHECK(r.process_events(0).target() == "C:\\Users\\jsmith\\Desktop\\sample.exe 4512");
  // __writeeflags(__readeflags() | 0x100) inside __try, with no instruction after the popfd
  // before the try level is reset: the CPU traps after that reset (0x401a48), so the
  // function's own scope table no longer covers it. Both registered handlers are asked (the
  // CRT's outer filter _seh_filter_exe declines 0x80000004) and the process dies with it, as
  // on Windows.
  const auto handlers = CallsNamed(r, "_except_handler4_common");
  REQUIRE(handlers.size() == 2);
  const auto filter = CallsNamed(r, "_seh_filter_exe");
  REQUIRE(filter.size() == 1);
  CHECK(filter[0]->args(0) == "0x80000004");
  CHECK(r.end_reason() == v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION);
  CHECK(r.end_detail() == "unhandled exception 0x80000004 (single step, interrupt 1) at 0x401a4f");
}

TEST_CASE("speakeasy sc2.bin, an x64 HTTPS stager, connects, downloads and runs its payload") {
  EmulationOptions options;
  options.shellcode_arch = "x64";
  const Bytes data = ReadAll("../shared/corpora/speakeasy-tests/tests/bins/sc2.bin");
  REQUIRE_FALSE(data.empty());
  auto out = Emulate(data, options);
  REQUIRE(out);
  const BehaviorResult& r = out->behavior;
  INFO(r.end_detail());
  const auto load = CallsNamed(r, "LoadLibraryA");
  REQUIRE(load.size() == 1);
  CHECK(load[0]->args(0) == "\"wininet\"");
  const auto request = CallsNamed(r, "HttpOpenRequestA");
  REQUIRE(request.size() == 1);
  CHECK(request[0]->args(2) == "\"/infographics/auth.ico\"");
  bool connected = false;
  bool requested = false;
  for (const auto& e : r.network_events()) {
    connected |= e.operation() == "connect" && e.target() == "resources.avtechupdate.com:443";
    requested |= e.operation() == "http_request" &&
                 e.target() == "https://resources.avtechupdate.com:443/infographics/auth.ico";
  }
  CHECK(connected);
  CHECK(requested);
  // It allocates an RWX buffer for the stage and reads the canned response into it.
  const auto alloc = CallsNamed(r, "VirtualAlloc");
  REQUIRE(alloc.size() == 1);
  CHECK(alloc[0]->args(1) == "0x400000");
  CHECK(alloc[0]->args(3) == "0x40");
  const auto reads = CallsNamed(r, "InternetReadFile");
  REQUIRE(reads.size() == 2);
  CHECK(reads[0]->args(1) == HexString(alloc[0]->return_value()));
}
