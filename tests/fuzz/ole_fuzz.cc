// libFuzzer target: the compound file reader, summary property sets, VBA extraction and the
// PowerPoint record reader (persist directory, ExOleObjStg storages inflated and opened again)
// over arbitrary bytes. Seed it with the OLE2 files of ../shared/corpora/oletools-tests/tests/
// test-data (.doc, .xls, .ppt): nearly every mutation of a compound file still opens. The input
// is also read as a bare "PowerPoint Document" stream whose current edit is its last 36 bytes
// (where PowerPoint writes the UserEditAtom), so record walks see mutations directly. A Word
// document's text (piece table) and field codes are read too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/ole/compound_file.h"
#include "kensa/ole/powerpoint.h"
#include "kensa/ole/summary_information.h"
#include "kensa/ole/vba.h"
#include "kensa/ole/word_document.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);
  kensa::ole::OleLimits limits;
  limits.max_stream_size = 16u << 20;  // keep each run short
  kensa::ole::PptLimits ppt_limits;
  ppt_limits.max_storage_size = 1u << 20;  // keep each run short
  ppt_limits.max_total_storage_size = 4u << 20;
  kensa::ole::VbaLimits vba_limits;
  vba_limits.max_source_size = 1u << 20;
  const auto check_storages = [&](const kensa::ole::PptStorages& ppt) {
    std::uint64_t storage_bytes = 0;
    for (const auto& storage : ppt.storages) {
      storage_bytes += storage.data.size();
      if (storage.data.size() > ppt_limits.max_storage_size) __builtin_trap();
      if (auto inner = kensa::ole::CompoundFile::Open(storage.data, limits)) {
        if (!kensa::ole::ExtractVba(*inner, vba_limits)) __builtin_trap();
      }
    }
    if (storage_bytes > ppt_limits.max_total_storage_size) __builtin_trap();
  };
  {
    const std::uint32_t last_edit = size >= 36 ? static_cast<std::uint32_t>(size - 36) : 0;
    kensa::Bytes current_user(20, 0);
    for (std::size_t i = 0; i < 4; ++i)
      current_user[16 + i] = static_cast<std::uint8_t>(last_edit >> (8 * i));
    check_storages(kensa::ole::ReadPptStoragesFromStreams(bytes, current_user, ppt_limits));
  }
  auto cf = kensa::ole::CompoundFile::Open(bytes, limits);
  if (!cf) return 0;
  check_storages(kensa::ole::ReadPptStorages(*cf, ppt_limits));
  std::uint64_t total = 0;
  for (const auto& entry : cf->entries()) {
    if (entry.type != kensa::ole::EntryType::kStream) continue;
    auto stream = cf->ReadEntry(entry);
    if (stream) total += stream->size();
  }
  (void)kensa::ole::ReadDocumentMetadata(*cf);
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
  // A Word document's text through its piece table, and its field codes: bounded and UTF-8.
  kensa::ole::WordLimits word_limits;
  word_limits.max_text_bytes = 1u << 20;
  if (auto text = kensa::ole::ReadWordText(*cf, word_limits)) {
    if (text->size() > word_limits.max_text_bytes) __builtin_trap();
    for (const std::string& code : kensa::ole::WordFieldCodes(*text, word_limits)) {
      if (code.size() > word_limits.max_field_code_bytes) __builtin_trap();
      kensa::analysis::v1::Anomaly probe;
      probe.set_detail(code);
      std::string wire;
      kensa::analysis::v1::Anomaly back;
      if (!probe.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
    }
  }
  return static_cast<int>(total & 0);
}
