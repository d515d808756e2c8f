#pragma once
// The hunt of one host collection, and its sweep for the tenant's known-bad indicators, each in
// a forked child process (libs/isolation), as
// static-analysis does for samples: a parser that crashes, hangs or exhausts memory on a
// hostile collection fails that collection with the reason, and the worker goes on serving.
// The child hands back a serialized kensa.forensics.v1.HuntReport.

#include <string>

#include "kensa/hunt/collection_hunter.h"
#include "kensa/isolation/isolated_call.h"
#include "kensa/pipeline/stages.h"

namespace kensa::forensic_ingest {

struct IsolatedHuntOptions {
  isolation::IsolationLimits limits;
  // Fault injection for the pipeline's own tests (docs/pipeline.md): when non-empty, an archive
  // containing these bytes crashes the hunt child with SIGSEGV, as a parser bug would. Set
  // only from the KENSA_FAULT_CRASH_MARKER environment variable.
  std::string crash_marker;
};

// `hunter` must outlive the returned function.
pipeline::HuntFunction IsolatedHunt(const hunt::CollectionHunter& hunter,
                                    IsolatedHuntOptions options);

// The sweep for a tenant's known-bad indicators (CollectionHunter::Sweep), in a forked child
// too: it opens the same hostile archive again.
pipeline::SweepFunction IsolatedSweep(const hunt::CollectionHunter& hunter,
                                      IsolatedHuntOptions options);

}  // namespace kensa::forensic_ingest
