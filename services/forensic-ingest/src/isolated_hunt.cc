#include "isolated_hunt.h"

namespace kensa::forensic_ingest {

namespace {

// Runs `work` (which returns a HuntReport) in a forked child and parses what it hands back.
template <typename Work>
Result<forensics::v1::HuntReport> RunInChild(ByteSpan archive, const IsolatedHuntOptions& options, Work work) {
  auto payload = isolation::RunIsolated(
      [&]() -> Result<std::string> {
        isolation::CrashIfMarked(archive, options.crash_marker);
        KENSA_ASSIGN_OR_RETURN(auto report, work());
        return report.SerializeAsString();
      },
      options.limits);
  if (!payload) return payload.error();
  forensics::v1::HuntReport report;
  if (!report.ParseFromString(*payload)) return InternalError("the hunt child returned an unreadable report");
  return report;
}

}  // namespace

pipeline::HuntFunction IsolatedHunt(const hunt::CollectionHunter& hunter, IsolatedHuntOptions options) {
  return [&hunter, options](ByteSpan archive,
                            const sample::v1::Submission& collection) -> Result<forensics::v1::HuntReport> {
    const std::vector<std::string> passwords(collection.passwords().begin(), collection.passwords().end());
    return RunInChild(archive, options,
                      [&] { return hunter.Hunt(archive, collection.sample().file_name(), passwords); });
  };
}

pipeline::SweepFunction IsolatedSweep(const hunt::CollectionHunter& hunter, IsolatedHuntOptions options) {
  return [&hunter, options](ByteSpan archive, const sample::v1::Submission& collection,
                            forensics::v1::HuntReport base,
                            const indicators::IocList& iocs) -> Result<forensics::v1::HuntReport> {
    const std::vector<std::string> passwords(collection.passwords().begin(), collection.passwords().end());
    return RunInChild(archive, options, [&] {
      return hunter.Sweep(archive, collection.sample().file_name(), passwords, base, iocs);
    });
  };
}

}  // namespace kensa::forensic_ingest
