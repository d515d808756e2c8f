// libFuzzer target: libarchive behind kensa::archive (zip, 7z, rar, tar, ISO 9660, cab, gzip /
// bzip2 / xz streams) over arbitrary bytes, with small limits so a bomb ends within a run.
// Seeds: corkami's minimal archives of every format (../shared/corpora/corkami/mini) and
// oletools' password-protected zips.
#include <cstddef>
#include <cstdint>

#include "kensa/analysis/v1/signature.pb.h"
#include "kensa/archive/archive_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  kensa::archive::ArchiveLimits limits;
  limits.max_members = 64;
  limits.max_member_size = 1u << 20;
  limits.max_total_size = 4u << 20;
  limits.min_bomb_size = 1u << 20;
  limits.max_password_attempts = 2;
  limits.max_duration = std::chrono::milliseconds(5000);
  auto listing =
      kensa::archive::ReadArchive(kensa::ByteSpan(data, size), {"infected", "wrong"}, limits);
  if (!listing) return 0;
  // The budget holds: at most one read chunk past it before reading stops.
  constexpr std::uint64_t kReadChunk = 64 * 1024;
  if (listing->expanded_bytes > limits.max_total_size + kReadChunk) __builtin_trap();
  if (listing->members.size() > limits.max_members) __builtin_trap();
  for (const auto& member : listing->members) {
    if (member.extracted && member.data.size() != member.size) __builtin_trap();
    if (member.data.size() > limits.max_member_size) __builtin_trap();
    if (member.name.size() > limits.max_name_length) __builtin_trap();
  }
  // Names and details must be valid UTF-8 for the protos downstream: round-trip them.
  for (const auto& finding : listing->findings) {
    kensa::analysis::v1::Anomaly probe;
    probe.set_code(finding.code);
    probe.set_detail(finding.detail);
    std::string wire;
    kensa::analysis::v1::Anomaly back;
    if (!probe.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  }
  for (const auto& member : listing->members) {
    kensa::analysis::v1::Anomaly probe;
    probe.set_detail(member.name + member.password_used);
    std::string wire;
    kensa::analysis::v1::Anomaly back;
    if (!probe.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  }
  return 0;
}
