#include "kensa/scoring/scoring_model.h"

#include <catch2/catch.hpp>

namespace kensa::scoring {
namespace {

using analysis::v1::Signature;

Signature Make(const std::string& name, analysis::v1::Severity severity,
               std::vector<std::string> types = {}, const std::string& family = "") {
  Signature signature;
  signature.set_name(name);
  signature.set_severity(severity);
  for (auto& type : types) signature.add_malware_types(type);
  signature.set_family(family);
  return signature;
}

ScoringModel ShippedModel() {
  auto model = LoadScoringModel("rules/scoring/model.yaml");
  REQUIRE(model.has_value());
  return *model;
}

TEST_CASE("The shipped model loads with every level and severity") {
  const ScoringModel model = ShippedModel();
  CHECK(model.version == "2026.11.1");
  CHECK(model.levels.size() == 5);
  CHECK(model.severity_points.at(analysis::v1::SEVERITY_HIGH) == 30);
  CHECK(model.malware_type_precedence.front() == "ransomware");
}

TEST_CASE("No signatures is clean with score 0 and no type") {
  const auto verdict = Score({}, ShippedModel());
  CHECK(verdict.score() == 0);
  CHECK(verdict.level() == report::v1::LEVEL_CLEAN);
  CHECK(verdict.malware_type().empty());
  CHECK(verdict.model_version() == "2026.11.1");
}

TEST_CASE("Points add up per distinct signature and the level follows the thresholds") {
  const ScoringModel model = ShippedModel();
  const auto low = Score({Make("a", analysis::v1::SEVERITY_LOW), Make("b", analysis::v1::SEVERITY_LOW)}, model);
  CHECK(low.score() == 10);
  CHECK(low.level() == report::v1::LEVEL_LOW);
  // The same signature twice counts once.
  const auto twice = Score({Make("a", analysis::v1::SEVERITY_MEDIUM), Make("a", analysis::v1::SEVERITY_MEDIUM)}, model);
  CHECK(twice.score() == 12);
  CHECK(twice.contributions_size() == 1);
  const auto capped = Score({Make("c1", analysis::v1::SEVERITY_CRITICAL), Make("c2", analysis::v1::SEVERITY_CRITICAL)}, model);
  CHECK(capped.score() == 100);
  CHECK(capped.level() == report::v1::LEVEL_CRITICAL);
}

TEST_CASE("A high signature alone lifts the level to suspicious, a critical one to malicious") {
  const ScoringModel model = ShippedModel();
  const auto high = Score({Make("injection", analysis::v1::SEVERITY_HIGH)}, model);
  CHECK(high.score() == 30);
  CHECK(high.level() == report::v1::LEVEL_SUSPICIOUS);
  ScoringModel cheap = model;
  cheap.signature_points["lone_critical"] = 1;
  const auto critical = Score({Make("lone_critical", analysis::v1::SEVERITY_CRITICAL)}, cheap);
  CHECK(critical.score() == 1);
  CHECK(critical.level() == report::v1::LEVEL_MALICIOUS);
}

TEST_CASE("The malware type is the best-voted type, ties broken by precedence") {
  const ScoringModel model = ShippedModel();
  const auto verdict = Score({Make("download_execute", analysis::v1::SEVERITY_HIGH, {"downloader", "dropper"}),
                              Make("ransom_note", analysis::v1::SEVERITY_HIGH, {"ransomware"}),
                              Make("shadow_delete", analysis::v1::SEVERITY_HIGH, {"ransomware"}, "lockbit")},
                             model);
  CHECK(verdict.malware_type() == "ransomware");
  CHECK(verdict.family() == "lockbit");
  REQUIRE(verdict.malware_type_votes_size() == 3);
  CHECK(verdict.malware_type_votes(0).weight() == 60);
  CHECK(verdict.malware_type_votes(1).type() == "downloader");  // tie with dropper, earlier in precedence
  CHECK(verdict.contributions(0).points() == 30);
}

TEST_CASE("A low-level file gets no malware type even when a signature names one") {
  const auto verdict = Score({Make("packer_section", analysis::v1::SEVERITY_MEDIUM, {"packer"})}, ShippedModel());
  CHECK(verdict.level() == report::v1::LEVEL_LOW);
  CHECK(verdict.malware_type().empty());
  CHECK(verdict.malware_type_votes_size() == 1);
}

TEST_CASE("Bad models are refused with the field named") {
  CHECK(ParseScoringModel("version: x\nseverity_points: {huge: 1}\nlevels: {clean: 0}\n").error().message().find(
            "severity_points") != std::string::npos);
  CHECK(ParseScoringModel("version: x\nseverity_points: {low: 1}\nlevels: {low: 5}\n").error().message().find(
            "score 0") != std::string::npos);
  CHECK_FALSE(ParseScoringModel("[unclosed").has_value());
  CHECK(ParseScoringModel("version: x\nseverity_points: {low: abc}\nlevels: {clean: 0}\n").error().code() ==
        StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace kensa::scoring
