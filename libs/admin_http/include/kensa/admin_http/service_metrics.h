#pragma once
// The metrics every Kensa service exports, with one obvious call per event, so that every
// service names and labels them the same way (dashboards and alerts depend on these names):
//
//   kensa_tasks_total{stage,outcome}              counter; outcome done|failed|retried|dead
//   kensa_stage_duration_seconds{stage}           histogram of task run time, 5 ms .. 120 s
//   kensa_consumer_pending{stage,priority}        gauge; tasks waiting, priority "p1".."p4"
//   kensa_consumer_unacked{stage,priority}        gauge; tasks delivered, not yet acked
//   kensa_submissions_total{result}               counter; result queued|deduplicated|rejected
//   kensa_submission_bytes                        histogram of accepted upload sizes
//   kensa_http_requests_total{route,code}         counter
//   kensa_http_request_duration_seconds{route}    histogram, 1 ms .. 10 s
//
//   auto registry = std::make_shared<prometheus::Registry>();
//   kensa::admin_http::StageMetrics stage_metrics(*registry);
//   stage_metrics.TaskDone("static", 0.84);
//
// The registry must outlive the metrics objects. All methods are thread-safe.
// Labels must come from a small fixed set (stage names, route templates such as
// "/v1/submissions/{id}"), never from sample data or raw URLs: every distinct label value is a
// new time series.

#include <cstdint>
#include <string_view>

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace kensa::admin_http {

class StageMetrics {
 public:
  explicit StageMetrics(prometheus::Registry& registry);

  // A task finished and its result is stored.
  void TaskDone(std::string_view stage, double seconds);
  // A task failed for good (bad input); it is not retried.
  void TaskFailed(std::string_view stage, double seconds);
  // A task failed for a reason that may pass; it will be delivered again.
  void TaskRetried(std::string_view stage, double seconds);
  // A task kept failing and went to the dead-letter subject.
  void TaskDead(std::string_view stage);

  // Consumer backlog of `stage` at `priority` 1..4 (labelled "p1".."p4"; others are clamped).
  void SetConsumerBacklog(std::string_view stage, int priority, std::uint64_t pending,
                          std::uint64_t unacked);

 private:
  void CountTask(std::string_view stage, std::string_view outcome);
  void ObserveDuration(std::string_view stage, double seconds);

  prometheus::Family<prometheus::Counter>* tasks_;
  prometheus::Family<prometheus::Histogram>* stage_duration_;
  prometheus::Family<prometheus::Gauge>* consumer_pending_;
  prometheus::Family<prometheus::Gauge>* consumer_unacked_;
};

class IntakeMetrics {
 public:
  explicit IntakeMetrics(prometheus::Registry& registry);

  // A root submission was admitted: queued for analysis, or answered from stored results.
  void Admitted(bool deduplicated, std::uint64_t bytes);
  // A submission was refused (empty, too large, no tenant, a store down for too long).
  void Rejected();

 private:
  prometheus::Family<prometheus::Counter>* submissions_;
  prometheus::Histogram* bytes_;
};

class HttpMetrics {
 public:
  explicit HttpMetrics(prometheus::Registry& registry);

  // One answered request; `route` is the route template, `code` the HTTP status.
  void RequestDone(std::string_view route, int code, double seconds);

 private:
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Histogram>* request_duration_;
};

}  // namespace kensa::admin_http
