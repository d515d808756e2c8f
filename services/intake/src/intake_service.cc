#include "intake_service.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "kensa/blob_store/blob_store.h"
#include "kensa/service_runtime/grpc_status.h"

namespace kensa::intake {

using service_runtime::ToGrpcStatus;

namespace {

constexpr std::uint32_t kDefaultListLimit = 50;
constexpr std::uint32_t kMaxListLimit = 500;

}  // namespace

Result<sample::v1::Submission> IntakeService::LoadOwned(const std::string& tenant, const std::string& id,
                                                        bool collection) {
  if (tenant.empty()) return PermissionDeniedError("request names no tenant");
  KENSA_ASSIGN_OR_RETURN(auto submission, orchestrator_.LoadSubmission(id));
  if (!submission || submission->tenant() != tenant || pipeline::IsCollection(*submission) != collection) {
    return NotFoundError(std::string(collection ? "no collection " : "no submission ") + id);
  }
  return std::move(*submission);
}

grpc::Status IntakeService::Submit(grpc::ServerContext*, grpc::ServerReader<api::v1::SubmitRequest>* reader,
                                   api::v1::SubmitResponse* response) {
  api::v1::SubmitRequest part;
  if (!reader->Read(&part) || !part.has_metadata()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "the first message of Submit must carry the metadata"};
  }
  const api::v1::SubmitMetadata metadata = part.metadata();
  if (metadata.tenant().empty()) return {grpc::StatusCode::PERMISSION_DENIED, "submission names no tenant"};
  Bytes data;
  while (reader->Read(&part)) {
    if (!part.has_chunk()) return {grpc::StatusCode::INVALID_ARGUMENT, "metadata may only come first"};
    if (data.size() + part.chunk().size() > options_.max_upload_bytes) {
      if (metrics_) metrics_->Rejected();
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "the file is over the upload limit of " + std::to_string(options_.max_upload_bytes) + " bytes"};
    }
    data.insert(data.end(), part.chunk().begin(), part.chunk().end());
  }

  pipeline::RootRequest request;
  request.submission_id = pipeline::NewSubmissionId();
  request.tenant = metadata.tenant();
  request.file_name = metadata.file_name();
  request.priority = metadata.priority();
  request.reanalyze = metadata.reanalyze();
  request.passwords.assign(metadata.passwords().begin(), metadata.passwords().end());

  // While Redis or NATS restarts, retry the admission with the same id: every step of it is
  // idempotent, so the retry finishes the submission the failed attempt began.
  const auto deadline = std::chrono::steady_clock::now() + options_.retry_for;
  auto delay = std::chrono::milliseconds(100);
  while (true) {
    auto admission = orchestrator_.AdmitRoot(request, data);
    if (admission) {
      if (metrics_) metrics_->Admitted(admission->deduplicated, data.size());
      *response->mutable_submission() = admission->submission;
      response->mutable_submission()->clear_passwords();  // secrets are not echoed
      response->set_deduplicated(admission->deduplicated);
      spdlog::info("submission={} sha256={} tenant={} by={} size={} admitted{}", admission->submission.id(),
                   admission->submission.sample().hashes().sha256(), metadata.tenant(), metadata.submitted_by(),
                   data.size(), admission->deduplicated ? " (deduplicated)" : "");
      return grpc::Status::OK;
    }
    if (admission.error().code() != StatusCode::kUnavailable || std::chrono::steady_clock::now() >= deadline) {
      spdlog::error("submission={} not admitted: {}", request.submission_id, admission.error().message());
      if (metrics_) metrics_->Rejected();
      return ToGrpcStatus(admission.error());
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
  }
}

namespace {

// Collections come as the collectors write them: zip (Windows) or gzip-compressed tar (Linux).
bool LooksLikeCollectionArchive(const Bytes& data) {
  const bool zip = data.size() >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
  const bool gzip = data.size() >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  return zip || gzip;
}

}  // namespace

grpc::Status IntakeService::SubmitCollection(grpc::ServerContext*,
                                             grpc::ServerReader<api::v1::SubmitCollectionRequest>* reader,
                                             api::v1::SubmitCollectionResponse* response) {
  api::v1::SubmitCollectionRequest part;
  if (!reader->Read(&part) || !part.has_metadata()) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "the first message of SubmitCollection must carry the metadata"};
  }
  const api::v1::SubmitCollectionMetadata metadata = part.metadata();
  if (metadata.tenant().empty()) return {grpc::StatusCode::PERMISSION_DENIED, "collection names no tenant"};
  Bytes data;
  while (reader->Read(&part)) {
    if (!part.has_chunk()) return {grpc::StatusCode::INVALID_ARGUMENT, "metadata may only come first"};
    if (data.size() + part.chunk().size() > options_.max_collection_bytes) {
      if (metrics_) metrics_->Rejected();
      return {grpc::StatusCode::RESOURCE_EXHAUSTED,
              "the collection is over the upload limit of " + std::to_string(options_.max_collection_bytes) + " bytes"};
    }
    data.insert(data.end(), part.chunk().begin(), part.chunk().end());
  }
  if (data.empty()) return {grpc::StatusCode::INVALID_ARGUMENT, "the collection is empty"};
  if (!LooksLikeCollectionArchive(data)) {
    if (metrics_) metrics_->Rejected();
    return {grpc::StatusCode::INVALID_ARGUMENT,
            "not a collection archive: expected the zip or tar.gz a Kensa collector writes (docs/collection-format.md)"};
  }

  pipeline::CollectionRequest request;
  request.submission_id = pipeline::NewSubmissionId();
  request.tenant = metadata.tenant();
  request.file_name = metadata.file_name();
  request.priority = metadata.priority();
  request.passwords.assign(metadata.passwords().begin(), metadata.passwords().end());
  // Retried with the same id while Redis or NATS restarts, as Submit does.
  const auto deadline = std::chrono::steady_clock::now() + options_.retry_for;
  auto delay = std::chrono::milliseconds(100);
  while (true) {
    auto admitted = orchestrator_.AdmitCollection(request, data);
    if (admitted) {
      if (metrics_) metrics_->Admitted(false, data.size());
      *response->mutable_collection() = *admitted;
      response->mutable_collection()->clear_passwords();  // secrets are not echoed
      spdlog::info("collection={} sha256={} tenant={} by={} size={} admitted", admitted->id(),
                   admitted->sample().hashes().sha256(), metadata.tenant(), metadata.submitted_by(), data.size());
      return grpc::Status::OK;
    }
    if (admitted.error().code() != StatusCode::kUnavailable || std::chrono::steady_clock::now() >= deadline) {
      spdlog::error("collection={} not admitted: {}", request.submission_id, admitted.error().message());
      if (metrics_) metrics_->Rejected();
      return ToGrpcStatus(admitted.error());
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(2000));
  }
}

grpc::Status IntakeService::CollectionStatus(grpc::ServerContext*, const api::v1::CollectionStatusRequest* request,
                                             api::v1::CollectionStatusResponse* response) {
  auto collection = LoadOwned(request->tenant(), request->collection_id(), true);
  if (!collection) return ToGrpcStatus(collection.error());
  if (collection->state() == sample::v1::SUBMISSION_STATE_DONE) {
    auto stored = store_.GetReport(collection->id());
    if (!stored) return ToGrpcStatus(stored.error());
    forensics::v1::HuntReport report;
    if (*stored && report.ParseFromString(**stored)) {
      response->set_report_ready(true);
      response->set_verdict(report.verdict());
      response->set_verdict_reason(report.verdict_reason());
      response->set_findings(static_cast<std::uint32_t>(report.findings_size()));
    }
  }
  *response->mutable_collection() = std::move(*collection);
  response->mutable_collection()->clear_passwords();  // secrets are not echoed
  return grpc::Status::OK;
}

grpc::Status IntakeService::Status(grpc::ServerContext*, const api::v1::StatusRequest* request,
                                   api::v1::StatusResponse* response) {
  auto submission = LoadOwned(request->tenant(), request->submission_id());
  if (!submission) return ToGrpcStatus(submission.error());
  auto progress = store_.GetTreeProgress(submission->root_id());
  if (!progress) return ToGrpcStatus(progress.error());
  response->set_tree_nodes(static_cast<std::uint32_t>(progress->nodes));
  response->set_tree_nodes_done(static_cast<std::uint32_t>(progress->done));
  response->set_report_ready(submission->id() == submission->root_id() &&
                             submission->state() == sample::v1::SUBMISSION_STATE_DONE);
  *response->mutable_submission() = std::move(*submission);
  response->mutable_submission()->clear_passwords();  // secrets are not echoed
  return grpc::Status::OK;
}

grpc::Status IntakeService::List(grpc::ServerContext*, const api::v1::ListRequest* request,
                                 api::v1::ListResponse* response) {
  if (request->tenant().empty()) return {grpc::StatusCode::PERMISSION_DENIED, "request names no tenant"};
  std::uint64_t offset = 0;
  if (!request->cursor().empty()) {
    char* end = nullptr;
    offset = std::strtoull(request->cursor().c_str(), &end, 10);
    if (*end != '\0') return {grpc::StatusCode::INVALID_ARGUMENT, "bad cursor"};
  }
  const std::uint32_t limit = request->limit() == 0 ? kDefaultListLimit : std::min(request->limit(), kMaxListLimit);
  auto page = store_.ListRootSubmissions(request->tenant(), offset, limit);
  if (!page) return ToGrpcStatus(page.error());
  for (const auto& id : page->ids) {
    auto submission = orchestrator_.LoadSubmission(id);
    if (!submission) return ToGrpcStatus(submission.error());
    if (*submission && (*submission)->tenant() == request->tenant()) *response->add_submissions() = **submission;
  }
  response->set_total(page->total);
  if (offset + page->ids.size() < page->total) response->set_next_cursor(std::to_string(offset + page->ids.size()));
  return grpc::Status::OK;
}

grpc::Status IntakeService::LookupSample(grpc::ServerContext*, const api::v1::LookupSampleRequest* request,
                                         api::v1::LookupSampleResponse* response) {
  if (request->tenant().empty()) return {grpc::StatusCode::PERMISSION_DENIED, "request names no tenant"};
  if (!blob_store::IsSha256Hex(request->sha256())) {
    return {grpc::StatusCode::INVALID_ARGUMENT, "not a sha256 (64 lower-case hex digits): " + request->sha256()};
  }
  auto ids = store_.SubmissionsOfSample(request->tenant(), request->sha256());
  if (!ids) return ToGrpcStatus(ids.error());
  // A sample another tenant submitted is invisible: the answer is the same as for no sample.
  if (ids->empty()) return {grpc::StatusCode::NOT_FOUND, "no sample " + request->sha256()};
  for (const auto& id : *ids) response->add_submission_ids(id);
  auto sample = store_.GetSample(request->sha256());
  if (!sample) return ToGrpcStatus(sample.error());
  auto newest = orchestrator_.LoadSubmission(ids->front());
  if (!newest) return ToGrpcStatus(newest.error());
  if (*sample) {
    (void)response->mutable_sample()->ParseFromString(**sample);
    // The name is the tenant's own: from its newest submission of the content.
    if (*newest) response->mutable_sample()->set_file_name((*newest)->sample().file_name());
  } else if (*newest) {
    *response->mutable_sample() = (*newest)->sample();
  }
  return grpc::Status::OK;
}

}  // namespace kensa::intake
