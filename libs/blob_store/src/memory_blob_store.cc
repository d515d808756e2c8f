#include "kensa/blob_store/blob_store.h"
#include "kensa/hashing/hashes.h"

namespace kensa::blob_store {

Result<std::string> MemoryBlobStore::Put(ByteSpan data) {
  std::string sha256 = hashing::Sha256Hex(data);
  std::lock_guard lock(mutex_);
  blobs_.try_emplace(sha256, data.begin(), data.end());
  return sha256;
}

Result<Bytes> MemoryBlobStore::Get(const std::string& sha256, std::uint64_t max_size) {
  std::lock_guard lock(mutex_);
  auto it = blobs_.find(sha256);
  if (it == blobs_.end()) return NotFoundError("no blob " + sha256);
  if (it->second.size() > max_size) {
    return ResourceExhaustedError("blob " + sha256 + " is over the limit of " + std::to_string(max_size) + " bytes");
  }
  return it->second;
}

Result<bool> MemoryBlobStore::Contains(const std::string& sha256) {
  std::lock_guard lock(mutex_);
  return blobs_.count(sha256) > 0;
}

}  // namespace kensa::blob_store
