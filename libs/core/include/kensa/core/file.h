#pragma once
// Reading sample files from disk with a size limit and errors a user can read.

#include <cstdint>
#include <string>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa {

// Reads the whole file at `path`. Errors: kNotFound (missing), kPermissionDenied,
// kInvalidArgument (a directory or not a regular file), kResourceExhausted (larger than
// `max_bytes`), kUnavailable (an I/O error while reading).
Result<Bytes> ReadFileBounded(const std::string& path, std::uint64_t max_bytes);

// Writes `data` to `path` (replacing it) through a temporary file and rename, so a reader
// never sees half a file.
Status WriteFileAtomically(const std::string& path, std::string_view data);

}  // namespace kensa
