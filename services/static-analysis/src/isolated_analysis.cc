#include "isolated_analysis.h"

#include "kensa/pipeline/v1/task.pb.h"

namespace kensa::static_analysis_service {

pipeline::StaticAnalysisFunction IsolatedStaticAnalysis(const static_analysis::StaticAnalyzer& analyzer,
                                                        IsolatedAnalysisOptions options) {
  auto analyze = pipeline::AnalyzeWith(analyzer);
  return [analyze, options](ByteSpan data, const sample::v1::Submission& submission)
             -> Result<pipeline::StaticOutput> {
    auto payload = isolation::RunIsolated(
        [&]() -> Result<std::string> {
          isolation::CrashIfMarked(data, options.crash_marker);
          KENSA_ASSIGN_OR_RETURN(auto output, analyze(data, submission));
          pipeline::v1::StaticStageOutput message;
          *message.mutable_result() = std::move(output.result);
          pipeline::ChildrenToMessage(output.children, message.mutable_children());
          return message.SerializeAsString();
        },
        options.limits);
    if (!payload) return payload.error();
    pipeline::v1::StaticStageOutput message;
    if (!message.ParseFromString(*payload)) return InternalError("the analysis child returned an unreadable result");
    pipeline::StaticOutput output;
    output.children = pipeline::ChildrenFromMessage(message.children());
    output.result = std::move(*message.mutable_result());
    return output;
  };
}

}  // namespace kensa::static_analysis_service
