#pragma once
// The bounds of one PDF analysis (pdf_analysis.h). A header of its own, free of C++20 library
// types, because the qpdf adapter is compiled as C++17 (see libs/pdf/CMakeLists.txt).

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace kensa::pdf {

struct PdfLimits {
  // qpdf keeps the file and every object it resolves in memory; larger files get the raw
  // scan only.
  std::uint64_t max_input_bytes = 256ull << 20;
  // Cross-reference entries looked at; real documents have thousands, generated reports
  // tens of thousands.
  std::size_t max_objects = 500000;
  // Dictionaries, arrays and streams visited in the walk (direct objects included).
  std::size_t max_nodes = 2000000;
  // Nesting of direct objects followed (qpdf itself refuses deeper than 500 when parsing).
  std::size_t max_depth = 100;
  // /Next links followed from one action: real chains are a handful long.
  std::size_t max_action_chain = 32;
  // Decoded bytes kept per script or XFA stream; a 1 KiB Flate stream may expand to 1 MiB.
  std::uint64_t max_stream_bytes = 16ull << 20;
  // Decoded bytes kept per embedded file (it becomes a child sample).
  std::uint64_t max_embedded_file_bytes = 64ull << 20;
  // All decoded stream bytes together.
  std::uint64_t max_total_decoded_bytes = 256ull << 20;
  // Script text kept for scanning and indicators, all scripts together.
  std::uint64_t max_javascript_bytes = 16ull << 20;
  // Script text copied into the result per script (the report shows an excerpt).
  std::size_t max_script_text_in_result = 64u << 10;
  std::size_t max_scripts = 2000;
  std::size_t max_actions = 2000;
  std::size_t max_embedded_files = 500;
  // Parser warnings copied into the result.
  std::size_t max_warnings_in_result = 20;
  // Wall-clock budget of the walk; qpdf's own opening of the file is not interruptible.
  std::chrono::milliseconds max_duration{20000};
};

}  // namespace kensa::pdf
