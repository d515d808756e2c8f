// The forensic stage over the memory bus and stores, with the real hunt: the Linux collector run
// on a planted compromised host (tests/collectors/planted_host.py) is admitted as a collection,
// hunted with the project's rules and reported compromised with the planted findings, and swept
// for the known-bad indicators of its own tenant's triage reports.
#include <unistd.h>

#include <algorithm>
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

std::string RunCommand(const std::string& command) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[512];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) output += buffer;
  REQUIRE(::pclose(pipe) == 0);
  return output;
}

// The planted host's archive, collected once for all tests of this file.
const kensa::Bytes& PlantedHostArchive() {
  static const kensa::Bytes archive = [] {
    const std::string dir =
        (fs::temp_directory_path() / ("kensa-forensic-stage-" + std::to_string(::getpid())))
            .string();
    fs::remove_all(dir);
    fs::create_directories(dir);
    std::string output = RunCommand("python3 tests/collectors/planted_host.py " + dir);
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
  std::atomic<int> sweeps{0};
  kp::ForensicStage stage{
      orchestrator,
      [this](kensa::ByteSpan archive, const kensa::sample::v1::Submission& collection) {
        ++hunts;
        return Hunter().Hunt(archive, collection.sample().file_name(),
                             {collection.passwords().begin(), collection.passwords().end()});
      },
      [this](kensa::ByteSpan archive, const kensa::sample::v1::Submission& collection,
             kensa::forensics::v1::HuntReport base,
             const kensa::indicators::IocList& iocs) -> kensa::Result<kensa::forensics::v1::HuntReport> {
        ++sweeps;
        if (sweep_crashes) return kensa::InternalError("analysis crashed: signal 11 (SIGSEGV)");
        return Hunter().Sweep(archive, collection.sample().file_name(),
                              {collection.passwords().begin(), collection.passwords().end()}, std::move(base), iocs);
      }};
  bool sweep_crashes = false;

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

namespace {

// A finished triage report of `tenant`: the planted payload (a copy of /bin/true) as its sample,
// and the address the planted host fetched it from.
kensa::report::v1::Report TriageReport(const std::string& tenant, const std::string& id,
                                       kensa::report::v1::Level level) {
  kensa::report::v1::Report report;
  report.mutable_submission()->set_id(id);
  report.mutable_submission()->set_tenant(tenant);
  report.mutable_submission()->mutable_sample()->set_file_name("payload.elf");
  std::string digest = RunCommand("sha256sum < /bin/true");
  report.mutable_submission()->mutable_sample()->mutable_hashes()->set_sha256(digest.substr(0, 64));
  auto* address = report.add_indicators();
  address->set_type(kensa::analysis::v1::INDICATOR_TYPE_URL);
  address->set_value("http://198.51.100.7/p");
  report.mutable_verdict()->set_level(level);
  return report;
}

std::multiset<std::string> IocRules(const kensa::forensics::v1::HuntReport& report) {
  std::multiset<std::string> rules;
  for (const auto& finding : report.findings()) {
    if (finding.source() == "ioc") rules.insert(finding.rule_id());
  }
  return rules;
}

}  // namespace

TEST_CASE("a collection is swept for its own tenant's known-bad indicators, on top of the hunt stored by content") {
  Harness harness;
  // csirt-a triaged the payload and found it malicious; csirt-b found something only suspicious.
  REQUIRE(kp::IndexKnownBadIndicators(harness.store, TriageReport("csirt-a", "r-a", kensa::report::v1::LEVEL_MALICIOUS)).ok());
  REQUIRE(kp::IndexKnownBadIndicators(harness.store, TriageReport("csirt-b", "r-b", kensa::report::v1::LEVEL_SUSPICIOUS)).ok());
  REQUIRE(harness.store.GetTenantIndicators("csirt-b")->empty());

  auto a = harness.orchestrator.AdmitCollection(Request("csirt-a", "victim01-a.tar.gz"), PlantedHostArchive());
  auto b = harness.orchestrator.AdmitCollection(Request("csirt-b", "victim01-b.tar.gz"), PlantedHostArchive());
  REQUIRE(a.has_value());
  REQUIRE(b.has_value());
  CHECK(harness.RunNext() == kp::TaskOutcome::kDone);
  CHECK(harness.RunNext() == kp::TaskOutcome::kDone);
  CHECK(harness.hunts == 1);   // the same archive is hunted once
  CHECK(harness.sweeps == 1);  // and swept for the one tenant that has indicators

  const auto ours = harness.Report(a->id());
  // The payload on disk, its hash in two listings (recent executables, SUID files), and the
  // address in the crontab and twice in alice's history.
  CHECK(IocRules(ours) == std::multiset<std::string>{"ioc_known_bad_file", "ioc_known_bad_hash_in_listing",
                                                     "ioc_known_bad_hash_in_listing", "ioc_known_bad_address",
                                                     "ioc_known_bad_address", "ioc_known_bad_address"});
  CHECK(ours.stats().indicators_swept() == 2);
  for (const auto& finding : ours.findings()) {
    if (finding.source() != "ioc") continue;
    INFO(finding.evidence());
    CHECK(finding.evidence().ends_with("[known bad: triage report r-a (payload.elf, malicious)]"));
  }
  bool in_hits = false;
  for (const auto& hit : ours.rule_hits()) in_hits |= hit.rule_id() == "ioc_known_bad_file" && hit.count() == 1;
  CHECK(in_hits);
  CHECK(ours.rule_hits(0).level() == "critical");
  bool in_timeline = false;
  for (const auto& event : ours.timeline()) in_timeline |= event.description().rfind("A collected file is a known-bad file", 0) == 0;
  CHECK(in_timeline);
  CHECK(ours.collection().path() == "victim01-a.tar.gz");

  // csirt-b's report and the hunt stored by content carry none of csirt-a's indicators.
  const auto theirs = harness.Report(b->id());
  CHECK(IocRules(theirs).empty());
  CHECK(theirs.stats().indicators_swept() == 0);
  CHECK(theirs.findings_size() + 6 == ours.findings_size());
  kensa::forensics::v1::HuntReport stored;
  REQUIRE(stored.ParseFromString(**harness.store.GetResult(a->sample().hashes().sha256(), kp::kForensicStage, "test-config")));
  CHECK(IocRules(stored).empty());
}

TEST_CASE("a sweep that crashes keeps the hunt and says which sweep is missing") {
  Harness harness;
  harness.sweep_crashes = true;
  REQUIRE(kp::IndexKnownBadIndicators(harness.store, TriageReport("csirt-a", "r-a", kensa::report::v1::LEVEL_CRITICAL)).ok());
  auto admitted = harness.orchestrator.AdmitCollection(Request("csirt-a", "victim01.tar.gz"), PlantedHostArchive());
  REQUIRE(admitted.has_value());
  CHECK(harness.RunNext() == kp::TaskOutcome::kDone);
  const auto report = harness.Report(admitted->id());
  CHECK(report.verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);
  CHECK(IocRules(report).empty());
  const auto& problems = report.collection().problems();
  CHECK(std::find(problems.begin(), problems.end(),
                  "not swept for the tenant's 2 known-bad indicators: analysis crashed: signal 11 (SIGSEGV)") !=
        problems.end());
}

TEST_CASE("an encrypted collection is hunted with its upload's password; the same bytes without it are not") {
  const std::string dir = (fs::temp_directory_path() / ("kensa-forensic-encrypted-" + std::to_string(::getpid()))).string();
  fs::create_directories(dir);
  std::ofstream(dir + "/software.reg", std::ios::binary)
      << "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
         "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe -k\"\r\n\r\n";
  RunCommand("python3 tests/support/make_hive.py '" + dir + "/SOFTWARE' '" + dir +
             "/software.reg' --prefix 'HKEY_LOCAL_MACHINE\\SOFTWARE' && python3 libs/collection/tests/make_foreign_collections.py "
             "velociraptor-password '" + dir + "/Collection-WKSTN-07.zip' "
             "'../shared/corpora/evtx-attack-samples/Credential Access/sysmon_10_lsass_mimikatz_sekurlsa_logonpasswords.evtx' '" +
             dir + "/SOFTWARE' 'S3cret-IR'");
  const kensa::Bytes archive = ReadAll(dir + "/Collection-WKSTN-07.zip");
  fs::remove_all(dir);

  Harness harness;
  auto request = Request("csirt-a", "Collection-WKSTN-07.zip");
  request.passwords = {"S3cret-IR"};
  auto ours = harness.orchestrator.AdmitCollection(request, archive);
  REQUIRE(ours.has_value());
  CHECK(harness.RunNext() == kp::TaskOutcome::kDone);
  const auto report = harness.Report(ours->id());
  CHECK(report.collection().encryption() == "Velociraptor container, Password scheme: opened with a given password");
  CHECK(report.collection().manifest().host().hostname() == "WKSTN-07");
  CHECK(report.verdict() == kensa::forensics::v1::HUNT_VERDICT_COMPROMISED);

  // Another upload of the same bytes without the password is hunted again, and fails saying why.
  auto theirs = harness.orchestrator.AdmitCollection(Request("csirt-b", "Collection-WKSTN-07.zip"), archive);
  REQUIRE(theirs.has_value());
  CHECK(harness.RunNext() == kp::TaskOutcome::kFailed);
  CHECK(harness.hunts == 2);
  const auto failed = harness.Load(theirs->id());
  CHECK(failed.state() == kensa::sample::v1::SUBMISSION_STATE_FAILED);
  CHECK(failed.failure_reason() == "Collection-WKSTN-07.zip is an encrypted Velociraptor collection (Password scheme): give its password");
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
