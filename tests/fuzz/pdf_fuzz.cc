// libFuzzer target: kensa::pdf over arbitrary bytes — libqpdf opening, repairing and decrypting
// the file, the object walk, stream decoding under bounds, the raw keyword scan, the JavaScript
// and XFA scans. libqpdf is Debian's build, not instrumented: coverage guides through Kensa's
// code only, and qpdf's own faults show as crashes, not as sanitizer reports.
// Seeds: corkami's PDF tricks (../shared/corpora/corkami/pdf).
#include <cstddef>
#include <cstdint>
#include <string>

#include "kensa/analysis/v1/pdf.pb.h"
#include "kensa/pdf/pdf_analysis.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // qpdf parses about 1-10 MB/s of hostile input; larger inputs only slow the run down.
  constexpr std::size_t kMaxInput = 1u << 20;
  if (size > kMaxInput) return 0;
  kensa::pdf::PdfLimits limits;
  limits.max_stream_bytes = 1u << 20;
  limits.max_embedded_file_bytes = 1u << 20;
  limits.max_total_decoded_bytes = 4u << 20;
  limits.max_javascript_bytes = 1u << 20;
  limits.max_script_text_in_result = 4096;
  limits.max_nodes = 200000;
  limits.max_duration = std::chrono::milliseconds(3000);
  const auto pdf = kensa::pdf::AnalyzePdf(kensa::ByteSpan(data, size), limits);

  // Bounds hold.
  if (pdf.info.decoded_stream_bytes() > limits.max_total_decoded_bytes) __builtin_trap();
  if (pdf.embedded_file_data.size() != static_cast<std::size_t>(pdf.info.embedded_files_size())) __builtin_trap();
  for (const auto& file : pdf.embedded_file_data) {
    if (file.size() > limits.max_embedded_file_bytes) __builtin_trap();
  }
  std::uint64_t script_bytes = 0;
  for (const auto& script : pdf.info.scripts()) {
    if (script.text().size() > limits.max_script_text_in_result) __builtin_trap();
  }
  for (const auto& [source, text] : pdf.decoded_texts) {
    if (source.starts_with("pdf.javascript:")) script_bytes += text.size();
  }
  if (script_bytes > limits.max_javascript_bytes) __builtin_trap();
  if (static_cast<std::size_t>(pdf.info.scripts_size()) > limits.max_scripts) __builtin_trap();

  // Every string is valid UTF-8 for the protos downstream: round-trip the whole result.
  std::string wire;
  kensa::analysis::v1::PdfInfo back;
  if (!pdf.info.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  for (const auto& anomaly : pdf.anomalies) {
    kensa::analysis::v1::Anomaly probe;
    if (!anomaly.SerializeToString(&wire) || !probe.ParseFromString(wire)) __builtin_trap();
  }
  return 0;
}
