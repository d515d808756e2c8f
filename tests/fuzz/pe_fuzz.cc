// libFuzzer target: the PE analyzer over arbitrary bytes. Seed it with corkami's PE folder
// (../shared/corpora/corkami/PE/bin): nearly every mutation of a PE is still a PE.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/pe/pe_analyzer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);
  auto pe = kensa::pe::AnalyzePe(bytes);
  if (!pe) return 0;
  // The imphash is a function of the parsed imports alone.
  if (kensa::pe::ComputeImphash(pe->info) != pe->imphash) __builtin_trap();
  // Every string the parser produced must be valid UTF-8: proto3 parsing rejects anything else.
  std::string wire;
  kensa::analysis::v1::PeInfo round_trip;
  if (!pe->info.SerializeToString(&wire) || !round_trip.ParseFromString(wire)) __builtin_trap();
  return 0;
}
