#pragma once
// The configuration of every pipeline service, in one struct so that all services read the same
// keys the same way. Sources, later ones winning: built-in defaults, a YAML file (--config FILE
// or KENSA_CONFIG), environment variables KENSA_<KEY> (upper case), command-line flags --<key>
// VALUE (key with dashes: --nats-url). Each service uses the keys it needs; docs/pipeline.md
// lists them.

#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/status.h"

namespace kensa::service_runtime {

struct ServiceConfig {
  std::string nats_url = "nats://127.0.0.1:4222";
  std::string redis_url = "redis://127.0.0.1:6379/0";
  std::string blob_dir = "/var/lib/kensa/blobs";
  std::string rules_dir = "rules";
  // Where servers listen: loopback by default; 0.0.0.0 in a container.
  std::string listen_host = "127.0.0.1";
  // /metrics, /healthz, /readyz.
  int admin_port = 9090;
  // gRPC port of intake (50051) or report-generator (50052).
  int grpc_port = 0;
  // REST port of the gateway.
  int http_port = 8080;
  std::string intake_addr = "127.0.0.1:50051";
  std::string reports_addr = "127.0.0.1:50052";
  // YAML file of API keys (gateway): docs/api.md.
  std::string api_keys_file;
  std::uint64_t max_upload_bytes = 256ull << 20;
  // Largest host collection archive accepted (gateway, intake) and hunted (forensic-ingest).
  std::uint64_t max_collection_bytes = 1ull << 30;
  // Sigma rule folders hunted besides <rules_dir>/sigma (forensic-ingest), e.g. a SigmaHQ
  // checkout; in YAML, environment and flags one string with the folders separated by ':'.
  std::vector<std::string> sigma_rules_dirs;
  // PEM private key file, or the Velociraptor server.config.yaml holding it, that opens
  // X509-scheme Velociraptor collections (forensic-ingest); empty: such uploads fail, saying so.
  std::string collection_key_file;
  // Worker threads of a stage service.
  int concurrency = 1;
  // Name of this replica in logs (defaults to the host name).
  std::string replica;
  // Per-analysis limits of the isolated static analysis.
  int analysis_timeout_seconds = 120;
  std::uint64_t analysis_memory_bytes = 4ull << 30;
  // Deliveries of one task before it is dead-lettered.
  int max_attempts = 4;
  // JetStream ack wait; a task held longer by a worker that died comes back after it.
  int ack_wait_seconds = 120;
  // The sandbox stage: static-analysis queues Windows programs to sandbox-runner when true
  // (then at least one sandbox-runner must run, or those trees never finish).
  bool sandbox = true;
  // Per-run emulation limits and the emulated machine's locale (sandbox-runner).
  int emulation_timeout_seconds = 30;
  std::uint64_t emulation_max_instructions = 50'000'000;
  std::string emulation_locale = "en-US";
};

// Parses argv (flags), the environment and the YAML file into a config; unknown flags and
// malformed values are errors naming the flag.
Result<ServiceConfig> LoadServiceConfig(int argc, char** argv);

// "--nats-url", "nats_url", "KENSA_NATS_URL": every key, for help texts.
std::vector<std::string> ServiceConfigKeys();

}  // namespace kensa::service_runtime
