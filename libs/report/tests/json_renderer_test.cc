#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <catch2/catch.hpp>
#include <string>

#include "kensa/report/render.h"
#include "report_fixture.h"

namespace kensa::report {
namespace {

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST_CASE("The JSON form parses back into an equal Report") {
  for (const auto& original : {testing::MaliciousPeReport(), testing::CleanTextReport(),
                               report::v1::Report()}) {
    const auto json = RenderJson(original);
    REQUIRE(json.has_value());
    report::v1::Report parsed;
    const auto status = google::protobuf::util::JsonStringToMessage(*json, &parsed);
    REQUIRE(status.ok());
    CHECK(google::protobuf::util::MessageDifferencer::Equals(original, parsed));
  }
}

TEST_CASE("The JSON form is protobuf's canonical mapping: camelCase, enum names, 64-bit strings") {
  const auto json = RenderJson(testing::MaliciousPeReport());
  REQUIRE(json.has_value());
  CHECK(json->rfind("{\n \"schemaVersion\": \"1\",\n \"generator\": \"kensa 0.1.0\",", 0) == 0);
  CHECK(Contains(*json, "\"level\": \"LEVEL_MALICIOUS\""));
  CHECK(Contains(*json, "\"severity\": \"SEVERITY_HIGH\""));
  CHECK(Contains(*json, "\"type\": \"INDICATOR_TYPE_IPV4\""));
  CHECK(Contains(*json, "\"score\": 82"));
  // uint64 as a string (RFC 8259 numbers lose precision past 2^53 in many parsers).
  CHECK(Contains(*json, "\"size\": \"184320\""));
  CHECK(Contains(*json, "\"offset\": \"10768\""));
  CHECK(Contains(*json, "\"hasOffset\": true"));
  CHECK(Contains(*json, "\"descriptionJa\": "));
  CHECK(Contains(*json, "\"CompanyName\": \"Kensa Fixture 株式会社\""));
  // Stored values are never defanged: the JSON is for machines.
  CHECK(Contains(*json, "\"value\": \"http://update.kensa-fixture.jp/payload.bin\""));
  // Defaults are omitted.
  CHECK_FALSE(Contains(*json, "\"isDll\""));
  CHECK_FALSE(Contains(*json, "schema_version"));
}

}  // namespace
}  // namespace kensa::report
