#pragma once
// The public REST/JSON API (docs/api/openapi.yaml): authenticates API keys, maps each request to
// the internal gRPC services (Intake, Reports) with the caller's tenant, and maps their answers
// to HTTP. It keeps no state of its own, so any number of replicas can serve.

#include <cstdint>
#include <memory>
#include <string>

#include "api_keys.h"
#include "kensa/admin_http/service_metrics.h"
#include "kensa/core/status.h"

namespace grpc {
class Channel;
}

namespace kensa::gateway {

struct GatewayOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0 = pick a free port
  std::uint64_t max_upload_bytes = 256ull << 20;
  // Host collections (POST /api/v1/collections) may be larger than samples.
  std::uint64_t max_collection_bytes = 1ull << 30;
  // Deadline of one upload to intake, and of any other call.
  int submit_deadline_seconds = 120;
  int call_deadline_seconds = 15;
};

class GatewayServer {
 public:
  static Result<std::unique_ptr<GatewayServer>> Start(const GatewayOptions& options, ApiKeyRing keys,
                                                      std::shared_ptr<grpc::Channel> intake,
                                                      std::shared_ptr<grpc::Channel> reports,
                                                      admin_http::HttpMetrics* metrics);
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;
  ~GatewayServer();

  int port() const;
  void Stop();

 private:
  struct Impl;
  explicit GatewayServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kensa::gateway
