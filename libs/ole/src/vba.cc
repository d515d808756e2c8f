#include "kensa/ole/vba.h"

#include <algorithm>
#include <optional>
#include <string_view>

#include "anomaly.h"
#include "code_page.h"

namespace kensa::ole {
namespace {

using internal::AddAnomaly;

// [MS-OVBA] 2.3.4.2 dir stream record identifiers used here.
constexpr std::uint16_t kProjectCodePage = 0x0003;
constexpr std::uint16_t kProjectVersion = 0x0009;
constexpr std::uint16_t kModuleName = 0x0019;
constexpr std::uint16_t kModuleStreamName = 0x001A;
constexpr std::uint16_t kModuleTerminator = 0x002B;
constexpr std::uint16_t kModuleOffset = 0x0031;
constexpr std::uint16_t kModuleStreamNameUnicode = 0x0032;
constexpr std::uint16_t kModuleNameUnicode = 0x0047;
constexpr std::uint16_t kDirTerminator = 0x0010;

// [MS-OVBA] 2.4.1.1.5: a decompressed chunk holds at most 4096 bytes.
constexpr std::size_t kChunkSize = 4096;

std::string DecodeUtf16(ByteSpan raw) { return ReadUtf16Le(raw, 0, raw.size() / 2); }

}  // namespace

Result<Bytes> DecompressOvba(ByteSpan compressed, std::size_t max_output, bool* malformed) {
  if (malformed != nullptr) *malformed = false;
  auto fail = [&] {
    if (malformed != nullptr) *malformed = true;
  };
  // [MS-OVBA] 2.4.1.1.1 CompressedContainer: SignatureByte 0x01, then chunks.
  if (compressed.empty() || compressed[0] != 0x01) {
    return InvalidArgumentError("no MS-OVBA compressed container signature");
  }
  Bytes out;
  std::size_t pos = 1;
  // Every pass consumes at least the 2-byte chunk header.
  while (pos < compressed.size() && out.size() < max_output) {
    const auto header = ReadLe<std::uint16_t>(compressed, pos);
    if (!header) {
      fail();
      break;
    }
    // [MS-OVBA] 2.4.1.1.5 CompressedChunkHeader: size - 3 (12 bits), signature 0b011, flag.
    const std::size_t chunk_size = (*header & 0x0FFFu) + 3u;
    const unsigned signature = (*header >> 12) & 0x7u;
    const bool is_compressed = (*header & 0x8000u) != 0;
    if (signature != 3) {
      fail();
      break;
    }
    const std::size_t data_start = pos + 2;
    const std::size_t chunk_start_out = out.size();
    if (!is_compressed) {
      // [MS-OVBA] 2.4.1.3.3: an uncompressed chunk is always 4096 raw bytes.
      const ByteSpan raw = SubSpan(compressed, data_start, kChunkSize);
      const std::size_t take = std::min(raw.size(), max_output - out.size());
      out.insert(out.end(), raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(take));
      if (raw.size() < kChunkSize) fail();
      pos = data_start + kChunkSize;
      continue;
    }
    const std::size_t chunk_end = std::min(pos + chunk_size, compressed.size());
    if (pos + chunk_size > compressed.size()) fail();
    std::size_t p = data_start;
    bool bad = false;
    // [MS-OVBA] 2.4.1.3.2: TokenSequences of a FlagByte and up to 8 tokens. Each token consumes
    // at least one input byte, so the loop is bounded by the chunk size.
    while (p < chunk_end && !bad && out.size() < max_output) {
      const std::uint8_t flags = compressed[p++];
      for (unsigned bit = 0; bit < 8 && p < chunk_end && out.size() < max_output; ++bit) {
        if ((flags & (1u << bit)) == 0) {
          out.push_back(compressed[p++]);  // LiteralToken
          continue;
        }
        // [MS-OVBA] 2.4.1.3.19.1 CopyToken Help: the offset/length split depends on how far
        // into the chunk the decompression is.
        const auto token = ReadLe<std::uint16_t>(compressed, p);
        if (!token || p + 2 > chunk_end) {
          bad = true;
          break;
        }
        p += 2;
        const std::size_t difference = out.size() - chunk_start_out;
        unsigned bit_count = 4;
        while (bit_count < 12 && (std::size_t{1} << bit_count) < difference) ++bit_count;
        const unsigned length_mask = 0xFFFFu >> bit_count;
        const unsigned offset_mask = ~length_mask & 0xFFFFu;
        const std::size_t length = (*token & length_mask) + 3u;
        const std::size_t offset = ((*token & offset_mask) >> (16 - bit_count)) + 1u;
        if (offset > difference) {
          bad = true;  // copies from before the chunk: not a valid token
          break;
        }
        const std::size_t source = out.size() - offset;
        // Byte by byte: the source may overlap what this token writes (run-length copies).
        for (std::size_t i = 0; i < length && out.size() < max_output; ++i) {
          out.push_back(out[source + i]);
        }
      }
    }
    if (bad) {
      fail();
      break;
    }
    pos = chunk_end;
  }
  return out;
}

Result<std::vector<VbaProject>> ExtractVba(const CompoundFile& file, const VbaLimits& limits) {
  std::vector<VbaProject> projects;
  for (const DirectoryEntry& vba : file.entries()) {
    if (vba.type != EntryType::kStorage || AsciiLower(vba.name) != "vba") continue;
    const DirectoryEntry* dir_entry = file.Find(vba.path + "/dir");
    if (dir_entry == nullptr || dir_entry->type != EntryType::kStream) continue;
    if (projects.size() >= limits.max_projects) {
      if (!projects.empty()) {
        AddAnomaly(&projects.back().anomalies, "vba_project_count_exceeds_limit",
                   "more than " + std::to_string(limits.max_projects) + " VBA projects");
      }
      break;
    }

    VbaProject project;
    project.storage_path =
        vba.path.size() > vba.name.size() ? vba.path.substr(0, vba.path.size() - vba.name.size() - 1)
                                          : std::string();
    auto* anomalies = &project.anomalies;
    Bytes compressed_dir = file.ReadEntry(*dir_entry, anomalies).value_or(Bytes{});
    bool malformed = false;
    Result<Bytes> dir = DecompressOvba(compressed_dir, limits.max_dir_size, &malformed);
    if (!dir) {
      AddAnomaly(anomalies, "vba_dir_not_compressed", "dir stream lacks the 0x01 signature");
      projects.push_back(std::move(project));
      continue;
    }
    if (malformed) AddAnomaly(anomalies, "vba_dir_compression_malformed", "dir stream");

    // [MS-OVBA] 2.3.4.2 dir stream: Id (2), Size (4), Data records. Each record is at least
    // 6 bytes, so the loop is bounded by the stream size.
    std::uint32_t code_page = 1252;
    std::optional<VbaModule> module;
    std::size_t pos = 0;
    const ByteSpan d = *dir;
    bool full = false;
    auto finish_module = [&] {
      if (!module) return;
      if (project.modules.size() >= limits.max_modules) {
        AddAnomaly(anomalies, "vba_module_count_exceeds_limit",
                   "more than " + std::to_string(limits.max_modules) + " modules");
        full = true;
      } else {
        project.modules.push_back(std::move(*module));
      }
      module.reset();
    };
    while (!full && pos + 6 <= d.size()) {
      const std::uint16_t id = ReadLe<std::uint16_t>(d, pos).value_or(0);
      std::uint32_t size = ReadLe<std::uint32_t>(d, pos + 2).value_or(0);
      // [MS-OVBA] 2.3.4.2.1.11 PROJECTVERSION: Size says 4 but 6 bytes follow.
      if (id == kProjectVersion) size = 6;
      const std::size_t data_at = pos + 6;
      if (size > d.size() - data_at) {
        AddAnomaly(anomalies, "vba_dir_record_truncated",
                   "record " + HexNumber(id) + " runs past the dir stream");
        break;
      }
      const ByteSpan data = d.subspan(data_at, size);
      pos = data_at + size;
      if (id == kDirTerminator) break;
      switch (id) {
        case kProjectCodePage:
          code_page = ReadLe<std::uint16_t>(data, 0).value_or(1252);
          project.code_page = code_page;
          break;
        case kModuleName:
          finish_module();  // a module without its terminator still counts
          module.emplace();
          module->name = internal::DecodeCodePage(data, code_page);
          break;
        case kModuleNameUnicode:
          if (module) module->name = DecodeUtf16(data);
          break;
        case kModuleStreamName:
          if (module) module->stream_name = internal::DecodeCodePage(data, code_page);
          break;
        case kModuleStreamNameUnicode:
          if (module) module->stream_name = DecodeUtf16(data);
          break;
        case kModuleOffset:
          if (module) module->source_offset = ReadLe<std::uint32_t>(data, 0).value_or(0);
          break;
        case kModuleTerminator:
          finish_module();
          break;
        default:
          break;
      }
    }
    finish_module();

    const std::string vba_path = vba.path + "/";
    std::uint64_t budget = limits.max_project_bytes;
    for (VbaModule& m : project.modules) {
      if (budget == 0) {
        AddAnomaly(anomalies, "vba_project_budget_exhausted",
                   "modules past " + std::to_string(limits.max_project_bytes) + " bytes skipped");
        break;
      }
      const DirectoryEntry* stream = file.Find(vba_path + m.stream_name);
      if (stream == nullptr || stream->type != EntryType::kStream) {
        AddAnomaly(anomalies, "vba_module_stream_missing", "module stream not found");
        continue;
      }
      m.stream_found = true;
      const Bytes bytes = file.ReadEntry(*stream, anomalies).value_or(Bytes{});
      budget -= std::min<std::uint64_t>(budget, bytes.size());
      if (m.source_offset > bytes.size()) {
        AddAnomaly(anomalies, "vba_module_offset_out_of_range",
                   "MODULEOFFSET " + std::to_string(m.source_offset) + " past a stream of " +
                       std::to_string(bytes.size()) + " bytes");
        m.pcode_size = bytes.size();
        continue;
      }
      // [MS-OVBA] 2.3.4.3 Module Stream: PerformanceCache (p-code) then CompressedSourceCode.
      m.pcode_size = m.source_offset;
      bool source_malformed = false;
      const std::size_t max_source = static_cast<std::size_t>(
          std::min<std::uint64_t>(limits.max_source_size, budget));
      Result<Bytes> source = DecompressOvba(ByteSpan(bytes).subspan(m.source_offset), max_source,
                                            &source_malformed);
      if (!source) {
        AddAnomaly(anomalies, "vba_source_not_compressed",
                   "module source lacks the 0x01 signature");
        continue;
      }
      if (source_malformed) {
        AddAnomaly(anomalies, "vba_source_compression_malformed", "module source");
      }
      budget -= std::min<std::uint64_t>(budget, source->size());
      m.source = internal::DecodeCodePage(*source, code_page);
    }
    projects.push_back(std::move(project));
  }
  return projects;
}

}  // namespace kensa::ole
