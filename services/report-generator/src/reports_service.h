#pragma once
// The Reports gRPC service: a finished report of one of the caller's root submissions (a triage
// Report) or host collections (a HuntReport), as the stored message and rendered as JSON, HTML or
// text in English or Japanese.

#include "kensa/api/v1/intake.grpc.pb.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/store/state_store.h"

namespace kensa::report_generator {

class ReportsService final : public api::v1::Reports::Service {
 public:
  ReportsService(pipeline::Orchestrator& orchestrator, store::StateStore& store)
      : orchestrator_(orchestrator), store_(store) {}

  // NOT_FOUND for unknown ids and other tenants' ids alike; FAILED_PRECONDITION while the
  // report is not ready (the message says the state) or when the submission failed (the
  // message says why); INVALID_ARGUMENT for an unknown format or language.
  grpc::Status Get(grpc::ServerContext* context, const api::v1::GetReportRequest* request,
                   api::v1::GetReportResponse* response) override;
  // The hunt report of one of the caller's host collections, with the same errors as Get.
  // Served here rather than by forensic-ingest so that every rendering happens in one place and
  // the gateway keeps one reports address; forensic-ingest stays a worker without a server.
  grpc::Status GetCollectionReport(grpc::ServerContext* context, const api::v1::GetReportRequest* request,
                                   api::v1::GetCollectionReportResponse* response) override;

 private:
  pipeline::Orchestrator& orchestrator_;
  store::StateStore& store_;
};

}  // namespace kensa::report_generator
