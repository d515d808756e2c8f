// kensa-gateway: the public REST API (docs/api/openapi.yaml) in front of the pipeline services.
#include <grpcpp/grpcpp.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include "api_keys.h"
#include "gateway_server.h"
#include "kensa/service_runtime/service_main.h"

int main(int argc, char** argv) {
  using namespace kensa;
  constexpr const char* kName = "kensa-gateway";
  auto config = service_runtime::LoadServiceConfig(argc, argv);
  if (!config) return service_runtime::Fatal(kName, config.error(), 2);
  auto keys = gateway::ApiKeyRing::Load(config->api_keys_file);
  if (!keys) return service_runtime::Fatal(kName, keys.error(), 2);
  grpc::ChannelArguments arguments;
  arguments.SetMaxSendMessageSize(-1);
  arguments.SetMaxReceiveMessageSize(64 << 20);
  // With a headless Kubernetes Service, DNS names every intake / report-generator pod;
  // round_robin spreads calls over all of them (and follows pods as they come and go).
  arguments.SetLoadBalancingPolicyName("round_robin");
  auto intake = grpc::CreateCustomChannel(config->intake_addr, grpc::InsecureChannelCredentials(), arguments);
  auto reports = grpc::CreateCustomChannel(config->reports_addr, grpc::InsecureChannelCredentials(), arguments);

  auto registry = std::make_shared<prometheus::Registry>();
  admin_http::HttpMetrics metrics(*registry);
  gateway::GatewayOptions options;
  options.host = config->listen_host;
  options.port = config->http_port;
  options.max_upload_bytes = config->max_upload_bytes;
  options.max_collection_bytes = config->max_collection_bytes;
  const std::size_t key_count = keys->size();
  auto server = gateway::GatewayServer::Start(options, std::move(*keys), intake, reports, &metrics);
  if (!server) return service_runtime::Fatal(kName, server.error());
  auto admin = service_runtime::StartAdmin(*config, registry, [&]() -> Status {
    const auto state = intake->GetState(true);
    if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
      return UnavailableError("intake at " + config->intake_addr + " is unreachable");
    }
    return Status::Ok();
  });
  if (!admin) return service_runtime::Fatal(kName, admin.error());
  spdlog::info("{} replica={} http={}:{} admin={} keys={}", kName, config->replica, options.host,
               (*server)->port(), (*admin)->port(), key_count);
  service_runtime::WaitForStopSignal();
  (*server)->Stop();
  return 0;
}
