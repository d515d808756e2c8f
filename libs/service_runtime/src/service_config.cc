#include "kensa/service_runtime/service_config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <map>
#include <unistd.h>

namespace kensa::service_runtime {

namespace {

using Setter = std::function<Status(ServiceConfig&, const std::string&)>;

Status ParseInt(const std::string& key, const std::string& text, long long min, long long max, long long* out) {
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || value < min || value > max) {
    return InvalidArgumentError(key + ": expected a whole number from " + std::to_string(min) + " to " +
                                std::to_string(max) + ", got '" + text + "'");
  }
  *out = value;
  return Status::Ok();
}

Setter String(std::string ServiceConfig::*field) {
  return [field](ServiceConfig& config, const std::string& value) {
    config.*field = value;
    return Status::Ok();
  };
}

Setter Int(int ServiceConfig::*field, const std::string& key, long long min, long long max) {
  return [field, key, min, max](ServiceConfig& config, const std::string& value) {
    long long parsed = 0;
    KENSA_RETURN_IF_ERROR(ParseInt(key, value, min, max, &parsed));
    config.*field = static_cast<int>(parsed);
    return Status::Ok();
  };
}

Setter Size(std::uint64_t ServiceConfig::*field, const std::string& key) {
  return [field, key](ServiceConfig& config, const std::string& value) {
    long long parsed = 0;
    KENSA_RETURN_IF_ERROR(ParseInt(key, value, 1, 1ll << 40, &parsed));
    config.*field = static_cast<std::uint64_t>(parsed);
    return Status::Ok();
  };
}

Setter Bool(bool ServiceConfig::*field, const std::string& key) {
  return [field, key](ServiceConfig& config, const std::string& value) {
    if (value == "true" || value == "1" || value == "yes") {
      config.*field = true;
    } else if (value == "false" || value == "0" || value == "no") {
      config.*field = false;
    } else {
      return InvalidArgumentError(key + ": expected true or false, got '" + value + "'");
    }
    return Status::Ok();
  };
}

Setter OneOf(std::string ServiceConfig::*field, const std::string& key, std::vector<std::string> allowed) {
  return [field, key, allowed](ServiceConfig& config, const std::string& value) {
    if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      std::string list;
      for (const auto& option : allowed) list += (list.empty() ? "" : ", ") + option;
      return InvalidArgumentError(key + ": expected one of " + list + ", got '" + value + "'");
    }
    config.*field = value;
    return Status::Ok();
  };
}

Setter PathList(std::vector<std::string> ServiceConfig::*field) {
  return [field](ServiceConfig& config, const std::string& value) {
    std::vector<std::string> paths;
    std::size_t start = 0;
    while (start <= value.size()) {
      const std::size_t end = std::min(value.find(':', start), value.size());
      if (end > start) paths.push_back(value.substr(start, end - start));
      start = end + 1;
    }
    config.*field = std::move(paths);
    return Status::Ok();
  };
}

// Keys in snake_case, as in the YAML file.
const std::map<std::string, Setter>& Setters() {
  static const std::map<std::string, Setter> setters = {
      {"nats_url", String(&ServiceConfig::nats_url)},
      {"redis_url", String(&ServiceConfig::redis_url)},
      {"blob_dir", String(&ServiceConfig::blob_dir)},
      {"rules_dir", String(&ServiceConfig::rules_dir)},
      {"listen_host", String(&ServiceConfig::listen_host)},
      {"admin_port", Int(&ServiceConfig::admin_port, "admin_port", 0, 65535)},
      {"grpc_port", Int(&ServiceConfig::grpc_port, "grpc_port", 0, 65535)},
      {"http_port", Int(&ServiceConfig::http_port, "http_port", 0, 65535)},
      {"intake_addr", String(&ServiceConfig::intake_addr)},
      {"reports_addr", String(&ServiceConfig::reports_addr)},
      {"api_keys_file", String(&ServiceConfig::api_keys_file)},
      {"max_upload_bytes", Size(&ServiceConfig::max_upload_bytes, "max_upload_bytes")},
      {"max_collection_bytes", Size(&ServiceConfig::max_collection_bytes, "max_collection_bytes")},
      {"sigma_rules_dirs", PathList(&ServiceConfig::sigma_rules_dirs)},
      {"collection_key_file", String(&ServiceConfig::collection_key_file)},
      {"concurrency", Int(&ServiceConfig::concurrency, "concurrency", 1, 256)},
      {"replica", String(&ServiceConfig::replica)},
      {"analysis_timeout_seconds", Int(&ServiceConfig::analysis_timeout_seconds, "analysis_timeout_seconds", 1, 86400)},
      {"analysis_memory_bytes", Size(&ServiceConfig::analysis_memory_bytes, "analysis_memory_bytes")},
      {"max_attempts", Int(&ServiceConfig::max_attempts, "max_attempts", 1, 100)},
      {"ack_wait_seconds", Int(&ServiceConfig::ack_wait_seconds, "ack_wait_seconds", 1, 86400)},
      {"sandbox", Bool(&ServiceConfig::sandbox, "sandbox")},
      {"emulation_timeout_seconds",
       Int(&ServiceConfig::emulation_timeout_seconds, "emulation_timeout_seconds", 1, 3600)},
      {"emulation_max_instructions", Size(&ServiceConfig::emulation_max_instructions, "emulation_max_instructions")},
      {"emulation_locale", OneOf(&ServiceConfig::emulation_locale, "emulation_locale", {"en-US", "ja-JP"})},
  };
  return setters;
}

std::string FlagToKey(std::string flag) {
  for (char& c : flag) {
    if (c == '-') c = '_';
  }
  return flag;
}

std::string EnvName(const std::string& key) {
  std::string name = "KENSA_";
  for (char c : key) name += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return name;
}

Status ApplyYaml(ServiceConfig& config, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const std::exception& error) {
    return InvalidArgumentError("config " + path + ": " + error.what());
  }
  if (root.IsNull()) return Status::Ok();  // an empty file sets nothing
  if (!root.IsMap()) return InvalidArgumentError("config " + path + ": expected a mapping of keys");
  for (const auto& entry : root) {
    const std::string key = entry.first.as<std::string>();
    auto setter = Setters().find(key);
    if (setter == Setters().end()) return InvalidArgumentError("config " + path + ": unknown key '" + key + "'");
    if (!entry.second.IsScalar()) return InvalidArgumentError("config " + path + ": " + key + " must be a value");
    KENSA_RETURN_IF_ERROR(setter->second(config, entry.second.Scalar()));
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> ServiceConfigKeys() {
  std::vector<std::string> keys;
  for (const auto& [key, setter] : Setters()) keys.push_back(key);
  return keys;
}

Result<ServiceConfig> LoadServiceConfig(int argc, char** argv) {
  ServiceConfig config;
  // Flags first into a map, so that the config file they may name is read before them.
  std::map<std::string, std::string> flags;
  std::string config_file = std::getenv("KENSA_CONFIG") ? std::getenv("KENSA_CONFIG") : "";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--", 0) != 0) return InvalidArgumentError("unexpected argument '" + arg + "'");
    std::string value;
    if (auto equals = arg.find('='); equals != std::string::npos) {
      value = arg.substr(equals + 1);
      arg = arg.substr(0, equals);
    } else {
      if (i + 1 >= argc) return InvalidArgumentError(arg + " needs a value");
      value = argv[++i];
    }
    const std::string key = FlagToKey(arg.substr(2));
    if (key == "config") {
      config_file = value;
      continue;
    }
    if (!Setters().count(key)) return InvalidArgumentError("unknown flag " + arg);
    flags[key] = value;
  }
  if (!config_file.empty()) KENSA_RETURN_IF_ERROR(ApplyYaml(config, config_file));
  for (const auto& [key, setter] : Setters()) {
    if (const char* value = std::getenv(EnvName(key).c_str()); value != nullptr) {
      KENSA_RETURN_IF_ERROR(setter(config, value));
    }
  }
  for (const auto& [key, value] : flags) KENSA_RETURN_IF_ERROR(Setters().at(key)(config, value));
  if (config.replica.empty()) {
    char host[256] = {};
    config.replica = ::gethostname(host, sizeof(host) - 1) == 0 ? host : "kensa";
  }
  return config;
}

}  // namespace kensa::service_runtime
