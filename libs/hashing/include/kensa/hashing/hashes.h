#pragma once
// Content hashes of a sample: cryptographic (MD5, SHA-1, SHA-256) for identity and lookups,
// similarity (ssdeep, TLSH) for finding relatives of a sample.

#include <string>

#include "kensa/core/bytes.h"
#include "kensa/sample/v1/sample.pb.h"

namespace kensa::hashing {

// Fills md5, sha1, sha256, ssdeep and tlsh of `out` (imphash is the PE analyzer's).
// TLSH is left empty when the input is shorter than TLSH's minimum (50 bytes) or too uniform to
// hash; see Tlsh().
void ComputeHashes(ByteSpan data, sample::v1::Hashes& out);

// Lower-case hex digests of single algorithms, for callers that need only one.
std::string Md5Hex(ByteSpan data);
std::string Sha256Hex(ByteSpan data);

// ssdeep digest ("blocksize:signature:signature"), identical to libfuzzy 2.14's fuzzy_hash_buf().
// Kensa's own implementation, one pass for almost all inputs (src/ssdeep.cc). Empty for
// inputs of 4 GiB or more, which fuzzy_hash_buf's 32-bit length cannot express.
std::string Ssdeep(ByteSpan data);

// TLSH digest in the form current TLSH tools print ("T1" + 70 upper-case hex digits: 128
// buckets, 1-byte checksum), identical to py-tlsh 4.x's tlsh.hash(). Empty where those tools
// print "TNULL": input shorter than 50 bytes, or half or more of the 128 buckets empty (e.g. a run
// of one byte value). Kensa's own single-pass implementation; lengths are 64-bit.
std::string Tlsh(ByteSpan data);

}  // namespace kensa::hashing
