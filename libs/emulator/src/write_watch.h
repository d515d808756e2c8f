#pragma once
// Internal: which parts of the sample's image the sample wrote after the loader finished, and
// whether execution then reached them. This is how self-unpacking into the image's own
// sections (UPX, MPRESS, ASPack, most crypters) is seen: the stub writes the original program
// into an empty section and jumps to its entry point.
//
// It costs nothing per instruction. The watched range is mapped in granules (one unicorn
// region each, so changing one granule's protection never splits and copies a large region)
// and each granule starts "armed": mapped without write permission. The first guest write to
// an armed granule faults (UC_MEM_WRITE_PROT); OnWriteFault marks it written, gives back the
// permission the guest asked for, and unicorn performs the write. The block hook asks
// OnFirstExecution for blocks inside the range.
//
// Writes made by the loader (relocations, the IAT) and by API models go through uc_mem_write,
// which ignores protections: they are not guest writes and are not seen.

#include <cstdint>
#include <vector>

#include "cpu_engine.h"
#include "kensa/core/status.h"

namespace kensa::emulator::internal {

class WriteWatch {
 public:
  // The granule for a range of `size` bytes: a page, or larger so that few exist (each is a
  // unicorn region, and every map or protection change rebuilds unicorn's memory map at a
  // cost that grows with the region count; write_watch.cc has the bound).
  static std::uint64_t GranuleFor(std::uint64_t size);

  bool active() const { return size_ != 0; }
  std::uint64_t base() const { return base_; }
  std::uint64_t size() const { return size_; }
  bool Contains(std::uint64_t address) const { return address - base_ < size_; }

  // Starts watching [base, base + size), mapped in `granule`-sized pieces with protection
  // `prot`: every granule is armed.
  Status Start(CpuEngine& cpu, std::uint64_t base, std::uint64_t size, std::uint64_t granule,
               std::uint32_t prot);
  void Stop() { *this = WriteWatch(); }

  // A guest write of `size` bytes at `address` hit write-protected memory. True when it was
  // the first write to armed granules whose intended protection allows writing: they are now
  // writable and marked written, and the write is to be retried. False for a real fault.
  bool OnWriteFault(CpuEngine& cpu, std::uint64_t address, int size);

  // Called for each translated block executed inside the range: true when `address` is the
  // first execution in its granule and the granule was written since the last Capture, i.e.
  // code the sample wrote (unpacked) is about to run. A granule executed before it was
  // written (a stub that keeps variables beside its code) never reports.
  bool OnFirstExecution(std::uint64_t address) {
    std::uint8_t& state = state_[(address - base_) >> granule_shift_];
    if ((state & kExecuted) != 0) return false;
    state |= kExecuted;
    return (state & kWritten) != 0;
  }

  // The written granules' content was just dumped: they are armed again, so a later layer
  // written over them is seen as new.
  void Capture(CpuEngine& cpu);

  // The guest changed the protection of [start, end) (VirtualProtect): `prot` is recorded as
  // what the guest asked for, and armed granules keep write permission removed.
  Status Protect(CpuEngine& cpu, std::uint64_t start, std::uint64_t end, std::uint32_t prot);

 private:
  static constexpr std::uint8_t kArmed = 1;     // mapped without write; the next write faults
  static constexpr std::uint8_t kWritten = 2;   // written by the guest since the last Capture
  static constexpr std::uint8_t kExecuted = 4;  // a block in it has run

  Status Apply(CpuEngine& cpu, std::size_t granule_index);

  std::uint64_t base_ = 0;
  std::uint64_t size_ = 0;
  std::uint64_t granule_ = kPageSize;  // a power of two
  unsigned granule_shift_ = 12;
  std::vector<std::uint8_t> state_;
  std::vector<std::uint32_t> intended_prot_;  // what the guest asked for, per granule
};

}  // namespace kensa::emulator::internal
