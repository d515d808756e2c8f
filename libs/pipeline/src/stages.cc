#include "kensa/pipeline/stages.h"

#include <algorithm>
#include <map>
#include <set>

#include "kensa/bus/bus.h"
#include "kensa/core/time.h"
#include "kensa/hashing/hashes.h"

namespace kensa::pipeline {

using sample::v1::Submission;

namespace {

constexpr const char* kGenerator = "kensa 0.1.0";
constexpr const char* kReportSchemaVersion = "1";

// The stored result of `stage` for this content under the current configuration, if any.
template <typename Message>
Result<std::optional<Message>> LoadStageResult(Orchestrator& orchestrator, const std::string& sha256,
                                               const char* stage) {
  KENSA_ASSIGN_OR_RETURN(auto bytes, orchestrator.store().GetResult(sha256, stage, orchestrator.config_version()));
  if (!bytes) return std::optional<Message>();
  Message result;
  if (!result.ParseFromString(*bytes)) {
    return DataLossError("stored " + std::string(stage) + " result of " + sha256 + " does not parse");
  }
  return std::optional<Message>(std::move(result));
}

Result<std::optional<analysis::v1::StaticResult>> LoadStaticResult(Orchestrator& orchestrator,
                                                                   const std::string& sha256) {
  return LoadStageResult<analysis::v1::StaticResult>(orchestrator, sha256, kStaticStage);
}

Result<std::optional<analysis::v1::SandboxResult>> LoadSandboxResult(Orchestrator& orchestrator,
                                                                     const std::string& sha256) {
  return LoadStageResult<analysis::v1::SandboxResult>(orchestrator, sha256, kSandboxStage);
}

// Stores the bytes of files a stage produced, before the result that names them, so that a
// stored result always finds its children again.
Status PutChildBlobs(Orchestrator& orchestrator, const std::map<std::string, Bytes>& child_bytes) {
  for (const auto& [child_sha256, bytes] : child_bytes) {
    KENSA_RETURN_IF_ERROR(StatusOf(orchestrator.blobs().Put(bytes)));
  }
  return Status::Ok();
}

// Admits `files` as children of `submission`. Child i gets index first_index + i, so a
// redelivered task (cached result or not) derives the same child ids, and the children of
// different stages of one node never share an id.
Status AdmitChildren(Orchestrator& orchestrator, const Submission& submission,
                     const google::protobuf::RepeatedPtrField<analysis::v1::ExtractedFile>& files,
                     std::size_t first_index, const std::map<std::string, Bytes>& child_bytes) {
  for (int i = 0; i < files.size(); ++i) {
    const auto& file = files.Get(i);
    Bytes data;
    if (auto it = child_bytes.find(file.sha256()); it != child_bytes.end()) {
      data = it->second;
    } else {
      auto stored = orchestrator.blobs().Get(file.sha256(), orchestrator.limits().max_sample_bytes);
      if (!stored) {
        if (stored.error().code() == StatusCode::kNotFound) continue;  // listed, never extracted
        return stored.error();
      }
      data = std::move(*stored);
    }
    KENSA_RETURN_IF_ERROR(StatusOf(
        orchestrator.AdmitChild(submission, file, first_index + static_cast<std::size_t>(i), data)));
  }
  return Status::Ok();
}

// The node's last stage is done: record it and tell the tree.
Status FinishNode(Orchestrator& orchestrator, Submission& submission) {
  if (submission.id() == submission.root_id()) {
    KENSA_RETURN_IF_ERROR(orchestrator.StoreSubmission(submission));  // the root is done with its report
  } else {
    KENSA_RETURN_IF_ERROR(orchestrator.SetState(submission, sample::v1::SUBMISSION_STATE_DONE));
  }
  return orchestrator.CompleteNode(submission);
}

// Loads the task's submission for a stage of a sample node. Empty when it finished already
// (the ack of the task was lost): the caller only makes sure the tree knows.
Result<std::optional<Submission>> StartNodeStage(Orchestrator& orchestrator, const pipeline::v1::Task& task) {
  KENSA_ASSIGN_OR_RETURN(auto loaded, orchestrator.LoadSubmission(task.submission_id()));
  if (!loaded) return NotFoundError("submission " + task.submission_id() + " is unknown");
  if (loaded->state() == sample::v1::SUBMISSION_STATE_FAILED || loaded->state() == sample::v1::SUBMISSION_STATE_DONE) {
    KENSA_RETURN_IF_ERROR(orchestrator.CompleteNode(*loaded));
    return std::optional<Submission>();
  }
  if (loaded->state() == sample::v1::SUBMISSION_STATE_QUEUED) {
    KENSA_RETURN_IF_ERROR(orchestrator.SetState(*loaded, sample::v1::SUBMISSION_STATE_RUNNING));
  }
  return loaded;
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

void ChildrenToMessage(const std::vector<ChildFile>& children,
                       google::protobuf::RepeatedPtrField<pipeline::v1::StaticStageChild>* out) {
  for (const auto& child : children) {
    auto* added = out->Add();
    *added->mutable_info() = child.info;
    added->set_data(std::string(child.data.begin(), child.data.end()));
  }
}

std::vector<ChildFile> ChildrenFromMessage(
    const google::protobuf::RepeatedPtrField<pipeline::v1::StaticStageChild>& children) {
  std::vector<ChildFile> files;
  files.reserve(static_cast<std::size_t>(children.size()));
  for (const auto& child : children) files.push_back({child.info(), Bytes(child.data().begin(), child.data().end())});
  return files;
}

SandboxFunction RunInSandbox(const sandbox::Sandbox& sandbox) {
  return [&sandbox](ByteSpan data, const Submission&, const analysis::v1::StaticResult& static_result)
             -> Result<SandboxOutput> {
    KENSA_ASSIGN_OR_RETURN(sandbox::SandboxRun run, sandbox.Run(data, static_result));
    SandboxOutput output;
    output.result = std::move(run.result);
    for (auto& child : run.children) output.children.push_back({std::move(child.info), std::move(child.data)});
    return output;
  };
}

Status StaticStage::Run(const pipeline::v1::Task& task) {
  KENSA_ASSIGN_OR_RETURN(auto started, StartNodeStage(orchestrator_, task));
  if (!started) return Status::Ok();
  Submission submission = std::move(*started);
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
    KENSA_RETURN_IF_ERROR(PutChildBlobs(orchestrator_, child_bytes));
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

  KENSA_RETURN_IF_ERROR(AdmitChildren(orchestrator_, submission, result.extracted_files(), 0, child_bytes));

  if (sandbox_filter_ && sandbox_filter_(result)) {
    // The node stays running until the sandbox stage finishes it; the sample record now has
    // its identification for that stage.
    KENSA_RETURN_IF_ERROR(orchestrator_.StoreSubmission(submission));
    return orchestrator_.QueueStage(submission, kSandboxStage, task.reanalyze());
  }
  return FinishNode(orchestrator_, submission);
}

Status SandboxStage::Run(const pipeline::v1::Task& task) {
  KENSA_ASSIGN_OR_RETURN(auto started, StartNodeStage(orchestrator_, task));
  if (!started) return Status::Ok();
  Submission submission = std::move(*started);
  const std::string sha256 = submission.sample().hashes().sha256();

  KENSA_ASSIGN_OR_RETURN(auto static_result, LoadStaticResult(orchestrator_, sha256));
  if (!static_result) return UnavailableError("static result of " + submission.id() + " is not stored yet");

  analysis::v1::SandboxResult result;
  std::map<std::string, Bytes> child_bytes;  // by sha256
  std::optional<analysis::v1::SandboxResult> cached;
  if (!task.reanalyze()) {
    KENSA_ASSIGN_OR_RETURN(cached, LoadSandboxResult(orchestrator_, sha256));
  }
  if (cached) {
    result = std::move(*cached);
  } else {
    KENSA_ASSIGN_OR_RETURN(const Bytes data, orchestrator_.blobs().Get(sha256, orchestrator_.limits().max_sample_bytes));
    KENSA_ASSIGN_OR_RETURN(SandboxOutput output, run_(data, submission, *static_result));
    result = std::move(output.result);
    for (auto& child : output.children) child_bytes.emplace(child.info.sha256(), std::move(child.data));
    KENSA_RETURN_IF_ERROR(PutChildBlobs(orchestrator_, child_bytes));
    KENSA_RETURN_IF_ERROR(orchestrator_.store().PutResult(sha256, kSandboxStage, orchestrator_.config_version(),
                                                          result.SerializeAsString()));
  }

  // Dropped files and memory dumps come after the static stage's children in the node's index
  // space (AdmitChildren).
  KENSA_RETURN_IF_ERROR(AdmitChildren(orchestrator_, submission, result.extracted_files(),
                                      static_cast<std::size_t>(static_result->extracted_files_size()), child_bytes));
  return FinishNode(orchestrator_, submission);
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
      const std::string& node_sha256 = node->sample().hashes().sha256();
      KENSA_ASSIGN_OR_RETURN(auto result, LoadStaticResult(orchestrator_, node_sha256));
      if (result) *child.mutable_static_result() = std::move(*result);
      KENSA_ASSIGN_OR_RETURN(auto sandbox, LoadSandboxResult(orchestrator_, node_sha256));
      if (sandbox) *child.mutable_sandbox_result() = std::move(*sandbox);
    }
    *child.mutable_submission() = std::move(*node);
    children.push_back(std::move(child));
  }

  KENSA_ASSIGN_OR_RETURN(auto root_sandbox, LoadSandboxResult(orchestrator_, root.sample().hashes().sha256()));

  root.set_state(sample::v1::SUBMISSION_STATE_DONE);
  report::v1::Report report = AssembleTreeReport(root, std::move(*root_result), std::move(root_sandbox),
                                                 std::move(children), model_, "en");
  KENSA_RETURN_IF_ERROR(orchestrator_.store().PutReport(root.id(), report.SerializeAsString()));
  KENSA_RETURN_IF_ERROR(IndexKnownBadIndicators(orchestrator_.store(), report));
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
  // does not hunt again when the task comes back. An upload with passwords (an encrypted
  // collection) is keyed by them too: the same encrypted bytes uploaded without the password
  // must not get the hunt of what only the password opens.
  std::string result_version = orchestrator_.config_version();
  if (collection.passwords_size() > 0) {
    std::string joined;
    for (const auto& password : collection.passwords()) joined += password + '\n';
    const ByteSpan bytes(reinterpret_cast<const std::uint8_t*>(joined.data()), joined.size());
    result_version += ":passwords-" + hashing::Sha256Hex(bytes);
  }
  // The archive is read from the blob store once, when the hunt or the sweep needs it.
  std::optional<Bytes> archive;
  const auto read_archive = [&]() -> Status {
    if (archive) return Status::Ok();
    KENSA_ASSIGN_OR_RETURN(archive, orchestrator_.blobs().Get(sha256, orchestrator_.limits().max_collection_bytes));
    return Status::Ok();
  };
  forensics::v1::HuntReport report;
  KENSA_ASSIGN_OR_RETURN(auto stored, orchestrator_.store().GetResult(sha256, kForensicStage, result_version));
  const bool reused = stored && !task.reanalyze() && report.ParseFromString(*stored);
  if (!reused) {
    KENSA_RETURN_IF_ERROR(read_archive());
    KENSA_ASSIGN_OR_RETURN(report, hunt_(*archive, collection));
    KENSA_RETURN_IF_ERROR(
        orchestrator_.store().PutResult(sha256, kForensicStage, result_version, report.SerializeAsString()));
  }
  // The tenant's known-bad indicators, swept on every run: a report stored by content must
  // not carry one tenant's indicators to another, and they grow with every malicious report.
  if (sweep_) {
    KENSA_ASSIGN_OR_RETURN(const auto known, orchestrator_.store().GetTenantIndicators(collection.tenant()));
    indicators::IocList iocs;
    for (const auto& [value, origin] : known) indicators::AddIoc(value, origin, &iocs);
    if (!iocs.empty()) {
      KENSA_RETURN_IF_ERROR(read_archive());
      auto swept = sweep_(*archive, collection, report, iocs);
      if (swept) {
        report = std::move(*swept);
      } else if (swept.error().code() == StatusCode::kUnavailable) {
        return swept.error();
      } else {
        // The hunt stands; the reader is told which sweep is missing and why.
        report.mutable_collection()->add_problems("not swept for the tenant's " + std::to_string(iocs.size()) +
                                                  " known-bad indicators: " + swept.error().message());
      }
    }
  }
  if (report.has_collection()) {
    // The archive's path inside the worker means nothing to the reader; the uploaded name does.
    report.mutable_collection()->set_path(collection.sample().file_name());
  }
  KENSA_RETURN_IF_ERROR(orchestrator_.store().PutReport(collection.id(), report.SerializeAsString()));
  KENSA_RETURN_IF_ERROR(StatusOf(orchestrator_.store().MarkTreeNodeDone(collection.id(), collection.id())));
  return orchestrator_.SetState(collection, sample::v1::SUBMISSION_STATE_DONE, HuntVerdictCode(report.verdict()));
}

Status IndexKnownBadIndicators(store::StateStore& store, const report::v1::Report& report) {
  // A tree of thousands of extracted files names thousands of hashes; past this many the
  // report is not a list of indicators a host can be swept for.
  constexpr std::size_t kMaxIndicatorsPerReport = 5000;
  if (!indicators::ReportMakesIocsKnownBad(report) || report.submission().tenant().empty()) return Status::Ok();
  indicators::IocList iocs;
  indicators::AddReportIocs(report, indicators::ReportOrigin(report), &iocs);
  auto values = iocs.AllValues();
  while (values.size() > kMaxIndicatorsPerReport) values.erase(std::prev(values.end()));
  return store.AddTenantIndicators(report.submission().tenant(), values);
}

report::v1::Report AssembleTreeReport(const Submission& root, analysis::v1::StaticResult root_result,
                                      std::optional<analysis::v1::SandboxResult> root_sandbox,
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
  if (root_sandbox) signatures.insert(signatures.end(), root_sandbox->signatures().begin(), root_sandbox->signatures().end());
  auto add_child_signatures = [&](const report::v1::ChildResult& child,
                                  const google::protobuf::RepeatedPtrField<analysis::v1::Signature>& found) {
    for (auto signature : found) {
      auto* where = signature.add_evidence();
      where->set_kind("file");
      where->set_value(child.submission().sample().file_name());
      signatures.push_back(std::move(signature));
    }
  };
  for (const auto& child : children) {
    add_child_signatures(child, child.static_result().signatures());
    add_child_signatures(child, child.sandbox_result().signatures());
  }
  std::stable_sort(signatures.begin(), signatures.end(),
                   [](const auto& a, const auto& b) { return a.severity() > b.severity(); });
  *report.mutable_verdict() = scoring::Score(signatures, model);

  std::set<std::pair<int, std::string>> seen;
  auto add_indicators = [&](const google::protobuf::RepeatedPtrField<analysis::v1::Indicator>& found) {
    for (const auto& indicator : found) {
      if (seen.emplace(indicator.type(), indicator.value()).second) *report.add_indicators() = indicator;
    }
  };
  // What the sample did comes before what its bytes contain: an address it connected to
  // matters more than one among its strings.
  if (root_sandbox) add_indicators(root_sandbox->indicators());
  add_indicators(root_result.indicators());
  for (const auto& child : children) {
    add_indicators(child.sandbox_result().indicators());
    add_indicators(child.static_result().indicators());
  }

  *report.mutable_static_result() = std::move(root_result);
  if (root_sandbox) *report.mutable_sandbox_result() = std::move(*root_sandbox);
  for (auto& child : children) *report.add_children() = std::move(child);
  return report;
}

}  // namespace kensa::pipeline
