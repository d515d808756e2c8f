// libFuzzer target: the emulator over arbitrary bytes, as a PE (when they start with "MZ") or
// as shellcode (the first byte picks x86 or x64), with tight limits so each input ends fast.
// Seed it with corkami's PE folder and speakeasy's test binaries.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/emulator/emulator.h"

// unicorn 2.0.1 leaks a 512-byte code bitmap per page of self-modifying code
// (tb_invalidate_phys_page_fast); it is unicorn's, freed with the engine in later releases.
extern "C" const char* __lsan_default_suppressions() { return "leak:libunicorn.so\n"; }

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kensa::emulator::EmulationOptions options;
  options.limits.max_instructions = 200'000;
  options.limits.max_api_calls = 300;
  options.limits.timeout_ms = 2'000;
  options.limits.max_memory_bytes = 48ull << 20;
  options.limits.max_artifact_bytes = 1 << 20;
  options.shellcode_arch = size > 0 && (data[0] & 1) != 0 ? "x64" : "x86";
  auto out = kensa::emulator::Emulate(kensa::ByteSpan(data, size), options);
  if (!out) {
    if (size != 0) __builtin_trap();  // only an empty input is an error
    return 0;
  }
  const auto& r = out->behavior;
  if (r.end_reason() == kensa::analysis::v1::EMULATION_END_REASON_UNSPECIFIED) __builtin_trap();
  if (r.instruction_count() > options.limits.max_instructions) __builtin_trap();
  if (r.api_call_count() > options.limits.max_api_calls) __builtin_trap();
  if (static_cast<std::size_t>(r.dropped_files_size()) != out->dropped_files.size()) __builtin_trap();
  // Every string recorded must be valid UTF-8: proto3 parsing rejects anything else.
  std::string wire;
  kensa::analysis::v1::BehaviorResult round_trip;
  if (!r.SerializeToString(&wire) || !round_trip.ParseFromString(wire)) __builtin_trap();
  return 0;
}
