#pragma once
// Where the pipeline keeps its state: submissions, per-stage results, submission trees,
// reports, tenant indexes and the dedup index. This header is the interface; MemoryStateStore
// is the in-process implementation `kensa triage` uses and libs/store_redis the Redis one the
// services share. Key layout and idempotency rules: docs/pipeline.md.
//
// Values are serialized protobuf messages (bytes); the store does not interpret them.
// Every write is idempotent: repeating it after a crash leaves the same state.

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kensa/core/status.h"

namespace kensa::store {

// How far a submission tree (a sample and every file extracted from it) has come.
struct TreeProgress {
  std::uint64_t nodes = 0;
  std::uint64_t done = 0;
  bool complete() const { return nodes > 0 && done >= nodes; }
};

struct SubmissionPage {
  std::vector<std::string> ids;  // newest first
  std::uint64_t total = 0;
};

class StateStore {
 public:
  virtual ~StateStore() = default;

  // --- Submissions (serialized kensa.sample.v1.Submission), by id.
  virtual Status PutSubmission(const std::string& id, const std::string& submission) = 0;
  virtual Result<std::optional<std::string>> GetSubmission(const std::string& id) = 0;

  // --- Tenant indexes. Only root submissions are listed; `sequence` orders the list
  // (milliseconds since the epoch at submission). Adding the same id twice is harmless.
  virtual Status IndexRootSubmission(const std::string& tenant, const std::string& id,
                                     const std::string& sha256, std::uint64_t sequence) = 0;
  // Newest first; `offset`/`limit` page through the list.
  virtual Result<SubmissionPage> ListRootSubmissions(const std::string& tenant,
                                                     std::uint64_t offset, std::uint64_t limit) = 0;
  // The tenant's root submissions of this content, newest first.
  virtual Result<std::vector<std::string>> SubmissionsOfSample(const std::string& tenant,
                                                               const std::string& sha256) = 0;

  // --- Samples (serialized kensa.sample.v1.Sample), by sha256, shared by all tenants:
  // visibility goes through the tenant indexes above.
  virtual Status PutSample(const std::string& sha256, const std::string& sample) = 0;
  virtual Result<std::optional<std::string>> GetSample(const std::string& sha256) = 0;

  // --- Stage results, keyed by content, stage and configuration version, so that the same
  // file analyzed twice under the same rules is analyzed once.
  virtual Status PutResult(const std::string& sha256, const std::string& stage,
                           const std::string& config_version, const std::string& result) = 0;
  virtual Result<std::optional<std::string>> GetResult(const std::string& sha256,
                                                       const std::string& stage,
                                                       const std::string& config_version) = 0;

  // --- Submission trees, by root id. AddTreeNode is idempotent (a node counts once);
  // MarkTreeNodeDone atomically records the node as finished and returns the progress after
  // it, so exactly the caller that finishes the last node sees complete() first.
  virtual Status AddTreeNode(const std::string& root_id, const std::string& node_id) = 0;
  virtual Result<TreeProgress> MarkTreeNodeDone(const std::string& root_id,
                                                const std::string& node_id) = 0;
  virtual Result<TreeProgress> GetTreeProgress(const std::string& root_id) = 0;
  // Every node id of the tree (the root included), in no particular order.
  virtual Result<std::vector<std::string>> GetTreeNodes(const std::string& root_id) = 0;

  // --- Reports (serialized kensa.report.v1.Report), by root submission id.
  virtual Status PutReport(const std::string& root_id, const std::string& report) = 0;
  virtual Result<std::optional<std::string>> GetReport(const std::string& root_id) = 0;

  // --- Dedup: the root submission whose finished report covers this content under this
  // configuration version.
  virtual Status PutFinished(const std::string& sha256, const std::string& config_version,
                             const std::string& root_id) = 0;
  virtual Result<std::optional<std::string>> GetFinished(const std::string& sha256,
                                                         const std::string& config_version) = 0;

  // --- Known-bad indicators of a tenant: value (a hash, an IPv4 address or a domain) -> where
  // it is known from (the triage report that named it). The pipeline adds the indicators of the
  // tenant's malicious reports and sweeps the tenant's host collections for them. Adding a value
  // again replaces its origin.
  virtual Status AddTenantIndicators(const std::string& tenant,
                                     const std::map<std::string, std::string>& indicators) = 0;
  virtual Result<std::map<std::string, std::string>> GetTenantIndicators(const std::string& tenant) = 0;

  // Cheap round trip; readiness checks call it.
  virtual Status Ping() = 0;
};

// In-process store: maps in memory. Thread-safe.
class MemoryStateStore final : public StateStore {
 public:
  Status PutSubmission(const std::string& id, const std::string& submission) override;
  Result<std::optional<std::string>> GetSubmission(const std::string& id) override;
  Status IndexRootSubmission(const std::string& tenant, const std::string& id,
                             const std::string& sha256, std::uint64_t sequence) override;
  Result<SubmissionPage> ListRootSubmissions(const std::string& tenant, std::uint64_t offset,
                                             std::uint64_t limit) override;
  Result<std::vector<std::string>> SubmissionsOfSample(const std::string& tenant,
                                                       const std::string& sha256) override;
  Status PutSample(const std::string& sha256, const std::string& sample) override;
  Result<std::optional<std::string>> GetSample(const std::string& sha256) override;
  Status PutResult(const std::string& sha256, const std::string& stage,
                   const std::string& config_version, const std::string& result) override;
  Result<std::optional<std::string>> GetResult(const std::string& sha256, const std::string& stage,
                                               const std::string& config_version) override;
  Status AddTreeNode(const std::string& root_id, const std::string& node_id) override;
  Result<TreeProgress> MarkTreeNodeDone(const std::string& root_id, const std::string& node_id) override;
  Result<TreeProgress> GetTreeProgress(const std::string& root_id) override;
  Result<std::vector<std::string>> GetTreeNodes(const std::string& root_id) override;
  Status PutReport(const std::string& root_id, const std::string& report) override;
  Result<std::optional<std::string>> GetReport(const std::string& root_id) override;
  Status PutFinished(const std::string& sha256, const std::string& config_version,
                     const std::string& root_id) override;
  Result<std::optional<std::string>> GetFinished(const std::string& sha256,
                                                 const std::string& config_version) override;
  Status AddTenantIndicators(const std::string& tenant,
                             const std::map<std::string, std::string>& indicators) override;
  Result<std::map<std::string, std::string>> GetTenantIndicators(const std::string& tenant) override;
  Status Ping() override { return Status::Ok(); }

 private:
  struct Tree {
    std::set<std::string> nodes;
    std::set<std::string> done;
  };
  std::mutex mutex_;
  std::map<std::string, std::string> submissions_;
  // tenant -> (sequence, id) newest last; tenant+sha256 -> ids
  std::map<std::string, std::set<std::pair<std::uint64_t, std::string>>> tenant_roots_;
  std::map<std::string, std::set<std::pair<std::uint64_t, std::string>>> tenant_samples_;
  std::map<std::string, std::string> samples_;
  std::map<std::string, std::string> results_;
  std::map<std::string, Tree> trees_;
  std::map<std::string, std::string> reports_;
  std::map<std::string, std::string> finished_;
  std::map<std::string, std::map<std::string, std::string>> tenant_indicators_;
};

}  // namespace kensa::store
