#pragma once
// Internal: the CPU under the emulator, a thin RAII wrapper over unicorn 2.0.1 (the only place
// that includes <unicorn/unicorn.h>, in cpu_engine.cc). It speaks Kensa's types: addresses are
// uint64_t, failures are Status, hooks are std::function.
//
// unicorn 2.0.1 quirks this wrapper and its callers work around (each has a regression test
// in tests/cpu_engine_test.cc):
// - x86-32: writing the FS base register is accepted and ignored; SetupFlatGdt builds a GDT with
//   an FS descriptor based at the TEB, as Windows does.
// - Calling Stop() in the same hook invocation that rewrote the program counter is unreliable
//   (unicorn #1579); callers set a flag and stop from the next block's hook.
// - A global memory-write hook corrupts EFLAGS (unicorn #1911): none is installed.
// - Translating FF /3 or FF /5 with a register operand (a far call or jump through a register,
//   #UD on a real CPU; "FF D8" opens every JPEG) makes unicorn abort() the process with "tcg
//   fatal error" (unicorn #1716, fixed in 2.0.2). Run() turns that abort into an error: a
//   SIGABRT handler, active only while this thread is inside uc_emu_start, jumps back out of
//   the translator. The engine is then broken (TCG state half-written): it refuses to run,
//   map or write again; registers and memory can still be read for the report, and
//   uc_close, which only frees, still ends it. For the jump to leave nothing running, Run
//   keeps its timeout itself instead of unicorn's timer thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "kensa/core/status.h"

namespace kensa::emulator::internal {

enum class Arch { kX86, kX64 };

// Registers by their 64-bit names; on x86 the 32-bit register of the same name is used.
// R8..R15 exist on x64 only.
enum class Reg { kAx, kBx, kCx, kDx, kSi, kDi, kBp, kSp, kIp, kR8, kR9, kR10, kR11, kR12, kR13, kR14, kR15, kFlags };

// Page protections as the engine knows them (bit values of unicorn's UC_PROT_*).
inline constexpr std::uint32_t kProtRead = 1;
inline constexpr std::uint32_t kProtWrite = 2;
inline constexpr std::uint32_t kProtExec = 4;
inline constexpr std::uint32_t kProtAll = 7;

inline constexpr std::uint64_t kPageSize = 0x1000;

enum class MemoryFault { kRead, kWrite, kFetch };

class CpuEngine {
 public:
  // Called before each instruction executes, in the range given to SetCodeHook.
  using CodeHook = std::function<void(std::uint64_t address)>;
  // Called at the start of each translated basic block, with the block's size in bytes.
  using BlockHook = std::function<void(std::uint64_t address, std::uint32_t size)>;
  // Called on an access to unmapped or protected memory; return true when the handler made the
  // access valid (the engine retries it), false to end emulation with the fault.
  using FaultHook =
      std::function<bool(MemoryFault kind, bool unmapped, std::uint64_t address, int size)>;
  // Called on a CPU exception or interrupt (int3 = 3, divide error = 0, invalid opcode = 6).
  using InterruptHook = std::function<void(std::uint32_t number)>;
  // Called after a guest write of `size` bytes at `address`, in the range given to SetWriteHook.
  using WriteHook = std::function<void(std::uint64_t address, int size)>;

  static Result<std::unique_ptr<CpuEngine>> Create(Arch arch);
  ~CpuEngine();
  CpuEngine(const CpuEngine&) = delete;
  CpuEngine& operator=(const CpuEngine&) = delete;

  Arch arch() const { return arch_; }

  Status Map(std::uint64_t address, std::uint64_t size, std::uint32_t prot);
  Status Unmap(std::uint64_t address, std::uint64_t size);
  Status Protect(std::uint64_t address, std::uint64_t size, std::uint32_t prot);
  bool Read(std::uint64_t address, void* out, std::size_t size) const;
  bool Write(std::uint64_t address, const void* data, std::size_t size);

  std::uint64_t ReadReg(Reg reg) const;
  void WriteReg(Reg reg, std::uint64_t value);

  // x86-32: a flat GDT at `gdt_address` (one page, mapped by the caller) with code, data and an
  // FS segment based at `fs_base`, and the segment registers loaded. x64: GS base = `fs_base`
  // (the TEB), which unicorn honours.
  Status SetupThreadSegment(std::uint64_t gdt_address, std::uint64_t teb);

  // Hooks instructions in [begin, end) only (end 0: everywhere). A code hook makes unicorn call
  // out before every instruction it covers, which costs most of the emulation speed; the
  // emulator hooks only its API stubs and counts instructions per block instead.
  void SetCodeHook(CodeHook hook, std::uint64_t begin = 1, std::uint64_t end = 0);
  void SetBlockHook(BlockHook hook);
  void SetFaultHook(FaultHook hook);
  void SetInterruptHook(InterruptHook hook);
  // Hooks guest writes in [begin, end), replacing the previous range. Every guest store takes
  // unicorn's slow path while a write hook exists: keep it for the few regions that need it.
  void SetWriteHook(WriteHook hook, std::uint64_t begin, std::uint64_t end);

  // Runs from `pc` until Stop(), a fault, or `timeout_us` (0 = none). An error status carries
  // unicorn's message ("Invalid memory read (UC_ERR_READ_UNMAPPED)"), or says that unicorn
  // aborted while translating code (see above); after that the engine is broken(). Never
  // called from inside a hook: the abort jump returns to the innermost run only.
  Status Run(std::uint64_t pc, std::uint64_t timeout_us);
  bool broken() const { return broken_; }
  void Stop();
  // Instructions in the translated block at `address` (unicorn's TB cache), 0 when unknown.
  std::uint32_t BlockInstructionCount(std::uint64_t address);

  // Opaque saved register state, for switching between emulated threads.
  class Context;
  std::shared_ptr<Context> SaveContext();
  void RestoreContext(const Context& context);

  struct Hooks;  // the hook functions and the run's deadline, for unicorn's C callbacks

 private:
  explicit CpuEngine(Arch arch);
  void InstallBlockHook();
  Arch arch_;
  void* uc_ = nullptr;
  std::unique_ptr<Hooks> hooks_;
  bool broken_ = false;
};

}  // namespace kensa::emulator::internal
