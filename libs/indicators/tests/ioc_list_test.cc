#include "kensa/indicators/ioc_list.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

namespace ki = kensa::indicators;

namespace {

kensa::report::v1::Report MaliciousReport() {
  kensa::report::v1::Report report;
  report.mutable_submission()->set_id("01JROOT");
  report.mutable_submission()->set_tenant("acme");
  report.mutable_submission()->mutable_sample()->set_file_name("invoice.docm");
  auto* hashes = report.mutable_submission()->mutable_sample()->mutable_hashes();
  hashes->set_sha256(std::string(64, 'A'));
  hashes->set_sha1(std::string(40, 'b'));
  // The payload a dropper carries, and the signed program of a side-loading pair beside it.
  auto* payload = report.add_children();
  payload->mutable_submission()->mutable_sample()->mutable_hashes()->set_sha256(std::string(64, 'c'));
  auto* signature = payload->mutable_static_result()->add_signatures();
  signature->set_name("process_injection_imports");
  signature->set_severity(kensa::analysis::v1::SEVERITY_HIGH);
  auto* loader = report.add_children();
  loader->mutable_submission()->mutable_sample()->mutable_hashes()->set_sha256(std::string(64, 'd'));
  loader->mutable_static_result()->add_signatures()->set_severity(kensa::analysis::v1::SEVERITY_LOW);
  const auto add = [&](kensa::analysis::v1::IndicatorType type, const std::string& value) {
    auto* indicator = report.add_indicators();
    indicator->set_type(type);
    indicator->set_value(value);
  };
  add(kensa::analysis::v1::INDICATOR_TYPE_URL, "https://user:pw@CDN.Evil.example:8443/p?x=1");
  add(kensa::analysis::v1::INDICATOR_TYPE_DOMAIN, "c2.evil.example.");
  add(kensa::analysis::v1::INDICATOR_TYPE_IPV4, "198.51.100.7");
  // A signed sample's revocation server and a namespace: every host talks to or names them.
  add(kensa::analysis::v1::INDICATOR_TYPE_URL, "http://crl3.digicert.com/sha2-assured-cs-g1.crl");
  add(kensa::analysis::v1::INDICATOR_TYPE_DOMAIN, "schemas.openxmlformats.org");
  add(kensa::analysis::v1::INDICATOR_TYPE_DOMAIN, "notmicrosoft.com");
  add(kensa::analysis::v1::INDICATOR_TYPE_URL, "https://raw.githubusercontent.com/x/y/main/stage2.ps1");
  add(kensa::analysis::v1::INDICATOR_TYPE_FILE_PATH, "C:\\Users\\Public\\a.exe");  // not swept
  add(kensa::analysis::v1::INDICATOR_TYPE_MUTEX, "Global\\x");                     // not swept
  report.mutable_verdict()->set_level(kensa::report::v1::LEVEL_MALICIOUS);
  return report;
}

}  // namespace

TEST_CASE("values are typed by their shape; anything else is refused") {
  ki::IocList iocs;
  CHECK(ki::AddIoc("  D41D8CD98F00B204E9800998ECF8427E \r", "a", &iocs));
  CHECK(ki::AddIoc("10.0.0.1", "a", &iocs));
  CHECK(ki::AddIoc("Evil.Example.jp.", "a", &iocs));
  CHECK_FALSE(ki::AddIoc("256.1.1.1x", "a", &iocs));
  CHECK_FALSE(ki::AddIoc("not a domain", "a", &iocs));
  CHECK_FALSE(ki::AddIoc("http://a.example/b", "a", &iocs));  // a URL: its host is the indicator
  CHECK_FALSE(ki::AddIoc("localhost", "a", &iocs));
  CHECK_FALSE(ki::AddIoc("", "a", &iocs));
  CHECK(iocs.hashes.count("d41d8cd98f00b204e9800998ecf8427e") == 1);
  CHECK(iocs.ips.count("10.0.0.1") == 1);
  CHECK(iocs.domains.count("evil.example.jp") == 1);
  // 300 is not an octet, and a name's last label starts with a letter.
  CHECK_FALSE(ki::AddIoc("1.2.3.300", "a", &iocs));
  CHECK(iocs.size() == 3);
  // A value listed again keeps its first origin.
  CHECK(ki::AddIoc("10.0.0.1", "b", &iocs));
  CHECK(iocs.ips.at("10.0.0.1") == "a");
}

TEST_CASE("a malicious report gives its hashes, its bad children's hashes and network indicators") {
  const auto report = MaliciousReport();
  REQUIRE(ki::ReportMakesIocsKnownBad(report));
  const std::string origin = ki::ReportOrigin(report);
  CHECK(origin == "triage report 01JROOT (invoice.docm, malicious)");
  ki::IocList iocs;
  ki::AddReportIocs(report, origin, &iocs);
  using Origins = std::map<std::string, std::string>;
  CHECK(iocs.hashes == Origins{{std::string(64, 'a'), origin}, {std::string(40, 'b'), origin}, {std::string(64, 'c'), origin}});
  CHECK(iocs.domains == Origins{{"cdn.evil.example", origin}, {"c2.evil.example", origin}, {"notmicrosoft.com", origin}});
  CHECK(iocs.ips == Origins{{"198.51.100.7", origin}});
  // The store keeps one flat map; reading it back gives the same list.
  ki::IocList again;
  for (const auto& [value, where] : iocs.AllValues()) CHECK(ki::AddIoc(value, where, &again));
  CHECK(again.hashes == iocs.hashes);
  CHECK(again.ips == iocs.ips);
  CHECK(again.domains == iocs.domains);
}

TEST_CASE("only malicious and critical reports make their indicators known bad") {
  auto report = MaliciousReport();
  for (auto level : {kensa::report::v1::LEVEL_UNSPECIFIED, kensa::report::v1::LEVEL_CLEAN,
                     kensa::report::v1::LEVEL_LOW, kensa::report::v1::LEVEL_SUSPICIOUS}) {
    report.mutable_verdict()->set_level(level);
    CHECK_FALSE(ki::ReportMakesIocsKnownBad(report));
  }
  report.mutable_verdict()->set_level(kensa::report::v1::LEVEL_CRITICAL);
  CHECK(ki::ReportMakesIocsKnownBad(report));
  CHECK(ki::ReportOrigin(report) == "triage report 01JROOT (invoice.docm, critical)");
}

TEST_CASE("an indicator file that cannot be read or is a broken report fails, naming the file") {
  auto missing = ki::LoadIocFiles({"/nonexistent/intel.txt"});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message().find("/nonexistent/intel.txt") != std::string::npos);
  const std::string path = std::filesystem::temp_directory_path() / "kensa-ioc-list-test-broken.json";
  std::ofstream(path) << "{\"indicators\": [";
  auto broken = ki::LoadIocFiles({path});
  REQUIRE_FALSE(broken.has_value());
  CHECK(broken.error().message().rfind(path + ": not a Kensa report", 0) == 0);
  std::filesystem::remove(path);
}
