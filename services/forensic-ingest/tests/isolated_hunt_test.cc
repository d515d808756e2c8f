// The isolated hunt as forensic-ingest runs it: a crashing hunt fails the one collection with
// the signal named, and bytes that are not a collection fail with the collection reader's reason.
#include "isolated_hunt.h"

#include <catch2/catch.hpp>

namespace {

const kensa::hunt::CollectionHunter& Hunter() {
  static const std::unique_ptr<kensa::hunt::CollectionHunter> hunter = [] {
    auto created = kensa::hunt::CollectionHunter::Create({}, nullptr);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *hunter;
}

kensa::sample::v1::Submission Collection(const std::string& name) {
  kensa::sample::v1::Submission collection;
  collection.set_id("c1");
  collection.set_kind(kensa::sample::v1::SUBMISSION_KIND_COLLECTION);
  collection.mutable_sample()->set_file_name(name);
  return collection;
}

kensa::Bytes B(const std::string& text) { return kensa::Bytes(text.begin(), text.end()); }

}  // namespace

TEST_CASE("a hunt that crashes fails its collection with the signal, and the worker lives on") {
  kensa::forensic_ingest::IsolatedHuntOptions options;
  options.crash_marker = "KENSA-CRASH-ME";
  auto hunt = kensa::forensic_ingest::IsolatedHunt(Hunter(), options);
  auto crashed = hunt(B("PK\x03\x04 KENSA-CRASH-ME"), Collection("crash.zip"));
  REQUIRE_FALSE(crashed.has_value());
  CHECK(crashed.error().message().find("SIGSEGV") != std::string::npos);
  // The same function serves the next collection.
  auto next = hunt(B("plain text"), Collection("notes.txt"));
  REQUIRE_FALSE(next.has_value());
  CHECK(next.error().message().find("SIGSEGV") == std::string::npos);
}

TEST_CASE("bytes that are not a collection archive fail with the reader's reason") {
  auto hunt = kensa::forensic_ingest::IsolatedHunt(Hunter(), {});
  auto result = hunt(B("this is not an archive"), Collection("notes.txt"));
  REQUIRE_FALSE(result.has_value());
  INFO(result.error().message());
  CHECK_FALSE(result.error().message().empty());
}

TEST_CASE("the sweep for a tenant's indicators runs in a child too: a crash fails it with the signal") {
  kensa::forensic_ingest::IsolatedHuntOptions options;
  options.crash_marker = "KENSA-CRASH-ME";
  auto sweep = kensa::forensic_ingest::IsolatedSweep(Hunter(), options);
  kensa::indicators::IocList iocs;
  iocs.ips.emplace("198.51.100.7", "triage report r1 (x.exe, malicious)");
  auto crashed = sweep(B("PK\x03\x04 KENSA-CRASH-ME"), Collection("crash.zip"), {}, iocs);
  REQUIRE_FALSE(crashed.has_value());
  CHECK(crashed.error().message().find("SIGSEGV") != std::string::npos);
  auto not_archive = sweep(B("plain text"), Collection("notes.txt"), {}, iocs);
  REQUIRE_FALSE(not_archive.has_value());
  CHECK(not_archive.error().message().find("SIGSEGV") == std::string::npos);
}
