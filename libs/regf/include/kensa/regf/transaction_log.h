#pragma once
// Replay of a dirty hive's transaction logs (.LOG1/.LOG2, or .LOG on Windows XP), after Maxim
// Suhanov's "Windows registry file format specification" (sections "Format of transaction log
// files", "Dirty state of a hive" and "Multiple transaction log files").
//
// A hive copied from a running system (KAPE, Velociraptor, a backup) is often dirty: Windows 8.1
// and later write changes to a log first and to the hive file minutes later, so the newest Run
// keys, services and Amcache entries may exist only in the logs. Replaying them gives the hive
// as Windows itself would load it.
//
//   Bytes hive = ...;                       // SYSTEM
//   std::vector<ByteSpan> logs = {log1, log2};
//   LogReplay replay = ReplayTransactionLogs(hive, logs);
//   auto opened = Hive::Open(std::move(hive));
//
// Both log formats are read: the new one (Windows 8.1+: "HvLE" entries of dirty pages, checked
// with Marvin32 hashes, applied in sequence-number order across both logs) and the old one
// (Vista/7 and XP: a "DIRT" bitmap of dirty 512-byte pages, used when the log's timestamp is the
// hive's). Logs are hostile input: every size is checked against the log and the hive limits,
// and a bad entry ends the replay with what came before it applied, as Windows does.

#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/regf/hive.h"

namespace kensa::regf {

struct LogReplay {
  // The hive's base block said it was dirty (sequence numbers differ, or a bad checksum).
  bool dirty = false;
  // Log entries (new format) or logs (old format) applied, and the pages they wrote.
  std::uint32_t entries_applied = 0;
  std::uint32_t pages_applied = 0;
  // The base block was damaged and taken from a log.
  bool base_block_recovered = false;
  // Why a log or an entry was not used, or where the replay stopped.
  std::vector<std::string> notes;
  bool applied() const { return entries_applied > 0 || base_block_recovered; }
};

// Brings `hive` up to date from `logs` (the hive's .LOG1 and .LOG2 in that order, or .LOG), in
// place. A clean hive is left as it is, and so are logs that belong to another hive or another
// write. Never fails: what could not be used is in `notes`.
LogReplay ReplayTransactionLogs(Bytes& hive, const std::vector<ByteSpan>& logs, const HiveLimits& limits = {});

// Marvin32 (the hash Windows uses for log entries), as the 64-bit value the log stores.
std::uint64_t Marvin32(ByteSpan data, std::uint64_t seed);

}  // namespace kensa::regf
