// The forensic stage over the memory bus and stores, with the real hunt: the Linux collector run
// on a planted compromised host (tests/collectors/planted_host.py) is admitted as a collection,
// hunted with the project's rules and reported compromised with the planted findings.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "kensa/hunt/collection_hunter.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/pipeline/stages.h"
#include "kensa/pipeline/task_runner.h"

namespace fs = std::filesystem;
namespace kp = kensa::pipeline;
using namespace std::chrono_literals;

namespace {

kensa::Bytes ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return kensa::Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The planted host's archive, collected once for all tests of this file.
const kensa::Bytes& PlantedHostArchive() {
  static const kensa::Bytes archive = [] {
    const std::string dir =
        (fs::temp_directory_path() / ("kensa-forensic-stage-" + std::to_string(::getpid())))
            .string();
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string output;
    FILE* pipe = ::popen(("python3 tests/collectors/planted_host.py " + dir).c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buffer[512];
    while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
    REQUIRE(::pclose(pipe) == 0);
    while (!output.empty() && output.back() == '\n') output.pop_back();
    kensa::Bytes bytes = ReadAll(output);
    fs::remove_all(dir);
    return bytes;
  }();
  return archive;
}

const kensa::hunt::CollectionHunter& Hunter() {
  static const std::unique_ptr<kensa::hunt::CollectionHunter> hunter = [] {
    std::vector<std::string> warnings;
    auto created = kensa::hunt::CollectionHunter::Create({}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *hunter;
}

struct Harness {
  kensa::store::MemoryStateStore store;
  kensa::blob_store::MemoryBlobStore blobs;
  kensa::bus::MemoryBus bus;
  kp::Orchestrator orchestrator{store, blobs, bus, "test-config"};
  std::atomic<int> hunts{0};
  kp::ForensicStage stage{orchestrator, [this](kensa::ByteSpan archive,
                                               const kensa::sample::v1::Submission& collection) {
                            ++hunts;
                            return Hunter().Hunt(archive, collection.sample().file_name());
                          }};

  kp::TaskOutcome RunNext() {
    auto delivery = *bus.NextTask(kp::kForensicStage, 0ms);
    REQUIRE(delivery != nullptr);
    return kp::RunDelivery(*delivery, orchestrator,
                           [this](const auto& task) { return stage.Run(task); },
                           {.max_attempts = 3, .retry_delay = 0ms});
  }

  kensa::sample::v1::Submission Load(const std::string& id) {
    return **orchestrator.LoadSubmission(id);
  }

  kensa::forensics::v1::HuntReport Report(const std::string& id) {
    kensa::forensics::v1::HuntReport report;
    auto stored = store.GetReport(id);
    REQUIRE(stored.has_value());
    REQUIRE(stored->has_value());
    REQUIRE(report.ParseFromString(**stored));
    return report;
  }

  std::vector<std::string> EventSubjects() {
    std::vector<std::string> subjects;
    for (const auto& event : bus.Events()) subjects.push_back(event.subject);
    return subjects;
  }
};

kp::CollectionRequest Request(const std::string& tenant, const std::string& name) {
  kp::CollectionRequest request;
  request.tenant = tenant;
  request.file_name = name;
  return request;
}

}  // namespace

TEST_CASE("a planted host's collection is hunted as compromised with the planted persistence") {
  Harness harness;
  auto admitted = harness.orchestrator.AdmitCollection(Request("csirt-a", "kensa-victim01.tar.gz"),
                                                       PlantedHostArchive());
  REQUIRE(admitted.has_value());
  CHECK(admitted->kind() == kensa::sample::v1::SUBMISSION_KIND_COLLECTION);
  CHECK(admitted->state() == kensa::sample::v1::SUBMISSION_STATE_QUEUED);
  // Collections stay out of the tenant's sample list.
  CHECK(harness.store.ListRootSubmissions("csirt-a", 0, 10)->total == 0);

  CHECK(harness.RunNext() == kp::TaskOutcome::kDone);
  const auto collection = harness.Load(admitted->id());
  CHECK(collection.state() == kensa::sample::v1::SUBMISSION_STATE_DONE);

  const auto report = harness.Report(admitted->id());
  CHECK(report.verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  CHECK(report.collection().path() == "kensa-victim01.tar.gz");
  CHECK(report.collection().manifest().host().hostname() == "victim01");
  CHECK(report.collection().manifest().case_id() == "CASE-2026-0142");
  std::set<std::string> fired;
  for (const auto& finding : report.findings()) fired.insert(finding.rule_id());
  for (const char* planted :
       {"linux_ld_so_preload", "linux_cron_download_and_run", "linux_systemd_unit_from_temp",
        "linux_history_reverse_shell", "linux_elf_in_temp", "linux_uid0_account"}) {
    INFO(planted);
    CHECK(fired.count(planted) == 1);
  }
  CHECK_FALSE(report.recommended_actions().empty());
  CHECK_FALSE(report.timeline().empty());

  const auto subjects = harness.EventSubjects();
  CHECK(subjects == std::vector<std::string>{"kensa.event.collection.queued",
                                             "kensa.event.collection.running",
                                             "kensa.event.collection.done"});
  CHECK(harness.bus.Events().back().data.find("\"level\":\"compromised\"") != std::string::npos);
}

TEST_CASE("a redelivered forensic task after a lost ack does not hunt again") {
  Harness harness;
  auto admitted =
      harness.orchestrator.AdmitCollection(Request("csirt-a", "host.tar.gz"), PlantedHostArchive());
  REQUIRE(admitted.has_value());
  {
    // The worker hunts and stores, then dies before its ack: the delivery is dropped unsettled.
    auto delivery = *harness.bus.NextTask(kp::kForensicStage, 0ms);
    REQUIRE(delivery != nullptr);
    kensa::pipeline::v1::Task task;
    REQUIRE(task.ParseFromString(delivery->data()));
    REQUIRE(harness.stage.Run(task).ok());
  }
  CHECK(harness.RunNext() == kp::TaskOutcome::kDone);
  CHECK(harness.hunts == 1);
  CHECK(harness.Load(admitted->id()).state() == kensa::sample::v1::SUBMISSION_STATE_DONE);
  CHECK(harness.Report(admitted->id()).verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
}

TEST_CASE("a worker killed mid-hunt leaves the task queued, and the next delivery finishes it") {
  Harness harness;
  auto admitted =
      harness.orchestrator.AdmitCollection(Request("csirt-a", "host.tar.gz"), PlantedHostArchive());
  REQUIRE(admitted.has_value());
  // Taken and never settled: what a SIGKILLed worker leaves behind.
  REQUIRE(*harness.bus.NextTask(kp::kForensicStage, 0ms) != nullptr);
  CHECK(harness.RunNext() == kp::TaskOutcome::kDone);
  CHECK(harness.hunts == 1);
  CHECK(harness.Report(admitted->id()).verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
}

TEST_CASE("an archive that is not a collection fails with the reason and is dead-lettered") {
  Harness harness;
  const std::string text = "just some text, no archive at all";
  auto admitted = harness.orchestrator.AdmitCollection(Request("csirt-a", "notes.txt"),
                                                       kensa::Bytes(text.begin(), text.end()));
  REQUIRE(admitted.has_value());
  CHECK(harness.RunNext() == kp::TaskOutcome::kFailed);
  const auto collection = harness.Load(admitted->id());
  CHECK(collection.state() == kensa::sample::v1::SUBMISSION_STATE_FAILED);
  CHECK_FALSE(collection.failure_reason().empty());
  CHECK(harness.bus.DeadLetters().size() == 1);
  CHECK(harness.EventSubjects().back() == "kensa.event.collection.failed");
}

TEST_CASE("collections over the size limit or without a tenant are refused at admission") {
  kensa::store::MemoryStateStore store;
  kensa::blob_store::MemoryBlobStore blobs;
  kensa::bus::MemoryBus bus;
  kp::PipelineLimits limits;
  limits.max_collection_bytes = 10;
  kp::Orchestrator orchestrator(store, blobs, bus, "test-config", limits);
  const kensa::Bytes eleven(11, 'x');
  auto too_large = orchestrator.AdmitCollection(Request("csirt-a", "big.zip"), eleven);
  REQUIRE_FALSE(too_large.has_value());
  CHECK(too_large.error().code() == kensa::StatusCode::kResourceExhausted);
  CHECK(too_large.error().message() == "the collection is 11 bytes, over the limit of 10");
  CHECK(orchestrator.AdmitCollection(Request("", "a.zip"), kensa::Bytes(3, 'x')).error().code() ==
        kensa::StatusCode::kInvalidArgument);
}

TEST_CASE("a sample task never runs the forensic stage") {
  Harness harness;
  kp::RootRequest request;
  request.tenant = "csirt-a";
  auto sample = harness.orchestrator.AdmitRoot(request, kensa::Bytes(4, 'x'));
  REQUIRE(sample.has_value());
  kensa::pipeline::v1::Task task;
  task.set_submission_id(sample->submission.id());
  const auto status = harness.stage.Run(task);
  CHECK(status.code() == kensa::StatusCode::kInvalidArgument);
  CHECK(harness.hunts == 0);
}
