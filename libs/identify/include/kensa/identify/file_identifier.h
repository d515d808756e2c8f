#pragma once
// Identification by content: magic bytes and structure, never the file name. The answer picks
// which analyzers run and is what the report calls the file type. Codes are listed in
// docs/file-types.md and never change meaning.

#include "kensa/core/bytes.h"
#include "kensa/sample/v1/sample.pb.h"

namespace kensa::identify {

// Identifies `data`. Never fails: what is not recognised is "unknown" (binary) or "text".
sample::v1::FileType Identify(ByteSpan data);

}  // namespace kensa::identify
