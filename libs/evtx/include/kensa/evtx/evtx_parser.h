#pragma once
// Kensa's Windows XML Event Log (EVTX) parser, written for hostile and damaged input. It walks
// the file header, every 64 KiB chunk and every event record, decodes the record's binary XML
// (MS-EVEN6 2.2.12; libyal "Windows XML Event Log (EVTX) format" section 4) and hands each
// record to the caller as a flat list of name/value fields, the shape a Sigma engine matches on.
//
//   kensa::evtx::ParseStats stats;
//   auto status = kensa::evtx::ParseEvtx(bytes, [&](const kensa::evtx::Event& event) {
//     if (const std::string* image = event.Find("Image")) Use(*image);
//   }, &stats);
//
// Damage is counted, not fatal: a chunk with a bad signature is skipped and parsing continues
// with the next one; a record whose binary XML cannot be decoded is counted in
// `record_errors` and skipped; checksum mismatches are counted (Windows itself leaves them wrong
// in dirty files). Only a file without the "ElfFile" signature is rejected. Dirty files are
// read past what their headers claim: every 64 KiB chunk slot in the file is visited whatever
// the header's chunk count, records are read up to the chunk's free space offset whatever its
// last record id, and a truncated last chunk gives the records it still holds whole.
//
// Field names (what Sigma's Windows rules use):
//   - every leaf element under <System> by its element name: EventID, Version, Level, Task,
//     Opcode, Keywords, EventRecordID, Channel, Computer;
//   - every attribute of an element under <System> as <Element>_<Attribute>: Provider_Name,
//     Provider_Guid, Provider_EventSourceName, EventID_Qualifiers, Correlation_ActivityID,
//     Execution_ProcessID, Execution_ThreadID, Security_UserID; TimeCreated@SystemTime is
//     "TimeCreated" (RFC 3339 UTC, microseconds);
//   - <Data Name="X">v</Data> anywhere as X (CommandLine, Image, TargetUserName...); a <Data>
//     without a Name as Data[0], Data[1]... in document order;
//   - any other leaf element under EventData, UserData or elsewhere by its element name
//     (UserData's wrapper elements are dropped: <UserData><X><Param1>v</Param1></X> is Param1);
//     attributes outside <System>, other than Data's Name, are not fields.
// Values are the text Windows' own renderer would show: integers in decimal, HexInt32/64 and
// size_t as 0x..., GUIDs as {XXXXXXXX-...} upper case, SIDs as S-1-5-..., FILETIME/SYSTEMTIME
// as RFC 3339 UTC, binary as upper-case hex, booleans as true/false. An array value as element
// content repeats the element once per item, as Windows renders it (a classic provider's
// insertion strings become Data[0], Data[1]...); as an attribute value its items are joined
// by ",". Strings are UTF-8; entity and character references and CDATA are resolved to text.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::evtx {

// Bounds on the work one file can cause. Every count read from the file is clipped by one of
// these, so a crafted file costs at most a known amount of time and memory.
struct EvtxLimits {
  // Larger inputs are parsed up to this size only: real logs are at most a few GiB (Windows'
  // default maximum log size is 20 MiB).
  std::uint64_t max_file_bytes = std::uint64_t{4} << 30;
  // 4 GiB of 64 KiB chunks; the header's 16-bit chunk count is not trusted.
  std::uint64_t max_chunks = 65536;
  // A record is at least 28 bytes, so a 64 KiB chunk holds at most ~2,300 of them.
  std::uint32_t max_records_per_chunk = 4096;
  // Template instances nested through BinXml substitutions; Windows nests two or three deep,
  // a crafted file could recurse until the stack overflows.
  int max_template_depth = 16;
  // Element nesting inside one record; real events are under ten deep.
  int max_element_depth = 64;
  // Binary XML tokens decoded for one record, counting re-walks of shared templates: a template
  // that uses one substitution many times could otherwise blow up exponentially.
  std::uint64_t max_tokens_per_record = 1'000'000;
  // Text produced for one record, counting re-walks: a few hundred substitution tokens that
  // all point at one 64 KiB value would otherwise cost gigabytes. Real records make < 64 KiB.
  std::uint64_t max_text_bytes_per_record = std::uint64_t{16} << 20;
  // Substitution values of one template instance; Windows templates use at most a few hundred.
  std::uint32_t max_substitutions = 4096;
  // Longest field value kept, in bytes of UTF-8; longer values are truncated.
  std::size_t max_string_bytes = 1 << 20;
  // Fields kept per event; the rest are dropped.
  std::size_t max_fields_per_event = 1024;
  // Error messages kept in ParseStats::errors; the counters keep counting beyond it.
  std::size_t max_error_messages = 64;
};

struct EventField {
  std::string name;
  std::string value;
};

// One decoded event record.
struct Event {
  std::uint64_t record_id = 0;  // from the record header
  // When the record was written (record header), RFC 3339 UTC with microseconds. The event's
  // own time is the "TimeCreated" field; the two differ by the logging delay.
  std::string timestamp;
  std::vector<EventField> fields;

  // The value of the first field named `name`, or nullptr.
  const std::string* Find(std::string_view name) const;
};

struct ParseStats {
  std::uint64_t chunks = 0;               // chunks with a valid signature that were walked
  std::uint64_t records = 0;              // records decoded and passed to the callback
  std::uint64_t record_errors = 0;        // records found but not decodable
  std::uint64_t chunk_errors = 0;         // chunks skipped (bad signature) or truncated
  std::uint64_t checksum_mismatches = 0;  // file/chunk header or record-data CRC32 mismatches
  // "chunk 3: bad_chunk_signature", at most EvtxLimits::max_error_messages entries.
  std::vector<std::string> errors;
};

// Calls `on_event` for every record it can decode, in file order; damaged chunks and records
// are counted in `stats` (may be null) and skipped. Fails (invalid_argument) only when `file`
// does not start with the EVTX file signature.
Status ParseEvtx(ByteSpan file, const std::function<void(const Event&)>& on_event,
                 ParseStats* stats, const EvtxLimits& limits = {});

// "2019-03-19T23:34:15.123456Z" from a Windows FILETIME (100 ns ticks since 1601-01-01 UTC).
std::string FormatFiletime(std::uint64_t filetime);

}  // namespace kensa::evtx
