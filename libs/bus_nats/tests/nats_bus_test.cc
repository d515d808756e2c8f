#include "kensa/bus_nats/nats_bus.h"

#include <nats/nats.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "kensa/test_servers/test_servers.h"

namespace {

using kensa::StatusCode;
using kensa::bus::Delivery;
using kensa::bus::TaskSubject;
using kensa::bus_nats::NatsBus;
using kensa::bus_nats::NatsBusConfig;
using kensa::test_servers::NatsServer;
using kensa::test_servers::TempDir;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

milliseconds Since(Clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(Clock::now() - start);
}

constexpr milliseconds kTestRequestTimeout{15000};

struct NatsFixture {
  TempDir dir;
  NatsServer server;

  NatsFixture() {
    const kensa::Status started = server.Start(dir.path());
    INFO(started.ToString());
    REQUIRE(started.ok());
  }

  std::unique_ptr<NatsBus> Connect(NatsBusConfig config = {}) {
    config.url = server.url();
    // Stream creation fsyncs; on a busy shared disk that once took longer than the default 5 s.
    config.request_timeout = kTestRequestTimeout;
    auto bus = NatsBus::Connect(config);
    INFO((bus ? std::string("ok") : bus.error().ToString()));
    REQUIRE(bus);
    return std::move(*bus);
  }
};

std::unique_ptr<Delivery> Next(NatsBus& bus, const std::string& stage, milliseconds wait) {
  auto delivery = bus.NextTask(stage, wait);
  INFO((delivery ? std::string("ok") : delivery.error().ToString()));
  REQUIRE(delivery);
  return std::move(*delivery);
}

// Reads a stream with libnats directly, to check what NatsBus stored.
struct StreamReader {
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;

  explicit StreamReader(const std::string& url) {
    REQUIRE(natsConnection_ConnectTo(&connection, url.c_str()) == NATS_OK);
    REQUIRE(natsConnection_JetStream(&js, connection, nullptr) == NATS_OK);
  }
  ~StreamReader() {
    jsCtx_Destroy(js);
    natsConnection_Destroy(connection);
  }

  // Copies what the test needs out of jsStreamInfo.
  struct Info {
    std::uint64_t messages = 0;
    jsRetentionPolicy retention = js_LimitsPolicy;
    jsStorageType storage = js_MemoryStorage;
    int64_t max_age_ns = 0;
    int64_t duplicates_ns = 0;
  };
  Info Stream(const std::string& name) {
    jsStreamInfo* si = nullptr;
    REQUIRE(js_GetStreamInfo(&si, js, name.c_str(), nullptr, nullptr) == NATS_OK);
    Info info{si->State.Msgs, si->Config->Retention, si->Config->Storage, si->Config->MaxAge,
              si->Config->Duplicates};
    jsStreamInfo_Destroy(si);
    return info;
  }

  std::string LastData(const std::string& stream, const std::string& subject) {
    natsMsg* msg = nullptr;
    REQUIRE(js_GetLastMsg(&msg, js, stream.c_str(), subject.c_str(), nullptr, nullptr) == NATS_OK);
    std::string data(natsMsg_GetData(msg), static_cast<std::size_t>(natsMsg_GetDataLength(msg)));
    natsMsg_Destroy(msg);
    return data;
  }

  int64_t AckWaitNs(const std::string& consumer) {
    jsConsumerInfo* ci = nullptr;
    REQUIRE(js_GetConsumerInfo(&ci, js, "KENSA_TASKS", consumer.c_str(), nullptr, nullptr) == NATS_OK);
    const int64_t ack_wait = ci->Config->AckWait;
    jsConsumerInfo_Destroy(ci);
    return ack_wait;
  }
};

}  // namespace

TEST_CASE("Connect creates a work-queue task stream and a limits event stream on disk") {
  NatsFixture nats;
  auto bus = nats.Connect();
  StreamReader reader(nats.server.url());

  const auto tasks = reader.Stream("KENSA_TASKS");
  CHECK(tasks.retention == js_WorkQueuePolicy);
  CHECK(tasks.storage == js_FileStorage);
  CHECK(tasks.duplicates_ns == 600'000'000'000);  // 10 minutes
  const auto events = reader.Stream("KENSA_EVENTS");
  CHECK(events.retention == js_LimitsPolicy);
  CHECK(events.storage == js_FileStorage);
  CHECK(events.max_age_ns == 7LL * 24 * 3600 * 1'000'000'000);
}

TEST_CASE("Connect fails with Unavailable when no server listens") {
  NatsBusConfig config;
  auto port = kensa::test_servers::PickFreePort();
  REQUIRE(port);
  config.url = "nats://127.0.0.1:" + std::to_string(*port);
  config.connect_timeout = milliseconds(500);
  const auto start = Clock::now();
  auto bus = NatsBus::Connect(config);
  REQUIRE_FALSE(bus);
  CHECK(bus.error().code() == StatusCode::kUnavailable);
  CHECK(Since(start) < milliseconds(3000));
}

TEST_CASE("Connect rejects a configuration JetStream would refuse") {
  NatsBusConfig config;
  config.tasks_stream = "KENSA.TASKS";
  CHECK(NatsBus::Connect(config).error().code() == StatusCode::kInvalidArgument);
  config = {};
  config.events_max_age = std::chrono::minutes(1);  // shorter than the 10 min dedup window
  CHECK(NatsBus::Connect(config).error().code() == StatusCode::kInvalidArgument);
  config = {};
  config.max_deliver = 0;
  CHECK(NatsBus::Connect(config).error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Replicas connecting at once all succeed and share the consumers") {
  NatsFixture nats;
  std::vector<std::thread> replicas;
  std::mutex mutex;
  std::vector<std::string> failures;
  auto fail = [&](const kensa::Status& status) {
    std::lock_guard lock(mutex);
    failures.push_back(status.ToString());
  };
  for (int i = 0; i < 4; ++i) {
    replicas.emplace_back([&] {
      NatsBusConfig config;
      config.url = nats.server.url();
      config.request_timeout = kTestRequestTimeout;
      auto bus = NatsBus::Connect(config);
      if (!bus) return fail(bus.error());
      auto backlog = (*bus)->Backlog("static");
      if (!backlog) return fail(backlog.error());
      auto next = (*bus)->NextTask("static", milliseconds(0));
      if (!next) return fail(next.error());
    });
  }
  for (auto& replica : replicas) replica.join();
  CHECK(failures == std::vector<std::string>{});

  // A replica with a new ack wait updates the consumers instead of failing.
  NatsBusConfig config;
  config.ack_wait = std::chrono::seconds(30);
  auto bus = nats.Connect(config);
  REQUIRE((*bus).Backlog("static"));
  StreamReader reader(nats.server.url());
  CHECK(reader.AckWaitNs("static-p1") == 30'000'000'000);
}

TEST_CASE("A p1 task is delivered before an older p4 task") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishTask(TaskSubject("static", 4), "low", "").ok());
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "high", "").ok());
  REQUIRE(bus->PublishTask(TaskSubject("static", 3), "middle", "").ok());

  auto first = Next(*bus, "static", milliseconds(0));
  REQUIRE(first);
  CHECK(first->data() == "high");
  CHECK(first->subject() == "kensa.task.static.p1");
  CHECK(first->deliveries() == 1);
  auto second = Next(*bus, "static", milliseconds(0));
  REQUIRE(second);
  CHECK(second->data() == "middle");
  auto third = Next(*bus, "static", milliseconds(0));
  REQUIRE(third);
  CHECK(third->data() == "low");
  CHECK(third->subject() == "kensa.task.static.p4");
  CHECK(first->Ack().ok());
  CHECK(second->Ack().ok());
  CHECK(third->Ack().ok());
  CHECK(Next(*bus, "static", milliseconds(0)) == nullptr);
}

TEST_CASE("Stages have separate queues") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishTask(TaskSubject("sandbox", 1), "for sandbox", "").ok());
  CHECK(Next(*bus, "static", milliseconds(0)) == nullptr);
  auto delivery = Next(*bus, "sandbox", milliseconds(0));
  REQUIRE(delivery);
  CHECK(delivery->data() == "for sandbox");
  CHECK(delivery->Ack().ok());
}

TEST_CASE("Task data is delivered byte for byte, NUL bytes included") {
  NatsFixture nats;
  auto bus = nats.Connect();
  const std::string data("\0\x01\xff task \0", 10);
  REQUIRE(bus->PublishTask(TaskSubject("static", 2), data, "").ok());
  auto delivery = Next(*bus, "static", milliseconds(0));
  REQUIRE(delivery);
  CHECK(delivery->data() == data);
  CHECK(delivery->Ack().ok());
}

TEST_CASE("Ack removes a task; Nak delivers it again with deliveries 2") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishTask(TaskSubject("static", 2), "retry me", "").ok());

  auto first = Next(*bus, "static", milliseconds(0));
  REQUIRE(first);
  CHECK(first->deliveries() == 1);
  REQUIRE(first->Nak(milliseconds(0)).ok());

  auto second = Next(*bus, "static", milliseconds(1000));
  REQUIRE(second);
  CHECK(second->data() == "retry me");
  CHECK(second->deliveries() == 2);
  REQUIRE(second->Ack().ok());

  CHECK(Next(*bus, "static", milliseconds(300)) == nullptr);
  auto backlog = bus->Backlog("static");
  REQUIRE(backlog);
  CHECK(backlog->waiting[1] == 0);
  CHECK(backlog->unacked[1] == 0);
  // Work-queue retention: the acked task has left the stream.
  StreamReader reader(nats.server.url());
  CHECK(reader.Stream("KENSA_TASKS").messages == 0);
}

TEST_CASE("Nak with a delay holds the task back for that long") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "later", "").ok());
  auto first = Next(*bus, "static", milliseconds(0));
  REQUIRE(first);
  const auto nacked = Clock::now();
  REQUIRE(first->Nak(milliseconds(600)).ok());
  CHECK(Next(*bus, "static", milliseconds(0)) == nullptr);
  auto again = Next(*bus, "static", milliseconds(3000));
  REQUIRE(again);
  CHECK(Since(nacked) >= milliseconds(550));
  CHECK(again->deliveries() == 2);
  CHECK(again->Ack().ok());
}

TEST_CASE("A delivery dropped without an ack comes back after the ack wait") {
  NatsFixture nats;
  NatsBusConfig config;
  config.ack_wait = milliseconds(1000);
  auto bus = nats.Connect(config);
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "crashed worker", "").ok());
  {
    auto lost = Next(*bus, "static", milliseconds(0));
    REQUIRE(lost);
  }  // dropped: what a crashed worker does
  const auto dropped = Clock::now();
  CHECK(Next(*bus, "static", milliseconds(0)) == nullptr);
  auto again = Next(*bus, "static", milliseconds(5000));
  REQUIRE(again);
  CHECK(Since(dropped) >= milliseconds(800));
  CHECK(again->data() == "crashed worker");
  CHECK(again->deliveries() == 2);
  CHECK(again->Ack().ok());
}

TEST_CASE("InProgress restarts the ack wait") {
  NatsFixture nats;
  NatsBusConfig config;
  config.ack_wait = milliseconds(1000);
  auto bus = nats.Connect(config);
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "slow", "").ok());
  auto delivery = Next(*bus, "static", milliseconds(0));
  REQUIRE(delivery);
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(milliseconds(600));
    REQUIRE(delivery->InProgress().ok());
  }
  // 1.8 s after delivery, beyond the 1 s ack wait, and still not handed to anyone else.
  CHECK(Next(*bus, "static", milliseconds(0)) == nullptr);
  CHECK(delivery->Ack().ok());
}

TEST_CASE("Term ends a task without success and it is never delivered again") {
  NatsFixture nats;
  NatsBusConfig config;
  config.ack_wait = milliseconds(500);
  auto bus = nats.Connect(config);
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "poison", "").ok());
  auto delivery = Next(*bus, "static", milliseconds(0));
  REQUIRE(delivery);
  REQUIRE(delivery->Term().ok());
  CHECK(Next(*bus, "static", milliseconds(1200)) == nullptr);
  StreamReader reader(nats.server.url());
  CHECK(reader.Stream("KENSA_TASKS").messages == 0);
}

TEST_CASE("JetStream stops delivering after max_deliver attempts") {
  NatsFixture nats;
  NatsBusConfig config;
  config.max_deliver = 2;
  auto bus = nats.Connect(config);
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "flaky", "").ok());
  for (std::uint64_t attempt = 1; attempt <= 2; ++attempt) {
    auto delivery = Next(*bus, "static", milliseconds(1000));
    REQUIRE(delivery);
    CHECK(delivery->deliveries() == attempt);
    REQUIRE(delivery->Nak(milliseconds(0)).ok());
  }
  CHECK(Next(*bus, "static", milliseconds(500)) == nullptr);
}

TEST_CASE("Publishes with the same dedup id store one task") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishTask(TaskSubject("static", 2), "once", "submission-1/static").ok());
  REQUIRE(bus->PublishTask(TaskSubject("static", 2), "once", "submission-1/static").ok());
  REQUIRE(bus->PublishTask(TaskSubject("static", 2), "other", "submission-2/static").ok());
  // Without a dedup id every publish is a task.
  REQUIRE(bus->PublishTask(TaskSubject("static", 3), "plain", "").ok());
  REQUIRE(bus->PublishTask(TaskSubject("static", 3), "plain", "").ok());
  auto backlog = bus->Backlog("static");
  REQUIRE(backlog);
  CHECK(backlog->waiting[1] == 2);
  CHECK(backlog->waiting[2] == 2);
}

TEST_CASE("Backlog counts waiting and unacked tasks per priority") {
  NatsFixture nats;
  auto bus = nats.Connect();
  for (int i = 0; i < 3; ++i) REQUIRE(bus->PublishTask(TaskSubject("static", 2), "p2", "").ok());
  REQUIRE(bus->PublishTask(TaskSubject("static", 4), "p4", "").ok());
  auto taken = Next(*bus, "static", milliseconds(0));
  REQUIRE(taken);

  auto backlog = bus->Backlog("static");
  REQUIRE(backlog);
  CHECK(backlog->waiting[0] == 0);
  CHECK(backlog->waiting[1] == 2);
  CHECK(backlog->unacked[1] == 1);
  CHECK(backlog->waiting[2] == 0);
  CHECK(backlog->waiting[3] == 1);
  CHECK(backlog->unacked[3] == 0);

  REQUIRE(taken->Ack().ok());
  backlog = bus->Backlog("static");
  REQUIRE(backlog);
  CHECK(backlog->unacked[1] == 0);
}

TEST_CASE("Events stay in the event stream, deduplicated, and dead letters stay in the task stream") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishEvent(kensa::bus::SubmissionEventSubject("queued"), "e1", "s1/queued").ok());
  REQUIRE(bus->PublishEvent(kensa::bus::SubmissionEventSubject("queued"), "e1", "s1/queued").ok());
  REQUIRE(bus->PublishEvent(kensa::bus::SubmissionEventSubject("done"), "e2", "s1/done").ok());
  REQUIRE(bus->PublishEvent(kensa::bus::kReportReadySubject, "report of s1", "").ok());
  REQUIRE(bus->PublishTask(kensa::bus::kDeadLetterSubject, "gave up", "s9/static/dead").ok());
  // Consuming a stage's tasks leaves the dead letter alone.
  CHECK(Next(*bus, "static", milliseconds(0)) == nullptr);

  StreamReader reader(nats.server.url());
  CHECK(reader.Stream("KENSA_EVENTS").messages == 3);
  CHECK(reader.LastData("KENSA_EVENTS", "kensa.event.report.ready") == "report of s1");
  CHECK(reader.LastData("KENSA_EVENTS", "kensa.event.submission.done") == "e2");
  CHECK(reader.Stream("KENSA_TASKS").messages == 1);
  CHECK(reader.LastData("KENSA_TASKS", "kensa.task.dead") == "gave up");

  // Reconnecting (a service restart) updates the streams in place and keeps what they hold.
  bus.reset();
  auto again = nats.Connect();
  CHECK(reader.Stream("KENSA_EVENTS").messages == 3);
  CHECK(reader.Stream("KENSA_TASKS").messages == 1);
}

TEST_CASE("Subjects and stage names outside the bus's naming are rejected") {
  NatsFixture nats;
  auto bus = nats.Connect();
  CHECK(bus->PublishTask("kensa.event.submission.done", "x", "").code() == StatusCode::kInvalidArgument);
  CHECK(bus->PublishTask("kensa.task.", "x", "").code() == StatusCode::kInvalidArgument);
  CHECK(bus->PublishTask("kensa.task.static..p1", "x", "").code() == StatusCode::kInvalidArgument);
  CHECK(bus->PublishTask("kensa.task.*", "x", "").code() == StatusCode::kInvalidArgument);
  CHECK(bus->PublishEvent("kensa.task.static.p1", "x", "").code() == StatusCode::kInvalidArgument);
  CHECK(bus->PublishEvent("kensa.event.a b", "x", "").code() == StatusCode::kInvalidArgument);
  CHECK(bus->NextTask("sta.tic", milliseconds(0)).error().code() == StatusCode::kInvalidArgument);
  CHECK(bus->NextTask("", milliseconds(0)).error().code() == StatusCode::kInvalidArgument);
  CHECK(bus->Backlog(">").error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("NextTask waits up to its wait when there is no task") {
  NatsFixture nats;
  auto bus = nats.Connect();
  const auto start = Clock::now();
  CHECK(Next(*bus, "static", milliseconds(400)) == nullptr);
  const milliseconds waited = Since(start);
  CHECK(waited >= milliseconds(390));
  CHECK(waited < milliseconds(1500));
}

TEST_CASE("A task published while NextTask waits is delivered promptly") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->Backlog("static"));  // consumers exist before the timing starts
  for (int priority : {1, 3}) {
    Clock::time_point published;
    std::thread publisher([&] {
      std::this_thread::sleep_for(milliseconds(300));
      published = Clock::now();
      REQUIRE(bus->PublishTask(TaskSubject("static", priority), "urgent", "").ok());
    });
    auto delivery = Next(*bus, "static", milliseconds(5000));
    const milliseconds latency = Since(published);
    publisher.join();
    REQUIRE(delivery);
    CHECK(delivery->Ack().ok());
    WARN("p" << priority << " task delivered " << latency.count() << " ms after its publish");
    // p1 is waited on directly; p2..p4 are swept every kWaitSlice (100 ms). Generous bounds:
    // the machine running the tests is shared.
    CHECK(latency < milliseconds(priority == 1 ? 150 : 400));
  }
}

TEST_CASE("Two workers share 200 tasks and each task is delivered exactly once") {
  NatsFixture nats;
  auto bus = nats.Connect();
  constexpr int kTasks = 200;
  for (int i = 0; i < kTasks; ++i) {
    REQUIRE(bus->PublishTask(TaskSubject("static", 1 + i % 4), "task-" + std::to_string(i), "").ok());
  }
  std::mutex mutex;
  std::map<std::string, int> seen;
  std::atomic<int> errors{0};
  std::atomic<int> done{0};
  std::vector<std::string> error_messages;  // under `mutex`
  auto worker = [&] {
    while (done < kTasks) {
      auto next = bus->NextTask("static", milliseconds(200));
      if (!next) {
        errors++;
        std::lock_guard lock(mutex);
        error_messages.push_back("NextTask: " + next.error().message());
        continue;
      }
      if (*next == nullptr) continue;
      {
        std::lock_guard lock(mutex);
        seen[(*next)->data()]++;
      }
      if (const auto acked = (*next)->Ack(); !acked.ok()) {
        errors++;
        std::lock_guard lock(mutex);
        error_messages.push_back("Ack: " + acked.message());
      }
      done++;
    }
  };
  const auto start = Clock::now();
  std::thread a(worker);
  std::thread b(worker);
  a.join();
  b.join();
  WARN("200 tasks consumed and acked by 2 workers in " << Since(start).count() << " ms");
  for (const auto& message : error_messages) WARN(message);
  CHECK(errors == 0);
  CHECK(seen.size() == kTasks);
  CHECK(std::all_of(seen.begin(), seen.end(), [](const auto& entry) { return entry.second == 1; }));
  CHECK(Next(*bus, "static", milliseconds(1200)) == nullptr);  // nothing redelivered
}

TEST_CASE("Tasks survive kill -9 of the server; calls fail fast while it is down and work again after") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishTask(TaskSubject("static", 2), "before crash 1", "a").ok());
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "before crash 2", "b").ok());
  REQUIRE(bus->PublishEvent(kensa::bus::SubmissionEventSubject("queued"), "event", "c").ok());

  nats.server.Kill();
  std::this_thread::sleep_for(milliseconds(200));  // the client notices the closed socket

  auto start = Clock::now();
  const kensa::Status down = bus->PublishTask(TaskSubject("static", 1), "during downtime", "d");
  CHECK(down.code() == StatusCode::kUnavailable);
  auto next_down = bus->NextTask("static", milliseconds(1000));
  REQUIRE_FALSE(next_down);
  CHECK(next_down.error().code() == StatusCode::kUnavailable);
  CHECK(bus->Backlog("static").error().code() == StatusCode::kUnavailable);
  CHECK(Since(start) < milliseconds(3000));

  REQUIRE(nats.server.Restart().ok());
  // The client reconnects within a reconnect wait (250 ms) or so.
  kensa::Status after = kensa::UnavailableError("not tried");
  start = Clock::now();
  while (!after.ok() && Since(start) < milliseconds(10000)) {
    after = bus->PublishTask(TaskSubject("static", 3), "after restart", "e");
    if (!after.ok()) std::this_thread::sleep_for(milliseconds(50));
  }
  INFO(after.ToString());
  REQUIRE(after.ok());
  WARN("publishing worked again " << Since(start).count() << " ms after the restart");

  std::vector<std::string> received;
  for (;;) {
    auto delivery = Next(*bus, "static", milliseconds(500));
    if (!delivery) break;
    received.push_back(delivery->data());
    REQUIRE(delivery->Ack().ok());
  }
  CHECK(received == std::vector<std::string>{"before crash 2", "before crash 1", "after restart"});
  StreamReader reader(nats.server.url());
  CHECK(reader.Stream("KENSA_EVENTS").messages == 1);
}

// Retries `call` for up to 10 s while it returns Unavailable (the client reconnecting).
template <typename Call>
auto RetryWhileUnavailable(Call call) {
  auto result = call();
  const auto start = Clock::now();
  while (!result.ok() && result.code() == StatusCode::kUnavailable && Since(start) < milliseconds(10000)) {
    std::this_thread::sleep_for(milliseconds(50));
    result = call();
  }
  return result;
}

TEST_CASE("An ack that failed while the server restarted succeeds when retried after it") {
  NatsFixture nats;
  NatsBusConfig config;
  config.ack_wait = milliseconds(2000);
  auto bus = nats.Connect(config);
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "finished during the restart", "").ok());
  auto delivery = Next(*bus, "static", milliseconds(0));
  REQUIRE(delivery);

  REQUIRE(nats.server.Stop().ok());
  CHECK(delivery->Ack().code() == StatusCode::kUnavailable);
  REQUIRE(nats.server.Restart().ok());
  const kensa::Status acked = RetryWhileUnavailable([&] { return delivery->Ack(); });
  INFO(acked.ToString());
  REQUIRE(acked.ok());
  // Past the ack wait and not delivered again: the ack counted.
  CHECK(Next(*bus, "static", milliseconds(3000)) == nullptr);
}

TEST_CASE("A task in flight when the server restarts is delivered again after the ack wait") {
  NatsFixture nats;
  NatsBusConfig config;
  config.ack_wait = milliseconds(1000);
  auto bus = nats.Connect(config);
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "survivor", "").ok());
  {
    auto lost = Next(*bus, "static", milliseconds(0));
    REQUIRE(lost);
  }
  REQUIRE(nats.server.Stop().ok());
  REQUIRE(nats.server.Restart().ok());

  std::unique_ptr<Delivery> again;
  const auto start = Clock::now();
  while (again == nullptr && Since(start) < milliseconds(10000)) {
    auto next = bus->NextTask("static", milliseconds(200));
    if (next) {
      again = std::move(*next);
    } else {
      std::this_thread::sleep_for(milliseconds(50));
    }
  }
  REQUIRE(again);
  CHECK(again->data() == "survivor");
  CHECK(again->deliveries() == 2);
  CHECK(again->Ack().ok());
}

TEST_CASE("A delivery stays usable after its bus is gone") {
  NatsFixture nats;
  auto bus = nats.Connect();
  REQUIRE(bus->PublishTask(TaskSubject("static", 1), "outlives", "").ok());
  auto delivery = Next(*bus, "static", milliseconds(0));
  REQUIRE(delivery);
  bus.reset();
  CHECK(delivery->Ack().ok());
  auto other = nats.Connect();
  CHECK(Next(*other, "static", milliseconds(0)) == nullptr);
}
