// libFuzzer target: a host collection archive as forensic-ingest receives it, over arbitrary
// bytes: the archive reader, manifest.json, the foreign layouts' detection and metadata
// (Velociraptor's JSON files, KAPE's copy log, UAC's tables) and Velociraptor's encrypted
// container (metadata.json, then data.zip opened with a password), with small limits.
// Seeds (scripts/fuzz): Velociraptor collections plain and in a Password-scheme container,
// a KAPE zip and a UAC tar.gz, built by libs/collection/tests/make_foreign_collections.py.
#include <cstddef>
#include <cstdint>

#include "kensa/collection/collection.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kensa::collection::CollectionLimits limits;
  limits.max_archive_bytes = 1u << 20;
  limits.max_total_bytes = 8u << 20;
  limits.max_item_bytes = 2u << 20;
  limits.max_items = 256;
  limits.max_manifest_bytes = 256u << 10;
  kensa::collection::CollectionSecrets secrets;
  secrets.passwords = {"S3cret-IR"};
  auto collection = kensa::collection::Collection::OpenArchive(kensa::ByteSpan(data, size), "fuzz.zip", limits, secrets);
  if (!collection) return 0;
  if (collection->manifest().items_size() > static_cast<int>(limits.max_items) * 2) __builtin_trap();
  for (const auto& item : collection->manifest().items()) {
    auto bytes = collection->Read(item.path());
    if (bytes && bytes->size() > limits.max_item_bytes) __builtin_trap();
  }
  // Everything in the info goes into protobuf messages that must serialize (valid UTF-8).
  std::string wire;
  kensa::forensics::v1::CollectionInfo back;
  if (!collection->info().SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  return 0;
}
