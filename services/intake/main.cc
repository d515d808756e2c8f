// kensa-intake: the Intake gRPC service (docs/pipeline.md). Reads config, connects, serves.
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "intake_service.h"
#include "kensa/admin_http/admin_server.h"
#include "kensa/service_runtime/pipeline_connections.h"
#include "kensa/service_runtime/service_config.h"
#include "kensa/service_runtime/stage_worker.h"

int main(int argc, char** argv) {
  using namespace kensa;
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) {
    spdlog::critical("kensa-intake: {}", config.error().message());
    return 2;
  }
  if (config->grpc_port == 0) config->grpc_port = 50051;
  auto connections = service_runtime::ConnectPipeline(*config);
  if (!connections) {
    spdlog::critical("kensa-intake: {}", connections.error().message());
    return 1;
  }
  pipeline::Orchestrator orchestrator(*connections->store, *connections->blobs, *connections->bus,
                                      connections->config_version);
  intake::IntakeService service(orchestrator, *connections->store, {.max_upload_bytes = config->max_upload_bytes});

  auto registry = std::make_shared<prometheus::Registry>();
  auto admin = admin_http::AdminServer::Start(
      {config->listen_host, config->admin_port, registry, [&] { return connections->Ready(); }});
  if (!admin) {
    spdlog::critical("kensa-intake: {}", admin.error().message());
    return 1;
  }

  grpc::ServerBuilder builder;
  const std::string address = config->listen_host + ":" + std::to_string(config->grpc_port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.SetMaxReceiveMessageSize(8 << 20);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::critical("kensa-intake: cannot listen on {}", address);
    return 1;
  }
  spdlog::info("kensa-intake replica={} grpc={} admin={} config_version={}", config->replica, address,
               (*admin)->port(), connections->config_version);

  std::atomic<bool> stop{false};
  service_runtime::StopOnSignals(&stop);
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
}
