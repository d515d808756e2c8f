#pragma once
// ParseEvt: the legacy Windows event log (.evt) of Windows NT to XP and Server 2003, which
// Kensa's collector saves with BackupEventLog there. The file is a header ("LfLe", 48 bytes)
// and a circular buffer of EVENTLOGRECORDs (MS-EVEN / winnt.h):
//   Length, "LfLe", RecordNumber, TimeGenerated, TimeWritten (Unix seconds), EventID,
//   EventType, NumStrings, EventCategory, flags, ClosingRecordNumber, StringOffset,
//   UserSidLength, UserSidOffset, DataLength, DataOffset (56 bytes); then SourceName and
//   Computername (UTF-16LE, NUL-terminated), the user's SID, the insertion strings, the data,
//   and Length again.
// Records are found by their signature and their two matching lengths rather than by walking
// from the header's start offset: a log that wrapped, a crash that left the header stale, or a
// damaged stretch then lose only what is damaged, and overwritten-but-intact records come
// back too. Each record number is reported once, in record-number order.
//
// Each record becomes an evtx::Event with the fields the EVTX reader gives a classic event, so
// that Sigma rules and the hunt read both alike: Provider_Name (the source), Channel (the
// log's name, given by the caller), Computer, EventID (the low 16 bits, as Event Viewer shows),
// Qualifiers (the high 16), EventRecordID, TimeCreated (TimeGenerated, RFC 3339 UTC), Level
// (from EventType: 2 error, 3 warning, 4 information, 0 audit), Keywords (audit success /
// failure), Task (the category), Security_UserID (S-1-5-...), and the insertion strings as
// Data[0], Data[1]... The record's own timestamp is TimeWritten.

#include <functional>
#include <string>
#include <string_view>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"
#include "kensa/evtx/evtx_parser.h"

namespace kensa::evtx {

struct EvtLimits {
  // A record holds at most 64 KiB of strings and data in practice; larger lengths are damage.
  std::uint32_t max_record_bytes = 1u << 20;
  // Records reported per file: a 4 GiB file of minimal records would be ~75 million.
  std::uint64_t max_records = 10'000'000;
  // Insertion strings kept per record (Windows allows a few hundred).
  std::uint32_t max_strings = 256;
  // Error messages kept in ParseStats::errors.
  std::size_t max_error_messages = 64;
};

// True when `file` starts with an .evt header (size 0x30, "LfLe").
bool IsEvt(ByteSpan file);

// Calls `on_event` for every record found (see above), in record-number order; records whose
// inner offsets do not fit are counted as record errors. Fails (invalid_argument) only when
// `file` is not an .evt file.
Status ParseEvt(ByteSpan file, std::string_view channel, const std::function<void(const Event&)>& on_event,
                ParseStats* stats, const EvtLimits& limits = {});

// The log's name from the file's name, as Windows names the files: SecEvent.Evt → Security,
// SysEvent.Evt → System, AppEvent.Evt → Application; any other name without its extension
// ("Internet Explorer.evt" → "Internet Explorer").
std::string EvtChannelFromFileName(std::string_view file_name);

}  // namespace kensa::evtx
