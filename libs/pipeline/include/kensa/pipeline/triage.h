#pragma once
// The in-process driver of the pipeline: runs quick triage (static analysis of the sample and
// of every file found inside it, emulation of the Windows programs among them, scoring, report
// assembly) inside this process, with no server.
// `kensa triage` and most tests drive it. It uses the same Orchestrator and stage handlers as
// the services (orchestrator.h, stages.h), over a memory bus and memory stores.

#include <memory>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/pipeline/stages.h"
#include "kensa/report/v1/report.pb.h"
#include "kensa/sandbox/sandbox.h"
#include "kensa/scoring/scoring_model.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::pipeline {

struct TriageConfig {
  static_analysis::StaticConfig static_config;
  // Dynamic analysis: Windows programs run in the emulator (the sandbox stage). Its rules_dir
  // and extra_yara_dirs are taken from static_config, so one --rules serves both stages.
  bool dynamic_analysis = true;
  sandbox::SandboxConfig sandbox_config;
  PipelineLimits limits;
  // Defaults to <rules_dir>/scoring/model.yaml when empty.
  std::string scoring_model_path;
  // Every file's static analysis and emulation in a forked child (isolated_stages.h), as the
  // services run them: a parser or emulator that crashes, hangs or runs out of memory on a
  // hostile file fails that file's node and the triage goes on. false runs them in this
  // process (debugging with gdb).
  bool isolate = true;
  // Per child: wall-clock seconds for one static analysis (an emulation gets its own clock
  // plus 30 s), and the address space it may add. The services' defaults and config keys.
  int analysis_timeout_seconds = 120;
  std::uint64_t analysis_memory_bytes = 4ull << 30;
  // Fault injection for tests, as in the services (StageIsolation::crash_marker); `kensa`
  // takes it from KENSA_FAULT_CRASH_MARKER.
  std::string crash_marker;
};

struct SubmissionInfo {
  std::string file_name;
  std::string tenant = "local";
  // "en" or "ja": recorded in the report for renderers.
  std::string language = "en";
  // Passwords to try on encrypted archives, besides the configured list.
  std::vector<std::string> passwords;
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
  // Null when dynamic analysis is off.
  const sandbox::Sandbox* sandbox() const { return sandbox_.get(); }

 private:
  TriageEngine(std::unique_ptr<static_analysis::StaticAnalyzer> analyzer, std::unique_ptr<sandbox::Sandbox> sandbox,
               scoring::ScoringModel model, const TriageConfig& config);

  std::unique_ptr<static_analysis::StaticAnalyzer> static_analyzer_;
  std::unique_ptr<sandbox::Sandbox> sandbox_;
  scoring::ScoringModel model_;
  PipelineLimits limits_;
  StaticAnalysisFunction analyze_;
  SandboxFunction run_sandbox_;  // empty when dynamic analysis is off
};

}  // namespace kensa::pipeline
