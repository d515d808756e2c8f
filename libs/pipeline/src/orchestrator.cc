#include "kensa/pipeline/orchestrator.h"

#include <chrono>
#include <random>

#include <google/protobuf/util/json_util.h>

#include "kensa/core/bytes.h"
#include "kensa/core/time.h"
#include "kensa/pipeline/stages.h"
#include "kensa/report/v1/report.pb.h"
#include "kensa/scoring/scoring_model.h"

namespace kensa::pipeline {

using sample::v1::Submission;
using sample::v1::SubmissionState;

std::string StateName(SubmissionState state) {
  switch (state) {
    case sample::v1::SUBMISSION_STATE_QUEUED: return "queued";
    case sample::v1::SUBMISSION_STATE_RUNNING: return "running";
    case sample::v1::SUBMISSION_STATE_DONE: return "done";
    case sample::v1::SUBMISSION_STATE_FAILED: return "failed";
    default: return "unspecified";
  }
}

std::string NewSubmissionId() {
  // 128 random bits from the OS: ids are unguessable, so knowing one id says nothing about
  // another tenant's (tenancy is still enforced on every read).
  std::random_device device;
  Bytes bytes(16);
  for (std::size_t i = 0; i < bytes.size(); i += 4) {
    const std::uint32_t word = device();
    for (std::size_t j = 0; j < 4; ++j) bytes[i + j] = static_cast<std::uint8_t>(word >> (8 * j));
  }
  return ToHex(bytes);
}

bool IsCollection(const Submission& submission) {
  return submission.kind() == sample::v1::SUBMISSION_KIND_COLLECTION;
}

namespace {

std::uint64_t NowMillis() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

Orchestrator::Orchestrator(store::StateStore& store, blob_store::BlobStore& blobs, bus::Bus& bus,
                           std::string config_version, PipelineLimits limits)
    : store_(store), blobs_(blobs), bus_(bus), config_version_(std::move(config_version)), limits_(limits) {}

Result<std::optional<Submission>> Orchestrator::LoadSubmission(const std::string& id) {
  KENSA_ASSIGN_OR_RETURN(auto bytes, store_.GetSubmission(id));
  if (!bytes) return std::optional<Submission>();
  Submission submission;
  if (!submission.ParseFromString(*bytes)) return DataLossError("stored submission " + id + " does not parse");
  return std::optional<Submission>(std::move(submission));
}

Status Orchestrator::StoreSubmission(const Submission& submission) {
  return store_.PutSubmission(submission.id(), submission.SerializeAsString());
}

Status Orchestrator::PublishEvent(const std::string& subject, const pipeline::v1::SubmissionEvent& event,
                                  const std::string& dedup_id) {
  // Events are for people and SIEMs, so they travel as JSON (protobuf's JSON mapping, one
  // line), readable with any NATS client; tasks stay binary protobuf between Kensa's services.
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(event, &json, options).ok()) {
    return InternalError("cannot encode the event of " + event.submission_id());
  }
  return bus_.PublishEvent(subject, json, dedup_id);
}

Status Orchestrator::SetState(Submission& submission, SubmissionState state, const std::string& level) {
  submission.set_state(state);
  KENSA_RETURN_IF_ERROR(StoreSubmission(submission));
  pipeline::v1::SubmissionEvent event;
  event.set_submission_id(submission.id());
  event.set_root_id(submission.root_id());
  event.set_tenant(submission.tenant());
  event.set_state(state);
  event.set_sha256(submission.sample().hashes().sha256());
  event.set_failure_reason(submission.failure_reason());
  event.set_at(NowRfc3339());
  event.set_level(level);
  const std::string name = StateName(state);
  const std::string subject =
      IsCollection(submission) ? bus::CollectionEventSubject(name) : bus::SubmissionEventSubject(name);
  return PublishEvent(subject, event, submission.id() + ":" + name);
}

Status Orchestrator::QueueStage(const Submission& submission, const std::string& stage, bool reanalyze) {
  pipeline::v1::Task task;
  task.set_submission_id(submission.id());
  task.set_root_id(submission.root_id());
  task.set_stage(stage);
  task.set_priority(submission.priority());
  task.set_tenant(submission.tenant());
  task.set_sha256(submission.sample().hashes().sha256());
  task.set_reanalyze(reanalyze);
  return bus_.PublishTask(bus::TaskSubject(stage, static_cast<int>(submission.priority())),
                          task.SerializeAsString(), submission.id() + ":" + stage);
}

Result<Admission> Orchestrator::AdmitRoot(const RootRequest& request, ByteSpan data) {
  if (request.tenant.empty()) return InvalidArgumentError("submission has no tenant");
  if (data.empty()) return InvalidArgumentError("the file is empty");
  if (data.size() > limits_.max_sample_bytes) {
    return ResourceExhaustedError("the file is " + std::to_string(data.size()) + " bytes, over the limit of " +
                                  std::to_string(limits_.max_sample_bytes));
  }
  KENSA_ASSIGN_OR_RETURN(const std::string sha256, blobs_.Put(data));

  Submission submission;
  submission.set_id(request.submission_id.empty() ? NewSubmissionId() : request.submission_id);
  submission.set_root_id(submission.id());
  submission.set_tenant(request.tenant);
  submission.set_priority(request.priority == sample::v1::PRIORITY_UNSPECIFIED ? sample::v1::PRIORITY_P3
                                                                                : request.priority);
  submission.mutable_sample()->mutable_hashes()->set_sha256(sha256);
  submission.mutable_sample()->set_size(data.size());
  submission.mutable_sample()->set_file_name(request.file_name);
  submission.set_submitted_at(NowRfc3339());
  for (const auto& password : request.passwords) submission.add_passwords(password);

  Admission admission;
  if (!request.reanalyze) {
    // Dedup: the same content under the same rules has a finished report; this tenant gets
    // its own submission and its own copy of the report, nothing is queued.
    KENSA_ASSIGN_OR_RETURN(auto finished_root, store_.GetFinished(sha256, config_version_));
    if (finished_root) {
      KENSA_ASSIGN_OR_RETURN(auto stored_report, store_.GetReport(*finished_root));
      report::v1::Report report;
      if (stored_report && report.ParseFromString(*stored_report)) {
        *submission.mutable_sample() = report.submission().sample();
        submission.mutable_sample()->set_file_name(request.file_name);
        submission.set_state(sample::v1::SUBMISSION_STATE_DONE);
        *report.mutable_submission() = submission;
        for (auto& child : *report.mutable_children()) {
          child.mutable_submission()->set_tenant(request.tenant);
          child.mutable_submission()->set_root_id(submission.id());
        }
        KENSA_RETURN_IF_ERROR(store_.AddTreeNode(submission.id(), submission.id()));
        KENSA_RETURN_IF_ERROR(StatusOf(store_.MarkTreeNodeDone(submission.id(), submission.id())));
        KENSA_RETURN_IF_ERROR(store_.PutReport(submission.id(), report.SerializeAsString()));
        KENSA_RETURN_IF_ERROR(IndexKnownBadIndicators(store_, report));
        KENSA_RETURN_IF_ERROR(store_.IndexRootSubmission(request.tenant, submission.id(), sha256, NowMillis()));
        KENSA_RETURN_IF_ERROR(SetState(submission, sample::v1::SUBMISSION_STATE_DONE));
        pipeline::v1::SubmissionEvent ready;
        ready.set_submission_id(submission.id());
        ready.set_root_id(submission.id());
        ready.set_tenant(submission.tenant());
        ready.set_state(sample::v1::SUBMISSION_STATE_DONE);
        ready.set_sha256(sha256);
        ready.set_at(NowRfc3339());
        ready.set_level(scoring::LevelCode(report.verdict().level()));
        KENSA_RETURN_IF_ERROR(PublishEvent(bus::kReportReadySubject, ready, submission.id() + ":ready"));
        admission.submission = submission;
        admission.deduplicated = true;
        return admission;
      }
    }
  }

  // The tenant's index is written last: if intake dies half-way, the client got no answer and
  // will submit again, and the half-admitted submission stays invisible instead of showing as
  // queued for ever.
  KENSA_RETURN_IF_ERROR(store_.AddTreeNode(submission.id(), submission.id()));
  KENSA_RETURN_IF_ERROR(SetState(submission, sample::v1::SUBMISSION_STATE_QUEUED));
  KENSA_RETURN_IF_ERROR(QueueStage(submission, kStaticStage, request.reanalyze));
  KENSA_RETURN_IF_ERROR(store_.IndexRootSubmission(request.tenant, submission.id(), sha256, NowMillis()));
  admission.submission = submission;
  return admission;
}

Result<Submission> Orchestrator::AdmitCollection(const CollectionRequest& request, ByteSpan data) {
  if (request.tenant.empty()) return InvalidArgumentError("collection has no tenant");
  if (data.empty()) return InvalidArgumentError("the collection is empty");
  if (data.size() > limits_.max_collection_bytes) {
    return ResourceExhaustedError("the collection is " + std::to_string(data.size()) + " bytes, over the limit of " +
                                  std::to_string(limits_.max_collection_bytes));
  }
  KENSA_ASSIGN_OR_RETURN(const std::string sha256, blobs_.Put(data));
  Submission collection;
  collection.set_id(request.submission_id.empty() ? NewSubmissionId() : request.submission_id);
  collection.set_root_id(collection.id());
  collection.set_kind(sample::v1::SUBMISSION_KIND_COLLECTION);
  collection.set_tenant(request.tenant);
  collection.set_priority(request.priority == sample::v1::PRIORITY_UNSPECIFIED ? sample::v1::PRIORITY_P3
                                                                                : request.priority);
  collection.mutable_sample()->mutable_hashes()->set_sha256(sha256);
  collection.mutable_sample()->set_size(data.size());
  collection.mutable_sample()->set_file_name(request.file_name);
  for (const auto& password : request.passwords) collection.add_passwords(password);
  collection.set_submitted_at(NowRfc3339());
  // Same order as a sample root: the tree, the record, then the task.
  KENSA_RETURN_IF_ERROR(store_.AddTreeNode(collection.id(), collection.id()));
  KENSA_RETURN_IF_ERROR(SetState(collection, sample::v1::SUBMISSION_STATE_QUEUED));
  KENSA_RETURN_IF_ERROR(QueueStage(collection, kForensicStage, false));
  return collection;
}

Result<bool> Orchestrator::AdmitChild(const Submission& parent, const analysis::v1::ExtractedFile& file,
                                      std::size_t index, ByteSpan data) {
  if (parent.depth() + 1 > limits_.max_depth || index >= limits_.max_children_per_node || data.empty() ||
      data.size() > limits_.max_sample_bytes) {
    return false;
  }
  KENSA_ASSIGN_OR_RETURN(const auto progress, store_.GetTreeProgress(parent.root_id()));
  const std::string child_id = parent.id() + "-" + std::to_string(index);
  KENSA_ASSIGN_OR_RETURN(auto existing, LoadSubmission(child_id));
  if (!existing && progress.nodes >= limits_.max_tree_nodes) return false;

  KENSA_ASSIGN_OR_RETURN(const std::string sha256, blobs_.Put(data));
  Submission child;
  if (existing) {
    child = *existing;  // admitted before a redelivery: keep its state, queue it again (dedup)
  } else {
    child.set_id(child_id);
    child.set_root_id(parent.root_id());
    child.set_parent_id(parent.id());
    child.set_tenant(parent.tenant());
    child.set_priority(parent.priority());
    child.set_depth(parent.depth() + 1);
    child.set_submitted_at(NowRfc3339());
    for (const auto& password : parent.passwords()) child.add_passwords(password);
    child.mutable_sample()->mutable_hashes()->set_sha256(sha256);
    child.mutable_sample()->set_size(data.size());
    child.mutable_sample()->set_file_name(file.name());
    child.set_state(sample::v1::SUBMISSION_STATE_QUEUED);
  }
  // Tree first, then the record, then the task: a crash between steps leaves a node that the
  // redelivered parent task admits again, never a task whose node the tree does not count.
  KENSA_RETURN_IF_ERROR(store_.AddTreeNode(parent.root_id(), child.id()));
  if (!existing) KENSA_RETURN_IF_ERROR(StoreSubmission(child));
  if (child.state() == sample::v1::SUBMISSION_STATE_QUEUED) {
    KENSA_RETURN_IF_ERROR(QueueStage(child, kStaticStage, false));
  }
  return true;
}

Status Orchestrator::CompleteNode(const Submission& node) {
  KENSA_ASSIGN_OR_RETURN(const auto progress, store_.MarkTreeNodeDone(node.root_id(), node.id()));
  if (!progress.complete()) return Status::Ok();
  KENSA_ASSIGN_OR_RETURN(auto root, LoadSubmission(node.root_id()));
  if (!root) return NotFoundError("root submission " + node.root_id() + " is unknown");
  if (root->state() == sample::v1::SUBMISSION_STATE_FAILED) return Status::Ok();
  return QueueStage(*root, kReportStage, false);
}

Status Orchestrator::FailNode(Submission node, const std::string& reason) {
  node.set_failure_reason(reason);
  KENSA_RETURN_IF_ERROR(SetState(node, sample::v1::SUBMISSION_STATE_FAILED));
  // A failed child does not stop its tree: the report lists it with the reason. A failed root
  // has no report.
  if (node.id() != node.root_id()) return CompleteNode(node);
  return StatusOf(store_.MarkTreeNodeDone(node.root_id(), node.id()));
}

}  // namespace kensa::pipeline
