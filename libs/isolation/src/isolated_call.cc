#include "kensa/isolation/isolated_call.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <exception>
#include <fstream>
#include <new>
#include <optional>
#include <utility>

namespace kensa::isolation {
namespace {

using Clock = std::chrono::steady_clock;

#if defined(__SANITIZE_ADDRESS__)
// AddressSanitizer reserves terabytes of address space for its shadow memory, so any RLIMIT_AS
// a child could live with would make every one of its allocations fail.
constexpr bool kMemoryLimitSupported = false;
#else
constexpr bool kMemoryLimitSupported = true;
#endif

// An error message longer than this is cut: it is meant for a log line and a report field.
constexpr std::size_t kMaxErrorMessageBytes = 64 * 1024;
// Without a pidfd (kernels before 5.3), the parent checks this often whether the child exited.
constexpr std::chrono::milliseconds kExitPollInterval{20};
// The child's exit status when it could not write its result into the pipe.
constexpr int kChildExitWriteFailed = 71;

// The one message the child sends: a header, then `length` bytes (payload or error message).
enum class FrameKind : std::uint32_t {
  kPayload = 1,
  kError = 2,           // code = StatusCode, body = message
  kMemoryExceeded = 3,  // no body
  kOutputTooLarge = 4,  // length = the payload's size, no body
};

struct FrameHeader {
  FrameKind kind = FrameKind::kMemoryExceeded;
  std::uint32_t code = 0;
  std::uint64_t length = 0;
};

struct Frame {
  FrameHeader header;
  std::string body;
};

// Closes the descriptor it owns.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

std::string FormatBytes(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = 1024 * 1024;
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  const auto ms = duration.count();
  if (ms >= 1000 && ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

// "SIGSEGV", or "signal 64" style fallback for signals glibc has no abbreviation for.
std::string SignalName(int signal_number) {
  const char* abbreviation = sigabbrev_np(signal_number);
  if (abbreviation == nullptr) return "unknown signal";
  return std::string("SIG") + abbreviation;
}

// Runs `work` and turns everything it can do (return, error, throw) into one frame. Shared by
// the child and by inline mode, so both report the same way.
Frame RunWork(const std::function<Result<std::string>()>& work, const IsolationLimits& limits) {
  Frame frame;
  try {
    std::optional<Status> error;
    try {
      Result<std::string> result = work();
      if (!result) {
        error = result.error();
      } else if (result->size() > limits.max_output_bytes) {
        frame.header = {FrameKind::kOutputTooLarge, 0, result->size()};
        return frame;
      } else {
        frame.header = {FrameKind::kPayload, 0, result->size()};
        frame.body = std::move(*result);
        return frame;
      }
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      error = InternalError(std::string("analysis threw an exception: ") + e.what());
    } catch (...) {
      error = InternalError("analysis threw an exception that is not a std::exception");
    }
    frame.body = error->message().substr(0, kMaxErrorMessageBytes);
    frame.header = {FrameKind::kError, static_cast<std::uint32_t>(error->code()),
                    frame.body.size()};
  } catch (const std::bad_alloc&) {
    frame.body.clear();
    frame.header = {FrameKind::kMemoryExceeded, 0, 0};
  }
  return frame;
}

StatusCode CodeFromWire(std::uint32_t code) {
  if (code == 0 || code > static_cast<std::uint32_t>(StatusCode::kDataLoss)) {
    return StatusCode::kUnknown;  // an OK or unknown code cannot describe a failure
  }
  return static_cast<StatusCode>(code);
}

Result<std::string> DecodeFrame(Frame frame, const IsolationLimits& limits,
                                bool memory_limit_applied, IsolationOutcome& outcome) {
  switch (frame.header.kind) {
    case FrameKind::kPayload:
      outcome = IsolationOutcome::kOk;
      return std::move(frame.body);
    case FrameKind::kError:
      outcome = IsolationOutcome::kError;
      return Status(CodeFromWire(frame.header.code), std::move(frame.body));
    case FrameKind::kMemoryExceeded:
      outcome = IsolationOutcome::kMemoryExceeded;
      if (!memory_limit_applied) return ResourceExhaustedError("analysis ran out of memory");
      return ResourceExhaustedError("analysis exceeded the memory limit of " +
                                    FormatBytes(limits.max_memory_bytes));
    case FrameKind::kOutputTooLarge:
      outcome = IsolationOutcome::kOutputTooLarge;
      return ResourceExhaustedError("analysis result of " + std::to_string(frame.header.length) +
                                    " bytes exceeds the output limit of " +
                                    FormatBytes(limits.max_output_bytes));
  }
  outcome = IsolationOutcome::kNoResult;
  return InternalError("analysis sent a malformed result");
}

// The size of this process's address space, which a child inherits.
std::uint64_t CurrentAddressSpaceBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0;
  if (!(statm >> pages)) return 0;
  return pages * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

bool WriteAll(int fd, const void* data, std::size_t size) {
  const char* cursor = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t written = write(fd, cursor, size);
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    cursor += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

// A crash handler inherited from the service or a sanitizer would turn a crash into an
// ordinary exit (or try to log from a forked child); give the fault signals their default
// action and make sure they are not blocked.
void RestoreDefaultFaultSignals() {
  constexpr int kFaultSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTRAP, SIGSYS};
  sigset_t unblock;
  sigemptyset(&unblock);
  for (const int signal_number : kFaultSignals) {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, nullptr);
    sigaddset(&unblock, signal_number);
  }
  sigprocmask(SIG_UNBLOCK, &unblock, nullptr);
}

// noexcept: should anything escape after all, the child terminates instead of unwinding into
// the caller's stack.
[[noreturn]] void RunChild(int write_fd, const std::function<Result<std::string>()>& work,
                           const IsolationLimits& limits, std::uint64_t address_space_limit,
                           pid_t parent) noexcept {
  // A worker killed while its analysis runs (SIGKILL, the OOM killer) must not leave the
  // analysis behind: it would run on for up to the time limit and keep the worker's listening
  // sockets, so that the restarted worker could not bind its admin port. The check after
  // prctl covers a parent that died before it took effect.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(kChildExitWriteFailed);
  RestoreDefaultFaultSignals();
  if (address_space_limit != 0) {
    const rlimit limit{address_space_limit, address_space_limit};
    setrlimit(RLIMIT_AS, &limit);
  }
  const Frame frame = RunWork(work, limits);
  const bool sent = WriteAll(write_fd, &frame.header, sizeof(frame.header)) &&
                    WriteAll(write_fd, frame.body.data(), frame.body.size());
  // _exit: no atexit handlers, no flushing of stdio buffers copied from the parent, no return
  // into the caller's stack.
  _exit(sent ? 0 : kChildExitWriteFailed);
}

// Reads one frame from a non-blocking pipe as it arrives.
class FrameReader {
 public:
  enum class State { kMore, kComplete, kClosed, kMalformed };

  explicit FrameReader(std::uint64_t max_output_bytes) : max_output_bytes_(max_output_bytes) {}

  // Reads what the pipe holds now.
  State ReadAvailable(int fd) {
    for (;;) {
      char* destination = nullptr;
      std::size_t wanted = 0;
      if (header_filled_ < sizeof(FrameHeader)) {
        destination = reinterpret_cast<char*>(&frame_.header) + header_filled_;
        wanted = sizeof(FrameHeader) - header_filled_;
      } else if (body_filled_ < frame_.body.size()) {
        destination = frame_.body.data() + body_filled_;
        wanted = frame_.body.size() - body_filled_;
      } else {
        return State::kComplete;
      }
      const ssize_t got = read(fd, destination, wanted);
      if (got == 0) return State::kClosed;
      if (got < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return State::kMore;
        return State::kClosed;
      }
      const auto count = static_cast<std::size_t>(got);
      if (header_filled_ < sizeof(FrameHeader)) {
        header_filled_ += count;
        if (header_filled_ == sizeof(FrameHeader) && !StartBody()) return State::kMalformed;
      } else {
        body_filled_ += count;
      }
    }
  }

  Frame Take() { return std::move(frame_); }

 private:
  // Checks the header before trusting its length with an allocation.
  bool StartBody() {
    std::uint64_t max_length = 0;
    switch (frame_.header.kind) {
      case FrameKind::kPayload: max_length = max_output_bytes_; break;
      case FrameKind::kError: max_length = kMaxErrorMessageBytes; break;
      case FrameKind::kMemoryExceeded: max_length = 0; break;
      case FrameKind::kOutputTooLarge: return true;  // length is information, no body follows
      default: return false;
    }
    if (frame_.header.length > max_length) return false;
    frame_.body.resize(static_cast<std::size_t>(frame_.header.length));
    return true;
  }

  std::uint64_t max_output_bytes_;
  Frame frame_;
  std::size_t header_filled_ = 0;
  std::size_t body_filled_ = 0;
};

// Through syscall(): glibc 2.36's <sys/pidfd.h> lacks extern "C" and does not link from C++.
int OpenPidfd(pid_t pid) { return static_cast<int>(syscall(SYS_pidfd_open, pid, 0)); }

int PollTimeoutMs(Clock::duration remaining) {
  const auto ms = std::chrono::ceil<std::chrono::milliseconds>(remaining).count();
  return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, 60 * 60 * 1000));
}

// The forked child; kills and reaps it on every way out, so no call leaves a zombie.
class ChildProcess {
 public:
  explicit ChildProcess(pid_t pid) : pid_(pid), pidfd_(OpenPidfd(pid)) {}
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() { KillAndReap(); }

  // Readable once the child exited; -1 when the kernel has no pidfd.
  int pidfd() const { return pidfd_.get(); }

  // True once the child has exited. Never blocks.
  bool HasExited() {
    if (reaped_) return true;
    if (pidfd_.get() >= 0) {
      pollfd watch{pidfd_.get(), POLLIN, 0};
      return poll(&watch, 1, 0) == 1;
    }
    return Reap(WNOHANG);
  }

  // Waits until the child exits or `deadline` passes; true when it exited.
  bool WaitForExit(Clock::time_point deadline) {
    for (;;) {
      if (HasExited()) return true;
      const auto remaining = deadline - Clock::now();
      if (remaining <= Clock::duration::zero()) return false;
      if (pidfd_.get() >= 0) {
        pollfd watch{pidfd_.get(), POLLIN, 0};
        poll(&watch, 1, PollTimeoutMs(remaining));
      } else {
        poll(nullptr, 0, PollTimeoutMs(std::min<Clock::duration>(remaining, kExitPollInterval)));
      }
    }
  }

  // The wait status of an exited child (reaps it first if needed).
  int ExitStatus() {
    Reap(0);
    return status_;
  }

  void KillAndReap() {
    if (reaped_) return;
    kill(pid_, SIGKILL);
    Reap(0);
  }

 private:
  bool Reap(int options) {
    if (reaped_) return true;
    for (;;) {
      const pid_t waited = waitpid(pid_, &status_, options);
      if (waited == pid_) {
        reaped_ = true;
        return true;
      }
      if (waited < 0 && errno == EINTR) continue;
      if (waited < 0) {
        reaped_ = true;  // ECHILD: someone else reaped it (SIGCHLD ignored); nothing to wait for
        status_ = 0;
        return true;
      }
      return false;  // WNOHANG and still running
    }
  }

  pid_t pid_;
  UniqueFd pidfd_;
  int status_ = 0;
  bool reaped_ = false;
};

Result<std::string> StartFailed(const char* step, int error_number, IsolationOutcome& outcome) {
  outcome = IsolationOutcome::kStartFailed;
  return Status(StatusCode::kUnavailable, std::string("could not start the isolated analysis: ") +
                                              step + ": " + std::strerror(error_number));
}

Result<std::string> RunInChild(const std::function<Result<std::string>()>& work,
                               const IsolationLimits& limits, IsolationOutcome& outcome) {
  const Clock::time_point deadline = Clock::now() + limits.timeout;
  const bool memory_limit_applied = kMemoryLimitSupported && limits.max_memory_bytes != 0;
  const std::uint64_t address_space_limit =
      memory_limit_applied ? CurrentAddressSpaceBytes() + limits.max_memory_bytes : 0;

  // O_CLOEXEC only matters if the analysis execs; children forked by other threads at the
  // same time still inherit these ends, which is why the child's exit is watched through a
  // pidfd rather than through end-of-file on the pipe.
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) return StartFailed("pipe", errno, outcome);
  UniqueFd read_end(pipe_fds[0]);
  UniqueFd write_end(pipe_fds[1]);

  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) return StartFailed("fork", errno, outcome);
  if (pid == 0) {
    read_end.Reset();
    RunChild(write_end.get(), work, limits, address_space_limit, parent);
  }
  write_end.Reset();
  ChildProcess child(pid);
  fcntl(read_end.get(), F_SETFL, O_NONBLOCK);

  FrameReader reader(limits.max_output_bytes);
  FrameReader::State state = FrameReader::State::kMore;
  bool exited = false;
  for (;;) {
    state = reader.ReadAvailable(read_end.get());
    // After the child exited, the read above drained all it wrote.
    if (state != FrameReader::State::kMore || exited) break;
    const auto remaining = deadline - Clock::now();
    if (remaining <= Clock::duration::zero()) break;
    pollfd watched[2] = {{read_end.get(), POLLIN, 0}, {child.pidfd(), POLLIN, 0}};
    const bool has_pidfd = child.pidfd() >= 0;
    const auto wait = has_pidfd ? remaining : std::min<Clock::duration>(remaining, kExitPollInterval);
    poll(watched, has_pidfd ? 2 : 1, PollTimeoutMs(wait));
    exited = child.HasExited();
  }

  if (state == FrameReader::State::kComplete) {
    // The child only _exit()s after this; killing it spares waiting for that.
    child.KillAndReap();
    return DecodeFrame(reader.Take(), limits, memory_limit_applied, outcome);
  }
  if (state == FrameReader::State::kMalformed) {
    child.KillAndReap();
    outcome = IsolationOutcome::kNoResult;
    return InternalError("analysis sent a malformed result");
  }
  if (!child.WaitForExit(deadline)) {
    child.KillAndReap();
    outcome = IsolationOutcome::kTimedOut;
    return Status(StatusCode::kDeadlineExceeded,
                  "analysis exceeded " + FormatDuration(limits.timeout) + " and was stopped");
  }
  const int status = child.ExitStatus();
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    outcome = IsolationOutcome::kCrashed;
    return InternalError("analysis crashed: signal " + std::to_string(signal_number) + " (" +
                         SignalName(signal_number) + ")");
  }
  outcome = IsolationOutcome::kNoResult;
  return InternalError("analysis exited with status " + std::to_string(WEXITSTATUS(status)) +
                       " without a result");
}

}  // namespace

const char* IsolationOutcomeName(IsolationOutcome outcome) {
  switch (outcome) {
    case IsolationOutcome::kOk: return "ok";
    case IsolationOutcome::kError: return "error";
    case IsolationOutcome::kCrashed: return "crashed";
    case IsolationOutcome::kTimedOut: return "timed_out";
    case IsolationOutcome::kMemoryExceeded: return "memory_exceeded";
    case IsolationOutcome::kOutputTooLarge: return "output_too_large";
    case IsolationOutcome::kNoResult: return "no_result";
    case IsolationOutcome::kStartFailed: return "start_failed";
  }
  return "unknown";
}

Result<std::string> RunIsolated(const std::function<Result<std::string>()>& work,
                                const IsolationLimits& limits, IsolationOutcome* outcome) {
  IsolationOutcome local_outcome = IsolationOutcome::kNoResult;
  Result<std::string> result =
      limits.enabled
          ? RunInChild(work, limits, local_outcome)
          : DecodeFrame(RunWork(work, limits), limits, /*memory_limit_applied=*/false,
                        local_outcome);
  if (outcome != nullptr) *outcome = local_outcome;
  return result;
}

void CrashIfMarked(ByteSpan data, std::string_view marker) {
  if (marker.empty()) return;
  const auto* begin = reinterpret_cast<const std::uint8_t*>(marker.data());
  if (std::search(data.begin(), data.end(), begin, begin + marker.size()) != data.end()) std::raise(SIGSEGV);
}

}  // namespace kensa::isolation
