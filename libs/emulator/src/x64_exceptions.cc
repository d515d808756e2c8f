// x64 exception dispatch, as ntdll's RtlDispatchException and RtlUnwindEx do it: the faulting
// frame and its callers are walked with the images' unwind tables (x64_unwind.h); each frame
// whose UNWIND_INFO names an exception handler has it called as
// handler(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext).
// ExceptionContinueExecution resumes from the (possibly edited) CONTEXT,
// ExceptionContinueSearch asks the next frame up. A handler that runs an __except block
// (__C_specific_handler, api_crt.cc) calls UnwindX64To: the frames passed over get their
// termination handlers (__finally) called, then the block runs on the target frame's registers.
#include <algorithm>

#include "api_util.h"
#include "machine.h"

namespace kensa::emulator::internal {
namespace {

using analysis::v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION;

// Frames walked per dispatch; real call stacks at a fault are far shallower.
constexpr std::size_t kMaxX64Frames = 64;
// winnt.h sizes and flags.
constexpr std::size_t kContextSize = 0x4D0;
constexpr std::size_t kRecordSize = 0x98;
constexpr std::size_t kDispatcherContextSize = 0x50;
constexpr std::uint64_t kContextGpr = 0x78;  // CONTEXT.Rax; Rcx... R15 follow in encoding order
constexpr std::uint64_t kContextRip = 0xF8;
constexpr std::uint64_t kContextEflags = 0x44;
constexpr std::uint32_t kContextAll = 0x10001F;  // CONTEXT_AMD64 | CONTROL | INTEGER | SEGMENTS | FLOATING_POINT
constexpr std::uint32_t kExceptionUnwinding = 0x2;
constexpr std::uint32_t kExceptionTargetUnwind = 0x20;
// The dispatch area below the faulting frame: CONTEXT, EXCEPTION_RECORD, DISPATCHER_CONTEXT,
// then one 0x100-byte block (a record copy and a DISPATCHER_CONTEXT) per frame of the unwind
// pass. Handlers run on the stack below it.
constexpr std::uint64_t kAreaSize = 0x6000;
constexpr std::uint64_t kRecordOffset = 0x500;
constexpr std::uint64_t kDispatcherOffset = 0x5C0;
constexpr std::uint64_t kScratchOffset = 0x700;
constexpr std::uint64_t kScratchBlock = 0x100;

constexpr Reg kGprOrder[16] = {Reg::kAx, Reg::kCx, Reg::kDx, Reg::kBx, Reg::kSp, Reg::kBp,
                               Reg::kSi, Reg::kDi, Reg::kR8, Reg::kR9, Reg::kR10, Reg::kR11,
                               Reg::kR12, Reg::kR13, Reg::kR14, Reg::kR15};

}  // namespace

X64Registers Machine::CaptureX64Registers() const {
  X64Registers regs;
  for (std::size_t i = 0; i < 16; ++i) regs.gpr[i] = cpu_->ReadReg(kGprOrder[i]);
  regs.rip = cpu_->ReadReg(Reg::kIp);
  return regs;
}

void Machine::LoadX64Registers(const X64Registers& regs) {
  for (std::size_t i = 0; i < 16; ++i) cpu_->WriteReg(kGprOrder[i], regs.gpr[i]);
  cpu_->WriteReg(Reg::kIp, regs.rip);
}

Result<Machine::X64Step> Machine::StepX64Frame(const X64Registers& frame) {
  const Module* module = FindModuleByAddress(frame.rip);
  if (module == nullptr) return NotFoundError("no image holds " + HexNumber(frame.rip));
  const ReadGuestMemory read = [this](std::uint64_t address, void* out, std::size_t size) {
    return cpu_->Read(address, out, size);
  };
  X64Step step{frame, LookupFunctionEntry(read, module->base, frame.rip), {}};
  if (!step.function) {
    // A leaf function: no prolog, its return address on top of the stack.
    bool ok = false;
    step.unwound.establisher_frame = frame.rsp();
    step.caller.rip = ReadPtr(frame.rsp(), &ok);
    if (!ok) return InvalidArgumentError("stack not readable at " + HexNumber(frame.rsp()));
    step.caller.rsp() += 8;
  } else {
    KENSA_ASSIGN_OR_RETURN(step.unwound, VirtualUnwind(read, *step.function, step.caller));
  }
  // The stack only grows down: a caller below its callee is a corrupt or hostile stack.
  if (step.caller.rsp() <= frame.rsp()) return InvalidArgumentError("unwound stack does not move up");
  return step;
}

bool Machine::X64StackHasHandler(X64Registers frame) {
  for (std::size_t i = 0; i < kMaxX64Frames; ++i) {
    auto step = StepX64Frame(frame);
    if (!step) return false;
    if ((step->unwound.handler_flags & kUnwindFlagExceptionHandler) != 0 && step->unwound.handler != 0) {
      return true;
    }
    frame = step->caller;
  }
  return false;
}

void Machine::DispatchX64(const PendingException& exception) {
  // Handlers run without the trap flag, and a single-step trap's CONTEXT has it cleared (as
  // Windows' trap handler does), so a handler that continues does not trap again at once.
  constexpr std::uint64_t kTrapFlag = 0x100;
  std::uint64_t flags = cpu_->ReadReg(Reg::kFlags);
  if (exception.code == 0x80000004) flags &= ~kTrapFlag;
  X64Registers regs = CaptureX64Registers();
  regs.rip = exception.address;
  X64Dispatch d;
  d.code = exception.code;
  d.context = (regs.rsp() - kAreaSize) & ~0xFull;
  d.record = d.context + kRecordOffset;
  d.dispatcher = d.context + kDispatcherOffset;
  d.scratch = d.context + kScratchOffset;
  // CONTEXT (winnt.h, AMD64).
  WriteBytes(d.context, Bytes(kContextSize, 0));
  Write32(d.context + 0x30, kContextAll);
  Write16(d.context + 0x38, 0x33);  // SegCs
  Write16(d.context + 0x42, 0x2B);  // SegSs
  Write32(d.context + kContextEflags, static_cast<std::uint32_t>(flags));
  for (std::size_t i = 0; i < 16; ++i) WritePtr(d.context + kContextGpr + 8 * i, regs.gpr[i]);
  WritePtr(d.context + kContextRip, regs.rip);
  // EXCEPTION_RECORD.
  WriteBytes(d.record, Bytes(kRecordSize, 0));
  Write32(d.record, exception.code);
  WritePtr(d.record + 0x10, exception.address);
  const std::size_t parameters = std::min<std::size_t>(exception.parameters.size(), 15);
  Write32(d.record + 0x18, static_cast<std::uint32_t>(parameters));
  for (std::size_t i = 0; i < parameters; ++i) WritePtr(d.record + 0x20 + 8 * i, exception.parameters[i]);
  cpu_->WriteReg(Reg::kFlags, flags & ~kTrapFlag);
  d.frame = regs;
  x64_dispatch_ = std::move(d);
  AskNextX64Frame();
}

void Machine::AskNextX64Frame() {
  X64Dispatch& d = *x64_dispatch_;
  while (d.frames < kMaxX64Frames) {
    auto step = StepX64Frame(d.frame);
    if (!step) break;
    d.caller = step->caller;
    const X64Unwound& unwound = step->unwound;
    if (step->function && unwound.handler != 0) {
      d.with_handlers.push_back({d.frame, *step->function, unwound});
      if ((unwound.handler_flags & kUnwindFlagExceptionHandler) != 0) {
        // DISPATCHER_CONTEXT (winnt.h, AMD64).
        WriteBytes(d.dispatcher, Bytes(kDispatcherContextSize, 0));
        WritePtr(d.dispatcher, d.frame.rip);                      // ControlPc
        WritePtr(d.dispatcher + 0x08, step->function->image_base);
        WritePtr(d.dispatcher + 0x10, step->function->address);  // FunctionEntry
        WritePtr(d.dispatcher + 0x18, unwound.establisher_frame);
        WritePtr(d.dispatcher + 0x28, d.context);                 // ContextRecord
        WritePtr(d.dispatcher + 0x30, unwound.handler);           // LanguageHandler
        WritePtr(d.dispatcher + 0x38, unwound.handler_data);      // HandlerData
        SetupCall(d.context - 0x100, unwound.handler,
                  {d.record, unwound.establisher_frame, d.context, d.dispatcher}, kSehReturnStub);
        return;
      }
    }
    d.frame = d.caller;
    ++d.frames;
  }
  x64_dispatch_.reset();
  End(EMULATION_END_REASON_UNHANDLED_EXCEPTION, "unhandled exception " + seh_description_);
}

void Machine::OnX64HandlerReturn() {
  if (!x64_dispatch_) {
    End(analysis::v1::EMULATION_END_REASON_ERROR, "return from an exception handler with no dispatch");
    return;
  }
  X64Dispatch& d = *x64_dispatch_;
  const std::uint64_t disposition = cpu_->ReadReg(Reg::kAx) & 0xFFFFFFFF;
  if (disposition == 0) {  // ExceptionContinueExecution: resume from the (edited) CONTEXT
    X64Registers regs;
    for (std::size_t i = 0; i < 16; ++i) regs.gpr[i] = ReadPtr(d.context + kContextGpr + 8 * i);
    regs.rip = ReadPtr(d.context + kContextRip);
    cpu_->WriteReg(Reg::kFlags, Read32(d.context + kContextEflags));
    x64_dispatch_.reset();
    LoadX64Registers(regs);
    return;
  }
  if (disposition == 1) {  // ExceptionContinueSearch: the next frame up
    d.frame = d.caller;
    ++d.frames;
    AskNextX64Frame();
    return;
  }
  x64_dispatch_.reset();
  End(EMULATION_END_REASON_UNHANDLED_EXCEPTION,
      "unhandled exception " + seh_description_ + " (handler returned " + HexNumber(disposition) + ")");
}

bool Machine::UnwindX64To(std::uint64_t target_ip, std::uint64_t code) {
  return UnwindX64(target_ip, [this, target_ip, code](const X64Registers& frame) {
    ResumeX64Frame(frame, target_ip);
    cpu_->WriteReg(Reg::kAx, code);
  });
}

void Machine::ResumeX64Frame(const X64Registers& regs, std::uint64_t rip) {
  LoadX64Registers(regs);
  cpu_->WriteReg(Reg::kIp, rip);
}

bool Machine::UnwindX64(std::uint64_t target_ip, std::function<void(const X64Registers&)> at_target) {
  if (!x64_dispatch_ || x64_dispatch_->with_handlers.empty()) return false;
  const X64Dispatch& d = *x64_dispatch_;
  std::vector<GuestCall> calls;
  const std::size_t count = std::min(d.with_handlers.size(), kMaxX64Frames);
  for (std::size_t i = 0; i < count; ++i) {
    const X64Frame& frame = d.with_handlers[i];
    if ((frame.unwound.handler_flags & kUnwindFlagTerminationHandler) == 0) continue;
    // Each call gets its own record copy and DISPATCHER_CONTEXT: the calls run one after another
    // without the dispatcher in between.
    const bool target = i + 1 == d.with_handlers.size();
    const std::uint64_t record = d.scratch + i * kScratchBlock;
    const std::uint64_t dispatcher = record + 0xA0;
    WriteBytes(record, ReadBytes(d.record, kRecordSize));
    Write32(record + 4, Read32(d.record + 4) | kExceptionUnwinding | (target ? kExceptionTargetUnwind : 0));
    WriteBytes(dispatcher, Bytes(kDispatcherContextSize, 0));
    WritePtr(dispatcher, frame.regs.rip);
    WritePtr(dispatcher + 0x08, frame.function.image_base);
    WritePtr(dispatcher + 0x10, frame.function.address);
    WritePtr(dispatcher + 0x18, frame.unwound.establisher_frame);
    WritePtr(dispatcher + 0x20, target_ip);  // TargetIp
    WritePtr(dispatcher + 0x28, d.context);
    WritePtr(dispatcher + 0x30, frame.unwound.handler);
    WritePtr(dispatcher + 0x38, frame.unwound.handler_data);
    calls.push_back({frame.unwound.handler, {record, frame.unwound.establisher_frame, d.context, dispatcher}});
  }
  const X64Registers resume = d.frame;
  CallGuestSequence(std::move(calls), [this, resume, at_target = std::move(at_target)] {
    x64_dispatch_.reset();
    at_target(resume);
  });
  return true;
}

}  // namespace kensa::emulator::internal
