#pragma once
// The one place that decides how a submission moves through Kensa: which stage runs next, how
// files found inside a sample join its submission tree as children, and when the tree is
// complete so the report can be written. Both drivers use it: the in-process one behind
// `kensa triage` (TriageEngine, memory bus and stores) and the services (NATS JetStream bus,
// Redis store, shared blob folder). See docs/pipeline.md.
//
// Stage order today: static -> sandbox (Windows programs, when the pipeline has the stage) ->
// (every node of the tree done) -> report on the root.
// Every step is idempotent so that a redelivered task repeats work without duplicating it:
// ids of children are derived from their parent, tasks are published with dedup ids, tree
// progress counts each node once.

#include <cstdint>
#include <string>
#include <vector>

#include "kensa/analysis/v1/static_result.pb.h"
#include "kensa/blob_store/blob_store.h"
#include "kensa/bus/bus.h"
#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/pipeline/v1/task.pb.h"
#include "kensa/sample/v1/sample.pb.h"
#include "kensa/store/state_store.h"

namespace kensa::pipeline {

inline constexpr const char* kStaticStage = "static";
// Dynamic analysis of the files the static stage says can run (libs/sandbox).
inline constexpr const char* kSandboxStage = "sandbox";
inline constexpr const char* kReportStage = "report";
// Host collections (docs/collection-format.md) have one stage: the compromise hunt.
inline constexpr const char* kForensicStage = "forensic";

struct PipelineLimits {
  // Archives in archives in documents: deeper than this is an evasion, not content.
  std::uint32_t max_depth = 5;
  // Children admitted from one file; the rest are listed in its result but not analyzed.
  std::uint32_t max_children_per_node = 256;
  // Nodes in one tree, so that one mail attachment cannot occupy the cluster.
  std::uint32_t max_tree_nodes = 1024;
  // Largest sample accepted and read back from the blob store.
  std::uint64_t max_sample_bytes = 256ull << 20;
  // Largest host collection accepted and read back: event logs and hives make them large.
  std::uint64_t max_collection_bytes = 1ull << 30;
};

// What a submitter says about a new sample.
struct RootRequest {
  // Empty: a new id is made. A caller that retries an admission after an error passes the id
  // of its first attempt, so that the retry completes that submission instead of adding one.
  std::string submission_id;
  std::string tenant;
  std::string file_name;
  sample::v1::Priority priority = sample::v1::PRIORITY_P3;
  bool reanalyze = false;
  std::vector<std::string> passwords;
};

// What a submitter says about a new host collection.
struct CollectionRequest {
  // As RootRequest::submission_id: empty makes a new id; a retry passes its first attempt's.
  std::string submission_id;
  std::string tenant;
  std::string file_name;
  sample::v1::Priority priority = sample::v1::PRIORITY_P3;
  // Passwords of an encrypted (Velociraptor Password-scheme) collection, given with the upload.
  std::vector<std::string> passwords;
};

struct Admission {
  sample::v1::Submission submission;
  // Stored results of the same content were reused; no work was queued.
  bool deduplicated = false;
};

class Orchestrator {
 public:
  Orchestrator(store::StateStore& store, blob_store::BlobStore& blobs, bus::Bus& bus,
               std::string config_version, PipelineLimits limits = {});

  // Stores the sample, records a root submission for the tenant and queues its first stage —
  // or, when a finished report of the same content under the same configuration exists and
  // reanalysis was not asked for, records the submission as done with a copy of that report.
  Result<Admission> AdmitRoot(const RootRequest& request, ByteSpan data);

  // Stores a host collection's archive, records it as a submission of kind COLLECTION (a tree
  // of one node, so that failing it works as for samples) and queues the forensic stage. Not
  // deduplicated: the same archive hunted again later may meet newer rules or indicators.
  // Collections are not listed in the tenant's sample index.
  Result<sample::v1::Submission> AdmitCollection(const CollectionRequest& request, ByteSpan data);

  // Adds a file found inside `parent` to the tree and queues its first stage. `index` is the
  // child's position in the parent's result; with the parent id it makes the child id, so a
  // repeated call admits the same child once. Returns false when a limit kept it out.
  Result<bool> AdmitChild(const sample::v1::Submission& parent, const analysis::v1::ExtractedFile& file,
                          std::size_t index, ByteSpan data);

  // Records that `node` finished its last stage; when it was the last node of its tree, queues
  // the report of the root.
  Status CompleteNode(const sample::v1::Submission& node);

  // Marks the submission failed with `reason`, publishes the event and, for a child, lets the
  // tree finish without it (the report lists the child as failed).
  Status FailNode(sample::v1::Submission node, const std::string& reason);

  // Moves a submission to `state`, stores it and publishes kensa.event.submission.<state>
  // (kensa.event.collection.<state> for collections); `level` goes into the event.
  Status SetState(sample::v1::Submission& submission, sample::v1::SubmissionState state,
                  const std::string& level = "");

  Result<std::optional<sample::v1::Submission>> LoadSubmission(const std::string& id);
  Status StoreSubmission(const sample::v1::Submission& submission);
  Status QueueStage(const sample::v1::Submission& submission, const std::string& stage, bool reanalyze);
  // Publishes `event` as one line of JSON (protobuf's JSON mapping).
  Status PublishEvent(const std::string& subject, const pipeline::v1::SubmissionEvent& event,
                      const std::string& dedup_id);

  const std::string& config_version() const { return config_version_; }
  const PipelineLimits& limits() const { return limits_; }
  store::StateStore& store() { return store_; }
  blob_store::BlobStore& blobs() { return blobs_; }
  bus::Bus& bus() { return bus_; }

 private:
  store::StateStore& store_;
  blob_store::BlobStore& blobs_;
  bus::Bus& bus_;
  std::string config_version_;
  PipelineLimits limits_;
};

// "queued", "running", "done", "failed": the word used in event subjects and the REST API.
std::string StateName(sample::v1::SubmissionState state);
// A new random submission id (32 lower-case hex digits).
std::string NewSubmissionId();
// True for submissions of kind COLLECTION; UNSPECIFIED (records older than kinds) is a sample.
bool IsCollection(const sample::v1::Submission& submission);

}  // namespace kensa::pipeline
