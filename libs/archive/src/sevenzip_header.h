#pragma once
// A check of a 7z archive's header before libarchive reads it.
//
// libarchive 3.6 sizes its table of entries from the header's file count alone: it callocs
// NumFiles x ~90 bytes (up to 10^8 files, 9 GB) and then writes every entry, so a 100-byte 7z
// that declares 16 million files costs 1.4 GB of memory. The check reads the header the way
// 7-Zip's format description (7zFormat.txt) lays it out, up to the file count, and refuses an
// archive whose count cannot be true: every file costs its header at least one byte (its
// name's terminator alone is two), so a count above the header's size is a lie. The same
// holds for the folders and streams listed before the files (libarchive allocates from those
// counts too), and a header this reader cannot follow to its file list is refused as well:
// libarchive would stop in it, but only after allocating from the counts before the break.
//
// Plain headers are read where they lie; encoded ones (7-Zip's default: the header itself
// LZMA-compressed) are decompressed first with liblzma, at most kMaxSevenZipHeaderBytes, with
// the dictionary cut to that size. Headers in other methods are left to libarchive (7-Zip
// writes none; the services' memory limit still bounds them), as are encrypted ones (libarchive
// stops at those before it counts files).

#include <cstdint>
#include <optional>
#include <string>

#include "kensa/core/bytes.h"

namespace kensa::archive {

// A header (after decompression) longer than this, before its file list, is refused: that is
// millions of files, far beyond any member limit.
inline constexpr std::uint64_t kMaxSevenZipHeaderBytes = std::uint64_t{64} << 20;

// Why libarchive must not read `data` as 7z ("the header declares 16511974 files in 90
// bytes"), or nullopt when it may: not 7z, a believable header, or one this check leaves to
// libarchive. Looks where libarchive does: at offset 0, and in a self-extracting program's
// window 0x27000..0x60000.
std::optional<std::string> SevenZipHeaderProblem(ByteSpan data);

}  // namespace kensa::archive
