#include "x64_unwind.h"

#include <string>

namespace kensa::emulator {
namespace {

constexpr std::uint32_t kRuntimeFunctionSize = 12;
// A real image has tens of thousands of functions at most; past this the directory is hostile.
constexpr std::uint32_t kMaxRuntimeFunctions = 1u << 20;
constexpr int kMaxChainLinks = 32;
constexpr std::uint8_t kUnwindFlagChainInfo = 0x4;  // UNW_FLAG_CHAININFO

// UNWIND_CODE operations.
enum UnwindOp : std::uint8_t {
  kPushNonvol = 0,
  kAllocLarge = 1,
  kAllocSmall = 2,
  kSetFpreg = 3,
  kSaveNonvol = 4,
  kSaveNonvolFar = 5,
  kSaveXmm128 = 8,
  kSaveXmm128Far = 9,
  kPushMachframe = 10,
};

template <typename T>
bool Read(const ReadGuestMemory& read, std::uint64_t address, T* out) {
  return read(address, out, sizeof(T));
}

// Slots (2-byte UNWIND_CODEs) an operation takes, 0 for an unknown one.
int SlotCount(std::uint8_t op, std::uint8_t info) {
  switch (op) {
    case kPushNonvol: case kAllocSmall: case kSetFpreg: case kPushMachframe: return 1;
    case kAllocLarge: return info == 0 ? 2 : 3;
    case kSaveNonvol: case kSaveXmm128: return 2;
    case kSaveNonvolFar: case kSaveXmm128Far: return 3;
    default: return 0;
  }
}

struct UnwindInfo {
  std::uint8_t flags = 0;
  std::uint8_t code_count = 0;
  std::uint8_t frame_register = 0;
  std::uint8_t frame_offset = 0;  // scaled by 16
  std::array<std::uint16_t, 256> codes{};
};

Result<UnwindInfo> ReadUnwindInfo(const ReadGuestMemory& read, std::uint64_t address) {
  std::uint8_t header[4];
  if (!read(address, header, sizeof(header))) return InvalidArgumentError("UNWIND_INFO is not readable");
  UnwindInfo info;
  if ((header[0] & 0x7) != 1 && (header[0] & 0x7) != 2) {
    return InvalidArgumentError("UNWIND_INFO version " + std::to_string(header[0] & 0x7));
  }
  info.flags = static_cast<std::uint8_t>(header[0] >> 3);
  info.code_count = header[2];
  info.frame_register = header[3] & 0xF;
  info.frame_offset = static_cast<std::uint8_t>(header[3] >> 4);
  if (info.code_count > 0 && !read(address + 4, info.codes.data(), 2u * info.code_count)) {
    return InvalidArgumentError("UNWIND_INFO codes are not readable");
  }
  return info;
}

}  // namespace

std::optional<X64FunctionEntry> LookupFunctionEntry(const ReadGuestMemory& read,
                                                    std::uint64_t image_base, std::uint64_t pc) {
  std::uint32_t lfanew = 0;
  std::uint32_t signature = 0;
  std::uint16_t magic = 0;
  if (!Read(read, image_base + 0x3C, &lfanew) || !Read(read, image_base + lfanew, &signature) ||
      signature != 0x00004550 || !Read(read, image_base + lfanew + 24, &magic) || magic != 0x20B) {
    return std::nullopt;
  }
  // IMAGE_OPTIONAL_HEADER64.DataDirectory[IMAGE_DIRECTORY_ENTRY_EXCEPTION].
  std::uint32_t directory[2] = {0, 0};
  if (!read(image_base + lfanew + 24 + 112 + 3 * 8, directory, sizeof(directory))) return std::nullopt;
  const std::uint32_t count = std::min(directory[1] / kRuntimeFunctionSize, kMaxRuntimeFunctions);
  if (directory[0] == 0 || count == 0 || pc < image_base) return std::nullopt;
  const std::uint64_t rva = pc - image_base;
  std::uint32_t low = 0;
  std::uint32_t high = count;
  while (low < high) {
    const std::uint32_t middle = low + (high - low) / 2;
    const std::uint64_t address = image_base + directory[0] + std::uint64_t{middle} * kRuntimeFunctionSize;
    std::uint32_t entry[3];
    if (!read(address, entry, sizeof(entry))) return std::nullopt;
    if (rva < entry[0]) {
      high = middle;
    } else if (rva >= entry[1]) {
      low = middle + 1;
    } else {
      return X64FunctionEntry{image_base, address, entry[0], entry[1], entry[2]};
    }
  }
  return std::nullopt;
}

Result<X64Unwound> VirtualUnwind(const ReadGuestMemory& read, const X64FunctionEntry& function,
                                 X64Registers& regs) {
  X64Unwound out;
  const std::uint64_t base = function.image_base;
  // How far into the function RIP is: a prolog instruction not yet executed is not undone.
  std::uint64_t prolog_offset = regs.rip - (base + function.begin);
  std::uint32_t info_rva = function.unwind_info;
  bool machine_frame = false;
  for (int link = 0; link <= kMaxChainLinks; ++link) {
    KENSA_ASSIGN_OR_RETURN(const UnwindInfo info, ReadUnwindInfo(read, base + info_rva));
    if (link == 0) {
      // The establisher frame: the frame register once the prolog has set it, else RSP.
      out.establisher_frame = regs.rsp();
      if (info.frame_register != 0) {
        for (int i = 0; i < info.code_count;) {
          const std::uint8_t op = info.codes[static_cast<std::size_t>(i)] >> 8 & 0xF;
          const auto offset = static_cast<std::uint8_t>(info.codes[static_cast<std::size_t>(i)] & 0xFF);
          if (op == kSetFpreg && prolog_offset >= offset) {
            out.establisher_frame = regs.gpr[info.frame_register] - 16u * info.frame_offset;
          }
          const int slots = SlotCount(op, static_cast<std::uint8_t>(info.codes[static_cast<std::size_t>(i)] >> 12));
          if (slots == 0) return InvalidArgumentError("unknown unwind operation " + std::to_string(op));
          i += slots;
        }
      }
      out.handler_flags = info.flags & (kUnwindFlagExceptionHandler | kUnwindFlagTerminationHandler);
    }
    const std::uint64_t frame = out.establisher_frame;
    for (int i = 0; i < info.code_count;) {
      const std::uint16_t code = info.codes[static_cast<std::size_t>(i)];
      const auto offset = static_cast<std::uint8_t>(code & 0xFF);
      const std::uint8_t op = code >> 8 & 0xF;
      const std::uint8_t op_info = static_cast<std::uint8_t>(code >> 12);
      const int slots = SlotCount(op, op_info);
      if (slots == 0) return InvalidArgumentError("unknown unwind operation " + std::to_string(op));
      if (i + slots > info.code_count) return InvalidArgumentError("unwind operation past its codes");
      const auto slot = [&](int k) { return info.codes[static_cast<std::size_t>(i + k)]; };
      if (prolog_offset >= offset) {
        std::uint64_t value = 0;
        switch (op) {
          case kPushNonvol:
            if (!Read(read, regs.rsp(), &value)) return InvalidArgumentError("stack not readable");
            regs.gpr[op_info] = value;
            regs.rsp() += 8;
            break;
          case kAllocLarge:
            regs.rsp() += op_info == 0 ? 8u * slot(1) : (std::uint64_t{slot(1)} | std::uint64_t{slot(2)} << 16);
            break;
          case kAllocSmall:
            regs.rsp() += 8u * op_info + 8;
            break;
          case kSetFpreg:
            regs.rsp() = regs.gpr[info.frame_register] - 16u * info.frame_offset;
            break;
          case kSaveNonvol:
          case kSaveNonvolFar: {
            const std::uint64_t at = frame + (op == kSaveNonvol ? 8u * slot(1)
                                                              : (std::uint64_t{slot(1)} | std::uint64_t{slot(2)} << 16));
            if (!Read(read, at, &value)) return InvalidArgumentError("saved register not readable");
            regs.gpr[op_info] = value;
            break;
          }
          case kSaveXmm128:
          case kSaveXmm128Far:
            break;  // XMM registers are not part of the emulated context
          case kPushMachframe: {
            // An interrupt or exception frame: RIP and RSP as the CPU pushed them (after an
            // error code when op_info is 1).
            const std::uint64_t top = regs.rsp() + (op_info != 0 ? 8u : 0u);
            std::uint64_t rsp = 0;
            if (!Read(read, top, &value) || !Read(read, top + 24, &rsp)) {
              return InvalidArgumentError("machine frame not readable");
            }
            regs.rip = value;
            regs.rsp() = rsp;
            machine_frame = true;
            break;
          }
          default:
            break;
        }
      }
      i += slots;
    }
    // The handler RVA (or the chained RUNTIME_FUNCTION) follows the codes, padded to an even count.
    const std::uint64_t after_codes = base + info_rva + 4 + 2u * ((info.code_count + 1u) & ~1u);
    if ((info.flags & kUnwindFlagChainInfo) != 0) {
      std::uint32_t chained[3];
      if (!read(after_codes, chained, sizeof(chained))) return InvalidArgumentError("chained unwind info not readable");
      info_rva = chained[2];
      prolog_offset = ~0ull;  // the primary function's prolog has run in full
      continue;
    }
    if (link == 0 && out.handler_flags != 0) {
      std::uint32_t handler_rva = 0;
      if (!Read(read, after_codes, &handler_rva)) return InvalidArgumentError("handler not readable");
      out.handler = base + handler_rva;
      out.handler_data = after_codes + 4;
    }
    if (!machine_frame) {
      std::uint64_t return_address = 0;
      if (!Read(read, regs.rsp(), &return_address)) return InvalidArgumentError("return address not readable");
      regs.rip = return_address;
      regs.rsp() += 8;
    }
    return out;
  }
  return InvalidArgumentError("unwind info chain longer than " + std::to_string(kMaxChainLinks));
}

}  // namespace kensa::emulator
