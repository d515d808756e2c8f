#pragma once
// How a delivered task is settled, the same way in every driver: success is acked after the
// result is stored; "try again later" (a store or the bus is unavailable) is nacked with a
// backoff; any other error fails the submission with its reason, dead-letters the task and
// acks it. A task delivered more than max_attempts times (its worker crashed or was killed
// each time) is dead-lettered without running it again.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "kensa/bus/bus.h"
#include "kensa/core/status.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/pipeline/v1/task.pb.h"

namespace kensa::pipeline {

struct TaskRunnerOptions {
  std::uint64_t max_attempts = 4;
  std::chrono::milliseconds retry_delay{2000};
};

enum class TaskOutcome { kDone, kRetried, kFailed, kDeadLettered };
const char* TaskOutcomeName(TaskOutcome outcome);

using StageFunction = std::function<Status(const pipeline::v1::Task& task)>;

// Runs `stage` on one delivery and settles it. Never throws; an exception from `stage` is a
// failure with its message.
TaskOutcome RunDelivery(bus::Delivery& delivery, Orchestrator& orchestrator, const StageFunction& stage,
                        const TaskRunnerOptions& options, std::string* error = nullptr);

}  // namespace kensa::pipeline
