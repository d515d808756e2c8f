// msvcrt / ucrtbase models (cdecl): the start-up set mingw-w64 and MSVC binaries call before
// main, heap and string functions implemented over guest memory, and the printf family, whose
// output is recorded as console output.
#include <algorithm>
#include <memory>

#include "api_util.h"

namespace kensa::emulator::internal {
namespace {

using Kind = HandleObject::Kind;

constexpr std::uint64_t kMaxCopy = 64ull << 20;  // bytes one memcpy / memset may touch
constexpr std::uint64_t kMaxInitterm = 4096;     // function pointers run by one _initterm
constexpr std::uint64_t kMaxString = 1 << 20;    // longest string the str* models walk

// The CRT's FILE is 8 pointer-or-int fields: 32 bytes on x86, 48 on x64 (the _iob stride).
std::uint64_t FileSize(const Machine& m) { return m.x64() ? 0x30 : 0x20; }

std::uint64_t DataExport(ApiInvocation& inv, const char* name) {
  Module* module = inv.m.FindModule(inv.module);
  return module == nullptr ? 0 : inv.m.ResolveExport(*module, name);
}

std::uint64_t Stream(ApiInvocation& inv, int index) {
  return DataExport(inv, "_iob") + FileSize(inv.m) * static_cast<std::uint64_t>(index);
}

bool IsConsoleStream(ApiInvocation& inv, std::uint64_t stream) {
  const std::uint64_t iob = DataExport(inv, "_iob");
  return stream == iob + FileSize(inv.m) || stream == iob + 2 * FileSize(inv.m);
}

// A FILE* from fopen: the key of its handle in the machine's state.
std::string StreamKey(std::uint64_t stream) { return "fopen:" + HexNumber(stream); }

void StreamWrite(ApiInvocation& inv, std::uint64_t stream, std::string_view text) {
  Machine& m = inv.m;
  if (IsConsoleStream(inv, stream)) {
    m.Console(text);
    return;
  }
  auto it = m.state().find(StreamKey(stream));
  if (it == m.state().end()) return;
  HandleObject* h = m.GetHandle(it->second);
  if (h == nullptr) return;
  VirtualFileSystem::File* file = m.vfs().Find(h->name);
  if (file == nullptr) return;
  file->data.insert(file->data.end(), text.begin(), text.end());
  file->written = true;
  m.FileEvent("write", h->name, std::to_string(text.size()) + " bytes");
}

std::function<std::uint64_t()> VarArgs(ApiInvocation& inv, std::size_t first) {
  return [&inv, i = first]() mutable { return inv.Arg(i++); };
}

std::function<std::uint64_t()> VaList(Machine& m, std::uint64_t list) {
  return [&m, p = list]() mutable {
    const std::uint64_t v = m.ReadPtr(p);
    p += m.pointer_size();
    return v;
  };
}

std::string GuestString(ApiInvocation& inv, std::uint64_t address, bool wide) {
  if (address == 0) return {};
  return wide ? inv.m.ReadWide(address) : inv.m.ReadAnsi(address);
}

// Writes formatted output into a caller buffer of `size` characters (0 = unbounded);
// returns the full length, as _snprintf does when it fits.
std::uint64_t PrintTo(ApiInvocation& inv, std::uint64_t buffer, std::uint64_t size,
                      const std::string& text) {
  const std::uint64_t capacity = size == 0 ? text.size() * 4 + 2 : size;
  if (buffer != 0) {
    if (inv.wide) inv.m.WriteWide(buffer, text, capacity);
    else inv.m.WriteAnsi(buffer, text, capacity);
  }
  return inv.wide ? inv.m.ReadWide(buffer).size() : inv.m.EncodeAnsi(text).size();
}

std::uint64_t RunOnExitThen(ApiInvocation& inv, std::function<void()> then) {
  Machine& m = inv.m;
  std::vector<Machine::GuestCall> calls;
  auto& functions = m.onexit_functions();
  for (auto it = functions.rbegin(); it != functions.rend(); ++it) calls.push_back({*it, {}});
  functions.clear();
  inv.Defer();
  m.CallGuestSequence(std::move(calls), std::move(then));
  return 0;
}

std::int64_t Compare(const std::string& a, const std::string& b) {
  const int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

std::uint64_t Signed(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// MSVC's x86 __try/__except: each function with a __try registers an EH3/EH4 record
// below its EBP ([ebp-18h] saved ESP, [ebp-14h] EXCEPTION_POINTERS*, [ebp-10h] the
// EXCEPTION_REGISTRATION the dispatcher passes as the frame, [ebp-8] scope table, [ebp-4] try
// level) whose handler is _except_handler3 (msvcrt) or _except_handler4 (a thunk in the
// image calling vcruntime's _except_handler4_common with the security cookie). The handler
// walks the scope table from the current try level outwards, calling each filter with the
// function's EBP; a filter's EXCEPTION_EXECUTE_HANDLER unwinds (below) and jumps into the
// __except block, EXCEPTION_CONTINUE_EXECUTION resumes at the fault, EXCEPTION_CONTINUE_SEARCH
// tries the enclosing level. The unwind is _global_unwind2's then _local_unwind2's: every
// registration above the frame has its handler called with EXCEPTION_UNWINDING (a scope
// handler then runs its frame's __finally blocks, innermost first) and leaves the chain, then
// the frame's own __finally blocks inside the __try being entered run. Cookies are not checked.
constexpr std::uint32_t kMaxScopeLevels = 64;  // a hostile table may link its levels in a loop
constexpr std::uint32_t kMaxUnwoundRegistrations = 64;
constexpr std::uint32_t kExceptionUnwinding = 0x2;
// Where the unwind pass's copy of the EXCEPTION_RECORD goes: after the dispatcher's record,
// in the area Machine::DispatchSeh keeps free below the faulting frame.
constexpr std::uint64_t kUnwindRecordOffset = 0x80;
constexpr std::uint64_t kX86RecordSize = 0x50;

struct ScopeSearch {
  PendingReturn pending;
  std::uint64_t record = 0;         // the EXCEPTION_RECORD and CONTEXT the handler was given
  std::uint64_t context = 0;
  std::uint64_t frame = 0;          // the EXCEPTION_REGISTRATION: frame pointer - 0x10
  std::uint64_t scope_records = 0;  // first {enclosing level, filter, handler} record
  std::uint32_t no_level = 0;       // TRYLEVEL_NONE: -1 for EH3, -2 for EH4
  std::uint32_t level = 0;
  std::uint32_t visited = 0;
  std::uint64_t saved_ebp = 0;      // the handler's own EBP, restored on return
};

// A __finally block of an x86 frame: called like a function with EBP the frame's.
struct FinallyBlock {
  std::uint64_t handler = 0;
  std::uint64_t ebp = 0;
};

// Calls blocks[i...] one after another, then `done`.
void RunFinallyBlocks(Machine& m, std::shared_ptr<std::vector<FinallyBlock>> blocks, std::size_t i,
                      std::function<void()> done) {
  if (i >= blocks->size()) {
    done();
    return;
  }
  m.cpu().WriteReg(Reg::kBp, (*blocks)[i].ebp);
  const std::uint64_t handler = (*blocks)[i].handler;
  m.PushCallFrame(handler, {}, [&m, blocks = std::move(blocks), i, done = std::move(done)](std::uint64_t) {
    RunFinallyBlocks(m, blocks, i + 1, done);
  });
}

// _local_unwind2: the __finally blocks of the frame from its try level out to `stop` (not
// included), innermost first. The try level becomes `stop` (MSVC sets each enclosing level
// before calling the block; no block here reads it).
std::vector<FinallyBlock> LocalUnwind(Machine& m, const ScopeSearch& s, std::uint32_t stop) {
  std::vector<FinallyBlock> blocks;
  std::uint32_t level = m.Read32(s.frame + 0xC);
  for (std::uint32_t visited = 0; level != stop && level != s.no_level && visited < kMaxScopeLevels;
       ++visited) {
    const std::uint64_t record = s.scope_records + 12ull * level;
    bool ok = false;
    const std::uint32_t enclosing = m.Read32(record, &ok);
    if (!ok) break;
    if (m.Read32(record + 4) == 0) blocks.push_back({m.Read32(record + 8), s.frame + 0x10});
    level = enclosing;
  }
  m.Write32(s.frame + 0xC, stop);
  return blocks;
}

// _global_unwind2 up to the frame, then _local_unwind2 of the frame down to the __try being
// entered, then `done`.
void UnwindToScope(Machine& m, const std::shared_ptr<ScopeSearch>& s, std::function<void()> done) {
  const std::uint64_t unwind_record = s->record + kUnwindRecordOffset;
  m.WriteBytes(unwind_record, m.ReadBytes(s->record, kX86RecordSize));
  m.Write32(unwind_record + 4, m.Read32(s->record + 4) | kExceptionUnwinding);
  std::vector<Machine::GuestCall> handlers;
  std::uint32_t registration = m.Read32(kTebAddress);
  for (std::uint32_t i = 0; i < kMaxUnwoundRegistrations && registration != s->frame &&
                            registration != 0xFFFFFFFFu && registration != 0;
       ++i) {
    handlers.push_back({m.Read32(registration + 4), {unwind_record, registration, s->context, 0}});
    registration = m.Read32(registration);
  }
  m.CallGuestSequence(std::move(handlers), [&m, s, done = std::move(done)] {
    // The registrations unwound leave the chain: the frame is its head again.
    m.Write32(kTebAddress, static_cast<std::uint32_t>(s->frame));
    auto blocks = std::make_shared<std::vector<FinallyBlock>>(LocalUnwind(m, *s, s->level));
    RunFinallyBlocks(m, std::move(blocks), 0, done);
  });
}

void ContinueScopeSearch(Machine& m, const std::shared_ptr<ScopeSearch>& s) {
  CpuEngine& cpu = m.cpu();
  const std::uint64_t frame_pointer = s->frame + 0x10;
  while (s->level != s->no_level && s->visited++ < kMaxScopeLevels) {
    const std::uint64_t record = s->scope_records + 12ull * s->level;
    bool ok_enclosing = false, ok_filter = false, ok_handler = false;
    const std::uint32_t enclosing = m.Read32(record, &ok_enclosing);
    const std::uint32_t filter = m.Read32(record + 4, &ok_filter);
    const std::uint32_t handler = m.Read32(record + 8, &ok_handler);
    if (!ok_enclosing || !ok_filter || !ok_handler) break;
    if (filter == 0) {  // a __finally: runs only when unwinding
      s->level = enclosing;
      continue;
    }
    cpu.WriteReg(Reg::kBp, frame_pointer);
    m.PushCallFrame(filter, {}, [&m, s, enclosing, handler, frame_pointer](std::uint64_t value) {
      CpuEngine& c = m.cpu();
      const auto verdict = static_cast<std::int32_t>(static_cast<std::uint32_t>(value));
      if (verdict > 0) {
        // EXCEPTION_EXECUTE_HANDLER: the unwind leaves this registration at the head of the
        // chain with the __finally blocks passed over run, the try level becomes the enclosing
        // one, and the __except block runs on the function's frame (its first instruction
        // reloads ESP from [ebp-18h]).
        UnwindToScope(m, s, [&m, s, enclosing, handler, frame_pointer] {
          CpuEngine& cpu_after = m.cpu();
          m.Write32(s->frame + 0xC, enclosing);
          cpu_after.WriteReg(Reg::kSp, m.Read32(s->frame - 8));
          cpu_after.WriteReg(Reg::kBp, frame_pointer);
          cpu_after.WriteReg(Reg::kIp, handler);
        });
        return;
      }
      c.WriteReg(Reg::kBp, s->saved_ebp);
      if (verdict < 0) {  // EXCEPTION_CONTINUE_EXECUTION
        m.CompleteApi(s->pending, 0);
        return;
      }
      s->level = enclosing;
      ContinueScopeSearch(m, s);
    });
    return;
  }
  cpu.WriteReg(Reg::kBp, s->saved_ebp);
  m.CompleteApi(s->pending, 1);  // ExceptionContinueSearch
}

std::uint64_t ScopeTableHandler(ApiInvocation& inv, bool eh4) {
  Machine& m = inv.m;
  // _except_handler4_common(cookie*, cookie check, record, frame, context, dispatcher);
  // _except_handler3(record, frame, context, dispatcher).
  const std::size_t first = eh4 ? 2 : 0;
  const std::uint64_t exception_record = inv.Arg(first);
  const std::uint64_t frame = inv.Arg(first + 1);
  const std::uint64_t context = inv.Arg(first + 2);
  constexpr std::uint32_t kUnwinding = 0x66;  // EXCEPTION_UNWINDING | EXIT_UNWIND | ...
  bool ok = false;
  const std::uint32_t flags = m.Read32(exception_record + 4, &ok);
  if (m.x64() || !ok) return 1;
  auto s = std::make_shared<ScopeSearch>();
  s->pending = inv.pending;
  s->record = exception_record;
  s->context = context;
  s->frame = frame;
  std::uint32_t table = m.Read32(frame + 8);
  if (eh4) table ^= m.Read32(inv.Arg(0));  // the table pointer is XORed with the cookie
  // EH4 tables start with GS/EH cookie offsets (16 bytes) before the records.
  s->scope_records = table + (eh4 ? 0x10u : 0u);
  s->no_level = eh4 ? 0xFFFFFFFEu : 0xFFFFFFFFu;
  s->level = m.Read32(frame + 0xC);
  s->saved_ebp = m.cpu().ReadReg(Reg::kBp);
  if ((flags & kUnwinding) != 0) {
    // Called by another frame's unwind: this frame's __finally blocks, all levels.
    auto blocks = std::make_shared<std::vector<FinallyBlock>>(LocalUnwind(m, *s, s->no_level));
    inv.Defer();
    RunFinallyBlocks(m, std::move(blocks), 0, [&m, s] {
      m.cpu().WriteReg(Reg::kBp, s->saved_ebp);
      m.CompleteApi(s->pending, 1);  // ExceptionContinueSearch
    });
    return 0;
  }
  // EXCEPTION_POINTERS for GetExceptionCode/GetExceptionInformation in the filters, below
  // the stack pointer where the filter calls (PushCallFrame) leave it alone.
  const std::uint64_t pointers = m.cpu().ReadReg(Reg::kSp) - 0x10;
  m.Write32(pointers, static_cast<std::uint32_t>(exception_record));
  m.Write32(pointers + 4, static_cast<std::uint32_t>(context));
  m.Write32(frame - 4, static_cast<std::uint32_t>(pointers));
  inv.Defer();
  ContinueScopeSearch(m, s);
  return 0;
}

// __C_specific_handler (x64): the scope table of MSVC's __try blocks, in the handler data of
// the frame's UNWIND_INFO: a count, then {BeginAddress, EndAddress, HandlerAddress, JumpTarget}
// RVAs. In the dispatch pass, each scope holding ControlPc with a JumpTarget is an __except:
// its filter (HandlerAddress; 1 means EXCEPTION_EXECUTE_HANDLER) is called as
// filter(EXCEPTION_POINTERS*, EstablisherFrame); EXECUTE_HANDLER unwinds to the frame and runs
// the block (Machine::UnwindX64To), CONTINUE_EXECUTION resumes at the fault, CONTINUE_SEARCH
// tries the next scope. In the unwind pass, each scope holding ControlPc without a JumpTarget
// is a __finally, called as handler(TRUE, EstablisherFrame), up to the target scope.
struct CScopeSearch {
  PendingReturn pending;
  std::uint64_t record = 0;
  std::uint64_t establisher = 0;
  std::uint64_t image_base = 0;
  std::uint64_t control_pc = 0;  // RVA
  std::uint64_t table = 0;
  std::uint32_t count = 0;
  std::uint32_t index = 0;
  std::uint64_t pointers = 0;  // EXCEPTION_POINTERS for the filters
};

// A scope table has a few entries per function; past this it is hostile.
constexpr std::uint32_t kMaxCScopes = 256;

struct CScope {
  std::uint32_t begin = 0, end = 0, handler = 0, jump = 0;
};

CScope ReadCScope(Machine& m, std::uint64_t table, std::uint32_t index) {
  const std::uint64_t at = table + 4 + 16ull * index;
  return {m.Read32(at), m.Read32(at + 4), m.Read32(at + 8), m.Read32(at + 12)};
}

void ContinueCScopeSearch(Machine& m, const std::shared_ptr<CScopeSearch>& s) {
  for (; s->index < s->count; ++s->index) {
    const CScope scope = ReadCScope(m, s->table, s->index);
    if (scope.jump == 0 || s->control_pc < scope.begin || s->control_pc >= scope.end) continue;
    const std::uint64_t target = s->image_base + scope.jump;
    const std::uint32_t code = m.Read32(s->record);
    if (scope.handler == 1) {  // __except (EXCEPTION_EXECUTE_HANDLER) with a constant filter
      if (!m.UnwindX64To(target, code)) m.CompleteApi(s->pending, 1);
      return;
    }
    m.PushCallFrame(s->image_base + scope.handler, {s->pointers, s->establisher},
                    [&m, s, target, code](std::uint64_t result) {
                      const auto verdict = static_cast<std::int32_t>(result);
                      if (verdict > 0) {  // EXCEPTION_EXECUTE_HANDLER
                        if (!m.UnwindX64To(target, code)) m.CompleteApi(s->pending, 1);
                        return;
                      }
                      if (verdict < 0) {  // EXCEPTION_CONTINUE_EXECUTION
                        m.CompleteApi(s->pending, 0);
                        return;
                      }
                      ++s->index;
                      ContinueCScopeSearch(m, s);
                    });
    return;
  }
  m.CompleteApi(s->pending, 1);  // ExceptionContinueSearch
}

std::uint64_t CSpecificHandler(ApiInvocation& inv) {
  Machine& m = inv.m;
  if (!m.x64()) return 1;
  constexpr std::uint32_t kUnwinding = 0x66;  // EXCEPTION_UNWINDING | EXIT_UNWIND | ...
  constexpr std::uint32_t kTargetUnwind = 0x20;
  auto s = std::make_shared<CScopeSearch>();
  s->pending = inv.pending;
  s->record = inv.Arg(0);
  s->establisher = inv.Arg(1);
  const std::uint64_t context = inv.Arg(2);
  const std::uint64_t dispatcher = inv.Arg(3);
  bool ok = false;
  const std::uint32_t flags = m.Read32(s->record + 4, &ok);
  s->image_base = m.ReadPtr(dispatcher + 0x08);
  s->control_pc = m.ReadPtr(dispatcher) - s->image_base;
  s->table = m.ReadPtr(dispatcher + 0x38);
  s->count = std::min(m.Read32(s->table), kMaxCScopes);
  s->index = m.Read32(dispatcher + 0x48);
  if (!ok) return 1;
  if ((flags & kUnwinding) != 0) {
    const std::uint64_t target = m.ReadPtr(dispatcher + 0x20) - s->image_base;
    std::vector<Machine::GuestCall> finally_blocks;
    for (std::uint32_t i = s->index; i < s->count; ++i) {
      const CScope scope = ReadCScope(m, s->table, i);
      if (s->control_pc < scope.begin || s->control_pc >= scope.end) continue;
      if ((flags & kTargetUnwind) != 0 && scope.jump == target) break;
      if (scope.jump == 0) finally_blocks.push_back({s->image_base + scope.handler, {1, s->establisher}});
    }
    inv.Defer();
    m.CallGuestSequence(std::move(finally_blocks), [&m, pending = s->pending] { m.CompleteApi(pending, 1); });
    return 0;
  }
  // EXCEPTION_POINTERS for GetExceptionCode/GetExceptionInformation in the filters, below the
  // stack pointer where the filter calls (PushCallFrame) leave it alone.
  s->pointers = m.cpu().ReadReg(Reg::kSp) - 0x10;
  m.WritePtr(s->pointers, s->record);
  m.WritePtr(s->pointers + 8, context);
  inv.Defer();
  ContinueCScopeSearch(m, s);
  return 0;
}

void RegisterStartup(ApiRegistry& r) {
  auto mainargs = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    m.Write32(inv.Arg(0), static_cast<std::uint32_t>(m.argv().size()));
    m.WritePtr(inv.Arg(1), m.argv_array(inv.wide));
    const std::uint64_t env = DataExport(inv, inv.wide ? "__winitenv" : "__initenv");
    m.WritePtr(inv.Arg(2), env == 0 ? 0 : m.ReadPtr(env));
    return 0;
  };
  r.Add("__getmainargs", mainargs);
  r.Add("__wgetmainargs", mainargs);
  auto zero = [](ApiInvocation&) -> std::uint64_t { return 0; };
  for (const char* name :
       {"__set_app_type", "_set_app_type", "__setusermatherr", "_controlfp_s", "_fpreset", "signal",
        "_XcptFilter", "_set_fmode", "_configure_narrow_argv", "_configure_wide_argv",
        "_initialize_narrow_environment", "_initialize_wide_environment", "_seh_filter_exe",
        "_seh_filter_dll", "_set_new_mode", "_configthreadlocale",
        "_register_thread_local_exe_atexit_callback", "_set_invalid_parameter_handler",
        "_initialize_onexit_table", "_execute_onexit_table", "_crt_at_quick_exit", "_lock",
        "_unlock", "fflush", "__std_type_info_destroy_list", "_query_new_mode", "_callnewh",
        "_isatty"}) {
    r.Add(name, zero);
  }
  r.Add("__C_specific_handler", CSpecificHandler);
  r.Add("_except_handler3", [](ApiInvocation& inv) -> std::uint64_t {
    return ScopeTableHandler(inv, /*eh4=*/false);
  });
  r.Add("_except_handler4_common", [](ApiInvocation& inv) -> std::uint64_t {
    return ScopeTableHandler(inv, /*eh4=*/true);
  });
  r.Add("_controlfp", [](ApiInvocation&) -> std::uint64_t { return 0x9001F; });
  auto data = [](const char* name) {
    return [name](ApiInvocation& inv) -> std::uint64_t { return DataExport(inv, name); };
  };
  r.Add("__p__fmode", data("_fmode"));
  r.Add("__p__commode", data("_commode"));
  r.Add("__p___argc", data("__argc"));
  r.Add("__p___argv", data("__argv"));
  r.Add("__p___wargv", data("__wargv"));
  r.Add("__p__acmdln", data("_acmdln"));
  r.Add("__p__environ", data("_environ"));
  r.Add("__iob_func", data("_iob"));
  r.Add("__acrt_iob_func", [](ApiInvocation& inv) -> std::uint64_t {
    return Stream(inv, static_cast<int>(inv.Arg(0) & 3));
  });
  auto initial_env = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t env = DataExport(inv, "__initenv");
    return env == 0 ? 0 : inv.m.ReadPtr(env);
  };
  r.Add("_get_initial_narrow_environment", initial_env);
  r.Add("_get_initial_wide_environment", initial_env);
  auto winmain_cmdline = [](ApiInvocation& inv) -> std::uint64_t {
    // The command line after the program name, as WinMain receives it.
    const std::string cmd = inv.m.command_line();
    std::size_t skip = 0;
    if (!cmd.empty() && cmd[0] == '"') {
      skip = cmd.find('"', 1);
      skip = skip == std::string::npos ? cmd.size() : skip + 1;
    } else {
      skip = std::min(cmd.find(' '), cmd.size());
    }
    while (skip < cmd.size() && cmd[skip] == ' ') ++skip;
    const bool wide = inv.name.find("wide") != std::string::npos;
    return wide ? inv.m.command_line_wide() + 2 * skip
                : inv.m.command_line_ansi() + inv.m.EncodeAnsi(cmd.substr(0, skip)).size();
  };
  r.Add("_get_narrow_winmain_command_line", winmain_cmdline);
  r.Add("_get_wide_winmain_command_line", winmain_cmdline);
  auto initterm = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    std::vector<Machine::GuestCall> calls;
    const std::uint32_t ps = m.pointer_size();
    const std::uint64_t end = inv.Arg(1);
    for (std::uint64_t p = inv.Arg(0); p < end && calls.size() < kMaxInitterm; p += ps) {
      bool ok = false;
      const std::uint64_t function = m.ReadPtr(p, &ok);
      if (!ok) break;
      if (function != 0) calls.push_back({function, {}});
    }
    inv.Defer();
    const PendingReturn pending = inv.pending;
    m.CallGuestSequence(std::move(calls), [&m, pending] { m.CompleteApi(pending, 0); });
    return 0;
  };
  r.Add("_initterm", initterm);
  r.Add("_initterm_e", initterm);
  auto push_onexit = [](ApiInvocation& inv, std::size_t index, std::uint64_t result) -> std::uint64_t {
    if (inv.m.onexit_functions().size() < kMaxInitterm) inv.m.onexit_functions().push_back(inv.Arg(index));
    return result;
  };
  r.Add("_onexit", [push_onexit](ApiInvocation& inv) { return push_onexit(inv, 0, inv.Arg(0)); });
  r.Add("__dllonexit", [push_onexit](ApiInvocation& inv) { return push_onexit(inv, 0, inv.Arg(0)); });
  r.Add("atexit", [push_onexit](ApiInvocation& inv) { return push_onexit(inv, 0, 0); });
  r.Add("_crt_atexit", [push_onexit](ApiInvocation& inv) { return push_onexit(inv, 0, 0); });
  r.Add("_register_onexit_function", [push_onexit](ApiInvocation& inv) { return push_onexit(inv, 1, 0); });
  r.Add("exit", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string detail = "exit(" + std::to_string(static_cast<std::int32_t>(inv.Arg(0))) + ")";
    return RunOnExitThen(inv, [&m, detail] { m.End(analysis::v1::EMULATION_END_REASON_EXITED, detail); });
  });
  auto cexit = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const PendingReturn pending = inv.pending;
    return RunOnExitThen(inv, [&m, pending] { m.CompleteApi(pending, 0); });
  };
  r.Add("_cexit", cexit);
  r.Add("_c_exit", cexit);
  auto hard_exit = [](ApiInvocation& inv) -> std::uint64_t {
    std::string detail = inv.name + "(" + (inv.argc > 0 ? std::to_string(static_cast<std::int32_t>(inv.Arg(0))) : "") + ")";
    inv.m.End(analysis::v1::EMULATION_END_REASON_EXITED, detail);
    return 0;
  };
  for (const char* name : {"_exit", "_amsg_exit", "abort", "terminate", "__std_terminate",
                           "_invalid_parameter_noinfo_noreturn"}) {
    r.Add(name, hard_exit);
  }
  r.Add("_invalid_parameter_noinfo", zero);
  r.Add("_errno", [](ApiInvocation& inv) -> std::uint64_t {
    std::uint64_t& slot = inv.m.state()["errno"];
    if (slot == 0) slot = inv.m.HeapAlloc(16, true);
    return slot;
  });
  r.Add("___lc_codepage_func", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.code_page(); });
  r.Add("___mb_cur_max_func", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.code_page() == 932 ? 2 : 1; });
  r.Add("localeconv", [](ApiInvocation& inv) -> std::uint64_t {
    std::uint64_t& slot = inv.m.state()["lconv"];
    if (slot == 0) {
      slot = inv.m.HeapAlloc(0x100, true);
      // lconv.decimal_point -> ".", the other strings -> "".
      for (std::uint64_t i = 0; i < 10; ++i) inv.m.WritePtr(slot + i * inv.m.pointer_size(), slot + 0xF0);
      inv.m.WriteAnsi(slot + 0xF0, ".", 2);
      inv.m.WriteAnsi(slot + 0xF4, "", 1);
      for (std::uint64_t i = 1; i < 10; ++i) inv.m.WritePtr(slot + i * inv.m.pointer_size(), slot + 0xF4);
    }
    return slot;
  });
  r.Add("setlocale", [](ApiInvocation& inv) -> std::uint64_t {
    std::uint64_t& slot = inv.m.state()["locale_name"];
    if (slot == 0) {
      slot = inv.m.HeapAlloc(16, true);
      inv.m.WriteAnsi(slot, "C", 2);
    }
    return slot;
  });
  r.Add("strerror", [](ApiInvocation& inv) -> std::uint64_t {
    std::uint64_t& slot = inv.m.state()["strerror"];
    if (slot == 0) {
      slot = inv.m.HeapAlloc(32, true);
      inv.m.WriteAnsi(slot, "Unknown error", 32);
    }
    return slot;
  });
  r.Add("_setmode", [](ApiInvocation&) -> std::uint64_t { return 0x4000; });
  r.Add("_fileno", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t iob = DataExport(inv, "_iob");
    return inv.Arg(0) >= iob && inv.Arg(0) < iob + 3 * FileSize(inv.m) ? (inv.Arg(0) - iob) / FileSize(inv.m) : 3;
  });
  r.Add("_purecall", hard_exit);
}

void RegisterHeapAndMemory(ApiRegistry& r) {
  r.Add("malloc", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.HeapAlloc(inv.Arg(0), false); });
  r.Add("calloc", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t n = inv.Arg(0), size = inv.Arg(1);
    if (size != 0 && n > ~0ull / size) return 0;
    return inv.m.HeapAlloc(n * size, true);
  });
  r.Add("realloc", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t old = inv.Arg(0);
    const std::uint64_t fresh = m.HeapAlloc(inv.Arg(1), true);
    if (fresh != 0 && old != 0) {
      const std::uint64_t old_size = m.HeapSize(old);
      if (old_size != static_cast<std::uint64_t>(-1)) {
        m.WriteBytes(fresh, m.ReadBytes(old, static_cast<std::size_t>(std::min({old_size, inv.Arg(1), kMaxCopy}))));
      }
      m.HeapFree(old);
    }
    return fresh;
  });
  r.Add("free", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.HeapFree(inv.Arg(0));
    return 0;
  });
  r.Add("_msize", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.HeapSize(inv.Arg(0)); });
  auto copy = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t n = std::min(inv.Arg(2), kMaxCopy);
    inv.m.WriteBytes(inv.Arg(0), inv.m.ReadBytes(inv.Arg(1), static_cast<std::size_t>(n)));
    return inv.Arg(0);
  };
  r.Add("memcpy", copy);
  r.Add("memmove", copy);
  r.Add("RtlMoveMemory", copy);
  r.Add("RtlCopyMemory", copy);
  auto copy_s = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t n = std::min({inv.Arg(3), inv.Arg(1), kMaxCopy});
    inv.m.WriteBytes(inv.Arg(0), inv.m.ReadBytes(inv.Arg(2), static_cast<std::size_t>(n)));
    return 0;
  };
  r.Add("memcpy_s", copy_s);
  r.Add("memmove_s", copy_s);
  r.Add("memset", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t n = std::min(inv.Arg(2), kMaxCopy);
    inv.m.WriteBytes(inv.Arg(0), Bytes(static_cast<std::size_t>(n), static_cast<std::uint8_t>(inv.Arg(1))));
    return inv.Arg(0);
  });
  r.Add("RtlZeroMemory", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.WriteBytes(inv.Arg(0), Bytes(static_cast<std::size_t>(std::min(inv.Arg(1), kMaxCopy)), 0));
    return 0;
  });
  r.Add("RtlFillMemory", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.WriteBytes(inv.Arg(0), Bytes(static_cast<std::size_t>(std::min(inv.Arg(1), kMaxCopy)),
                                       static_cast<std::uint8_t>(inv.Arg(2))));
    return 0;
  });
  r.Add("memcmp", [](ApiInvocation& inv) -> std::uint64_t {
    const std::size_t n = static_cast<std::size_t>(std::min(inv.Arg(2), kMaxCopy));
    const Bytes a = inv.m.ReadBytes(inv.Arg(0), n), b = inv.m.ReadBytes(inv.Arg(1), n);
    const int c = std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end()) < 0 ? -1
                  : a == b ? 0 : 1;
    return Signed(c);
  });
}

void RegisterStrings(ApiRegistry& r) {
  auto length = [](ApiInvocation& inv) -> std::uint64_t {
    if (!inv.wide) return inv.m.EncodeAnsi(inv.m.ReadAnsi(inv.Arg(0), kMaxString)).size();
    std::uint64_t n = 0;
    std::uint16_t u = 1;
    while (n < kMaxString && inv.m.cpu().Read(inv.Arg(0) + 2 * n, &u, 2) && u != 0) ++n;
    return n;
  };
  r.Add("strlen", length);
  r.Add("wcslen", length);
  auto copy = [](ApiInvocation& inv) -> std::uint64_t {
    WriteStringUnbounded(inv, inv.Arg(0), GuestString(inv, inv.Arg(1), inv.wide));
    return inv.Arg(0);
  };
  r.Add("strcpy", copy);
  r.Add("wcscpy", copy);
  auto ncopy = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = GuestString(inv, inv.Arg(1), inv.wide);
    if (inv.wide) inv.m.WriteWide(inv.Arg(0), s, inv.Arg(2) + 1);
    else inv.m.WriteAnsi(inv.Arg(0), s, inv.Arg(2) + 1);
    return inv.Arg(0);
  };
  r.Add("strncpy", ncopy);
  r.Add("wcsncpy", ncopy);
  auto copy_s = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = GuestString(inv, inv.Arg(2), inv.wide);
    if (inv.wide) inv.m.WriteWide(inv.Arg(0), s, inv.Arg(1));
    else inv.m.WriteAnsi(inv.Arg(0), s, inv.Arg(1));
    return 0;
  };
  r.Add("strcpy_s", copy_s);
  r.Add("wcscpy_s", copy_s);
  auto cat = [](ApiInvocation& inv) -> std::uint64_t {
    WriteStringUnbounded(inv, inv.Arg(0), GuestString(inv, inv.Arg(0), inv.wide) + GuestString(inv, inv.Arg(1), inv.wide));
    return inv.Arg(0);
  };
  r.Add("strcat", cat);
  r.Add("wcscat", cat);
  auto cat_s = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = GuestString(inv, inv.Arg(0), inv.wide) + GuestString(inv, inv.Arg(2), inv.wide);
    if (inv.wide) inv.m.WriteWide(inv.Arg(0), s, inv.Arg(1));
    else inv.m.WriteAnsi(inv.Arg(0), s, inv.Arg(1));
    return 0;
  };
  r.Add("strcat_s", cat_s);
  r.Add("wcscat_s", cat_s);
  auto compare = [](bool ignore_case, bool bounded) {
    return [ignore_case, bounded](ApiInvocation& inv) -> std::uint64_t {
      std::string a = GuestString(inv, inv.Arg(0), inv.wide);
      std::string b = GuestString(inv, inv.Arg(1), inv.wide);
      if (bounded) {
        a = a.substr(0, static_cast<std::size_t>(std::min(inv.Arg(2), kMaxString)));
        b = b.substr(0, static_cast<std::size_t>(std::min(inv.Arg(2), kMaxString)));
      }
      if (ignore_case) {
        a = AsciiLower(a);
        b = AsciiLower(b);
      }
      return Signed(Compare(a, b));
    };
  };
  r.Add("strcmp", compare(false, false));
  r.Add("wcscmp", compare(false, false));
  r.Add("strncmp", compare(false, true));
  r.Add("wcsncmp", compare(false, true));
  r.Add("_stricmp", compare(true, false));
  r.Add("_wcsicmp", compare(true, false));
  r.Add("_strnicmp", compare(true, true));
  r.Add("_wcsnicmp", compare(true, true));
  auto find_char = [](bool last) {
    return [last](ApiInvocation& inv) -> std::uint64_t {
      Machine& m = inv.m;
      const std::uint64_t unit = inv.wide ? 2 : 1;
      const std::uint64_t wanted = inv.Arg(1) & (inv.wide ? 0xFFFFu : 0xFFu);
      std::uint64_t found = 0;
      for (std::uint64_t i = 0; i < kMaxString; ++i) {
        std::uint16_t c = 0;
        if (!m.cpu().Read(inv.Arg(0) + i * unit, &c, unit)) break;
        if (c == wanted) {
          found = inv.Arg(0) + i * unit;
          if (!last) break;
        }
        if (c == 0) break;
      }
      return found;
    };
  };
  r.Add("strchr", find_char(false));
  r.Add("wcschr", find_char(false));
  r.Add("strrchr", find_char(true));
  r.Add("wcsrchr", find_char(true));
  auto find_string = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string hay = inv.wide ? inv.m.ReadWide(inv.Arg(0), kMaxString) : inv.m.ReadAnsi(inv.Arg(0), kMaxString);
    const std::string needle = GuestString(inv, inv.Arg(1), inv.wide);
    const std::size_t at = hay.find(needle);
    if (at == std::string::npos) return 0;
    // Offsets in the guest's units (ASCII in practice for both forms).
    return inv.Arg(0) + (inv.wide ? 2 * at : at);
  };
  r.Add("strstr", find_string);
  r.Add("wcsstr", find_string);
  auto to_integer = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = GuestString(inv, inv.Arg(0), inv.wide);
    int base = inv.argc >= 3 ? static_cast<int>(inv.Arg(2)) : 10;
    if (base < 0 || base == 1 || base > 36) base = 10;
    char* end = nullptr;
    const long long v = std::strtoll(s.c_str(), &end, base);
    if (inv.argc >= 3 && inv.Arg(1) != 0) {
      inv.m.WritePtr(inv.Arg(1), inv.Arg(0) + static_cast<std::uint64_t>(end - s.c_str()));
    }
    return static_cast<std::uint64_t>(v);
  };
  for (const char* name : {"atoi", "_wtoi", "strtol", "strtoul"}) r.Add(name, to_integer);
  auto lower = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t c = inv.Arg(0) & 0xFFFF;
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
  };
  auto upper = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t c = inv.Arg(0) & 0xFFFF;
    return c >= 'a' && c <= 'z' ? c - 32 : c;
  };
  r.Add("tolower", lower);
  r.Add("towlower", lower);
  r.Add("toupper", upper);
  r.Add("towupper", upper);
  r.Add("isdigit", [](ApiInvocation& inv) -> std::uint64_t { return (inv.Arg(0) & 0xFF) >= '0' && (inv.Arg(0) & 0xFF) <= '9'; });
  r.Add("isspace", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t c = inv.Arg(0) & 0xFF;
    return c == ' ' || (c >= 9 && c <= 13);
  });
  r.Add("isalpha", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t c = inv.Arg(0) & 0xFF;
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  });
  auto dup = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = GuestString(inv, inv.Arg(0), inv.wide);
    const std::uint64_t block = inv.m.HeapAlloc(s.size() * 2 + 2, true);
    if (block != 0) WriteStringUnbounded(inv, block, s);
    return block;
  };
  r.Add("_strdup", dup);
  r.Add("_wcsdup", dup);
  r.Add("wcstombs", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = inv.m.ReadWide(inv.Arg(1));
    if (inv.Arg(0) != 0) inv.m.WriteAnsi(inv.Arg(0), s, inv.Arg(2));
    return inv.m.EncodeAnsi(s).size();
  });
  r.Add("mbstowcs", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = inv.m.ReadAnsi(inv.Arg(1));
    if (inv.Arg(0) != 0) inv.m.WriteWide(inv.Arg(0), s, inv.Arg(2));
    return s.size();
  });
  r.Add("getenv", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string value = EnvironmentVariable(inv.m, GuestString(inv, inv.Arg(0), false));
    if (value.empty()) return 0;
    const std::uint64_t block = inv.m.HeapAlloc(value.size() * 2 + 2, true);
    inv.m.WriteAnsi(block, value, value.size() * 2 + 2);
    return block;
  });
  r.Add("_wgetenv", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string value = EnvironmentVariable(inv.m, inv.m.ReadWide(inv.Arg(0)));
    if (value.empty()) return 0;
    const std::uint64_t block = inv.m.HeapAlloc(value.size() * 2 + 2, true);
    inv.m.WriteWide(block, value, value.size() + 1);
    return block;
  });
  auto system = [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.ProcessEvent("create", "cmd.exe /c " + inv.Str(0), "system");
    return 0;
  };
  r.Add("system", system);
  r.Add("_wsystem", system);
  auto time = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t now = 1768467600ull + inv.m.TickCountMs() / 1000 - 5 * 3600;
    if (inv.Arg(0) != 0) inv.m.WriteBytes(inv.Arg(0), ByteSpan(reinterpret_cast<const std::uint8_t*>(&now), 8));
    return now;
  };
  r.Add("time", time);
  r.Add("_time64", time);
  r.Add("clock", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.TickCountMs() - 5 * 3600 * 1000; });
  r.Add("srand", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.state()["rand_seed"] = inv.Arg(0) & 0xFFFFFFFFu;
    return 0;
  });
  r.Add("rand", [](ApiInvocation& inv) -> std::uint64_t {
    // The Microsoft CRT's generator, so seeded sequences match Windows.
    std::uint64_t& seed = inv.m.state().try_emplace("rand_seed", 1).first->second;
    seed = (seed * 214013 + 2531011) & 0xFFFFFFFFu;
    return (seed >> 16) & 0x7FFF;
  });
}

void RegisterStdio(ApiRegistry& r) {
  r.Add("printf", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(0), inv.wide, VarArgs(inv, 1));
    inv.m.Console(text);
    return text.size();
  });
  r.Add("wprintf", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(0), true, VarArgs(inv, 1));
    inv.m.Console(text);
    return text.size();
  });
  auto fprint = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(1), inv.wide, VarArgs(inv, 2));
    StreamWrite(inv, inv.Arg(0), text);
    return text.size();
  };
  r.Add("fprintf", fprint);
  r.Add("fwprintf", fprint);
  auto vfprint = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(1), inv.wide, VaList(inv.m, inv.Arg(2)));
    StreamWrite(inv, inv.Arg(0), text);
    return text.size();
  };
  r.Add("vfprintf", vfprint);
  r.Add("vfwprintf", vfprint);
  r.Add("puts", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Console(inv.AStr(0) + "\n");
    return 0;
  });
  r.Add("_putws", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Console(inv.WStr(0) + "\n");
    return 0;
  });
  r.Add("putchar", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Console(std::string(1, static_cast<char>(inv.Arg(0))));
    return inv.Arg(0) & 0xFF;
  });
  r.Add("fputs", [](ApiInvocation& inv) -> std::uint64_t {
    StreamWrite(inv, inv.Arg(1), inv.AStr(0));
    return 0;
  });
  r.Add("fputc", [](ApiInvocation& inv) -> std::uint64_t {
    StreamWrite(inv, inv.Arg(1), std::string(1, static_cast<char>(inv.Arg(0))));
    return inv.Arg(0) & 0xFF;
  });
  r.Add("fwrite", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t size = inv.Arg(1), count = inv.Arg(2);
    if (size != 0 && count > kMaxCopy / size) return 0;
    const Bytes data = inv.m.ReadBytes(inv.Arg(0), static_cast<std::size_t>(size * count));
    StreamWrite(inv, inv.Arg(3), std::string(data.begin(), data.end()));
    return count;
  });
  auto open = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string path = FullPath(m, inv.Str(0));
    const std::string mode = inv.Str(1);
    VirtualFileSystem::File* file = m.vfs().Find(path);
    if (mode.find('r') != std::string::npos && file == nullptr) {
      m.FileEvent("open", path, "failed: not found");
      return 0;
    }
    if (mode.find('w') != std::string::npos) {
      m.vfs().Create(path);
    } else if (mode.find('a') != std::string::npos && file == nullptr) {
      m.vfs().Create(path);
    }
    m.FileEvent(mode.find('r') != std::string::npos ? "open" : "create", path, "mode=" + mode);
    HandleObject h;
    h.kind = Kind::kFile;
    h.name = path;
    const std::uint64_t stream = m.HeapAlloc(FileSize(m), true);
    if (stream == 0) return 0;
    m.state()[StreamKey(stream)] = m.NewHandle(h);
    return stream;
  };
  r.Add("fopen", open);
  r.Add("_wfopen", open);
  r.Add("fclose", [](ApiInvocation& inv) -> std::uint64_t {
    auto it = inv.m.state().find(StreamKey(inv.Arg(0)));
    if (it != inv.m.state().end()) {
      inv.m.CloseHandle(it->second);
      inv.m.state().erase(it);
    }
    return 0;
  });
  r.Add("fread", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    auto it = m.state().find(StreamKey(inv.Arg(3)));
    if (it == m.state().end()) return 0;
    HandleObject* h = m.GetHandle(it->second);
    VirtualFileSystem::File* file = h == nullptr ? nullptr : m.vfs().Find(h->name);
    if (file == nullptr || inv.Arg(1) == 0) return 0;
    const std::uint64_t want = std::min(inv.Arg(1) * std::min(inv.Arg(2), kMaxCopy), kMaxCopy);
    const std::uint64_t available = h->position < file->data.size() ? file->data.size() - h->position : 0;
    const std::uint64_t n = std::min(want, available);
    m.WriteBytes(inv.Arg(0), ByteSpan(file->data).subspan(h->position, n));
    h->position += n;
    m.FileEvent("read", h->name, std::to_string(n) + " bytes");
    return n / inv.Arg(1);
  });
  auto sprint = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(1), inv.wide, VarArgs(inv, 2));
    return PrintTo(inv, inv.Arg(0), 0, text);
  };
  r.Add("sprintf", sprint);
  r.Add("swprintf", sprint);
  r.Add("wsprintfA", sprint);
  r.Add("wsprintfW", sprint);
  auto snprint = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(2), inv.wide, VarArgs(inv, 3));
    return PrintTo(inv, inv.Arg(0), inv.Arg(1), text);
  };
  for (const char* name : {"_snprintf", "snprintf", "_snwprintf", "sprintf_s", "swprintf_s"}) r.Add(name, snprint);
  auto vsprint = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(1), inv.wide, VaList(inv.m, inv.Arg(2)));
    return PrintTo(inv, inv.Arg(0), 0, text);
  };
  r.Add("vsprintf", vsprint);
  r.Add("wvsprintfA", vsprint);
  r.Add("wvsprintfW", vsprint);
  auto vsnprint = [](ApiInvocation& inv) -> std::uint64_t {
    const std::string text = FormatGuest(inv.m, inv.Str(2), inv.wide, VaList(inv.m, inv.Arg(3)));
    return PrintTo(inv, inv.Arg(0), inv.Arg(1), text);
  };
  for (const char* name : {"vsnprintf", "_vsnprintf", "_vsnwprintf"}) r.Add(name, vsnprint);
  // Universal CRT: the 64-bit options argument takes two slots on x86.
  auto common_vfprintf = [](ApiInvocation& inv) -> std::uint64_t {
    const std::size_t o = inv.m.x64() ? 0 : 1;
    const std::string format = inv.Str(2 + o);
    const std::string text = FormatGuest(inv.m, format, inv.wide, VaList(inv.m, inv.Arg(4 + o)));
    StreamWrite(inv, inv.Arg(1 + o), text);
    return text.size();
  };
  r.Add("__stdio_common_vfprintf", common_vfprintf);
  r.Add("__stdio_common_vfwprintf", common_vfprintf);
  auto common_vsprintf = [](ApiInvocation& inv) -> std::uint64_t {
    const std::size_t o = inv.m.x64() ? 0 : 1;
    const std::string text = FormatGuest(inv.m, inv.Str(3 + o), inv.wide, VaList(inv.m, inv.Arg(5 + o)));
    return PrintTo(inv, inv.Arg(1 + o), inv.Arg(2 + o), text);
  };
  r.Add("__stdio_common_vsprintf", common_vsprintf);
  r.Add("__stdio_common_vswprintf", common_vsprintf);
}

}  // namespace

void RegisterCrtApis(ApiRegistry& r) {
  RegisterStartup(r);
  RegisterHeapAndMemory(r);
  RegisterStrings(r);
  RegisterStdio(r);
}

}  // namespace kensa::emulator::internal
