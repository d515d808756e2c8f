#pragma once
// A check of an ISO 9660 image's zisofs entries before libarchive reads it.
//
// A Rock Ridge "ZF" entry marks a file as zisofs-compressed (Linux's mkzftree) and gives its
// block size as a power of two. libarchive 3.6 takes that exponent as it is (later releases
// accept only 15..17, the sizes mkzftree writes): with 0 it mallocs four bytes per
// uncompressed byte for block pointers (16 GB for a 4 GB file), with 32 or more it shifts past
// the width of the type. Windows, where the images Kensa sees are opened, does not read
// zisofs at all.
//
// libarchive acts on the entry wherever its directory records or continuation areas put it, so
// the check looks for the entry's exact bytes ("ZF", length 16, version 1, algorithm "pz")
// anywhere in the image: a match with another exponent refuses the image.

#include <optional>
#include <string>

#include "kensa/core/bytes.h"

namespace kensa::archive {

// Why libarchive must not read `data` as ISO 9660 ("a zisofs entry declares blocks of 2^0
// bytes"), or nullopt when it may.
std::optional<std::string> ZisofsProblem(ByteSpan data);

}  // namespace kensa::archive
