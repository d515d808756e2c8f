// kensa-intake: the Intake gRPC service (docs/pipeline.md). Reads config, connects, serves.
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "intake_service.h"
#include "kensa/admin_http/service_metrics.h"
#include "kensa/service_runtime/pipeline_connections.h"
#include "kensa/service_runtime/service_main.h"

int main(int argc, char** argv) {
  using namespace kensa;
  constexpr const char* kName = "kensa-intake";
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) return service_runtime::Fatal(kName, config.error(), 2);
  if (config->grpc_port == 0) config->grpc_port = 50051;
  auto connections = service_runtime::ConnectPipeline(*config);
  if (!connections) return service_runtime::Fatal(kName, connections.error());

  pipeline::PipelineLimits limits;
  limits.max_collection_bytes = config->max_collection_bytes;
  pipeline::Orchestrator orchestrator(*connections->store, *connections->blobs, *connections->bus,
                                      connections->config_version, limits);
  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::IntakeMetrics metrics(*registry);
  intake::IntakeService service(orchestrator, *connections->store,
                                {.max_upload_bytes = config->max_upload_bytes,
                                 .max_collection_bytes = config->max_collection_bytes},
                                &metrics);
  auto admin = service_runtime::StartAdmin(*config, registry, [&] { return connections->Ready(); });
  if (!admin) return service_runtime::Fatal(kName, admin.error());
  // Uploads arrive in 1 MiB chunks; 8 MiB leaves room for any client's chunking.
  auto server = service_runtime::StartGrpcServer(*config, config->grpc_port, {&service}, 8 << 20);
  if (!server) return service_runtime::Fatal(kName, server.error());
  spdlog::info("{} replica={} grpc={}:{} admin={} config_version={}", kName, config->replica, config->listen_host,
               config->grpc_port, (*admin)->port(), connections->config_version);

  service_runtime::WaitForStopSignal();
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
}
