#pragma once
// The loop of a stage service (static-analysis, report-generator): N threads take tasks of one
// stage from the bus, highest priority first, run the stage and settle each task through
// pipeline::RunDelivery, counting outcomes in the stage metrics. Stops when `stop` is set;
// a task in progress finishes first.

#include <atomic>
#include <functional>
#include <string>

#include "kensa/admin_http/service_metrics.h"
#include "kensa/bus/bus.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/pipeline/task_runner.h"

namespace kensa::service_runtime {

struct StageWorkerOptions {
  std::string stage;
  int threads = 1;
  pipeline::TaskRunnerOptions runner;
};

// Runs until `stop` is true. Each thread gets its own Orchestrator-compatible context from
// `orchestrator` (which must be thread-safe: the NATS and Redis adapters are).
void RunStageWorkers(bus::Bus& bus, pipeline::Orchestrator& orchestrator, const pipeline::StageFunction& stage,
                     const StageWorkerOptions& options, admin_http::StageMetrics& metrics,
                     const std::atomic<bool>& stop);

// Sets `stop` on SIGTERM and SIGINT (Kubernetes sends SIGTERM before it kills a pod).
void StopOnSignals(std::atomic<bool>* stop);

}  // namespace kensa::service_runtime
