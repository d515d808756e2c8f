#include "kensa/test_servers/test_servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <system_error>
#include <thread>

namespace kensa::test_servers {

namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = std::chrono::seconds(15);
constexpr auto kStopTimeout = std::chrono::seconds(10);
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr auto kProbeIoTimeout = std::chrono::milliseconds(1000);
// How much of a server log a failed start quotes.
constexpr std::streamoff kLogTailBytes = 2000;

std::string ErrnoText() { return std::strerror(errno); }

// Closes a file descriptor on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A blocking TCP connection to 127.0.0.1:port, or -1.
int ConnectLoopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in address = Loopback(port);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Reads until `done(received)` or the timeout; returns what was received.
std::string ReadUntil(int fd, const std::function<bool(const std::string&)>& done) {
  std::string received;
  const auto deadline = Clock::now() + kProbeIoTimeout;
  char buffer[4096];
  while (!done(received) && received.size() < 64 * 1024) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    pollfd poller{fd, POLLIN, 0};
    if (::poll(&poller, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n <= 0) break;
    received.append(buffer, static_cast<std::size_t>(n));
  }
  return received;
}

std::string LogTail(const std::filesystem::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return "(no log)";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(size > kLogTailBytes ? size - kLogTailBytes : 0);
  std::ostringstream tail;
  tail << in.rdbuf();
  return tail.str();
}

// The absolute path of `program` from PATH, resolved in the parent because execvp is not
// async-signal-safe and the child of a multi-threaded process may only call such functions.
Result<std::string> FindInPath(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return NotFoundError(program + " not found in PATH (scripts/install-deps installs it)");
}

// Runs every fork() on one thread that lives as long as the process. PR_SET_PDEATHSIG fires
// when the *thread* that forked exits, and a server must survive the helper thread that
// restarted it, but not the test process.
class Launcher {
 public:
  static Launcher& Get() {
    static Launcher* launcher = new Launcher();  // never destroyed: its thread runs until exit
    return *launcher;
  }

  Result<pid_t> Spawn(const std::string& program, const std::vector<std::string>& arguments,
                      const std::filesystem::path& log) {
    KENSA_ASSIGN_OR_RETURN(const std::string path, FindInPath(program));
    std::packaged_task<Result<pid_t>()> task(
        [&] { return ForkExec(path, program, arguments, log.string()); });
    std::future<Result<pid_t>> result = task.get_future();
    {
      std::lock_guard lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    wake_.notify_one();
    return result.get();
  }

 private:
  Launcher() { std::thread([this] { Run(); }).detach(); }

  [[noreturn]] void Run() {
    for (;;) {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return !tasks_.empty(); });
      std::packaged_task<Result<pid_t>()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
    }
  }

  static Result<pid_t> ForkExec(const std::string& path, const std::string& program,
                                const std::vector<std::string>& arguments,
                                const std::string& log) {
    // Everything the child needs is built before fork().
    std::vector<std::string> strings;
    strings.push_back(program);
    strings.insert(strings.end(), arguments.begin(), arguments.end());
    std::vector<char*> argv;
    for (std::string& s : strings) argv.push_back(s.data());
    argv.push_back(nullptr);
    const pid_t parent = ::getpid();

    const pid_t pid = ::fork();
    if (pid < 0) return InternalError("fork: " + ErrnoText());
    if (pid == 0) {
      // Child: async-signal-safe calls only.
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);  // the test died between fork and prctl
      const int out = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      const int in = ::open("/dev/null", O_RDONLY);
      if (out < 0 || in < 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      // The test's own sockets (client connections to other servers) must not live on in the
      // server, or closing them in the test would not close the connection.
      ::close_range(3, ~0U, 0);
      ::execv(path.c_str(), argv.data());
      ::_exit(127);
    }
    return pid;
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::packaged_task<Result<pid_t>()>> tasks_;
};

// Reaps `pid` if it has exited; true when it is gone.
bool Reaped(pid_t pid) {
  int status = 0;
  const pid_t r = ::waitpid(pid, &status, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

}  // namespace

TempDir::TempDir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/kensa-test-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    // Tests cannot run without it; a clear message beats a confusing failure later.
    std::fprintf(stderr, "TempDir: mkdtemp(%s): %s\n", pattern.c_str(), ErrnoText().c_str());
    std::abort();
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

Result<int> PickFreePort() {
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return InternalError("socket: " + ErrnoText());
  sockaddr_in address = Loopback(0);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    return InternalError("bind 127.0.0.1:0: " + ErrnoText());
  }
  socklen_t length = sizeof(address);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return InternalError("getsockname: " + ErrnoText());
  }
  return static_cast<int>(ntohs(address.sin_port));
}

ServerProcess::~ServerProcess() { (void)Stop(); }

Status ServerProcess::Start(const std::filesystem::path& dir) {
  if (running()) return FailedPreconditionError(Program() + " is already running");
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) return InternalError("cannot create " + dir.string() + ": " + error.message());
  dir_ = dir;
  KENSA_ASSIGN_OR_RETURN(port_, PickFreePort());
  return Launch();
}

Status ServerProcess::Restart() {
  if (port_ == 0) return FailedPreconditionError(Program() + " was never started");
  KENSA_RETURN_IF_ERROR(Stop());
  return Launch();
}

Status ServerProcess::Launch() {
  KENSA_ASSIGN_OR_RETURN(pid_, Launcher::Get().Spawn(Program(), Arguments(), LogPath()));
  const auto deadline = Clock::now() + kStartTimeout;
  Status probe = Probe();
  while (!probe.ok()) {
    if (Reaped(pid_)) {
      pid_ = -1;
      return UnavailableError(Program() + " exited during start-up; log:\n" + LogTail(LogPath()));
    }
    if (Clock::now() > deadline) {
      Kill();
      return UnavailableError(Program() + " not ready after 15 s (" + probe.message() +
                              "); log:\n" + LogTail(LogPath()));
    }
    std::this_thread::sleep_for(kPollInterval);
    probe = Probe();
  }
  return Status::Ok();
}

Status ServerProcess::Stop() {
  if (!running()) return Status::Ok();
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + kStopTimeout;
  while (!Reaped(pid_)) {
    if (Clock::now() > deadline) {
      Kill();
      return InternalError("server did not stop within 10 s of SIGTERM; killed it");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  pid_ = -1;
  return Status::Ok();
}

void ServerProcess::Kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::string NatsServer::url() const { return "nats://127.0.0.1:" + std::to_string(port()); }

std::vector<std::string> NatsServer::Arguments() const {
  return {"-js", "-a", "127.0.0.1", "-p", std::to_string(port()), "-sd", (dir() / "jetstream").string()};
}

Status NatsServer::Probe() const {
  Fd fd(ConnectLoopback(port()));
  if (fd.get() < 0) return UnavailableError("no connection: " + ErrnoText());
  // The server greets every client with INFO {...}\r\n; JetStream is announced in it once the
  // streams are recovered (client connections are accepted only after that).
  const std::string info =
      ReadUntil(fd.get(), [](const std::string& r) { return r.find("\r\n") != std::string::npos; });
  if (info.rfind("INFO ", 0) != 0) return UnavailableError("no INFO line");
  if (info.find("\"jetstream\":true") == std::string::npos) return UnavailableError("JetStream not enabled yet");
  return Status::Ok();
}

std::string RedisServer::url() const { return "redis://127.0.0.1:" + std::to_string(port()) + "/0"; }

std::vector<std::string> RedisServer::Arguments() const {
  return {"--bind", "127.0.0.1", "--port", std::to_string(port()), "--dir", dir().string(),
          "--appendonly", "yes", "--appendfsync", "always", "--save", ""};
}

Status RedisServer::Probe() const {
  Fd fd(ConnectLoopback(port()));
  if (fd.get() < 0) return UnavailableError("no connection: " + ErrnoText());
  static constexpr char kPing[] = "PING\r\n";
  if (::write(fd.get(), kPing, sizeof(kPing) - 1) != static_cast<ssize_t>(sizeof(kPing) - 1)) {
    return UnavailableError("cannot send PING");
  }
  const std::string reply =
      ReadUntil(fd.get(), [](const std::string& r) { return r.find("\r\n") != std::string::npos; });
  // "-LOADING ..." while the append-only file is replayed.
  if (reply.rfind("+PONG", 0) != 0) return UnavailableError("PING answered: " + reply);
  return Status::Ok();
}

}  // namespace kensa::test_servers
