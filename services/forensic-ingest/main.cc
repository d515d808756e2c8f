// kensa-forensic-ingest: the forensic stage as a JetStream worker (docs/pipeline.md,
// "Collections"): hunts host collections in a forked child and stores their hunt reports.
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdlib>

#include "isolated_hunt.h"
#include "kensa/admin_http/service_metrics.h"
#include "kensa/pipeline/config_version.h"
#include "kensa/service_runtime/pipeline_connections.h"
#include "kensa/service_runtime/service_main.h"
#include "kensa/service_runtime/stage_worker.h"

int main(int argc, char** argv) {
  using namespace kensa;
  constexpr const char* kName = "kensa-forensic-ingest";
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) return service_runtime::Fatal(kName, config.error(), 2);
  hunt::CollectionHunterConfig hunter_config;
  hunter_config.rules_dir = config->rules_dir;
  hunter_config.extra_sigma_dirs = config->sigma_rules_dirs;
  if (!config->collection_key_file.empty()) {
    auto keys = collection::LoadPrivateKeys(config->collection_key_file);
    if (!keys) return service_runtime::Fatal(kName, keys.error(), 2);
    hunter_config.private_keys_pem = std::move(*keys);
  }
  std::vector<std::string> warnings;
  auto hunter = hunt::CollectionHunter::Create(hunter_config, &warnings);
  if (!hunter) return service_runtime::Fatal(kName, hunter.error(), 8);
  for (const auto& warning : warnings) spdlog::warn("rules: {}", warning);
  auto connections = service_runtime::ConnectPipeline(*config);
  if (!connections) return service_runtime::Fatal(kName, connections.error());

  pipeline::PipelineLimits limits;
  limits.max_collection_bytes = config->max_collection_bytes;
  // Stored hunts are keyed by every rule that made them, the extra Sigma folders included.
  std::vector<std::string> rule_dirs = {config->rules_dir};
  rule_dirs.insert(rule_dirs.end(), config->sigma_rules_dirs.begin(),
                   config->sigma_rules_dirs.end());
  auto config_version = pipeline::RulesConfigVersion(rule_dirs);
  if (!config_version) return service_runtime::Fatal(kName, config_version.error(), 8);
  pipeline::Orchestrator orchestrator(*connections->store, *connections->blobs, *connections->bus,
                                      *config_version, limits);
  forensic_ingest::IsolatedHuntOptions isolation;
  isolation.limits.timeout = std::chrono::seconds(config->analysis_timeout_seconds);
  isolation.limits.max_memory_bytes = config->analysis_memory_bytes;
  if (const char* marker = std::getenv("KENSA_FAULT_CRASH_MARKER")) isolation.crash_marker = marker;
  pipeline::ForensicStage stage(orchestrator, forensic_ingest::IsolatedHunt(**hunter, isolation),
                                forensic_ingest::IsolatedSweep(**hunter, isolation));

  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::StageMetrics metrics(*registry);
  auto admin = service_runtime::StartAdmin(*config, registry, [&] { return connections->Ready(); });
  if (!admin) return service_runtime::Fatal(kName, admin.error());
  spdlog::info("{} replica={} threads={} admin={} sigma_rules={} host_checks={} config_version={}",
               kName, config->replica, config->concurrency, (*admin)->port(),
               (*hunter)->sigma_rule_count(), (*hunter)->host_check_count(),
               connections->config_version);

  std::atomic<bool> stop{false};
  service_runtime::StopOnSignals(&stop);
  service_runtime::StageWorkerOptions options;
  options.stage = pipeline::kForensicStage;
  options.threads = config->concurrency;
  options.runner.max_attempts = static_cast<std::uint64_t>(config->max_attempts);
  service_runtime::RunStageWorkers(
      *connections->bus, orchestrator,
      [&](const pipeline::v1::Task& task) { return stage.Run(task); }, options, metrics, stop);
  return 0;
}
