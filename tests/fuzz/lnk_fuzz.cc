// libFuzzer target: kensa::lnk's shortcut parser, and its jump list DestList reader, over
// arbitrary bytes. Seeds: plaso's shortcuts
// and the shortcut of InQuest's GlobalSign campaign (scripts/fuzz extracts it with
// lnk_script_fuzz_seeds.py into the build tree). Every mutation that keeps the 20-byte header
// goes through the whole parser.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/lnk/dest_list.h"
#include "kensa/lnk/lnk_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The same bytes as a jump list's DestList stream: entries bounded, every path UTF-8.
  if (auto list = kensa::lnk::ParseDestList(kensa::ByteSpan(data, size), 64)) {
    if (list->entries.size() > 64) __builtin_trap();
    for (const auto& entry : list->entries) {
      kensa::analysis::v1::Anomaly probe;
      probe.set_detail(entry.path + entry.host + entry.last_used);
      std::string wire;
      if (!probe.SerializeToString(&wire) || !probe.ParseFromString(wire)) __builtin_trap();
    }
  }
  kensa::lnk::LnkLimits limits;
  limits.max_shell_items = 16;
  limits.max_properties = 16;
  auto parsed = kensa::lnk::ParseLnk(kensa::ByteSpan(data, size), limits);
  if (!parsed) return 0;
  const auto& info = parsed->info;
  if (static_cast<std::size_t>(info.id_list_size()) > limits.max_shell_items) __builtin_trap();
  if (static_cast<std::size_t>(info.properties_size()) > limits.max_properties) __builtin_trap();
  if (info.appended_offset() + info.appended_size() > size) __builtin_trap();
  // Every string must be valid UTF-8 for the protos downstream: a round trip proves it.
  std::string wire;
  kensa::analysis::v1::LnkInfo back;
  if (!info.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  for (const auto& anomaly : parsed->anomalies) {
    kensa::analysis::v1::Anomaly probe;
    if (!anomaly.SerializeToString(&wire) || !probe.ParseFromString(wire)) __builtin_trap();
  }
  return 0;
}
