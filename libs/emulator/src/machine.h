#pragma once
// Internal: one emulated Windows process. The Machine owns the CPU, the address space, the
// decoy DLLs and loader structures, the handle table, the virtual environment, the threads
// and the BehaviorResult being recorded. API models (api_*.cc) work through it.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cpu_engine.h"
#include "decoy_dlls.h"
#include "kensa/analysis/v1/behavior.pb.h"
#include "kensa/analysis/v1/pe.pb.h"
#include "kensa/emulator/emulator.h"
#include "memory_manager.h"
#include "virtual_env.h"
#include "x64_unwind.h"

namespace kensa::emulator::internal {

using analysis::v1::EmulationEndReason;

// The fixed layout of the emulated address space (all below 2 GiB, so x86 and x64 share it).
inline constexpr std::uint64_t kStubLow = 0x70000000;          // decoy DLLs and stubs
inline constexpr std::uint64_t kDynamicStubs = 0x77F00000;     // GetProcAddress on unknown DLLs
inline constexpr std::uint64_t kDynamicStubsSize = 0x10000;
inline constexpr std::uint64_t kSpecialStubs = 0x77FF0000;     // thread return, callback return
inline constexpr std::uint64_t kStubHigh = 0x78000000;
inline constexpr std::uint64_t kThreadReturnStub = kSpecialStubs;
inline constexpr std::uint64_t kCallbackReturnStub = kSpecialStubs + kStubSize;
inline constexpr std::uint64_t kSehReturnStub = kSpecialStubs + 2 * kStubSize;
inline constexpr std::uint64_t kSystemData = 0x7FF00000;      // LDR, process parameters, strings
inline constexpr std::uint64_t kSystemDataSize = 0x40000;
inline constexpr std::uint64_t kGdtAddress = 0x7FFC0000;
inline constexpr std::uint64_t kPebAddress = 0x7FFD0000;
inline constexpr std::uint64_t kTebAddress = 0x7FFD8000;
inline constexpr std::uint64_t kKuserSharedData = 0x7FFE0000;
inline constexpr std::uint64_t kShellcodeHostBase = 0x00400000;

inline constexpr std::uint32_t kProcessId = 4512;
inline constexpr std::uint32_t kMainThreadId = 4516;

// Win32 error codes the models set.
inline constexpr std::uint32_t kErrorSuccess = 0;
inline constexpr std::uint32_t kErrorFileNotFound = 2;
inline constexpr std::uint32_t kErrorPathNotFound = 3;
inline constexpr std::uint32_t kErrorAccessDenied = 5;
inline constexpr std::uint32_t kErrorInvalidHandle = 6;
inline constexpr std::uint32_t kErrorNotEnoughMemory = 8;
inline constexpr std::uint32_t kErrorNoMoreFiles = 18;
inline constexpr std::uint32_t kErrorInsufficientBuffer = 122;
inline constexpr std::uint32_t kErrorCallNotImplemented = 120;
inline constexpr std::uint32_t kErrorModNotFound = 126;
inline constexpr std::uint32_t kErrorProcNotFound = 127;
inline constexpr std::uint32_t kErrorAlreadyExists = 183;
inline constexpr std::uint32_t kErrorFileExists = 80;
inline constexpr std::uint32_t kErrorMoreData = 234;
inline constexpr std::uint32_t kErrorNoMoreItems = 259;

struct HandleObject {
  enum class Kind {
    kFile, kKey, kMutex, kEvent, kProcess, kThread, kSocket, kInternet, kScManager, kService,
    kFind, kSnapshot, kHeap, kCrypt, kOther
  };
  Kind kind = Kind::kOther;
  std::string name;            // path, key path, mutex name, URL, service name...
  std::uint64_t position = 0;  // file offset, find / snapshot cursor, bytes read of a response
  std::uint32_t id = 0;        // thread / process id
  std::string data;            // internet: response body; find: pattern
  std::vector<std::string> entries;
};

// The module list behind GetModuleHandle and the PEB's LDR lists.
struct Module {
  std::string name;  // lower case, "kernel32.dll"
  std::string path;  // "C:\Windows\System32\kernel32.dll"
  std::uint64_t base = 0;
  std::uint64_t size = 0;
  std::uint64_t entry = 0;
  int decoy = -1;  // index into decoys_, or -1 for the sample's own images
};

// Where an API call returns: the address after the call and the stack pointer after the
// callee's clean-up.
struct PendingReturn {
  std::uint64_t return_address = 0;
  std::uint64_t stack_after = 0;
};

class Machine;

// One call of an exported function: argument access by calling convention, and what the
// handler decided (a value, a deferred completion after calling back into guest code, or the
// end of the run).
class ApiInvocation {
 public:
  ApiInvocation(Machine& machine, std::string module, const DecoyExport& exp, bool cdecl,
                std::uint64_t seq);

  Machine& m;
  const std::string module;
  const std::string name;
  const std::uint8_t argc;
  const bool cdecl;
  const std::uint64_t seq;
  // The function takes wide strings (its name ends in 'W' or starts with "wcs" / "_w").
  bool wide = false;

  std::uint64_t Arg(std::size_t index) const;
  // String arguments, decoded as the function's A/W suffix says; recorded quoted.
  std::string Str(std::size_t index);
  std::string AStr(std::size_t index);
  std::string WStr(std::size_t index);
  // Replaces the recorded text of an argument ("HKEY_CURRENT_USER", a decoded flag...).
  void Note(std::size_t index, std::string text);
  // The handler called back into guest code and will finish with Machine::CompleteApi.
  void Defer() { deferred = true; }

  PendingReturn pending;
  bool deferred = false;
  std::vector<std::string> arg_text;
};

using ApiHandler = std::function<std::uint64_t(ApiInvocation&)>;

// Function name -> model. Names are exact ("CreateFileA"); one handler may serve several names.
class ApiRegistry {
 public:
  static const ApiRegistry& Get();
  const ApiHandler* Find(const std::string& name) const;
  void Add(const std::string& name, ApiHandler handler);
  // Registers base + "A" and base + "W" with the same handler.
  void AddAW(const std::string& base, const ApiHandler& handler);
  std::size_t size() const { return handlers_.size(); }

 private:
  std::unordered_map<std::string, ApiHandler> handlers_;
};

void RegisterKernel32Apis(ApiRegistry& registry);
void RegisterNtdllApis(ApiRegistry& registry);
void RegisterAdvapi32Apis(ApiRegistry& registry);
void RegisterNetApis(ApiRegistry& registry);
void RegisterCrtApis(ApiRegistry& registry);
void RegisterCxxExceptionApis(ApiRegistry& registry);
void RegisterShellApis(ApiRegistry& registry);

class Machine {
 public:
  Machine(const EmulationOptions& options, Arch arch, std::unique_ptr<CpuEngine> cpu);

  // Maps the decoy DLLs, the stubs, the PEB/TEB/LDR and the main thread's stack. The main
  // module must be added (AddMainModule) before the LDR lists are built by FinishLoaderData.
  Status Initialize();
  void AddMainModule(Module module);
  Status FinishLoaderData();

  // Runs, in order on the main thread: each queued call (TLS callbacks, entry point, DllMain,
  // exports), with threads the sample creates interleaved cooperatively; then fills the
  // counters and end reason of result().
  void AddRun(std::uint64_t function, std::vector<std::uint64_t> args, std::string label);
  void RunAll();

  // --- for the loader and API models ---
  CpuEngine& cpu() { return *cpu_; }
  MemoryManager& memory() { return memory_; }
  bool x64() const { return arch_ == Arch::kX64; }
  std::uint32_t pointer_size() const { return x64() ? 8 : 4; }
  const EmulationOptions& options() const { return options_; }
  VirtualFileSystem& vfs() { return vfs_; }
  VirtualRegistry& registry() { return registry_; }
  analysis::v1::BehaviorResult& result() { return result_; }

  std::uint64_t ReadPtr(std::uint64_t address, bool* ok = nullptr) const;
  bool WritePtr(std::uint64_t address, std::uint64_t value);
  std::uint32_t Read32(std::uint64_t address, bool* ok = nullptr) const;
  bool Write32(std::uint64_t address, std::uint32_t value);
  bool Write16(std::uint64_t address, std::uint16_t value);
  Bytes ReadBytes(std::uint64_t address, std::size_t size) const;
  bool WriteBytes(std::uint64_t address, ByteSpan data);
  // NUL-terminated strings as UTF-8; ANSI in the profile's code page. At most `max` units.
  std::string ReadAnsi(std::uint64_t address, std::size_t max = 4096) const;
  std::string ReadWide(std::uint64_t address, std::size_t max = 4096) const;
  // Writes `utf8` with its terminator into a buffer of `capacity` units (truncating); returns
  // the units written without the terminator.
  std::size_t WriteAnsi(std::uint64_t address, std::string_view utf8, std::size_t capacity);
  std::size_t WriteWide(std::uint64_t address, std::string_view utf8, std::size_t capacity);
  std::string EncodeAnsi(std::string_view utf8) const;
  std::string DecodeAnsi(std::string_view bytes) const;
  std::uint32_t code_page() const { return code_page_; }

  // Heap blocks (HeapAlloc, malloc, LocalAlloc...). 0 when the memory limit is reached, which
  // also ends the run with memory_limit.
  std::uint64_t HeapAlloc(std::uint64_t size, bool zero);
  bool HeapFree(std::uint64_t address);
  std::uint64_t HeapSize(std::uint64_t address) const;
  // Dedicated regions (VirtualAlloc, stacks); 0 and a memory_limit end over the budget.
  std::uint64_t AllocateRegion(std::uint64_t size, std::uint32_t prot, const std::string& tag,
                               bool dynamic, std::uint64_t preferred = 0);
  // Loader structures and strings that live as long as the process.
  std::uint64_t SystemAlloc(std::uint64_t size);

  Module* FindModule(std::string_view name);
  Module* FindModuleByAddress(std::uint64_t address);
  Module& main_module() { return modules_.front(); }
  // The loaded decoy for `name`, loading it (and linking it into the LDR lists) if needed; an
  // unknown name gets an empty decoy so that LoadLibrary succeeds as Windows would for a DLL
  // that exists. nullptr only when memory is exhausted.
  Module* LoadDll(std::string_view name);
  // The address of an export by name (or "#<ordinal>"); 0 when the module has none. For
  // decoys synthesized for unknown DLLs, a new stub is made so the call is recorded.
  std::uint64_t ResolveExport(Module& module, std::string_view name);
  std::uint64_t ResolveExportByOrdinal(Module& module, std::uint32_t ordinal);
  // For import binding: the export, or when a decoy lacks the name, a stub made on demand so
  // that the call is recorded as unmodelled instead of failing the load as Windows would.
  std::uint64_t ResolveImport(Module& module, std::string_view name);

  std::uint32_t NewHandle(HandleObject object);
  HandleObject* GetHandle(std::uint64_t handle);
  bool CloseHandle(std::uint64_t handle);

  void SetLastError(std::uint32_t error);
  std::uint32_t LastError() const;

  // Event recording: each event carries the seq of the API call being handled.
  void FileEvent(std::string op, std::string target, std::string details = {});
  void RegistryEvent(std::string op, std::string target, std::string details = {});
  void NetworkEvent(std::string op, std::string target, std::string details = {});
  void ProcessEvent(std::string op, std::string target, std::string details = {});
  void MutexEvent(std::string op, std::string target, std::string details = {});
  void ServiceEvent(std::string op, std::string target, std::string details = {});
  void Console(std::string_view text);
  // Records an executed or made-executable memory range (once per region).
  void DumpRegion(Region& region, const std::string& found_by);
  // Code the sample wrote into its own image is about to run at `entry`: dumps the whole image
  // rebuilt as a PE file (image_dump.h), at most limits.max_image_dumps times.
  void DumpUnpackedImage(std::uint64_t entry);
  // Watches [base, base + size) for code that rewrites itself: the raw shellcode from the start,
  // an allocated region once dumped. A block that runs over bytes the guest wrote there since the
  // last dump dumps the region again ("executed_rewritten_code"), at most
  // limits.max_image_dumps times; so a decoder stub's decoded payload is dumped and scanned.
  void WatchForRewrites(std::uint64_t base, std::uint64_t size);
  // The region at `base` is freed: its writes are forgotten.
  void StopWatchingRewrites(std::uint64_t base);

  // Ends the emulation from inside a hook (ExitProcess, limits, faults). Safe to call twice:
  // the first reason wins.
  void End(EmulationEndReason reason, std::string detail);
  bool ended() const { return ended_; }

  // Calls guest functions one after another from inside an API handler, then `done` (which
  // usually completes the API with CompleteApi). Used by _initterm, atexit handlers on exit...
  struct GuestCall {
    std::uint64_t function;
    std::vector<std::uint64_t> args;
  };
  void CallGuestSequence(std::vector<GuestCall> calls, std::function<void()> done);
  void CompleteApi(const PendingReturn& pending, std::uint64_t value);
  // Calls one guest function below the current stack pointer; `then` gets its return value
  // (the stack pointer is restored first, other registers are as the callee left them).
  // x64 exceptions, for __C_specific_handler deciding to run an __except block of the frame
  // being asked: the unwind pass (every frame walked with a termination handler called again
  // with EXCEPTION_UNWINDING, the target frame with EXCEPTION_TARGET_UNWIND, so that __finally
  // blocks run innermost first), then execution goes on at `target_ip` in that frame with
  // RAX = `code`. False when no x64 dispatch is under way.
  bool UnwindX64To(std::uint64_t target_ip, std::uint64_t code);
  // The same unwind pass, then `at_target` with the target frame's registers instead of the
  // jump, still on the dispatch's stack below the faulting frame: a C++ catch funclet runs there
  // (it reaches its frame through EstablisherFrame, and the thrown object stays intact), then
  // ResumeX64Frame continues in the frame (api_cxx_eh.cc).
  bool UnwindX64(std::uint64_t target_ip, std::function<void(const X64Registers&)> at_target);
  // Continues at `rip` with a frame's registers (after a catch funclet has run below it).
  void ResumeX64Frame(const X64Registers& regs, std::uint64_t rip);
  // C++ catch funclets running now, innermost last: the frame each belongs to (its
  // EstablisherFrame) and that frame's registers, where execution goes on after a catch.
  struct ActiveCatch {
    std::uint64_t establisher = 0;
    X64Registers frame;
  };
  std::vector<ActiveCatch>& active_catches() { return active_catches_; }
  // RaiseException: the exception is dispatched to the handlers on the stack once the API has
  // returned (its CONTEXT resumes after the call). False when no handler is there to ask.
  // `what` names the exception in the end detail when no handler takes it.
  bool RaiseSoftwareException(std::uint32_t code, const PendingReturn& caller,
                              std::vector<std::uint64_t> parameters, std::string what = {});
  void PushCallFrame(std::uint64_t function, const std::vector<std::uint64_t>& args,
                     std::function<void(std::uint64_t)> then);

  // Cooperative threads: queued, run when the current thread ends or yields (Sleep, Wait*).
  std::uint32_t CreateThread(std::uint64_t start, std::uint64_t param);
  bool ThreadFinished(std::uint32_t tid) const;
  void RequestYield();
  // The running thread ends (ExitThread, or its start function returned).
  void ExitCurrentThread(std::uint64_t code);
  std::uint32_t current_thread_id() const;

  // Virtual clock: advances with instructions executed and with Sleep (never waits).
  std::uint64_t TickCountMs() const;
  void AdvanceTime(std::uint64_t ms) { slept_ms_ += ms; }
  std::uint64_t instruction_count() const { return instructions_; }

  // CRT state the msvcrt models share.
  std::vector<std::uint64_t>& onexit_functions() { return onexit_functions_; }
  std::uint64_t tls_slot_base() const;
  std::string command_line() const { return command_line_; }
  std::uint64_t command_line_ansi() const { return command_line_ansi_; }
  std::uint64_t command_line_wide() const { return command_line_wide_; }
  std::uint64_t environment_block(bool wide) const { return wide ? env_wide_ : env_ansi_; }
  const std::vector<std::string>& argv() const { return argv_; }
  std::uint64_t argv_array(bool wide) const { return wide ? argv_wide_ : argv_ansi_; }
  std::uint64_t process_heap() const { return process_heap_handle_; }
  const std::vector<VirtualProcess>& processes() const { return processes_; }
  std::map<std::string, std::uint64_t>& named_objects() { return named_objects_; }
  // Small per-process state of the models ("tls_next", "rand_seed", "errno"...).
  std::map<std::string, std::uint64_t>& state() { return state_; }

  // Dropped files and dumps, gathered at the end.
  void CollectArtifacts(EmulationOutput& output);

 private:
  struct CallbackFrame {
    std::uint64_t saved_sp;
    std::function<void(std::uint64_t)> then;
  };
  struct RunItem {
    std::uint64_t function;
    std::vector<std::uint64_t> args;
    std::string label;
  };
  struct GuestThread {
    std::uint32_t tid = 0;
    std::uint64_t start = 0;
    std::uint64_t param = 0;
    std::uint64_t stack_top = 0;
    std::shared_ptr<CpuEngine::Context> context;
    std::vector<CallbackFrame> frames;
    bool finished = false;
  };

  Status MapDecoys();
  Status BuildProcessStructures();
  void OnInstruction(std::uint64_t address);
  void OnBlock(std::uint64_t address, std::uint32_t size);
  std::uint32_t BlockInstructions(std::uint64_t address, std::uint32_t size);
  bool OnFault(MemoryFault kind, bool unmapped, std::uint64_t address, int size);
  void OnInterrupt(std::uint32_t number);
  void DispatchApi(std::uint64_t stub);
  void OnCallbackReturn();
  void OnThreadReturn();
  // x86 structured exception handling: the handlers of the TEB's registration chain are
  // called as Windows' dispatcher calls them (handler(record, frame, context, dispatcher)).
  struct PendingException {
    std::uint32_t code = 0;
    std::uint64_t address = 0;  // ExceptionAddress, and the Eip the handler sees
    std::vector<std::uint64_t> parameters;
    std::string description;
  };
  bool HasSehHandler();
  void RaiseGuestException(PendingException exception);
  void DispatchSeh();
  void CallSehHandler(std::uint64_t registration);
  void OnSehReturn();
  // x64 exception dispatch (x64_exceptions.cc): the stack walked with the images' unwind tables
  // (.pdata), each frame's language handler asked as RtlDispatchException asks it.
  struct X64Step {
    X64Registers caller;
    std::optional<X64FunctionEntry> function;  // nullopt for a leaf function
    X64Unwound unwound;
  };
  struct X64Frame {
    X64Registers regs;
    X64FunctionEntry function;
    X64Unwound unwound;
  };
  struct X64Dispatch {
    std::uint32_t code = 0;
    std::uint64_t record = 0;      // EXCEPTION_RECORD
    std::uint64_t context = 0;     // CONTEXT of the fault
    std::uint64_t dispatcher = 0;  // DISPATCHER_CONTEXT of the frame being asked
    std::uint64_t scratch = 0;     // per-frame records and contexts of the unwind pass
    X64Registers frame;            // the frame being asked
    X64Registers caller;           // its caller, once unwound
    std::size_t frames = 0;
    std::vector<X64Frame> with_handlers;  // frames walked that have a handler, innermost first
  };
  X64Registers CaptureX64Registers() const;
  void LoadX64Registers(const X64Registers& regs);
  Result<X64Step> StepX64Frame(const X64Registers& frame);
  bool X64StackHasHandler(X64Registers frame);
  void DispatchX64(const PendingException& exception);
  void AskNextX64Frame();
  void OnX64HandlerReturn();
  // Sets up a call of `function` on a fresh stack top, returning to `return_address`.
  void SetupCall(std::uint64_t stack_top, std::uint64_t function,
                 const std::vector<std::uint64_t>& args, std::uint64_t return_address);
  void LinkModuleIntoLdr(const Module& module);
  std::uint64_t WriteUnicodeString(std::uint64_t at, std::string_view text);
  std::uint64_t NewDynamicStub(const std::string& dll, const std::string& name);
  GuestThread& current() { return threads_[current_]; }
  std::uint64_t Seq() const { return current_seq_; }

  const EmulationOptions options_;
  Arch arch_;
  std::unique_ptr<CpuEngine> cpu_;
  MemoryManager memory_;
  VirtualFileSystem vfs_;
  VirtualRegistry registry_;
  std::vector<VirtualProcess> processes_;
  std::uint32_t code_page_ = 1252;

  std::vector<DecoyImage> decoys_;
  std::deque<Module> modules_;  // main module first; a deque keeps Module* stable
  struct StubInfo {
    std::string module;
    DecoyExport exp;
    bool cdecl = false;
  };
  // Stub address -> the export it stands for (decoy exports and ones made on demand).
  std::unordered_map<std::uint64_t, StubInfo> stubs_;
  std::uint64_t next_dynamic_stub_ = kDynamicStubs;
  std::uint64_t next_decoy_base_ = kStubLow;

  std::uint64_t system_data_next_ = kSystemData;
  std::uint64_t ldr_ = 0;
  std::uint64_t last_ldr_entry_ = 0;
  std::uint64_t command_line_ansi_ = 0;
  std::uint64_t command_line_wide_ = 0;
  std::uint64_t env_ansi_ = 0;
  std::uint64_t env_wide_ = 0;
  std::uint64_t argv_ansi_ = 0;
  std::uint64_t argv_wide_ = 0;
  std::string command_line_;
  std::vector<std::string> argv_;

  // Heap: bump allocation in arenas; block sizes kept for HeapSize / realloc.
  std::uint64_t heap_next_ = 0;
  std::uint64_t heap_end_ = 0;
  std::unordered_map<std::uint64_t, std::uint64_t> heap_blocks_;
  std::uint64_t process_heap_handle_ = 0x00500000;

  std::map<std::uint32_t, HandleObject> handles_;
  std::uint32_t next_handle_ = 0x80;
  std::map<std::string, std::uint64_t> named_objects_;  // mutex / event name -> handle
  std::vector<std::uint64_t> onexit_functions_;
  std::map<std::string, std::uint64_t> state_;

  std::vector<GuestThread> threads_;
  std::deque<std::size_t> ready_;
  std::size_t current_ = 0;
  std::deque<RunItem> main_runs_;
  std::uint64_t main_stack_top_ = 0;

  // Control flags set in hooks, acted upon by RunAll.
  bool ended_ = false;
  bool stop_pending_ = false;
  bool yield_requested_ = false;
  bool thread_finished_ = false;
  // An exception raised in a hook, dispatched by RunAll once unicorn has stopped.
  std::optional<PendingException> pending_exception_;
  bool resume_live_ = false;  // continue the current thread from the CPU state as it is
  std::uint32_t seh_dispatches_ = 0;
  std::uint64_t seh_registration_ = 0;
  std::uint64_t seh_context_ = 0;
  std::uint64_t seh_record_ = 0;
  std::string seh_description_;
  std::optional<X64Dispatch> x64_dispatch_;
  std::vector<ActiveCatch> active_catches_;

  std::uint64_t instructions_ = 0;
  // Instruction count of each translated block by address, with the block size it was asked for.
  std::unordered_map<std::uint64_t, std::pair<std::uint32_t, std::uint32_t>> block_instructions_;
  struct LastBlock {
    std::uint64_t address = ~0ull;
    std::uint32_t size = 0;
    std::uint32_t instructions = 0;
  };
  LastBlock last_block_;
  std::uint64_t api_calls_ = 0;
  std::uint32_t image_dumps_ = 0;
  // Regions watched for rewritten code (WatchForRewrites), a few at most.
  struct RewriteWatch {
    std::uint64_t base = 0;
    std::uint64_t size = 0;
    std::vector<std::uint8_t> written;  // 1 per byte written since the last dump
    bool pending = false;               // some byte is
    std::uint32_t layers = 0;
  };
  std::vector<RewriteWatch> rewrite_watches_;
  bool rewrite_pending_ = false;  // some watch is pending: the block hook looks
  std::uint32_t rewrite_dumps_ = 0;
  void OnGuestWrite(std::uint64_t address, int size);
  void DumpRewrittenRegion(RewriteWatch& watch, std::uint64_t entry);
  std::uint64_t current_seq_ = 0;
  std::uint64_t slept_ms_ = 0;
  std::uint64_t cached_region_low_ = 1;
  std::uint64_t cached_region_high_ = 0;
  std::chrono::steady_clock::time_point started_;

  analysis::v1::BehaviorResult result_;
  std::map<std::string, std::uint64_t> unmodelled_counts_;
  std::vector<Artifact> memory_dumps_;
};

// Loads a PE image (EXE or DLL) into `machine` after Initialize: sections, relocations when
// the preferred base is taken, imports bound to the decoys, TLS data, and the runs (TLS
// callbacks, then the entry point or DllMain, then DLL exports). kInvalidArgument when the
// image cannot be mapped (its size, no room).
Status LoadPe(Machine& machine, ByteSpan file, const analysis::v1::PeInfo& info);

// Maps raw shellcode after a small host image ("sample.exe") and queues it to run.
Status LoadShellcode(Machine& machine, ByteSpan code);

}  // namespace kensa::emulator::internal
