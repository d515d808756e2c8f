// The legacy .evt reader on logs written by tests/support/make_evt.py in BackupEventLog's
// layout (cross-checked with libyal's evtexport, which reads the same files): fields named as
// for a classic EVTX event, a wrapped buffer, a torn record, truncation and non-logs.
#include "kensa/evtx/evt_parser.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "kensa/core/file.h"
#include "kensa/test_support/command.h"

namespace fs = std::filesystem;

namespace {

constexpr char kEvents[] = R"json([
 {"source": "Security", "computer": "VICTIM", "event_id": 517, "type": 8, "category": 1, "time": 1764150000,
  "sid": "S-1-5-18", "strings": ["SYSTEM", "NT AUTHORITY", "(0x0,0x3E7)", "Administrator", "VICTIM", "(0x0,0x1A2B3)"]},
 {"source": "Security", "computer": "VICTIM", "event_id": 624, "type": 8, "category": 7, "time": 1764150060,
  "strings": ["support$", "VICTIM", "%{S-1-5-21-1-2-3-1005}", "Administrator", "VICTIM", "(0x0,0x1A2B3)", "-"]},
 {"source": "Service Control Manager", "computer": "VICTIM", "event_id": 1073748859, "type": 4, "time": 1764150120,
  "strings": ["PSEXESVC", "start"], "data": "0102"},
 {"source": "Security", "computer": "VICTIM", "event_id": 592, "type": 8, "category": 2, "time": 1764150180,
  "strings": ["2412", "C:\\WINDOWS\\Temp\\svch0st.exe", "1480", "Administrator", "VICTIM", "(0x0,0x1A2B3)"]}
])json";

struct Log {
  std::vector<kensa::evtx::Event> events;
  kensa::evtx::ParseStats stats;
  kensa::Status status;
};

kensa::Bytes MakeEvt(const std::string& flags) {
  const fs::path dir = fs::temp_directory_path() / ("kensa-evt-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "events.json") << kEvents;
  kensa::test_support::RunCommand("python3 tests/support/make_evt.py '" + (dir / "log.evt").string() + "' '" +
                                  (dir / "events.json").string() + "' " + flags);
  auto bytes = kensa::ReadFileBounded((dir / "log.evt").string(), 1 << 20);
  fs::remove_all(dir);
  REQUIRE(bytes.has_value());
  return *bytes;
}

Log Parse(kensa::ByteSpan bytes) {
  Log log;
  log.status = kensa::evtx::ParseEvt(
      bytes, "Security", [&](const kensa::evtx::Event& event) { log.events.push_back(event); }, &log.stats);
  return log;
}

std::map<std::string, std::string> Fields(const kensa::evtx::Event& event) {
  std::map<std::string, std::string> fields;
  for (const auto& field : event.fields) fields[field.name] = field.value;
  return fields;
}

}  // namespace

TEST_CASE("an .evt record gives the fields of a classic EVTX event") {
  const auto log = Parse(MakeEvt(""));
  REQUIRE(log.status.ok());
  REQUIRE(log.events.size() == 4);
  CHECK(log.stats.records == 4);
  CHECK(log.stats.record_errors == 0);
  const auto cleared = Fields(log.events[0]);
  CHECK(cleared == std::map<std::string, std::string>{
                       {"Provider_Name", "Security"}, {"Channel", "Security"}, {"Computer", "VICTIM"},
                       {"EventID", "517"}, {"Qualifiers", "0"}, {"EventRecordID", "1"},
                       {"TimeCreated", "2025-11-26T09:40:00Z"}, {"Level", "0"}, {"Keywords", "0x8020000000000000"},
                       {"Task", "1"}, {"Security_UserID", "S-1-5-18"}, {"Data[0]", "SYSTEM"},
                       {"Data[1]", "NT AUTHORITY"}, {"Data[2]", "(0x0,0x3E7)"}, {"Data[3]", "Administrator"},
                       {"Data[4]", "VICTIM"}, {"Data[5]", "(0x0,0x1A2B3)"}});
  CHECK(log.events[0].record_id == 1);
  CHECK(log.events[0].timestamp == "2025-11-26T09:40:00Z");
  // Event Viewer's ID is the low 16 bits; the high ones are the qualifiers.
  const auto service = Fields(log.events[2]);
  CHECK(service.at("EventID") == "7035");
  CHECK(service.at("Qualifiers") == "16384");
  CHECK(service.at("Provider_Name") == "Service Control Manager");
  CHECK(service.at("Level") == "4");
  CHECK(service.at("Binary") == "0102");
  CHECK(service.count("Security_UserID") == 0);
  CHECK(Fields(log.events[3]).at("Data[1]") == "C:\\WINDOWS\\Temp\\svch0st.exe");
}

TEST_CASE("a wrapped .evt gives its records in record-number order, and a torn one is counted") {
  const auto wrapped = Parse(MakeEvt("--wrap"));
  REQUIRE(wrapped.status.ok());
  REQUIRE(wrapped.events.size() == 4);
  for (std::size_t i = 0; i < wrapped.events.size(); ++i) CHECK(wrapped.events[i].record_id == i + 1);

  const auto damaged = Parse(MakeEvt("--damage"));
  REQUIRE(damaged.status.ok());
  CHECK(damaged.events.size() == 3);
  CHECK(damaged.stats.record_errors == 1);
  CHECK(damaged.events[1].record_id == 3);
}

TEST_CASE("a cut .evt gives what it still holds; what is not an .evt is refused") {
  const kensa::Bytes whole = MakeEvt("");
  for (std::size_t size : {std::size_t{0}, std::size_t{47}, std::size_t{48}, whole.size() / 2, whole.size() - 41}) {
    INFO(size);
    const kensa::Bytes cut(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
    const auto log = Parse(cut);
    CHECK(log.status.ok() == (size >= 8));
    CHECK(log.events.size() <= 4);
  }
  CHECK(Parse(MakeEvt("")).events.size() == 4);
  const std::string evtx = "ElfFile\0";
  CHECK_FALSE(Parse(kensa::ByteSpan(reinterpret_cast<const std::uint8_t*>(evtx.data()), evtx.size())).status.ok());
}

TEST_CASE("the log's name comes from Windows' file names") {
  CHECK(kensa::evtx::EvtChannelFromFileName("files/C/WINDOWS/system32/config/SecEvent.Evt") == "Security");
  CHECK(kensa::evtx::EvtChannelFromFileName("C:\\WINDOWS\\system32\\config\\SysEvent.Evt") == "System");
  CHECK(kensa::evtx::EvtChannelFromFileName("AppEvent.evt") == "Application");
  CHECK(kensa::evtx::EvtChannelFromFileName("Internet Explorer.evt") == "Internet Explorer");
}
