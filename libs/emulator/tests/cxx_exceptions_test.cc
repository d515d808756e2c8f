// C++ exceptions on x64 (__CxxFrameHandler3, _CxxThrowException): tests/winbins' t16_cxx built
// here as CMake builds it (clang++ for the MSVC target, an import library of msvcrt's C++
// runtime, mingw-w64's linker). Wine prints the same markers and leaves the same mutexes
// (winbins_wine_vs_emulator_test).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "kensa/emulator/emulator.h"
#include "test_support.h"

namespace kensa::emulator {
namespace {

namespace v1 = analysis::v1;
using testing::CountCalls;
using testing::TempDir;

const std::string kSources = "tests/winbins/src/";

// main.c with `probe` (C++) linked against msvcrt's C++ runtime, as CMake builds t16_cxx.
Bytes BuildCxxProgram(const std::string& main_source, const std::string& probe_source) {
  TempDir dir;
  REQUIRE(testing::Run("x86_64-w64-mingw32-dlltool -d " + kSources + "t16_cxx_runtime.def -l " +
                       dir.File("libruntime.a")));
  return testing::CompileMsvcProbe(main_source, probe_source, /*x64=*/true, /*cxx=*/true, dir.File("libruntime.a"));
}

TEST_CASE("x64 C++: caught by value past a destructor, by base reference, and rethrown") {
  const Bytes program = BuildCxxProgram(testing::ReadText(kSources + "t16_cxx.c"), testing::ReadText(kSources + "t16_cxx_probe.cc"));
  REQUIRE_FALSE(program.empty());
  auto out = Emulate(program, {});
  REQUIRE(out);
  const v1::BehaviorResult& r = out->behavior;
  INFO(r.end_detail() << "\nconsole:\n" << r.console_output());
  CHECK(r.end_reason() == v1::EMULATION_END_REASON_EXITED);
  CHECK(r.end_detail() == "exit(0)");
  // Each destructor runs during its unwind, before the catch block returns.
  CHECK(r.console_output() ==
        "SBX|t16_cxx|destroyed|7\n"
        "SBX|t16_cxx|caught|107\n"
        "SBX|t16_cxx|destroyed|1042\n"
        "SBX|t16_cxx|base|42\n"
        "SBX|t16_cxx|destroyed|9\n"
        "SBX|t16_cxx|inner_caught|9\n"
        "SBX|t16_cxx|rethrown|55\n"
        "SBX|t16_cxx|done|0\n");
  REQUIRE(r.mutex_events_size() == 3);
  CHECK(r.mutex_events(0).target() == "sbx-cxx-destroyed-7");
  // Three throws and the rethrow, each dispatched to a modelled handler.
  CHECK(CountCalls(r, "_CxxThrowException") == 4);
  for (const auto& call : r.api_calls()) {
    if (call.name() == "_CxxThrowException" || call.name() == "__CxxFrameHandler3") CHECK_FALSE(call.unmodelled());
  }
}

TEST_CASE("x64 C++: a throw no catch takes ends the run naming the thrown type") {
  const Bytes program = BuildCxxProgram(R"(
void SbxCxxDestroyed(int which) { (void)which; }
void SbxCxxMark(const char* step, int value) { (void)step; (void)value; }
void __std_terminate(void) {}
int SbxCxxUncaught(void);
int main(void) { return SbxCxxUncaught(); }
)",
                                        R"(
struct Other { virtual ~Other() = default; };
__declspec(noinline) static void Thrower(int value) { if (value > 0) throw value; }
extern "C" int SbxCxxUncaught(void) {
  try {
    Thrower(3);
  } catch (const Other&) {
    return 1;
  }
  return 0;
}
)");
  REQUIRE_FALSE(program.empty());
  auto out = Emulate(program, {});
  REQUIRE(out);
  INFO(out->behavior.end_detail());
  CHECK(out->behavior.end_reason() == v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION);
  // ".H" is the decorated name of int.
  CHECK(out->behavior.end_detail().starts_with("unhandled exception C++ exception (.H) from 0x"));
}

}  // namespace
}  // namespace kensa::emulator
