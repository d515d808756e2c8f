// libFuzzer target: kensa::regf's transaction log replay over arbitrary hives and logs, then the
// hive reader over the result. Input: two little-endian 32-bit lengths (the hive's, then
// LOG1's; taken modulo what is left), the hive, LOG1, and LOG2 (the rest). Seeds: dirty hives
// and their logs in both formats, written by tests/support/make_dirty_hive.py through
// scripts/fuzz.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/regf/hive.h"
#include "kensa/regf/transaction_log.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  const auto length = [&](std::size_t at, std::size_t left) {
    const std::uint32_t value = static_cast<std::uint32_t>(data[at] | data[at + 1] << 8 | data[at + 2] << 16) |
                                static_cast<std::uint32_t>(data[at + 3]) << 24;
    return left == 0 ? 0 : value % (left + 1);
  };
  std::size_t offset = 8;
  const std::size_t hive_size = length(0, size - offset);
  kensa::Bytes hive(data + offset, data + offset + hive_size);
  offset += hive_size;
  const std::size_t log1_size = length(4, size - offset);
  const kensa::ByteSpan log1(data + offset, log1_size);
  const kensa::ByteSpan log2(data + offset + log1_size, size - offset - log1_size);

  kensa::regf::HiveLimits limits;
  limits.max_hive_bytes = 1u << 24;
  limits.max_depth = 32;
  limits.max_subkeys_per_key = 256;
  limits.max_values_per_key = 256;
  limits.max_value_bytes = 1u << 16;
  const std::size_t before = hive.size();
  const auto replay = kensa::regf::ReplayTransactionLogs(hive, {log1, log2}, limits);
  // The hive grows only by pages the logs carry.
  if (hive.size() > before + log1.size() + log2.size()) __builtin_trap();
  if (replay.entries_applied > 0 && hive.size() < 4096) __builtin_trap();
  auto opened = kensa::regf::Hive::Open(std::move(hive), limits);
  if (!opened) return 0;
  std::size_t keys = 0;
  opened->Walk([&](const std::string&, const kensa::regf::Key& key) {
    if (++keys > 64) return;
    for (const auto& value : opened->Values(key)) (void)kensa::regf::ValueText(value);
  });
  return 0;
}
