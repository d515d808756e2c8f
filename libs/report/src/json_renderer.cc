#include <google/protobuf/util/json_util.h>

#include <string>

#include "kensa/report/render.h"

namespace kensa::report {

Result<std::string> RenderJson(const google::protobuf::Message& report) {
  // The canonical mapping (lowerCamelCase names, enums by name, defaults omitted) is what
  // docs/report-json.md promises; changing any of these options is a schema change.
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  options.always_print_primitive_fields = false;
  options.always_print_enums_as_ints = false;
  options.add_whitespace = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(report, &json, options);
  if (!status.ok()) {
    return InternalError("report to JSON: " + std::string(status.message()));
  }
  return json;
}

}  // namespace kensa::report
