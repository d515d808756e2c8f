// The IOCs of a hunt report: read from its findings of medium level and above, normalised and
// defanged-ready like triage's, standard binaries left out; on a planted host's real collection
// and on hand-made findings that pin each rule.
#include "kensa/hunt/report_indicators.h"

#include <unistd.h>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "kensa/hunt/host_checks.h"
#include "kensa/hunt/hunt_path.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;
using kensa::analysis::v1::IndicatorType;
using kensa::forensics::v1::HuntReport;

namespace {

const kensa::indicators::PublicSuffixList& Suffixes() {
  static const auto list = kensa::indicators::PublicSuffixList::Load(kensa::indicators::kDefaultPublicSuffixListPath);
  REQUIRE(list.has_value());
  return *list;
}

// "type value" -> the rule that named it.
std::map<std::string, std::string> Named(const HuntReport& report) {
  std::map<std::string, std::string> named;
  for (const auto& indicator : report.indicators()) {
    named[kensa::analysis::v1::IndicatorType_Name(indicator.type()) + " " + indicator.value()] = indicator.source();
  }
  return named;
}

kensa::forensics::v1::Finding* AddFinding(HuntReport* report, const std::string& rule, const std::string& level,
                                         const std::string& evidence) {
  auto* finding = report->add_findings();
  finding->set_rule_id(rule);
  finding->set_level(level);
  finding->set_source("sigma");
  finding->set_evidence(evidence);
  return finding;
}

}  // namespace

TEST_CASE("a planted host's IOCs: where it fetched from, the payload and its hash, the preloaded library") {
  const std::string dir = (fs::temp_directory_path() / ("kensa-report-iocs-" + std::to_string(::getpid()))).string();
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string archive = kensa::test_support::RunCommand("python3 tests/collectors/planted_host.py " + dir);
  auto checks = kensa::hunt::LoadHostChecks({"rules/hunt"});
  REQUIRE(checks.has_value());
  kensa::hunt::HuntConfig config;
  config.public_suffixes = &Suffixes();
  auto report = kensa::hunt::HuntCollection(archive, nullptr, *checks, config);
  REQUIRE(report.has_value());
  const auto named = Named(*report);
  INFO(report->DebugString());
  const std::string payload_sha256 = kensa::test_support::RunCommand("sha256sum < /bin/true").substr(0, 64);
  CHECK(named.at("INDICATOR_TYPE_URL http://198.51.100.7/c.sh") == "linux_cron_download_and_run");
  CHECK(named.at("INDICATOR_TYPE_URL http://198.51.100.7/p") == "linux_history_download_and_run");
  CHECK(named.count("INDICATOR_TYPE_IPV4 198.51.100.7") == 1);
  CHECK(named.count("INDICATOR_TYPE_IPV4 203.0.113.9") == 1);  // the SSH guesser
  CHECK(named.count("INDICATOR_TYPE_FILE_PATH /tmp/.x/payload") == 1);
  CHECK(named.at("INDICATOR_TYPE_FILE_PATH /usr/lib/x86_64-linux-gnu/libsneaky.so") == "linux_ld_so_preload");
  CHECK(named.count("INDICATOR_TYPE_SHA256 " + payload_sha256) == 1);
  // The new account's shell names no IOC.
  CHECK(named.count("INDICATOR_TYPE_FILE_PATH /bin/bash") == 0);
  fs::remove_all(dir);
}

TEST_CASE("IOCs come from medium findings and above, the most severe rule first, standard binaries left out") {
  HuntReport report;
  AddFinding(&report, "low_rule", "low", "accepted login from 192.0.2.10");
  AddFinding(&report, "medium_rule", "medium", "connect to update.kensa-test.jp from C:\\Users\\Public\\u.exe");
  auto* high = AddFinding(&report, "high_rule", "high", "");
  (*high->mutable_key_fields())["CommandLine"] =
      "C:\\Windows\\System32\\rundll32.exe C:\\windows\\system32\\comsvcs.dll, MiniDump 624 C:\\Users\\Public\\u.exe";
  (*high->mutable_key_fields())["CallTrace"] = "C:\\Users\\Public\\tool.exe+1a2b";
  auto* yara = AddFinding(&report, "yara:kensa_test", "critical", "matched");
  yara->set_source("yara");
  yara->set_source_file("/tmp/.x/payload");
  AddFinding(&report, "listing_rule", "high",
             "/tmp/.x/payload\t755\t0\t42\t1764150000\t" + std::string(64, 'A') + "\tyes");
  kensa::hunt::SetReportIndicators(Suffixes(), &report);
  const auto named = Named(report);
  INFO(report.DebugString());
  CHECK(named.count("INDICATOR_TYPE_IPV4 192.0.2.10") == 0);
  CHECK(named.at("INDICATOR_TYPE_DOMAIN update.kensa-test.jp") == "medium_rule");
  // Named by the medium and the high finding: the high one is its source.
  CHECK(named.at("INDICATOR_TYPE_FILE_PATH C:\\Users\\Public\\u.exe") == "high_rule");
  CHECK(named.count("INDICATOR_TYPE_FILE_PATH C:\\Windows\\System32\\rundll32.exe") == 0);
  CHECK(named.count("INDICATOR_TYPE_FILE_PATH C:\\windows\\system32\\comsvcs.dll") == 0);
  CHECK(named.count("INDICATOR_TYPE_FILE_PATH C:\\Users\\Public\\tool.exe") == 0);
  CHECK(named.at("INDICATOR_TYPE_FILE_PATH /tmp/.x/payload") == "yara:kensa_test");
  CHECK(named.at("INDICATOR_TYPE_SHA256 " + std::string(64, 'a')) == "listing_rule");
  CHECK(named.count("INDICATOR_TYPE_COMMAND_LINE " + (*high->mutable_key_fields())["CommandLine"]) == 1);

  // Computed again, the list is replaced, not appended to.
  const int before = report.indicators_size();
  kensa::hunt::SetReportIndicators(Suffixes(), &report);
  CHECK(report.indicators_size() == before);
}
