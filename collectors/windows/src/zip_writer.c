#include "zip_writer.h"

#include <stdlib.h>
#include <string.h>

#include "strbuf.h"

enum {
  kLocalHeaderSize = 30,
  kCentralHeaderSize = 46,
  kEndRecordSize = 22,
  // "Version needed to extract" 2.0: the lowest that knows stored entries and directories.
  kVersion = 20,
  kMadeByNtfs = (10 << 8) | kVersion,
  // General purpose bit 11: the name is UTF-8 (APPNOTE 4.4.4, appendix D).
  kFlagUtf8 = 0x0800,
};

static uint32_t g_crc_table[256];
static int g_crc_table_ready = 0;

static void BuildCrcTable(void) {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    g_crc_table[i] = c;
  }
  g_crc_table_ready = 1;
}

uint32_t Crc32Update(uint32_t crc, const void* data, size_t n) {
  if (!g_crc_table_ready) BuildCrcTable();
  const uint8_t* p = (const uint8_t*)data;
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) crc = g_crc_table[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

void ZipDosDateTime(int year, int month, int day, int hour, int minute, int second,
                    uint16_t* dos_date, uint16_t* dos_time) {
  if (year < 1980) {
    year = 1980;
    month = 1;
    day = 1;
    hour = minute = second = 0;
  }
  if (year > 2107) year = 2107;
  *dos_date = (uint16_t)(((year - 1980) << 9) | (month << 5) | day);
  *dos_time = (uint16_t)((hour << 11) | (minute << 5) | (second / 2));
}

static void PutLe16(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}

static void PutLe32(uint8_t* p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static ZipStatus SinkWrite(ZipWriter* zip, const void* data, size_t n) {
  if (zip->failed) return ZIP_ERROR_IO;
  if (n > 0 && zip->sink.write(zip->sink.context, data, n) != 0) {
    zip->failed = 1;
    return ZIP_ERROR_IO;
  }
  zip->offset += n;
  return ZIP_OK;
}

static ZipStatus SinkSeek(ZipWriter* zip, uint64_t offset) {
  if (zip->failed) return ZIP_ERROR_IO;
  if (zip->sink.seek(zip->sink.context, offset) != 0) {
    zip->failed = 1;
    return ZIP_ERROR_IO;
  }
  zip->offset = offset;
  return ZIP_OK;
}

void ZipInit(ZipWriter* zip, ZipSink sink) {
  memset(zip, 0, sizeof *zip);
  zip->sink = sink;
}

void ZipFree(ZipWriter* zip) {
  for (size_t i = 0; i < zip->entry_count; ++i) free(zip->entries[i].name);
  free(zip->entries);
  zip->entries = NULL;
  zip->entry_count = zip->entry_capacity = 0;
}

// True when `extra` more bytes of entry data still leave room for the central directory and
// the end record below 4 GiB.
static int FitsZip32(const ZipWriter* zip, uint64_t extra) {
  uint64_t end = zip->offset + extra + zip->central_directory_bytes + kEndRecordSize;
  return end <= ZIP_MAX_OFFSET;
}

ZipStatus ZipBeginEntry(ZipWriter* zip, const char* name, uint16_t dos_date, uint16_t dos_time) {
  if (zip->failed) return ZIP_ERROR_IO;
  if (zip->in_entry) return ZIP_ERROR_STATE;
  size_t name_len = strlen(name);
  if (name_len == 0 || name_len > ZIP_MAX_NAME_BYTES) return ZIP_ERROR_LIMIT;
  if (zip->entry_count >= ZIP_MAX_ENTRIES) return ZIP_ERROR_LIMIT;
  uint64_t directory_growth = kCentralHeaderSize + (uint64_t)name_len;
  if (!FitsZip32(zip, kLocalHeaderSize + name_len + directory_growth)) return ZIP_ERROR_LIMIT;

  if (zip->entry_count == zip->entry_capacity) {
    size_t capacity = zip->entry_capacity == 0 ? 256 : zip->entry_capacity * 2;
    zip->entries = (ZipEntry*)XRealloc(zip->entries, capacity * sizeof(ZipEntry));
    zip->entry_capacity = capacity;
  }
  ZipEntry* entry = &zip->entries[zip->entry_count];
  entry->name = XStrDup(name);
  entry->crc32 = 0;
  entry->size = 0;
  entry->local_header_offset = (uint32_t)zip->offset;
  entry->dos_date = dos_date;
  entry->dos_time = dos_time;

  uint8_t header[kLocalHeaderSize];
  PutLe32(header, 0x04034b50);
  PutLe16(header + 4, kVersion);
  PutLe16(header + 6, kFlagUtf8);
  PutLe16(header + 8, 0);  // method 0: stored
  PutLe16(header + 10, dos_time);
  PutLe16(header + 12, dos_date);
  PutLe32(header + 14, 0);  // CRC-32, compressed and uncompressed size: patched by ZipEndEntry
  PutLe32(header + 18, 0);
  PutLe32(header + 22, 0);
  PutLe16(header + 26, (uint32_t)name_len);
  PutLe16(header + 28, 0);  // no extra field
  ZipStatus status = SinkWrite(zip, header, sizeof header);
  if (status == ZIP_OK) status = SinkWrite(zip, name, name_len);
  if (status != ZIP_OK) {
    free(entry->name);
    return status;
  }
  zip->entry_count++;
  zip->central_directory_bytes += directory_growth;
  zip->in_entry = 1;
  zip->running_crc = 0;
  zip->entry_size = 0;
  return ZIP_OK;
}

ZipStatus ZipWriteData(ZipWriter* zip, const void* data, size_t n) {
  if (zip->failed) return ZIP_ERROR_IO;
  if (!zip->in_entry) return ZIP_ERROR_STATE;
  if (zip->entry_size + n > ZIP_MAX_OFFSET || !FitsZip32(zip, n)) return ZIP_ERROR_LIMIT;
  ZipStatus status = SinkWrite(zip, data, n);
  if (status != ZIP_OK) return status;
  zip->running_crc = Crc32Update(zip->running_crc, data, n);
  zip->entry_size += n;
  return ZIP_OK;
}

ZipStatus ZipEndEntry(ZipWriter* zip) {
  if (zip->failed) return ZIP_ERROR_IO;
  if (!zip->in_entry) return ZIP_ERROR_STATE;
  ZipEntry* entry = &zip->entries[zip->entry_count - 1];
  entry->crc32 = zip->running_crc;
  entry->size = (uint32_t)zip->entry_size;
  uint8_t patch[12];
  PutLe32(patch, entry->crc32);
  PutLe32(patch + 4, entry->size);  // stored: compressed size equals uncompressed size
  PutLe32(patch + 8, entry->size);
  uint64_t end = zip->offset;
  ZipStatus status = SinkSeek(zip, (uint64_t)entry->local_header_offset + 14);
  if (status == ZIP_OK) status = SinkWrite(zip, patch, sizeof patch);
  if (status == ZIP_OK) status = SinkSeek(zip, end);
  zip->in_entry = 0;
  return status;
}

ZipStatus ZipAbortEntry(ZipWriter* zip) {
  if (zip->failed) return ZIP_ERROR_IO;
  if (!zip->in_entry) return ZIP_ERROR_STATE;
  ZipEntry* entry = &zip->entries[zip->entry_count - 1];
  uint64_t start = entry->local_header_offset;
  zip->central_directory_bytes -= kCentralHeaderSize + (uint64_t)strlen(entry->name);
  free(entry->name);
  zip->entry_count--;
  zip->in_entry = 0;
  return SinkSeek(zip, start);
}

ZipStatus ZipFinish(ZipWriter* zip) {
  if (zip->failed) return ZIP_ERROR_IO;
  if (zip->in_entry) return ZIP_ERROR_STATE;
  uint64_t directory_offset = zip->offset;
  for (size_t i = 0; i < zip->entry_count; ++i) {
    const ZipEntry* entry = &zip->entries[i];
    size_t name_len = strlen(entry->name);
    uint8_t header[kCentralHeaderSize];
    PutLe32(header, 0x02014b50);
    // Made by: host 10 "Windows NTFS" (APPNOTE 4.4.2), version 2.0. Info-ZIP's unzip ignores
    // the UTF-8 flag for host 0 (MS-DOS) and would re-decode the names as code page 437.
    PutLe16(header + 4, kMadeByNtfs);
    PutLe16(header + 6, kVersion);
    PutLe16(header + 8, kFlagUtf8);
    PutLe16(header + 10, 0);
    PutLe16(header + 12, entry->dos_time);
    PutLe16(header + 14, entry->dos_date);
    PutLe32(header + 16, entry->crc32);
    PutLe32(header + 20, entry->size);
    PutLe32(header + 24, entry->size);
    PutLe16(header + 28, (uint32_t)name_len);
    PutLe16(header + 30, 0);  // extra field length
    PutLe16(header + 32, 0);  // comment length
    PutLe16(header + 34, 0);  // disk number start
    PutLe16(header + 36, 0);  // internal attributes
    PutLe32(header + 38, 0);  // external attributes
    PutLe32(header + 42, entry->local_header_offset);
    ZipStatus status = SinkWrite(zip, header, sizeof header);
    if (status == ZIP_OK) status = SinkWrite(zip, entry->name, name_len);
    if (status != ZIP_OK) return status;
  }
  uint64_t directory_size = zip->offset - directory_offset;
  uint8_t end[kEndRecordSize];
  PutLe32(end, 0x06054b50);
  PutLe16(end + 4, 0);
  PutLe16(end + 6, 0);
  PutLe16(end + 8, (uint32_t)zip->entry_count);
  PutLe16(end + 10, (uint32_t)zip->entry_count);
  PutLe32(end + 12, (uint32_t)directory_size);
  PutLe32(end + 16, (uint32_t)directory_offset);
  PutLe16(end + 20, 0);
  ZipStatus status = SinkWrite(zip, end, sizeof end);
  if (status != ZIP_OK) return status;
  if (zip->sink.truncate(zip->sink.context) != 0) {
    zip->failed = 1;
    return ZIP_ERROR_IO;
  }
  return ZIP_OK;
}
