// Loads rules/sigma/logsources.yaml (format in rules/sigma/README.md). yaml-cpp throws; this file
// is the edge where its exceptions become a Status.

#include "kensa/sigma/logsource_map.h"

#include <yaml-cpp/yaml.h>

#include "kensa/core/bytes.h"
#include "kensa/core/file.h"

namespace kensa::sigma {
namespace {

// The mapping file is ours and small; anything larger is a mistake.
constexpr std::uint64_t kMaxMapBytes = 1 << 20;


std::string ScalarOr(const YAML::Node& node, const char* key) {
  const YAML::Node value = node[key];
  return value && value.IsScalar() ? value.Scalar() : std::string();
}

}  // namespace

Result<LogsourceMap> LogsourceMap::Parse(std::string_view yaml) {
  LogsourceMap map;
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    const YAML::Node entries = root["logsources"];
    if (!entries || !entries.IsSequence()) {
      return InvalidArgumentError("logsource map: no 'logsources' list");
    }
    for (const YAML::Node& entry : entries) {
      const std::string product = AsciiLower(ScalarOr(entry, "product"));
      const std::string category = AsciiLower(ScalarOr(entry, "category"));
      const std::string service = AsciiLower(ScalarOr(entry, "service"));
      if (product.empty() || category.empty() == service.empty()) {
        return InvalidArgumentError(
            "logsource map: each entry needs a product and exactly one of category/service");
      }
      std::vector<EventSource> sources;
      const YAML::Node list = entry["sources"];
      if (!list || !list.IsSequence() || list.size() == 0) {
        return InvalidArgumentError("logsource map: " + product + "/" + category + service +
                                    " has no sources");
      }
      for (const YAML::Node& item : list) {
        EventSource source;
        source.channel = ScalarOr(item, "channel");
        if (source.channel.empty()) {
          return InvalidArgumentError("logsource map: a source of " + product + "/" + category +
                                      service + " has no channel");
        }
        if (const YAML::Node ids = item["event_ids"]; ids && ids.IsSequence()) {
          for (const YAML::Node& id : ids) source.event_ids.push_back(id.Scalar());
        }
        if (const YAML::Node fields = item["fields"]; fields && fields.IsMap()) {
          for (const auto& kv : fields) {
            source.field_renames[kv.first.Scalar()] = kv.second.Scalar();
          }
        }
        sources.push_back(std::move(source));
      }
      auto& target = category.empty() ? map.by_service_[product + "/" + service]
                                      : map.by_category_[product + "/" + category];
      target = std::move(sources);
    }
  } catch (const YAML::Exception& e) {
    return InvalidArgumentError(std::string("logsource map: ") + e.what());
  }
  return map;
}

Result<LogsourceMap> LogsourceMap::LoadFile(const std::string& path) {
  KENSA_ASSIGN_OR_RETURN(Bytes data, ReadFileBounded(path, kMaxMapBytes));
  return Parse(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
}

const std::vector<EventSource>* LogsourceMap::Find(std::string_view product,
                                                   std::string_view category,
                                                   std::string_view service) const {
  const auto find = [&](const std::map<std::string, std::vector<EventSource>>& by_name,
                        std::string_view name) -> const std::vector<EventSource>* {
    const std::string suffix = "/" + AsciiLower(name);
    if (!product.empty()) {
      auto it = by_name.find(AsciiLower(product) + suffix);
      return it == by_name.end() ? nullptr : &it->second;
    }
    for (const auto& [key, sources] : by_name) {
      if (key.ends_with(suffix)) return &sources;
    }
    return nullptr;
  };
  if (!category.empty()) {
    if (const auto* sources = find(by_category_, category)) return sources;
  }
  if (!service.empty()) {
    if (const auto* sources = find(by_service_, service)) return sources;
  }
  return nullptr;
}

}  // namespace kensa::sigma
