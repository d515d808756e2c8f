#include "kensa/isolation/isolated_call.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace kensa::isolation {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

std::string PatternBytes(std::size_t size, unsigned seed) {
  std::string bytes(size, '\0');
  for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 31 + seed) % 251);
  return bytes;
}

// A volatile store through a pointer the compiler cannot prove null, so it stays a real store
// (and a real SIGSEGV) instead of being dropped or folded into a trap instruction.
Result<std::string> WriteThroughNullPointer() {
  volatile int* volatile pointer = nullptr;
  *pointer = 1;
  return std::string("unreachable");
}

std::size_t OpenDescriptorCount() {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++count;
  }
  return count;
}

bool HasChildProcesses() {
  // waitpid(-1) fails with ECHILD only when this process has no child at all, zombie or not.
  errno = 0;
  const pid_t waited = waitpid(-1, nullptr, WNOHANG);
  return !(waited < 0 && errno == ECHILD);
}

TEST_CASE("a 10 MiB payload comes back from the child intact") {
  const std::string expected = PatternBytes(10 * 1024 * 1024, 7);
  IsolationOutcome outcome = IsolationOutcome::kNoResult;
  Result<std::string> result = RunIsolated([&] { return Result<std::string>(expected); }, {},
                                           &outcome);
  REQUIRE(result.has_value());
  CHECK(result->size() == expected.size());
  CHECK(*result == expected);
  CHECK(outcome == IsolationOutcome::kOk);
}

TEST_CASE("an empty payload is a result, not a missing one") {
  Result<std::string> result = RunIsolated([] { return Result<std::string>(std::string()); });
  REQUIRE(result.has_value());
  CHECK(result->empty());
}

TEST_CASE("an error returned by the analysis passes through with its code and message") {
  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> result = RunIsolated(
      [] { return Result<std::string>(NotFoundError("no section named .text")); }, {}, &outcome);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code() == StatusCode::kNotFound);
  CHECK(result.error().message() == "no section named .text");
  CHECK(outcome == IsolationOutcome::kError);
}

TEST_CASE("a null-pointer write in the analysis is reported as SIGSEGV") {
  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> result = RunIsolated(WriteThroughNullPointer, {}, &outcome);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code() == StatusCode::kInternal);
  CHECK(result.error().message() == "analysis crashed: signal 11 (SIGSEGV)");
  CHECK(outcome == IsolationOutcome::kCrashed);
}

TEST_CASE("abort() in the analysis is reported as SIGABRT") {
  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> result = RunIsolated(
      []() -> Result<std::string> { std::abort(); }, {}, &outcome);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().message() == "analysis crashed: signal 6 (SIGABRT)");
  CHECK(outcome == IsolationOutcome::kCrashed);
}

TEST_CASE("an analysis that never ends is killed at the timeout") {
  IsolationLimits limits;
  limits.timeout = milliseconds(500);
  IsolationOutcome outcome = IsolationOutcome::kOk;
  const auto start = Clock::now();
  Result<std::string> result = RunIsolated(
      []() -> Result<std::string> {
        volatile bool spinning = true;
        while (spinning) {
        }
        return std::string("unreachable");
      },
      limits, &outcome);
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code() == StatusCode::kDeadlineExceeded);
  CHECK(result.error().message() == "analysis exceeded 500 ms and was stopped");
  CHECK(outcome == IsolationOutcome::kTimedOut);
  CHECK(elapsed >= milliseconds(500));
  CHECK(elapsed < milliseconds(1500));
  CHECK_FALSE(HasChildProcesses());
}

TEST_CASE("the timeout is worded in seconds when it is whole seconds") {
  IsolationLimits limits;
  limits.timeout = std::chrono::seconds(1);
  Result<std::string> result = RunIsolated(
      []() -> Result<std::string> {
        pause();
        return std::string("unreachable");
      },
      limits);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().message() == "analysis exceeded 1 s and was stopped");
}

#if defined(__SANITIZE_ADDRESS__)
TEST_CASE("the memory limit is not applied under AddressSanitizer") {
  WARN("memory-limit tests skipped: ASan needs terabytes of address space");
}
#else
// Grows like a parser that believes a hostile size field: 64 MiB at a time, each one touched.
Result<std::string> AllocateFourGiB() {
  constexpr std::size_t kChunk = std::size_t{64} << 20;
  std::vector<std::unique_ptr<char[]>> chunks;
  for (std::size_t total = 0; total < (std::size_t{4} << 30); total += kChunk) {
    chunks.push_back(std::make_unique<char[]>(kChunk));
  }
  return std::string("allocated ") + std::to_string(chunks.size()) + " chunks";
}

TEST_CASE("allocating 4 GiB under a 512 MiB limit is reported as exceeding the memory limit") {
  IsolationLimits limits;
  limits.max_memory_bytes = std::uint64_t{512} << 20;
  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> result = RunIsolated(AllocateFourGiB, limits, &outcome);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code() == StatusCode::kResourceExhausted);
  CHECK(result.error().message() == "analysis exceeded the memory limit of 512 MiB");
  CHECK(outcome == IsolationOutcome::kMemoryExceeded);
}

TEST_CASE("allocating 256 MiB under a 512 MiB limit succeeds") {
  IsolationLimits limits;
  limits.max_memory_bytes = std::uint64_t{512} << 20;
  Result<std::string> result = RunIsolated(
      [] {
        std::vector<char> buffer(std::size_t{256} << 20, 'x');
        return Result<std::string>(std::to_string(buffer.size()));
      },
      limits);
  REQUIRE(result.has_value());
  CHECK(*result == "268435456");
}
#endif

TEST_CASE("an exception thrown by the analysis becomes an error carrying what()") {
  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> result = RunIsolated(
      []() -> Result<std::string> { throw std::runtime_error("resource directory loops"); }, {},
      &outcome);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code() == StatusCode::kInternal);
  CHECK(result.error().message() == "analysis threw an exception: resource directory loops");
  CHECK(outcome == IsolationOutcome::kError);
}

TEST_CASE("a payload above the output limit is refused with its size") {
  IsolationLimits limits;
  limits.max_output_bytes = 1024 * 1024;
  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> result = RunIsolated(
      [] { return Result<std::string>(std::string(2 * 1024 * 1024, 'a')); }, limits, &outcome);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code() == StatusCode::kResourceExhausted);
  CHECK(result.error().message() ==
        "analysis result of 2097152 bytes exceeds the output limit of 1 MiB");
  CHECK(outcome == IsolationOutcome::kOutputTooLarge);
}

TEST_CASE("a child that exits without a result is reported with its exit status") {
  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> result = RunIsolated(
      []() -> Result<std::string> { _exit(3); }, {}, &outcome);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().code() == StatusCode::kInternal);
  CHECK(result.error().message() == "analysis exited with status 3 without a result");
  CHECK(outcome == IsolationOutcome::kNoResult);
}

TEST_CASE("a crash is reported at once even when another process keeps the pipe open") {
  // The analysis forks a grandchild that inherits the result pipe and lives for 2 s; the
  // crash must not wait for the pipe's end-of-file. As a subreaper, this process inherits the
  // orphaned grandchild and reaps it at the end instead of leaving it to init.
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  IsolationLimits limits;
  limits.timeout = std::chrono::seconds(10);
  const auto start = Clock::now();
  Result<std::string> result = RunIsolated(
      []() -> Result<std::string> {
        if (fork() == 0) {
          // Not the test runner's output: ctest would wait for that pipe too.
          close(STDOUT_FILENO);
          close(STDERR_FILENO);
          sleep(2);
          _exit(0);
        }
        raise(SIGSEGV);
        return std::string("unreachable");
      },
      limits);
  const auto elapsed = Clock::now() - start;
  while (waitpid(-1, nullptr, 0) > 0 || errno == EINTR) {
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().message() == "analysis crashed: signal 11 (SIGSEGV)");
  CHECK(elapsed < milliseconds(1000));
}

TEST_CASE("an analysis dies with its worker when the worker is killed") {
  // A worker process runs a 30 s analysis and is SIGKILLed (the OOM killer, a node drain). The
  // analysis must not live on: it would keep the worker's sockets and burn its time limit. As a
  // subreaper, this process inherits the orphan and can see how it ended.
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  int pid_pipe[2];
  REQUIRE(pipe(pid_pipe) == 0);
  const pid_t worker = fork();
  REQUIRE(worker >= 0);
  if (worker == 0) {
    close(pid_pipe[0]);
    IsolationLimits limits;
    limits.timeout = std::chrono::seconds(60);
    (void)RunIsolated(
        [&]() -> Result<std::string> {
          const pid_t self = getpid();
          (void)!write(pid_pipe[1], &self, sizeof(self));
          sleep(30);
          return std::string("too late");
        },
        limits);
    _exit(0);
  }
  close(pid_pipe[1]);
  pid_t analysis = 0;
  REQUIRE(read(pid_pipe[0], &analysis, sizeof(analysis)) == static_cast<ssize_t>(sizeof(analysis)));
  close(pid_pipe[0]);
  kill(worker, SIGKILL);
  REQUIRE(waitpid(worker, nullptr, 0) == worker);
  int status = 0;
  pid_t reaped = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while ((reaped = waitpid(analysis, &status, WNOHANG)) == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(20));
  }
  if (reaped == 0) {
    kill(analysis, SIGKILL);
    waitpid(analysis, nullptr, 0);
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);
  REQUIRE(reaped == analysis);
  CHECK(WIFSIGNALED(status));
  CHECK(WTERMSIG(status) == SIGKILL);
}

TEST_CASE("with isolation disabled the analysis runs inline and exceptions are still caught") {
  IsolationLimits limits;
  limits.enabled = false;
  const pid_t caller = getpid();
  Result<std::string> pid_seen =
      RunIsolated([] { return Result<std::string>(std::to_string(getpid())); }, limits);
  REQUIRE(pid_seen.has_value());
  CHECK(*pid_seen == std::to_string(caller));

  IsolationOutcome outcome = IsolationOutcome::kOk;
  Result<std::string> thrown = RunIsolated(
      []() -> Result<std::string> { throw std::logic_error("inline failure"); }, limits, &outcome);
  REQUIRE_FALSE(thrown.has_value());
  CHECK(thrown.error().message() == "analysis threw an exception: inline failure");
  CHECK(outcome == IsolationOutcome::kError);
}

TEST_CASE("200 sequential calls leave no zombie and no open descriptor behind") {
  const std::size_t descriptors_before = OpenDescriptorCount();
  int payloads = 0;
  int crashes = 0;
  int errors = 0;
  for (int i = 0; i < 200; ++i) {
    Result<std::string> result = RunIsolated([i]() -> Result<std::string> {
      if (i % 10 == 3) raise(SIGSEGV);
      if (i % 10 == 7) return InvalidArgumentError("call " + std::to_string(i));
      return std::to_string(i);
    });
    if (i % 10 == 3) {
      crashes += !result && result.error().message() == "analysis crashed: signal 11 (SIGSEGV)";
    } else if (i % 10 == 7) {
      errors += !result && result.error().message() == "call " + std::to_string(i);
    } else {
      payloads += result && *result == std::to_string(i);
    }
  }
  CHECK(payloads == 160);
  CHECK(crashes == 20);
  CHECK(errors == 20);
  CHECK(OpenDescriptorCount() == descriptors_before);
  CHECK_FALSE(HasChildProcesses());
}

TEST_CASE("concurrent calls from 4 threads each get their own result") {
#if defined(__SANITIZE_ADDRESS__)
  WARN("skipped: GCC 12's ASan allocator is not fork-safe; a child forked while another thread "
       "allocates can hang on the allocator's lock (until the timeout kills it)");
  return;
#endif
  constexpr int kThreads = 4;
  constexpr int kCallsPerThread = 25;
  std::atomic<int> correct{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &correct] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const bool crash = i % 5 == 0;
        const std::string expected = PatternBytes(static_cast<std::size_t>(100000 + t * 1000 + i),
                                                  static_cast<unsigned>(t * 100 + i));
        Result<std::string> result = RunIsolated([&]() -> Result<std::string> {
          if (crash) std::abort();
          return expected;
        });
        if (crash) {
          correct += !result && result.error().message() == "analysis crashed: signal 6 (SIGABRT)";
        } else {
          correct += result && *result == expected;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto elapsed = Clock::now() - start;
  CHECK(correct.load() == kThreads * kCallsPerThread);
  CHECK(elapsed < std::chrono::seconds(20));
  CHECK_FALSE(HasChildProcesses());
}

}  // namespace
}  // namespace kensa::isolation
