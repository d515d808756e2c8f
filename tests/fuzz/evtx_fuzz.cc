// libFuzzer target: the EVTX parser over arbitrary bytes. Seed it with
// ../shared/corpora/evtx-damaged/samples; most mutations keep the file and chunk signatures, so
// they reach the binary XML decoder.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/evtx/evtx_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);
  kensa::evtx::ParseStats stats;
  std::uint64_t events = 0;
  const auto status = kensa::evtx::ParseEvtx(
      bytes,
      [&](const kensa::evtx::Event& event) {
        ++events;
        // Every field must respect the limits the parser promises.
        if (event.fields.size() > kensa::evtx::EvtxLimits{}.max_fields_per_event) {
          __builtin_trap();
        }
      },
      &stats);
  if (status.ok() && events != stats.records) __builtin_trap();
  return 0;
}
