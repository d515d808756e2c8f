// kensa-gateway: the public REST API (docs/api/openapi.yaml) in front of the pipeline services.
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <thread>

#include "api_keys.h"
#include "gateway_server.h"
#include "kensa/admin_http/admin_server.h"
#include "kensa/service_runtime/service_config.h"
#include "kensa/service_runtime/stage_worker.h"

int main(int argc, char** argv) {
  using namespace kensa;
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) {
    spdlog::critical("kensa-gateway: {}", config.error().message());
    return 2;
  }
  auto keys = gateway::ApiKeyRing::Load(config->api_keys_file);
  if (!keys) {
    spdlog::critical("kensa-gateway: {}", keys.error().message());
    return 2;
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(-1);
  arguments.SetMaxReceiveMessageSize(64 << 20);
  auto intake = grpc::CreateCustomChannel(config->intake_addr, grpc::InsecureChannelCredentials(), arguments);
  auto reports = grpc::CreateCustomChannel(config->reports_addr, grpc::InsecureChannelCredentials(), arguments);

  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::HttpMetrics metrics(*registry);
  gateway::GatewayOptions options;
  options.host = config->listen_host;
  options.port = config->http_port;
  options.max_upload_bytes = config->max_upload_bytes;
  const std::size_t key_count = keys->size();
  auto server = gateway::GatewayServer::Start(options, std::move(*keys), intake, reports, &metrics);
  if (!server) {
    spdlog::critical("kensa-gateway: {}", server.error().message());
    return 1;
  }
  auto admin = admin_http::AdminServer::Start({config->listen_host, config->admin_port, registry, [&]() -> Status {
    const auto state = intake->GetState(true);
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      return UnavailableError("intake at " + config->intake_addr + " is unreachable");
    }
    return Status::Ok();
  }});
  if (!admin) {
    spdlog::critical("kensa-gateway: {}", admin.error().message());
    return 1;
  }
  spdlog::info("kensa-gateway replica={} http={}:{} admin={} keys={}", config->replica, options.host,
               (*server)->port(), (*admin)->port(), key_count);
  std::atomic<bool> stop{false};
  service_runtime::StopOnSignals(&stop);
  while (!stop.load()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  (*server)->Stop();
  return 0;
}
