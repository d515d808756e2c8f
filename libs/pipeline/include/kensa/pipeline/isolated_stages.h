#pragma once
// The stage functions run in a forked child each (libs/isolation): a parser or the emulator
// that crashes, hangs or exhausts memory on a hostile file fails that file's analysis with the
// reason ("analysis crashed: signal 11 (SIGSEGV)"), and the process goes on. The services use
// them for every task, `kensa triage` for every file of a triage (TriageConfig::isolate). The
// child hands back a serialized pipeline.v1.StaticStageOutput or SandboxStageOutput.

#include <string>

#include "kensa/isolation/isolated_call.h"
#include "kensa/pipeline/stages.h"
#include "kensa/sandbox/sandbox.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::pipeline {

struct StageIsolation {
  isolation::IsolationLimits limits;
  // Fault injection for the pipeline's own tests (docs/pipeline.md): a sample containing these
  // bytes crashes the child with SIGSEGV, as a parser bug would. Set only from the
  // KENSA_FAULT_CRASH_MARKER environment variable.
  std::string crash_marker;
};

// `analyzer` and `sandbox` must outlive the returned functions.
StaticAnalysisFunction IsolatedStaticAnalysis(const static_analysis::StaticAnalyzer& analyzer, StageIsolation isolation);
SandboxFunction IsolatedSandbox(const sandbox::Sandbox& sandbox, StageIsolation isolation);

}  // namespace kensa::pipeline
