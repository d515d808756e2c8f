#include "kensa/service_runtime/stage_worker.h"

#include <csignal>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "kensa/pipeline/v1/task.pb.h"

namespace kensa::service_runtime {

namespace {

std::atomic<bool>* g_stop = nullptr;

extern "C" void HandleStopSignal(int) {
  if (g_stop != nullptr) g_stop->store(true);
}

void WorkerLoop(bus::Bus& bus, pipeline::Orchestrator& orchestrator, const pipeline::StageFunction& stage,
                const StageWorkerOptions& options, admin_http::StageMetrics& metrics,
                const std::atomic<bool>& stop) {
  while (!stop.load()) {
    auto delivery = bus.NextTask(options.stage, std::chrono::milliseconds(1000));
    if (!delivery) {
      spdlog::warn("stage={} cannot take tasks: {}", options.stage, delivery.error().message());
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      continue;
    }
    if (!*delivery) continue;
    pipeline::v1::Task task;
    (void)task.ParseFromString((*delivery)->data());
    const auto started = std::chrono::steady_clock::now();
    std::string error;
    const auto outcome = pipeline::RunDelivery(**delivery, orchestrator, stage, options.runner, &error);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    switch (outcome) {
      case pipeline::TaskOutcome::kDone:
        metrics.TaskDone(options.stage, seconds);
        spdlog::info("stage={} submission={} sha256={} done in {:.3f} s", options.stage, task.submission_id(),
                     task.sha256(), seconds);
        break;
      case pipeline::TaskOutcome::kRetried:
        metrics.TaskRetried(options.stage, seconds);
        spdlog::warn("stage={} submission={} sha256={} will be retried: {}", options.stage, task.submission_id(),
                     task.sha256(), error);
        break;
      case pipeline::TaskOutcome::kFailed:
        metrics.TaskFailed(options.stage, seconds);
        spdlog::error("stage={} submission={} sha256={} failed: {}", options.stage, task.submission_id(),
                      task.sha256(), error);
        break;
      case pipeline::TaskOutcome::kDeadLettered:
        metrics.TaskDead(options.stage);
        spdlog::error("stage={} submission={} sha256={} dead-lettered: {}", options.stage, task.submission_id(),
                      task.sha256(), error);
        break;
    }
  }
}

}  // namespace

void RunStageWorkers(bus::Bus& bus, pipeline::Orchestrator& orchestrator, const pipeline::StageFunction& stage,
                     const StageWorkerOptions& options, admin_http::StageMetrics& metrics,
                     const std::atomic<bool>& stop) {
  std::vector<std::thread> threads;
  for (int i = 0; i < options.threads; ++i) {
    threads.emplace_back([&] { WorkerLoop(bus, orchestrator, stage, options, metrics, stop); });
  }
  // The backlog gauges are refreshed here, on the caller's thread, every few seconds.
  while (!stop.load()) {
    if (auto backlog = bus.Backlog(options.stage)) {
      for (int priority = 1; priority <= bus::kPriorityCount; ++priority) {
        const auto index = static_cast<std::size_t>(priority - 1);
        metrics.SetConsumerBacklog(options.stage, priority, backlog->waiting[index], backlog->unacked[index]);
      }
    }
    for (int i = 0; i < 20 && !stop.load(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  for (auto& thread : threads) thread.join();
}

void StopOnSignals(std::atomic<bool>* stop) {
  g_stop = stop;
  std::signal(SIGTERM, HandleStopSignal);
  std::signal(SIGINT, HandleStopSignal);
}

}  // namespace kensa::service_runtime
