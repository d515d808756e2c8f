#include "isolated_sandbox.h"

#include "kensa/pipeline/v1/task.pb.h"

namespace kensa::sandbox_runner {

pipeline::SandboxFunction IsolatedSandbox(const sandbox::Sandbox& sandbox, IsolatedSandboxOptions options) {
  auto run = pipeline::RunInSandbox(sandbox);
  return [run, options](ByteSpan data, const sample::v1::Submission& submission,
                        const analysis::v1::StaticResult& static_result) -> Result<pipeline::SandboxOutput> {
    auto payload = isolation::RunIsolated(
        [&]() -> Result<std::string> {
          isolation::CrashIfMarked(data, options.crash_marker);
          KENSA_ASSIGN_OR_RETURN(auto output, run(data, submission, static_result));
          pipeline::v1::SandboxStageOutput message;
          *message.mutable_result() = std::move(output.result);
          pipeline::ChildrenToMessage(output.children, message.mutable_children());
          return message.SerializeAsString();
        },
        options.limits);
    if (!payload) return payload.error();
    pipeline::v1::SandboxStageOutput message;
    if (!message.ParseFromString(*payload)) return InternalError("the sandbox child returned an unreadable result");
    pipeline::SandboxOutput output;
    output.children = pipeline::ChildrenFromMessage(message.children());
    output.result = std::move(*message.mutable_result());
    return output;
  };
}

}  // namespace kensa::sandbox_runner
