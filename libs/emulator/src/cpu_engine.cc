// The unicorn adapter: the one file that includes <unicorn/unicorn.h>.
#include "cpu_engine.h"

#include <unicorn/unicorn.h>

#include <csetjmp>
#include <csignal>

#include <array>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string>

namespace kensa::emulator::internal {
namespace {

uc_engine* Uc(void* p) { return static_cast<uc_engine*>(p); }

std::string UcError(uc_err err) { return uc_strerror(err); }

int RegId(Arch arch, Reg reg) {
  const bool x64 = arch == Arch::kX64;
  switch (reg) {
    case Reg::kAx: return x64 ? UC_X86_REG_RAX : UC_X86_REG_EAX;
    case Reg::kBx: return x64 ? UC_X86_REG_RBX : UC_X86_REG_EBX;
    case Reg::kCx: return x64 ? UC_X86_REG_RCX : UC_X86_REG_ECX;
    case Reg::kDx: return x64 ? UC_X86_REG_RDX : UC_X86_REG_EDX;
    case Reg::kSi: return x64 ? UC_X86_REG_RSI : UC_X86_REG_ESI;
    case Reg::kDi: return x64 ? UC_X86_REG_RDI : UC_X86_REG_EDI;
    case Reg::kBp: return x64 ? UC_X86_REG_RBP : UC_X86_REG_EBP;
    case Reg::kSp: return x64 ? UC_X86_REG_RSP : UC_X86_REG_ESP;
    case Reg::kIp: return x64 ? UC_X86_REG_RIP : UC_X86_REG_EIP;
    case Reg::kR8: return UC_X86_REG_R8;
    case Reg::kR9: return UC_X86_REG_R9;
    case Reg::kR10: return UC_X86_REG_R10;
    case Reg::kR11: return UC_X86_REG_R11;
    case Reg::kR12: return UC_X86_REG_R12;
    case Reg::kR13: return UC_X86_REG_R13;
    case Reg::kR14: return UC_X86_REG_R14;
    case Reg::kR15: return UC_X86_REG_R15;
    case Reg::kFlags: return x64 ? UC_X86_REG_RFLAGS : UC_X86_REG_EFLAGS;
  }
  return UC_X86_REG_INVALID;
}

// One 8-byte segment descriptor (Intel SDM vol. 3, 3.4.5): base, limit in 4 KiB units, access
// byte (present, DPL, type) and flags (granularity, 32-bit).
std::uint64_t SegmentDescriptor(std::uint32_t base, std::uint32_t limit_pages, std::uint8_t access,
                                std::uint8_t flags) {
  std::uint64_t d = 0;
  d |= limit_pages & 0xFFFFu;
  d |= static_cast<std::uint64_t>(base & 0xFFFFFFu) << 16;
  d |= static_cast<std::uint64_t>(access) << 40;
  d |= static_cast<std::uint64_t>((limit_pages >> 16) & 0xFu) << 48;
  d |= static_cast<std::uint64_t>(flags & 0xFu) << 52;
  d |= static_cast<std::uint64_t>((base >> 24) & 0xFFu) << 56;
  return d;
}

// --- unicorn's abort() on translation (unicorn #1716), turned into an error -------------------

// Where the thread inside uc_emu_start jumps back to; null outside it.
thread_local sigjmp_buf* abort_return = nullptr;

std::mutex& AbortHandlerMutex() {
  static std::mutex mutex;
  return mutex;
}
// The SIGABRT action the process had before ours; aborts outside an emulation go to it.
struct sigaction previous_abort_action {};

void ForwardAbort(int signal, siginfo_t* info, void* context) {
  const struct sigaction previous = previous_abort_action;
  if ((previous.sa_flags & SA_SIGINFO) != 0 && previous.sa_sigaction != nullptr) {
    previous.sa_sigaction(signal, info, context);
  } else if (previous.sa_handler == SIG_IGN) {
    return;
  } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != nullptr) {
    previous.sa_handler(signal);
  } else {
    std::signal(SIGABRT, SIG_DFL);
    std::raise(SIGABRT);
  }
}

void OnAbortSignal(int signal, siginfo_t* info, void* context) {
  if (abort_return != nullptr) siglongjmp(*abort_return, 1);
  ForwardAbort(signal, info, context);
}

// Installs OnAbortSignal unless it is the current action. Checked before every run, because a
// forked isolation child gets the default action back (libs/isolation).
void EnsureAbortHandler() {
  std::lock_guard<std::mutex> lock(AbortHandlerMutex());
  struct sigaction current {};
  if (sigaction(SIGABRT, nullptr, &current) != 0) return;
  if ((current.sa_flags & SA_SIGINFO) != 0 && current.sa_sigaction == &OnAbortSignal) return;
  struct sigaction ours {};
  ours.sa_sigaction = &OnAbortSignal;
  ours.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&ours.sa_mask);
  if (sigaction(SIGABRT, &ours, nullptr) == 0) previous_abort_action = current;
}

}  // namespace

struct CpuEngine::Hooks {
  CodeHook code;
  BlockHook block;
  // The run's deadline, checked every kBlocksPerClockCheck blocks (see Run).
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::uint32_t blocks_until_clock_check = 0;
  FaultHook fault;
  InterruptHook interrupt;
  WriteHook write;
  uc_hook write_handle = 0;
  uc_hook code_handle = 0;
  uc_hook block_handle = 0;
  uc_hook fault_handle = 0;
  uc_hook interrupt_handle = 0;
};

class CpuEngine::Context {
 public:
  explicit Context(uc_context* c) : context(c) {}
  ~Context() { uc_context_free(context); }
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;
  uc_context* context;
};

namespace {

void OnCode(uc_engine*, std::uint64_t address, std::uint32_t, void* user) {
  static_cast<CpuEngine::CodeHook*>(user)->operator()(address);
}
// Reading the clock costs about 20 ns; a block about as much. Checking every 1024 blocks keeps
// the deadline to well under a millisecond at tens of millions of blocks per second.
constexpr std::uint32_t kBlocksPerClockCheck = 1024;

void OnBlock(uc_engine* uc, std::uint64_t address, std::uint32_t size, void* user);
bool OnFault(uc_engine*, uc_mem_type type, std::uint64_t address, int size, std::int64_t,
             void* user) {
  MemoryFault kind = MemoryFault::kRead;
  bool unmapped = false;
  switch (type) {
    case UC_MEM_READ_UNMAPPED: unmapped = true; break;
    case UC_MEM_WRITE_UNMAPPED: kind = MemoryFault::kWrite; unmapped = true; break;
    case UC_MEM_FETCH_UNMAPPED: kind = MemoryFault::kFetch; unmapped = true; break;
    case UC_MEM_WRITE_PROT: kind = MemoryFault::kWrite; break;
    case UC_MEM_FETCH_PROT: kind = MemoryFault::kFetch; break;
    default: break;
  }
  return static_cast<CpuEngine::FaultHook*>(user)->operator()(kind, unmapped, address, size);
}
void OnInterrupt(uc_engine*, std::uint32_t number, void* user) {
  static_cast<CpuEngine::InterruptHook*>(user)->operator()(number);
}

void OnBlock(uc_engine* uc, std::uint64_t address, std::uint32_t size, void* user) {
  auto* hooks = static_cast<CpuEngine::Hooks*>(user);
  if (hooks->blocks_until_clock_check-- == 0) {
    hooks->blocks_until_clock_check = kBlocksPerClockCheck;
    if (std::chrono::steady_clock::now() >= hooks->deadline) {
      uc_emu_stop(uc);
      return;
    }
  }
  if (hooks->block) hooks->block(address, size);
}

}  // namespace

Result<std::unique_ptr<CpuEngine>> CpuEngine::Create(Arch arch) {
  std::unique_ptr<CpuEngine> engine(new CpuEngine(arch));
  uc_engine* uc = nullptr;
  uc_err err = uc_open(UC_ARCH_X86, arch == Arch::kX64 ? UC_MODE_64 : UC_MODE_32, &uc);
  if (err != UC_ERR_OK) return InternalError("unicorn uc_open failed: " + UcError(err));
  engine->uc_ = uc;
  engine->hooks_ = std::make_unique<Hooks>();
  return engine;
}

CpuEngine::CpuEngine(Arch arch) : arch_(arch) {}

CpuEngine::~CpuEngine() {
  // A broken engine is closed too: uc_close only frees, and no timer thread of unicorn's is
  // left to touch it (Run keeps its own deadline).
  if (uc_ != nullptr) uc_close(Uc(uc_));
}

Status CpuEngine::Map(std::uint64_t address, std::uint64_t size, std::uint32_t prot) {
  if (broken_) return InternalError("the CPU engine aborted earlier");
  uc_err err = uc_mem_map(Uc(uc_), address, size, prot);
  if (err != UC_ERR_OK) {
    return InternalError("map of " + std::to_string(size) + " bytes at " +
                         std::to_string(address) + " failed: " + UcError(err));
  }
  return Status::Ok();
}

Status CpuEngine::Unmap(std::uint64_t address, std::uint64_t size) {
  if (broken_) return InternalError("the CPU engine aborted earlier");
  uc_err err = uc_mem_unmap(Uc(uc_), address, size);
  if (err != UC_ERR_OK) return InternalError("unmap failed: " + UcError(err));
  return Status::Ok();
}

Status CpuEngine::Protect(std::uint64_t address, std::uint64_t size, std::uint32_t prot) {
  if (broken_) return InternalError("the CPU engine aborted earlier");
  uc_err err = uc_mem_protect(Uc(uc_), address, size, prot);
  if (err != UC_ERR_OK) return InternalError("protect failed: " + UcError(err));
  return Status::Ok();
}

bool CpuEngine::Read(std::uint64_t address, void* out, std::size_t size) const {
  if (size == 0) return true;
  return uc_mem_read(Uc(uc_), address, out, size) == UC_ERR_OK;
}

bool CpuEngine::Write(std::uint64_t address, const void* data, std::size_t size) {
  if (size == 0) return true;
  if (broken_) return false;
  return uc_mem_write(Uc(uc_), address, data, size) == UC_ERR_OK;
}

std::uint64_t CpuEngine::ReadReg(Reg reg) const {
  std::uint64_t value = 0;
  uc_reg_read(Uc(uc_), RegId(arch_, reg), &value);
  if (arch_ == Arch::kX86) value &= 0xFFFFFFFFu;
  return value;
}

void CpuEngine::WriteReg(Reg reg, std::uint64_t value) {
  if (arch_ == Arch::kX86) value &= 0xFFFFFFFFu;
  uc_reg_write(Uc(uc_), RegId(arch_, reg), &value);
}

Status CpuEngine::SetupThreadSegment(std::uint64_t gdt_address, std::uint64_t teb) {
  if (arch_ == Arch::kX64) {
    // unicorn honours GS_BASE on x86-64 (checked by a regression test).
    uc_err err = uc_reg_write(Uc(uc_), UC_X86_REG_GS_BASE, &teb);
    if (err != UC_ERR_OK) return InternalError("GS base write failed: " + UcError(err));
    return Status::Ok();
  }
  // Windows' own layout: 0x1B ring-3 code, 0x23 ring-3 data, 0x3B the TEB segment. unicorn runs
  // the guest at CPL 0, which may load any of them into FS.
  std::array<std::uint64_t, 8> gdt{};
  gdt[1] = SegmentDescriptor(0, 0xFFFFF, 0x9A, 0xC);  // ring-0 code
  gdt[2] = SegmentDescriptor(0, 0xFFFFF, 0x92, 0xC);  // ring-0 data
  gdt[3] = SegmentDescriptor(0, 0xFFFFF, 0xFA, 0xC);  // ring-3 code
  gdt[4] = SegmentDescriptor(0, 0xFFFFF, 0xF2, 0xC);  // ring-3 data
  gdt[7] = SegmentDescriptor(static_cast<std::uint32_t>(teb), 0xF, 0xF2, 0xC);  // FS -> TEB
  if (!Write(gdt_address, gdt.data(), sizeof(gdt))) {
    return InternalError("GDT write failed (page not mapped)");
  }
  uc_x86_mmr gdtr{};
  gdtr.base = gdt_address;
  gdtr.limit = static_cast<std::uint32_t>(sizeof(gdt) - 1);
  uc_err err = uc_reg_write(Uc(uc_), UC_X86_REG_GDTR, &gdtr);
  if (err != UC_ERR_OK) return InternalError("GDTR write failed: " + UcError(err));
  std::uint32_t fs = 0x3B;
  err = uc_reg_write(Uc(uc_), UC_X86_REG_FS, &fs);
  if (err != UC_ERR_OK) return InternalError("FS load failed: " + UcError(err));
  // unicorn's initial SS is a 16-bit segment once the GDT is loaded (pushes wrap at 64 KiB):
  // load the flat 32-bit ring-0 data segment, which CPL 0 requires for SS.
  std::uint32_t ss = 0x10;
  err = uc_reg_write(Uc(uc_), UC_X86_REG_SS, &ss);
  if (err != UC_ERR_OK) return InternalError("SS load failed: " + UcError(err));
  return Status::Ok();
}

void CpuEngine::SetCodeHook(CodeHook hook, std::uint64_t begin, std::uint64_t end) {
  hooks_->code = std::move(hook);
  if (hooks_->code_handle == 0) {
    // unicorn's convention: begin > end hooks every address.
    uc_hook_add(Uc(uc_), &hooks_->code_handle, UC_HOOK_CODE, reinterpret_cast<void*>(&OnCode), &hooks_->code,
                end == 0 ? 1 : begin, end == 0 ? 0 : end - 1);
  }
}

void CpuEngine::SetBlockHook(BlockHook hook) {
  hooks_->block = std::move(hook);
  InstallBlockHook();
}

void CpuEngine::InstallBlockHook() {
  if (hooks_->block_handle == 0) {
    uc_hook_add(Uc(uc_), &hooks_->block_handle, UC_HOOK_BLOCK,
                reinterpret_cast<void*>(&OnBlock), hooks_.get(), 1, 0);
  }
}

void CpuEngine::SetFaultHook(FaultHook hook) {
  hooks_->fault = std::move(hook);
  if (hooks_->fault_handle == 0) {
    uc_hook_add(Uc(uc_), &hooks_->fault_handle, UC_HOOK_MEM_INVALID,
                reinterpret_cast<void*>(&OnFault), &hooks_->fault, 1, 0);
  }
}

namespace {
void OnWrite(uc_engine*, uc_mem_type, std::uint64_t address, int size, std::int64_t, void* user) {
  (*static_cast<CpuEngine::WriteHook*>(user))(address, size);
}
}  // namespace

void CpuEngine::SetWriteHook(WriteHook hook, std::uint64_t begin, std::uint64_t end) {
  if (hooks_->write_handle != 0) {
    uc_hook_del(Uc(uc_), hooks_->write_handle);
    hooks_->write_handle = 0;
  }
  hooks_->write = std::move(hook);
  uc_hook_add(Uc(uc_), &hooks_->write_handle, UC_HOOK_MEM_WRITE, reinterpret_cast<void*>(&OnWrite),
              &hooks_->write, begin, end);
}

void CpuEngine::SetInterruptHook(InterruptHook hook) {
  hooks_->interrupt = std::move(hook);
  if (hooks_->interrupt_handle == 0) {
    uc_hook_add(Uc(uc_), &hooks_->interrupt_handle, UC_HOOK_INTR,
                reinterpret_cast<void*>(&OnInterrupt), &hooks_->interrupt, 1, 0);
  }
}

Status CpuEngine::Run(std::uint64_t pc, std::uint64_t timeout_us) {
  if (broken_) return InternalError("the CPU engine aborted earlier and cannot run again");
  EnsureAbortHandler();
  // The timeout is kept here, from the block hook, not by unicorn: unicorn's timeout starts a
  // timer thread per run (tens of microseconds, and a run is started per emulated thread
  // switch) that would outlive a run left by the abort jump below.
  InstallBlockHook();
  hooks_->deadline = timeout_us == 0 ? std::chrono::steady_clock::time_point::max()
                                     : std::chrono::steady_clock::now() + std::chrono::microseconds(timeout_us);
  hooks_->blocks_until_clock_check = 0;
  sigjmp_buf jump;
  uc_err err = UC_ERR_OK;
  // Nothing with a destructor lives between here and the jump back: only unicorn's C frames.
  if (sigsetjmp(jump, 1) == 0) {
    abort_return = &jump;
    // `until` is an address never executed; the run ends by Stop(), a fault or the deadline.
    err = uc_emu_start(Uc(uc_), pc, 0xFFFFFFFFFFFFF000ull, 0, 0);
    abort_return = nullptr;
  } else {
    abort_return = nullptr;
    broken_ = true;
    return InternalError(
        "unicorn aborted translating the code (an instruction it cannot translate, such as a far "
        "call or jump through a register)");
  }
  if (err != UC_ERR_OK) return InternalError(UcError(err));
  return Status::Ok();
}

void CpuEngine::Stop() { uc_emu_stop(Uc(uc_)); }

std::uint32_t CpuEngine::BlockInstructionCount(std::uint64_t address) {
  if (broken_) return 0;
  uc_tb tb{};
  if (uc_ctl_request_cache(Uc(uc_), address, &tb) != UC_ERR_OK) return 0;
  return tb.icount;
}

std::shared_ptr<CpuEngine::Context> CpuEngine::SaveContext() {
  uc_context* context = nullptr;
  if (uc_context_alloc(Uc(uc_), &context) != UC_ERR_OK) return nullptr;
  auto saved = std::make_shared<Context>(context);
  uc_context_save(Uc(uc_), context);
  return saved;
}

void CpuEngine::RestoreContext(const Context& context) {
  uc_context_restore(Uc(uc_), context.context);
}

}  // namespace kensa::emulator::internal
