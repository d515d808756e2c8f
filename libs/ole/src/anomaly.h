#pragma once
// Small helpers shared by the OLE readers (private to libs/ole).
#include <string>
#include <vector>

#include "kensa/analysis/v1/signature.pb.h"

namespace kensa::ole::internal {

inline void AddAnomaly(std::vector<analysis::v1::Anomaly>* anomalies, const std::string& code,
                       const std::string& detail) {
  if (anomalies == nullptr) return;
  // One malformed file can trip the same check thousands of times; the first few tell the story.
  constexpr std::size_t kMaxAnomalies = 256;
  if (anomalies->size() >= kMaxAnomalies) return;
  analysis::v1::Anomaly& a = anomalies->emplace_back();
  a.set_code(code);
  a.set_detail(detail);
}

}  // namespace kensa::ole::internal
