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
  const std::string prefix = AsciiLower(product) + "/";
  if (!category.empty()) {
    auto it = by_category_.find(prefix + AsciiLower(category));
    if (it != by_category_.end()) return &it->second;
  }
  if (!service.empty()) {
    auto it = by_service_.find(prefix + AsciiLower(service));
    if (it != by_service_.end()) return &it->second;
  }
  return nullptr;
}

}  // namespace kensa::sigma
