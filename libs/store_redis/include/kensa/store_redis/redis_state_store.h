#pragma once
// RedisStateStore: the pipeline's state store (kensa/store/state_store.h) on Redis, shared by
// the services. Key layout at the top of src/redis_state_store.cc and in docs/pipeline.md.
//
//   auto store = kensa::store_redis::RedisStateStore::Connect({.url = "redis://redis:6379/0"});
//   if (!store) return store.error();
//   (*store)->PutSubmission(id, bytes);
//
// Failures: a connection error (Redis restarting, loading its append-only file) is retried on
// a fresh connection with backoff for up to `retry_for`; only then does the call return
// UnavailableError. Every write is idempotent, so a retried write whose first attempt did
// reach Redis leaves the same state. With appendonly + appendfsync always, a Redis restart
// inside `retry_for` is invisible to callers and loses nothing.
//
// Thread safety: every method may be called from many threads at once. Connections come from
// a small pool: a call takes an idle connection (or opens one), uses it alone, and gives it
// back; a connection that failed is closed instead. The pool grows to the number of
// concurrent callers and no further.
//
// Keys are built from the arguments: tenant, submission and root ids, sha256 and stage must be
// 1-512 bytes without ':' or control characters (InvalidArgumentError otherwise), so one key
// can never be read as another; config_version is always the last part of its key and only
// needs to be 1-512 bytes without control characters. Values are opaque bytes.

#include <chrono>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/status.h"
#include "kensa/store/state_store.h"

namespace kensa::store_redis {

struct RedisStoreConfig {
  // redis://host[:port][/db]; port 6379 and db 0 when left out.
  std::string url = "redis://127.0.0.1:6379/0";
  // Prefix of every key, so that several deployments can share one Redis.
  std::string key_prefix = "kensa:";
  // Connect and per-command socket timeout.
  std::chrono::milliseconds op_timeout = std::chrono::seconds(2);
  // How long connection errors are retried before a call gives up with UnavailableError.
  std::chrono::milliseconds retry_for = std::chrono::seconds(10);
};

class RedisStateStore final : public store::StateStore {
 public:
  // Parses the URL and pings Redis (retrying as every call does). InvalidArgumentError for a
  // bad URL; UnavailableError when Redis does not answer within retry_for.
  static Result<std::unique_ptr<RedisStateStore>> Connect(const RedisStoreConfig& config);
  ~RedisStateStore() override;

  Status PutSubmission(const std::string& id, const std::string& submission) override;
  Result<std::optional<std::string>> GetSubmission(const std::string& id) override;
  Status IndexRootSubmission(const std::string& tenant, const std::string& id,
                             const std::string& sha256, std::uint64_t sequence) override;
  Result<store::SubmissionPage> ListRootSubmissions(const std::string& tenant, std::uint64_t offset,
                                                    std::uint64_t limit) override;
  Result<std::vector<std::string>> SubmissionsOfSample(const std::string& tenant,
                                                       const std::string& sha256) override;
  Status PutSample(const std::string& sha256, const std::string& sample) override;
  Result<std::optional<std::string>> GetSample(const std::string& sha256) override;
  Status PutResult(const std::string& sha256, const std::string& stage,
                   const std::string& config_version, const std::string& result) override;
  Result<std::optional<std::string>> GetResult(const std::string& sha256, const std::string& stage,
                                               const std::string& config_version) override;
  Status AddTreeNode(const std::string& root_id, const std::string& node_id) override;
  Result<store::TreeProgress> MarkTreeNodeDone(const std::string& root_id,
                                               const std::string& node_id) override;
  Result<store::TreeProgress> GetTreeProgress(const std::string& root_id) override;
  Result<std::vector<std::string>> GetTreeNodes(const std::string& root_id) override;
  Status PutReport(const std::string& root_id, const std::string& report) override;
  Result<std::optional<std::string>> GetReport(const std::string& root_id) override;
  Status PutFinished(const std::string& sha256, const std::string& config_version,
                     const std::string& root_id) override;
  Result<std::optional<std::string>> GetFinished(const std::string& sha256,
                                                 const std::string& config_version) override;
  Status AddTenantIndicators(const std::string& tenant,
                             const std::map<std::string, std::string>& indicators) override;
  Result<std::map<std::string, std::string>> GetTenantIndicators(const std::string& tenant) override;
  Status Ping() override;

  class Client;  // the connection pool and the retry loop (src/redis_state_store.cc)

 private:
  RedisStateStore(std::string key_prefix, std::unique_ptr<Client> client);
  // key_prefix_ + parts joined by ':'.
  std::string Key(std::initializer_list<std::string_view> parts) const;
  Status Set(std::string key, const std::string& value, const char* what);
  Result<std::optional<std::string>> Get(std::string key, const char* what);

  std::string key_prefix_;
  std::unique_ptr<Client> client_;
};

}  // namespace kensa::store_redis
