// libFuzzer target: the compound file reader, summary property sets and VBA extraction over
// arbitrary bytes. Seed it with the OLE2 files of ../shared/corpora/oletools-tests/tests/test-data
// (.doc, .xls, .ppt): nearly every mutation of a compound file still opens.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/ole/compound_file.h"
#include "kensa/ole/summary_information.h"
#include "kensa/ole/vba.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);
  kensa::ole::OleLimits limits;
  limits.max_stream_size = 16u << 20;  // keep each run short
  auto cf = kensa::ole::CompoundFile::Open(bytes, limits);
  if (!cf) return 0;
  std::uint64_t total = 0;
  for (const auto& entry : cf->entries()) {
    if (entry.type != kensa::ole::EntryType::kStream) continue;
    auto stream = cf->ReadEntry(entry);
    if (stream) total += stream->size();
  }
  (void)kensa::ole::ReadDocumentMetadata(*cf);
  kensa::ole::VbaLimits vba_limits;
  vba_limits.max_source_size = 1u << 20;
  auto vba = kensa::ole::ExtractVba(*cf, vba_limits);
  if (!vba) __builtin_trap();  // the sample alone never makes extraction fail
  // Every name must be valid UTF-8 for the protos downstream: round-trip one through an Anomaly.
  for (const auto& project : *vba) {
    for (const auto& module : project.modules) {
      kensa::analysis::v1::Anomaly probe;
      probe.set_detail(module.name + module.stream_name + module.source);
      std::string wire;
      kensa::analysis::v1::Anomaly back;
      if (!probe.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
    }
  }
  return static_cast<int>(total & 0);
}
