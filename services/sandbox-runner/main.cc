// kensa-sandbox-runner: the sandbox stage as a JetStream worker (docs/pipeline.md): Windows
// programs emulated (libs/sandbox over libs/emulator) in a forked child per run.
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
  constexpr const char* kName = "kensa-sandbox-runner";
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) return service_runtime::Fatal(kName, config.error(), 2);
  sandbox::SandboxConfig sandbox_config;
  sandbox_config.rules_dir = config->rules_dir;
  sandbox_config.emulation.limits.timeout_ms = static_cast<std::uint32_t>(config->emulation_timeout_seconds) * 1000;
  sandbox_config.emulation.limits.max_instructions = config->emulation_max_instructions;
  sandbox_config.emulation.environment.locale = config->emulation_locale;
  std::vector<std::string> warnings;
  auto sandbox = sandbox::Sandbox::Create(sandbox_config, &warnings);
  if (!sandbox) return service_runtime::Fatal(kName, sandbox.error(), 8);
  for (const auto& warning : warnings) spdlog::warn("rules: {}", warning);
  auto connections = service_runtime::ConnectPipeline(*config);
  if (!connections) return service_runtime::Fatal(kName, connections.error());

  pipeline::Orchestrator orchestrator(*connections->store, *connections->blobs, *connections->bus,
                                      connections->config_version);
  pipeline::StageIsolation isolation;
  // The emulator stops itself at its own clock; the child's limit only catches a run that
  // cannot stop (a unicorn bug), so it leaves room for loading and YARA after the clock.
  isolation.limits.timeout = std::chrono::seconds(config->emulation_timeout_seconds + 30);
  isolation.limits.max_memory_bytes = config->analysis_memory_bytes;
  if (const char* marker = std::getenv("KENSA_FAULT_CRASH_MARKER")) isolation.crash_marker = marker;
  pipeline::SandboxStage stage(orchestrator, pipeline::IsolatedSandbox(**sandbox, isolation));

  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::StageMetrics metrics(*registry);
  auto admin = service_runtime::StartAdmin(*config, registry, [&] { return connections->Ready(); });
  if (!admin) return service_runtime::Fatal(kName, admin.error());
  spdlog::info("{} replica={} threads={} admin={} behavior_rules={} yara_rules={} locale={} config_version={}", kName,
               config->replica, config->concurrency, (*admin)->port(), (*sandbox)->behavior_rule_count(),
               (*sandbox)->yara_rule_count(), config->emulation_locale, connections->config_version);

  std::atomic<bool> stop{false};
  service_runtime::StopOnSignals(&stop);
  service_runtime::StageWorkerOptions options;
  options.stage = pipeline::kSandboxStage;
  options.threads = config->concurrency;
  options.runner.max_attempts = static_cast<std::uint64_t>(config->max_attempts);
  service_runtime::RunStageWorkers(*connections->bus, orchestrator,
                                   [&](const pipeline::v1::Task& task) { return stage.Run(task); }, options,
                                   metrics, stop);
  return 0;
}
