#include "write_watch.h"

#include <algorithm>

namespace kensa::emulator::internal {

namespace {

// Granules per watched image. unicorn 2.0.1 rebuilds its whole memory map (flat view, TLB) on
// every map and protection change, so the cost of mapping the image and of its first writes
// grows with the square of the region count. Measured with a 16 MiB image that writes every
// page: 256 granules 0.26 s, 1,024 granules 1.8 s, 4,096 granules 170 s. 256 keeps page
// precision up to 1 MiB images (most packed programs); larger images get larger granules.
constexpr std::uint64_t kMaxGranules = 256;

}  // namespace

std::uint64_t WriteWatch::GranuleFor(std::uint64_t size) {
  std::uint64_t granule = kPageSize;
  while (size / granule > kMaxGranules) granule *= 2;
  return granule;
}

Status WriteWatch::Start(CpuEngine& cpu, std::uint64_t base, std::uint64_t size,
                         std::uint64_t granule, std::uint32_t prot) {
  if (size == 0 || granule < kPageSize || (granule & (granule - 1)) != 0) {
    return InvalidArgumentError("write watch needs a non-empty range and a power-of-two granule");
  }
  Stop();
  base_ = base;
  size_ = size;
  granule_ = granule;
  granule_shift_ = 0;
  while ((std::uint64_t{1} << granule_shift_) < granule) ++granule_shift_;
  const std::size_t count = static_cast<std::size_t>((size + granule - 1) / granule);
  state_.assign(count, kArmed);
  intended_prot_.assign(count, prot);
  // One call over the whole range: the granules are separate regions already, so nothing is
  // split or copied.
  const Status status = cpu.Protect(base, size, prot & ~kProtWrite);
  if (!status.ok()) Stop();
  return status;
}

Status WriteWatch::Apply(CpuEngine& cpu, std::size_t index) {
  const std::uint64_t start = base_ + index * granule_;
  const std::uint64_t length = std::min(granule_, base_ + size_ - start);
  std::uint32_t prot = intended_prot_[index];
  if ((state_[index] & kArmed) != 0) prot &= ~kProtWrite;
  return cpu.Protect(start, length, prot);
}

bool WriteWatch::OnWriteFault(CpuEngine& cpu, std::uint64_t address, int size) {
  if (!Contains(address)) return false;
  // An unaligned write may straddle two granules; both must allow it before it is retried.
  const std::uint64_t last = std::min(address + static_cast<std::uint64_t>(std::max(size, 1)) - 1,
                                      base_ + size_ - 1);
  const std::size_t first_index = static_cast<std::size_t>((address - base_) >> granule_shift_);
  const std::size_t last_index = static_cast<std::size_t>((last - base_) >> granule_shift_);
  bool any_armed = false;
  for (std::size_t i = first_index; i <= last_index; ++i) {
    if ((intended_prot_[i] & kProtWrite) == 0) return false;  // the guest's own protection
    any_armed = any_armed || (state_[i] & kArmed) != 0;
  }
  if (!any_armed) return false;
  for (std::size_t i = first_index; i <= last_index; ++i) {
    state_[i] = static_cast<std::uint8_t>((state_[i] & ~kArmed) | kWritten);
    if (!Apply(cpu, i).ok()) return false;
  }
  return true;
}

void WriteWatch::Capture(CpuEngine& cpu) {
  for (std::size_t i = 0; i < state_.size(); ++i) {
    if ((state_[i] & kWritten) == 0) continue;
    state_[i] = static_cast<std::uint8_t>((state_[i] & ~kWritten) | kArmed);
    (void)Apply(cpu, i);  // a granule that cannot be re-armed just stays unwatched
  }
}

Status WriteWatch::Protect(CpuEngine& cpu, std::uint64_t start, std::uint64_t end,
                           std::uint32_t prot) {
  const std::size_t first_index = static_cast<std::size_t>((start - base_) >> granule_shift_);
  const std::size_t last_index = static_cast<std::size_t>((end - 1 - base_) >> granule_shift_);
  for (std::size_t i = first_index; i <= last_index && i < state_.size(); ++i) {
    const std::uint64_t granule_start = base_ + i * granule_;
    const std::uint64_t granule_end = std::min(granule_start + granule_, base_ + size_);
    const std::uint64_t from = std::max(start, granule_start);
    const std::uint64_t to = std::min(end, granule_end);
    if (from == granule_start && to == granule_end) {
      intended_prot_[i] = prot;
      KENSA_RETURN_IF_ERROR(Apply(cpu, i));
      continue;
    }
    // Part of a granule (only when granules are larger than a page): that part gets the new
    // protection; the granule's record keeps the union, as the memory manager's does.
    intended_prot_[i] |= prot;
    std::uint32_t effective = prot;
    if ((state_[i] & kArmed) != 0) effective &= ~kProtWrite;
    KENSA_RETURN_IF_ERROR(cpu.Protect(from, to - from, effective));
  }
  return Status::Ok();
}

}  // namespace kensa::emulator::internal
