// libFuzzer target: the OOXML analyzer (pugixml over [Content_Types].xml, .rels, Word fields,
// workbooks, ActiveX and property parts; [MS-XLSB] records) over arbitrary packages.
//
// Mutating a real zip mostly breaks its CRCs and deflate streams, so the parts would never
// reach the XML code. The input is therefore read two ways:
//   - starting with "PK": a zip as is (seeds: oletools' OOXML test documents);
//   - otherwise a list of parts, each introduced by a line "====<part name>" and followed by
//     its content up to the next such line, zipped here with the stored method. Seeds in this
//     form come from tests/fuzz/ooxml_fuzz_seeds.py (scripts/fuzz runs it).
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kensa/static_analysis/ooxml_analyzer.h"

namespace {

std::uint32_t Crc32(std::string_view data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> entries{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t crc = i;
      for (int bit = 0; bit < 8; ++bit) crc = (crc & 1u) != 0 ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
      entries[i] = crc;
    }
    return entries;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) crc = table[(crc ^ c) & 0xFFu] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

void PutLe(std::string* out, std::uint32_t value, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xFFu));
}

// APPNOTE 4.3: local file headers, data stored (method 0), central directory, end record.
std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& parts) {
  std::string zip;
  std::string central;
  for (const auto& [name, content] : parts) {
    const std::uint32_t offset = static_cast<std::uint32_t>(zip.size());
    const std::uint32_t crc = Crc32(content);
    const auto size = static_cast<std::uint32_t>(content.size());
    const auto name_size = static_cast<std::uint32_t>(name.size());
    PutLe(&zip, 0x04034b50u, 4);
    PutLe(&zip, 20, 2);  // version needed
    PutLe(&zip, 0, 2);   // flags
    PutLe(&zip, 0, 2);   // stored
    PutLe(&zip, 0, 4);   // time, date
    PutLe(&zip, crc, 4);
    PutLe(&zip, size, 4);
    PutLe(&zip, size, 4);
    PutLe(&zip, name_size, 2);
    PutLe(&zip, 0, 2);
    zip += name;
    zip += content;
    PutLe(&central, 0x02014b50u, 4);
    PutLe(&central, 20, 2);
    PutLe(&central, 20, 2);
    PutLe(&central, 0, 2);
    PutLe(&central, 0, 2);
    PutLe(&central, 0, 4);
    PutLe(&central, crc, 4);
    PutLe(&central, size, 4);
    PutLe(&central, size, 4);
    PutLe(&central, name_size, 2);
    PutLe(&central, 0, 2);  // extra
    PutLe(&central, 0, 2);  // comment
    PutLe(&central, 0, 2);  // disk
    PutLe(&central, 0, 2);  // internal attributes
    PutLe(&central, 0, 4);  // external attributes
    PutLe(&central, offset, 4);
    central += name;
  }
  const auto central_offset = static_cast<std::uint32_t>(zip.size());
  zip += central;
  PutLe(&zip, 0x06054b50u, 4);
  PutLe(&zip, 0, 4);
  PutLe(&zip, static_cast<std::uint32_t>(parts.size()), 2);
  PutLe(&zip, static_cast<std::uint32_t>(parts.size()), 2);
  PutLe(&zip, static_cast<std::uint32_t>(central.size()), 4);
  PutLe(&zip, central_offset, 4);
  PutLe(&zip, 0, 2);
  return zip;
}

std::vector<std::pair<std::string, std::string>> SplitParts(std::string_view input) {
  constexpr std::string_view kMarker = "====";
  constexpr std::size_t kMaxParts = 64;  // a handful of parts exercises every path
  std::vector<std::pair<std::string, std::string>> parts;
  std::size_t at =
      input.starts_with(kMarker) ? 0 : input.find(std::string("\n") + std::string(kMarker));
  if (at != 0 && at != std::string_view::npos) ++at;
  while (at != std::string_view::npos && parts.size() < kMaxParts) {
    const std::size_t name_start = at + kMarker.size();
    const std::size_t name_end = input.find('\n', name_start);
    if (name_end == std::string_view::npos) break;
    const std::size_t next = input.find(std::string("\n") + std::string(kMarker), name_end);
    const std::size_t content_end = next == std::string_view::npos ? input.size() : next;
    parts.emplace_back(std::string(input.substr(name_start, name_end - name_start)),
                       std::string(input.substr(name_end + 1, content_end - name_end - 1)));
    at = next == std::string_view::npos ? next : next + 1;
  }
  return parts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string zip =
      input.starts_with("PK") ? std::string(input) : StoredZip(SplitParts(input));

  kensa::static_analysis::OoxmlLimits limits;
  limits.archive.max_members = 128;
  limits.archive.max_member_size = 4u << 20;
  limits.archive.max_total_size = 16u << 20;
  limits.archive.min_bomb_size = 1u << 20;
  limits.archive.max_duration = std::chrono::milliseconds(5000);
  limits.max_xml_memory = 64u << 20;
  limits.max_relationships = 2000;
  auto analysis = kensa::static_analysis::AnalyzeOoxml(
      kensa::ByteSpan(reinterpret_cast<const std::uint8_t*>(zip.data()), zip.size()), "fuzz.docx",
      limits);
  if (!analysis) return 0;

  // Every string must be valid UTF-8 for the protos downstream: round-trip them.
  kensa::analysis::v1::StaticResult result;
  std::vector<std::pair<std::string, std::string>> decoded_texts;
  const std::size_t children = analysis->children.size();
  if (children != static_cast<std::size_t>(analysis->info.embedded_parts_size())) __builtin_trap();
  for (const auto& child : analysis->children) {
    if (child.data.size() != child.info.size()) __builtin_trap();
  }
  std::map<std::string, std::size_t> per_code;
  for (const auto& anomaly : analysis->anomalies) {
    if (++per_code[anomaly.code()] > limits.max_anomalies_per_code) __builtin_trap();
  }
  if (analysis->info.dde_links_size() > static_cast<int>(limits.max_listed)) __builtin_trap();
  if (analysis->decoded_texts.size() > limits.max_decoded_texts) __builtin_trap();
  std::vector<kensa::static_analysis::ExtractedChild> child_list;
  kensa::static_analysis::AddOoxmlToResult(std::move(*analysis), &result, &child_list,
                                           &decoded_texts);
  std::string wire;
  kensa::analysis::v1::StaticResult back;
  if (!result.SerializeToString(&wire) || !back.ParseFromString(wire)) __builtin_trap();
  if (child_list.size() != children) __builtin_trap();
  return 0;
}
