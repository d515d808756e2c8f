// libFuzzer target: identification and hashing over arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "kensa/hashing/hashes.h"
#include "kensa/identify/file_identifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const kensa::ByteSpan bytes(data, size);
  const auto type = kensa::identify::Identify(bytes);
  if (type.format().empty()) __builtin_trap();  // Identify always names a format
  kensa::sample::v1::Hashes hashes;
  kensa::hashing::ComputeHashes(bytes, hashes);
  return 0;
}
