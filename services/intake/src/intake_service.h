#pragma once
// The Intake gRPC service: takes samples in (a client stream of bytes), answers status, lists a
// tenant's submissions and looks samples up. Admission itself is pipeline::Orchestrator's; this
// class adds the transport, tenancy checks and retries while a store or the bus restarts.

#include <chrono>
#include <cstdint>

#include "kensa/admin_http/service_metrics.h"
#include "kensa/api/v1/intake.grpc.pb.h"
#include "kensa/pipeline/orchestrator.h"
#include "kensa/store/state_store.h"

namespace kensa::intake {

struct IntakeOptions {
  std::uint64_t max_upload_bytes = 256ull << 20;
  // Host collections (SubmitCollection) are larger: event logs and hives.
  std::uint64_t max_collection_bytes = 1ull << 30;
  // How long an admission is retried while Redis or NATS is unavailable (a restart).
  std::chrono::milliseconds retry_for{30000};
};

class IntakeService final : public api::v1::Intake::Service {
 public:
  IntakeService(pipeline::Orchestrator& orchestrator, store::StateStore& store, IntakeOptions options,
                admin_http::IntakeMetrics* metrics = nullptr)
      : orchestrator_(orchestrator), store_(store), options_(options), metrics_(metrics) {}

  grpc::Status Submit(grpc::ServerContext* context, grpc::ServerReader<api::v1::SubmitRequest>* reader,
                      api::v1::SubmitResponse* response) override;
  grpc::Status Status(grpc::ServerContext* context, const api::v1::StatusRequest* request,
                      api::v1::StatusResponse* response) override;
  grpc::Status List(grpc::ServerContext* context, const api::v1::ListRequest* request,
                    api::v1::ListResponse* response) override;
  grpc::Status LookupSample(grpc::ServerContext* context, const api::v1::LookupSampleRequest* request,
                            api::v1::LookupSampleResponse* response) override;
  // A host collection archive (zip or tar.gz, docs/collection-format.md) for the forensic stage.
  // Only the container's magic bytes are checked here: the archive is opened by the isolated
  // hunt, never in intake. INVALID_ARGUMENT for an empty upload or one that is neither zip nor
  // gzip; RESOURCE_EXHAUSTED over max_collection_bytes.
  grpc::Status SubmitCollection(grpc::ServerContext* context,
                                grpc::ServerReader<api::v1::SubmitCollectionRequest>* reader,
                                api::v1::SubmitCollectionResponse* response) override;
  // The collection's state; with the verdict once its hunt report is stored.
  grpc::Status CollectionStatus(grpc::ServerContext* context, const api::v1::CollectionStatusRequest* request,
                                api::v1::CollectionStatusResponse* response) override;

 private:
  // The submission when it exists, belongs to `tenant` and is a collection (or a sample, when
  // `collection` is false); NotFound otherwise, so that ids of other tenants are
  // indistinguishable from ids that do not exist.
  Result<sample::v1::Submission> LoadOwned(const std::string& tenant, const std::string& id, bool collection = false);

  pipeline::Orchestrator& orchestrator_;
  store::StateStore& store_;
  IntakeOptions options_;
  admin_http::IntakeMetrics* metrics_;
};

}  // namespace kensa::intake
