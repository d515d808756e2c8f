// libFuzzer target: the event log readers over arbitrary bytes — the EVTX parser and, for input
// that starts with an .evt header, the legacy .evt reader. Seed it with
// ../shared/corpora/evtx-damaged/samples and the .evt logs scripts/fuzz writes with
// tests/support/make_evt.py; most mutations keep the signatures, so they reach the record
// decoders.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/core/bytes.h"
#include "kensa/evtx/evt_parser.h"
#include "kensa/evtx/evtx_parser.h"

namespace {

// Every value travels in protobuf strings downstream: it must be UTF-8.
void CheckEvent(const kensa::evtx::Event& event, std::size_t max_fields) {
  if (event.fields.size() > max_fields) __builtin_trap();
  for (const auto& field : event.fields) {
    if (!kensa::IsValidUtf8(field.name) || !kensa::IsValidUtf8(field.value)) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);
  kensa::evtx::ParseStats stats;
  std::uint64_t events = 0;
  if (kensa::evtx::IsEvt(bytes)) {
    const kensa::evtx::EvtLimits limits;
    const auto status = kensa::evtx::ParseEvt(
        bytes, "Security",
        [&](const kensa::evtx::Event& event) {
          ++events;
          CheckEvent(event, limits.max_strings + 16);
        },
        &stats, limits);
    if (!status.ok() || events != stats.records) __builtin_trap();
    return 0;
  }
  const auto status = kensa::evtx::ParseEvtx(
      bytes,
      [&](const kensa::evtx::Event& event) {
        ++events;
        // Every field must respect the limits the parser promises.
        CheckEvent(event, kensa::evtx::EvtxLimits{}.max_fields_per_event);
      },
      &stats);
  if (status.ok() && events != stats.records) __builtin_trap();
  return 0;
}
