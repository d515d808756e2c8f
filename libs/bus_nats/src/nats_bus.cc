// NatsBus on libnats 3.4 (Debian 12) against nats-server 2.9.
//
// Pulls are done by hand: {"batch":1,"expires":<ns>} published to
// $JS.API.CONSUMER.MSG.NEXT.<stream>.<consumer> with a reply inbox subscribed for that one pull.
// - Not libnats pull subscriptions: one refuses concurrent fetches
//   (jsErrConcurrentFetchNotAllowed) and its messages must not outlive it, so each worker
//   thread would need subscriptions of its own per consumer. A pull that owns its inbox shares
//   nothing with other threads.
// - Not natsConnection_Request: JetStream delivers a pulled task under its original subject,
//   and the connection's shared reply inbox tells concurrent requests apart by subject (nats.go
//   documents the same limit and falls back to "the only pending request"), so two concurrent
//   pulls lose tasks. A subscription per pull receives by subscription id instead.
// - A pull the client gave up on never swallows a task: its inbox is unsubscribed, and the
//   server skips a pull whose reply subject has no interest (consumer.go, nextWaiting).
// - "no_wait" is not used: server 2.9.10 queues a no_wait pull without any expiry when other
//   pulls race it for the last task (consumer.go, processNextMsgRequest), and never answers it.
//   An empty queue is found by a short pull instead (kProbeWait).
// The acks are what libnats itself sends (js.c, _ackMsg): a request to the message's reply
// subject with "+ACK", "-NAK {\"delay\":<ns>}", "+WPI" or "+TERM". The server answers every
// ack that carries a reply subject, so each one is confirmed. The delivery count comes from
// the reply subject as natsMsg_GetMetaData reads it (js.c, js_getMetaData; ADR-15).

#include "kensa/bus_nats/nats_bus.h"

#include <nats/nats.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <climits>
#include <mutex>
#include <optional>
#include <set>
#include <string_view>
#include <thread>
#include <vector>

namespace kensa::bus_nats {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;

constexpr std::string_view kTaskPrefix = "kensa.task.";
constexpr std::string_view kEventPrefix = "kensa.event.";
constexpr std::string_view kAckPrefix = "$JS.ACK.";
constexpr std::size_t kMaxNameLength = 64;      // stage names, stream names: short by design
constexpr std::size_t kMaxSubjectLength = 256;  // far above kensa.<kind>.<stage>.<detail>
// Reconnect behaviour: try forever, 250 ms apart, buffering up to 8 MiB of publishes made in
// the gap (only publishes racing a disconnect land there: calls check the connection first).
constexpr int64_t kReconnectWaitMs = 250;
constexpr int kReconnectBufferBytes = 8 * 1024 * 1024;
// A dead server behind a silent network is noticed after two missed pings, 10 s.
constexpr int64_t kPingIntervalMs = 5000;
constexpr int kMaxPingsOut = 2;
// How much longer than the server's `expires` a pull waits for the answer: the way back over
// the network and the server's scheduling, with room to spare.
constexpr milliseconds kPullAnswerMargin{1000};

int64_t Ns(milliseconds d) { return std::chrono::duration_cast<nanoseconds>(d).count(); }

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// A stage or stream name: becomes a subject token and part of a durable consumer name, which
// may contain neither '.', '*', '>' nor white space.
Status CheckName(std::string_view what, const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return InvalidArgumentError(std::string(what) + " must be 1-64 characters of [A-Za-z0-9_-]: \"" +
                                name + "\"");
  }
  return Status::Ok();
}

// kensa.<kind>.<...>: dot-separated non-empty tokens of name characters under `prefix`.
Status CheckSubject(const std::string& subject, std::string_view prefix) {
  bool ok = subject.size() <= kMaxSubjectLength && subject.size() > prefix.size() &&
            subject.compare(0, prefix.size(), prefix) == 0;
  char previous = '.';
  for (std::size_t i = prefix.size(); ok && i < subject.size(); ++i) {
    const char c = subject[i];
    ok = c == '.' ? previous != '.' : IsNameChar(c);
    previous = c;
  }
  if (!ok || previous == '.') {
    return InvalidArgumentError("subject \"" + subject + "\" is not " + std::string(prefix) +
                                "<token>[.<token>...]");
  }
  return Status::Ok();
}

// natsStatus -> Status. Connection trouble of any kind is Unavailable: the caller retries later.
Status FromNats(natsStatus s, const std::string& what, jsErrCode js_error = static_cast<jsErrCode>(0)) {
  std::string message = what + ": " + natsStatus_GetText(s);
  const char* detail = nats_GetLastError(nullptr);
  if (detail != nullptr && *detail != '\0') message += std::string(" (") + detail + ")";
  if (js_error != 0) message += " [JetStream error " + std::to_string(static_cast<int>(js_error)) + "]";
  switch (s) {
    case NATS_IO_ERROR:
    case NATS_CONNECTION_CLOSED:
    case NATS_NO_SERVER:
    case NATS_STALE_CONNECTION:
    case NATS_CONNECTION_DISCONNECTED:
    case NATS_TIMEOUT:
    case NATS_NOT_YET_CONNECTED:
    case NATS_DRAINING:
    case NATS_NO_RESPONDERS:
      return UnavailableError(message);
    case NATS_CONNECTION_AUTH_FAILED:
    case NATS_NOT_PERMITTED:
      return PermissionDeniedError(message);
    case NATS_ADDRESS_MISSING:
    case NATS_INVALID_SUBJECT:
    case NATS_INVALID_ARG:
    case NATS_MAX_PAYLOAD:
      return InvalidArgumentError(message);
    default:
      return InternalError(message);
  }
}

// Destroys a libnats object on scope exit.
template <typename T, void (*Destroy)(T*)>
struct Owned {
  T* p = nullptr;
  Owned() = default;
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() {
    if (p != nullptr) Destroy(p);
  }
};
using OwnedMsg = Owned<natsMsg, natsMsg_Destroy>;

// The delivery count in a JetStream ack subject (ADR-15), as js_getMetaData reads it:
//   v1  $JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<time>.<pending>
//   v2  $JS.ACK.<domain>.<account>.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<time>.<pending>[.<token>...]
std::optional<std::uint64_t> DeliveredCount(std::string_view reply) {
  if (reply.substr(0, kAckPrefix.size()) != kAckPrefix) return std::nullopt;
  reply.remove_prefix(kAckPrefix.size());
  std::vector<std::string_view> tokens;
  constexpr std::size_t kMaxTokens = 16;  // v2 has 10 with room for future tokens
  while (tokens.size() < kMaxTokens) {
    const std::size_t dot = reply.find('.');
    tokens.push_back(reply.substr(0, dot));
    if (dot == std::string_view::npos) break;
    reply.remove_prefix(dot + 1);
  }
  std::size_t index = 0;
  if (tokens.size() == 7) {
    index = 2;
  } else if (tokens.size() >= 9) {
    index = 4;
  } else {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  const std::string_view token = tokens[index];
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (error != std::errc() || end != token.data() + token.size() || value == 0) return std::nullopt;
  return value;
}

}  // namespace

struct NatsBus::Shared {
  NatsBusConfig config;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;

  std::mutex mutex;                 // guards the three fields below
  bool streams_ready = false;
  std::set<std::string> ready_stages;  // consumers p1..p4 exist
  std::uint64_t seen_reconnects = 0;

  ~Shared() {
    if (js != nullptr) jsCtx_Destroy(js);
    if (connection != nullptr) {
      natsConnection_Close(connection);
      natsConnection_Destroy(connection);
    }
  }

  Status CheckConnected() {
    if (natsConnection_Status(connection) != NATS_CONN_STATUS_CONNECTED) {
      return UnavailableError("NATS connection to " + config.url + " is down; reconnecting");
    }
    // After a reconnect the server may be a new one with an empty store: check the streams and
    // consumers again (creating them is idempotent).
    natsStatistics* stats = nullptr;
    std::uint64_t reconnects = 0;
    if (natsStatistics_Create(&stats) == NATS_OK) {
      if (natsConnection_GetStats(connection, stats) == NATS_OK) {
        natsStatistics_GetCounts(stats, nullptr, nullptr, nullptr, nullptr, &reconnects);
      }
      natsStatistics_Destroy(stats);
    }
    std::lock_guard lock(mutex);
    if (reconnects != seen_reconnects) {
      seen_reconnects = reconnects;
      streams_ready = false;
      ready_stages.clear();
    }
    return Status::Ok();
  }

  void Forget(const std::string& stage) {
    std::lock_guard lock(mutex);
    streams_ready = false;
    if (!stage.empty()) ready_stages.erase(stage);
  }

  Status EnsureStream(const std::string& name, const std::string& subjects,
                      jsRetentionPolicy retention, milliseconds max_age) {
    jsStreamConfig stream;
    jsStreamConfig_Init(&stream);
    const char* subject_list[] = {subjects.c_str()};
    stream.Name = name.c_str();
    stream.Subjects = subject_list;
    stream.SubjectsLen = 1;
    stream.Retention = retention;
    stream.Storage = js_FileStorage;
    stream.MaxAge = Ns(max_age);
    stream.Duplicates = Ns(config.dedup_window);
    jsStreamInfo* info = nullptr;
    jsErrCode js_error = static_cast<jsErrCode>(0);
    natsStatus s = js_AddStream(&info, js, &stream, nullptr, &js_error);
    // The stream exists with another configuration (say a new dedup window), or another replica
    // created it a moment ago (the server then reports overlapping subjects): update it. If
    // the overlap is with some other stream, the update fails with "stream not found".
    if (s != NATS_OK && (js_error == JSStreamNameExistErr || js_error == JSStreamSubjectOverlapErr)) {
      const Status add_error = FromNats(s, "create stream " + name, js_error);
      js_error = static_cast<jsErrCode>(0);
      s = js_UpdateStream(&info, js, &stream, nullptr, &js_error);
      if (s != NATS_OK) {
        if (info != nullptr) jsStreamInfo_Destroy(info);
        const Status update_error = FromNats(s, "update", js_error);
        return Status(update_error.code(), add_error.message() + "; " + update_error.message());
      }
    }
    if (info != nullptr) jsStreamInfo_Destroy(info);
    if (s != NATS_OK) return FromNats(s, "create stream " + name, js_error);
    return Status::Ok();
  }

  Status EnsureStreams() {
    {
      std::lock_guard lock(mutex);
      if (streams_ready) return Status::Ok();
    }
    KENSA_RETURN_IF_ERROR(
        EnsureStream(config.tasks_stream, "kensa.task.>", js_WorkQueuePolicy, milliseconds(0)));
    KENSA_RETURN_IF_ERROR(EnsureStream(config.events_stream, "kensa.event.>", js_LimitsPolicy,
                                       config.events_max_age));
    std::lock_guard lock(mutex);
    streams_ready = true;
    return Status::Ok();
  }

  Status Ready() {
    KENSA_RETURN_IF_ERROR(CheckConnected());
    return EnsureStreams();
  }

  // Creates the durable consumers of a stage. Creating a durable that exists updates it to
  // this configuration (server 2.9), so replicas starting together all succeed.
  Status EnsureConsumers(const std::string& stage) {
    {
      std::lock_guard lock(mutex);
      if (ready_stages.count(stage) != 0) return Status::Ok();
    }
    for (int priority = 1; priority <= bus::kPriorityCount; ++priority) {
      const std::string name = NatsBus::ConsumerName(stage, priority);
      const std::string filter = bus::TaskSubject(stage, priority);
      jsConsumerConfig consumer;
      jsConsumerConfig_Init(&consumer);
      consumer.Durable = name.c_str();
      consumer.FilterSubject = filter.c_str();
      consumer.DeliverPolicy = js_DeliverAll;
      consumer.AckPolicy = js_AckExplicit;
      consumer.AckWait = Ns(config.ack_wait);
      consumer.MaxDeliver = config.max_deliver;
      jsConsumerInfo* info = nullptr;
      jsErrCode js_error = static_cast<jsErrCode>(0);
      const natsStatus s =
          js_AddConsumer(&info, js, config.tasks_stream.c_str(), &consumer, nullptr, &js_error);
      if (info != nullptr) jsConsumerInfo_Destroy(info);
      if (s != NATS_OK) return FromNats(s, "create consumer " + name, js_error);
    }
    std::lock_guard lock(mutex);
    ready_stages.insert(stage);
    return Status::Ok();
  }

  // A request on the connection; the reply in `reply`.
  Status Request(const std::string& subject, std::string_view body, milliseconds timeout,
                 OwnedMsg& reply, const std::string& what) {
    const natsStatus s = natsConnection_Request(&reply.p, connection, subject.c_str(), body.data(),
                                                static_cast<int>(body.size()), timeout.count());
    if (s != NATS_OK) return FromNats(s, what);
    return Status::Ok();
  }

  // How many messages each priority of `stage` holds in the task stream, waiting or in flight
  // (a work-queue stream keeps a task until it is acked). One cheap request that spares
  // NextTask a kProbeWait pull on every empty priority.
  Result<std::array<std::uint64_t, bus::kPriorityCount>> MessagesPerPriority(const std::string& stage) {
    const std::string filter = std::string(kTaskPrefix) + stage + ".*";
    jsOptions options;
    jsOptions_Init(&options);
    options.Wait = config.request_timeout.count();
    options.Stream.Info.SubjectsFilter = filter.c_str();
    jsStreamInfo* info = nullptr;
    jsErrCode js_error = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetStreamInfo(&info, js, config.tasks_stream.c_str(), &options, &js_error);
    if (s != NATS_OK) {
      if (info != nullptr) jsStreamInfo_Destroy(info);
      if (s == NATS_NO_RESPONDERS || s == NATS_NOT_FOUND) Forget(stage);
      return FromNats(s, "task counts of " + stage, js_error);
    }
    std::array<std::uint64_t, bus::kPriorityCount> counts{};
    const jsStreamStateSubjects* subjects = info->State.Subjects;
    for (int i = 0; subjects != nullptr && i < subjects->Count; ++i) {
      for (int priority = 1; priority <= bus::kPriorityCount; ++priority) {
        if (bus::TaskSubject(stage, priority) == subjects->List[i].Subject) {
          counts[static_cast<std::size_t>(priority - 1)] = subjects->List[i].Msgs;
        }
      }
    }
    jsStreamInfo_Destroy(info);
    return counts;
  }

  // Publishes `body` with a reply inbox of its own and waits for the first answer.
  Status RequestOnOwnInbox(const std::string& subject, std::string_view body, milliseconds timeout,
                           OwnedMsg& reply, const std::string& what) {
    natsInbox* inbox = nullptr;
    natsSubscription* subscription = nullptr;
    natsStatus s = natsInbox_Create(&inbox);
    if (s == NATS_OK) s = natsConnection_SubscribeSync(&subscription, connection, inbox);
    if (s == NATS_OK) {
      s = natsConnection_PublishRequest(connection, subject.c_str(), inbox, body.data(),
                                        static_cast<int>(body.size()));
    }
    if (s == NATS_OK) s = natsSubscription_NextMsg(&reply.p, subscription, timeout.count());
    const Status result = s == NATS_OK ? Status::Ok() : FromNats(s, what);
    if (subscription != nullptr) {
      natsSubscription_Unsubscribe(subscription);
      natsSubscription_Destroy(subscription);
    }
    if (inbox != nullptr) natsInbox_Destroy(inbox);
    return result;
  }

  Status Publish(const std::string& stream, const std::string& subject, const std::string& data,
                 const std::string& dedup_id) {
    if (data.size() > static_cast<std::size_t>(INT_MAX)) {
      return InvalidArgumentError("message of " + std::to_string(data.size()) + " bytes is too large");
    }
    KENSA_RETURN_IF_ERROR(Ready());
    jsPubOptions options;
    jsPubOptions_Init(&options);
    options.ExpectStream = stream.c_str();  // a subject outside the stream fails instead of vanishing
    if (!dedup_id.empty()) options.MsgId = dedup_id.c_str();
    jsPubAck* ack = nullptr;
    jsErrCode js_error = static_cast<jsErrCode>(0);
    const natsStatus s = js_Publish(&ack, js, subject.c_str(), data.data(),
                                    static_cast<int>(data.size()), &options, &js_error);
    if (ack != nullptr) jsPubAck_Destroy(ack);
    if (s == NATS_NO_RESPONDERS) Forget("");  // JetStream lost the stream, or is not up yet
    if (s != NATS_OK) return FromNats(s, "publish to " + subject, js_error);
    return Status::Ok();
  }
};

namespace {

class NatsDelivery final : public bus::Delivery {
 public:
  NatsDelivery(std::shared_ptr<NatsBus::Shared> shared, std::string subject, std::string data,
               std::string ack_subject, std::uint64_t deliveries)
      : shared_(std::move(shared)),
        subject_(std::move(subject)),
        data_(std::move(data)),
        ack_subject_(std::move(ack_subject)),
        deliveries_(deliveries) {}

  const std::string& subject() const override { return subject_; }
  const std::string& data() const override { return data_; }
  std::uint64_t deliveries() const override { return deliveries_; }

  Status Ack() override { return Send("+ACK"); }
  Status Nak(milliseconds delay) override {
    if (delay.count() <= 0) return Send("-NAK");
    return Send("-NAK {\"delay\":" + std::to_string(Ns(delay)) + "}");
  }
  Status InProgress() override { return Send("+WPI"); }
  Status Term() override { return Send("+TERM"); }

 private:
  Status Send(const std::string& body) {
    KENSA_RETURN_IF_ERROR(shared_->CheckConnected());
    OwnedMsg reply;
    return shared_->Request(ack_subject_, body, shared_->config.request_timeout, reply,
                            body.substr(0, body.find(' ')) + " of " + subject_);
  }

  std::shared_ptr<NatsBus::Shared> shared_;
  std::string subject_;
  std::string data_;
  std::string ack_subject_;
  std::uint64_t deliveries_;
};

// One pull for one task of (stage, priority), answered by the server within `wait`: the task,
// or nullptr when none came.
Result<std::unique_ptr<bus::Delivery>> Pull(const std::shared_ptr<NatsBus::Shared>& shared,
                                            const std::string& stage, int priority, milliseconds wait) {
  const std::string consumer = NatsBus::ConsumerName(stage, priority);
  const std::string subject =
      "$JS.API.CONSUMER.MSG.NEXT." + shared->config.tasks_stream + "." + consumer;
  const std::string body = "{\"batch\":1,\"expires\":" + std::to_string(Ns(wait)) + "}";
  // The server answers by `wait` (a task, or 408); the margin covers the way back.
  OwnedMsg reply;
  const Status sent =
      shared->RequestOnOwnInbox(subject, body, wait + kPullAnswerMargin, reply, "pull from " + consumer);
  if (!sent.ok()) {
    if (sent.code() == StatusCode::kUnavailable) shared->Forget(stage);
    return sent;
  }
  const char* reply_subject = natsMsg_GetReply(reply.p);
  if (reply_subject != nullptr && std::string_view(reply_subject).substr(0, kAckPrefix.size()) == kAckPrefix) {
    const std::optional<std::uint64_t> deliveries = DeliveredCount(reply_subject);
    if (!deliveries) {
      return InternalError(std::string("cannot read the delivery count from ack subject ") + reply_subject);
    }
    const char* data = natsMsg_GetData(reply.p);
    const int length = natsMsg_GetDataLength(reply.p);
    return std::unique_ptr<bus::Delivery>(std::make_unique<NatsDelivery>(
        shared, natsMsg_GetSubject(reply.p),
        std::string(data != nullptr ? data : "", static_cast<std::size_t>(std::max(length, 0))),
        reply_subject, *deliveries));
  }
  // A status message: 404 no messages, 408 request expired, 409 too many waiting requests or
  // consumer deleted (then recreate it next time).
  const char* status = nullptr;
  const char* description = nullptr;
  natsMsgHeader_Get(reply.p, "Status", &status);
  natsMsgHeader_Get(reply.p, "Description", &description);
  const std::string_view code = status != nullptr ? status : "";
  if (code == "404" || code == "408") return std::unique_ptr<bus::Delivery>();
  if (code == "409") {
    shared->Forget(stage);
    return std::unique_ptr<bus::Delivery>();
  }
  if (code == "503") {
    // No responders: the consumer is gone (a server with a new store) or JetStream is starting.
    shared->Forget(stage);
    return UnavailableError("pull from " + consumer + ": no responders");
  }
  return InternalError("pull from " + consumer + ": unexpected answer " + std::string(code) + " " +
                       (description != nullptr ? description : ""));
}

}  // namespace

NatsBus::NatsBus(std::shared_ptr<Shared> shared) : shared_(std::move(shared)) {}
NatsBus::~NatsBus() = default;

std::string NatsBus::ConsumerName(const std::string& stage, int priority) {
  return stage + "-p" + std::to_string(std::clamp(priority, 1, bus::kPriorityCount));
}

Result<std::unique_ptr<NatsBus>> NatsBus::Connect(const NatsBusConfig& config) {
  KENSA_RETURN_IF_ERROR(CheckName("tasks_stream", config.tasks_stream));
  KENSA_RETURN_IF_ERROR(CheckName("events_stream", config.events_stream));
  if (config.tasks_stream == config.events_stream) {
    return InvalidArgumentError("tasks_stream and events_stream must differ");
  }
  if (config.max_deliver < 1) return InvalidArgumentError("max_deliver must be at least 1");
  if (config.ack_wait < milliseconds(1) || config.request_timeout < milliseconds(1) ||
      config.connect_timeout < milliseconds(1) || config.dedup_window < milliseconds(1)) {
    return InvalidArgumentError("ack_wait, request_timeout, connect_timeout and dedup_window must be positive");
  }
  // JetStream rejects a dedup window longer than the stream's max age.
  if (config.events_max_age < config.dedup_window) {
    return InvalidArgumentError("events_max_age must not be shorter than dedup_window");
  }

  auto shared = std::make_shared<Shared>();
  shared->config = config;
  natsOptions* options = nullptr;
  natsStatus s = natsOptions_Create(&options);
  if (s != NATS_OK) return FromNats(s, "nats options");
  if (s == NATS_OK) s = natsOptions_SetURL(options, config.url.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(options, "kensa");
  if (s == NATS_OK) s = natsOptions_SetTimeout(options, config.connect_timeout.count());
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(options, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(options, kReconnectWaitMs);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(options, kReconnectBufferBytes);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(options, kPingIntervalMs);
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(options, kMaxPingsOut);
  // A request in flight when the connection drops fails at once instead of timing out.
  if (s == NATS_OK) s = natsOptions_SetFailRequestsOnDisconnect(options, true);
  if (s == NATS_OK) s = natsConnection_Connect(&shared->connection, options);
  natsOptions_Destroy(options);
  if (s != NATS_OK) return FromNats(s, "connect to " + config.url);

  jsOptions js_options;
  jsOptions_Init(&js_options);
  js_options.Wait = config.request_timeout.count();
  s = natsConnection_JetStream(&shared->js, shared->connection, &js_options);
  if (s != NATS_OK) return FromNats(s, "JetStream context");
  KENSA_RETURN_IF_ERROR(shared->Ready());
  return std::unique_ptr<NatsBus>(new NatsBus(std::move(shared)));
}

Status NatsBus::PublishTask(const std::string& subject, const std::string& data,
                            const std::string& dedup_id) {
  KENSA_RETURN_IF_ERROR(CheckSubject(subject, kTaskPrefix));
  return shared_->Publish(shared_->config.tasks_stream, subject, data, dedup_id);
}

Status NatsBus::PublishEvent(const std::string& subject, const std::string& data,
                             const std::string& dedup_id) {
  KENSA_RETURN_IF_ERROR(CheckSubject(subject, kEventPrefix));
  return shared_->Publish(shared_->config.events_stream, subject, data, dedup_id);
}

Result<std::unique_ptr<bus::Delivery>> NatsBus::NextTask(const std::string& stage, milliseconds wait) {
  KENSA_RETURN_IF_ERROR(CheckName("stage", stage));
  KENSA_RETURN_IF_ERROR(shared_->Ready());
  KENSA_RETURN_IF_ERROR(shared_->EnsureConsumers(stage));
  const auto deadline = Clock::now() + std::max(wait, milliseconds(0));
  for (;;) {
    KENSA_ASSIGN_OR_RETURN(const auto messages, shared_->MessagesPerPriority(stage));
    for (int priority = 1; priority <= bus::kPriorityCount; ++priority) {
      if (messages[static_cast<std::size_t>(priority - 1)] == 0) continue;
      KENSA_ASSIGN_OR_RETURN(auto delivery, Pull(shared_, stage, priority, kProbeWait));
      if (delivery) return delivery;
    }
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (left <= kProbeWait) return std::unique_ptr<bus::Delivery>();
    KENSA_ASSIGN_OR_RETURN(auto delivery, Pull(shared_, stage, 1, std::min(left, kWaitSlice)));
    if (delivery) return delivery;
  }
}

Result<bus::StageBacklog> NatsBus::Backlog(const std::string& stage) {
  KENSA_RETURN_IF_ERROR(CheckName("stage", stage));
  KENSA_RETURN_IF_ERROR(shared_->Ready());
  KENSA_RETURN_IF_ERROR(shared_->EnsureConsumers(stage));
  bus::StageBacklog backlog;
  for (int priority = 1; priority <= bus::kPriorityCount; ++priority) {
    const std::string name = ConsumerName(stage, priority);
    jsConsumerInfo* info = nullptr;
    jsErrCode js_error = static_cast<jsErrCode>(0);
    const natsStatus s = js_GetConsumerInfo(&info, shared_->js, shared_->config.tasks_stream.c_str(),
                                            name.c_str(), nullptr, &js_error);
    if (s != NATS_OK) {
      shared_->Forget(stage);
      return FromNats(s, "consumer info of " + name, js_error);
    }
    const auto index = static_cast<std::size_t>(priority - 1);
    backlog.waiting[index] = info->NumPending;
    backlog.unacked[index] = static_cast<std::uint64_t>(std::max<int64_t>(info->NumAckPending, 0));
    jsConsumerInfo_Destroy(info);
  }
  return backlog;
}

}  // namespace kensa::bus_nats
