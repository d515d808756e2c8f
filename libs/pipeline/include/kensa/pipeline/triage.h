#pragma once
// The in-process pipeline: runs the stages of quick triage (static analysis, scoring, report
// assembly) on one sample inside this process, with no server. `kensa triage` and most tests
// drive it. The service pipeline (issue #3) calls the same stage libraries from NATS workers.

#include <memory>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/report/v1/report.pb.h"
#include "kensa/scoring/scoring_model.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::pipeline {

struct TriageConfig {
  static_analysis::StaticConfig static_config;
  // Defaults to <rules_dir>/scoring/model.yaml when empty.
  std::string scoring_model_path;
};

struct SubmissionInfo {
  std::string file_name;
  std::string tenant = "local";
  // "en" or "ja": recorded in the report for renderers.
  std::string language = "en";
};

class TriageEngine {
 public:
  // Compiles rules and loads the model once; `warnings` receives rule files that were skipped.
  static Result<std::unique_ptr<TriageEngine>> Create(const TriageConfig& config,
                                                      std::vector<std::string>* warnings);

  // Analyzes one sample and returns its report. Thread-safe.
  Result<report::v1::Report> Triage(ByteSpan data, const SubmissionInfo& info) const;

  const static_analysis::StaticAnalyzer& static_analyzer() const { return *static_analyzer_; }
  const scoring::ScoringModel& scoring_model() const { return model_; }

 private:
  TriageEngine(std::unique_ptr<static_analysis::StaticAnalyzer> analyzer, scoring::ScoringModel model)
      : static_analyzer_(std::move(analyzer)), model_(std::move(model)) {}

  std::unique_ptr<static_analysis::StaticAnalyzer> static_analyzer_;
  scoring::ScoringModel model_;
};

// Builds the report of a finished submission from its stage results: verdict from the
// signatures, indicators deduplicated. Shared by the in-process and the service drivers.
report::v1::Report AssembleReport(const sample::v1::Submission& submission,
                                  analysis::v1::StaticResult static_result,
                                  const scoring::ScoringModel& model, const std::string& language);

}  // namespace kensa::pipeline
