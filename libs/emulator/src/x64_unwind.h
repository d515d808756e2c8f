#pragma once
// x64 unwind tables ([MS] "x64 exception handling"): the RUNTIME_FUNCTION of an address in an
// image's exception directory (.pdata), and RtlVirtualUnwind over its UNWIND_INFO (.xdata) — the
// caller's registers rebuilt from the prolog's unwind codes, the establisher frame, and the
// language handler with its data (for __C_specific_handler, the scope table). Machine's x64
// exception dispatch walks the stack with these. Guest memory is read through a callback, so
// hostile tables only ever fail a read.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>

#include "kensa/core/status.h"

namespace kensa::emulator {

// The 16 general registers in x64 encoding order (RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
// R8..R15), as unwind codes number them, and RIP.
struct X64Registers {
  std::array<std::uint64_t, 16> gpr{};
  std::uint64_t rip = 0;
  std::uint64_t& rsp() { return gpr[4]; }
  std::uint64_t rsp() const { return gpr[4]; }
};

// Reads `size` bytes of guest memory at `address`; false when any of them is not mapped.
using ReadGuestMemory = std::function<bool(std::uint64_t address, void* out, std::size_t size)>;

// One RUNTIME_FUNCTION: where it is and the RVAs it holds.
struct X64FunctionEntry {
  std::uint64_t image_base = 0;
  std::uint64_t address = 0;  // of the RUNTIME_FUNCTION itself (DISPATCHER_CONTEXT.FunctionEntry)
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::uint32_t unwind_info = 0;
};

// The RUNTIME_FUNCTION whose [begin, end) holds `pc`, by binary search of the exception
// directory of the PE32+ image mapped at `image_base`; nullopt for a leaf function or an image
// without one.
std::optional<X64FunctionEntry> LookupFunctionEntry(const ReadGuestMemory& read,
                                                    std::uint64_t image_base, std::uint64_t pc);

inline constexpr std::uint8_t kUnwindFlagExceptionHandler = 0x1;  // UNW_FLAG_EHANDLER
inline constexpr std::uint8_t kUnwindFlagTerminationHandler = 0x2;  // UNW_FLAG_UHANDLER

struct X64Unwound {
  // The frame's base as its handlers receive it: the frame register minus its offset when the
  // prolog set one, else RSP before the unwind.
  std::uint64_t establisher_frame = 0;
  // UNW_FLAG_EHANDLER / UNW_FLAG_UHANDLER of the function's own UNWIND_INFO (not its chain).
  std::uint8_t handler_flags = 0;
  std::uint64_t handler = 0;       // the language handler's address; 0 when none
  std::uint64_t handler_data = 0;  // the address of the data after its RVA (a scope table)
};

// RtlVirtualUnwind: `regs`, the registers at `regs.rip` inside `function`, become the caller's
// (nonvolatile registers restored, RSP above the return address, RIP the return address). Only
// the unwind codes of prolog instructions already executed apply; chained UNWIND_INFO is
// followed (at most 32 links). Not done: epilog detection (a fault in an epilog unwinds as if
// in the body). InvalidArgument when the tables or the stack cannot be read.
Result<X64Unwound> VirtualUnwind(const ReadGuestMemory& read, const X64FunctionEntry& function,
                                 X64Registers& regs);

}  // namespace kensa::emulator
