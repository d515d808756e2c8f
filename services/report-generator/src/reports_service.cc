#include "reports_service.h"

#include "kensa/report/hunt_render.h"
#include "kensa/report/render.h"
#include "kensa/service_runtime/grpc_status.h"

namespace kensa::report_generator {

namespace {

grpc::Status CheckRendering(const std::string& format, const std::string& language) {
  if (format != "json" && format != "html" && format != "text") {
    return {grpc::StatusCode::INVALID_ARGUMENT, "unknown format '" + format + "' (json, html or text)"};
  }
  if (language != "en" && language != "ja") {
    return {grpc::StatusCode::INVALID_ARGUMENT, "unknown language '" + language + "' (en or ja)"};
  }
  return grpc::Status::OK;
}

}  // namespace

grpc::Status ReportsService::GetCollectionReport(grpc::ServerContext*, const api::v1::GetReportRequest* request,
                                                 api::v1::GetCollectionReportResponse* response) {
  const std::string format = request->format().empty() ? "json" : request->format();
  const std::string language = request->language().empty() ? "en" : request->language();
  if (auto checked = CheckRendering(format, language); !checked.ok()) return checked;
  if (request->tenant().empty()) return {grpc::StatusCode::PERMISSION_DENIED, "request names no tenant"};

  auto collection = orchestrator_.LoadSubmission(request->submission_id());
  if (!collection) return service_runtime::ToGrpcStatus(collection.error());
  if (!*collection || (*collection)->tenant() != request->tenant() || !pipeline::IsCollection(**collection)) {
    return {grpc::StatusCode::NOT_FOUND, "no collection " + request->submission_id()};
  }
  const auto& found = **collection;
  if (found.state() == sample::v1::SUBMISSION_STATE_FAILED) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "the hunt failed: " + found.failure_reason()};
  }
  auto stored = store_.GetReport(found.id());
  if (!stored) return service_runtime::ToGrpcStatus(stored.error());
  if (!*stored || found.state() != sample::v1::SUBMISSION_STATE_DONE) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "report not ready: collection is " + pipeline::StateName(found.state())};
  }
  forensics::v1::HuntReport report;
  if (!report.ParseFromString(**stored)) return {grpc::StatusCode::DATA_LOSS, "stored hunt report does not parse"};

  const auto lang = language == "ja" ? report::Language::kJapanese : report::Language::kEnglish;
  if (format == "json") {
    auto json = report::RenderJson(report);
    if (!json) return service_runtime::ToGrpcStatus(json.error());
    response->set_rendered(*json);
    response->set_content_type("application/json");
  } else if (format == "html") {
    response->set_rendered(report::RenderHuntHtml(report, lang));
    response->set_content_type("text/html; charset=utf-8");
  } else {
    response->set_rendered(report::RenderHuntText(report, lang));
    response->set_content_type("text/plain; charset=utf-8");
  }
  *response->mutable_report() = std::move(report);
  return grpc::Status::OK;
}

grpc::Status ReportsService::Get(grpc::ServerContext*, const api::v1::GetReportRequest* request,
                                 api::v1::GetReportResponse* response) {
  const std::string format = request->format().empty() ? "json" : request->format();
  const std::string language = request->language().empty() ? "en" : request->language();
  if (auto checked = CheckRendering(format, language); !checked.ok()) return checked;
  if (request->tenant().empty()) return {grpc::StatusCode::PERMISSION_DENIED, "request names no tenant"};

  auto submission = orchestrator_.LoadSubmission(request->submission_id());
  if (!submission) return service_runtime::ToGrpcStatus(submission.error());
  if (!*submission || (*submission)->tenant() != request->tenant() || pipeline::IsCollection(**submission)) {
    return {grpc::StatusCode::NOT_FOUND, "no submission " + request->submission_id()};
  }
  const auto& found = **submission;
  if (found.id() != found.root_id()) {
    return {grpc::StatusCode::FAILED_PRECONDITION,
            "submission " + found.id() + " is a file inside " + found.root_id() + "; its report is the root's"};
  }
  if (found.state() == sample::v1::SUBMISSION_STATE_FAILED) {
    return {grpc::StatusCode::FAILED_PRECONDITION, "submission failed: " + found.failure_reason()};
  }
  auto stored = store_.GetReport(found.id());
  if (!stored) return service_runtime::ToGrpcStatus(stored.error());
  if (!*stored || found.state() != sample::v1::SUBMISSION_STATE_DONE) {
    return {grpc::StatusCode::FAILED_PRECONDITION,
            "report not ready: submission is " + pipeline::StateName(found.state())};
  }
  report::v1::Report report;
  if (!report.ParseFromString(**stored)) return {grpc::StatusCode::DATA_LOSS, "stored report does not parse"};
  report.set_language(language);

  const auto lang = language == "ja" ? report::Language::kJapanese : report::Language::kEnglish;
  if (format == "json") {
    auto json = report::RenderJson(report);
    if (!json) return service_runtime::ToGrpcStatus(json.error());
    response->set_rendered(*json);
    response->set_content_type("application/json");
  } else if (format == "html") {
    response->set_rendered(report::RenderHtml(report, lang));
    response->set_content_type("text/html; charset=utf-8");
  } else {
    response->set_rendered(report::RenderText(report, lang, {}));
    response->set_content_type("text/plain; charset=utf-8");
  }
  *response->mutable_report() = std::move(report);
  return grpc::Status::OK;
}

}  // namespace kensa::report_generator
