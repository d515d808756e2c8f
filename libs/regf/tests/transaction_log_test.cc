// Transaction log replay on dirty hives built by tests/support/make_dirty_hive.py: hivex writes
// each state of the hive, the script writes the logs as Windows does, and the replay must give
// back the last state byte for byte (or the last good one when a log is damaged).

#include "kensa/regf/transaction_log.h"

#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/regf/hive.h"
#include "kensa/test_support/command.h"

namespace kensa::regf {
namespace {

namespace fs = std::filesystem;
using kensa::test_support::RunCommand;

constexpr char kBaseReg[] =
    "Windows Registry Editor Version 5.00\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
    "\"OneDrive\"=\"C:\\\\Program Files\\\\OneDrive\\\\OneDrive.exe\"\r\n";
// The first change, small: a Run value that lands in the existing hive bins.
constexpr char kChange1Reg[] =
    "Windows Registry Editor Version 5.00\r\n\r\n"
    "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run]\r\n"
    "\"Updater\"=\"C:\\\\Users\\\\Public\\\\upd.exe\"\r\n";

std::string Change2Reg() {
  // The second change grows the hive by several hive bins.
  std::string reg = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Classes\\Big]\r\n";
  for (int i = 0; i < 60; ++i) reg += "\"V" + std::to_string(100 + i) + "\"=\"" + std::string(200, 'x') + "\"\r\n";
  return reg;
}

struct DirtyHive {
  fs::path dir;
  Bytes hive, state1, state2;
  std::vector<Bytes> logs;

  DirtyHive(const std::string& format, const std::string& damage) {
    dir = fs::temp_directory_path() / ("kensa_txlog_" + format + damage + std::to_string(::getpid()));
    fs::create_directories(dir);
    REQUIRE(WriteFileAtomically((dir / "base.reg").string(), kBaseReg).ok());
    REQUIRE(WriteFileAtomically((dir / "c1.reg").string(), kChange1Reg).ok());
    REQUIRE(WriteFileAtomically((dir / "c2.reg").string(), Change2Reg()).ok());
    RunCommand("python3 tests/support/make_dirty_hive.py '" + dir.string() + "' '" + (dir / "base.reg").string() +
               "' '" + (dir / "c1.reg").string() + "' '" + (dir / "c2.reg").string() + "' --format " + format +
               " --damage " + damage);
    hive = Read("HIVE");
    state1 = Read("state1.hive");
    state2 = Read("state2.hive");
    for (const char* log : {"HIVE.LOG1", "HIVE.LOG2"}) {
      if (fs::exists(dir / log)) logs.push_back(Read(log));
    }
  }
  ~DirtyHive() { fs::remove_all(dir); }

  Bytes Read(const std::string& name) const {
    auto bytes = ReadFileBounded((dir / name).string(), 64 << 20);
    REQUIRE(bytes.has_value());
    return std::move(*bytes);
  }
  std::vector<ByteSpan> Logs() const { return std::vector<ByteSpan>(logs.begin(), logs.end()); }
};

// The hive bins of `hive` as its base block sizes them.
Bytes HiveBins(const Bytes& hive) {
  const auto size = ReadLe<std::uint32_t>(hive, 0x28).value_or(0);
  return Bytes(hive.begin() + 4096, hive.begin() + 4096 + size);
}

std::vector<std::string> RunValues(const Bytes& bytes) {
  auto hive = Hive::Open(Bytes(bytes));
  REQUIRE(hive.has_value());
  std::vector<std::string> names;
  auto run = hive->Find("Microsoft\\Windows\\CurrentVersion\\Run");
  REQUIRE(run.has_value());
  for (const auto& value : hive->Values(*run)) names.push_back(value.name);
  return names;
}

TEST_CASE("Marvin32 with the log seed agrees with the marvin32 crate") {
  // The crate (crates.io marvin32, a port of .NET's Marvin) returns the two state words XORed;
  // these are its results for the kernel's seed, computed in a throwaway program.
  constexpr std::uint64_t kSeed = 0x82EF4D887A4E55C5ull;
  const auto folded = [&](const Bytes& data) {
    const std::uint64_t hash = Marvin32(data, kSeed);
    return static_cast<std::uint32_t>(hash ^ (hash >> 32));
  };
  CHECK(folded({}) == 0xb00892acu);
  CHECK(folded({'a', 'b', 'c'}) == 0x1dd6290bu);
  CHECK(folded({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}) == 0xfb837807u);
}

TEST_CASE("A dirty hive's new-format logs are replayed from LOG1 into LOG2, in sequence order") {
  DirtyHive dirty("new", "none");
  auto before = Hive::Open(Bytes(dirty.hive));
  REQUIRE(before.has_value());
  CHECK(before->header().dirty());
  CHECK(RunValues(dirty.hive) == std::vector<std::string>{"OneDrive"});

  Bytes hive = dirty.hive;
  const LogReplay replay = ReplayTransactionLogs(hive, dirty.Logs());
  INFO(replay.notes.size());
  CHECK(replay.dirty);
  // LOG1's first entry (sequence 0) was applied before the hive was last written.
  CHECK(replay.entries_applied == 2);
  CHECK(replay.pages_applied > 2);
  CHECK(replay.notes.empty());
  CHECK(HiveBins(hive) == HiveBins(dirty.state2));
  auto after = Hive::Open(Bytes(hive));
  REQUIRE(after.has_value());
  CHECK_FALSE(after->header().dirty());
  CHECK(after->header().checksum_ok);
  CHECK(after->problems().empty());
  CHECK(RunValues(hive) == std::vector<std::string>{"OneDrive", "Updater"});
  auto big = after->Find("Classes\\Big");
  REQUIRE(big.has_value());
  CHECK(after->Values(*big).size() == 60);

  // Order does not matter: the entries are sorted by their sequence numbers.
  Bytes reversed = dirty.hive;
  auto logs = dirty.Logs();
  std::swap(logs[0], logs[1]);
  CHECK(ReplayTransactionLogs(reversed, logs).entries_applied == 2);
  CHECK(HiveBins(reversed) == HiveBins(dirty.state2));
}

TEST_CASE("A torn log entry ends the replay with the entries before it applied") {
  DirtyHive dirty("new", "hash");
  Bytes hive = dirty.hive;
  const LogReplay replay = ReplayTransactionLogs(hive, dirty.Logs());
  CHECK(replay.entries_applied == 1);
  REQUIRE(replay.notes.size() == 1);
  CHECK(replay.notes[0] == "log 2, entry at 0x200: its hash does not match (a torn or damaged write); replay stops");
  CHECK(HiveBins(hive) == HiveBins(dirty.state1));
  CHECK(RunValues(hive) == std::vector<std::string>{"OneDrive", "Updater"});
}

TEST_CASE("A missing sequence number ends the replay before the entries after it") {
  DirtyHive dirty("new", "gap");
  Bytes hive = dirty.hive;
  const LogReplay replay = ReplayTransactionLogs(hive, dirty.Logs());
  CHECK(replay.entries_applied == 1);
  REQUIRE(replay.notes.size() == 1);
  CHECK(replay.notes[0] == "sequence number 2 is missing from the logs; entries from 3 on are not applied");
  CHECK(HiveBins(hive) == HiveBins(dirty.state1));
}

TEST_CASE("An old-format log (Vista, 7) writes its dirty 512-byte pages back") {
  DirtyHive dirty("old", "none");
  Bytes hive = dirty.hive;
  const LogReplay replay = ReplayTransactionLogs(hive, dirty.Logs());
  CHECK(replay.entries_applied == 1);
  CHECK(replay.pages_applied > 8);
  CHECK(replay.notes.empty());
  CHECK(HiveBins(hive) == HiveBins(dirty.state2));
  CHECK(RunValues(hive) == std::vector<std::string>{"OneDrive", "Updater"});
}

TEST_CASE("A clean hive, a damaged base block and foreign logs are handled as Windows does") {
  DirtyHive dirty("new", "none");
  // Clean: nothing changes, even with logs at hand.
  Bytes clean = dirty.state1;
  CHECK_FALSE(ReplayTransactionLogs(clean, dirty.Logs()).dirty);
  CHECK(clean == dirty.state1);
  // A damaged base block is rebuilt from the newest log's copy, then the entries follow it.
  Bytes damaged = dirty.hive;
  damaged[0x30] ^= 0xFF;  // inside the file name: only the checksum notices
  const LogReplay rebuilt = ReplayTransactionLogs(damaged, dirty.Logs());
  CHECK(rebuilt.base_block_recovered);
  CHECK(Hive::Open(Bytes(damaged))->header().checksum_ok);
  // Logs that are not logs are named and left out.
  Bytes hive = dirty.hive;
  const LogReplay foreign = ReplayTransactionLogs(hive, {ByteSpan(dirty.state2)});
  CHECK(foreign.entries_applied == 0);
  REQUIRE(foreign.notes.size() == 1);
  CHECK(foreign.notes[0] == "log 1: file type 0 is not a log; not used");
  CHECK(hive == dirty.hive);
  // Truncated logs stop where they end.
  for (std::size_t cut : {0u, 100u, 511u, 600u, 4000u}) {
    Bytes copy = dirty.hive;
    std::vector<ByteSpan> logs = {ByteSpan(dirty.logs[0]).subspan(0, std::min(cut, dirty.logs[0].size()))};
    ReplayTransactionLogs(copy, logs);
    CHECK(copy.size() >= dirty.hive.size());
  }
}

}  // namespace
}  // namespace kensa::regf
