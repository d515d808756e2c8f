#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "kensa/service_runtime/service_config.h"

using kensa::service_runtime::LoadServiceConfig;

namespace {

kensa::Result<kensa::service_runtime::ServiceConfig> Load(std::vector<std::string> args) {
  std::string program = "kensa-test";
  std::vector<char*> argv{program.data()};
  for (auto& arg : args) argv.push_back(arg.data());
  return LoadServiceConfig(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("flags override the environment, which overrides the YAML file") {
  const std::string path = "/tmp/kensa-service-config-test.yaml";
  std::ofstream(path) << "nats_url: nats://file:4222\nredis_url: redis://file:6379/0\nconcurrency: 3\n";
  ::setenv("KENSA_REDIS_URL", "redis://env:6379/1", 1);
  auto config = Load({"--config", path, "--concurrency", "5", "--blob-dir=/srv/blobs"});
  ::unsetenv("KENSA_REDIS_URL");
  REQUIRE(config.has_value());
  CHECK(config->nats_url == "nats://file:4222");
  CHECK(config->redis_url == "redis://env:6379/1");
  CHECK(config->concurrency == 5);
  CHECK(config->blob_dir == "/srv/blobs");
  CHECK(config->http_port == 8080);
  CHECK_FALSE(config->replica.empty());
}

TEST_CASE("bad configuration is an error that names the key") {
  auto unknown = Load({"--natsurl", "x"});
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().message() == "unknown flag --natsurl");
  auto bad_port = Load({"--admin-port", "70000"});
  REQUIRE_FALSE(bad_port.has_value());
  CHECK(bad_port.error().message().find("admin_port") != std::string::npos);
  auto missing = Load({"--grpc-port"});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message() == "--grpc-port needs a value");
  const std::string path = "/tmp/kensa-service-config-bad.yaml";
  std::ofstream(path) << "nats_ur1: nats://x\n";
  auto bad_file = Load({"--config", path});
  REQUIRE_FALSE(bad_file.has_value());
  CHECK(bad_file.error().message().find("unknown key 'nats_ur1'") != std::string::npos);
}

TEST_CASE("Sigma folders are one ':'-separated value and the collection limit is a size") {
  auto config = Load({"--sigma-rules-dirs", "/opt/sigma/rules/windows::/srv/team-sigma", "--max-collection-bytes",
                      "2147483648"});
  REQUIRE(config.has_value());
  CHECK(config->sigma_rules_dirs == std::vector<std::string>{"/opt/sigma/rules/windows", "/srv/team-sigma"});
  CHECK(config->max_collection_bytes == 2147483648ull);
  CHECK(Load({})->max_collection_bytes == (1ull << 30));
  CHECK(Load({"--max-collection-bytes", "0"}).error().message().find("max_collection_bytes") != std::string::npos);
  CHECK(Load({"--collection-key-file", "/etc/kensa/velociraptor.config.yaml"})->collection_key_file ==
        "/etc/kensa/velociraptor.config.yaml");
  CHECK(Load({})->collection_key_file.empty());
}
