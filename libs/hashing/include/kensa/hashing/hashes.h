#pragma once
// Content hashes of a sample: cryptographic (MD5, SHA-1, SHA-256) for identity and lookups,
// similarity (ssdeep, TLSH) for finding relatives of a sample.

#include <string>

#include "kensa/core/bytes.h"
#include "kensa/sample/v1/sample.pb.h"

namespace kensa::hashing {

// Fills md5, sha1, sha256, ssdeep and tlsh of `out` (imphash is the PE analyzer's).
// TLSH is left empty when the input is shorter than TLSH's minimum (256 bytes in the Debian 12
// library) or too uniform to hash.
void ComputeHashes(ByteSpan data, sample::v1::Hashes& out);

// Lower-case hex digests of single algorithms, for callers that need only one.
std::string Md5Hex(ByteSpan data);
std::string Sha256Hex(ByteSpan data);

// ssdeep of `data`, empty on failure.
std::string Ssdeep(ByteSpan data);

// TLSH digest with the "T1" version prefix that current TLSH tools print, or empty.
std::string Tlsh(ByteSpan data);

}  // namespace kensa::hashing
