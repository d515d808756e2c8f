#pragma once
// What every pipeline service connects to at start-up: the NATS JetStream bus, the Redis state
// store and the shared blob folder, plus the configuration version of its rules. Servers may
// start after the services (Kubernetes starts pods in any order), so connecting is retried.

#include <chrono>
#include <memory>
#include <string>

#include "kensa/blob_store/blob_store.h"
#include "kensa/bus/bus.h"
#include "kensa/core/status.h"
#include "kensa/service_runtime/service_config.h"
#include "kensa/store/state_store.h"

namespace kensa::service_runtime {

struct PipelineConnections {
  std::unique_ptr<bus::Bus> bus;
  std::unique_ptr<store::StateStore> store;
  std::unique_ptr<blob_store::BlobStore> blobs;
  std::string config_version;
  // Readiness: both servers answer.
  Status Ready();
};

Result<PipelineConnections> ConnectPipeline(const ServiceConfig& config,
                                            std::chrono::seconds give_up_after = std::chrono::seconds(60));

}  // namespace kensa::service_runtime
