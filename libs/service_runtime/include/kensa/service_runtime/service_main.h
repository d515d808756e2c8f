#pragma once
// The few steps every service's main() takes, so that each main.cc reads as what the service
// is: load the configuration, start the admin endpoint, start a gRPC server, wait for SIGTERM.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "kensa/admin_http/admin_server.h"
#include "kensa/core/status.h"
#include "kensa/service_runtime/service_config.h"

namespace grpc {
class Server;
class Service;
}  // namespace grpc

namespace prometheus {
class Registry;
}  // namespace prometheus

namespace kensa::service_runtime {

// /metrics, /healthz and /readyz on config.listen_host:config.admin_port.
Result<std::unique_ptr<admin_http::AdminServer>> StartAdmin(const ServiceConfig& config,
                                                           std::shared_ptr<prometheus::Registry> registry,
                                                           std::function<Status()> readiness);

// A gRPC server with `services` on config.listen_host:port; messages up to max_message_bytes
// both ways.
Result<std::unique_ptr<grpc::Server>> StartGrpcServer(const ServiceConfig& config, int port,
                                                      const std::vector<grpc::Service*>& services,
                                                      int max_message_bytes);

// Blocks until SIGTERM or SIGINT.
void WaitForStopSignal();

// Logs "<service>: <message>" as critical and returns `exit_code`, for main()'s early exits.
int Fatal(const std::string& service, const Status& status, int exit_code = 1);

}  // namespace kensa::service_runtime
