#include "isolated_analysis.h"

#include <algorithm>
#include <csignal>

#include "kensa/pipeline/v1/task.pb.h"

namespace kensa::static_analysis_service {

namespace {

bool Contains(ByteSpan data, const std::string& needle) {
  if (needle.empty()) return false;
  const auto* begin = reinterpret_cast<const std::uint8_t*>(needle.data());
  return std::search(data.begin(), data.end(), begin, begin + needle.size()) != data.end();
}

}  // namespace

pipeline::StaticAnalysisFunction IsolatedStaticAnalysis(const static_analysis::StaticAnalyzer& analyzer,
                                                        IsolatedAnalysisOptions options) {
  auto analyze = pipeline::AnalyzeWith(analyzer);
  return [analyze, options](ByteSpan data, const sample::v1::Submission& submission)
             -> Result<pipeline::StaticOutput> {
    auto payload = isolation::RunIsolated(
        [&]() -> Result<std::string> {
          if (Contains(data, options.crash_marker)) std::raise(SIGSEGV);
          KENSA_ASSIGN_OR_RETURN(auto output, analyze(data, submission));
          pipeline::v1::StaticStageOutput message;
          *message.mutable_result() = std::move(output.result);
          for (const auto& child : output.children) {
            auto* added = message.add_children();
            *added->mutable_info() = child.info;
            added->set_data(std::string(child.data.begin(), child.data.end()));
          }
          return message.SerializeAsString();
        },
        options.limits);
    if (!payload) return payload.error();
    pipeline::v1::StaticStageOutput message;
    if (!message.ParseFromString(*payload)) return InternalError("the analysis child returned an unreadable result");
    pipeline::StaticOutput output;
    for (const auto& child : message.children()) {
      output.children.push_back({child.info(), Bytes(child.data().begin(), child.data().end())});
    }
    output.result = std::move(*message.mutable_result());
    return output;
  };
}

}  // namespace kensa::static_analysis_service
