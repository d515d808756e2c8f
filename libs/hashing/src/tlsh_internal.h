#pragma once
// Pieces of Kensa's TLSH (tlsh.cc) that tests check directly because no sample on a test host
// can reach them (lengths beyond 4 GiB). Not part of the library's promise.

#include <cstdint>

namespace kensa::hashing::internal {

// TLSH's one-byte "L value": the index of the first length threshold that is >= `length`.
// Thresholds grow by 1.5x up to 656 bytes, then 1.3x up to 3,171, then 1.1x (the digest header's
// log-length, Oliver et al., "TLSH - A Locality Sensitive Hash", CTC 2013). The reference table
// stops at 4,224,281,216 bytes (index 169) because its lengths are 32-bit; longer inputs continue
// the 1.1x progression and saturate at 255.
std::uint8_t TlshLengthCode(std::uint64_t length);

}  // namespace kensa::hashing::internal
