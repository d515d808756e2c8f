#include "memory_manager.h"

#include <algorithm>
#include <utility>

namespace kensa::emulator::internal {

bool MemoryManager::IsFree(std::uint64_t base, std::uint64_t size) const {
  auto it = regions_.upper_bound(base);
  if (it != regions_.end() && it->first < base + size) return false;
  if (it != regions_.begin()) {
    --it;
    if (it->first + it->second.size > base) return false;
  }
  return true;
}

Status MemoryManager::MapAt(std::uint64_t base, std::uint64_t size, std::uint32_t prot,
                            std::string tag, bool dynamic, std::uint64_t cpu_granule) {
  const std::uint64_t start = PageAlignDown(base);
  const std::uint64_t length = PageAlignUp(base + size) - start;
  if (length == 0) return InvalidArgumentError("mapping of zero bytes");
  if (length > max_total_bytes_ || total_bytes_ + length > max_total_bytes_) {
    return ResourceExhaustedError("emulated memory limit of " + std::to_string(max_total_bytes_) +
                                  " bytes reached mapping " + std::to_string(length) +
                                  " bytes for " + tag);
  }
  if (!IsFree(start, length)) return {StatusCode::kAlreadyExists, "address range in use"};
  if (cpu_granule != 0 && (cpu_granule < kPageSize || (cpu_granule & (cpu_granule - 1)) != 0)) {
    return InvalidArgumentError("CPU mapping granule must be a power of two of at least a page");
  }
  if (cpu_granule == 0 || cpu_granule >= length) {
    KENSA_RETURN_IF_ERROR(cpu_.Map(start, length, prot));
  } else {
    for (std::uint64_t offset = 0; offset < length; offset += cpu_granule) {
      const Status mapped = cpu_.Map(start + offset, std::min(cpu_granule, length - offset), prot);
      if (!mapped.ok()) {
        if (offset != 0) (void)cpu_.Unmap(start, offset);
        return mapped;
      }
    }
  }
  total_bytes_ += length;
  regions_[start] = Region{start, length, prot, std::move(tag), dynamic, false, cpu_granule};
  return Status::Ok();
}

Result<std::uint64_t> MemoryManager::Allocate(std::uint64_t size, std::uint32_t prot,
                                              std::string tag, bool dynamic, std::uint64_t low,
                                              std::uint64_t high, std::uint64_t alignment,
                                              std::uint64_t cpu_granule) {
  const std::uint64_t length = PageAlignUp(size == 0 ? 1 : size);
  if (length > max_total_bytes_ || total_bytes_ + length > max_total_bytes_) {
    return ResourceExhaustedError("emulated memory limit of " + std::to_string(max_total_bytes_) +
                                  " bytes reached allocating " + std::to_string(length) +
                                  " bytes for " + tag);
  }
  // First fit over the gaps between regions; the region count is bounded by the memory limit.
  std::uint64_t candidate = (low + alignment - 1) & ~(alignment - 1);
  for (auto it = regions_.lower_bound(0); candidate + length <= high;) {
    while (it != regions_.end() && it->first + it->second.size <= candidate) ++it;
    if (it == regions_.end() || it->first >= candidate + length) {
      KENSA_RETURN_IF_ERROR(MapAt(candidate, length, prot, std::move(tag), dynamic, cpu_granule));
      return candidate;
    }
    candidate = (it->first + it->second.size + alignment - 1) & ~(alignment - 1);
  }
  return ResourceExhaustedError("no free address range of " + std::to_string(length) +
                                " bytes for " + tag);
}

Status MemoryManager::Free(std::uint64_t base) {
  auto it = regions_.find(base);
  if (it == regions_.end()) return NotFoundError("no region at this address");
  KENSA_RETURN_IF_ERROR(cpu_.Unmap(it->first, it->second.size));
  if (watch_.active() && watch_.base() == it->first) watch_.Stop();
  total_bytes_ -= it->second.size;
  regions_.erase(it);
  return Status::Ok();
}

Region* MemoryManager::Find(std::uint64_t address) {
  auto it = regions_.upper_bound(address);
  if (it == regions_.begin()) return nullptr;
  --it;
  if (address >= it->first + it->second.size) return nullptr;
  return &it->second;
}

Result<std::uint32_t> MemoryManager::Protect(std::uint64_t address, std::uint64_t size,
                                             std::uint32_t prot) {
  Region* region = Find(address);
  if (region == nullptr) return NotFoundError("no region at this address");
  const std::uint64_t start = PageAlignDown(address);
  std::uint64_t end = PageAlignUp(address + (size == 0 ? 1 : size));
  if (end > region->base + region->size) end = region->base + region->size;
  const std::uint32_t old = region->prot;
  if (watch_.active() && watch_.base() == region->base) {
    KENSA_RETURN_IF_ERROR(watch_.Protect(cpu_, start, end, prot));
  } else {
    KENSA_RETURN_IF_ERROR(cpu_.Protect(start, end - start, prot));
  }
  if (start == region->base && end == region->base + region->size) region->prot = prot;
  else region->prot |= prot;  // partly changed: keep the union for reporting
  return old;
}

Status MemoryManager::WatchWrites(std::uint64_t base) {
  auto it = regions_.find(base);
  if (it == regions_.end()) return NotFoundError("no region at this address");
  const Region& region = it->second;
  if (region.cpu_granule == 0) {
    return FailedPreconditionError("write watch on a region mapped as one piece");
  }
  return watch_.Start(cpu_, region.base, region.size, region.cpu_granule, region.prot);
}

}  // namespace kensa::emulator::internal
