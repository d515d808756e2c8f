#include "kensa/admin_http/admin_server.h"

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/registry.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

namespace kensa::admin_http {
namespace {

httplib::Result Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(std::chrono::seconds(2));
  client.set_read_timeout(std::chrono::seconds(5));
  return client.Get(path.c_str());
}

std::unique_ptr<AdminServer> StartOrFail(const AdminServerConfig& config) {
  Result<std::unique_ptr<AdminServer>> server = AdminServer::Start(config);
  INFO((server ? std::string() : server.error().ToString()));
  REQUIRE(server.has_value());
  return std::move(server).value();
}

TEST_CASE("GET /metrics serves a counter with its exact labels and value") {
  auto registry = std::make_shared<prometheus::Registry>();
  auto& samples = prometheus::BuildCounter()
                      .Name("kensa_samples_received_total")
                      .Help("Samples received")
                      .Register(*registry);
  samples.Add({{"source", "upload"}, {"kind", "pe"}}).Increment(3);
  AdminServerConfig config;
  config.registry = registry;
  auto server = StartOrFail(config);
  REQUIRE(server->port() > 0);

  httplib::Result response = Get(server->port(), "/metrics");
  REQUIRE(response);
  CHECK(response->status == 200);
  CHECK(response->get_header_value("Content-Type") == "text/plain; version=0.0.4");
  CHECK(response->body.find("# TYPE kensa_samples_received_total counter\n") != std::string::npos);
  CHECK(response->body.find("\nkensa_samples_received_total{kind=\"pe\",source=\"upload\"} 3\n") !=
        std::string::npos);

  // The exposition is collected on every request, not cached.
  samples.Add({{"source", "upload"}, {"kind", "pe"}}).Increment();
  httplib::Result again = Get(server->port(), "/metrics");
  REQUIRE(again);
  CHECK(again->body.find("kensa_samples_received_total{kind=\"pe\",source=\"upload\"} 4\n") !=
        std::string::npos);
}

TEST_CASE("GET /healthz answers 200 ok and an unknown path 404") {
  auto server = StartOrFail({});
  httplib::Result health = Get(server->port(), "/healthz");
  REQUIRE(health);
  CHECK(health->status == 200);
  CHECK(health->body == "ok");

  httplib::Result unknown = Get(server->port(), "/admin");
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
}

TEST_CASE("GET /readyz answers 503 with the readiness message until the service is ready") {
  std::mutex mutex;
  Status readiness = UnavailableError("not connected to nats://127.0.0.1:4222");
  AdminServerConfig config;
  config.readiness = [&] {
    std::lock_guard<std::mutex> lock(mutex);
    return readiness;
  };
  auto server = StartOrFail(config);

  httplib::Result not_ready = Get(server->port(), "/readyz");
  REQUIRE(not_ready);
  CHECK(not_ready->status == 503);
  CHECK(not_ready->body == "not connected to nats://127.0.0.1:4222");

  {
    std::lock_guard<std::mutex> lock(mutex);
    readiness = Status::Ok();
  }
  httplib::Result ready = Get(server->port(), "/readyz");
  REQUIRE(ready);
  CHECK(ready->status == 200);
  CHECK(ready->body == "ready");
}

TEST_CASE("a readiness check that throws makes /readyz answer 503 with the exception") {
  AdminServerConfig config;
  config.readiness = []() -> Status { throw std::runtime_error("store handle closed"); };
  auto server = StartOrFail(config);
  httplib::Result response = Get(server->port(), "/readyz");
  REQUIRE(response);
  CHECK(response->status == 503);
  CHECK(response->body == "readiness check threw: store handle closed");
}

TEST_CASE("after Stop the port refuses connections") {
  auto server = StartOrFail({});
  const int port = server->port();
  REQUIRE(Get(port, "/healthz"));
  server->Stop();
  httplib::Result after = Get(port, "/healthz");
  CHECK_FALSE(after);
  CHECK(after.error() == httplib::Error::Connection);
  server->Stop();  // idempotent
}

TEST_CASE("Stop returns promptly while a scraper holds a keep-alive connection") {
  auto server = StartOrFail({});
  httplib::Client scraper("127.0.0.1", server->port());
  scraper.set_keep_alive(true);
  REQUIRE(scraper.Get("/metrics"));
  const auto start = std::chrono::steady_clock::now();
  server->Stop();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("Stop right after Start returns") {
  for (int i = 0; i < 20; ++i) {
    auto server = StartOrFail({});
    server->Stop();
  }
}

TEST_CASE("two servers run side by side on different ports") {
  auto first_registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("kensa_first_total").Help("x").Register(*first_registry).Add({});
  auto second_registry = std::make_shared<prometheus::Registry>();
  prometheus::BuildCounter().Name("kensa_second_total").Help("x").Register(*second_registry).Add({});
  AdminServerConfig first_config;
  first_config.registry = first_registry;
  AdminServerConfig second_config;
  second_config.registry = second_registry;
  auto first = StartOrFail(first_config);
  auto second = StartOrFail(second_config);
  REQUIRE(first->port() != second->port());

  httplib::Result from_first = Get(first->port(), "/metrics");
  httplib::Result from_second = Get(second->port(), "/metrics");
  REQUIRE(from_first);
  REQUIRE(from_second);
  CHECK(from_first->body.find("kensa_first_total 0") != std::string::npos);
  CHECK(from_first->body.find("kensa_second_total") == std::string::npos);
  CHECK(from_second->body.find("kensa_second_total 0") != std::string::npos);
}

TEST_CASE("a port already in use fails with a message naming host and port") {
  auto taken = StartOrFail({});
  AdminServerConfig config;
  config.port = taken->port();
  Result<std::unique_ptr<AdminServer>> second = AdminServer::Start(config);
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code() == StatusCode::kUnavailable);
  CHECK(second.error().message() == "admin server cannot listen on 127.0.0.1:" +
                                        std::to_string(taken->port()) +
                                        ": Address already in use");
}

TEST_CASE("a port outside 0..65535 is refused") {
  AdminServerConfig config;
  config.port = 70000;
  Result<std::unique_ptr<AdminServer>> server = AdminServer::Start(config);
  REQUIRE_FALSE(server.has_value());
  CHECK(server.error().message() == "admin server port out of range: 127.0.0.1:70000");
}

}  // namespace
}  // namespace kensa::admin_http
