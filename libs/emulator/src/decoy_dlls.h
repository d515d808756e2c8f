#pragma once
// Internal: the decoy system DLLs. Each is a small PE image built in memory with a real export
// directory (names, ordinals, functions), so that the loader's import binding, GetProcAddress,
// a sample's own export walk and PEB-walking shellcode all find the same addresses. Every
// function export points at a 16-byte stub; the emulator's code hook turns execution of a stub
// into a call of the API model. Data exports (msvcrt's _acmdln, _fmode...) point at variables.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::emulator::internal {

struct DecoyExport {
  std::string name;
  std::uint16_t ordinal = 0;
  std::uint32_t rva = 0;
  // Arguments: stdcall functions pop argc * 4 bytes on x86; cdecl ones pop nothing.
  std::uint8_t argc = 0;
  bool data = false;
};

struct DecoyImage {
  std::string name;  // lower case, "kernel32.dll"
  std::uint64_t base = 0;
  Bytes image;       // SizeOfImage bytes, ready to map
  std::uint32_t stubs_rva = 0;
  std::uint32_t stubs_size = 0;
  bool cdecl = false;  // C runtime: caller cleans the stack
  std::vector<DecoyExport> exports;  // in ordinal order
};

inline constexpr std::uint32_t kStubSize = 16;
// Bytes reserved for each data export (the CRT's FILE array _iob is the largest: 3 x 48).
inline constexpr std::uint32_t kDataExportSize = 0x200;

// The DLL names with decoys, in the order the loader lists them (ntdll, kernel32, kernelbase
// first: shellcode relies on that order).
const std::vector<std::string>& DecoyDllNames();

// Builds the decoy `name` (lower case, with ".dll") for x86 or x64 at `base`. A name with no
// table gets an image with no exports (a DLL the sample asked for that Kensa does not know).
DecoyImage BuildDecoy(std::string_view name, bool x64, std::uint64_t base);

// A PE image header of `size_of_image` bytes with no exports, for the shellcode host process.
Bytes BuildHostImage(bool x64, std::uint64_t base, std::uint32_t size_of_image);

// Canonical DLL name: lower case, ".dll" appended when there is no extension, directories
// stripped; "api-ms-win-crt-*" API sets map to ucrtbase.dll and "api-ms-win-core-*" to
// kernelbase.dll, as Windows' API set schema does; vcruntime*/msvcr* map to msvcrt.dll.
std::string CanonicalDllName(std::string_view name);

}  // namespace kensa::emulator::internal
