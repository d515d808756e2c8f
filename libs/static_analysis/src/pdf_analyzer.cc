#include "pdf_analyzer.h"

#include "kensa/pdf/pdf_analysis.h"

namespace kensa::static_analysis {

void AnalyzePdfDocument(ByteSpan data, analysis::v1::StaticResult* result, std::vector<ExtractedChild>* children,
                        std::vector<std::pair<std::string, std::string>>* decoded_texts) {
  auto pdf = pdf::AnalyzePdf(data);
  if (!pdf.error.empty()) result->add_errors("pdf: qpdf: " + pdf.error);
  for (auto& anomaly : pdf.anomalies) *result->add_anomalies() = std::move(anomaly);
  for (auto& text : pdf.decoded_texts) decoded_texts->push_back(std::move(text));
  for (int i = 0; i < pdf.info.embedded_files_size() && static_cast<std::size_t>(i) < pdf.embedded_file_data.size();
       ++i) {
    const auto& file = pdf.info.embedded_files(i);
    analysis::v1::ExtractedFile info;
    info.set_name(file.name());
    info.set_sha256(file.sha256());
    info.set_size(file.size());
    info.set_origin("pdf embedded file");
    *result->add_extracted_files() = info;
    if (children != nullptr) {
      children->push_back({std::move(info), std::move(pdf.embedded_file_data[static_cast<std::size_t>(i)])});
    }
  }
  *result->mutable_pdf() = std::move(pdf.info);
}

}  // namespace kensa::static_analysis
