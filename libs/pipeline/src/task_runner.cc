#include "kensa/pipeline/task_runner.h"

#include <exception>

#include "kensa/core/time.h"

namespace kensa::pipeline {

const char* TaskOutcomeName(TaskOutcome outcome) {
  switch (outcome) {
    case TaskOutcome::kDone: return "done";
    case TaskOutcome::kRetried: return "retried";
    case TaskOutcome::kFailed: return "failed";
    case TaskOutcome::kDeadLettered: return "dead";
  }
  return "unknown";
}

namespace {

Status PublishDeadLetter(Orchestrator& orchestrator, const pipeline::v1::Task& task, const std::string& reason,
                         std::uint64_t deliveries) {
  pipeline::v1::DeadLetter letter;
  *letter.mutable_task() = task;
  letter.set_reason(reason);
  letter.set_deliveries(deliveries);
  letter.set_at(NowRfc3339());
  return orchestrator.bus().PublishTask(bus::kDeadLetterSubject, letter.SerializeAsString(),
                                        task.submission_id() + ":" + task.stage() + ":dead");
}

// Fails the task's submission and dead-letters the task. Returns false when the state could
// not be written (the caller then retries the whole delivery later).
bool FailTask(Orchestrator& orchestrator, const pipeline::v1::Task& task, const std::string& reason,
              std::uint64_t deliveries, std::string* error) {
  auto submission = orchestrator.LoadSubmission(task.submission_id());
  if (!submission) {
    if (error) *error = submission.error().message();
    return false;
  }
  if (*submission) {
    const Status failed = orchestrator.FailNode(**submission, reason);
    if (!failed.ok()) {
      if (error) *error = failed.message();
      return false;
    }
  }
  const Status published = PublishDeadLetter(orchestrator, task, reason, deliveries);
  if (!published.ok()) {
    if (error) *error = published.message();
    return false;
  }
  return true;
}

}  // namespace

TaskOutcome RunDelivery(bus::Delivery& delivery, Orchestrator& orchestrator, const StageFunction& stage,
                        const TaskRunnerOptions& options, std::string* error) {
  pipeline::v1::Task task;
  if (!task.ParseFromString(delivery.data()) || task.submission_id().empty()) {
    if (error) *error = "task on " + delivery.subject() + " does not parse";
    (void)PublishDeadLetter(orchestrator, task, "task does not parse", delivery.deliveries());
    (void)delivery.Term();
    return TaskOutcome::kDeadLettered;
  }

  if (delivery.deliveries() > options.max_attempts) {
    const std::string reason = "gave up after " + std::to_string(options.max_attempts) + " attempts at the " +
                               task.stage() + " stage: the worker stopped (crashed or was killed) each time";
    if (error) *error = reason;
    if (!FailTask(orchestrator, task, reason, delivery.deliveries(), error)) {
      (void)delivery.Nak(options.retry_delay);
      return TaskOutcome::kRetried;
    }
    (void)delivery.Term();
    return TaskOutcome::kDeadLettered;
  }

  Status status;
  try {
    status = stage(task);
  } catch (const std::exception& exception) {
    status = InternalError(std::string("stage threw: ") + exception.what());
  } catch (...) {
    status = InternalError("stage threw an unknown exception");
  }

  if (status.ok()) {
    // If the ack is lost the task comes back and the stage, being idempotent, repeats itself.
    (void)delivery.Ack();
    return TaskOutcome::kDone;
  }
  if (error) *error = status.message();
  if (status.code() == StatusCode::kUnavailable) {
    (void)delivery.Nak(options.retry_delay);
    return TaskOutcome::kRetried;
  }
  if (!FailTask(orchestrator, task, status.message(), delivery.deliveries(), error)) {
    (void)delivery.Nak(options.retry_delay);
    return TaskOutcome::kRetried;
  }
  (void)delivery.Ack();
  return TaskOutcome::kFailed;
}

}  // namespace kensa::pipeline
