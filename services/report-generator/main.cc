// kensa-report-generator: the report stage as a JetStream worker, and the Reports gRPC service
// that renders finished reports (docs/pipeline.md).
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>

#include "kensa/admin_http/admin_server.h"
#include "kensa/admin_http/service_metrics.h"
#include "kensa/pipeline/stages.h"
#include "kensa/scoring/scoring_model.h"
#include "kensa/service_runtime/pipeline_connections.h"
#include "kensa/service_runtime/service_config.h"
#include "kensa/service_runtime/stage_worker.h"
#include "reports_service.h"

int main(int argc, char** argv) {
  using namespace kensa;
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) {
    spdlog::critical("kensa-report-generator: {}", config.error().message());
    return 2;
  }
  if (config->grpc_port == 0) config->grpc_port = 50052;
  auto model = scoring::LoadScoringModel(config->rules_dir + "/scoring/model.yaml");
  if (!model) {
    spdlog::critical("kensa-report-generator: {}", model.error().message());
    return 8;
  }
  auto connections = service_runtime::ConnectPipeline(*config);
  if (!connections) {
    spdlog::critical("kensa-report-generator: {}", connections.error().message());
    return 1;
  }
  pipeline::Orchestrator orchestrator(*connections->store, *connections->blobs, *connections->bus,
                                      connections->config_version);
  pipeline::ReportStage stage(orchestrator, *model);
  report_generator::ReportsService service(orchestrator, *connections->store);

  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::StageMetrics metrics(*registry);
  auto admin = admin_http::AdminServer::Start(
      {config->listen_host, config->admin_port, registry, [&] { return connections->Ready(); }});
  if (!admin) {
    spdlog::critical("kensa-report-generator: {}", admin.error().message());
    return 1;
  }
  grpc::ServerBuilder builder;
  const std::string address = config->listen_host + ":" + std::to_string(config->grpc_port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials());
  builder.SetMaxSendMessageSize(64 << 20);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    spdlog::critical("kensa-report-generator: cannot listen on {}", address);
    return 1;
  }
  spdlog::info("kensa-report-generator replica={} grpc={} admin={} config_version={}", config->replica, address,
               (*admin)->port(), connections->config_version);

  std::atomic<bool> stop{false};
  service_runtime::StopOnSignals(&stop);
  service_runtime::StageWorkerOptions options;
  options.stage = pipeline::kReportStage;
  options.threads = config->concurrency;
  options.runner.max_attempts = static_cast<std::uint64_t>(config->max_attempts);
  service_runtime::RunStageWorkers(*connections->bus, orchestrator,
                                   [&](const pipeline::v1::Task& task) { return stage.Run(task); }, options,
                                   metrics, stop);
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return 0;
}
