#pragma once
// Internal: the emulated address space. Every mapping goes through here so that the region
// list (with tags for the report and for dumps) and the total mapped size, which the memory
// limit bounds, stay true.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "cpu_engine.h"
#include "kensa/core/status.h"
#include "write_watch.h"

namespace kensa::emulator::internal {

struct Region {
  std::uint64_t base = 0;
  std::uint64_t size = 0;
  std::uint32_t prot = 0;  // kProt* bits
  // "image:sample.exe", "decoy:kernel32.dll", "stack", "heap", "virtual_alloc", "peb"...
  std::string tag;
  // Allocated by the sample at run time (VirtualAlloc, heap): code running here is unpacked or
  // injected code.
  bool dynamic = false;
  // Already dumped as an executed region (once per region).
  bool dumped = false;
  // Mapped into the CPU in pieces of this size (0 = one piece), so that protecting one piece
  // never makes unicorn split, copy and remap the whole region.
  std::uint64_t cpu_granule = 0;
};

inline std::uint64_t PageAlignUp(std::uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }
inline std::uint64_t PageAlignDown(std::uint64_t v) { return v & ~(kPageSize - 1); }

class MemoryManager {
 public:
  MemoryManager(CpuEngine& cpu, std::uint64_t max_total_bytes)
      : cpu_(cpu), max_total_bytes_(max_total_bytes) {}

  // Maps [base, base+size) (page-aligned outward), into the CPU in `cpu_granule`-sized pieces
  // when it is not 0 (a power of two, at least a page). kResourceExhausted when the total
  // would pass the limit; kAlreadyExists when it overlaps a region.
  Status MapAt(std::uint64_t base, std::uint64_t size, std::uint32_t prot, std::string tag,
               bool dynamic = false, std::uint64_t cpu_granule = 0);
  // Maps `size` bytes somewhere in [low, high) at `alignment` (64 KiB, Windows' allocation
  // granularity, unless told otherwise) and returns the base.
  Result<std::uint64_t> Allocate(std::uint64_t size, std::uint32_t prot, std::string tag,
                                 bool dynamic, std::uint64_t low = 0x01000000,
                                 std::uint64_t high = 0x70000000,
                                 std::uint64_t alignment = 0x10000,
                                 std::uint64_t cpu_granule = 0);
  Status Free(std::uint64_t base);
  // Changes protection of pages inside one region; returns the region's previous protection.
  // Inside the write-watched region the watch keeps armed granules without write permission.
  Result<std::uint32_t> Protect(std::uint64_t address, std::uint64_t size, std::uint32_t prot);

  // Starts write tracking (WriteWatch) on the region at `base`, which must have been mapped
  // with a cpu_granule. One region at a time: the sample's image.
  Status WatchWrites(std::uint64_t base);
  WriteWatch& write_watch() { return watch_; }

  Region* Find(std::uint64_t address);
  bool IsFree(std::uint64_t base, std::uint64_t size) const;
  const std::map<std::uint64_t, Region>& regions() const { return regions_; }
  std::uint64_t total_bytes() const { return total_bytes_; }
  std::uint64_t max_total_bytes() const { return max_total_bytes_; }

 private:
  CpuEngine& cpu_;
  std::uint64_t max_total_bytes_;
  std::uint64_t total_bytes_ = 0;
  std::map<std::uint64_t, Region> regions_;
  WriteWatch watch_;
};

}  // namespace kensa::emulator::internal
