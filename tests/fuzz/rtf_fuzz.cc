// libFuzzer target: the RTF reader and the static stage's RTF analyzer (OLE1 headers, Packager
// data, compound files of objects, \1Ole monikers, Equation Native) over arbitrary bytes; and,
// so that mutations reach them without hex-encoding a compound file, the OLE1, Packager,
// OLEStream and Equation Native parsers over the same bytes directly.
// Seeds: oletools' rtfobj test documents (../shared/corpora/oletools-tests/tests/test-data/rtfobj)
// and the RTFs of corkami/mini.
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../../libs/static_analysis/src/rtf_analyzer.h"
#include "kensa/rtf/equation_native.h"
#include "kensa/rtf/ole_native.h"
#include "kensa/rtf/rtf_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);

  kensa::rtf::RtfLimits limits;
  limits.max_objects = 64;
  const kensa::rtf::RtfDocument doc = kensa::rtf::ParseRtf(bytes, limits);
  if (doc.objects.size() > limits.max_objects) __builtin_trap();
  std::uint64_t decoded = 0;
  for (const auto& object : doc.objects) {
    if (object.offset > size || object.end_offset > size) __builtin_trap();
    decoded += object.data.size();
  }
  // Object data comes from hex digits (two per byte) or \bin bytes (one per byte): never
  // more bytes than the input has.
  if (decoded > size) __builtin_trap();

  // The whole static-stage path; every string in the result must be valid UTF-8 for protobuf.
  kensa::analysis::v1::StaticResult result;
  std::vector<kensa::static_analysis::ExtractedChild> children;
  std::vector<std::pair<std::string, std::string>> texts;
  kensa::static_analysis::AnalyzeRtf(bytes, &result, &children, &texts);
  std::string wire;
  kensa::analysis::v1::StaticResult back;
  if (!result.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  if (children.size() != static_cast<std::size_t>(result.extracted_files_size())) __builtin_trap();

  (void)kensa::rtf::ParseOle1Object(bytes);
  if (auto package = kensa::rtf::ParseOlePackage(bytes)) {
    if (package->data.size() > size) __builtin_trap();
  }
  (void)kensa::rtf::ParseOleStream(bytes);
  const auto equation = kensa::rtf::AnalyzeEquationNative(bytes);
  for (const auto& font : equation.fonts) {
    if (font.offset >= size || font.name.size() > size) __builtin_trap();
  }
  return 0;
}
