#include "kensa/pipeline/stages.h"

#include <algorithm>
#include <map>
#include <set>

#include "kensa/bus/bus.h"
#include "kensa/core/time.h"

namespace kensa::pipeline {

using sample::v1::Submission;

namespace {

constexpr const char* kGenerator = "kensa 0.1.0";
constexpr const char* kReportSchemaVersion = "1";

Result<std::optional<analysis::v1::StaticResult>> LoadStaticResult(Orchestrator& orchestrator,
                                                                   const std::string& sha256) {
  KENSA_ASSIGN_OR_RETURN(auto bytes, orchestrator.store().GetResult(sha256, kStaticStage,
                                                                    orchestrator.config_version()));
  if (!bytes) return std::optional<analysis::v1::StaticResult>();
  analysis::v1::StaticResult result;
  if (!result.ParseFromString(*bytes)) return DataLossError("stored static result of " + sha256 + " does not parse");
  return std::optional<analysis::v1::StaticResult>(std::move(result));
}

}  // namespace

StaticAnalysisFunction AnalyzeWith(const static_analysis::StaticAnalyzer& analyzer) {
  return [&analyzer](ByteSpan data, const Submission& submission) -> Result<StaticOutput> {
    static_analysis::AnalyzeOptions options;
    options.passwords.assign(submission.passwords().begin(), submission.passwords().end());
    std::vector<static_analysis::ExtractedChild> children;
    StaticOutput output;
    KENSA_ASSIGN_OR_RETURN(output.result,
                           analyzer.Analyze(data, submission.sample().file_name(), options, &children));
    for (auto& child : children) output.children.push_back({std::move(child.info), std::move(child.data)});
    return output;
  };
}

Status StaticStage::Run(const pipeline::v1::Task& task) {
  KENSA_ASSIGN_OR_RETURN(auto loaded, orchestrator_.LoadSubmission(task.submission_id()));
  if (!loaded) return NotFoundError("submission " + task.submission_id() + " is unknown");
  Submission submission = std::move(*loaded);
  if (submission.state() == sample::v1::SUBMISSION_STATE_FAILED ||
      (submission.state() == sample::v1::SUBMISSION_STATE_DONE)) {
    // Redelivered after it finished (the ack was lost): only make sure the tree knows.
    return orchestrator_.CompleteNode(submission);
  }
  if (submission.state() == sample::v1::SUBMISSION_STATE_QUEUED) {
    KENSA_RETURN_IF_ERROR(orchestrator_.SetState(submission, sample::v1::SUBMISSION_STATE_RUNNING));
  }
  const std::string sha256 = submission.sample().hashes().sha256();

  analysis::v1::StaticResult result;
  std::map<std::string, Bytes> child_bytes;  // by sha256
  std::optional<analysis::v1::StaticResult> cached;
  if (!task.reanalyze()) {
    KENSA_ASSIGN_OR_RETURN(cached, LoadStaticResult(orchestrator_, sha256));
  }
  if (cached) {
    result = std::move(*cached);
  } else {
    KENSA_ASSIGN_OR_RETURN(const Bytes data, orchestrator_.blobs().Get(sha256, orchestrator_.limits().max_sample_bytes));
    KENSA_ASSIGN_OR_RETURN(StaticOutput output, analyze_(data, submission));
    result = std::move(output.result);
    for (auto& child : output.children) child_bytes.emplace(child.info.sha256(), std::move(child.data));
    // Children's bytes go to the blob store before the result that names them is stored, so a
    // stored result always finds its children again.
    for (const auto& [child_sha256, bytes] : child_bytes) {
      KENSA_RETURN_IF_ERROR(StatusOf(orchestrator_.blobs().Put(bytes)));
    }
    KENSA_RETURN_IF_ERROR(orchestrator_.store().PutResult(sha256, kStaticStage, orchestrator_.config_version(),
                                                          result.SerializeAsString()));
  }

  const std::string file_name = submission.sample().file_name();
  *submission.mutable_sample() = result.sample();
  submission.mutable_sample()->set_file_name(file_name);
  // The shared sample record holds only what the content says; names are the submitter's and
  // would leak across tenants.
  sample::v1::Sample shared_sample = result.sample();
  shared_sample.clear_file_name();
  KENSA_RETURN_IF_ERROR(orchestrator_.store().PutSample(sha256, shared_sample.SerializeAsString()));

  // Index = position in the result's list, so a redelivered task (cached or not) derives the
  // same child ids.
  for (int i = 0; i < result.extracted_files_size(); ++i) {
    const auto& file = result.extracted_files(i);
    Bytes data;
    if (auto it = child_bytes.find(file.sha256()); it != child_bytes.end()) {
      data = it->second;
    } else {
      auto stored = orchestrator_.blobs().Get(file.sha256(), orchestrator_.limits().max_sample_bytes);
      if (!stored) {
        if (stored.error().code() == StatusCode::kNotFound) continue;  // listed, never extracted
        return stored.error();
      }
      data = std::move(*stored);
    }
    KENSA_RETURN_IF_ERROR(StatusOf(orchestrator_.AdmitChild(submission, file, static_cast<std::size_t>(i), data)));
  }

  if (submission.id() == submission.root_id()) {
    KENSA_RETURN_IF_ERROR(orchestrator_.StoreSubmission(submission));  // the root is done with its report
  } else {
    KENSA_RETURN_IF_ERROR(orchestrator_.SetState(submission, sample::v1::SUBMISSION_STATE_DONE));
  }
  return orchestrator_.CompleteNode(submission);
}

Status ReportStage::Run(const pipeline::v1::Task& task) {
  KENSA_ASSIGN_OR_RETURN(auto loaded, orchestrator_.LoadSubmission(task.root_id()));
  if (!loaded) return NotFoundError("submission " + task.root_id() + " is unknown");
  Submission root = std::move(*loaded);
  if (root.state() == sample::v1::SUBMISSION_STATE_FAILED) return Status::Ok();

  KENSA_ASSIGN_OR_RETURN(auto root_result, LoadStaticResult(orchestrator_, root.sample().hashes().sha256()));
  if (!root_result) return UnavailableError("static result of " + root.id() + " is not stored yet");

  KENSA_ASSIGN_OR_RETURN(auto node_ids, orchestrator_.store().GetTreeNodes(root.id()));
  std::sort(node_ids.begin(), node_ids.end());
  std::vector<report::v1::ChildResult> children;
  for (const auto& node_id : node_ids) {
    if (node_id == root.id()) continue;
    KENSA_ASSIGN_OR_RETURN(auto node, orchestrator_.LoadSubmission(node_id));
    if (!node) continue;
    report::v1::ChildResult child;
    if (node->state() != sample::v1::SUBMISSION_STATE_FAILED) {
      KENSA_ASSIGN_OR_RETURN(auto result, LoadStaticResult(orchestrator_, node->sample().hashes().sha256()));
      if (result) *child.mutable_static_result() = std::move(*result);
    }
    *child.mutable_submission() = std::move(*node);
    children.push_back(std::move(child));
  }

  root.set_state(sample::v1::SUBMISSION_STATE_DONE);
  report::v1::Report report = AssembleTreeReport(root, std::move(*root_result), std::move(children), model_, "en");
  KENSA_RETURN_IF_ERROR(orchestrator_.store().PutReport(root.id(), report.SerializeAsString()));
  KENSA_RETURN_IF_ERROR(orchestrator_.store().PutFinished(root.sample().hashes().sha256(),
                                                          orchestrator_.config_version(), root.id()));
  KENSA_RETURN_IF_ERROR(orchestrator_.SetState(root, sample::v1::SUBMISSION_STATE_DONE));

  pipeline::v1::SubmissionEvent ready;
  ready.set_submission_id(root.id());
  ready.set_root_id(root.id());
  ready.set_tenant(root.tenant());
  ready.set_state(sample::v1::SUBMISSION_STATE_DONE);
  ready.set_sha256(root.sample().hashes().sha256());
  ready.set_at(NowRfc3339());
  ready.set_level(scoring::LevelCode(report.verdict().level()));
  return orchestrator_.PublishEvent(bus::kReportReadySubject, ready, root.id() + ":ready");
}

std::string HuntVerdictCode(forensics::v1::HuntVerdict verdict) {
  switch (verdict) {
    case forensics::v1::HUNT_VERDICT_COMPROMISED: return "compromised";
    case forensics::v1::HUNT_VERDICT_SUSPICIOUS: return "suspicious";
    case forensics::v1::HUNT_VERDICT_NO_EVIDENCE: return "no_evidence";
    default: return "unspecified";
  }
}

Status ForensicStage::Run(const pipeline::v1::Task& task) {
  KENSA_ASSIGN_OR_RETURN(auto loaded, orchestrator_.LoadSubmission(task.submission_id()));
  if (!loaded) return NotFoundError("collection " + task.submission_id() + " is unknown");
  Submission collection = std::move(*loaded);
  if (!IsCollection(collection)) {
    return InvalidArgumentError("submission " + collection.id() + " is a sample, not a collection");
  }
  // Redelivered after it finished (the ack was lost): nothing left to do.
  if (collection.state() == sample::v1::SUBMISSION_STATE_DONE ||
      collection.state() == sample::v1::SUBMISSION_STATE_FAILED) {
    return Status::Ok();
  }
  if (collection.state() == sample::v1::SUBMISSION_STATE_QUEUED) {
    KENSA_RETURN_IF_ERROR(orchestrator_.SetState(collection, sample::v1::SUBMISSION_STATE_RUNNING));
  }
  const std::string sha256 = collection.sample().hashes().sha256();

  // The hunt is keyed by content like any stage result: a worker killed after storing it
  // does not hunt again when the task comes back.
  forensics::v1::HuntReport report;
  KENSA_ASSIGN_OR_RETURN(auto stored,
                         orchestrator_.store().GetResult(sha256, kForensicStage, orchestrator_.config_version()));
  const bool reused = stored && !task.reanalyze() && report.ParseFromString(*stored);
  if (!reused) {
    KENSA_ASSIGN_OR_RETURN(const Bytes archive,
                           orchestrator_.blobs().Get(sha256, orchestrator_.limits().max_collection_bytes));
    KENSA_ASSIGN_OR_RETURN(report, hunt_(archive, collection));
    KENSA_RETURN_IF_ERROR(orchestrator_.store().PutResult(sha256, kForensicStage, orchestrator_.config_version(),
                                                          report.SerializeAsString()));
  }
  if (report.has_collection()) {
    // The archive's path inside the worker means nothing to the reader; the uploaded name does.
    report.mutable_collection()->set_path(collection.sample().file_name());
  }
  KENSA_RETURN_IF_ERROR(orchestrator_.store().PutReport(collection.id(), report.SerializeAsString()));
  KENSA_RETURN_IF_ERROR(StatusOf(orchestrator_.store().MarkTreeNodeDone(collection.id(), collection.id())));
  return orchestrator_.SetState(collection, sample::v1::SUBMISSION_STATE_DONE, HuntVerdictCode(report.verdict()));
}

report::v1::Report AssembleTreeReport(const Submission& root, analysis::v1::StaticResult root_result,
                                      std::vector<report::v1::ChildResult> children,
                                      const scoring::ScoringModel& model, const std::string& language) {
  report::v1::Report report;
  report.set_schema_version(kReportSchemaVersion);
  report.set_generator(kGenerator);
  report.set_generated_at(NowRfc3339());
  report.set_language(language);
  *report.mutable_submission() = root;

  // One verdict for the tree. A child's signature carries the file it was found in as
  // evidence; the scoring model counts each signature name once, so the strongest instance
  // goes first.
  std::vector<analysis::v1::Signature> signatures(root_result.signatures().begin(), root_result.signatures().end());
  for (const auto& child : children) {
    for (auto signature : child.static_result().signatures()) {
      auto* where = signature.add_evidence();
      where->set_kind("file");
      where->set_value(child.submission().sample().file_name());
      signatures.push_back(std::move(signature));
    }
  }
  std::stable_sort(signatures.begin(), signatures.end(),
                   [](const auto& a, const auto& b) { return a.severity() > b.severity(); });
  *report.mutable_verdict() = scoring::Score(signatures, model);

  std::set<std::pair<int, std::string>> seen;
  auto add_indicators = [&](const analysis::v1::StaticResult& result) {
    for (const auto& indicator : result.indicators()) {
      if (seen.emplace(indicator.type(), indicator.value()).second) *report.add_indicators() = indicator;
    }
  };
  add_indicators(root_result);
  for (const auto& child : children) add_indicators(child.static_result());

  *report.mutable_static_result() = std::move(root_result);
  for (auto& child : children) *report.add_children() = std::move(child);
  return report;
}

}  // namespace kensa::pipeline
