#pragma once
// The qpdf adapter: everything libqpdf tells about one document, in Kensa's own types. Only
// qpdf_reader.cc includes qpdf headers; qpdf's exceptions end there (a file qpdf cannot open
// sets `error`, a damaged object becomes a parser warning). C++17 only (no std::span here):
// clang 14 cannot compile qpdf 11's JSON.hh as C++20 with libstdc++ 12.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/analysis/v1/pdf.pb.h"
#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/pdf/pdf_limits.h"

namespace kensa::pdf::internal {

struct QpdfFacts {
  // Structure facts: version, pages, objects, encryption, document info, scripts (bounded
  // text), actions, embedded files (without sha256), filters, warnings, limits reached.
  analysis::v1::PdfInfo info;
  // The full text of each script in info.scripts (same order), within max_javascript_bytes.
  std::vector<std::string> script_texts;
  // Bytes of each entry of info.embedded_files.
  std::vector<std::string> embedded_file_data;
  // Limits reached and objects qpdf could not read.
  std::vector<analysis::v1::Anomaly> anomalies;
  // How often the names the caller put here (with count 0) occur in the parsed objects, as
  // dictionary keys or name values of every object visited.
  std::map<std::string, std::uint32_t> parsed_names;
  bool opened = false;
  // qpdf refused the empty password: the document needs a user password.
  bool password_required = false;
  std::string error;
};

void ReadWithQpdf(std::string_view data, const PdfLimits& limits, QpdfFacts* facts);

}  // namespace kensa::pdf::internal
