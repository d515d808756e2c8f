#pragma once
// Document metadata from the "\x05SummaryInformation" and "\x05DocumentSummaryInformation"
// property set streams of a compound file ([MS-OLEPS] 2.21, 2.3; the property IDs of
// [MS-OLEPS] 3.2 / PIDSI_* and PIDDSI_*). Strings are converted to UTF-8 from the property
// set's own code page (932 = Shift_JIS included).
//
//   kensa::ole::DocumentMetadata meta = kensa::ole::ReadDocumentMetadata(cf, &anomalies);
//   Use(meta.author, meta.last_saved_by, meta.created);

#include <cstdint>
#include <string>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/ole/compound_file.h"

namespace kensa::ole {

struct DocumentMetadata {
  bool has_summary_information = false;
  bool has_document_summary_information = false;
  std::uint32_t code_page = 0;  // of SummaryInformation (PIDSI_CODEPAGE); 0 when absent
  std::string title;
  std::string subject;
  std::string author;
  std::string keywords;
  std::string comments;
  std::string template_name;
  std::string last_saved_by;
  std::string revision_number;
  std::string application_name;
  std::uint64_t created = 0;     // FILETIME; 0 when absent
  std::uint64_t last_saved = 0;  // FILETIME
  std::uint64_t last_printed = 0;
  std::string category;  // DocumentSummaryInformation
  std::string manager;
  std::string company;
};

// Reads both property sets when present. Missing streams leave the fields empty; malformed
// ones add anomalies ("ole_property_set_malformed") and yield what could be read.
DocumentMetadata ReadDocumentMetadata(const CompoundFile& file,
                                      std::vector<analysis::v1::Anomaly>* anomalies = nullptr);

}  // namespace kensa::ole
