#pragma once
// Static analysis in a forked child process (libs/isolation): a parser that crashes, hangs or
// exhausts memory on a hostile sample fails that submission with the reason, and the worker
// goes on serving. The child hands back a pipeline.v1.StaticStageOutput.

#include <string>

#include "kensa/isolation/isolated_call.h"
#include "kensa/pipeline/stages.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis_service {

struct IsolatedAnalysisOptions {
  isolation::IsolationLimits limits;
  // Fault injection for the pipeline's own tests (docs/pipeline.md): when non-empty, a sample
  // containing these bytes crashes the analysis child with SIGSEGV, as a parser bug would.
  // Set only from the KENSA_FAULT_CRASH_MARKER environment variable.
  std::string crash_marker;
};

pipeline::StaticAnalysisFunction IsolatedStaticAnalysis(const static_analysis::StaticAnalyzer& analyzer,
                                                        IsolatedAnalysisOptions options);

}  // namespace kensa::static_analysis_service
