#pragma once
// One sandbox run in a forked child process (libs/isolation), as static-analysis does for its
// parsers: an emulation that crashes unicorn, hangs past its own clock or exhausts memory on a
// hostile sample fails that submission with the reason, and the worker goes on serving. The
// child hands back a serialized kensa.pipeline.v1.SandboxStageOutput.

#include <string>

#include "kensa/isolation/isolated_call.h"
#include "kensa/pipeline/stages.h"
#include "kensa/sandbox/sandbox.h"

namespace kensa::sandbox_runner {

struct IsolatedSandboxOptions {
  isolation::IsolationLimits limits;
  // Fault injection for the pipeline's own tests (docs/pipeline.md): a sample containing these
  // bytes crashes the run's child with SIGSEGV. Set only from KENSA_FAULT_CRASH_MARKER.
  std::string crash_marker;
};

// `sandbox` must outlive the returned function.
pipeline::SandboxFunction IsolatedSandbox(const sandbox::Sandbox& sandbox, IsolatedSandboxOptions options);

}  // namespace kensa::sandbox_runner
