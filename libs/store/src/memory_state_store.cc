#include <algorithm>

#include "kensa/store/state_store.h"

namespace kensa::store {

namespace {

template <typename Map>
std::optional<std::string> Find(const Map& map, const std::string& key) {
  auto it = map.find(key);
  if (it == map.end()) return std::nullopt;
  return it->second;
}

std::string ResultKey(const std::string& sha256, const std::string& stage, const std::string& config) {
  return sha256 + ":" + stage + ":" + config;
}

}  // namespace

Status MemoryStateStore::PutSubmission(const std::string& id, const std::string& submission) {
  std::lock_guard lock(mutex_);
  submissions_[id] = submission;
  return Status::Ok();
}

Result<std::optional<std::string>> MemoryStateStore::GetSubmission(const std::string& id) {
  std::lock_guard lock(mutex_);
  return Find(submissions_, id);
}

Status MemoryStateStore::IndexRootSubmission(const std::string& tenant, const std::string& id,
                                             const std::string& sha256, std::uint64_t sequence) {
  std::lock_guard lock(mutex_);
  tenant_roots_[tenant].emplace(sequence, id);
  tenant_samples_[tenant + ":" + sha256].emplace(sequence, id);
  return Status::Ok();
}

Result<SubmissionPage> MemoryStateStore::ListRootSubmissions(const std::string& tenant,
                                                             std::uint64_t offset, std::uint64_t limit) {
  std::lock_guard lock(mutex_);
  SubmissionPage page;
  auto it = tenant_roots_.find(tenant);
  if (it == tenant_roots_.end()) return page;
  page.total = it->second.size();
  std::uint64_t index = 0;
  for (auto entry = it->second.rbegin(); entry != it->second.rend() && page.ids.size() < limit; ++entry, ++index) {
    if (index >= offset) page.ids.push_back(entry->second);
  }
  return page;
}

Result<std::vector<std::string>> MemoryStateStore::SubmissionsOfSample(const std::string& tenant,
                                                                       const std::string& sha256) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> ids;
  auto it = tenant_samples_.find(tenant + ":" + sha256);
  if (it == tenant_samples_.end()) return ids;
  for (auto entry = it->second.rbegin(); entry != it->second.rend(); ++entry) ids.push_back(entry->second);
  return ids;
}

Status MemoryStateStore::PutSample(const std::string& sha256, const std::string& sample) {
  std::lock_guard lock(mutex_);
  samples_[sha256] = sample;
  return Status::Ok();
}

Result<std::optional<std::string>> MemoryStateStore::GetSample(const std::string& sha256) {
  std::lock_guard lock(mutex_);
  return Find(samples_, sha256);
}

Status MemoryStateStore::PutResult(const std::string& sha256, const std::string& stage,
                                   const std::string& config_version, const std::string& result) {
  std::lock_guard lock(mutex_);
  results_[ResultKey(sha256, stage, config_version)] = result;
  return Status::Ok();
}

Result<std::optional<std::string>> MemoryStateStore::GetResult(const std::string& sha256,
                                                               const std::string& stage,
                                                               const std::string& config_version) {
  std::lock_guard lock(mutex_);
  return Find(results_, ResultKey(sha256, stage, config_version));
}

Status MemoryStateStore::AddTreeNode(const std::string& root_id, const std::string& node_id) {
  std::lock_guard lock(mutex_);
  trees_[root_id].nodes.insert(node_id);
  return Status::Ok();
}

Result<TreeProgress> MemoryStateStore::MarkTreeNodeDone(const std::string& root_id,
                                                        const std::string& node_id) {
  std::lock_guard lock(mutex_);
  Tree& tree = trees_[root_id];
  tree.done.insert(node_id);
  return TreeProgress{tree.nodes.size(), tree.done.size()};
}

Result<TreeProgress> MemoryStateStore::GetTreeProgress(const std::string& root_id) {
  std::lock_guard lock(mutex_);
  auto it = trees_.find(root_id);
  if (it == trees_.end()) return TreeProgress{};
  return TreeProgress{it->second.nodes.size(), it->second.done.size()};
}

Result<std::vector<std::string>> MemoryStateStore::GetTreeNodes(const std::string& root_id) {
  std::lock_guard lock(mutex_);
  auto it = trees_.find(root_id);
  if (it == trees_.end()) return std::vector<std::string>{};
  return std::vector<std::string>(it->second.nodes.begin(), it->second.nodes.end());
}

Status MemoryStateStore::PutReport(const std::string& root_id, const std::string& report) {
  std::lock_guard lock(mutex_);
  reports_[root_id] = report;
  return Status::Ok();
}

Result<std::optional<std::string>> MemoryStateStore::GetReport(const std::string& root_id) {
  std::lock_guard lock(mutex_);
  return Find(reports_, root_id);
}

Status MemoryStateStore::PutFinished(const std::string& sha256, const std::string& config_version,
                                     const std::string& root_id) {
  std::lock_guard lock(mutex_);
  finished_[sha256 + ":" + config_version] = root_id;
  return Status::Ok();
}

Result<std::optional<std::string>> MemoryStateStore::GetFinished(const std::string& sha256,
                                                                 const std::string& config_version) {
  std::lock_guard lock(mutex_);
  return Find(finished_, sha256 + ":" + config_version);
}

Status MemoryStateStore::AddTenantIndicators(const std::string& tenant,
                                             const std::map<std::string, std::string>& indicators) {
  std::lock_guard lock(mutex_);
  auto& known = tenant_indicators_[tenant];
  for (const auto& [value, origin] : indicators) known[value] = origin;
  return Status::Ok();
}

Result<std::map<std::string, std::string>> MemoryStateStore::GetTenantIndicators(const std::string& tenant) {
  std::lock_guard lock(mutex_);
  auto it = tenant_indicators_.find(tenant);
  return it == tenant_indicators_.end() ? std::map<std::string, std::string>{} : it->second;
}

}  // namespace kensa::store
