#include "isolated_hunt.h"

namespace kensa::forensic_ingest {

pipeline::HuntFunction IsolatedHunt(const hunt::CollectionHunter& hunter,
                                    IsolatedHuntOptions options) {
  return [&hunter, options](
             ByteSpan archive,
             const sample::v1::Submission& collection) -> Result<forensics::v1::HuntReport> {
    // TODO(#5): sweep for the tenant's known indicators (the domains, IPs and hashes of its
    // earlier triage reports) once the store can list them without reading every report.
    auto payload = isolation::RunIsolated(
        [&]() -> Result<std::string> {
          isolation::CrashIfMarked(archive, options.crash_marker);
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
