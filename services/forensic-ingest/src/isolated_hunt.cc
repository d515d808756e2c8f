#include "isolated_hunt.h"

#include <algorithm>
#include <csignal>

namespace kensa::forensic_ingest {

namespace {

bool Contains(ByteSpan data, const std::string& needle) {
  if (needle.empty()) return false;
  const auto* begin = reinterpret_cast<const std::uint8_t*>(needle.data());
  return std::search(data.begin(), data.end(), begin, begin + needle.size()) != data.end();
}

}  // namespace

pipeline::HuntFunction IsolatedHunt(const hunt::CollectionHunter& hunter,
                                    IsolatedHuntOptions options) {
  return [&hunter, options](
             ByteSpan archive,
             const sample::v1::Submission& collection) -> Result<forensics::v1::HuntReport> {
    // TODO(#5): sweep for the tenant's known indicators (the domains, IPs and hashes of its
    // earlier triage reports) once the store can list them without reading every report.
    auto payload = isolation::RunIsolated(
        [&]() -> Result<std::string> {
          if (Contains(archive, options.crash_marker)) std::raise(SIGSEGV);
          KENSA_ASSIGN_OR_RETURN(auto report,
                                 hunter.Hunt(archive, collection.sample().file_name()));
          return report.SerializeAsString();
        },
        options.limits);
    if (!payload) return payload.error();
    forensics::v1::HuntReport report;
    if (!report.ParseFromString(*payload))
      return InternalError("the hunt child returned an unreadable report");
    return report;
  };
}

}  // namespace kensa::forensic_ingest
