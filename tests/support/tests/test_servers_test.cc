#include "kensa/test_servers/test_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

namespace {

using kensa::test_servers::NatsServer;
using kensa::test_servers::RedisServer;
using kensa::test_servers::TempDir;

bool Accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  ::close(fd);
  return connected;
}

// One request and its reply over Redis's inline protocol.
std::string RedisCommand(int port, const std::string& command) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
    const std::string line = command + "\r\n";
    if (::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size())) {
      char buffer[256];
      const ssize_t n = ::read(fd, buffer, sizeof(buffer));
      if (n > 0) reply.assign(buffer, static_cast<std::size_t>(n));
    }
  }
  ::close(fd);
  return reply;
}

}  // namespace

TEST_CASE("TempDir creates a directory and removes it with its contents") {
  std::filesystem::path kept;
  {
    TempDir dir;
    kept = dir.path();
    REQUIRE(std::filesystem::is_directory(kept));
    std::ofstream(kept / "file") << "x";
  }
  CHECK_FALSE(std::filesystem::exists(kept));
}

TEST_CASE("NatsServer serves JetStream on loopback and restarts on the same port") {
  TempDir dir;
  NatsServer nats;
  REQUIRE(nats.Start(dir.path()).ok());
  const int port = nats.port();
  CHECK(nats.url() == "nats://127.0.0.1:" + std::to_string(port));
  CHECK(Accepts(port));
  CHECK(std::filesystem::is_directory(dir.path() / "jetstream"));

  REQUIRE(nats.Stop().ok());
  CHECK_FALSE(nats.running());
  CHECK_FALSE(Accepts(port));

  REQUIRE(nats.Restart().ok());
  CHECK(nats.port() == port);
  CHECK(Accepts(port));

  nats.Kill();
  CHECK_FALSE(Accepts(port));
  REQUIRE(nats.Restart().ok());
  CHECK(Accepts(port));
}

TEST_CASE("RedisServer keeps acknowledged writes across kill -9 and restart") {
  TempDir dir;
  RedisServer redis;
  REQUIRE(redis.Start(dir.path()).ok());
  const int port = redis.port();
  CHECK(redis.url() == "redis://127.0.0.1:" + std::to_string(port) + "/0");
  CHECK(RedisCommand(port, "SET harness-key harness-value") == "+OK\r\n");

  redis.Kill();
  CHECK_FALSE(Accepts(port));
  REQUIRE(redis.Restart().ok());
  CHECK(RedisCommand(port, "GET harness-key") == "$13\r\nharness-value\r\n");
}

TEST_CASE("Start fails with a clear error when the data directory cannot be created") {
  TempDir dir;
  std::ofstream(dir.path() / "not-a-dir") << "x";
  RedisServer redis;
  const kensa::Status status = redis.Start(dir.path() / "not-a-dir" / "data");
  REQUIRE_FALSE(status.ok());
  CHECK(status.message().find("not-a-dir") != std::string::npos);
  CHECK_FALSE(redis.running());
}
