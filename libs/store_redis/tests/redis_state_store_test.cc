#include "kensa/store_redis/redis_state_store.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "kensa/test_servers/test_servers.h"

namespace {

using kensa::StatusCode;
using kensa::store::TreeProgress;
using kensa::store_redis::RedisStateStore;
using kensa::store_redis::RedisStoreConfig;
using kensa::test_servers::RedisServer;
using kensa::test_servers::TempDir;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

const std::string kShaA(64, 'a');
const std::string kShaB(64, 'b');

struct RedisFixture {
  TempDir dir;
  RedisServer server;

  RedisFixture() {
    const kensa::Status started = server.Start(dir.path());
    INFO(started.ToString());
    REQUIRE(started.ok());
  }

  std::unique_ptr<RedisStateStore> Connect(RedisStoreConfig config = {}) {
    config.url = server.url();
    auto store = RedisStateStore::Connect(config);
    INFO((store ? std::string("ok") : store.error().ToString()));
    REQUIRE(store);
    return std::move(*store);
  }
};

template <typename T>
T Value(kensa::Result<T> result) {
  INFO((result ? std::string("ok") : result.error().ToString()));
  REQUIRE(result);
  return std::move(*result);
}

void Ok(const kensa::Status& status) {
  INFO(status.ToString());
  REQUIRE(status.ok());
}

}  // namespace

// Found by argument-dependent lookup from inside Catch's comparisons.
namespace kensa::store {
bool operator==(const TreeProgress& a, const TreeProgress& b) { return a.nodes == b.nodes && a.done == b.done; }
}  // namespace kensa::store

namespace Catch {
template <>
struct StringMaker<TreeProgress> {
  static std::string convert(const TreeProgress& p) {
    return "{nodes " + std::to_string(p.nodes) + ", done " + std::to_string(p.done) + "}";
  }
};
}  // namespace Catch

TEST_CASE("Submissions, samples, results, reports and finished markers round-trip") {
  RedisFixture redis;
  auto store = redis.Connect();

  CHECK(Value(store->GetSubmission("s1")) == std::nullopt);
  Ok(store->PutSubmission("s1", "submission one"));
  CHECK(Value(store->GetSubmission("s1")) == "submission one");
  Ok(store->PutSubmission("s1", "submission one, updated"));
  CHECK(Value(store->GetSubmission("s1")) == "submission one, updated");

  CHECK(Value(store->GetSample(kShaA)) == std::nullopt);
  Ok(store->PutSample(kShaA, "sample a"));
  CHECK(Value(store->GetSample(kShaA)) == "sample a");

  Ok(store->PutResult(kShaA, "static", "rules-7", "static result"));
  CHECK(Value(store->GetResult(kShaA, "static", "rules-7")) == "static result");
  CHECK(Value(store->GetResult(kShaA, "static", "rules-8")) == std::nullopt);
  CHECK(Value(store->GetResult(kShaA, "sandbox", "rules-7")) == std::nullopt);
  // The configuration version is the last part of its key and may hold ':'.
  Ok(store->PutResult(kShaA, "static", "sha256:0123", "pinned"));
  CHECK(Value(store->GetResult(kShaA, "static", "sha256:0123")) == "pinned");

  CHECK(Value(store->GetReport("s1")) == std::nullopt);
  Ok(store->PutReport("s1", "report of s1"));
  CHECK(Value(store->GetReport("s1")) == "report of s1");

  CHECK(Value(store->GetFinished(kShaA, "rules-7")) == std::nullopt);
  Ok(store->PutFinished(kShaA, "rules-7", "s1"));
  CHECK(Value(store->GetFinished(kShaA, "rules-7")) == "s1");
  CHECK(Value(store->GetFinished(kShaB, "rules-7")) == std::nullopt);

  Ok(store->Ping());
}

TEST_CASE("Values are binary-safe: NUL bytes, high bytes and empty values round-trip") {
  RedisFixture redis;
  auto store = redis.Connect();
  const std::string binary("\0\r\n$3\r\nSET\xff\x00tail", 17);
  Ok(store->PutSubmission("bin", binary));
  CHECK(Value(store->GetSubmission("bin")) == binary);
  Ok(store->PutReport("empty", ""));
  CHECK(Value(store->GetReport("empty")) == std::string());
  std::string big(4 * 1024 * 1024, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  Ok(store->PutSample(kShaB, big));
  CHECK(Value(store->GetSample(kShaB)) == big);
}

TEST_CASE("Keys follow the documented layout under the prefix") {
  RedisFixture redis;
  RedisStoreConfig config;
  config.key_prefix = "test:";
  auto store = redis.Connect(config);
  Ok(store->PutSubmission("s1", "x"));
  Ok(store->IndexRootSubmission("acme", "s1", kShaA, 1000));
  Ok(store->PutSample(kShaA, "x"));
  Ok(store->PutResult(kShaA, "static", "v1", "r"));
  Ok(store->AddTreeNode("s1", "s1"));
  Value(store->MarkTreeNodeDone("s1", "s1"));
  Ok(store->PutReport("s1", "x"));
  Ok(store->PutFinished(kShaA, "v1", "s1"));
  Ok(store->AddTenantIndicators("acme", {{"evil.example", "triage report s1 (x, malicious)"}}));

  redisContext* raw = redisConnect("127.0.0.1", redis.server.port());
  REQUIRE(raw != nullptr);
  REQUIRE(raw->err == 0);
  auto* keys = static_cast<redisReply*>(redisCommand(raw, "KEYS *"));
  REQUIRE(keys != nullptr);
  REQUIRE(keys->type == REDIS_REPLY_ARRAY);
  std::map<std::string, std::string> types;
  for (std::size_t i = 0; i < keys->elements; ++i) {
    const std::string key(keys->element[i]->str, keys->element[i]->len);
    auto* type = static_cast<redisReply*>(redisCommand(raw, "TYPE %b", key.data(), key.size()));
    REQUIRE(type != nullptr);
    types[key] = std::string(type->str, type->len);
    freeReplyObject(type);
  }
  freeReplyObject(keys);
  redisFree(raw);
  const std::string a = kShaA;
  CHECK(types == std::map<std::string, std::string>{
                     {"test:sub:s1", "string"},
                     {"test:tenant:acme:roots", "zset"},
                     {"test:tenant:acme:sample:" + a, "zset"},
                     {"test:sample:" + a, "string"},
                     {"test:result:" + a + ":static:v1", "string"},
                     {"test:tree:s1:nodes", "set"},
                     {"test:tree:s1:done", "set"},
                     {"test:report:s1", "string"},
                     {"test:finished:" + a + ":v1", "string"},
                     {"test:tenant:acme:known_bad", "hash"},
                 });

  // Another prefix sees none of it.
  auto other = redis.Connect();
  CHECK(Value(other->GetSubmission("s1")) == std::nullopt);
  CHECK(Value(other->ListRootSubmissions("acme", 0, 10)).total == 0);
}

TEST_CASE("ListRootSubmissions pages newest first and counts the total") {
  RedisFixture redis;
  auto store = redis.Connect();
  // Indexed out of order; sequence decides.
  Ok(store->IndexRootSubmission("acme", "s2", kShaA, 2000));
  Ok(store->IndexRootSubmission("acme", "s1", kShaA, 1000));
  Ok(store->IndexRootSubmission("acme", "s4", kShaB, 4000));
  Ok(store->IndexRootSubmission("acme", "s3", kShaB, 3000));
  Ok(store->IndexRootSubmission("acme", "s3", kShaB, 3000));  // twice is harmless
  Ok(store->IndexRootSubmission("acme", "s5", kShaA, 1'715'000'000'123));  // a real epoch-ms value

  auto page = Value(store->ListRootSubmissions("acme", 0, 2));
  CHECK(page.total == 5);
  CHECK(page.ids == std::vector<std::string>{"s5", "s4"});
  page = Value(store->ListRootSubmissions("acme", 2, 2));
  CHECK(page.ids == std::vector<std::string>{"s3", "s2"});
  page = Value(store->ListRootSubmissions("acme", 4, 2));
  CHECK(page.ids == std::vector<std::string>{"s1"});
  page = Value(store->ListRootSubmissions("acme", 5, 2));
  CHECK(page.ids.empty());
  CHECK(page.total == 5);
  page = Value(store->ListRootSubmissions("acme", 0, 0));
  CHECK(page.ids.empty());
  CHECK(page.total == 5);
  page = Value(store->ListRootSubmissions("acme", 1, UINT64_MAX));
  CHECK(page.ids == std::vector<std::string>{"s4", "s3", "s2", "s1"});
  page = Value(store->ListRootSubmissions("acme", UINT64_MAX, 10));
  CHECK(page.ids.empty());

  page = Value(store->ListRootSubmissions("nobody", 0, 10));
  CHECK(page.total == 0);
  CHECK(page.ids.empty());
}

TEST_CASE("SubmissionsOfSample lists a tenant's own submissions of that content only") {
  RedisFixture redis;
  auto store = redis.Connect();
  Ok(store->IndexRootSubmission("a", "a-1", kShaA, 10));
  Ok(store->IndexRootSubmission("a", "a-2", kShaA, 20));
  Ok(store->IndexRootSubmission("a", "a-3", kShaB, 30));
  Ok(store->IndexRootSubmission("b", "b-1", kShaB, 40));

  CHECK(Value(store->SubmissionsOfSample("a", kShaA)) == std::vector<std::string>{"a-2", "a-1"});
  CHECK(Value(store->SubmissionsOfSample("a", kShaB)) == std::vector<std::string>{"a-3"});
  CHECK(Value(store->SubmissionsOfSample("b", kShaA)).empty());
  CHECK(Value(store->SubmissionsOfSample("b", kShaB)) == std::vector<std::string>{"b-1"});
  CHECK(Value(store->ListRootSubmissions("b", 0, 10)).ids == std::vector<std::string>{"b-1"});
}

TEST_CASE("A tenant's known-bad indicators are its own, and adding a value again replaces its origin") {
  RedisFixture redis;
  auto store = redis.Connect();
  using Indicators = std::map<std::string, std::string>;
  CHECK(Value(store->GetTenantIndicators("a")).empty());
  Ok(store->AddTenantIndicators("a", {{"198.51.100.7", "triage report r1 (x.exe, malicious)"}, {kShaA, "triage report r1 (x.exe, malicious)"}}));
  Ok(store->AddTenantIndicators("a", {{"198.51.100.7", "triage report r2 (y.doc, critical)"}}));
  Ok(store->AddTenantIndicators("a", {}));
  Ok(store->AddTenantIndicators("b", {{"evil.example", "triage report r3 (z.js, malicious)"}}));
  CHECK(Value(store->GetTenantIndicators("a")) == Indicators{{"198.51.100.7", "triage report r2 (y.doc, critical)"},
                                                             {kShaA, "triage report r1 (x.exe, malicious)"}});
  CHECK(Value(store->GetTenantIndicators("b")) == Indicators{{"evil.example", "triage report r3 (z.js, malicious)"}});
  CHECK(store->AddTenantIndicators("a:b", {{"x.example", "o"}}).code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Tree progress completes only after the last node, counting each node once") {
  RedisFixture redis;
  auto store = redis.Connect();
  CHECK(Value(store->GetTreeProgress("root")) == TreeProgress{0, 0});
  CHECK_FALSE(Value(store->GetTreeProgress("root")).complete());

  Ok(store->AddTreeNode("root", "root"));
  Ok(store->AddTreeNode("root", "child-1"));
  Ok(store->AddTreeNode("root", "child-2"));
  Ok(store->AddTreeNode("root", "child-2"));  // a node counts once

  auto progress = Value(store->MarkTreeNodeDone("root", "child-2"));
  CHECK(progress == TreeProgress{3, 1});
  CHECK_FALSE(progress.complete());
  progress = Value(store->MarkTreeNodeDone("root", "child-2"));  // redelivered task
  CHECK(progress == TreeProgress{3, 1});
  progress = Value(store->MarkTreeNodeDone("root", "root"));
  CHECK(progress == TreeProgress{3, 2});
  CHECK_FALSE(progress.complete());
  progress = Value(store->MarkTreeNodeDone("root", "child-1"));
  CHECK(progress == TreeProgress{3, 3});
  CHECK(progress.complete());
  CHECK(Value(store->GetTreeProgress("root")) == TreeProgress{3, 3});

  auto nodes = Value(store->GetTreeNodes("root"));
  std::sort(nodes.begin(), nodes.end());
  CHECK(nodes == std::vector<std::string>{"child-1", "child-2", "root"});
  CHECK(Value(store->GetTreeNodes("other")).empty());
}

TEST_CASE("Of 8 threads marking 100 nodes done, exactly one sees the tree complete") {
  RedisFixture redis;
  auto store = redis.Connect();
  constexpr int kNodes = 100;
  constexpr int kThreads = 8;
  for (int i = 0; i < kNodes; ++i) Ok(store->AddTreeNode("big", "node-" + std::to_string(i)));

  std::atomic<int> completions{0};
  std::atomic<int> errors{0};
  std::mutex mutex;
  std::set<std::uint64_t> done_counts;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kNodes; i += kThreads) {
        auto progress = store->MarkTreeNodeDone("big", "node-" + std::to_string(i));
        if (!progress) {
          errors++;
          continue;
        }
        if (progress->complete()) completions++;
        std::lock_guard lock(mutex);
        done_counts.insert(progress->done);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(errors == 0);
  CHECK(completions == 1);
  // Every call saw a different count: each SADD and its SCARD ran as one step.
  CHECK(done_counts.size() == kNodes);
  CHECK(*done_counts.begin() == 1);
  CHECK(*done_counts.rbegin() == kNodes);
}

TEST_CASE("Identifiers that could make one key look like another are rejected") {
  RedisFixture redis;
  auto store = redis.Connect();
  CHECK(store->PutSubmission("a:b", "x").code() == StatusCode::kInvalidArgument);
  CHECK(store->PutSubmission("", "x").code() == StatusCode::kInvalidArgument);
  CHECK(store->GetSubmission(std::string("a\nb")).error().code() == StatusCode::kInvalidArgument);
  CHECK(store->IndexRootSubmission("t:roots", "s", kShaA, 1).code() == StatusCode::kInvalidArgument);
  CHECK(store->PutResult(kShaA, "static:x", "v", "r").code() == StatusCode::kInvalidArgument);
  CHECK(store->PutResult(kShaA, "static", "", "r").code() == StatusCode::kInvalidArgument);
  CHECK(store->AddTreeNode("root:done", "n").code() == StatusCode::kInvalidArgument);
  CHECK(store->PutSubmission(std::string(513, 'x'), "x").code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Connect rejects malformed URLs and reports an unreachable Redis as Unavailable") {
  for (const char* url : {"http://127.0.0.1:6379/0", "redis://", "redis://host:0/0", "redis://host:99999",
                          "redis://host:6379/x", "redis://user@host:6379/0"}) {
    RedisStoreConfig config;
    config.url = url;
    auto store = RedisStateStore::Connect(config);
    INFO(url);
    REQUIRE_FALSE(store);
    CHECK(store.error().code() == StatusCode::kInvalidArgument);
  }
  RedisStoreConfig config;
  auto port = kensa::test_servers::PickFreePort();
  REQUIRE(port);
  config.url = "redis://127.0.0.1:" + std::to_string(*port) + "/0";
  config.retry_for = milliseconds(600);
  const auto start = Clock::now();
  auto store = RedisStateStore::Connect(config);
  const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  REQUIRE_FALSE(store);
  CHECK(store.error().code() == StatusCode::kUnavailable);
  CHECK(waited >= milliseconds(300));
  CHECK(waited < milliseconds(2000));
}

TEST_CASE("Database numbers select separate key spaces") {
  RedisFixture redis;
  RedisStoreConfig config;
  config.url = "redis://127.0.0.1:" + std::to_string(redis.server.port()) + "/3";
  auto db3 = RedisStateStore::Connect(config);
  REQUIRE(db3);
  Ok((*db3)->PutSubmission("s1", "in db 3"));
  auto db0 = redis.Connect();
  CHECK(Value(db0->GetSubmission("s1")) == std::nullopt);
  CHECK(Value((*db3)->GetSubmission("s1")) == "in db 3");

  config.url = "redis://127.0.0.1:" + std::to_string(redis.server.port()) + "/99";  // Redis has 16
  auto bad = RedisStateStore::Connect(config);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("A call made while Redis restarts succeeds once it is back, and nothing is lost") {
  RedisFixture redis;
  auto store = redis.Connect();
  Ok(store->PutSubmission("s1", "written before the restart"));
  Ok(store->AddTreeNode("root", "root"));

  SECTION("clean shutdown") { REQUIRE(redis.server.Stop().ok()); }
  SECTION("kill -9") { redis.server.Kill(); }

  std::thread restarter([&] {
    std::this_thread::sleep_for(milliseconds(1000));
    REQUIRE(redis.server.Restart().ok());
  });
  const auto start = Clock::now();
  auto read = store->GetSubmission("s1");  // in flight during the downtime
  const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  restarter.join();
  INFO((read ? std::string("ok") : read.error().ToString()));
  REQUIRE(read);
  CHECK(*read == "written before the restart");
  CHECK(waited >= milliseconds(900));
  WARN("the call waited " << waited.count() << " ms for Redis to come back");
  CHECK(Value(store->MarkTreeNodeDone("root", "root")) == TreeProgress{1, 1});
}

TEST_CASE("A call gives up with Unavailable after retry_for when Redis stays down") {
  RedisFixture redis;
  RedisStoreConfig config;
  config.retry_for = milliseconds(800);
  auto store = redis.Connect(config);
  Ok(store->PutSubmission("s1", "x"));
  redis.server.Kill();
  const auto start = Clock::now();
  auto read = store->GetSubmission("s1");
  const auto waited = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  REQUIRE_FALSE(read);
  CHECK(read.error().code() == StatusCode::kUnavailable);
  CHECK(waited >= milliseconds(500));
  CHECK(waited < milliseconds(3000));
  CHECK(store->Ping().code() == StatusCode::kUnavailable);
}
