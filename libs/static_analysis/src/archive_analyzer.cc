#include "archive_analyzer.h"

#include <algorithm>
#include <array>

#include "kensa/hashing/hashes.h"

namespace kensa::static_analysis {
namespace {

bool IsCompressionFormat(std::string_view format) {
  constexpr std::array<std::string_view, 6> kCompressions = {"gzip", "bzip2", "xz",
                                                             "lzma", "zstd",  "compress"};
  return std::find(kCompressions.begin(), kCompressions.end(), format) != kCompressions.end();
}

// bzip2, xz and headerless gzip streams keep no name (libarchive says "data"): the sample's own
// name without its compression suffix ("report.pdf.xz" -> "report.pdf") says more.
std::string SingleStreamName(const std::string& member_name, const std::string& file_name) {
  if (member_name != "data" || file_name.empty()) return member_name;
  const auto slash = file_name.find_last_of("/\\");
  std::string base = slash == std::string::npos ? file_name : file_name.substr(slash + 1);
  const auto dot = base.rfind('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base.empty() ? member_name : base;
}

}  // namespace

bool IsExtractableArchive(std::string_view format) {
  constexpr std::array<std::string_view, 9> kArchives = {"zip", "7z",  "rar", "gzip", "bzip2",
                                                         "xz",  "tar", "iso", "cab"};
  return std::find(kArchives.begin(), kArchives.end(), format) != kArchives.end();
}

void AnalyzeArchive(ByteSpan data, const std::string& file_name,
                    const std::vector<std::string>& passwords, const archive::ArchiveLimits& limits,
                    analysis::v1::StaticResult* result, std::vector<ExtractedChild>* children) {
  auto listing = archive::ReadArchive(data, passwords, limits);
  if (!listing) {
    result->add_errors("archive: " + listing.error().message());
    return;
  }
  for (const auto& finding : listing->findings) {
    auto* anomaly = result->add_anomalies();
    anomaly->set_code(finding.code);
    anomaly->set_detail(finding.detail);
  }
  const bool single_stream = IsCompressionFormat(listing->format);
  const std::string origin = listing->format + " member";
  for (auto& member : listing->members) {
    if (!member.extracted) continue;
    analysis::v1::ExtractedFile info;
    info.set_name(single_stream ? SingleStreamName(member.name, file_name) : member.name);
    info.set_sha256(hashing::Sha256Hex(member.data));
    info.set_size(member.data.size());
    info.set_origin(origin);
    info.set_password_used(member.password_used);
    *result->add_extracted_files() = info;
    if (children != nullptr) children->push_back({std::move(info), std::move(member.data)});
  }
}

}  // namespace kensa::static_analysis
