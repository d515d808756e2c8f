#pragma once
// AdminServer: the one admin HTTP port every Kensa service exposes, for Prometheus and for
// Kubernetes probes. It runs on its own threads and serves three routes:
//
//   GET /metrics   the registry in Prometheus text format 0.0.4
//                  (Content-Type "text/plain; version=0.0.4")
//   GET /healthz   200 "ok" while the process serves (liveness)
//   GET /readyz    200 "ready", or 503 with the readiness Status's message (readiness)
//
//   auto registry = std::make_shared<prometheus::Registry>();
//   kensa::admin_http::AdminServerConfig config;
//   config.port = 9090;
//   config.registry = registry;
//   config.readiness = [&] { return bus.Healthy(); };
//   KENSA_ASSIGN_OR_RETURN(auto admin, kensa::admin_http::AdminServer::Start(config));
//
// The admin port is for the cluster's network only; it has no authentication, so it binds to
// 127.0.0.1 unless told otherwise (a pod sets host "0.0.0.0").

#include <functional>
#include <memory>
#include <string>

#include "kensa/core/status.h"

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace kensa::admin_http {

struct AdminServerConfig {
  std::string host = "127.0.0.1";
  // 0 picks a free port; AdminServer::port() tells which.
  int port = 0;
  // Served on /metrics; null serves an empty exposition.
  std::shared_ptr<prometheus::Registry> registry;
  // Called on every GET /readyz from a server thread, so it must be thread-safe and quick.
  // Null means always ready.
  std::function<Status()> readiness;
};

class AdminServer {
 public:
  // Binds and starts serving before returning. Fails with kUnavailable naming host:port when
  // the address cannot be bound ("admin server cannot listen on 127.0.0.1:9090: Address
  // already in use").
  static Result<std::unique_ptr<AdminServer>> Start(const AdminServerConfig& config);

  AdminServer(const AdminServer&) = delete;
  AdminServer& operator=(const AdminServer&) = delete;
  ~AdminServer();  // Stops.

  // The port it listens on (the chosen one when started with port 0).
  int port() const;
  // Stops accepting, finishes the requests in flight and joins the server thread. Idempotent.
  // Takes at most about 2 s (the read timeout), when a client connected and sent nothing.
  void Stop();

 private:
  struct Impl;
  explicit AdminServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kensa::admin_http
