#pragma once
// Real nats-server and redis-server processes on loopback for adapter and end-to-end tests.
// Each server gets a free port and a directory for its data and log, so tests run side by side
// and a restarted server finds what it stored before.
//
//   kensa::test_servers::TempDir dir;
//   kensa::test_servers::NatsServer nats;
//   REQUIRE(nats.Start(dir.path()).ok());
//   auto bus = NatsBus::Connect({.url = nats.url()});
//   nats.Kill();               // kill -9: what a crash or an OOM kill looks like
//   REQUIRE(nats.Restart().ok());  // same port, same store: clients reconnect on their own
//
// Servers log to <dir>/nats-server.log and <dir>/redis-server.log; a failed Start returns the
// end of that log in its message. A server dies with the test process (PR_SET_PDEATHSIG), so a
// crashed test leaves no server behind. Methods of one server object must not be called from
// two threads at once; calling Restart from a helper thread while another thread uses the
// server through a client is fine.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "kensa/core/status.h"

namespace kensa::test_servers {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A free TCP port on 127.0.0.1: binds port 0 and reads back what the kernel chose. Another
// process could take it before the server binds it; that is rare enough for tests.
Result<int> PickFreePort();

// One server process: the common part of NatsServer and RedisServer.
class ServerProcess {
 public:
  ServerProcess() = default;
  // Stops the server (as Stop does).
  virtual ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  // Picks a free port, starts the server with its data in `dir` (created if missing) and waits
  // until it serves requests (at most 15 s).
  Status Start(const std::filesystem::path& dir);
  // SIGTERM, then waits for the exit (SIGKILL after 10 s). A clean shutdown.
  Status Stop();
  // SIGKILL and reap: a crash. Data the server had not written to its files is lost.
  void Kill();
  // Stops the server if it runs, then starts it again on the same port with the same directory.
  Status Restart();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  const std::filesystem::path& dir() const { return dir_; }

 protected:
  // The program (looked up in PATH) and its arguments for port_ and dir_.
  virtual std::string Program() const = 0;
  virtual std::vector<std::string> Arguments() const = 0;
  // OK once the server on port_ answers like a ready server.
  virtual Status Probe() const = 0;
  std::filesystem::path LogPath() const { return dir_ / (Program() + ".log"); }

 private:
  Status Launch();

  pid_t pid_ = -1;
  int port_ = 0;
  std::filesystem::path dir_;
};

// `nats-server -js -a 127.0.0.1 -p <port> -sd <dir>/jetstream`. Ready when a client connection
// gets an INFO line announcing JetStream.
class NatsServer final : public ServerProcess {
 public:
  // "nats://127.0.0.1:<port>"
  std::string url() const;

 protected:
  std::string Program() const override { return "nats-server"; }
  std::vector<std::string> Arguments() const override;
  Status Probe() const override;
};

// `redis-server --bind 127.0.0.1 --port <port> --dir <dir> --appendonly yes --appendfsync always
// --save ""`: every acknowledged write is in the append-only file, so Restart (even after Kill)
// loses nothing. Ready when PING answers +PONG (not -LOADING).
class RedisServer final : public ServerProcess {
 public:
  // "redis://127.0.0.1:<port>/0"
  std::string url() const;

 protected:
  std::string Program() const override { return "redis-server"; }
  std::vector<std::string> Arguments() const override;
  Status Probe() const override;
};

}  // namespace kensa::test_servers
