#pragma once
// Internal: turns an image dumped from emulated memory back into a PE file that static
// analysis, YARA and the PE parser read as the program that ran (what Scylla or pe-sieve call
// an unmapped dump). The file layout becomes the memory layout: each section's raw data is
// its virtual data (PointerToRawData = VirtualAddress), the entry point is where unpacked code
// started to run, and the fields that only make sense for the packed file (security
// directory, checksum) are cleared. Imports are not rebuilt: the IAT holds the addresses the
// emulated loader and the unpacking stub wrote.

#include <cstdint>

#include "kensa/core/bytes.h"

namespace kensa::emulator::internal {

// Rewrites the headers of `image` (a dump of SizeOfImage bytes from the image base) in place.
// Returns false and leaves `image` as it was when the headers in memory are not a PE32 /
// PE32+ the rebuild can trust (packers that erase their headers): the raw dump is kept then.
bool RebuildPeFromImage(Bytes& image, std::uint32_t entry_rva);

}  // namespace kensa::emulator::internal
