#ifndef KENSA_COLLECTOR_ZIP_WRITER_H_
#define KENSA_COLLECTOR_ZIP_WRITER_H_
// A streaming writer of zip archives with stored (uncompressed) entries, after PKWARE's
// APPNOTE.TXT 6.3.10: local file headers (4.3.7), central directory (4.3.12), end of central
// directory record (4.3.16), UTF-8 names (general purpose bit 11, 4.4.4). Portable C11: the
// output goes through a ZipSink, so the host build tests it with a FILE*.
//
//   ZipWriter zip; ZipInit(&zip, sink);
//   ZipBeginEntry(&zip, "commands/processes.tsv", date, time);
//   ZipWriteData(&zip, bytes, n); ...            // any number of chunks
//   ZipEndEntry(&zip);                           // or ZipAbortEntry to drop a half-read file
//   ZipFinish(&zip); ZipFree(&zip);
//
// The sink must be seekable: ZipEndEntry seeks back to patch the entry's CRC-32 and sizes into
// its local header, so an entry is written in one pass without knowing its size in advance and
// without data descriptors.
//
// No ZIP64: every size and offset must stay below 4 GiB and there are at most ZIP_MAX_ENTRIES
// entries. ZipWriteData refuses (ZIP_ERROR_LIMIT) data that would push the archive, including
// the central directory still to come, past that; the caller aborts the entry and moves on.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

// 0xFFFF in the end record would mean "see the ZIP64 record", which this writer never writes.
#define ZIP_MAX_ENTRIES 65534u
// The largest value a 32-bit size or offset field may hold without meaning "see ZIP64".
#define ZIP_MAX_OFFSET 0xFFFFFFFEu
// Entry names are stored with a 16-bit length.
#define ZIP_MAX_NAME_BYTES 0xFFFFu

typedef enum ZipStatus {
  ZIP_OK = 0,
  ZIP_ERROR_IO = 1,     // the sink failed; the archive is unusable
  ZIP_ERROR_LIMIT = 2,  // the zip32 bounds above would be exceeded; the archive is still fine
  ZIP_ERROR_STATE = 3,  // calls out of order (a bug in the caller)
} ZipStatus;

typedef struct ZipSink {
  void* context;
  // Each returns 0 on success.
  int (*write)(void* context, const void* data, size_t n);
  int (*seek)(void* context, uint64_t offset);
  // Ends the output at the current position (after an aborted entry the file may be longer).
  int (*truncate)(void* context);
} ZipSink;

typedef struct ZipEntry {
  char* name;
  uint32_t crc32;
  uint32_t size;
  uint32_t local_header_offset;
  uint16_t dos_date;
  uint16_t dos_time;
} ZipEntry;

typedef struct ZipWriter {
  ZipSink sink;
  uint64_t offset;  // where the next byte goes
  ZipEntry* entries;
  size_t entry_count;
  size_t entry_capacity;
  uint64_t central_directory_bytes;  // size of the central directory for the entries so far
  int in_entry;
  int failed;  // a sink error happened; every later call returns ZIP_ERROR_IO
  uint32_t running_crc;
  uint64_t entry_size;
} ZipWriter;

void ZipInit(ZipWriter* zip, ZipSink sink);
void ZipFree(ZipWriter* zip);
// `name` is UTF-8, relative, with '/' separators; `dos_date`/`dos_time` as ZipDosDateTime gives.
ZipStatus ZipBeginEntry(ZipWriter* zip, const char* name, uint16_t dos_date, uint16_t dos_time);
ZipStatus ZipWriteData(ZipWriter* zip, const void* data, size_t n);
ZipStatus ZipEndEntry(ZipWriter* zip);
ZipStatus ZipAbortEntry(ZipWriter* zip);
// Writes the central directory and the end record and truncates the sink there.
ZipStatus ZipFinish(ZipWriter* zip);

// MS-DOS date and time fields (2-second resolution; years 1980..2107, clamped).
void ZipDosDateTime(int year, int month, int day, int hour, int minute, int second,
                    uint16_t* dos_date, uint16_t* dos_time);
// CRC-32 as zip uses it (ISO 3309 polynomial 0xEDB88320, reflected): start with crc = 0.
uint32_t Crc32Update(uint32_t crc, const void* data, size_t n);

#ifdef __cplusplus
}
#endif

#endif  // KENSA_COLLECTOR_ZIP_WRITER_H_
