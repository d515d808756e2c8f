// kensa-static-analysis: the static stage as a JetStream worker (docs/pipeline.md).
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>

#include "kensa/pipeline/isolated_stages.h"
#include "kensa/admin_http/service_metrics.h"
#include "kensa/service_runtime/pipeline_connections.h"
#include "kensa/service_runtime/service_main.h"
#include "kensa/service_runtime/stage_worker.h"

int main(int argc, char** argv) {
  using namespace kensa;
  constexpr const char* kName = "kensa-static-analysis";
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) return service_runtime::Fatal(kName, config.error(), 2);
  static_analysis::StaticConfig static_config;
  static_config.rules_dir = config->rules_dir;
  std::vector<std::string> warnings;
  auto analyzer = static_analysis::StaticAnalyzer::Create(static_config, &warnings);
  if (!analyzer) return service_runtime::Fatal(kName, analyzer.error(), 8);
  for (const auto& warning : warnings) spdlog::warn("rules: {}", warning);
  auto connections = service_runtime::ConnectPipeline(*config);
  if (!connections) return service_runtime::Fatal(kName, connections.error());

  pipeline::Orchestrator orchestrator(*connections->store, *connections->blobs, *connections->bus,
                                      connections->config_version);
  pipeline::StageIsolation isolation;
  isolation.limits.timeout = std::chrono::seconds(config->analysis_timeout_seconds);
  isolation.limits.max_memory_bytes = config->analysis_memory_bytes;
  if (const char* marker = std::getenv("KENSA_FAULT_CRASH_MARKER")) isolation.crash_marker = marker;
  // With the sandbox stage on, Windows programs go on to sandbox-runner after this stage.
  pipeline::SandboxFilter sandbox_filter;
  if (config->sandbox) sandbox_filter = &sandbox::Sandbox::CanRun;
  pipeline::StaticStage stage(orchestrator, pipeline::IsolatedStaticAnalysis(**analyzer, isolation),
                              sandbox_filter);

  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::StageMetrics metrics(*registry);
  auto admin = service_runtime::StartAdmin(*config, registry, [&] { return connections->Ready(); });
  if (!admin) return service_runtime::Fatal(kName, admin.error());
  spdlog::info("{} replica={} threads={} admin={} yara_rules={} sandbox={} config_version={}", kName, config->replica,
               config->concurrency, (*admin)->port(), (*analyzer)->yara_rule_count(), config->sandbox,
               connections->config_version);

  std::atomic<bool> stop{false};
  service_runtime::StopOnSignals(&stop);
  service_runtime::StageWorkerOptions options;
  options.stage = pipeline::kStaticStage;
  options.threads = config->concurrency;
  options.runner.max_attempts = static_cast<std::uint64_t>(config->max_attempts);
  service_runtime::RunStageWorkers(*connections->bus, orchestrator,
                                   [&](const pipeline::v1::Task& task) { return stage.Run(task); }, options,
                                   metrics, stop);
  return 0;
}
