#include "kensa/pipeline/isolated_stages.h"

#include "kensa/pipeline/v1/task.pb.h"

namespace kensa::pipeline {
namespace {

// Runs `stage` in a child and carries its output across as the stage's message type.
template <typename Output, typename Message, typename Run>
Result<Output> RunInChild(ByteSpan data, const StageIsolation& isolation, const char* what, Run stage) {
  auto payload = isolation::RunIsolated(
      [&]() -> Result<std::string> {
        isolation::CrashIfMarked(data, isolation.crash_marker);
        KENSA_ASSIGN_OR_RETURN(auto output, stage());
        Message message;
        *message.mutable_result() = std::move(output.result);
        ChildrenToMessage(output.children, message.mutable_children());
        return message.SerializeAsString();
      },
      isolation.limits);
  if (!payload) return payload.error();
  Message message;
  if (!message.ParseFromString(*payload)) return InternalError(std::string("the ") + what + " child returned an unreadable result");
  Output output;
  output.children = ChildrenFromMessage(message.children());
  output.result = std::move(*message.mutable_result());
  return output;
}

}  // namespace

StaticAnalysisFunction IsolatedStaticAnalysis(const static_analysis::StaticAnalyzer& analyzer, StageIsolation isolation) {
  auto analyze = AnalyzeWith(analyzer);
  return [analyze, isolation](ByteSpan data, const sample::v1::Submission& submission) -> Result<StaticOutput> {
    return RunInChild<StaticOutput, pipeline::v1::StaticStageOutput>(
        data, isolation, "analysis", [&] { return analyze(data, submission); });
  };
}

SandboxFunction IsolatedSandbox(const sandbox::Sandbox& sandbox, StageIsolation isolation) {
  auto run = RunInSandbox(sandbox);
  return [run, isolation](ByteSpan data, const sample::v1::Submission& submission,
                          const analysis::v1::StaticResult& static_result) -> Result<SandboxOutput> {
    return RunInChild<SandboxOutput, pipeline::v1::SandboxStageOutput>(
        data, isolation, "sandbox", [&] { return run(data, submission, static_result); });
  };
}

}  // namespace kensa::pipeline
