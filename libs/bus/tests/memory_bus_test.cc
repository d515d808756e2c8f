#include <catch2/catch.hpp>

#include "kensa/bus/bus.h"

using namespace std::chrono_literals;

TEST_CASE("task subjects name the stage and clamp the priority") {
  CHECK(kensa::bus::TaskSubject("static", 2) == "kensa.task.static.p2");
  CHECK(kensa::bus::TaskSubject("report", 9) == "kensa.task.report.p4");
  CHECK(kensa::bus::TaskSubject("report", 0) == "kensa.task.report.p1");
  CHECK(kensa::bus::SubmissionEventSubject("failed") == "kensa.event.submission.failed");
}

TEST_CASE("the memory bus delivers the highest priority first") {
  kensa::bus::MemoryBus bus;
  REQUIRE(bus.PublishTask("kensa.task.static.p4", "low", "").ok());
  REQUIRE(bus.PublishTask("kensa.task.static.p1", "urgent", "").ok());
  REQUIRE(bus.PublishTask("kensa.task.report.p1", "other stage", "").ok());
  auto first = bus.NextTask("static", 0ms);
  REQUIRE(first.has_value());
  REQUIRE(*first);
  CHECK((*first)->data() == "urgent");
  REQUIRE((*first)->Ack().ok());
  auto second = bus.NextTask("static", 0ms);
  REQUIRE(*second);
  CHECK((*second)->data() == "low");
  REQUIRE((*second)->Ack().ok());
  auto none = bus.NextTask("static", 5ms);
  REQUIRE(none.has_value());
  CHECK(*none == nullptr);
}

TEST_CASE("a nacked or dropped delivery comes back with its delivery count raised") {
  kensa::bus::MemoryBus bus;
  REQUIRE(bus.PublishTask("kensa.task.static.p3", "t", "").ok());
  {
    auto delivery = bus.NextTask("static", 0ms);
    CHECK((*delivery)->deliveries() == 1);
    REQUIRE((*delivery)->Nak(0ms).ok());
  }
  {
    auto delivery = bus.NextTask("static", 0ms);
    CHECK((*delivery)->deliveries() == 2);
    auto backlog = bus.Backlog("static");
    CHECK(backlog->unacked[2] == 1);
    // dropped without settling: like a worker that crashed
  }
  auto delivery = bus.NextTask("static", 0ms);
  REQUIRE(*delivery);
  CHECK((*delivery)->deliveries() == 3);
  REQUIRE((*delivery)->Ack().ok());
  CHECK_FALSE((*delivery)->Ack().ok());
  auto backlog = bus.Backlog("static");
  CHECK(backlog->waiting[2] == 0);
  CHECK(backlog->unacked[2] == 0);
}

TEST_CASE("publishes with the same dedup id store one message") {
  kensa::bus::MemoryBus bus;
  REQUIRE(bus.PublishTask("kensa.task.report.p2", "r", "root-1:report").ok());
  REQUIRE(bus.PublishTask("kensa.task.report.p2", "r", "root-1:report").ok());
  REQUIRE(bus.PublishEvent(kensa::bus::kReportReadySubject, "e", "root-1:ready").ok());
  REQUIRE(bus.PublishEvent(kensa::bus::kReportReadySubject, "e", "root-1:ready").ok());
  CHECK(bus.Backlog("report")->waiting[1] == 1);
  CHECK(bus.Events().size() == 1);
  REQUIRE(bus.PublishTask(kensa::bus::kDeadLetterSubject, "d", "").ok());
  CHECK(bus.DeadLetters().size() == 1);
}
