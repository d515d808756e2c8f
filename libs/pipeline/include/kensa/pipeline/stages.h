#pragma once
// The stage handlers: what happens to one task of each stage. The services run them from
// JetStream consumers, `kensa triage` from a memory bus; the analysis itself is a function
// given by the driver, so that a service can run it in an isolated child process.

#include <functional>
#include <string>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/forensics/v1/hunt.pb.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/pipeline/v1/task.pb.h"
#include "kensa/report/v1/report.pb.h"
#include "kensa/scoring/scoring_model.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::pipeline {

// A file found inside a sample, with its bytes.
struct ChildFile {
  analysis::v1::ExtractedFile info;
  Bytes data;
};

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

class StaticStage {
 public:
  StaticStage(Orchestrator& orchestrator, StaticAnalysisFunction analyze)
      : orchestrator_(orchestrator), analyze_(std::move(analyze)) {}
  // Runs static analysis for the task's submission (or reuses the stored result of the same
  // content), admits the extracted files as children and completes the node.
  Status Run(const pipeline::v1::Task& task);

 private:
  Orchestrator& orchestrator_;
  StaticAnalysisFunction analyze_;
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

class ForensicStage {
 public:
  ForensicStage(Orchestrator& orchestrator, HuntFunction hunt)
      : orchestrator_(orchestrator), hunt_(std::move(hunt)) {}
  // Hunts the task's collection (or reuses the stored hunt of the same archive under the same
  // rules), stores the HuntReport as the collection's report, marks it done and publishes
  // kensa.event.collection.done with the verdict as the level.
  Status Run(const pipeline::v1::Task& task);

 private:
  Orchestrator& orchestrator_;
  HuntFunction hunt_;
};

// "compromised", "suspicious", "no_evidence": the verdict's word in events and the REST API.
std::string HuntVerdictCode(forensics::v1::HuntVerdict verdict);

// Builds the report of a finished tree: the root's result, every child's, and one verdict over
// the signatures of all of them (a signature found in several files counts once, at its
// highest severity). Shared by both drivers.
report::v1::Report AssembleTreeReport(const sample::v1::Submission& root,
                                      analysis::v1::StaticResult root_result,
                                      std::vector<report::v1::ChildResult> children,
                                      const scoring::ScoringModel& model, const std::string& language);

}  // namespace kensa::pipeline
