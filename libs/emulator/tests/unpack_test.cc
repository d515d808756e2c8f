// Self-unpacking into the image's own sections, UPX's way: tests/winbins programs packed at
// build time by tests/packer/kensa_test_packer.py (CMakeLists.txt) run packed and plain.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "image_dump.h"
#include "kensa/emulator/emulator.h"
#include "kensa/pe/pe_analyzer.h"
#include "test_support.h"

using kensa::Bytes;
using kensa::analysis::v1::BehaviorResult;
using namespace kensa::emulator;
using namespace kensa::emulator::testing;
namespace v1 = kensa::analysis::v1;

namespace {

Bytes Program(const std::string& arch, const std::string& name) {
  return ReadAll(std::string(KENSA_EMULATOR_PACKED_DIR) + "/" + arch + "/" + name + ".exe");
}

bool Contains(const Bytes& haystack, std::string_view needle) {
  return std::string_view(reinterpret_cast<const char*>(haystack.data()), haystack.size())
             .find(needle) != std::string_view::npos;
}

EmulationOutput Run(const Bytes& pe) {
  REQUIRE_FALSE(pe.empty());
  auto out = Emulate(pe, EmulationOptions{});
  REQUIRE(out);
  return std::move(*out);
}

std::vector<std::size_t> UnpackedImageDumps(const BehaviorResult& r) {
  std::vector<std::size_t> indexes;
  for (int i = 0; i < r.executed_memory_regions_size(); ++i) {
    if (r.executed_memory_regions(i).found_by() == "executed_written_image") {
      indexes.push_back(static_cast<std::size_t>(i));
    }
  }
  return indexes;
}

struct PackedCase {
  std::string program;
  // Strings of the original program that the packed file must hide and the dump must show.
  std::vector<std::string> markers;
};

}  // namespace

TEST_CASE("A UPX-style packed program behaves as the plain one and its unpacked image is dumped",
          "[unpack]") {
  const std::vector<PackedCase> cases = {
      {"t01_mutex", {"t01_mutex", "Global\\sbx-test-mutex", "SBX|%s|%s|%lu", "CreateMutexA"}},
      {"t02_runkey",
       {"t02_runkey", "C:\\ProgramData\\sbx\\agent.exe", "SbxTest", "RegSetValueExA"}}};
  for (const std::string arch : {"x86", "x64"}) {
    for (const PackedCase& c : cases) {
      DYNAMIC_SECTION(arch << " " << c.program) {
        const Bytes plain = Program(arch, c.program);
        const Bytes packed = Program(arch, c.program + "_packed");
        for (const std::string& marker : c.markers) {
          INFO(marker);
          CHECK(Contains(plain, marker));
          CHECK_FALSE(Contains(packed, marker));
        }

        const EmulationOutput plain_out = Run(plain);
        const EmulationOutput packed_out = Run(packed);
        const BehaviorResult& p = plain_out.behavior;
        const BehaviorResult& r = packed_out.behavior;
        INFO(r.end_detail() << "\nconsole:\n" << r.console_output());
        CHECK(r.end_reason() == v1::EMULATION_END_REASON_EXITED);
        // The same program ran: the same marker lines, ending with the done marker.
        CHECK(r.console_output() == p.console_output());
        CHECK(r.console_output().find("SBX|" + c.program + "|done|0") != std::string::npos);
        if (c.program == "t01_mutex") {
          REQUIRE(r.mutex_events_size() == 2);
          CHECK(r.mutex_events(0).target() == "Global\\sbx-test-mutex");
          CHECK(r.mutex_events(1).details() == "already_exists");
        } else {
          bool run_value = false;
          for (const auto& e : r.registry_events()) {
            if (e.operation() == "set_value" &&
                e.target().find("\\CurrentVersion\\Run") != std::string::npos &&
                e.details() == "SbxTest = C:\\ProgramData\\sbx\\agent.exe") {
              run_value = true;
            }
          }
          CHECK(run_value);
        }

        // The plain program writes its data sections but never runs code it wrote.
        CHECK(UnpackedImageDumps(p).empty());
        const std::vector<std::size_t> dumps = UnpackedImageDumps(r);
        REQUIRE(dumps.size() == 1);
        const v1::ExecutedMemoryRegion& region = r.executed_memory_regions(static_cast<int>(dumps[0]));
        const std::uint64_t base = arch == "x86" ? 0x400000 : 0x140000000;
        CHECK(region.address() == base);
        const Artifact& dump = packed_out.memory_regions.at(dumps[0]);
        CHECK(dump.sha256 == region.sha256());
        CHECK(dump.content.size() == region.size());
        for (const std::string& marker : c.markers) {
          INFO(marker);
          CHECK(Contains(dump.content, marker));
        }

        // The dump is a PE whose entry point is the original program's.
        auto plain_pe = kensa::pe::AnalyzePe(plain);
        auto dump_pe = kensa::pe::AnalyzePe(dump.content);
        REQUIRE(plain_pe);
        REQUIRE(dump_pe);
        CHECK(dump_pe->info.machine() == plain_pe->info.machine());
        const std::uint64_t oep_rva = plain_pe->info.entry_point() >= plain_pe->info.image_base()
                                          ? plain_pe->info.entry_point() - plain_pe->info.image_base()
                                          : plain_pe->info.entry_point();
        const std::uint64_t dump_rva = dump_pe->info.entry_point() >= dump_pe->info.image_base()
                                           ? dump_pe->info.entry_point() - dump_pe->info.image_base()
                                           : dump_pe->info.entry_point();
        CHECK(dump_rva == oep_rva);
        CHECK(dump.name == "memory_" + kensa::HexNumber(base) + "_entry_" +
                               kensa::HexNumber(base + oep_rva));
        REQUIRE(dump_pe->info.sections_size() == 2);
        CHECK(dump_pe->info.sections(0).name() == "KPK0");
        CHECK(dump_pe->info.sections(0).raw_size() == dump_pe->info.sections(0).virtual_size());
        CHECK(dump_pe->info.sections(0).raw_offset() == dump_pe->info.sections(0).virtual_address());
      }
    }
  }
}

// Writes "mov eax, 42; ret" into a page of its own image that never ran, calls it, then writes
// there again after making the page read-only and executable, which Windows refuses.
const char* kSelfModifying = R"(
#include <windows.h>
#include <stdio.h>
#include <string.h>
__attribute__((section(".kcode"), aligned(4096))) unsigned char code_area[8192] = {1};
int main(void) {
  static const unsigned char body[] = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xC3};
  DWORD old = 0;
  VirtualProtect(code_area, sizeof code_area, PAGE_EXECUTE_READWRITE, &old);
  memcpy(code_area + 4096, body, sizeof body);
  printf("SBX|smc|value|%d\n", ((int (*)(void))(code_area + 4096))());
  VirtualProtect(code_area, sizeof code_area, PAGE_EXECUTE_READ, &old);
  code_area[4096] = 0x90;
  printf("SBX|smc|after_write\n");
  return 0;
}
)";

TEST_CASE("Code written into the image is dumped once and the guest's own protection still holds",
          "[unpack]") {
  for (const bool x64 : {false, true}) {
    DYNAMIC_SECTION((x64 ? "x64" : "x86")) {
      const EmulationOutput out = Run(CompileC(kSelfModifying, x64));
      const BehaviorResult& r = out.behavior;
      INFO(r.end_detail() << "\nconsole:\n" << r.console_output());
      CHECK(r.console_output() == "SBX|smc|value|42\n");
      CHECK(r.end_reason() != v1::EMULATION_END_REASON_EXITED);
      const std::vector<std::size_t> dumps = UnpackedImageDumps(r);
      REQUIRE(dumps.size() == 1);
      auto dump_pe = kensa::pe::AnalyzePe(out.memory_regions.at(dumps[0]).content);
      REQUIRE(dump_pe);
      std::uint64_t kcode = 0;
      for (const auto& section : dump_pe->info.sections()) {
        if (section.name() == ".kcode") kcode = section.virtual_address();
      }
      REQUIRE(kcode != 0);
      const std::uint64_t entry = dump_pe->info.entry_point();
      const std::uint64_t image_base = dump_pe->info.image_base();
      CHECK((entry >= image_base ? entry - image_base : entry) == kcode + 0x1000);
    }
  }
}

TEST_CASE("A dump whose headers are not a PE is kept as it was", "[unpack]") {
  Bytes image(0x2000, 0xCC);
  const Bytes before = image;
  CHECK_FALSE(kensa::emulator::internal::RebuildPeFromImage(image, 0x1000));
  CHECK(image == before);
  // MZ with e_lfanew pointing past the end.
  image[0] = 'M';
  image[1] = 'Z';
  image[0x3C] = 0xF0;
  image[0x3D] = 0xFF;
  const Bytes mz = image;
  CHECK_FALSE(kensa::emulator::internal::RebuildPeFromImage(image, 0x1000));
  CHECK(image == mz);
}
