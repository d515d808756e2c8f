// kensa-report-generator: the report stage as a JetStream worker, and the Reports gRPC service
// that renders finished reports (docs/pipeline.md).
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>

#include "kensa/admin_http/service_metrics.h"
#include "kensa/pipeline/stages.h"
#include "kensa/scoring/scoring_model.h"
#include "kensa/service_runtime/pipeline_connections.h"
#include "kensa/service_runtime/service_main.h"
#include "kensa/service_runtime/stage_worker.h"
#include "reports_service.h"

int main(int argc, char** argv) {
  using namespace kensa;
  constexpr const char* kName = "kensa-report-generator";
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) return service_runtime::Fatal(kName, config.error(), 2);
  if (config->grpc_port == 0) config->grpc_port = 50052;
  auto model = scoring::LoadScoringModel(config->rules_dir + "/scoring/model.yaml");
  if (!model) return service_runtime::Fatal(kName, model.error(), 8);
  auto connections = service_runtime::ConnectPipeline(*config);
  if (!connections) return service_runtime::Fatal(kName, connections.error());

  pipeline::Orchestrator orchestrator(*connections->store, *connections->blobs, *connections->bus,
                                      connections->config_version);
  pipeline::ReportStage stage(orchestrator, *model);
  report_generator::ReportsService service(orchestrator, *connections->store);

  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::StageMetrics metrics(*registry);
  auto admin = service_runtime::StartAdmin(*config, registry, [&] { return connections->Ready(); });
  if (!admin) return service_runtime::Fatal(kName, admin.error());
  // A rendered report of a large archive tree can be several MiB.
  auto server = service_runtime::StartGrpcServer(*config, config->grpc_port, {&service}, 64 << 20);
  if (!server) return service_runtime::Fatal(kName, server.error());
  spdlog::info("{} replica={} grpc={}:{} admin={} config_version={}", kName, config->replica, config->listen_host,
               config->grpc_port, (*admin)->port(), connections->config_version);

  std::atomic<bool> stop{false};
  service_runtime::StopOnSignals(&stop);
  service_runtime::StageWorkerOptions options;
  options.stage = pipeline::kReportStage;
  options.threads = config->concurrency;
  options.runner.max_attempts = static_cast<std::uint64_t>(config->max_attempts);
  service_runtime::RunStageWorkers(*connections->bus, orchestrator,
                                   [&](const pipeline::v1::Task& task) { return stage.Run(task); }, options,
                                   metrics, stop);
  (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
}
