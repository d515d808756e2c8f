#pragma once
// Serialized property stores ([MS-PROPSTORE] 2.2-2.3), as carried by a shortcut's
// PropertyStoreDataBlock (private to libs/lnk).

#include <cstddef>
#include <vector>

#include "kensa/analysis/v1/lnk.pb.h"
#include "kensa/core/bytes.h"

namespace kensa::lnk::internal {

struct PropertyStore {
  std::vector<analysis::v1::LnkProperty> properties;
  bool malformed = false;
  bool limit_reached = false;
};

// Reads the Serialized Property Storage structures in `data` (the block after its size and
// signature), at most `max_properties` values, strings cut at `max_chars` characters.
PropertyStore DecodePropertyStore(ByteSpan data, std::size_t max_properties, std::size_t max_chars);

}  // namespace kensa::lnk::internal
