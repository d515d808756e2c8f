#pragma once
// RunIsolated: run one analysis in a forked child process, so that a crash, a hang or a
// runaway allocation in a parser fails that one analysis and not the worker serving it.
//
//   kensa::isolation::IsolationLimits limits;
//   limits.timeout = std::chrono::seconds(30);
//   kensa::isolation::IsolationOutcome outcome;
//   kensa::Result<std::string> bytes = kensa::isolation::RunIsolated(
//       [&] { return AnalyzeToSerializedProto(sample); }, limits, &outcome);
//   metrics.Count(IsolationOutcomeName(outcome));
//   if (!bytes) return bytes.error();   // "analysis crashed: signal 11 (SIGSEGV)", ...
//
// How it works: the calling thread forks; the child applies the memory limit, runs `work`,
// writes one framed message (the payload, or the error code and message) into a pipe and
// _exit()s. The parent reads the pipe with poll() against the deadline, watches the child
// through a pidfd, and always reaps it with waitpid(), so no call leaves a zombie behind.
//
// Fork safety. Services call this from a multithreaded process (gRPC and NATS threads), and
// the child of such a process holds a copy of every lock as it was at fork time, with only the
// calling thread running. Hence:
//   - `work` may use the heap (glibc malloc takes its locks around fork) and anything it owns
//     or that no other thread touches: the sample bytes, a parser, a compiled YARA rule set
//     that is only read.
//   - `work` must not log, use a gRPC channel or NATS connection, take a mutex another thread
//     may hold, or wait for another thread: those may be locked forever in the child. Log in
//     the parent, from the result. Do not set GRPC_ENABLE_FORK_SUPPORT (its fork handlers
//     stall fork on busy gRPC threads).
//   - `work` must return, never call exit(): exit() would run the parent's atexit handlers and
//     flush the parent's stdio buffers a second time. The child itself ends with _exit(), so it
//     never returns into the caller's stack and never flushes stdio.
//   - Exceptions thrown by `work` are caught in the child and reported as errors; a
//     std::bad_alloc is reported as the memory limit being exceeded.
//   - The process must not ignore SIGCHLD or reap children with waitpid(-1) elsewhere: the
//     child is reaped here, by its pid.
// In the child, the fault signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS)
// get their default action back, so that a crash handler installed by the service or by a
// sanitizer cannot turn a crash into an ordinary exit.
//
// The memory limit is RLIMIT_AS set in the child to the address space it inherited plus
// `max_memory_bytes`: a multithreaded service already maps hundreds of MiB (thread stacks,
// malloc arenas), and the limit is meant for what the analysis adds. It is not applied in
// builds with AddressSanitizer, whose shadow memory needs terabytes of address space.
//
// AddressSanitizer builds (the dev preset): GCC 12's ASan allocator, unlike glibc malloc, does
// not take its locks around fork, so a child forked while another thread allocates can block
// on an allocator lock until the timeout kills it. Sequential calls are unaffected; a
// sanitizer build of a multithreaded service may set `enabled = false`.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::isolation {

struct IsolationLimits {
  // false runs `work` inline in the calling thread (for debugging with gdb, or where fork is
  // unwanted): exceptions and the output limit are still handled, the timeout and memory limit
  // are not.
  bool enabled = true;
  // Wall-clock time for the whole call; the child is killed with SIGKILL when it runs out.
  std::chrono::milliseconds timeout{std::chrono::seconds(60)};
  // Address space the analysis may add to what the child inherited; 0 = no limit.
  std::uint64_t max_memory_bytes = std::uint64_t{2} << 30;
  // Largest payload the child may return (the parent holds it in memory).
  std::uint64_t max_output_bytes = std::uint64_t{256} << 20;
};

// What happened to one call, for a metric label (IsolationOutcomeName).
enum class IsolationOutcome {
  kOk,              // `work` returned a payload
  kError,           // `work` returned an error or threw an exception
  kCrashed,         // the child died from a signal it did not get from us
  kTimedOut,        // the child ran past the timeout and was killed
  kMemoryExceeded,  // an allocation in the child failed (std::bad_alloc)
  kOutputTooLarge,  // the payload was larger than max_output_bytes
  kNoResult,        // the child exited without writing a complete result
  kStartFailed,     // the child could not be started (pipe or fork failed)
};

// "ok", "error", "crashed", "timed_out", "memory_exceeded", "output_too_large", "no_result",
// "start_failed".
const char* IsolationOutcomeName(IsolationOutcome outcome);

// Runs `work` in a child process within `limits` and returns its payload or an error:
//   `work`'s own error                      its code and message, unchanged
//   `work` threw                            kInternal "analysis threw an exception: <what>"
//   crash                                   kInternal "analysis crashed: signal 11 (SIGSEGV)"
//   timeout                                 kDeadlineExceeded "analysis exceeded 60 s and was
//                                           stopped"
//   allocation failed                       kResourceExhausted "analysis exceeded the memory
//                                           limit of 512 MiB"
//   payload too large                       kResourceExhausted "analysis result of N bytes
//                                           exceeds the output limit of 256 MiB"
//   exited without a result                 kInternal "analysis exited with status 3 without a
//                                           result"
//   could not start                         kUnavailable "could not start the isolated
//                                           analysis: fork: <reason>"
// `outcome`, when not null, receives the outcome. Safe to call from several threads at once.
Result<std::string> RunIsolated(const std::function<Result<std::string>()>& work,
                                const IsolationLimits& limits = {},
                                IsolationOutcome* outcome = nullptr);

// Fault injection for the pipeline's own tests (docs/pipeline.md): called inside `work`, it
// crashes the child with SIGSEGV, as a parser bug would, when `data` contains `marker`. An empty
// marker (production: KENSA_FAULT_CRASH_MARKER unset) never crashes.
void CrashIfMarked(ByteSpan data, std::string_view marker);

}  // namespace kensa::isolation
