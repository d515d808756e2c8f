#include "kensa/admin_http/service_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <string>

namespace kensa::admin_http {
namespace {

// Stage run times range from a hash of a small file to a sandbox run of two minutes.
const prometheus::Histogram::BucketBoundaries& StageDurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};
  return buckets;
}

const prometheus::Histogram::BucketBoundaries& HttpDurationBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

std::string PriorityLabel(int priority) { return "p" + std::to_string(std::clamp(priority, 1, 4)); }

}  // namespace

IntakeMetrics::IntakeMetrics(prometheus::Registry& registry)
    : submissions_(&prometheus::BuildCounter()
                        .Name("kensa_submissions_total")
                        .Help("Root submissions by result (queued, deduplicated, rejected)")
                        .Register(registry)),
      // Samples range from a 1 KiB script to a 256 MiB installer.
      bytes_(&prometheus::BuildHistogram()
                  .Name("kensa_submission_bytes")
                  .Help("Size of accepted submissions")
                  .Register(registry)
                  .Add({}, prometheus::Histogram::BucketBoundaries{1024, 16384, 262144, 1048576, 4194304,
                                                                   16777216, 67108864, 268435456})) {}

void IntakeMetrics::Admitted(bool deduplicated, std::uint64_t bytes) {
  submissions_->Add({{"result", deduplicated ? "deduplicated" : "queued"}}).Increment();
  bytes_->Observe(static_cast<double>(bytes));
}

void IntakeMetrics::Rejected() { submissions_->Add({{"result", "rejected"}}).Increment(); }

StageMetrics::StageMetrics(prometheus::Registry& registry)
    : tasks_(&prometheus::BuildCounter()
                  .Name("kensa_tasks_total")
                  .Help("Tasks handled by a stage, by outcome (done, failed, retried, dead)")
                  .Register(registry)),
      stage_duration_(&prometheus::BuildHistogram()
                           .Name("kensa_stage_duration_seconds")
                           .Help("Time a stage spent on one task")
                           .Register(registry)),
      consumer_pending_(&prometheus::BuildGauge()
                             .Name("kensa_consumer_pending")
                             .Help("Tasks waiting for a stage, by priority")
                             .Register(registry)),
      consumer_unacked_(&prometheus::BuildGauge()
                             .Name("kensa_consumer_unacked")
                             .Help("Tasks delivered to a stage and not yet acknowledged")
                             .Register(registry)) {}

void StageMetrics::TaskDone(std::string_view stage, double seconds) {
  CountTask(stage, "done");
  ObserveDuration(stage, seconds);
}

void StageMetrics::TaskFailed(std::string_view stage, double seconds) {
  CountTask(stage, "failed");
  ObserveDuration(stage, seconds);
}

void StageMetrics::TaskRetried(std::string_view stage, double seconds) {
  CountTask(stage, "retried");
  ObserveDuration(stage, seconds);
}

void StageMetrics::TaskDead(std::string_view stage) { CountTask(stage, "dead"); }

void StageMetrics::SetConsumerBacklog(std::string_view stage, int priority,
                                      std::uint64_t pending, std::uint64_t unacked) {
  const prometheus::Labels labels = {{"stage", std::string(stage)},
                                     {"priority", PriorityLabel(priority)}};
  consumer_pending_->Add(labels).Set(static_cast<double>(pending));
  consumer_unacked_->Add(labels).Set(static_cast<double>(unacked));
}

void StageMetrics::CountTask(std::string_view stage, std::string_view outcome) {
  tasks_->Add({{"stage", std::string(stage)}, {"outcome", std::string(outcome)}}).Increment();
}

void StageMetrics::ObserveDuration(std::string_view stage, double seconds) {
  stage_duration_->Add({{"stage", std::string(stage)}}, StageDurationBuckets()).Observe(seconds);
}

HttpMetrics::HttpMetrics(prometheus::Registry& registry)
    : requests_(&prometheus::BuildCounter()
                     .Name("kensa_http_requests_total")
                     .Help("HTTP requests answered, by route template and status code")
                     .Register(registry)),
      request_duration_(&prometheus::BuildHistogram()
                             .Name("kensa_http_request_duration_seconds")
                             .Help("Time to answer one HTTP request, by route template")
                             .Register(registry)) {}

void HttpMetrics::RequestDone(std::string_view route, int code, double seconds) {
  requests_->Add({{"route", std::string(route)}, {"code", std::to_string(code)}}).Increment();
  request_duration_->Add({{"route", std::string(route)}}, HttpDurationBuckets()).Observe(seconds);
}

}  // namespace kensa::admin_http
