#include "kensa/evtx/evtx_parser.h"

#include <array>
#include <string>

#include "binxml_reader.h"
#include "event_builder.h"

namespace kensa::evtx {
namespace {

// File layout (libyal EVTX sections 2-3): a 4 KiB file header, then 64 KiB chunks, each with a
// 512-byte header (128 bytes of fields, 64 common-string offsets, 32 template offsets) followed
// by event records.
constexpr std::uint64_t kFileHeaderSize = 4096;
constexpr std::uint64_t kChunkSize = 65536;
constexpr std::uint32_t kChunkHeaderSize = 512;
constexpr std::uint32_t kRecordHeaderSize = 24;  // signature, size, id, written time
constexpr std::uint32_t kRecordTrailerSize = 4;  // copy of the size

using Crc32Tables = std::array<std::array<std::uint32_t, 256>, 8>;

Crc32Tables MakeCrc32Tables() {
  Crc32Tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  }
  return t;
}

std::uint32_t Crc32(ByteSpan data, std::uint32_t crc = 0) {
  // CRC-32 (ISO 3309, reflected polynomial 0xEDB88320), the checksum EVTX headers use.
  // Slicing-by-8: every chunk's record data is checksummed, so this is on the hot path.
  static const Crc32Tables t = MakeCrc32Tables();
  crc = ~crc;
  std::size_t i = 0;
  for (; i + 8 <= data.size(); i += 8) {
    const std::uint32_t lo = crc ^ (static_cast<std::uint32_t>(data[i]) |
                                    static_cast<std::uint32_t>(data[i + 1]) << 8 |
                                    static_cast<std::uint32_t>(data[i + 2]) << 16 |
                                    static_cast<std::uint32_t>(data[i + 3]) << 24);
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][data[i + 4]] ^ t[2][data[i + 5]] ^ t[1][data[i + 6]] ^ t[0][data[i + 7]];
  }
  for (; i < data.size(); ++i) crc = t[0][(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

class Parser {
 public:
  Parser(const std::function<void(const Event&)>& on_event, ParseStats* stats,
         const EvtxLimits& limits)
      : on_event_(on_event), stats_(stats), limits_(limits), builder_(limits) {}

  void ParseChunk(ByteSpan chunk, std::uint64_t index);
  void Error(std::string message) {
    if (stats_->errors.size() < limits_.max_error_messages) {
      stats_->errors.push_back(std::move(message));
    }
  }
  ParseStats* stats() { return stats_; }

 private:
  const std::function<void(const Event&)>& on_event_;
  ParseStats* stats_;
  const EvtxLimits& limits_;
  internal::EventBuilder builder_;
  Event event_;
};

void Parser::ParseChunk(ByteSpan chunk, std::uint64_t index) {
  const std::string where = "chunk " + std::to_string(index);
  // Chunk header (libyal 3.1): free space offset at 48, records checksum at 52, header
  // checksum at 124 over bytes 0-120 and 128-512.
  const std::uint32_t header_crc =
      Crc32(chunk.subspan(128, kChunkHeaderSize - 128), Crc32(chunk.subspan(0, 120)));
  if (header_crc != ReadLe<std::uint32_t>(chunk, 124).value_or(0)) {
    ++stats_->checksum_mismatches;
  }
  std::uint64_t end = ReadLe<std::uint32_t>(chunk, 48).value_or(0);
  const bool end_known = end >= kChunkHeaderSize && end <= chunk.size();
  if (!end_known) {
    // A free space offset outside the chunk is a dirty header; records end at the first
    // non-record bytes anyway.
    end = chunk.size();
  } else if (Crc32(chunk.subspan(kChunkHeaderSize, end - kChunkHeaderSize)) !=
             ReadLe<std::uint32_t>(chunk, 52).value_or(0)) {
    ++stats_->checksum_mismatches;
  }

  internal::BinXmlReader reader(chunk, limits_);
  std::uint64_t offset = kChunkHeaderSize;
  for (std::uint32_t n = 0; n < limits_.max_records_per_chunk; ++n) {
    if (offset + kRecordHeaderSize > end) break;
    // Event record (libyal 4): signature "**\0\0", size (4), record id (8), FILETIME (8),
    // binary XML, size copy (4).
    if (!HasBytesAt(chunk, offset, std::string_view("\x2a\x2a\x00\x00", 4))) {
      // Records stop here. Before the header's free space offset that is damage (a record
      // zeroed or overwritten by a partial write); without a usable offset, zeros are just
      // the unused rest of the chunk.
      if (end_known || ReadLe<std::uint32_t>(chunk, offset).value_or(0) != 0) {
        ++stats_->record_errors;
        Error(where + ": bad_record_signature at " + std::to_string(offset));
      }
      break;
    }
    const std::uint32_t size = ReadLe<std::uint32_t>(chunk, offset + 4).value_or(0);
    if (size < kRecordHeaderSize + kRecordTrailerSize || offset + size > chunk.size()) {
      ++stats_->record_errors;
      Error(where + ": bad_record_size at " + std::to_string(offset));
      break;
    }
    event_.record_id = ReadLe<std::uint64_t>(chunk, offset + 8).value_or(0);
    event_.timestamp = FormatFiletime(ReadLe<std::uint64_t>(chunk, offset + 16).value_or(0));
    builder_.Reset(&event_);
    const Status status =
        reader.Read(static_cast<std::uint32_t>(offset + kRecordHeaderSize),
                    static_cast<std::uint32_t>(offset + size - kRecordTrailerSize), builder_);
    if (status.ok()) {
      ++stats_->records;
      on_event_(event_);
    } else {
      ++stats_->record_errors;
      Error(where + ": record " + std::to_string(event_.record_id) + ": " + status.message());
    }
    offset += size;
  }
}

}  // namespace

const std::string* Event::Find(std::string_view name) const {
  for (const EventField& field : fields) {
    if (field.name == name) return &field.value;
  }
  return nullptr;
}

Status ParseEvtx(ByteSpan file, const std::function<void(const Event&)>& on_event,
                 ParseStats* stats, const EvtxLimits& limits) {
  ParseStats local_stats;
  if (stats == nullptr) stats = &local_stats;
  // File header (libyal 2.1): "ElfFile\0", ..., checksum at 124 over the first 120 bytes.
  if (!HasBytesAt(file, 0, std::string_view("ElfFile\0", 8))) {
    return InvalidArgumentError("not an EVTX file: no ElfFile signature");
  }
  Parser parser(on_event, stats, limits);
  if (file.size() >= 128 &&
      Crc32(file.subspan(0, 120)) != ReadLe<std::uint32_t>(file, 124).value_or(0)) {
    ++stats->checksum_mismatches;
  }
  if (file.size() > limits.max_file_bytes) {
    parser.Error("file larger than max_file_bytes; the rest is not parsed");
    file = file.subspan(0, static_cast<std::size_t>(limits.max_file_bytes));
  }
  // The header's chunk count is not trusted: dirty files hold chunks past it, so every chunk
  // slot that exists in the file is visited.
  for (std::uint64_t index = 0; index < limits.max_chunks; ++index) {
    const std::uint64_t offset = kFileHeaderSize + index * kChunkSize;
    if (offset + kChunkHeaderSize > file.size()) break;
    const ByteSpan chunk = SubSpan(file, offset, kChunkSize);
    if (!HasBytesAt(chunk, 0, std::string_view("ElfChnk\0", 8))) {
      // Windows pre-allocates chunks as zeros; only a non-zero, wrong signature is damage.
      if (ReadLe<std::uint64_t>(chunk, 0).value_or(0) != 0) {
        ++stats->chunk_errors;
        parser.Error("chunk " + std::to_string(index) + ": bad_chunk_signature");
      }
      continue;
    }
    if (chunk.size() < kChunkSize) {
      // A truncated copy: decode what is there, but say so.
      ++stats->chunk_errors;
      parser.Error("chunk " + std::to_string(index) + ": truncated_chunk");
    }
    ++stats->chunks;
    parser.ParseChunk(chunk, index);
  }
  return Status::Ok();
}

}  // namespace kensa::evtx
