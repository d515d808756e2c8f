#pragma once
// The message bus between pipeline stages: durable work queues per stage and priority, and an
// event stream analysts can subscribe to. This header is the interface; MemoryBus (below) is
// the in-process implementation `kensa triage` uses, and libs/bus_nats implements it on NATS
// JetStream for the services. Subjects are documented in docs/pipeline.md:
//
//   kensa.task.<stage>.p1 .. p4   work, one durable consumer per stage and priority
//   kensa.task.dead               tasks that kept failing, with the reason (DeadLetter)
//   kensa.event.submission.<state>, kensa.event.report.ready   events (SubmissionEvent)
//   kensa.event.collection.<state>  events of host collections (SubmissionEvent)
//
// Delivery is at least once: a task is delivered again until it is acked, so every stage must
// be idempotent (docs/pipeline.md, "Idempotency").

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kensa/core/status.h"

namespace kensa::bus {

inline constexpr int kPriorityCount = 4;  // p1 (highest) .. p4

// "kensa.task.static.p2"; `priority` is clamped to 1..4.
std::string TaskSubject(const std::string& stage, int priority);
inline constexpr const char* kDeadLetterSubject = "kensa.task.dead";
// "kensa.event.submission.done" for state "done".
std::string SubmissionEventSubject(const std::string& state);
// "kensa.event.collection.done" for state "done": the events of host collections.
std::string CollectionEventSubject(const std::string& state);
inline constexpr const char* kReportReadySubject = "kensa.event.report.ready";

// One delivered task. Exactly one of Ack, Nak or Term should be called; a delivery dropped
// without any is delivered again after the ack wait (that is what a crashed worker does).
class Delivery {
 public:
  virtual ~Delivery() = default;
  virtual const std::string& subject() const = 0;
  virtual const std::string& data() const = 0;
  // 1 on the first delivery, 2 on the first redelivery, ...
  virtual std::uint64_t deliveries() const = 0;
  // Done: never deliver again. Call only after the result is stored.
  virtual Status Ack() = 0;
  // Failed for a reason that may pass (a store is down): deliver again after `delay`.
  virtual Status Nak(std::chrono::milliseconds delay) = 0;
  // Still working: restart the ack-wait clock.
  virtual Status InProgress() = 0;
  // Never deliver again, without success (used after the task was dead-lettered).
  virtual Status Term() = 0;
};

// Queue lengths of one stage, for metrics and autoscaling.
struct StageBacklog {
  // Per priority 1..4 (index 0 = p1): tasks waiting and tasks delivered but not yet acked.
  std::uint64_t waiting[kPriorityCount] = {};
  std::uint64_t unacked[kPriorityCount] = {};
};

class Bus {
 public:
  virtual ~Bus() = default;

  // Publishes a task. Publishes with the same non-empty `dedup_id` within the bus's dedup
  // window store one message only, so a retried or repeated publish never duplicates work.
  virtual Status PublishTask(const std::string& subject, const std::string& data,
                             const std::string& dedup_id) = 0;
  // Publishes an event (same dedup rule).
  virtual Status PublishEvent(const std::string& subject, const std::string& data,
                              const std::string& dedup_id) = 0;
  // The next task of `stage`, highest priority first, waiting up to `wait` when there is
  // none; nullptr when none arrived in time.
  virtual Result<std::unique_ptr<Delivery>> NextTask(const std::string& stage,
                                                     std::chrono::milliseconds wait) = 0;
  virtual Result<StageBacklog> Backlog(const std::string& stage) = 0;
};

// In-process bus: queues in memory, dedup by id for the life of the object, Nak requeues at
// the back. No ack wait: a Delivery destroyed without Ack/Nak/Term is requeued at once.
// Thread-safe.
class MemoryBus final : public Bus {
 public:
  struct Message {
    std::string subject;
    std::string data;
    std::uint64_t deliveries = 0;
  };

  Status PublishTask(const std::string& subject, const std::string& data,
                     const std::string& dedup_id) override;
  Status PublishEvent(const std::string& subject, const std::string& data,
                      const std::string& dedup_id) override;
  Result<std::unique_ptr<Delivery>> NextTask(const std::string& stage,
                                             std::chrono::milliseconds wait) override;
  Result<StageBacklog> Backlog(const std::string& stage) override;

  // Events published so far, oldest first (tests and `kensa triage --events` read them).
  std::vector<Message> Events() const;
  // Tasks published on kensa.task.dead.
  std::vector<Message> DeadLetters() const;

  // Used by deliveries; not part of the interface.
  void Requeue(Message message);
  void Settle(const std::string& subject);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::deque<Message>> queues_;  // by subject
  std::map<std::string, std::uint64_t> unacked_;       // by subject
  std::set<std::string> seen_ids_;
  std::vector<Message> events_;
  std::vector<Message> dead_;
};

}  // namespace kensa::bus
