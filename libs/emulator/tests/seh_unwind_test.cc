// Structured exception handling with its unwind pass: tests/winbins' t15_seh (its __try code
// compiled by clang for the MSVC target, linked by mingw-w64 as CMake builds it) catches an
// access violation in a callee with a filtered __except, and unwinds a second one through a
// __finally to an outer __except(1). x64 goes through the images' unwind tables and
// __C_specific_handler, x86 through the fs:[0] chain and _except_handler3. Wine runs the x64
// program with the same markers and mutexes (tests/winbins, winbins_wine_vs_emulator_test).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "kensa/emulator/emulator.h"
#include "test_support.h"

namespace kensa::emulator {
namespace {

namespace v1 = analysis::v1;
using testing::CountCalls;

const std::string kSources = "tests/winbins/src/";

Bytes BuildSehProgram(bool x64) {
  return testing::CompileMsvcProbe(testing::ReadText(kSources + "t15_seh.c"),
                                   testing::ReadText(kSources + "t15_seh_probe.c"), x64, /*cxx=*/false);
}

// Runs t15_seh: the markers wine prints, and the __finally's mutex before the caught one (the
// __finally ran during the unwind, before the __except block returned to main).
v1::BehaviorResult RunSehProgram(bool x64) {
  const Bytes program = BuildSehProgram(x64);
  REQUIRE_FALSE(program.empty());
  auto out = Emulate(program, {});
  REQUIRE(out);
  const v1::BehaviorResult& r = out->behavior;
  INFO(r.end_detail() << "\nconsole:\n" << r.console_output());
  CHECK(r.end_reason() == v1::EMULATION_END_REASON_EXITED);
  CHECK(r.end_detail() == "exit(0)");
  CHECK(r.console_output() ==
        "SBX|t15_seh|caught|42\n"
        "SBX|t15_seh|finally_abnormal|1\n"
        "SBX|t15_seh|unwound|7\n"
        "SBX|t15_seh|done|0\n");
  REQUIRE(r.mutex_events_size() == 2);
  CHECK(r.mutex_events(0).target() == "sbx-seh-finally");
  CHECK(r.mutex_events(1).target() == "sbx-seh-caught");
  return out->behavior;
}

TEST_CASE("x64: an access violation is caught by __except, and unwound through __finally") {
  const v1::BehaviorResult r = RunSehProgram(/*x64=*/true);
  // The first fault: SbxSehCatch's handler asked, then called again by the unwind pass
  // (EXCEPTION_TARGET_UNWIND). The second: WriteWithFinally's (no __except: ContinueSearch) and
  // SbxSehUnwind's asked, then both called again by the unwind pass (EXCEPTION_UNWINDING, which
  // runs the __finally, then EXCEPTION_TARGET_UNWIND).
  CHECK(CountCalls(r, "__C_specific_handler") == 6);
  for (const auto& call : r.api_calls()) {
    if (call.name() == "__C_specific_handler") CHECK_FALSE(call.unmodelled());
  }
}

TEST_CASE("x86: the same program through _except_handler3, its __finally run by the unwind") {
  const v1::BehaviorResult r = RunSehProgram(/*x64=*/false);
  // SbxSehCatch's handler; then WriteWithFinally's (no filter: ContinueSearch) and
  // SbxSehUnwind's, whose EXECUTE_HANDLER calls WriteWithFinally's again with
  // EXCEPTION_UNWINDING (_global_unwind2), which runs the __finally.
  CHECK(CountCalls(r, "_except_handler3") == 4);
}

TEST_CASE("RaiseException is dispatched to the __except around the call, both architectures") {
  for (const bool x64 : {true, false}) {
    INFO((x64 ? "x64" : "x86"));
    const Bytes program = testing::CompileMsvcProbe(R"(
#include <stdio.h>
int Probe(void);
int main(void) { printf("probe=%d\n", Probe()); return 0; }
)",
                                                    R"(
__declspec(dllimport) void __stdcall RaiseException(unsigned long code, unsigned long flags,
                                                    unsigned long count, const void* arguments);
int Probe(void) {
  int result = 0;
  __try {
    RaiseException(0xE0424242, 0, 0, 0);
    result = 1;
  } __except (_exception_code() == 0xE0424242 ? 1 : 0) {
    result = 5;
  }
  return result;
}
)",
                                                    x64, /*cxx=*/false);
    REQUIRE_FALSE(program.empty());
    auto out = Emulate(program, {});
    REQUIRE(out);
    INFO(out->behavior.end_detail());
    CHECK(out->behavior.console_output() == "probe=5\n");
    CHECK(out->behavior.end_reason() == v1::EMULATION_END_REASON_EXITED);
  }
}

TEST_CASE("x64: a fault no handler takes ends the run as an unhandled access violation") {
  const Bytes program = testing::CompileC(R"(
int main(void) {
  volatile int* p = (volatile int*)0x10;
  *p = 1;
  return 0;
}
)",
                                          /*x64=*/true);
  REQUIRE_FALSE(program.empty());
  auto out = Emulate(program, {});
  REQUIRE(out);
  // mingw's startup frame has a scope table without a scope around main: its handler declines,
  // and no frame above it has one.
  INFO(out->behavior.end_detail());
  CHECK(out->behavior.end_reason() == v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION);
  CHECK(out->behavior.end_detail().starts_with("unhandled exception access violation: write of unmapped memory at 0x10 (4 bytes)"));
  CHECK(CountCalls(out->behavior, "__C_specific_handler") == 1);
}

}  // namespace
}  // namespace kensa::emulator
