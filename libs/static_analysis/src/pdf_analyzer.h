#pragma once
// PDF documents in the static stage: kensa::pdf's analysis turned into StaticResult facts
// (result.pdf, anomalies with the pdf_* codes of rules/signatures/pdf.yaml, extracted_files)
// and child samples: each embedded file goes back through the pipeline as a sample of its own.

#include <string>
#include <utility>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/core/bytes.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

// Fills result->pdf, adds the findings to result->anomalies and one ExtractedFile (origin
// "pdf embedded file") per embedded file, appends their bytes to `children` (when not nullptr),
// and appends the scripts and action targets to `decoded_texts` for indicator extraction. A file
// qpdf cannot open adds an entry to result->errors; the raw keyword scan is still in result->pdf.
void AnalyzePdfDocument(ByteSpan data, analysis::v1::StaticResult* result, std::vector<ExtractedChild>* children,
                        std::vector<std::pair<std::string, std::string>>* decoded_texts);

}  // namespace kensa::static_analysis
