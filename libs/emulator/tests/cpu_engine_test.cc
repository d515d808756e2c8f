// Regression tests for the unicorn 2.0.1 behaviours the emulator depends on or works around
// (docs/emulator.md, "unicorn quirks"). They use unicorn directly where the quirk is unicorn's.
#include <unicorn/unicorn.h>

#include <catch2/catch.hpp>

#include "cpu_engine.h"
#include "kensa/emulator/emulator.h"
#include "test_support.h"

using kensa::emulator::internal::Arch;
using kensa::emulator::internal::CpuEngine;
using kensa::emulator::internal::Reg;
using kensa::emulator::internal::kProtAll;

namespace {

constexpr std::uint64_t kCode = 0x1000000;
constexpr std::uint64_t kTeb = 0x2000000;
constexpr std::uint64_t kGdt = 0x3000000;

}  // namespace

TEST_CASE("unicorn 2.0.1 ignores a write of the x86-32 FS base register") {
  uc_engine* uc = nullptr;
  REQUIRE(uc_open(UC_ARCH_X86, UC_MODE_32, &uc) == UC_ERR_OK);
  uc_mem_map(uc, kCode, 0x1000, UC_PROT_ALL);
  uc_mem_map(uc, kTeb, 0x1000, UC_PROT_ALL);
  const std::uint32_t marker = 0x11223344;
  uc_mem_write(uc, kTeb + 0x30, &marker, 4);
  const std::uint8_t code[] = {0x64, 0xA1, 0x30, 0x00, 0x00, 0x00};  // mov eax, fs:[0x30]
  uc_mem_write(uc, kCode, code, sizeof(code));
  std::uint64_t base = kTeb;
  CHECK(uc_reg_write(uc, UC_X86_REG_FS_BASE, &base) == UC_ERR_OK);
  const uc_err err = uc_emu_start(uc, kCode, kCode + sizeof(code), 0, 0);
  std::uint32_t eax = 0;
  uc_reg_read(uc, UC_X86_REG_EAX, &eax);
  // Either the read faults (address 0x30 is unmapped) or it does not see the TEB: the write
  // did not take effect. If this ever fails, unicorn fixed it and the GDT could go.
  CHECK((err != UC_ERR_OK || eax != marker));
  uc_close(uc);
}

TEST_CASE("a GDT with an FS descriptor makes fs:[0x30] read the TEB on x86-32") {
  auto cpu = CpuEngine::Create(Arch::kX86);
  REQUIRE(cpu);
  CpuEngine& c = **cpu;
  REQUIRE(c.Map(kCode, 0x1000, kProtAll).ok());
  REQUIRE(c.Map(kTeb, 0x1000, kProtAll).ok());
  REQUIRE(c.Map(kGdt, 0x1000, kProtAll).ok());
  const std::uint32_t marker = 0x11223344;
  c.Write(kTeb + 0x30, &marker, 4);
  const std::uint8_t code[] = {0x64, 0xA1, 0x30, 0x00, 0x00, 0x00, 0xF4};  // mov eax, fs:[0x30]
  c.Write(kCode, code, sizeof(code));
  REQUIRE(c.SetupThreadSegment(kGdt, kTeb).ok());
  bool stopped = false;
  c.SetCodeHook([&](std::uint64_t address) {
    if (address == kCode + 6 && !stopped) {
      stopped = true;
      c.Stop();
    }
  });
  REQUIRE(c.Run(kCode, 1'000'000).ok());
  CHECK(c.ReadReg(Reg::kAx) == marker);
}

TEST_CASE("the GS base register makes gs:[0x60] read the TEB on x86-64") {
  auto cpu = CpuEngine::Create(Arch::kX64);
  REQUIRE(cpu);
  CpuEngine& c = **cpu;
  REQUIRE(c.Map(kCode, 0x1000, kProtAll).ok());
  REQUIRE(c.Map(kTeb, 0x1000, kProtAll).ok());
  const std::uint64_t marker = 0x1122334455667788ull;
  c.Write(kTeb + 0x60, &marker, 8);
  // mov rax, gs:[0x60]
  const std::uint8_t code[] = {0x65, 0x48, 0x8B, 0x04, 0x25, 0x60, 0x00, 0x00, 0x00, 0xF4};
  c.Write(kCode, code, sizeof(code));
  REQUIRE(c.SetupThreadSegment(0, kTeb).ok());
  c.SetCodeHook([&](std::uint64_t address) {
    if (address == kCode + 9) c.Stop();
  });
  REQUIRE(c.Run(kCode, 1'000'000).ok());
  CHECK(c.ReadReg(Reg::kAx) == marker);
}

TEST_CASE("rewriting the program counter in a code hook continues at the new address") {
  // The API trap relies on this: the stub's hook sets RIP to the return address.
  auto cpu = CpuEngine::Create(Arch::kX86);
  REQUIRE(cpu);
  CpuEngine& c = **cpu;
  REQUIRE(c.Map(kCode, 0x1000, kProtAll).ok());
  // 0: call 0x100 ; 5: mov ebx, 7 ; 10: hlt-marker ... 0x100: int3 (never executed)
  const std::uint8_t call[] = {0xE8, 0xFB, 0x00, 0x00, 0x00, 0xBB, 0x07, 0x00, 0x00, 0x00, 0x90};
  c.Write(kCode, call, sizeof(call));
  const std::uint8_t trap = 0xCC;
  c.Write(kCode + 0x100, &trap, 1);
  REQUIRE(c.Map(0x500000, 0x1000, kProtAll).ok());
  c.WriteReg(Reg::kSp, 0x500800);
  bool stop_next = false;
  c.SetCodeHook([&](std::uint64_t address) {
    if (stop_next) {
      c.Stop();
      return;
    }
    if (address == kCode + 0x100) {
      std::uint32_t ret = 0;
      const std::uint64_t sp = c.ReadReg(Reg::kSp);
      c.Read(sp, &ret, 4);
      c.WriteReg(Reg::kSp, sp + 4);
      c.WriteReg(Reg::kAx, 42);
      c.WriteReg(Reg::kIp, ret);
    }
    if (address == kCode + 10) stop_next = true;
  });
  int interrupts = 0;
  c.SetInterruptHook([&](std::uint32_t) { ++interrupts; c.Stop(); });
  REQUIRE(c.Run(kCode, 1'000'000).ok());
  CHECK(interrupts == 0);
  CHECK(c.ReadReg(Reg::kAx) == 42);
  CHECK(c.ReadReg(Reg::kBx) == 7);
}

TEST_CASE("unicorn's abort on a far call through a register becomes an error, and the process lives on") {
  // FF D8 is "call far eax" (FF /3 with a register operand): #UD on a real CPU, and in unicorn
  // 2.0.1 an abort() from its code generator (unicorn #1716). FF E8 is the far jmp twin.
  for (const std::uint8_t modrm : {std::uint8_t{0xD8}, std::uint8_t{0xE8}}) {
    for (const Arch arch : {Arch::kX86, Arch::kX64}) {
      auto cpu = CpuEngine::Create(arch);
      REQUIRE(cpu);
      CpuEngine& c = **cpu;
      REQUIRE(c.Map(kCode, 0x1000, kProtAll).ok());
      const std::uint8_t code[] = {0x90, 0x90, 0xFF, modrm, 0x90};
      REQUIRE(c.Write(kCode, code, sizeof(code)));
      const auto status = c.Run(kCode, 1'000'000);
      REQUIRE_FALSE(status.ok());
      CHECK(status.message().find("unicorn aborted translating the code") == 0);
      CHECK(c.broken());
      // The engine refuses further work, but its memory can still be read for the report.
      CHECK_FALSE(c.Run(kCode, 1'000'000).ok());
      CHECK_FALSE(c.Map(kGdt, 0x1000, kProtAll).ok());
      CHECK_FALSE(c.Write(kCode, code, 1));
      std::uint8_t back[sizeof(code)] = {};
      CHECK(c.Read(kCode, back, sizeof(back)));
      CHECK(back[3] == modrm);
    }
  }
  // A fresh engine runs as before: the handler only acts inside a run that aborted.
  auto cpu = CpuEngine::Create(Arch::kX86);
  REQUIRE(cpu);
  REQUIRE((*cpu)->Map(kCode, 0x1000, kProtAll).ok());
  const std::uint8_t mov[] = {0xB8, 0x2A, 0x00, 0x00, 0x00, 0xF4};  // mov eax, 42 ; hlt
  REQUIRE((*cpu)->Write(kCode, mov, sizeof(mov)));
  (*cpu)->SetInterruptHook([&](std::uint32_t) { (*cpu)->Stop(); });
  (void)(*cpu)->Run(kCode, 1'000'000);
  CHECK((*cpu)->ReadReg(Reg::kAx) == 42);
  CHECK_FALSE((*cpu)->broken());
}

TEST_CASE("shellcode that hits unicorn's abort ends the emulation with an error and its events") {
  // A JPEG header emulated as shellcode: FF D8 is its first instruction.
  kensa::emulator::EmulationOptions options;
  options.shellcode_arch = "x86";
  const kensa::Bytes jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01};
  auto out = kensa::emulator::Emulate(jpeg, options);
  REQUIRE(out.has_value());
  CHECK(out->behavior.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_ERROR);
  CHECK(out->behavior.end_detail().find("unicorn aborted translating the code") != std::string::npos);
}
