#include <thread>
#include <utility>

#include "kensa/bus/bus.h"

namespace kensa::bus {

namespace {

// A task taken from a MemoryBus. Settles (Ack/Term) or requeues (Nak, or destroyed unsettled,
// which is what a crashed worker looks like in-process).
class MemoryDelivery final : public Delivery {
 public:
  MemoryDelivery(MemoryBus* bus, MemoryBus::Message message) : bus_(bus), message_(std::move(message)) {}
  ~MemoryDelivery() override {
    if (!settled_) bus_->Requeue(std::move(message_));
  }
  const std::string& subject() const override { return message_.subject; }
  const std::string& data() const override { return message_.data; }
  std::uint64_t deliveries() const override { return message_.deliveries; }
  Status Ack() override { return Settle(); }
  Status Term() override { return Settle(); }
  Status InProgress() override { return Status::Ok(); }
  Status Nak(std::chrono::milliseconds) override {
    if (settled_) return FailedPreconditionError("delivery already settled");
    settled_ = true;
    bus_->Requeue(std::move(message_));
    return Status::Ok();
  }

 private:
  Status Settle() {
    if (settled_) return FailedPreconditionError("delivery already settled");
    settled_ = true;
    bus_->Settle(message_.subject);
    return Status::Ok();
  }
  MemoryBus* bus_;
  MemoryBus::Message message_;
  bool settled_ = false;
};

}  // namespace

Status MemoryBus::PublishTask(const std::string& subject, const std::string& data,
                              const std::string& dedup_id) {
  std::lock_guard lock(mutex_);
  if (!dedup_id.empty() && !seen_ids_.insert(dedup_id).second) return Status::Ok();
  if (subject == kDeadLetterSubject) {
    dead_.push_back({subject, data, 0});
  } else {
    queues_[subject].push_back({subject, data, 0});
  }
  return Status::Ok();
}

Status MemoryBus::PublishEvent(const std::string& subject, const std::string& data,
                               const std::string& dedup_id) {
  std::lock_guard lock(mutex_);
  if (!dedup_id.empty() && !seen_ids_.insert(dedup_id).second) return Status::Ok();
  events_.push_back({subject, data, 0});
  return Status::Ok();
}

Result<std::unique_ptr<Delivery>> MemoryBus::NextTask(const std::string& stage,
                                                      std::chrono::milliseconds wait) {
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      for (int priority = 1; priority <= kPriorityCount; ++priority) {
        auto it = queues_.find(TaskSubject(stage, priority));
        if (it == queues_.end() || it->second.empty()) continue;
        Message message = std::move(it->second.front());
        it->second.pop_front();
        ++message.deliveries;
        ++unacked_[message.subject];
        return std::unique_ptr<Delivery>(new MemoryDelivery(this, std::move(message)));
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::unique_ptr<Delivery>();
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

Result<StageBacklog> MemoryBus::Backlog(const std::string& stage) {
  std::lock_guard lock(mutex_);
  StageBacklog backlog;
  for (int priority = 1; priority <= kPriorityCount; ++priority) {
    const std::string subject = TaskSubject(stage, priority);
    const auto index = static_cast<std::size_t>(priority - 1);
    if (auto it = queues_.find(subject); it != queues_.end()) backlog.waiting[index] = it->second.size();
    if (auto it = unacked_.find(subject); it != unacked_.end()) backlog.unacked[index] = it->second;
  }
  return backlog;
}

std::vector<MemoryBus::Message> MemoryBus::Events() const {
  std::lock_guard lock(mutex_);
  return events_;
}

std::vector<MemoryBus::Message> MemoryBus::DeadLetters() const {
  std::lock_guard lock(mutex_);
  return dead_;
}

void MemoryBus::Requeue(Message message) {
  std::lock_guard lock(mutex_);
  --unacked_[message.subject];
  queues_[message.subject].push_back(std::move(message));
}

void MemoryBus::Settle(const std::string& subject) {
  std::lock_guard lock(mutex_);
  --unacked_[subject];
}

}  // namespace kensa::bus
