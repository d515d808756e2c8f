// EvtxEventView on hand-built events: names lose their spaces, the first of two same-named
// fields wins, and keyword rules see every value.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "kensa/evtx/evtx_parser.h"
#include "kensa/hunt/evtx_event_view.h"
#include "kensa/sigma/rule_set.h"

namespace kensa::hunt {
namespace {

evtx::Event DefenderEvent() {
  evtx::Event event;
  event.record_id = 7;
  event.fields = {{"EventID", "1116"},
                  {"Channel", "Microsoft-Windows-Windows Defender/Operational"},
                  {"Threat Name", "Virus:DOS/EICAR_Test_File"},
                  {"Severity Name", "Severe"},
                  {"Data[0]", "first"},
                  {"Data[0]", "second"},
                  {"Path", "file:_C:\\Users\\Public\\eicar.com"}};
  return event;
}

TEST_CASE("EvtxEventView finds a spaced field by its Sigma name without spaces") {
  const evtx::Event event = DefenderEvent();
  const EvtxEventView view(event);
  const std::string* threat = view.Get("ThreatName");
  REQUIRE(threat != nullptr);
  CHECK(*threat == "Virus:DOS/EICAR_Test_File");
  // The value is the event's own string: the engine caches by address.
  CHECK(threat == &event.fields[2].value);
  REQUIRE(view.Get("SeverityName") != nullptr);
  CHECK(*view.Get("SeverityName") == "Severe");
  REQUIRE(view.Get("EventID") != nullptr);
  CHECK(*view.Get("EventID") == "1116");
  CHECK(view.Get("Threat Name") == nullptr);
  CHECK(view.Get("threatname") == nullptr);
  CHECK(view.Get("Image") == nullptr);
  CHECK(view.Get("") == nullptr);
}

TEST_CASE("EvtxEventView returns the first of two fields with the same name") {
  const evtx::Event event = DefenderEvent();
  const EvtxEventView view(event);
  REQUIRE(view.Get("Data[0]") != nullptr);
  CHECK(*view.Get("Data[0]") == "first");
}

TEST_CASE("EvtxEventView visits every value in document order") {
  const evtx::Event event = DefenderEvent();
  const EvtxEventView view(event);
  std::vector<std::string> values;
  view.ForEachValue([&](const std::string& value) { values.push_back(value); });
  CHECK(values == std::vector<std::string>{"1116",
                                           "Microsoft-Windows-Windows Defender/Operational",
                                           "Virus:DOS/EICAR_Test_File", "Severe", "first",
                                           "second", "file:_C:\\Users\\Public\\eicar.com"});
}

TEST_CASE("EvtxEventView re-indexes on Reset and is empty before the first one") {
  EvtxEventView view;
  CHECK(view.Get("EventID") == nullptr);
  int visits = 0;
  view.ForEachValue([&](const std::string&) { ++visits; });
  CHECK(visits == 0);

  const evtx::Event defender = DefenderEvent();
  view.Reset(defender);
  REQUIRE(view.Get("ThreatName") != nullptr);
  evtx::Event sysmon;
  sysmon.fields = {{"EventID", "1"}, {"Image", "C:\\Windows\\System32\\cmd.exe"}};
  view.Reset(sysmon);
  CHECK(view.Get("ThreatName") == nullptr);
  REQUIRE(view.Get("EventID") != nullptr);
  CHECK(*view.Get("EventID") == "1");
  REQUIRE(view.Get("Image") != nullptr);
  CHECK(*view.Get("Image") == "C:\\Windows\\System32\\cmd.exe");
}

TEST_CASE("EvtxEventView shows unnamed Data values as one Data field, unless a field is named Data") {
  evtx::Event classic;
  classic.fields = {{"EventID", "15457"}, {"Data[0]", "xp_cmdshell"}, {"Data[1]", "0"}, {"Data[2]", "1"}};
  const EvtxEventView view(classic);
  REQUIRE(view.Get("Data") != nullptr);
  CHECK(*view.Get("Data") == "xp_cmdshell\n0\n1");
  REQUIRE(view.Get("Data[1]") != nullptr);
  CHECK(*view.Get("Data[1]") == "0");

  evtx::Event named;
  named.fields = {{"Data[0]", "unnamed"}, {"Data", "named"}};
  const EvtxEventView named_view(named);
  REQUIRE(named_view.Get("Data") != nullptr);
  CHECK(*named_view.Get("Data") == "named");

  evtx::Event without;
  without.fields = {{"EventID", "4624"}};
  CHECK(EvtxEventView(without).Get("Data") == nullptr);
}

TEST_CASE("NormalizeName drops every space") {
  CHECK(EvtxEventView::NormalizeName("Threat Name") == "ThreatName");
  CHECK(EvtxEventView::NormalizeName(" A  B ") == "AB");
  CHECK(EvtxEventView::NormalizeName("Image") == "Image");
}

TEST_CASE("A Sigma rule on a spaced Defender field matches through the view") {
  constexpr char kRule[] = R"(
title: Defender EICAR
id: 00000000-0000-0000-0000-000000000001
logsource:
  product: windows
  service: windefend
detection:
  selection:
    EventID: 1116
    ThreatName|contains: EICAR
  condition: selection
)";
  auto rules = sigma::RuleSet::ParseRule(kRule, "test");
  REQUIRE(rules.has_value());
  const evtx::Event event = DefenderEvent();
  const EvtxEventView view(event);
  std::vector<std::string> fired;
  sigma::Match(*rules, view, [&](const sigma::Rule& rule) { fired.push_back(rule.id); });
  CHECK(fired == std::vector<std::string>{"00000000-0000-0000-0000-000000000001"});
}

}  // namespace
}  // namespace kensa::hunt
