#pragma once
// NatsBus: the pipeline's bus (kensa/bus/bus.h) on NATS JetStream, shared by the services.
//
//   auto bus = kensa::bus_nats::NatsBus::Connect({.url = "nats://nats:4222"});
//   if (!bus) return bus.error();
//   (*bus)->PublishTask(kensa::bus::TaskSubject("static", 2), task_bytes, submission_id);
//   auto delivery = (*bus)->NextTask("static", std::chrono::seconds(5));
//
// Streams (created or updated by Connect, so every replica may call it at once):
//   KENSA_TASKS   kensa.task.>   work-queue retention, file storage. A message leaves the
//                 stream when its consumer acks (or terms) it; kensa.task.dead has no
//                 consumer, so dead letters stay until an operator drains them.
//   KENSA_EVENTS  kensa.event.>  limits retention, file storage, events kept `events_max_age`.
// Both dedup publishes by Nats-Msg-Id (the `dedup_id`) within `dedup_window`.
//
// Consumers: one durable pull consumer per stage and priority, "<stage>-p<N>" with filter
// kensa.task.<stage>.p<N>, explicit acks, `ack_wait`, `max_deliver`; created on the first
// NextTask or Backlog for the stage. The stage runner dead-letters a task itself once
// Delivery::deliveries() exceeds the runner's own attempt limit, so configure `max_deliver` one
// higher than that limit: JetStream must still deliver the attempt on which the runner gives up.
//
// NextTask reads how many messages each priority of the stage holds (one stream-info request),
// then pulls from p1..p4 in turn, skipping empty ones; each pull is answered by the server
// within kProbeWait (server 2.9 answers a pull on an empty queue only when the pull expires;
// a queue whose tasks are all in flight with other workers costs that much). When nothing
// came it waits on p1 for up to kWaitSlice and looks again, until `wait` is spent. A p1 task
// that arrives while waiting is delivered at once, a p2..p4 task within about kWaitSlice.
//
// Thread safety: every method may be called from many threads at once. Each pull subscribes a
// reply inbox of its own for its one answer (no subscription per thread or per consumer to
// share or to rebind after a reconnect), so concurrent NextTask calls never contend.
// A Delivery may be acked from any thread and may outlive the NatsBus that produced it.
//
// Failures: when the connection is down (server restarting), calls return UnavailableError at
// once instead of waiting; the connection reconnects forever in the background (every
// 250 ms), and the same object works again once the server is back. A publish that times out
// may still have been stored: retry it with the same dedup_id.

#include <chrono>
#include <memory>
#include <string>

#include "kensa/bus/bus.h"
#include "kensa/core/status.h"

namespace kensa::bus_nats {

struct NatsBusConfig {
  std::string url = "nats://127.0.0.1:4222";
  std::string tasks_stream = "KENSA_TASKS";
  std::string events_stream = "KENSA_EVENTS";
  // A delivery neither acked, nacked nor marked in progress within this time is delivered again.
  std::chrono::milliseconds ack_wait = std::chrono::seconds(120);
  // JetStream's delivery limit per task: the runner's attempt limit + 1 (see above).
  int max_deliver = 5;
  std::chrono::milliseconds dedup_window = std::chrono::minutes(10);
  std::chrono::milliseconds events_max_age = std::chrono::hours(24 * 7);
  std::chrono::milliseconds connect_timeout = std::chrono::seconds(5);
  // Longest wait for a JetStream reply (publish ack, ack confirmation, stream management).
  std::chrono::milliseconds request_timeout = std::chrono::seconds(5);
};

class NatsBus final : public bus::Bus {
 public:
  // How long a pull on one priority lasts when it has no task to give.
  static constexpr std::chrono::milliseconds kProbeWait{5};
  // How long NextTask waits on p1 before it sweeps p1..p4 again.
  static constexpr std::chrono::milliseconds kWaitSlice{100};

  // Connects and creates or updates both streams. UnavailableError when the server cannot be
  // reached or has no JetStream; InvalidArgumentError for a bad configuration.
  static Result<std::unique_ptr<NatsBus>> Connect(const NatsBusConfig& config);
  ~NatsBus() override;

  Status PublishTask(const std::string& subject, const std::string& data,
                     const std::string& dedup_id) override;
  Status PublishEvent(const std::string& subject, const std::string& data,
                      const std::string& dedup_id) override;
  Result<std::unique_ptr<bus::Delivery>> NextTask(const std::string& stage,
                                                  std::chrono::milliseconds wait) override;
  Result<bus::StageBacklog> Backlog(const std::string& stage) override;

  // The durable consumer name of a stage and priority: "static-p2".
  static std::string ConsumerName(const std::string& stage, int priority);

  struct Shared;  // the connection and JetStream context; outlives the bus while deliveries do

 private:
  explicit NatsBus(std::shared_ptr<Shared> shared);
  std::shared_ptr<Shared> shared_;
};

}  // namespace kensa::bus_nats
