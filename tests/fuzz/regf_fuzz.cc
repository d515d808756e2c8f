// libFuzzer target: kensa::regf's hive reader over arbitrary bytes. Seeds: hives written by
// hivex from .reg text (scripts/fuzz runs tests/support/make_hive.py into the build tree).
// Every key is walked and every value read and rendered, under small limits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/regf/hive.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kensa::regf::HiveLimits limits;
  limits.max_depth = 32;
  limits.max_subkeys_per_key = 256;
  limits.max_values_per_key = 256;
  limits.max_value_bytes = 1u << 16;
  auto hive = kensa::regf::Hive::Open(kensa::Bytes(data, data + size), limits);
  if (!hive) return 0;
  std::size_t keys = 0;
  hive->Walk([&](const std::string&, const kensa::regf::Key& key) {
    ++keys;
    for (const auto& value : hive->Values(key)) {
      if (value.data.size() > limits.max_value_bytes) __builtin_trap();
      (void)kensa::regf::ValueText(value);
    }
  });
  // A cell is visited at most once, and cells are 8-byte aligned at least 8 bytes apart.
  if (keys > size / 8) __builtin_trap();
  return 0;
}
