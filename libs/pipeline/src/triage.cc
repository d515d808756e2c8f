#include "kensa/pipeline/triage.h"

#include <set>
#include <utility>

#include "kensa/core/time.h"

namespace kensa::pipeline {

namespace {
constexpr const char* kGenerator = "kensa 0.1.0";
constexpr const char* kReportSchemaVersion = "1";
}  // namespace

Result<std::unique_ptr<TriageEngine>> TriageEngine::Create(const TriageConfig& config,
                                                           std::vector<std::string>* warnings) {
  KENSA_ASSIGN_OR_RETURN(auto analyzer, static_analysis::StaticAnalyzer::Create(config.static_config, warnings));
  const std::string model_path = config.scoring_model_path.empty()
                                     ? config.static_config.rules_dir + "/scoring/model.yaml"
                                     : config.scoring_model_path;
  KENSA_ASSIGN_OR_RETURN(auto model, scoring::LoadScoringModel(model_path));
  return std::unique_ptr<TriageEngine>(new TriageEngine(std::move(analyzer), std::move(model)));
}

report::v1::Report AssembleReport(const sample::v1::Submission& submission,
                                  analysis::v1::StaticResult static_result,
                                  const scoring::ScoringModel& model, const std::string& language) {
  report::v1::Report report;
  report.set_schema_version(kReportSchemaVersion);
  report.set_generator(kGenerator);
  report.set_generated_at(NowRfc3339());
  report.set_language(language);
  *report.mutable_submission() = submission;

  const std::vector<analysis::v1::Signature> signatures(static_result.signatures().begin(),
                                                        static_result.signatures().end());
  *report.mutable_verdict() = scoring::Score(signatures, model);

  std::set<std::pair<int, std::string>> seen;
  for (const auto& indicator : static_result.indicators()) {
    if (seen.emplace(indicator.type(), indicator.value()).second) *report.add_indicators() = indicator;
  }
  *report.mutable_static_result() = std::move(static_result);
  return report;
}

Result<report::v1::Report> TriageEngine::Triage(ByteSpan data, const SubmissionInfo& info) const {
  KENSA_ASSIGN_OR_RETURN(auto static_result, static_analyzer_->Analyze(data, info.file_name));

  sample::v1::Submission submission;
  *submission.mutable_sample() = static_result.sample();
  // In-process submissions are named after the content and the moment, which is unique enough
  // for a local run; the service pipeline issues its own ids.
  submission.set_id("local-" + static_result.sample().hashes().sha256().substr(0, 16));
  submission.set_root_id(submission.id());
  submission.set_tenant(info.tenant);
  submission.set_state(sample::v1::SUBMISSION_STATE_DONE);
  submission.set_submitted_at(NowRfc3339());
  submission.set_priority(sample::v1::PRIORITY_P3);
  return AssembleReport(submission, std::move(static_result), model_, info.language);
}

}  // namespace kensa::pipeline
