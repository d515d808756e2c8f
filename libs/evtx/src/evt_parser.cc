#include "kensa/evtx/evt_parser.h"

#include <algorithm>
#include <map>

#include "kensa/core/time.h"
#include "value_format.h"

namespace kensa::evtx {

namespace {

constexpr std::uint32_t kHeaderSize = 0x30;
constexpr std::uint32_t kFixedRecordSize = 56;
constexpr std::string_view kSignature = "LfLe";
// Binary data longer than this is cut in the Binary field (hex doubles it).
constexpr std::size_t kMaxDataBytes = 4096;

std::uint32_t U32(ByteSpan data, std::uint64_t offset) { return ReadLe<std::uint32_t>(data, offset).value_or(0); }
std::uint16_t U16(ByteSpan data, std::uint64_t offset) { return ReadLe<std::uint16_t>(data, offset).value_or(0); }

// A NUL-terminated UTF-16LE string at `offset` inside `record`; `next` gets the offset after
// its NUL (record.size() when none).
std::string Utf16String(ByteSpan record, std::size_t offset, std::size_t* next) {
  std::size_t end = offset;
  while (end + 1 < record.size() && (record[end] != 0 || record[end + 1] != 0)) end += 2;
  std::string text;
  if (offset < record.size()) internal::AppendUtf16(text, SubSpan(record, offset, end - offset));
  *next = std::min(end + 2, record.size());
  return text;
}

const char* LevelOf(std::uint16_t event_type) {
  switch (event_type) {
    case 0x0001: return "2";  // error
    case 0x0002: return "3";  // warning
    case 0x0004: return "4";  // information
    default: return "0";      // audit success / failure, or unknown
  }
}

struct Parsed {
  std::uint32_t record_number = 0;
  Event event;
};

// Decodes one record whose framing (length, signature, trailing length) was checked.
std::optional<Parsed> DecodeRecord(ByteSpan record, std::string_view channel, const EvtLimits& limits) {
  const std::uint32_t length = static_cast<std::uint32_t>(record.size());
  const std::uint32_t string_offset = U32(record, 36);
  const std::uint32_t sid_length = U32(record, 40);
  const std::uint32_t sid_offset = U32(record, 44);
  const std::uint32_t data_length = U32(record, 48);
  const std::uint32_t data_offset = U32(record, 52);
  const auto fits = [&](std::uint64_t offset, std::uint64_t size) {
    return offset >= kFixedRecordSize && offset <= length && size <= length - offset;
  };
  if (!fits(string_offset, 0) || (sid_length > 0 && !fits(sid_offset, sid_length)) ||
      (data_length > 0 && !fits(data_offset, data_length))) {
    return std::nullopt;
  }
  Parsed parsed;
  parsed.record_number = U32(record, 8);
  Event& event = parsed.event;
  event.record_id = parsed.record_number;
  event.timestamp = FormatRfc3339(U32(record, 16));
  std::size_t next = kFixedRecordSize;
  const std::string source = Utf16String(record, next, &next);
  const std::string computer = Utf16String(record, next, &next);
  const std::uint32_t event_id = U32(record, 20);
  const std::uint16_t event_type = U16(record, 24);
  const auto add = [&](std::string name, std::string value) { event.fields.push_back({std::move(name), std::move(value)}); };
  add("Provider_Name", source);
  add("Channel", std::string(channel));
  add("Computer", computer);
  add("EventID", std::to_string(event_id & 0xFFFF));
  add("Qualifiers", std::to_string(event_id >> 16));
  add("EventRecordID", std::to_string(parsed.record_number));
  add("TimeCreated", FormatRfc3339(U32(record, 12)));
  add("Level", LevelOf(event_type));
  if (event_type == 0x0008) add("Keywords", "0x8020000000000000");  // audit success
  if (event_type == 0x0010) add("Keywords", "0x8010000000000000");  // audit failure
  add("Task", std::to_string(U16(record, 28)));
  if (sid_length > 0) {
    std::string sid;
    if (internal::AppendValue(sid, internal::kSid, SubSpan(record, sid_offset, sid_length))) add("Security_UserID", sid);
  }
  const std::uint32_t strings = std::min<std::uint32_t>(U16(record, 26), limits.max_strings);
  // The strings end where the data (or the trailing length) begins.
  const std::size_t strings_end = data_length > 0 && data_offset >= string_offset ? data_offset : length - 4;
  std::size_t at = string_offset;
  for (std::uint32_t i = 0; i < strings && at < strings_end; ++i) {
    add("Data[" + std::to_string(i) + "]", Utf16String(SubSpan(record, 0, strings_end), at, &at));
  }
  if (data_length > 0) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string hex;
    for (std::uint8_t byte : SubSpan(record, data_offset, std::min<std::size_t>(data_length, kMaxDataBytes))) {
      hex += kHex[byte >> 4];
      hex += kHex[byte & 0xF];
    }
    add("Binary", std::move(hex));
  }
  return parsed;
}

}  // namespace

bool IsEvt(ByteSpan file) { return U32(file, 0) == kHeaderSize && HasBytesAt(file, 4, kSignature); }

Status ParseEvt(ByteSpan file, std::string_view channel, const std::function<void(const Event&)>& on_event,
                ParseStats* stats, const EvtLimits& limits) {
  if (!IsEvt(file)) return InvalidArgumentError("not an .evt event log (no LfLe header)");
  ParseStats local;
  ParseStats& counts = stats != nullptr ? *stats : local;
  const auto error = [&](std::string message) {
    if (counts.errors.size() < limits.max_error_messages) counts.errors.push_back(std::move(message));
  };
  // Record number -> where its record is, the first copy found winning: a log that wrapped
  // keeps stale copies of overwritten records only where newer ones have not reached yet. Only
  // the places are kept, so that a large log costs 16 bytes a record until it is decoded.
  std::map<std::uint32_t, std::pair<std::uint64_t, std::uint32_t>> places;
  std::uint64_t offset = kHeaderSize;
  while (offset + kFixedRecordSize <= file.size() && places.size() < limits.max_records) {
    const std::uint32_t length = U32(file, offset);
    const bool framed = HasBytesAt(file, offset + 4, kSignature) && length >= kFixedRecordSize &&
                        length <= limits.max_record_bytes && length % 4 == 0 && length <= file.size() - offset &&
                        U32(file, offset + length - 4) == length;
    if (!framed) {
      if (HasBytesAt(file, offset + 4, kSignature)) {
        ++counts.record_errors;
        error("offset " + std::to_string(offset) + ": a record whose lengths do not agree");
      }
      offset += 4;  // records start on 4-byte boundaries
      continue;
    }
    places.emplace(U32(file, offset + 8), std::make_pair(offset, length));
    offset += length;
  }
  for (const auto& [number, place] : places) {
    auto parsed = DecodeRecord(SubSpan(file, place.first, place.second), channel, limits);
    if (!parsed) {
      ++counts.record_errors;
      error("offset " + std::to_string(place.first) + ": record offsets outside the record");
      continue;
    }
    ++counts.records;
    on_event(parsed->event);
  }
  return Status::Ok();
}

std::string EvtChannelFromFileName(std::string_view file_name) {
  if (const auto slash = file_name.find_last_of("/\\"); slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  std::string base(file_name.substr(0, file_name.rfind('.')));
  const std::string lower = AsciiLower(base);
  if (lower == "secevent") return "Security";
  if (lower == "sysevent") return "System";
  if (lower == "appevent") return "Application";
  return base;
}

}  // namespace kensa::evtx
