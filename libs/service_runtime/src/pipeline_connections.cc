#include "kensa/service_runtime/pipeline_connections.h"

#include <spdlog/spdlog.h>

#include <thread>

#include "kensa/bus_nats/nats_bus.h"
#include "kensa/pipeline/config_version.h"
#include "kensa/store_redis/redis_state_store.h"

namespace kensa::service_runtime {

Status PipelineConnections::Ready() {
  KENSA_RETURN_IF_ERROR(store->Ping());
  return StatusOf(bus->Backlog("static"));
}

Result<PipelineConnections> ConnectPipeline(const ServiceConfig& config, std::chrono::seconds give_up_after) {
  PipelineConnections connections;
  KENSA_ASSIGN_OR_RETURN(connections.config_version, pipeline::RulesConfigVersion({config.rules_dir}));
  // Whether Windows programs are emulated, and on which locale, changes reports as much as a
  // rule does; every service reads the same configuration, so all agree on the version.
  connections.config_version += config.sandbox ? "+sandbox-" + config.emulation_locale : "+static-only";
  KENSA_ASSIGN_OR_RETURN(connections.blobs, blob_store::FileBlobStore::Open(config.blob_dir));

  bus_nats::NatsBusConfig bus_config;
  bus_config.url = config.nats_url;
  bus_config.ack_wait = std::chrono::seconds(config.ack_wait_seconds);
  // JetStream delivers once more than the runner attempts, so that the runner sees the
  // over-limit delivery and dead-letters it itself (pipeline/task_runner.h).
  bus_config.max_deliver = config.max_attempts + 1;
  store_redis::RedisStoreConfig store_config;
  store_config.url = config.redis_url;

  const auto deadline = std::chrono::steady_clock::now() + give_up_after;
  while (true) {
    Status last;
    if (!connections.bus) {
      auto bus = bus_nats::NatsBus::Connect(bus_config);
      if (bus) connections.bus = std::move(*bus); else last = bus.error();
    }
    if (!connections.store) {
      auto store = store_redis::RedisStateStore::Connect(store_config);
      if (store) connections.store = std::move(*store); else last = store.error();
    }
    if (connections.bus && connections.store) return connections;
    if (std::chrono::steady_clock::now() >= deadline) return last;
    spdlog::warn("waiting for NATS / Redis: {}", last.message());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

}  // namespace kensa::service_runtime
