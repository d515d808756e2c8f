#include "kensa/admin_http/service_metrics.h"

#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <catch2/catch.hpp>
#include <string>

namespace kensa::admin_http {
namespace {

std::string Exposition(const prometheus::Registry& registry) {
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

bool HasLine(const std::string& exposition, const std::string& line) {
  return ("\n" + exposition).find("\n" + line + "\n") != std::string::npos;
}

TEST_CASE("stage metrics count tasks by stage and outcome") {
  prometheus::Registry registry;
  StageMetrics metrics(registry);
  metrics.TaskDone("static", 0.2);
  metrics.TaskDone("static", 3.0);
  metrics.TaskFailed("static", 0.01);
  metrics.TaskRetried("yara", 0.5);
  metrics.TaskDead("yara");
  const std::string text = Exposition(registry);
  INFO(text);
  CHECK(HasLine(text, "# TYPE kensa_tasks_total counter"));
  CHECK(HasLine(text, R"(kensa_tasks_total{outcome="done",stage="static"} 2)"));
  CHECK(HasLine(text, R"(kensa_tasks_total{outcome="failed",stage="static"} 1)"));
  CHECK(HasLine(text, R"(kensa_tasks_total{outcome="retried",stage="yara"} 1)"));
  CHECK(HasLine(text, R"(kensa_tasks_total{outcome="dead",stage="yara"} 1)"));
}

TEST_CASE("stage durations fall into buckets from 5 ms to 120 s") {
  prometheus::Registry registry;
  StageMetrics metrics(registry);
  metrics.TaskDone("static", 0.2);
  metrics.TaskDone("static", 3.0);
  metrics.TaskFailed("static", 0.004);
  const std::string text = Exposition(registry);
  INFO(text);
  CHECK(HasLine(text, "# TYPE kensa_stage_duration_seconds histogram"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_count{stage="static"} 3)"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_sum{stage="static"} 3.204)"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_bucket{stage="static",le="0.005"} 1)"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_bucket{stage="static",le="0.25"} 2)"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_bucket{stage="static",le="2.5"} 2)"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_bucket{stage="static",le="5"} 3)"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_bucket{stage="static",le="120"} 3)"));
  CHECK(HasLine(text, R"(kensa_stage_duration_seconds_bucket{stage="static",le="+Inf"} 3)"));
}

TEST_CASE("consumer backlog gauges are set per stage and priority") {
  prometheus::Registry registry;
  StageMetrics metrics(registry);
  metrics.SetConsumerBacklog("static", 2, 7, 1);
  metrics.SetConsumerBacklog("static", 2, 5, 0);  // a later reading replaces the earlier one
  metrics.SetConsumerBacklog("static", 9, 4, 4);  // clamped to p4
  const std::string text = Exposition(registry);
  INFO(text);
  CHECK(HasLine(text, R"(kensa_consumer_pending{priority="p2",stage="static"} 5)"));
  CHECK(HasLine(text, R"(kensa_consumer_unacked{priority="p2",stage="static"} 0)"));
  CHECK(HasLine(text, R"(kensa_consumer_pending{priority="p4",stage="static"} 4)"));
}

TEST_CASE("http metrics count requests by route and code") {
  prometheus::Registry registry;
  HttpMetrics metrics(registry);
  metrics.RequestDone("/v1/submissions", 201, 0.03);
  metrics.RequestDone("/v1/submissions", 201, 0.002);
  metrics.RequestDone("/v1/reports/{sha256}", 404, 0.0005);
  const std::string text = Exposition(registry);
  INFO(text);
  CHECK(HasLine(text, R"(kensa_http_requests_total{code="201",route="/v1/submissions"} 2)"));
  CHECK(HasLine(text, R"(kensa_http_requests_total{code="404",route="/v1/reports/{sha256}"} 1)"));
  CHECK(HasLine(text,
                R"(kensa_http_request_duration_seconds_bucket{route="/v1/submissions",le="0.005"} 1)"));
  CHECK(HasLine(text,
                R"(kensa_http_request_duration_seconds_count{route="/v1/reports/{sha256}"} 1)"));
}

TEST_CASE("two StageMetrics on one registry share the same series") {
  prometheus::Registry registry;
  StageMetrics first(registry);
  StageMetrics second(registry);
  first.TaskDone("static", 0.1);
  second.TaskDone("static", 0.1);
  CHECK(HasLine(Exposition(registry), R"(kensa_tasks_total{outcome="done",stage="static"} 2)"));
}

}  // namespace
}  // namespace kensa::admin_http
