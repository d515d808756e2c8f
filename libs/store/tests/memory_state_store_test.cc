#include <catch2/catch.hpp>

#include "kensa/store/state_store.h"

TEST_CASE("the memory store lists a tenant's root submissions newest first") {
  kensa::store::MemoryStateStore store;
  REQUIRE(store.IndexRootSubmission("csirt-a", "s1", "aa", 100).ok());
  REQUIRE(store.IndexRootSubmission("csirt-a", "s2", "bb", 200).ok());
  REQUIRE(store.IndexRootSubmission("csirt-a", "s3", "aa", 300).ok());
  REQUIRE(store.IndexRootSubmission("csirt-b", "s4", "aa", 400).ok());
  auto page = store.ListRootSubmissions("csirt-a", 1, 10);
  REQUIRE(page.has_value());
  CHECK(page->total == 3);
  CHECK(page->ids == std::vector<std::string>{"s2", "s1"});
  CHECK(*store.SubmissionsOfSample("csirt-a", "aa") == std::vector<std::string>{"s3", "s1"});
  CHECK(*store.SubmissionsOfSample("csirt-b", "aa") == std::vector<std::string>{"s4"});
  CHECK(store.SubmissionsOfSample("csirt-b", "bb")->empty());
}

TEST_CASE("a tree is complete once every node is done, each node counted once") {
  kensa::store::MemoryStateStore store;
  REQUIRE(store.AddTreeNode("r", "r").ok());
  REQUIRE(store.AddTreeNode("r", "c1").ok());
  REQUIRE(store.AddTreeNode("r", "c1").ok());
  CHECK(store.GetTreeProgress("r")->nodes == 2);
  CHECK_FALSE(store.MarkTreeNodeDone("r", "c1")->complete());
  CHECK_FALSE(store.MarkTreeNodeDone("r", "c1")->complete());
  auto progress = store.MarkTreeNodeDone("r", "r");
  CHECK(progress->complete());
  CHECK(progress->done == 2);
  CHECK(store.GetTreeNodes("r")->size() == 2);
  CHECK_FALSE(store.GetTreeProgress("unknown")->complete());
}

TEST_CASE("results are keyed by content, stage and configuration version") {
  kensa::store::MemoryStateStore store;
  REQUIRE(store.PutResult("aa", "static", "cfg1", std::string("r\0x", 3)).ok());
  CHECK(**store.GetResult("aa", "static", "cfg1") == std::string("r\0x", 3));
  CHECK_FALSE(store.GetResult("aa", "static", "cfg2")->has_value());
  REQUIRE(store.PutFinished("aa", "cfg1", "root").ok());
  CHECK(**store.GetFinished("aa", "cfg1") == "root");
}

TEST_CASE("the memory store keeps each tenant's known-bad indicators apart; a value added again takes the new origin") {
  kensa::store::MemoryStateStore store;
  REQUIRE(store.AddTenantIndicators("csirt-a", {{"evil.example", "r1"}, {"198.51.100.7", "r1"}}).ok());
  REQUIRE(store.AddTenantIndicators("csirt-a", {{"evil.example", "r2"}}).ok());
  REQUIRE(store.AddTenantIndicators("csirt-b", {{"other.example", "r3"}}).ok());
  using Indicators = std::map<std::string, std::string>;
  CHECK(*store.GetTenantIndicators("csirt-a") == Indicators{{"198.51.100.7", "r1"}, {"evil.example", "r2"}});
  CHECK(*store.GetTenantIndicators("csirt-b") == Indicators{{"other.example", "r3"}});
  CHECK(store.GetTenantIndicators("csirt-c")->empty());
}
