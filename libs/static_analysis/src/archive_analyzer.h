#pragma once
// Archives in the static stage: kensa::archive's listing turned into StaticResult facts
// (extracted_files, anomalies with the archive finding codes) and child samples.

#include <string>
#include <string_view>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/archive/archive_reader.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {

// Identify codes (docs/file-types.md) whose members are extracted here. OOXML, ODF, JAR and APK
// are zips too, but their parts are a document's structure, analyzed by their own analyzers.
bool IsExtractableArchive(std::string_view format);

// Reads the archive, adds its findings to result->anomalies and one ExtractedFile per
// extracted member, and appends the members' bytes to `children` (when not nullptr). A file
// libarchive cannot read adds an entry to result->errors.
void AnalyzeArchive(ByteSpan data, const std::string& file_name,
                    const std::vector<std::string>& passwords, const archive::ArchiveLimits& limits,
                    analysis::v1::StaticResult* result, std::vector<ExtractedChild>* children);

}  // namespace kensa::static_analysis
