// The orchestration over the memory bus and stores: submission trees, failures, dedup,
// redelivery. The analysis is a scripted function here so that each test controls exactly
// which files a sample "contains"; tests/integration and tests/e2e run the real analyzer.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>

#include "kensa/pipeline/orchestrator.h"
#include "kensa/pipeline/stages.h"
#include "kensa/pipeline/task_runner.h"

namespace kp = kensa::pipeline;
using namespace std::chrono_literals;

namespace {

kensa::Bytes B(const std::string& text) { return kensa::Bytes(text.begin(), text.end()); }

kp::ChildFile Child(const std::string& name, const std::string& content) {
  kp::ChildFile child;
  child.info.set_name(name);
  child.info.set_origin("zip member");
  child.data = B(content);
  kensa::blob_store::MemoryBlobStore scratch;
  child.info.set_sha256(*scratch.Put(child.data));
  child.info.set_size(child.data.size());
  return child;
}

// A sample's "content" decides what the scripted analysis does: "zip:" has two members, "bad"
// fails like a parser that cannot cope, "nest" contains itself one level deeper, and "known bad"
// anywhere raises a critical signature.
struct Harness {
  kensa::store::MemoryStateStore store;
  kensa::blob_store::MemoryBlobStore blobs;
  kensa::bus::MemoryBus bus;
  kensa::scoring::ScoringModel model = *kensa::scoring::LoadScoringModel("rules/scoring/model.yaml");
  kp::Orchestrator orchestrator;
  std::atomic<int> analyses{0};
  std::atomic<int> sandbox_runs{0};
  kp::StaticStage static_stage;
  kp::SandboxStage sandbox_stage;
  kp::ReportStage report_stage;

  // With `sandbox`, files whose content starts with "MZ" go on to a scripted sandbox stage:
  // "MZ fail" fails there; any other drops "dropped payload" and raises a behaviour signature.
  explicit Harness(kp::PipelineLimits limits = {}, bool sandbox = false)
      : orchestrator(store, blobs, bus, "test-config", limits),
        static_stage(orchestrator, [this](kensa::ByteSpan data, const kensa::sample::v1::Submission& submission)
                                       -> kensa::Result<kp::StaticOutput> {
          ++analyses;
          const std::string content(data.begin(), data.end());
          if (content == "bad") return kensa::InternalError("analysis crashed: signal 11 (SIGSEGV)");
          kp::StaticOutput output;
          output.result.mutable_sample()->mutable_hashes()->set_sha256(submission.sample().hashes().sha256());
          output.result.mutable_sample()->mutable_file_type()->set_format(
              content.rfind("zip:", 0) == 0 ? "zip" : (content.rfind("MZ", 0) == 0 ? "pe" : "text"));
          if (content.rfind("zip:", 0) == 0) {
            output.children = {Child("invoice.pdf.exe", "MZ payload"), Child("readme.txt", "bad")};
          } else if (content.rfind("MZ+overlay", 0) == 0) {
            output.children = {Child("overlay.txt", "plain text")};
          } else if (content.rfind("nest", 0) == 0) {
            output.children = {Child("inner", content + "+")};
          }
          for (const auto& child : output.children) *output.result.add_extracted_files() = child.info;
          auto* signature = output.result.add_signatures();
          signature->set_name(content.rfind("MZ", 0) == 0 ? "executable_payload" : "seen");
          signature->set_severity(content.rfind("MZ", 0) == 0 ? kensa::analysis::v1::SEVERITY_HIGH
                                                              : kensa::analysis::v1::SEVERITY_INFO);
          if (content.find("known bad") != std::string::npos) {
            auto* known = output.result.add_signatures();
            known->set_name("known_malware");
            known->set_severity(kensa::analysis::v1::SEVERITY_CRITICAL);
          }
          return output;
        },
        sandbox ? kp::SandboxFilter([](const kensa::analysis::v1::StaticResult& result) {
          return result.sample().file_type().format() == "pe";
        }) : kp::SandboxFilter()),
        sandbox_stage(orchestrator, [this](kensa::ByteSpan data, const kensa::sample::v1::Submission&,
                                           const kensa::analysis::v1::StaticResult& static_result)
                                        -> kensa::Result<kp::SandboxOutput> {
          ++sandbox_runs;
          const std::string content(data.begin(), data.end());
          if (content == "MZ fail") return kensa::InternalError("emulation crashed: signal 11 (SIGSEGV)");
          kp::SandboxOutput output;
          output.result.set_backend("emulator");
          output.result.set_ran(static_result.sample().file_type().format() == "pe");
          auto* signature = output.result.add_signatures();
          signature->set_name("persistence_run_key");
          signature->set_severity(kensa::analysis::v1::SEVERITY_HIGH);
          signature->set_source("behavior");
          auto* indicator = output.result.add_indicators();
          indicator->set_type(kensa::analysis::v1::INDICATOR_TYPE_DOMAIN);
          indicator->set_value("c2.example.net");
          kp::ChildFile dropped = Child("agent.exe", "dropped payload");
          dropped.info.set_origin("dropped");
          *output.result.add_extracted_files() = dropped.info;
          output.children.push_back(std::move(dropped));
          return output;
        }),
        report_stage(orchestrator, model) {}

  kp::StageFunction StageFor(const std::string& stage) {
    if (stage == kp::kStaticStage) return [this](const auto& task) { return static_stage.Run(task); };
    if (stage == kp::kSandboxStage) return [this](const auto& task) { return sandbox_stage.Run(task); };
    return [this](const auto& task) { return report_stage.Run(task); };
  }

  // Runs every queued task to the end; returns how many deliveries were handled.
  int Drain(const kp::TaskRunnerOptions& options = {.max_attempts = 3, .retry_delay = 0ms}) {
    int handled = 0;
    for (bool worked = true; worked;) {
      worked = false;
      for (const char* stage : {kp::kStaticStage, kp::kSandboxStage, kp::kReportStage}) {
        while (auto delivery = *bus.NextTask(stage, 0ms)) {
          kp::RunDelivery(*delivery, orchestrator, StageFor(stage), options);
          ++handled;
          worked = true;
        }
      }
    }
    return handled;
  }

  kensa::sample::v1::Submission Load(const std::string& id) { return **orchestrator.LoadSubmission(id); }

  kensa::report::v1::Report Report(const std::string& id) {
    kensa::report::v1::Report report;
    REQUIRE(report.ParseFromString(**store.GetReport(id)));
    return report;
  }

  std::string Admit(const std::string& content, bool reanalyze = false, const std::string& tenant = "csirt-a") {
    kp::RootRequest request;
    request.tenant = tenant;
    request.file_name = "mail.zip";
    request.reanalyze = reanalyze;
    auto admission = orchestrator.AdmitRoot(request, B(content));
    REQUIRE(admission.has_value());
    return admission->submission.id();
  }
};

int CountEvents(const kensa::bus::MemoryBus& bus, const std::string& subject) {
  int count = 0;
  for (const auto& event : bus.Events()) count += event.subject == subject ? 1 : 0;
  return count;
}

}  // namespace

TEST_CASE("files inside a sample join its tree and the report waits for all of them") {
  Harness h;
  const std::string root = h.Admit("zip:two members");
  CHECK(h.Load(root).state() == kensa::sample::v1::SUBMISSION_STATE_QUEUED);
  h.Drain();
  const auto report = h.Report(root);
  CHECK(h.Load(root).state() == kensa::sample::v1::SUBMISSION_STATE_DONE);
  REQUIRE(report.children_size() == 2);
  CHECK(report.children(0).submission().id() == root + "-0");
  CHECK(report.children(0).submission().parent_id() == root);
  CHECK(report.children(0).submission().sample().file_name() == "invoice.pdf.exe");
  CHECK(report.children(0).submission().depth() == 1);
  // The child's high-severity signature decides the tree's verdict, with the file as evidence.
  REQUIRE(report.verdict().contributions_size() == 1);
  CHECK(report.verdict().contributions(0).signature() == "executable_payload");
  // readme.txt contains "bad": its analysis fails, the tree still completes without it.
  CHECK(report.children(1).submission().state() == kensa::sample::v1::SUBMISSION_STATE_FAILED);
  CHECK(report.children(1).submission().failure_reason() == "analysis crashed: signal 11 (SIGSEGV)");
  CHECK(h.bus.DeadLetters().size() == 1);
  CHECK(h.store.GetTreeProgress(root)->nodes == 3);
  CHECK(h.store.GetTreeProgress(root)->done == 3);
  CHECK(CountEvents(h.bus, kensa::bus::kReportReadySubject) == 1);
  // Events are JSON lines for people and SIEMs.
  for (const auto& event : h.bus.Events()) {
    if (event.subject != kensa::bus::kReportReadySubject) continue;
    CHECK(event.data.find("\"submissionId\":\"" + root + "\"") != std::string::npos);
    CHECK(event.data.find("\"state\":\"SUBMISSION_STATE_DONE\"") != std::string::npos);
    CHECK(event.data.find("\"level\":\"") != std::string::npos);
  }
}

TEST_CASE("a sample whose analysis fails ends failed with its reason and no report") {
  Harness h;
  const std::string root = h.Admit("bad");
  h.Drain();
  const auto submission = h.Load(root);
  CHECK(submission.state() == kensa::sample::v1::SUBMISSION_STATE_FAILED);
  CHECK(submission.failure_reason() == "analysis crashed: signal 11 (SIGSEGV)");
  CHECK_FALSE(h.store.GetReport(root)->has_value());
  CHECK(CountEvents(h.bus, "kensa.event.submission.failed") == 1);
  REQUIRE(h.bus.DeadLetters().size() == 1);
  kensa::pipeline::v1::DeadLetter letter;
  REQUIRE(letter.ParseFromString(h.bus.DeadLetters()[0].data));
  CHECK(letter.task().submission_id() == root);
  CHECK(letter.reason() == "analysis crashed: signal 11 (SIGSEGV)");
}

TEST_CASE("the same content again reuses the finished report unless reanalysis is asked for") {
  Harness h;
  const std::string first = h.Admit("plain text");
  h.Drain();
  CHECK(h.analyses == 1);
  kp::RootRequest request;
  request.tenant = "csirt-b";
  request.file_name = "again.txt";
  auto again = h.orchestrator.AdmitRoot(request, B("plain text"));
  REQUIRE(again.has_value());
  CHECK(again->deduplicated);
  CHECK(again->submission.id() != first);
  CHECK(again->submission.state() == kensa::sample::v1::SUBMISSION_STATE_DONE);
  const auto copy = h.Report(again->submission.id());
  CHECK(copy.submission().tenant() == "csirt-b");
  CHECK(copy.submission().sample().file_name() == "again.txt");
  CHECK(h.Drain() == 0);
  CHECK(h.analyses == 1);
  // Each tenant sees only its own submission of the content.
  CHECK(*h.store.SubmissionsOfSample("csirt-b", again->submission.sample().hashes().sha256()) ==
        std::vector<std::string>{again->submission.id()});

  const std::string forced = h.Admit("plain text", /*reanalyze=*/true);
  CHECK(h.Load(forced).state() == kensa::sample::v1::SUBMISSION_STATE_QUEUED);
  h.Drain();
  CHECK(h.analyses == 2);
}

TEST_CASE("a malicious tree's hashes become its tenant's known-bad indicators, a clean one's do not") {
  Harness h;
  const std::string clean = h.Admit("plain text");
  const std::string bad = h.Admit("zip:known bad");
  h.Drain();
  REQUIRE(h.Report(clean).verdict().level() < kensa::report::v1::LEVEL_MALICIOUS);
  const auto report = h.Report(bad);
  REQUIRE(report.verdict().level() >= kensa::report::v1::LEVEL_MALICIOUS);
  const std::string origin = "triage report " + bad + " (mail.zip, " +
                             kensa::scoring::LevelCode(report.verdict().level()) + ")";
  // The archive and its executable member; readme.txt failed, so the tree has no hash of it.
  const std::string root_sha256 = h.Load(bad).sample().hashes().sha256();
  std::map<std::string, std::string> expected = {{root_sha256, origin}};
  for (const auto& child : report.children()) {
    if (child.submission().sample().file_name() == "invoice.pdf.exe") {
      expected[child.submission().sample().hashes().sha256()] = origin;
    }
  }
  REQUIRE(expected.size() == 2);
  auto known = h.store.GetTenantIndicators("csirt-a");
  REQUIRE(known.has_value());
  // Hashes only: the scripted analysis names no domain or address. SHA-1 too when stored.
  for (const auto& [value, where] : expected) CHECK(known->at(value) == where);
  for (const auto& [value, where] : *known) CHECK(where == origin);
  CHECK(h.store.GetTenantIndicators("csirt-b")->empty());

  // Another tenant submitting the same content gets its report copied, and the indicators in
  // its own index, named after its own submission.
  const std::string copy = h.Admit("zip:known bad", false, "csirt-b");
  auto theirs = h.store.GetTenantIndicators("csirt-b");
  REQUIRE(theirs.has_value());
  CHECK(theirs->size() == known->size());
  CHECK(theirs->at(root_sha256).find("triage report " + copy + " ") == 0);
}

TEST_CASE("a task redelivered after its worker died repeats nothing") {
  Harness h;
  const std::string root = h.Admit("zip:redelivered");
  {
    auto delivery = *h.bus.NextTask(kp::kStaticStage, 0ms);
    REQUIRE(delivery);
    // The stage runs and stores everything, then the worker dies before it acks.
    REQUIRE(h.static_stage.Run([&] {
              kensa::pipeline::v1::Task task;
              task.ParseFromString(delivery->data());
              return task;
            }()).ok());
  }  // dropped unacked: the memory bus delivers it again, like JetStream after AckWait
  h.Drain();
  CHECK(h.store.GetTreeProgress(root)->nodes == 3);
  CHECK(h.Report(root).children_size() == 2);
  CHECK(CountEvents(h.bus, kensa::bus::kReportReadySubject) == 1);
  // Root once (the redelivery found its stored result), each child once.
  CHECK(h.analyses == 3);
}

TEST_CASE("a task whose worker keeps dying is dead-lettered and its submission failed") {
  Harness h;
  const std::string root = h.Admit("plain text");
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto delivery = *h.bus.NextTask(kp::kStaticStage, 0ms);
    REQUIRE(delivery);  // dropped unsettled: the worker "crashed"
  }
  h.Drain({.max_attempts = 3, .retry_delay = 0ms});
  const auto submission = h.Load(root);
  CHECK(submission.state() == kensa::sample::v1::SUBMISSION_STATE_FAILED);
  CHECK(submission.failure_reason() ==
        "gave up after 3 attempts at the static stage: the worker stopped (crashed or was killed) each time");
  CHECK(h.analyses == 0);
  CHECK(h.bus.DeadLetters().size() == 1);
}

TEST_CASE("extraction depth and tree size are bounded") {
  Harness h({.max_depth = 2, .max_children_per_node = 256, .max_tree_nodes = 1024});
  const std::string root = h.Admit("nest");
  h.Drain();
  CHECK(h.store.GetTreeProgress(root)->nodes == 3);  // nest, nest+, nest++ (depth 0..2)
  CHECK(h.Report(root).children_size() == 2);
}

TEST_CASE("a store that is unavailable makes the task wait, not fail") {
  Harness h;
  const std::string root = h.Admit("plain text");
  int calls = 0;
  kp::StageFunction flaky = [&](const kensa::pipeline::v1::Task& task) -> kensa::Status {
    if (++calls == 1) return kensa::UnavailableError("redis restarting");
    return h.static_stage.Run(task);
  };
  auto delivery = *h.bus.NextTask(kp::kStaticStage, 0ms);
  CHECK(kp::RunDelivery(*delivery, h.orchestrator, flaky, {.max_attempts = 3, .retry_delay = 0ms}) ==
        kp::TaskOutcome::kRetried);
  auto again = *h.bus.NextTask(kp::kStaticStage, 0ms);
  REQUIRE(again);
  CHECK(again->deliveries() == 2);
  CHECK(kp::RunDelivery(*again, h.orchestrator, flaky, {.max_attempts = 3, .retry_delay = 0ms}) ==
        kp::TaskOutcome::kDone);
  h.Drain();
  CHECK(h.Load(root).state() == kensa::sample::v1::SUBMISSION_STATE_DONE);
}

TEST_CASE("a Windows program goes on to the sandbox; what it drops joins the tree after the static children") {
  Harness h({}, /*sandbox=*/true);
  const std::string root = h.Admit("MZ+overlay program");
  h.Drain();
  CHECK(h.sandbox_runs == 1);
  CHECK(h.Load(root).state() == kensa::sample::v1::SUBMISSION_STATE_DONE);
  const auto report = h.Report(root);
  REQUIRE(report.has_sandbox_result());
  CHECK(report.sandbox_result().ran());
  // Static child first (index 0), the dropped file after it (index 1 of the same node).
  REQUIRE(report.children_size() == 2);
  CHECK(report.children(0).submission().id() == root + "-0");
  CHECK(report.children(0).submission().sample().file_name() == "overlay.txt");
  CHECK(report.children(1).submission().id() == root + "-1");
  CHECK(report.children(1).submission().sample().file_name() == "agent.exe");
  // Neither child is a Windows program: no sandbox result for them.
  CHECK_FALSE(report.children(0).has_sandbox_result());
  CHECK_FALSE(report.children(1).has_sandbox_result());
  // The behaviour signature scores beside the static one; the address the program contacted
  // heads the indicators.
  std::set<std::string> scored;
  for (const auto& contribution : report.verdict().contributions()) scored.insert(contribution.signature());
  CHECK(scored == std::set<std::string>{"executable_payload", "persistence_run_key"});
  REQUIRE(report.indicators_size() >= 1);
  CHECK(report.indicators(0).value() == "c2.example.net");
  CHECK(CountEvents(h.bus, kensa::bus::kReportReadySubject) == 1);
}

TEST_CASE("a child that is a Windows program is run in the sandbox too, its signature counted with the file") {
  Harness h({}, /*sandbox=*/true);
  const std::string root = h.Admit("zip:with a program");
  h.Drain();
  CHECK(h.sandbox_runs == 1);  // invoice.pdf.exe only
  const auto report = h.Report(root);
  CHECK_FALSE(report.has_sandbox_result());
  REQUIRE(report.children_size() == 3);
  CHECK(report.children(0).submission().sample().file_name() == "invoice.pdf.exe");
  REQUIRE(report.children(0).has_sandbox_result());
  // Nodes in id order: root-0, its dropped file root-0-0, then root-1.
  CHECK(report.children(1).submission().id() == root + "-0-0");
  CHECK(report.children(1).submission().sample().file_name() == "agent.exe");
  bool found = false;
  for (const auto& contribution : report.verdict().contributions()) found |= contribution.signature() == "persistence_run_key";
  CHECK(found);
}

TEST_CASE("without a sandbox filter no sandbox task is queued") {
  Harness h;
  const std::string root = h.Admit("MZ program");
  h.Drain();
  CHECK(h.sandbox_runs == 0);
  CHECK_FALSE(h.Report(root).has_sandbox_result());
  CHECK(h.store.GetTreeProgress(root)->nodes == 1);
}

TEST_CASE("a redelivered sandbox task reuses the stored run and admits its children once") {
  Harness h({}, /*sandbox=*/true);
  const std::string root = h.Admit("MZ program");
  REQUIRE(h.static_stage.Run([&] {
            auto delivery = *h.bus.NextTask(kp::kStaticStage, 0ms);
            kensa::pipeline::v1::Task task;
            task.ParseFromString(delivery->data());
            return task;
          }()).ok());
  {
    auto delivery = *h.bus.NextTask(kp::kSandboxStage, 0ms);
    REQUIRE(delivery);
    kensa::pipeline::v1::Task task;
    REQUIRE(task.ParseFromString(delivery->data()));
    REQUIRE(h.sandbox_stage.Run(task).ok());
  }  // not acked: delivered again
  h.Drain();
  CHECK(h.sandbox_runs == 1);
  CHECK(h.store.GetTreeProgress(root)->nodes == 2);
  CHECK(h.Report(root).children_size() == 1);
  CHECK(CountEvents(h.bus, kensa::bus::kReportReadySubject) == 1);
}

TEST_CASE("a sandbox run that fails fails the node with its reason") {
  Harness h({}, /*sandbox=*/true);
  const std::string root = h.Admit("MZ fail");
  h.Drain();
  const auto submission = h.Load(root);
  CHECK(submission.state() == kensa::sample::v1::SUBMISSION_STATE_FAILED);
  CHECK(submission.failure_reason() == "emulation crashed: signal 11 (SIGSEGV)");
  CHECK(h.analyses == 1);
}
