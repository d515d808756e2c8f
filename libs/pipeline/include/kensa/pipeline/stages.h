#pragma once
// The stage handlers: what happens to one task of each stage. The services run them from
// JetStream consumers, `kensa triage` from a memory bus; the analysis itself is a function
// given by the driver, so that a service can run it in an isolated child process.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "kensa/analysis/v1/sandbox.pb.h"
#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/indicators/ioc_list.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/pipeline/v1/task.pb.h"
#include "kensa/report/v1/report.pb.h"
#include "kensa/sandbox/sandbox.h"
#include "kensa/scoring/scoring_model.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::pipeline {

// A file found inside a sample, with its bytes.
struct ChildFile {
  analysis::v1::ExtractedFile info;
  Bytes data;
};

// Children across a process boundary: an isolated analysis (services' forked children) hands
// its files back inside a message.
void ChildrenToMessage(const std::vector<ChildFile>& children,
                       google::protobuf::RepeatedPtrField<pipeline::v1::StaticStageChild>* out);
std::vector<ChildFile> ChildrenFromMessage(
    const google::protobuf::RepeatedPtrField<pipeline::v1::StaticStageChild>& children);

struct StaticOutput {
  analysis::v1::StaticResult result;
  std::vector<ChildFile> children;
};

// Analyzes one sample's bytes. An error fails the submission with the error's message as the
// reason, except Unavailable, which means "try again later".
using StaticAnalysisFunction =
    std::function<Result<StaticOutput>(ByteSpan data, const sample::v1::Submission& submission)>;

// The static analyzer as a StaticAnalysisFunction: the sample's name and the submitter's
// passwords go in, the result and the extracted files come out. `analyzer` must outlive it.
StaticAnalysisFunction AnalyzeWith(const static_analysis::StaticAnalyzer& analyzer);

// Says whether a node goes on to the sandbox stage after static analysis (a Windows program the
// dynamic backend can run). Empty: the pipeline has no sandbox stage.
using SandboxFilter = std::function<bool(const analysis::v1::StaticResult& static_result)>;

class StaticStage {
 public:
  StaticStage(Orchestrator& orchestrator, StaticAnalysisFunction analyze, SandboxFilter sandbox_filter = {})
      : orchestrator_(orchestrator), analyze_(std::move(analyze)), sandbox_filter_(std::move(sandbox_filter)) {}
  // Runs static analysis for the task's submission (or reuses the stored result of the same
  // content), admits the extracted files as children, then either queues the sandbox stage
  // (when the filter says so) or completes the node.
  Status Run(const pipeline::v1::Task& task);

 private:
  Orchestrator& orchestrator_;
  StaticAnalysisFunction analyze_;
  SandboxFilter sandbox_filter_;
};

// What a dynamic run hands back: the result and the files it produced (dropped files, memory
// dumps), to be admitted as children.
struct SandboxOutput {
  analysis::v1::SandboxResult result;
  std::vector<ChildFile> children;
};

// Runs one sample dynamically (libs/sandbox). Errors fail the submission with the message as the
// reason, except Unavailable, which means "try again later".
using SandboxFunction = std::function<Result<SandboxOutput>(
    ByteSpan data, const sample::v1::Submission& submission, const analysis::v1::StaticResult& static_result)>;

// The sandbox as a SandboxFunction: the sample and its static result go in, the result and the
// dropped files and memory dumps come out. `sandbox` must outlive it.
SandboxFunction RunInSandbox(const sandbox::Sandbox& sandbox);

class SandboxStage {
 public:
  SandboxStage(Orchestrator& orchestrator, SandboxFunction run) : orchestrator_(orchestrator), run_(std::move(run)) {}
  // Runs the task's sample in the sandbox (or reuses the stored result of the same content),
  // admits the dropped files and memory dumps as children and completes the node.
  Status Run(const pipeline::v1::Task& task);

 private:
  Orchestrator& orchestrator_;
  SandboxFunction run_;
};

class ReportStage {
 public:
  ReportStage(Orchestrator& orchestrator, const scoring::ScoringModel& model)
      : orchestrator_(orchestrator), model_(model) {}
  // Assembles the report of the task's tree from the stored results, stores it, marks the root
  // done and publishes kensa.event.report.ready.
  Status Run(const pipeline::v1::Task& task);

 private:
  Orchestrator& orchestrator_;
  const scoring::ScoringModel& model_;
};

// Hunts one host collection's archive bytes (libs/hunt). Errors fail the collection with the
// message as the reason, except Unavailable, which means "try again later".
using HuntFunction =
    std::function<Result<forensics::v1::HuntReport>(ByteSpan archive, const sample::v1::Submission& collection)>;

// Sweeps one collection's archive for the tenant's known-bad indicators on top of its hunt
// report `base`, and returns the report with what the sweep found (libs/hunt SweepKnownBad).
// An error other than Unavailable (a crash, the time limit) keeps the hunt report and names the
// missing sweep in collection.problems.
using SweepFunction = std::function<Result<forensics::v1::HuntReport>(
    ByteSpan archive, const sample::v1::Submission& collection, forensics::v1::HuntReport base,
    const indicators::IocList& iocs)>;

class ForensicStage {
 public:
  // `sweep` may be empty: collections are then not swept for the tenant's indicators.
  ForensicStage(Orchestrator& orchestrator, HuntFunction hunt, SweepFunction sweep = {})
      : orchestrator_(orchestrator), hunt_(std::move(hunt)), sweep_(std::move(sweep)) {}
  // Hunts the task's collection (or reuses the stored hunt of the same archive under the same
  // rules), sweeps it for the tenant's known-bad indicators (those of its malicious triage
  // reports, which change with every report, so the sweep is never stored by content), stores
  // the HuntReport as the collection's report, marks it done and publishes
  // kensa.event.collection.done with the verdict as the level.
  Status Run(const pipeline::v1::Task& task);

 private:
  Orchestrator& orchestrator_;
  HuntFunction hunt_;
  SweepFunction sweep_;
};

// Adds a finished tree's hashes and network indicators (indicators::AddReportIocs) to its
// tenant's known-bad indicators in the store, when its verdict is malicious or critical
// (indicators::ReportMakesIocsKnownBad). Both the report stage and a deduplicated submission
// call it, so that each tenant's index holds what its own reports named.
Status IndexKnownBadIndicators(store::StateStore& store, const report::v1::Report& report);

// "compromised", "suspicious", "no_evidence": the verdict's word in events and the REST API.
std::string HuntVerdictCode(forensics::v1::HuntVerdict verdict);

// Builds the report of a finished tree: the root's results (static, and sandbox when it ran),
// every child's, and one verdict over the signatures of all of them, static and behavioural (a
// signature found in several files counts once, at its highest severity). Shared by both drivers.
report::v1::Report AssembleTreeReport(const sample::v1::Submission& root,
                                      analysis::v1::StaticResult root_result,
                                      std::optional<analysis::v1::SandboxResult> root_sandbox,
                                      std::vector<report::v1::ChildResult> children,
                                      const scoring::ScoringModel& model, const std::string& language);

}  // namespace kensa::pipeline
