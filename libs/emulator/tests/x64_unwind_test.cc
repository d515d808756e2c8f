// x64 unwind tables over a hand-built image in a byte buffer: the RUNTIME_FUNCTION lookup, each
// unwind operation undone as RtlVirtualUnwind undoes it (in and after the prolog), chained
// UNWIND_INFO, the language handler and its data, and hostile tables failing cleanly.
#include <catch2/catch.hpp>

#include <cstring>
#include <initializer_list>
#include <vector>

#include "../src/x64_unwind.h"

namespace kensa::emulator {
namespace {

constexpr std::uint64_t kBase = 0x140000000;
constexpr std::uint64_t kStack = 0x10000;  // 128 KiB of stack of its own

// An image of 0x3000 bytes at kBase (PE32+ headers, exception directory at 0x1000, unwind
// infos at 0x2000) and a stack at kStack.
class FakeMemory {
 public:
  FakeMemory() : image_(0x3000, 0), stack_(0x20000, 0) {
    Put32(0x3C, 0x80);
    Put32(0x80, 0x00004550);                 // "PE\0\0"
    Put16(0x80 + 24, 0x20B);                 // PE32+
    Put32(0x80 + 24 + 112 + 3 * 8, 0x1000);  // exception directory
  }
  void Put16(std::uint64_t at, std::uint16_t v) { std::memcpy(&image_[at], &v, 2); }
  void Put32(std::uint64_t at, std::uint32_t v) { std::memcpy(&image_[at], &v, 4); }
  void PutStack(std::uint64_t address, std::uint64_t v) { std::memcpy(&stack_[address - kStack], &v, 8); }
  // RUNTIME_FUNCTIONs in order; the directory size follows their count.
  void Functions(std::initializer_list<std::array<std::uint32_t, 3>> functions) {
    std::uint64_t at = 0x1000;
    for (const auto& f : functions) {
      for (std::size_t i = 0; i < 3; ++i) Put32(at + 4 * i, f[i]);
      at += 12;
    }
    Put32(0x80 + 24 + 112 + 3 * 8 + 4, static_cast<std::uint32_t>(12 * functions.size()));
  }
  // UNWIND_INFO at `rva`: version 1, flags, prolog size, the codes, then `tail` (handler RVA and
  // data, or a chained RUNTIME_FUNCTION).
  void Info(std::uint32_t rva, std::uint8_t flags, std::uint8_t frame_register, std::uint8_t frame_offset,
            std::vector<std::uint16_t> codes, std::vector<std::uint32_t> tail = {}) {
    image_[rva] = static_cast<std::uint8_t>(1 | flags << 3);
    image_[rva + 1] = 0x10;
    image_[rva + 2] = static_cast<std::uint8_t>(codes.size());
    image_[rva + 3] = static_cast<std::uint8_t>(frame_register | frame_offset << 4);
    std::uint64_t at = rva + 4;
    for (const std::uint16_t code : codes) {
      Put16(at, code);
      at += 2;
    }
    if (codes.size() % 2 != 0) at += 2;
    for (const std::uint32_t value : tail) {
      Put32(at, value);
      at += 4;
    }
  }
  ReadGuestMemory Reader() const {
    return [this](std::uint64_t address, void* out, std::size_t size) {
      if (address >= kBase && address + size <= kBase + image_.size()) {
        std::memcpy(out, &image_[address - kBase], size);
        return true;
      }
      if (address >= kStack && address + size <= kStack + stack_.size()) {
        std::memcpy(out, &stack_[address - kStack], size);
        return true;
      }
      return false;
    };
  }

 private:
  std::vector<std::uint8_t> image_;
  std::vector<std::uint8_t> stack_;
};

// UNWIND_CODE: prolog offset, operation, operation info.
std::uint16_t Code(std::uint8_t offset, std::uint8_t op, std::uint8_t info) {
  return static_cast<std::uint16_t>(offset | op << 8 | info << 12);
}

constexpr std::uint8_t kRbp = 5, kRsi = 6, kRbx = 3, kR12 = 12;

TEST_CASE("the RUNTIME_FUNCTION of an address is found by binary search, gaps and leaves are not") {
  FakeMemory memory;
  memory.Functions({{0x1100, 0x1120, 0x2000}, {0x1120, 0x1180, 0x2010}, {0x1200, 0x1210, 0x2020}});
  const auto read = memory.Reader();
  const auto middle = LookupFunctionEntry(read, kBase, kBase + 0x1150);
  REQUIRE(middle);
  CHECK(middle->begin == 0x1120);
  CHECK(middle->unwind_info == 0x2010);
  CHECK(middle->address == kBase + 0x1000 + 12);
  CHECK(LookupFunctionEntry(read, kBase, kBase + 0x1200)->begin == 0x1200);
  CHECK_FALSE(LookupFunctionEntry(read, kBase, kBase + 0x1190));  // between two functions
  CHECK_FALSE(LookupFunctionEntry(read, kBase, kBase + 0x1210));  // end is exclusive
  CHECK_FALSE(LookupFunctionEntry(read, kBase + 0x1000, kBase + 0x1150));  // no PE there
}

TEST_CASE("clang's prolog push rbp; push rsi; sub rsp,28h; lea rbp,[rsp+20h] is undone") {
  FakeMemory memory;
  memory.Functions({{0x1100, 0x1140, 0x2000}});
  // Codes in reverse prolog order: SET_FPREG at 0xb, ALLOC_SMALL 0x28 at 6, pushes at 2 and 1;
  // the handler (RVA 0x1500) and its scope table follow.
  memory.Info(0x2000, kUnwindFlagExceptionHandler | kUnwindFlagTerminationHandler, kRbp, 2,
              {Code(0xb, 3, 0), Code(6, 2, 4), Code(2, 0, kRsi), Code(1, 0, kRbp)}, {0x1500, 1});
  // The frame at the fault: RSP 0x10800, RBP = RSP + 0x20; the saved RSI, RBP and the return
  // address above the 0x28 bytes of locals.
  memory.PutStack(0x10800 + 0x28, 0x5151);
  memory.PutStack(0x10800 + 0x30, 0xB0B0);
  memory.PutStack(0x10800 + 0x38, kBase + 0x1234);
  const auto function = LookupFunctionEntry(memory.Reader(), kBase, kBase + 0x1120);
  REQUIRE(function);
  X64Registers regs;
  regs.rip = kBase + 0x1120;
  regs.rsp() = 0x10800;
  regs.gpr[kRbp] = 0x10820;
  auto unwound = VirtualUnwind(memory.Reader(), *function, regs);
  REQUIRE(unwound);
  CHECK(unwound->establisher_frame == 0x10800);  // RBP - 2 * 16
  CHECK(unwound->handler_flags == 3);
  CHECK(unwound->handler == kBase + 0x1500);
  CHECK(unwound->handler_data == kBase + 0x2000 + 4 + 8 + 4);
  CHECK(regs.rip == kBase + 0x1234);
  CHECK(regs.rsp() == 0x10840);
  CHECK(regs.gpr[kRsi] == 0x5151);
  CHECK(regs.gpr[kRbp] == 0xB0B0);

  // Inside the prolog, after the two pushes only: only they are undone.
  X64Registers early;
  early.rip = kBase + 0x1102;
  early.rsp() = 0x10800 + 0x28;
  auto partial = VirtualUnwind(memory.Reader(), *function, early);
  REQUIRE(partial);
  CHECK(partial->establisher_frame == 0x10828);  // RSP: RBP is not the frame register yet
  CHECK(early.rsp() == 0x10840);
  CHECK(early.rip == kBase + 0x1234);
  CHECK(early.gpr[kRbp] == 0xB0B0);
}

TEST_CASE("ALLOC_LARGE in both forms, SAVE_NONVOL_FAR, and a chained UNWIND_INFO") {
  FakeMemory memory;
  // The primary function's prolog: sub rsp, 10008h (ALLOC_LARGE, 32-bit form, at 7), then
  // mov [rsp+10000h], r12 (SAVE_NONVOL_FAR, at 9). A second range of the function (0x1300) has
  // its own sub rsp, 200h (ALLOC_LARGE, 16-bit form in 8-byte units) and is chained to it.
  memory.Functions({{0x1100, 0x1200, 0x2080}, {0x1300, 0x1340, 0x2040}});
  memory.Info(0x2080, 0, 0, 0, {Code(9, 5, kR12), 0x0000, 0x0001, Code(7, 1, 1), 0x0008, 0x0001});
  memory.Info(0x2040, 0x4, 0, 0, {Code(4, 1, 0), 0x40}, {0x1100, 0x1200, 0x2080});
  memory.PutStack(0x10100 + 0x10000, 0x1212);          // the saved R12, from the frame base
  memory.PutStack(0x10100 + 0x200 + 0x10008, kBase + 0x1777);
  const auto chained = LookupFunctionEntry(memory.Reader(), kBase, kBase + 0x1320);
  REQUIRE(chained);
  X64Registers regs;
  regs.rip = kBase + 0x1320;
  regs.rsp() = 0x10100;
  auto unwound = VirtualUnwind(memory.Reader(), *chained, regs);
  REQUIRE(unwound);
  CHECK(unwound->establisher_frame == 0x10100);
  CHECK(unwound->handler == 0);
  CHECK(regs.gpr[kR12] == 0x1212);
  CHECK(regs.rsp() == 0x10100 + 0x200 + 0x10008 + 8);
  CHECK(regs.rip == kBase + 0x1777);
}

TEST_CASE("PUSH_MACHFRAME takes RIP and RSP from the interrupt frame") {
  FakeMemory memory;
  memory.Functions({{0x1100, 0x1200, 0x2000}});
  memory.Info(0x2000, 0, 0, 0, {Code(1, 10, 0)});
  memory.PutStack(0x10200, kBase + 0x1999);     // RIP
  memory.PutStack(0x10200 + 24, 0x10600);       // RSP
  const auto function = LookupFunctionEntry(memory.Reader(), kBase, kBase + 0x1150);
  REQUIRE(function);
  X64Registers regs;
  regs.rip = kBase + 0x1150;
  regs.rsp() = 0x10200;
  REQUIRE(VirtualUnwind(memory.Reader(), *function, regs));
  CHECK(regs.rip == kBase + 0x1999);
  CHECK(regs.rsp() == 0x10600);
}

TEST_CASE("hostile unwind tables fail with a reason, never loop or read out of bounds") {
  FakeMemory memory;
  memory.Functions({{0x1100, 0x1200, 0x2000}, {0x1300, 0x1400, 0x2040}, {0x1500, 0x1600, 0x2080},
                    {0x1700, 0x1800, 0x2F00}});
  memory.Info(0x2000, 0, 0, 0, {Code(0, 7, 0)});                     // operation 7 does not exist
  memory.Info(0x2040, 0x4, 0, 0, {}, {0x1300, 0x1400, 0x2040});      // chained to itself
  memory.Info(0x2080, 0, 0, 0, {Code(0, 4, kRbx)});                  // SAVE_NONVOL without its slot
  const auto read = memory.Reader();
  X64Registers regs;
  regs.rsp() = 0x10100;
  regs.rip = kBase + 0x1150;
  auto bad_op = VirtualUnwind(read, *LookupFunctionEntry(read, kBase, regs.rip), regs);
  REQUIRE_FALSE(bad_op);
  CHECK(bad_op.error().message() == "unknown unwind operation 7");
  regs.rip = kBase + 0x1350;
  auto loop = VirtualUnwind(read, *LookupFunctionEntry(read, kBase, regs.rip), regs);
  REQUIRE_FALSE(loop);
  CHECK(loop.error().message() == "unwind info chain longer than 32");
  regs.rip = kBase + 0x1550;
  auto short_codes = VirtualUnwind(read, *LookupFunctionEntry(read, kBase, regs.rip), regs);
  REQUIRE_FALSE(short_codes);
  CHECK(short_codes.error().message() == "unwind operation past its codes");
  regs.rip = kBase + 0x1750;  // UNWIND_INFO of version 0 (zeroed memory)
  auto version = VirtualUnwind(read, *LookupFunctionEntry(read, kBase, regs.rip), regs);
  REQUIRE_FALSE(version);
  CHECK(version.error().message() == "UNWIND_INFO version 0");
}

}  // namespace
}  // namespace kensa::emulator
