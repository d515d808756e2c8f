#ifndef KENSA_COLLECTOR_COLLECTOR_H_
#define KENSA_COLLECTOR_COLLECTOR_H_
// The state of one collection run and the few operations every step uses: add a live command's
// output, copy a file, record an error, log a line. The archive layout and manifest follow
// docs/collection-format.md.
//
// A step never stops the run: anything it cannot collect becomes a manifest error (with the
// artifact name and why) and the next step runs. Only a failure to write the archive itself
// (disk full, output removed) ends the collection early.

#include <stdint.h>
#include <windows.h>

#include "strbuf.h"
#include "win_util.h"
#include "zip_writer.h"

#define KENSA_COLLECTOR_NAME "kensa-collect-windows"

typedef struct ManifestItem {
  char* path;            // inside the archive
  const char* kind;      // "file" or "command"
  char* source;          // original path, or what produced a command's output
  const char* artifact;  // docs/collection-format.md "Artifact names"
  const char* method;    // how a file was obtained (copy, RegSaveKeyEx, EvtExportLog...)
  uint64_t size;
  char sha256[65];
  char* mtime;  // RFC 3339 modification time of the original, or NULL
} ManifestItem;

typedef struct ManifestError {
  char* source;
  const char* artifact;
  char* error;
} ManifestError;

typedef struct Profile {
  wchar_t* sid;   // NULL for a folder under the profiles directory that ProfileList lacks
  wchar_t* path;  // C:\Users\name
} Profile;

// Facts about the host gathered once at start (host_info writes them out in full).
typedef struct HostFacts {
  char* hostname;  // NetBIOS computer name
  char* fqdn;
  char* os;      // "Microsoft Windows 7 Professional (6.1.7601) Service Pack 1"
  char* kernel;  // "6.1.7601"
  char* arch;    // PROCESSOR_ARCHITECTURE spelling: AMD64, x86, ARM64, IA64
  char* timezone;
  char* boot_time;
  char* collected_by;
  char* privileges;  // the privileges main() enabled, "SeBackupPrivilege,SeDebugPrivilege..."
  DWORD major, minor, build;
  int is_wow64;          // a 32-bit collector on 64-bit Windows
  int is_admin;          // member of BUILTIN\Administrators with the token elevated
  wchar_t* windows_dir;  // C:\Windows (the real one, also on Terminal Server)
  wchar_t* system_dir;   // C:\Windows\System32 (64-bit view even from WOW64)
} HostFacts;

typedef struct Limits {
  uint64_t max_file_bytes;
  uint64_t max_total_bytes;
} Limits;

typedef struct Collector {
  ZipWriter zip;
  HANDLE archive_file;
  int archive_failed;  // the archive cannot be written any more; steps stop adding items

  ManifestItem* items;
  size_t item_count, item_capacity;
  ManifestError* errors;
  size_t error_count, error_capacity;
  // Open-addressing set of archive paths already used, so an item is never stored twice.
  char** names;
  size_t name_slots, name_count;

  StrBuf log;
  const char* step;  // the running step's artifact name, for log lines

  Limits limits;
  uint64_t stored_bytes;  // item bytes in the archive so far

  HostFacts host;
  Profile* profiles;
  size_t profile_count;

  wchar_t* temp_dir;  // scratch space for RegSaveKeyEx and EvtExportLog outputs
  unsigned temp_counter;
  uint8_t* io_buffer;  // kIoBufferSize bytes, shared by every file read
} Collector;

enum { kIoBufferSize = 1 << 20 };

// Log line "<UTC time> <step> <text>" into collector.log and onto stderr.
void CollectorLog(Collector* c, const char* text);
// Log line from a format: %s (UTF-8), %ls (UTF-16), %d, %u, %lu, %llu, %x (0x%08X) and %E,
// which takes a DWORD Win32 error code and prints "error 5 (Access is denied.)".
void CollectorLogf(Collector* c, const char* format, ...);
void SbFormat(StrBuf* sb, const char* format, ...);
void SbFormatV(StrBuf* sb, const char* format, va_list args);

// Records an artifact that was looked for and not collected (also logged).
void CollectorError(Collector* c, const char* artifact, const char* source, const char* error);
void CollectorErrorW(Collector* c, const char* artifact, const wchar_t* source, const char* error);
// The manifest wording of a Win32 error: "not present", "permission denied", "locked...", or
// "error N (text)". Free the result.
char* DescribeWin32Error(DWORD error);

// Stores `data` as a command item (kind "command") at `archive_path`. Returns 1 on success.
int CollectorAddCommand(Collector* c, const char* archive_path, const char* artifact,
                        const char* source, const char* data, size_t size);

typedef struct CopyRequest {
  const wchar_t* path;  // the file to read
  const char* artifact;
  const char* method;        // NULL: "copy"
  const char* archive_path;  // NULL: files/ + the mapped original path
  const wchar_t* source;     // NULL: `path`; the original the manifest names
  uint64_t max_bytes;        // 0: limits.max_file_bytes
  int missing_is_fine;       // a missing file is not an error (optional companions like .LOG2)
} CopyRequest;

typedef enum CopyResult {
  COPY_OK = 0,
  COPY_MISSING = 1,   // not present (recorded as an error unless missing_is_fine)
  COPY_FAILED = 2,    // could not be read or stored (recorded as an error)
  COPY_TOO_LARGE = 3  // over a size limit (recorded as an error)
} CopyResult;

// Copies a file into the archive through the backup path (FILE_FLAG_BACKUP_SEMANTICS, which
// with SeBackupPrivilege bypasses file ACLs), reading at most the size it had when opened.
// `sha256_hex` (may be NULL) receives the hash of what was stored.
CopyResult CollectorCopyFile(Collector* c, const CopyRequest* request, char sha256_hex[65]);

// A fresh path in the scratch folder ending in `suffix`; the file does not exist. Free it.
wchar_t* CollectorTempPath(Collector* c, const wchar_t* suffix);

// "files/C/Windows/System32/config/SYSTEM" for "C:\Windows\System32\config\SYSTEM" (also
// "\\?\" and UNC forms; ".." components are neutralised). Free the result.
char* ArchivePathFor(const wchar_t* path);

// Bytes left under max_total_bytes.
uint64_t CollectorBudgetLeft(const Collector* c);

// The user profiles (ProfileList plus unlisted folders under the profiles directory).
void CollectorLoadProfiles(Collector* c);

#endif  // KENSA_COLLECTOR_COLLECTOR_H_
