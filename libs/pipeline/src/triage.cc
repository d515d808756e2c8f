#include "kensa/pipeline/triage.h"

#include <utility>

#include "kensa/blob_store/blob_store.h"
#include "kensa/bus/bus.h"
#include "kensa/pipeline/isolated_stages.h"
#include "kensa/pipeline/stages.h"
#include "kensa/pipeline/task_runner.h"
#include "kensa/store/state_store.h"

namespace kensa::pipeline {

Result<std::unique_ptr<TriageEngine>> TriageEngine::Create(const TriageConfig& config,
                                                           std::vector<std::string>* warnings) {
  KENSA_ASSIGN_OR_RETURN(auto analyzer, static_analysis::StaticAnalyzer::Create(config.static_config, warnings));
  const std::string model_path = config.scoring_model_path.empty()
                                     ? config.static_config.rules_dir + "/scoring/model.yaml"
                                     : config.scoring_model_path;
  KENSA_ASSIGN_OR_RETURN(auto model, scoring::LoadScoringModel(model_path));
  std::unique_ptr<sandbox::Sandbox> dynamic;
  if (config.dynamic_analysis) {
    sandbox::SandboxConfig sandbox_config = config.sandbox_config;
    sandbox_config.rules_dir = config.static_config.rules_dir;
    sandbox_config.extra_yara_dirs = config.static_config.extra_yara_dirs;
    // Both stages compile the same YARA folders and the static analyzer has reported the files
    // that failed; the sandbox's own YARA messages would repeat them.
    std::vector<std::string> sandbox_warnings;
    KENSA_ASSIGN_OR_RETURN(dynamic, sandbox::Sandbox::Create(sandbox_config, &sandbox_warnings));
    for (auto& warning : sandbox_warnings) {
      if (warnings != nullptr && !warning.starts_with("yara ")) warnings->push_back(std::move(warning));
    }
  }
  return std::unique_ptr<TriageEngine>(new TriageEngine(std::move(analyzer), std::move(dynamic), std::move(model), config));
}

TriageEngine::TriageEngine(std::unique_ptr<static_analysis::StaticAnalyzer> analyzer,
                           std::unique_ptr<sandbox::Sandbox> sandbox, scoring::ScoringModel model,
                           const TriageConfig& config)
    : static_analyzer_(std::move(analyzer)), sandbox_(std::move(sandbox)), model_(std::move(model)), limits_(config.limits) {
  if (!config.isolate) {
    analyze_ = AnalyzeWith(*static_analyzer_);
    if (sandbox_) run_sandbox_ = RunInSandbox(*sandbox_);
    return;
  }
  StageIsolation isolation;
  isolation.limits.timeout = std::chrono::seconds(config.analysis_timeout_seconds);
  isolation.limits.max_memory_bytes = config.analysis_memory_bytes;
  isolation.crash_marker = config.crash_marker;
  analyze_ = IsolatedStaticAnalysis(*static_analyzer_, isolation);
  if (sandbox_) {
    // The emulator stops at its own clock; the child's limit catches a run that cannot stop,
    // with room for loading and YARA after the clock (as sandbox-runner does).
    isolation.limits.timeout =
        std::chrono::milliseconds(config.sandbox_config.emulation.limits.timeout_ms) + std::chrono::seconds(30);
    run_sandbox_ = IsolatedSandbox(*sandbox_, isolation);
  }
}

Result<report::v1::Report> TriageEngine::Triage(ByteSpan data, const SubmissionInfo& info) const {
  // One private pipeline per call: the memory bus and stores live as long as this triage.
  store::MemoryStateStore store;
  blob_store::MemoryBlobStore blobs;
  bus::MemoryBus bus;
  Orchestrator orchestrator(store, blobs, bus, "in-process", limits_);

  SandboxFilter sandbox_filter;
  if (sandbox_) sandbox_filter = &sandbox::Sandbox::CanRun;
  StaticStage static_stage(orchestrator, analyze_, sandbox_filter);
  // Without a sandbox the filter is empty and no sandbox task is ever queued.
  SandboxStage sandbox_stage(orchestrator, run_sandbox_);
  ReportStage report_stage(orchestrator, model_);

  RootRequest request;
  request.tenant = info.tenant;
  request.file_name = info.file_name;
  request.passwords = info.passwords;
  KENSA_ASSIGN_OR_RETURN(const Admission admission, orchestrator.AdmitRoot(request, data));
  const std::string root_id = admission.submission.id();

  // Drain the stages in pipeline order until no task is left. A task that keeps asking to be
  // retried (only a store error can do that in memory) ends as failed after max_attempts.
  const TaskRunnerOptions runner_options{.max_attempts = 3, .retry_delay = std::chrono::milliseconds(0)};
  const std::pair<const char*, StageFunction> stages[] = {
      {kStaticStage, [&](const pipeline::v1::Task& task) { return static_stage.Run(task); }},
      {kSandboxStage, [&](const pipeline::v1::Task& task) { return sandbox_stage.Run(task); }},
      {kReportStage, [&](const pipeline::v1::Task& task) { return report_stage.Run(task); }},
  };
  for (bool worked = true; worked;) {
    worked = false;
    for (const auto& [stage, run] : stages) {
      while (true) {
        KENSA_ASSIGN_OR_RETURN(auto delivery, bus.NextTask(stage, std::chrono::milliseconds(0)));
        if (!delivery) break;
        RunDelivery(*delivery, orchestrator, run, runner_options);
        worked = true;
      }
    }
  }

  KENSA_ASSIGN_OR_RETURN(auto root, orchestrator.LoadSubmission(root_id));
  if (root && root->state() == sample::v1::SUBMISSION_STATE_FAILED) {
    return InternalError("analysis failed: " + root->failure_reason());
  }
  KENSA_ASSIGN_OR_RETURN(auto stored, store.GetReport(root_id));
  report::v1::Report report;
  if (!stored || !report.ParseFromString(*stored)) return InternalError("the pipeline produced no report");
  report.set_language(info.language);
  return report;
}

}  // namespace kensa::pipeline
