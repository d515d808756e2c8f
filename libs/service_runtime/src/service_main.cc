#include "kensa/service_runtime/service_main.h"

#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "kensa/service_runtime/stage_worker.h"

namespace kensa::service_runtime {

Result<std::unique_ptr<admin_http::AdminServer>> StartAdmin(const ServiceConfig& config,
                                                           std::shared_ptr<prometheus::Registry> registry,
                                                           std::function<Status()> readiness) {
  return admin_http::AdminServer::Start({config.listen_host, config.admin_port, std::move(registry), std::move(readiness)});
}

Result<std::unique_ptr<grpc::Server>> StartGrpcServer(const ServiceConfig& config, int port,
                                                      const std::vector<grpc::Service*>& services,
                                                      int max_message_bytes) {
  grpc::ServerBuilder builder;
  const std::string address = config.listen_host + ":" + std::to_string(port);
  int bound_port = 0;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  builder.SetMaxReceiveMessageSize(max_message_bytes);
  builder.SetMaxSendMessageSize(max_message_bytes);
  for (auto* service : services) builder.RegisterService(service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) return UnavailableError("cannot listen for gRPC on " + address);
  return server;
}

void WaitForStopSignal() {
  std::atomic<bool> stop{false};
  StopOnSignals(&stop);
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

int Fatal(const std::string& service, const Status& status, int exit_code) {
  spdlog::critical("{}: {}", service, status.message());
  return exit_code;
}

}  // namespace kensa::service_runtime
