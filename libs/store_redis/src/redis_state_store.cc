// RedisStateStore on hiredis 0.14 (Debian 12), synchronous API.
//
// Key layout (every key starts with the configured prefix, "kensa:" by default):
//
//   sub:<id>                          string  serialized Submission
//   tenant:<tenant>:roots             zset    root submission ids, score = sequence (ms)
//   tenant:<tenant>:sample:<sha256>   zset    the tenant's root submission ids of that content
//   sample:<sha256>                   string  serialized Sample (shared by all tenants)
//   result:<sha256>:<stage>:<config>  string  serialized stage result
//   tree:<root>:nodes                 set     node ids of the submission tree (root included)
//   tree:<root>:done                  set     node ids that are finished
//   report:<root>                     string  serialized Report
//   finished:<sha256>:<config>        string  root id whose report covers this content
//
// No key expires: retention is a job for an operator tool, not for the pipeline.
//
// Commands are sent with redisAppendCommandArgv: every argument travels with its length, so
// values are binary-safe and nothing is ever spliced into a command string. Multi-key updates
// and reads go through MULTI/EXEC; MarkTreeNodeDone is one Lua script (SADD, then both SCARDs)
// so that the progress it returns is the state right after its own SADD.

#include "kensa/store_redis/redis_state_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <mutex>
#include <thread>
#include <vector>

namespace kensa::store_redis {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Command = std::vector<std::string>;

constexpr std::size_t kMaxKeyPartBytes = 512;
constexpr milliseconds kFirstBackoff{50};
constexpr milliseconds kMaxBackoff{500};
// Replies nest two levels at most here (EXEC of ZREVRANGE); a bound keeps a confused server
// from driving deep recursion.
constexpr int kMaxReplyDepth = 4;

// MarkTreeNodeDone: KEYS[1] nodes set, KEYS[2] done set, ARGV[1] node id.
constexpr const char* kMarkDoneScript =
    "redis.call('SADD', KEYS[2], ARGV[1])\n"
    "return {redis.call('SCARD', KEYS[1]), redis.call('SCARD', KEYS[2])}\n";

// A reply copied out of hiredis, so that no hiredis type leaves this file.
struct Reply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string text;  // string, status and error replies
  long long integer = 0;
  std::vector<Reply> elements;
};

Reply CopyReply(const redisReply* r, int depth) {
  Reply reply;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      reply.type = Reply::Type::kString;
      reply.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      reply.type = Reply::Type::kStatus;
      reply.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      reply.type = Reply::Type::kError;
      reply.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      reply.type = Reply::Type::kInteger;
      reply.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      reply.type = Reply::Type::kArray;
      if (depth < kMaxReplyDepth) {
        for (std::size_t i = 0; i < r->elements; ++i) reply.elements.push_back(CopyReply(r->element[i], depth + 1));
      }
      break;
    default:
      break;  // nil
  }
  return reply;
}

// Errors Redis returns while it cannot serve yet; the same command succeeds a moment later.
bool IsTransientError(const Reply& reply) {
  auto starts = [&](const char* prefix) { return reply.text.rfind(prefix, 0) == 0; };
  return reply.type == Reply::Type::kError && (starts("LOADING") || starts("TRYAGAIN") || starts("BUSY"));
}

// The first error reply, looking into EXEC's array.
const Reply* FindError(const std::vector<Reply>& replies) {
  for (const Reply& reply : replies) {
    if (reply.type == Reply::Type::kError) return &reply;
    if (reply.type == Reply::Type::kArray) {
      if (const Reply* inner = FindError(reply.elements)) return inner;
    }
  }
  return nullptr;
}

bool IsControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte < 0x20 || byte == 0x7f;
}

Status CheckKeyPart(const char* what, const std::string& value) {
  if (value.empty() || value.size() > kMaxKeyPartBytes || value.find(':') != std::string::npos ||
      std::any_of(value.begin(), value.end(), IsControl)) {
    return InvalidArgumentError(std::string(what) + " must be 1-512 bytes without ':' or control characters");
  }
  return Status::Ok();
}

Status CheckConfigVersion(const std::string& value) {
  if (value.empty() || value.size() > kMaxKeyPartBytes || std::any_of(value.begin(), value.end(), IsControl)) {
    return InvalidArgumentError("config_version must be 1-512 bytes without control characters");
  }
  return Status::Ok();
}

struct Endpoint {
  std::string host;
  int port = 6379;
  int db = 0;
};

// redis://host[:port][/db]
Result<Endpoint> ParseUrl(const std::string& url) {
  static constexpr std::string_view kScheme = "redis://";
  auto bad = [&](const std::string& why) {
    return InvalidArgumentError("redis URL \"" + url + "\": " + why + " (expected redis://host[:port][/db])");
  };
  if (url.rfind(kScheme, 0) != 0) return bad("wrong scheme");
  std::string_view rest(url);
  rest.remove_prefix(kScheme.size());
  Endpoint endpoint;
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view db = rest.substr(slash + 1);
    if (!db.empty()) {
      const auto [end, error] = std::from_chars(db.data(), db.data() + db.size(), endpoint.db);
      if (error != std::errc() || end != db.data() + db.size() || endpoint.db < 0) return bad("bad database number");
    }
  }
  const std::size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
    if (error != std::errc() || end != port.data() + port.size() || endpoint.port < 1 || endpoint.port > 65535) {
      return bad("bad port");
    }
    authority = authority.substr(0, colon);
  }
  if (authority.empty() || authority.find('@') != std::string_view::npos) return bad("bad host");
  endpoint.host = std::string(authority);
  return endpoint;
}

timeval ToTimeval(milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

}  // namespace

class RedisStateStore::Client {
 public:
  Client(Endpoint endpoint, const RedisStoreConfig& config)
      : endpoint_(std::move(endpoint)), op_timeout_(config.op_timeout), retry_for_(config.retry_for) {}

  // Runs `commands` as one pipeline on one connection and returns one reply per command.
  // Connection errors and transient error replies are retried for retry_for; an error reply
  // to any command is returned as an error.
  Result<std::vector<Reply>> Run(const std::vector<Command>& commands, const char* what) {
    const auto deadline = Clock::now() + retry_for_;
    milliseconds backoff = kFirstBackoff;
    for (;;) {
      bool from_pool = false;
      bool stale = false;  // a pooled connection broke
      Status failure;
      Result<Context> context = Take(&from_pool);
      if (context) {
        Result<std::vector<Reply>> replies = Execute(context->get(), commands);
        if (replies) {
          const Reply* error = FindError(*replies);
          if (error == nullptr) {
            Give(std::move(*context));
            return replies;
          }
          if (!IsTransientError(*error)) {
            Give(std::move(*context));
            return InternalError(std::string("redis ") + what + ": " + error->text);
          }
          Give(std::move(*context));
          failure = UnavailableError(std::string("redis ") + what + ": " + error->text);
        } else {
          failure = replies.error();  // the connection is broken: dropped with `context`
          stale = from_pool;
        }
      } else {
        failure = context.error();
      }
      if (failure.code() != StatusCode::kUnavailable) return failure;
      // A pooled connection that fails is most likely stale because Redis restarted, and then
      // so are the other idle ones: drop them all and retry at once on a fresh connection.
      if (stale) {
        DropIdle();
        continue;
      }
      if (Clock::now() + backoff > deadline) {
        return UnavailableError(std::string("redis ") + what + " at " + endpoint_.host + ":" +
                                std::to_string(endpoint_.port) + " failed for " +
                                std::to_string(retry_for_.count()) + " ms: " + failure.message());
      }
      std::this_thread::sleep_for(backoff);
      backoff = std::min(backoff * 2, kMaxBackoff);
    }
  }

 private:
  Result<Context> Take(bool* from_pool) {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        Context context = std::move(idle_.back());
        idle_.pop_back();
        *from_pool = true;
        return context;
      }
    }
    *from_pool = false;
    return Open();
  }

  void DropIdle() {
    std::lock_guard lock(mutex_);
    idle_.clear();
  }

  void Give(Context context) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(context));
  }

  Result<Context> Open() {
    Context context(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, ToTimeval(op_timeout_)));
    if (context == nullptr) return UnavailableError("cannot allocate a redis connection");
    if (context->err != 0) return UnavailableError(std::string("connect: ") + context->errstr);
    if (redisSetTimeout(context.get(), ToTimeval(op_timeout_)) != REDIS_OK) {
      return UnavailableError(std::string("set timeout: ") + context->errstr);
    }
    if (endpoint_.db != 0) {
      KENSA_ASSIGN_OR_RETURN(auto replies, Execute(context.get(), {{"SELECT", std::to_string(endpoint_.db)}}));
      if (const Reply* error = FindError(replies)) {
        if (IsTransientError(*error)) return UnavailableError("SELECT: " + error->text);
        return InvalidArgumentError("SELECT " + std::to_string(endpoint_.db) + ": " + error->text);
      }
    }
    return context;
  }

  // Sends the pipeline and reads every reply. An error means the connection is unusable.
  static Result<std::vector<Reply>> Execute(redisContext* c, const std::vector<Command>& commands) {
    for (const Command& command : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> lengths;
      for (const std::string& argument : command) {
        argv.push_back(argument.data());
        lengths.push_back(argument.size());
      }
      if (redisAppendCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lengths.data()) != REDIS_OK) {
        return UnavailableError(std::string("send: ") + c->errstr);
      }
    }
    std::vector<Reply> replies;
    for (std::size_t i = 0; i < commands.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(c, &raw) != REDIS_OK || raw == nullptr) {
        return UnavailableError(std::string("receive: ") + (c->err != 0 ? c->errstr : "no reply"));
      }
      std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw), freeReplyObject);
      replies.push_back(CopyReply(reply.get(), 0));
    }
    return replies;
  }

  const Endpoint endpoint_;
  const milliseconds op_timeout_;
  const milliseconds retry_for_;
  std::mutex mutex_;
  std::vector<Context> idle_;
};

namespace {

Result<std::optional<std::string>> AsOptionalString(const Reply& reply) {
  if (reply.type == Reply::Type::kNil) return std::optional<std::string>();
  if (reply.type != Reply::Type::kString) return InternalError("redis: expected a string reply");
  return std::optional<std::string>(reply.text);
}

Result<std::vector<std::string>> AsStrings(const Reply& reply) {
  if (reply.type != Reply::Type::kArray) return InternalError("redis: expected an array reply");
  std::vector<std::string> strings;
  strings.reserve(reply.elements.size());
  for (const Reply& element : reply.elements) {
    if (element.type != Reply::Type::kString) return InternalError("redis: expected string elements");
    strings.push_back(element.text);
  }
  return strings;
}

Result<std::uint64_t> AsCount(const Reply& reply) {
  if (reply.type != Reply::Type::kInteger || reply.integer < 0) return InternalError("redis: expected a count");
  return static_cast<std::uint64_t>(reply.integer);
}

// The replies of the commands inside MULTI ... EXEC: EXEC's array.
Result<std::vector<Reply>> ExecReplies(std::vector<Reply> replies, std::size_t expected) {
  if (replies.empty() || replies.back().type != Reply::Type::kArray ||
      replies.back().elements.size() != expected) {
    return InternalError("redis: transaction was not executed");
  }
  return std::move(replies.back().elements);
}

// Progress from {SCARD nodes, SCARD done}.
Result<store::TreeProgress> AsProgress(const Reply& nodes, const Reply& done) {
  KENSA_ASSIGN_OR_RETURN(const std::uint64_t node_count, AsCount(nodes));
  KENSA_ASSIGN_OR_RETURN(const std::uint64_t done_count, AsCount(done));
  return store::TreeProgress{node_count, done_count};
}

}  // namespace

RedisStateStore::RedisStateStore(std::string key_prefix, std::unique_ptr<Client> client)
    : key_prefix_(std::move(key_prefix)), client_(std::move(client)) {}

RedisStateStore::~RedisStateStore() = default;

Result<std::unique_ptr<RedisStateStore>> RedisStateStore::Connect(const RedisStoreConfig& config) {
  KENSA_ASSIGN_OR_RETURN(Endpoint endpoint, ParseUrl(config.url));
  if (config.op_timeout < milliseconds(1)) return InvalidArgumentError("op_timeout must be positive");
  if (config.retry_for < milliseconds(0)) return InvalidArgumentError("retry_for must not be negative");
  if (std::any_of(config.key_prefix.begin(), config.key_prefix.end(), IsControl)) {
    return InvalidArgumentError("key_prefix must not contain control characters");
  }
  std::unique_ptr<RedisStateStore> store(
      new RedisStateStore(config.key_prefix, std::make_unique<Client>(std::move(endpoint), config)));
  KENSA_RETURN_IF_ERROR(store->Ping());
  return store;
}

Status RedisStateStore::Ping() {
  KENSA_ASSIGN_OR_RETURN(auto replies, client_->Run({{"PING"}}, "PING"));
  if (replies[0].type != Reply::Type::kStatus || replies[0].text != "PONG") {
    return InternalError("redis PING answered " + replies[0].text);
  }
  return Status::Ok();
}

// Keys: see the layout at the top of this file.
std::string RedisStateStore::Key(std::initializer_list<std::string_view> parts) const {
  std::string key = key_prefix_;
  bool first = true;
  for (std::string_view part : parts) {
    if (!first) key += ':';
    key += part;
    first = false;
  }
  return key;
}

Status RedisStateStore::Set(std::string key, const std::string& value, const char* what) {
  auto replies = client_->Run({{"SET", std::move(key), value}}, what);
  return replies ? Status::Ok() : replies.error();
}

Result<std::optional<std::string>> RedisStateStore::Get(std::string key, const char* what) {
  KENSA_ASSIGN_OR_RETURN(auto replies, client_->Run({{"GET", std::move(key)}}, what));
  return AsOptionalString(replies[0]);
}

Status RedisStateStore::PutSubmission(const std::string& id, const std::string& submission) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("submission id", id));
  return Set(Key({"sub", id}), submission, "PutSubmission");
}

Result<std::optional<std::string>> RedisStateStore::GetSubmission(const std::string& id) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("submission id", id));
  return Get(Key({"sub", id}), "GetSubmission");
}

Status RedisStateStore::IndexRootSubmission(const std::string& tenant, const std::string& id,
                                            const std::string& sha256, std::uint64_t sequence) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("tenant", tenant));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("submission id", id));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  // Scores are doubles: sequences (milliseconds since the epoch) are exact up to 2^53.
  const std::string score = std::to_string(sequence);
  auto replies = client_->Run({{"MULTI"},
                               {"ZADD", Key({"tenant", tenant, "roots"}), score, id},
                               {"ZADD", Key({"tenant", tenant, "sample", sha256}), score, id},
                               {"EXEC"}},
                              "IndexRootSubmission");
  return replies ? Status::Ok() : replies.error();
}

Result<store::SubmissionPage> RedisStateStore::ListRootSubmissions(const std::string& tenant,
                                                                   std::uint64_t offset,
                                                                   std::uint64_t limit) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("tenant", tenant));
  const std::string key = Key({"tenant", tenant, "roots"});
  constexpr auto kMaxIndex = static_cast<std::uint64_t>(LLONG_MAX);  // Redis ranks are signed 64-bit
  store::SubmissionPage page;
  if (limit == 0 || offset > kMaxIndex) {
    KENSA_ASSIGN_OR_RETURN(auto replies, client_->Run({{"ZCARD", key}}, "ListRootSubmissions"));
    KENSA_ASSIGN_OR_RETURN(page.total, AsCount(replies[0]));
    return page;
  }
  const std::uint64_t stop = limit - 1 > kMaxIndex - offset ? kMaxIndex : offset + limit - 1;
  KENSA_ASSIGN_OR_RETURN(
      auto replies,
      client_->Run({{"MULTI"},
                    {"ZCARD", key},
                    {"ZREVRANGE", key, std::to_string(offset), std::to_string(stop)},
                    {"EXEC"}},
                   "ListRootSubmissions"));
  KENSA_ASSIGN_OR_RETURN(auto results, ExecReplies(std::move(replies), 2));
  KENSA_ASSIGN_OR_RETURN(page.total, AsCount(results[0]));
  KENSA_ASSIGN_OR_RETURN(page.ids, AsStrings(results[1]));
  return page;
}

Result<std::vector<std::string>> RedisStateStore::SubmissionsOfSample(const std::string& tenant,
                                                                      const std::string& sha256) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("tenant", tenant));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  KENSA_ASSIGN_OR_RETURN(
      auto replies,
      client_->Run({{"ZREVRANGE", Key({"tenant", tenant, "sample", sha256}), "0", "-1"}}, "SubmissionsOfSample"));
  return AsStrings(replies[0]);
}

Status RedisStateStore::PutSample(const std::string& sha256, const std::string& sample) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  return Set(Key({"sample", sha256}), sample, "PutSample");
}

Result<std::optional<std::string>> RedisStateStore::GetSample(const std::string& sha256) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  return Get(Key({"sample", sha256}), "GetSample");
}

Status RedisStateStore::PutResult(const std::string& sha256, const std::string& stage,
                                  const std::string& config_version, const std::string& result) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("stage", stage));
  KENSA_RETURN_IF_ERROR(CheckConfigVersion(config_version));
  return Set(Key({"result", sha256, stage, config_version}), result, "PutResult");
}

Result<std::optional<std::string>> RedisStateStore::GetResult(const std::string& sha256,
                                                              const std::string& stage,
                                                              const std::string& config_version) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("stage", stage));
  KENSA_RETURN_IF_ERROR(CheckConfigVersion(config_version));
  return Get(Key({"result", sha256, stage, config_version}), "GetResult");
}

Status RedisStateStore::AddTreeNode(const std::string& root_id, const std::string& node_id) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("root id", root_id));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("node id", node_id));
  auto replies = client_->Run({{"SADD", Key({"tree", root_id, "nodes"}), node_id}}, "AddTreeNode");
  return replies ? Status::Ok() : replies.error();
}

Result<store::TreeProgress> RedisStateStore::MarkTreeNodeDone(const std::string& root_id,
                                                              const std::string& node_id) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("root id", root_id));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("node id", node_id));
  // EVAL rather than EVALSHA: the script is 100 bytes, and a restarted Redis has an empty
  // script cache (EVALSHA would need a NOSCRIPT fallback).
  KENSA_ASSIGN_OR_RETURN(auto replies,
                         client_->Run({{"EVAL", kMarkDoneScript, "2", Key({"tree", root_id, "nodes"}),
                                        Key({"tree", root_id, "done"}), node_id}},
                                      "MarkTreeNodeDone"));
  if (replies[0].type != Reply::Type::kArray || replies[0].elements.size() != 2) {
    return InternalError("redis MarkTreeNodeDone: unexpected script reply");
  }
  return AsProgress(replies[0].elements[0], replies[0].elements[1]);
}

Result<store::TreeProgress> RedisStateStore::GetTreeProgress(const std::string& root_id) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("root id", root_id));
  KENSA_ASSIGN_OR_RETURN(auto replies,
                         client_->Run({{"MULTI"},
                                       {"SCARD", Key({"tree", root_id, "nodes"})},
                                       {"SCARD", Key({"tree", root_id, "done"})},
                                       {"EXEC"}},
                                      "GetTreeProgress"));
  KENSA_ASSIGN_OR_RETURN(auto results, ExecReplies(std::move(replies), 2));
  return AsProgress(results[0], results[1]);
}

Result<std::vector<std::string>> RedisStateStore::GetTreeNodes(const std::string& root_id) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("root id", root_id));
  KENSA_ASSIGN_OR_RETURN(auto replies,
                         client_->Run({{"SMEMBERS", Key({"tree", root_id, "nodes"})}}, "GetTreeNodes"));
  return AsStrings(replies[0]);
}

Status RedisStateStore::PutReport(const std::string& root_id, const std::string& report) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("root id", root_id));
  return Set(Key({"report", root_id}), report, "PutReport");
}

Result<std::optional<std::string>> RedisStateStore::GetReport(const std::string& root_id) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("root id", root_id));
  return Get(Key({"report", root_id}), "GetReport");
}

Status RedisStateStore::PutFinished(const std::string& sha256, const std::string& config_version,
                                    const std::string& root_id) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  KENSA_RETURN_IF_ERROR(CheckConfigVersion(config_version));
  KENSA_RETURN_IF_ERROR(CheckKeyPart("root id", root_id));
  return Set(Key({"finished", sha256, config_version}), root_id, "PutFinished");
}

Result<std::optional<std::string>> RedisStateStore::GetFinished(const std::string& sha256,
                                                                const std::string& config_version) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("sha256", sha256));
  KENSA_RETURN_IF_ERROR(CheckConfigVersion(config_version));
  return Get(Key({"finished", sha256, config_version}), "GetFinished");
}

Status RedisStateStore::AddTenantIndicators(const std::string& tenant,
                                            const std::map<std::string, std::string>& indicators) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("tenant", tenant));
  if (indicators.empty()) return Status::Ok();
  // One HSET: all of a report's indicators land together or not at all.
  Command hset = {"HSET", Key({"tenant", tenant, "known_bad"})};
  for (const auto& [value, origin] : indicators) {
    hset.push_back(value);
    hset.push_back(origin);
  }
  auto replies = client_->Run({hset}, "AddTenantIndicators");
  return replies ? Status::Ok() : replies.error();
}

Result<std::map<std::string, std::string>> RedisStateStore::GetTenantIndicators(const std::string& tenant) {
  KENSA_RETURN_IF_ERROR(CheckKeyPart("tenant", tenant));
  KENSA_ASSIGN_OR_RETURN(auto replies,
                         client_->Run({{"HGETALL", Key({"tenant", tenant, "known_bad"})}}, "GetTenantIndicators"));
  KENSA_ASSIGN_OR_RETURN(auto pairs, AsStrings(replies[0]));
  if (pairs.size() % 2 != 0) return InternalError("redis: HGETALL returned an odd number of strings");
  std::map<std::string, std::string> indicators;
  for (std::size_t i = 0; i < pairs.size(); i += 2) indicators.emplace(std::move(pairs[i]), std::move(pairs[i + 1]));
  return indicators;
}

}  // namespace kensa::store_redis
