// C++ exceptions as Microsoft's runtime handles them (msvcrt / vcruntime, "FH3" tables of
// ehdata.h; on x64 every pointer in them is an RVA):
//
// _CxxThrowException(object, ThrowInfo) raises 0xE06D7363 with {0x19930520, object, ThrowInfo,
// image base of ThrowInfo (x64)}; the ThrowInfo's CatchableTypeArray lists the types the object
// can be caught as. A throw with neither (`throw;`) raises the exception being handled again.
//
// __CxxFrameHandler3 (x64), asked by the exception dispatch for a frame whose handler data is
// the RVA of its FuncInfo: the frame's state is the IP-to-state entry at or before ControlPc;
// each try block whose [tryLow, tryHigh] holds the state offers its catch handlers in order; a
// handler matches when it is catch(...) or its TypeDescriptor is one of the thrown object's
// catchable types (same descriptor, or the same decorated name). The first match wins: the
// object is copied into the catch parameter ([EstablisherFrame + dispCatchObj]: the object's
// bytes, or its address for a reference), the frames passed over are unwound (each of their
// FH3 handlers runs its unwind-map actions — destructor funclets — from its state down to -1),
// the frame's own states from the current one down to tryLow - 1, then the catch funclet runs
// as funclet(0, EstablisherFrame) — on the stack below the throw, as Windows runs it, so that a
// catch by reference still finds the thrown object — and returns where execution continues in
// the frame; the exception object's destructor (ThrowInfo.pmfnUnwind) runs after it. Not done: copy constructors (the object's
// bytes are copied), exception specifications, __CxxFrameHandler4's compressed tables (it
// declines), and x86's handler (its registration-based tables; it declines, so an x86 throw
// ends the run as an unhandled 0xE06D7363 naming the type).
#include <optional>

#include "api_util.h"
#include "machine.h"

namespace kensa::emulator::internal {
namespace {

constexpr std::uint32_t kCxxException = 0xE06D7363;
constexpr std::uint32_t kCxxMagic = 0x19930520;
constexpr std::uint32_t kCxxMagicLast = 0x19930522;
constexpr std::uint32_t kUnwinding = 0x66;  // EXCEPTION_UNWINDING | EXIT_UNWIND | ...
constexpr std::uint32_t kTargetUnwind = 0x20;
constexpr std::uint32_t kFiEhsFlag = 0x1;      // FuncInfo.EHFlags: /EHs, catch(...) takes no SEH
constexpr std::uint32_t kIsReference = 0x8;    // HandlerType.adjectives
// Bounds on tables a hostile image controls; real functions have a few of each.
constexpr std::uint32_t kMaxStates = 4096;
constexpr std::uint32_t kMaxTryBlocks = 256;
constexpr std::uint32_t kMaxCatches = 64;
constexpr std::uint32_t kMaxIpEntries = 65536;
constexpr std::uint32_t kMaxCatchableTypes = 64;
constexpr std::size_t kMaxTypeName = 256;

struct FuncInfo {
  std::uint32_t magic = 0;
  std::int32_t max_state = 0;
  std::uint64_t unwind_map = 0;
  std::uint32_t try_count = 0;
  std::uint64_t try_map = 0;
  std::uint32_t ip_count = 0;
  std::uint64_t ip_map = 0;
  std::int32_t unwind_help = 0;  // the frame's state slot, from EstablisherFrame; 0: none
  std::uint32_t eh_flags = 0;
};

std::optional<FuncInfo> ReadFuncInfo(Machine& m, std::uint64_t image_base, std::uint64_t address) {
  bool ok = false;
  FuncInfo f;
  f.magic = m.Read32(address, &ok) & 0x1FFFFFFF;
  if (!ok || f.magic < kCxxMagic || f.magic > kCxxMagicLast) return std::nullopt;
  f.max_state = static_cast<std::int32_t>(m.Read32(address + 4));
  f.unwind_map = image_base + m.Read32(address + 8);
  f.try_count = std::min(m.Read32(address + 12), kMaxTryBlocks);
  f.try_map = image_base + m.Read32(address + 16);
  f.ip_count = std::min(m.Read32(address + 20), kMaxIpEntries);
  f.ip_map = image_base + m.Read32(address + 24);
  f.unwind_help = static_cast<std::int32_t>(m.Read32(address + 28));
  if (f.magic >= 0x19930522) f.eh_flags = m.Read32(address + 36);
  return f;
}

// The state of the function at `pc_rva`: the last IP-to-state entry at or before it (the
// entries are in IP order; binary search).
std::int32_t StateAt(Machine& m, const FuncInfo& f, std::uint64_t pc_rva) {
  std::uint32_t low = 0;
  std::uint32_t high = f.ip_count;  // entries [low, high) are still candidates for "after pc"
  while (low < high) {
    const std::uint32_t middle = low + (high - low) / 2;
    bool ok = false;
    const std::uint32_t ip = m.Read32(f.ip_map + 8ull * middle, &ok);
    if (!ok) return -1;
    if (ip <= pc_rva) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low == 0 ? -1 : static_cast<std::int32_t>(m.Read32(f.ip_map + 8ull * (low - 1) + 4));
}

// The frame's state: the one an earlier unwind left in its UnwindHelp slot (the function sets
// it to -2 on entry), else the one of ControlPc.
std::int32_t CurrentState(Machine& m, const FuncInfo& f, std::uint64_t establisher, std::uint64_t pc_rva) {
  if (f.unwind_help != 0) {
    const auto help = static_cast<std::int64_t>(m.ReadPtr(establisher + static_cast<std::uint64_t>(static_cast<std::int64_t>(f.unwind_help))));
    if (help != -2 && help >= -1 && help < f.max_state) return static_cast<std::int32_t>(help);
  }
  return StateAt(m, f, pc_rva);
}

// __FrameUnwindToState: the unwind-map actions from state `from` down to `to` (not included),
// each called as action(0, EstablisherFrame); the frame's UnwindHelp says `to` afterwards, so
// a later dispatch through the frame does not run them again.
std::vector<Machine::GuestCall> UnwindToState(Machine& m, const FuncInfo& f, std::uint64_t image_base,
                                              std::uint64_t establisher, std::int32_t from, std::int32_t to) {
  std::vector<Machine::GuestCall> calls;
  for (std::uint32_t steps = 0; from > to && from < f.max_state && steps < kMaxStates; ++steps) {
    const std::uint64_t entry = f.unwind_map + 8ull * static_cast<std::uint32_t>(from);
    bool ok = false;
    const auto next = static_cast<std::int32_t>(m.Read32(entry, &ok));
    const std::uint32_t action = m.Read32(entry + 4);
    if (!ok) break;
    if (action != 0) calls.push_back({image_base + action, {0, establisher}});
    from = next;
  }
  if (f.unwind_help != 0) {
    m.WritePtr(establisher + static_cast<std::uint64_t>(static_cast<std::int64_t>(f.unwind_help)),
               static_cast<std::uint64_t>(static_cast<std::int64_t>(to)));
  }
  return calls;
}

struct TryBlock {
  std::int32_t low = 0;
  std::int32_t high = 0;
  std::int32_t catch_high = 0;
  std::uint32_t catches = 0;
  std::uint64_t handlers = 0;  // HandlerType[catches], 20 bytes each
};

TryBlock ReadTryBlock(Machine& m, const FuncInfo& f, std::uint64_t image_base, std::uint32_t index) {
  const std::uint64_t entry = f.try_map + 20ull * index;
  return {static_cast<std::int32_t>(m.Read32(entry)), static_cast<std::int32_t>(m.Read32(entry + 4)),
          static_cast<std::int32_t>(m.Read32(entry + 8)), std::min(m.Read32(entry + 12), kMaxCatches),
          image_base + m.Read32(entry + 16)};
}

// What a C++ exception record says was thrown.
struct Thrown {
  std::uint64_t object = 0;
  std::uint64_t throw_info = 0;
  std::uint64_t image_base = 0;  // ThrowInfo's RVAs are relative to it (x64)
};

std::optional<Thrown> ReadThrown(Machine& m, std::uint64_t record) {
  if (m.Read32(record) != kCxxException || m.Read32(record + 0x18) < 4) return std::nullopt;
  const std::uint64_t magic = m.ReadPtr(record + 0x20);
  if (magic < kCxxMagic || magic > kCxxMagicLast) return std::nullopt;
  return Thrown{m.ReadPtr(record + 0x28), m.ReadPtr(record + 0x30), m.ReadPtr(record + 0x38)};
}

struct CatchableType {
  std::uint32_t properties = 0;
  std::uint64_t type = 0;  // TypeDescriptor
  std::uint32_t size = 0;
};

std::vector<CatchableType> CatchableTypes(Machine& m, const Thrown& thrown) {
  std::vector<CatchableType> types;
  if (thrown.throw_info == 0) return types;
  const std::uint64_t array = thrown.image_base + m.Read32(thrown.throw_info + 12);
  const std::uint32_t count = std::min(m.Read32(array), kMaxCatchableTypes);
  for (std::uint32_t i = 0; i < count; ++i) {
    const std::uint64_t type = thrown.image_base + m.Read32(array + 4 + 4ull * i);
    types.push_back({m.Read32(type), thrown.image_base + m.Read32(type + 4), m.Read32(type + 20)});
  }
  return types;
}

// A TypeDescriptor's decorated name (".H" for int, ".?AVruntime_error@std@@"), after its
// vftable and spare pointers.
std::string TypeName(Machine& m, std::uint64_t descriptor) {
  return m.ReadAnsi(descriptor + 2ull * m.pointer_size(), kMaxTypeName);
}

// The catchable type a handler of TypeDescriptor `handler_type` (0: catch(...)) takes.
std::optional<CatchableType> Match(Machine& m, std::uint64_t handler_type,
                                   const std::vector<CatchableType>& thrown_types) {
  if (handler_type == 0) return CatchableType{};
  const std::string name = TypeName(m, handler_type);
  if (name.empty()) return CatchableType{};  // no type name: catch(...) as well
  for (const CatchableType& type : thrown_types) {
    if (type.type == handler_type || TypeName(m, type.type) == name) return type;
  }
  return std::nullopt;
}

std::uint64_t CxxFrameHandler3(ApiInvocation& inv) {
  Machine& m = inv.m;
  if (!m.x64()) return 1;  // x86 tables are not interpreted: ExceptionContinueSearch
  const std::uint64_t record = inv.Arg(0);
  const std::uint64_t establisher = inv.Arg(1);
  const std::uint64_t dispatcher = inv.Arg(3);
  const std::uint32_t flags = m.Read32(record + 4);
  const std::uint64_t image_base = m.ReadPtr(dispatcher + 0x08);
  const std::uint64_t pc = m.ReadPtr(dispatcher) - image_base;
  const std::uint64_t handler_data = m.ReadPtr(dispatcher + 0x38);
  const auto info = ReadFuncInfo(m, image_base, image_base + m.Read32(handler_data));
  if (!info) return 1;
  // A catch funclet's frame has the state of its catch block (its IP); the function's own frame
  // the state an earlier unwind left, or its IP's.
  const std::int32_t ip_state = StateAt(m, *info, pc);
  std::int32_t state = CurrentState(m, *info, establisher, pc);

  if ((flags & kUnwinding) != 0) {
    // The frame being caught in unwinds its own states when its catch runs (below).
    if ((flags & kTargetUnwind) != 0) return 1;
    auto calls = UnwindToState(m, *info, image_base, establisher, state, -1);
    inv.Defer();
    m.CallGuestSequence(std::move(calls), [&m, pending = inv.pending] { m.CompleteApi(pending, 1); });
    return 0;
  }

  // A catch funclet of the function: its state is in a try block's catch range. Its own frame
  // keeps the function's EstablisherFrame at [EstablisherFrame + dispFrame]; only try blocks
  // around that one may catch, in the function's frame, where execution then continues.
  std::uint64_t frame = establisher;
  std::optional<TryBlock> running;
  std::optional<X64Registers> resume;
  for (std::uint32_t t = 0; t < info->try_count; ++t) {
    const TryBlock block = ReadTryBlock(m, *info, image_base, t);
    if (ip_state <= block.high || ip_state > block.catch_high || block.catches == 0) continue;
    frame = m.ReadPtr(establisher + m.Read32(block.handlers + 16));
    running = block;
    state = ip_state;
    for (const Machine::ActiveCatch& active : m.active_catches()) {
      if (active.establisher == frame) resume = active.frame;
    }
    break;
  }
  if (running && !resume) return 1;  // a catch block whose function frame is unknown here

  const std::optional<Thrown> thrown = ReadThrown(m, record);
  const std::vector<CatchableType> thrown_types = thrown ? CatchableTypes(m, *thrown) : std::vector<CatchableType>{};
  for (std::uint32_t t = 0; t < info->try_count; ++t) {
    const TryBlock block = ReadTryBlock(m, *info, image_base, t);
    if (running) {
      // Around the running catch's try block, and not that block itself.
      const bool encloses = block.low <= running->low && block.high >= running->catch_high &&
                            !(block.low == running->low && block.high == running->high);
      if (!encloses) continue;
    } else if (state < block.low || state > block.high) {
      continue;
    }
    for (std::uint32_t h = 0; h < block.catches; ++h) {
      const std::uint64_t handler = block.handlers + 20ull * h;
      const std::uint32_t adjectives = m.Read32(handler);
      const std::uint32_t type_rva = m.Read32(handler + 4);
      const auto catch_object = static_cast<std::int32_t>(m.Read32(handler + 8));
      const std::uint64_t funclet = image_base + m.Read32(handler + 12);
      const std::uint64_t handler_type = type_rva == 0 ? 0 : image_base + type_rva;
      std::optional<CatchableType> match;
      if (thrown) {
        match = Match(m, handler_type, thrown_types);
      } else if (handler_type == 0 && info->magic >= 0x19930522 && (info->eh_flags & kFiEhsFlag) == 0) {
        match = CatchableType{};  // catch(...) compiled with /EHa takes SEH exceptions too
      }
      if (!match) continue;
      // The catch parameter, in the function's frame.
      if (thrown && handler_type != 0 && catch_object != 0 && thrown->object != 0) {
        const std::uint64_t slot = frame + static_cast<std::uint64_t>(static_cast<std::int64_t>(catch_object));
        // By reference: the object's address; by value: its bytes (a class's copy constructor
        // is not run).
        if ((adjectives & kIsReference) != 0 || match->size == 0) {
          m.WritePtr(slot, thrown->object);
        } else {
          m.WriteBytes(slot, m.ReadBytes(thrown->object, std::min<std::size_t>(match->size, 4096)));
        }
      }
      if (thrown) {  // a later `throw;` rethrows this one
        m.state()["cxx_object"] = thrown->object;
        m.state()["cxx_throw_info"] = thrown->throw_info;
        m.state()["cxx_image_base"] = thrown->image_base;
      }
      auto local = UnwindToState(m, *info, image_base, frame, state, block.low - 1);
      std::vector<Machine::GuestCall> destroy;
      if (thrown && thrown->throw_info != 0) {
        const std::uint32_t destructor = m.Read32(thrown->throw_info + 4);
        if (destructor != 0) destroy.push_back({thrown->image_base + destructor, {thrown->object}});
      }
      // The catch that was running is left for this one.
      std::erase_if(m.active_catches(), [frame](const Machine::ActiveCatch& a) { return a.establisher == frame; });
      inv.Defer();
      const bool unwinding = m.UnwindX64(funclet, [&m, local = std::move(local), funclet, frame, resume,
                                                     destroy = std::move(destroy)](const X64Registers& target) {
        const X64Registers function_frame = resume ? *resume : target;
        m.CallGuestSequence(local, [&m, funclet, frame, destroy, function_frame] {
          m.active_catches().push_back({frame, function_frame});
          m.PushCallFrame(funclet, {0, frame}, [&m, frame, destroy, function_frame](std::uint64_t continuation) {
            std::erase_if(m.active_catches(), [frame](const Machine::ActiveCatch& a) { return a.establisher == frame; });
            m.CallGuestSequence(destroy, [&m, function_frame, continuation] {
              m.ResumeX64Frame(function_frame, continuation);
            });
          });
        });
      });
      if (!unwinding) m.CompleteApi(inv.pending, 1);
      return 0;
    }
  }
  return 1;  // ExceptionContinueSearch
}

// The first catchable type's decorated name, for the end detail of an uncaught throw.
std::string ThrownTypeName(Machine& m, const Thrown& thrown) {
  const auto types = CatchableTypes(m, thrown);
  return types.empty() ? std::string("?") : TypeName(m, types.front().type);
}

std::uint64_t CxxThrowException(ApiInvocation& inv) {
  Machine& m = inv.m;
  Thrown thrown{inv.Arg(0), inv.Arg(1), 0};
  if (thrown.object == 0 && thrown.throw_info == 0) {  // throw; inside a catch block
    thrown = {m.state()["cxx_object"], m.state()["cxx_throw_info"], m.state()["cxx_image_base"]};
  } else if (m.x64()) {
    const Module* module = m.FindModuleByAddress(thrown.throw_info);
    thrown.image_base = module == nullptr ? 0 : module->base;
  }
  std::vector<std::uint64_t> parameters = {kCxxMagic, thrown.object, thrown.throw_info};
  if (m.x64()) parameters.push_back(thrown.image_base);
  // The type's decorated name for the report: ".H" is int, ".?AVruntime_error@std@@" a class.
  const std::string what = "C++ exception (" + (m.x64() ? ThrownTypeName(m, thrown) : std::string("?")) + ")";
  if (!m.RaiseSoftwareException(kCxxException, inv.pending, std::move(parameters), what)) {
    m.End(analysis::v1::EMULATION_END_REASON_UNHANDLED_EXCEPTION, what + " thrown with no handler");
  }
  return 0;
}

}  // namespace

void RegisterCxxExceptionApis(ApiRegistry& r) {
  r.Add("_CxxThrowException", CxxThrowException);
  r.Add("__CxxFrameHandler3", CxxFrameHandler3);
  // Compressed tables (Visual Studio 2019 onwards) are not interpreted: it declines.
  r.Add("__CxxFrameHandler4", [](ApiInvocation&) -> std::uint64_t { return 1; });
}

}  // namespace kensa::emulator::internal
