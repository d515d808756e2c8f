// kensa-collect.exe: the no-install Windows collector (collectors/windows/README.md).
//
//   kensa-collect.exe [--out DIR] [--case ID] [--upload URL --token T]
//                     [--max-file-bytes N] [--max-total-bytes N] [--skip ARTIFACT,...]
//
// Exit codes:
//   0  the archive was written (and uploaded, with --upload); what could not be collected is
//      listed in the manifest's errors
//   1  bad command line
//   2  the archive could not be written (output folder, disk full); nothing usable was left
//   3  --upload failed; the archive is kept in the output folder for offline transfer
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "collector.h"
#include "steps.h"
#include "upload.h"

#ifndef KENSA_COLLECTOR_VERSION
#define KENSA_COLLECTOR_VERSION "0.0.0"
#endif

enum {
  kExitOk = 0,
  kExitUsage = 1,
  kExitArchiveFailed = 2,
  kExitUploadFailed = 3,
};

// Defaults: a Security log or SOFTWARE hive of a busy server fits in 1 GiB; 3 GiB in all
// leaves the zip32 archive (no ZIP64) room for headers and the manifest below 4 GiB.
static const uint64_t kDefaultMaxFileBytes = 1ull << 30;
static const uint64_t kDefaultMaxTotalBytes = 3ull << 30;
// The ceiling for --max-total-bytes: 4 GiB minus room for up to 65534 entries' headers, the
// central directory, collector.log and manifest.json.
static const uint64_t kMaxTotalBytesCeiling = (4ull << 30) - (256ull << 20);

typedef void (*StepFunction)(Collector* c);

typedef struct Step {
  const char* artifact;
  StepFunction run;
} Step;

// Volatile state first (processes, connections), then configuration, then files.
static const Step kSteps[] = {
    {"host_info", CollectHostInfo},
    {"processes", CollectProcesses},
    {"network", CollectNetwork},
    {"services", CollectServices},
    {"autoruns", CollectAutoruns},
    {"scheduled_tasks", CollectScheduledTasks},
    {"event_logs", CollectEventLogs},
    {"registry_hives", CollectRegistryHives},
    {"amcache", CollectAmcache},
    {"prefetch", CollectPrefetch},
    {"shell_history", CollectShellHistory},
    {"shortcuts", CollectShortcuts},
    {"recent_executables", CollectRecentExecutables},
};
enum { kStepCount = sizeof kSteps / sizeof kSteps[0] };

typedef struct Options {
  const wchar_t* out_dir;
  const wchar_t* case_id;
  const wchar_t* upload_url;
  const wchar_t* token;
  uint64_t max_file_bytes;
  uint64_t max_total_bytes;
  int skip[kStepCount];
} Options;

static void PrintText(const char* text) {
  HANDLE handle = GetStdHandle(STD_ERROR_HANDLE);
  DWORD written;
  if (handle != NULL && handle != INVALID_HANDLE_VALUE)
    WriteFile(handle, text, (DWORD)strlen(text), &written, NULL);
}

static void PrintUsage(void) {
  PrintText(
      "usage: kensa-collect.exe [--out DIR] [--case ID] [--upload URL --token TOKEN]\n"
      "                         [--max-file-bytes N] [--max-total-bytes N]\n"
      "                         [--skip ARTIFACT,...]\n"
      "Collects triage evidence of this host into kensa-<HOST>-<UTC time>.zip in DIR\n"
      "(default: the current folder). Run it as administrator for registry hives and the\n"
      "Security log. Artifacts: host_info processes network services autoruns\n"
      "scheduled_tasks event_logs registry_hives amcache prefetch shell_history\n"
      "shortcuts recent_executables.\n"
      "Exit codes: 0 written, 1 usage, 2 archive not written, 3 upload failed (archive kept).\n");
}

static int ParseBytes(const wchar_t* text, uint64_t* value) {
  uint64_t result = 0;
  if (*text == L'\0') return 0;
  for (const wchar_t* p = text; *p; ++p) {
    if (*p < L'0' || *p > L'9') return 0;
    if (result > (UINT64_MAX - 9) / 10) return 0;
    result = result * 10 + (uint64_t)(*p - L'0');
  }
  *value = result;
  return 1;
}

static int ParseSkip(const wchar_t* list, int skip[kStepCount]) {
  const wchar_t* p = list;
  while (*p) {
    const wchar_t* end = p;
    while (*end && *end != L',') ++end;
    int matched = 0;
    for (int i = 0; i < kStepCount; ++i) {
      size_t length = strlen(kSteps[i].artifact);
      if ((size_t)(end - p) != length) continue;
      int same = 1;
      for (size_t k = 0; k < length; ++k)
        if (p[k] != (wchar_t)kSteps[i].artifact[k]) same = 0;
      if (same) {
        skip[i] = 1;
        matched = 1;
      }
    }
    if (!matched) return 0;
    p = *end ? end + 1 : end;
  }
  return 1;
}

// Returns kExitOk, or kExitUsage after printing why.
static int ParseOptions(int argc, wchar_t** argv, Options* options) {
  memset(options, 0, sizeof *options);
  options->out_dir = L".";
  options->max_file_bytes = kDefaultMaxFileBytes;
  options->max_total_bytes = kDefaultMaxTotalBytes;
  for (int i = 1; i < argc; ++i) {
    const wchar_t* arg = argv[i];
    if (wcscmp(arg, L"--help") == 0 || wcscmp(arg, L"-h") == 0 || wcscmp(arg, L"/?") == 0) {
      PrintUsage();
      return kExitUsage;
    }
    if (wcscmp(arg, L"--version") == 0) {
      PrintText(KENSA_COLLECTOR_NAME " " KENSA_COLLECTOR_VERSION "\n");
      return kExitUsage;
    }
    if (i + 1 >= argc) {
      PrintText("kensa-collect: an option is missing its value\n");
      PrintUsage();
      return kExitUsage;
    }
    const wchar_t* value = argv[++i];
    if (wcscmp(arg, L"--out") == 0) {
      options->out_dir = value;
    } else if (wcscmp(arg, L"--case") == 0) {
      options->case_id = value;
    } else if (wcscmp(arg, L"--upload") == 0) {
      options->upload_url = value;
    } else if (wcscmp(arg, L"--token") == 0) {
      options->token = value;
    } else if (wcscmp(arg, L"--max-file-bytes") == 0) {
      if (!ParseBytes(value, &options->max_file_bytes) || options->max_file_bytes == 0) {
        PrintText("kensa-collect: --max-file-bytes takes a positive number of bytes\n");
        return kExitUsage;
      }
    } else if (wcscmp(arg, L"--max-total-bytes") == 0) {
      if (!ParseBytes(value, &options->max_total_bytes) || options->max_total_bytes == 0) {
        PrintText("kensa-collect: --max-total-bytes takes a positive number of bytes\n");
        return kExitUsage;
      }
    } else if (wcscmp(arg, L"--skip") == 0) {
      if (!ParseSkip(value, options->skip)) {
        PrintText("kensa-collect: --skip takes artifact names separated by commas\n");
        PrintUsage();
        return kExitUsage;
      }
    } else {
      PrintText("kensa-collect: unknown option\n");
      PrintUsage();
      return kExitUsage;
    }
  }
  if ((options->upload_url == NULL) != (options->token == NULL)) {
    PrintText("kensa-collect: --upload and --token go together\n");
    return kExitUsage;
  }
  if (options->upload_url != NULL && wcsncmp(options->upload_url, L"https://", 8) != 0) {
    PrintText(
        "kensa-collect: --upload needs an https:// URL (the token must not travel in "
        "clear text)\n");
    return kExitUsage;
  }
  if (options->max_total_bytes > kMaxTotalBytesCeiling) {
    PrintText(
        "kensa-collect: --max-total-bytes is capped at 4026531840 (the archive is a zip "
        "without ZIP64)\n");
    return kExitUsage;
  }
  if (options->max_file_bytes > options->max_total_bytes)
    options->max_file_bytes = options->max_total_bytes;
  return kExitOk;
}

// --- archive output ------------------------------------------------------------------------

static int FileSinkWrite(void* context, const void* data, size_t n) {
  HANDLE file = *(HANDLE*)context;
  const BYTE* p = (const BYTE*)data;
  while (n > 0) {
    DWORD chunk = n > (1u << 30) ? (1u << 30) : (DWORD)n;
    DWORD written = 0;
    if (!WriteFile(file, p, chunk, &written, NULL) || written == 0) return 1;
    p += written;
    n -= written;
  }
  return 0;
}

static int FileSinkSeek(void* context, uint64_t offset) {
  LARGE_INTEGER position;
  position.QuadPart = (LONGLONG)offset;
  return SetFilePointerEx(*(HANDLE*)context, position, NULL, FILE_BEGIN) ? 0 : 1;
}

static int FileSinkTruncate(void* context) { return SetEndOfFile(*(HANDLE*)context) ? 0 : 1; }

static void AppendJsonPair(StrBuf* sb, const char* key, const char* value, int comma) {
  SbAppendJsonString(sb, key);
  SbAppendChar(sb, ':');
  if (value != NULL) {
    SbAppendJsonString(sb, value);
  } else {
    SbAppendStr(sb, "null");
  }
  if (comma) SbAppendChar(sb, ',');
}

static char* BuildManifest(const Collector* c, const Options* options, const char* started_at,
                           const char* finished_at) {
  StrBuf sb;
  SbInit(&sb);
  SbAppendStr(&sb, "{\n  \"format\": \"kensa-collection\",\n  \"format_version\": 1,\n");
  SbAppendStr(&sb, "  \"collector\": {\"name\": \"" KENSA_COLLECTOR_NAME
                   "\", \"version\": \"" KENSA_COLLECTOR_VERSION "\"},\n  ");
  char* case_id = options->case_id ? WToUtf8(options->case_id) : NULL;
  AppendJsonPair(&sb, "case_id", case_id, 1);
  free(case_id);
  SbAppendStr(&sb, "\n  \"host\": {");
  const HostFacts* h = &c->host;
  AppendJsonPair(&sb, "hostname", h->hostname, 1);
  AppendJsonPair(&sb, "fqdn", h->fqdn, 1);
  AppendJsonPair(&sb, "os", h->os, 1);
  AppendJsonPair(&sb, "kernel", h->kernel, 1);
  AppendJsonPair(&sb, "arch", h->arch, 1);
  AppendJsonPair(&sb, "timezone", h->timezone, 1);
  AppendJsonPair(&sb, "boot_time", h->boot_time, 1);
  AppendJsonPair(&sb, "collected_by", h->collected_by, 0);
  SbAppendStr(&sb, "},\n  ");
  AppendJsonPair(&sb, "started_at", started_at, 1);
  SbAppendStr(&sb, "\n  ");
  AppendJsonPair(&sb, "finished_at", finished_at, 1);
  SbAppendStr(&sb, "\n  \"items\": [");
  for (size_t i = 0; i < c->item_count; ++i) {
    const ManifestItem* item = &c->items[i];
    SbAppendStr(&sb, i ? ",\n    {" : "\n    {");
    AppendJsonPair(&sb, "path", item->path, 1);
    AppendJsonPair(&sb, "kind", item->kind, 1);
    AppendJsonPair(&sb, "source", item->source, 1);
    AppendJsonPair(&sb, "artifact", item->artifact, 1);
    if (item->method != NULL) AppendJsonPair(&sb, "method", item->method, 1);
    SbAppendStr(&sb, "\"size\":");
    SbAppendU64(&sb, item->size);
    SbAppendChar(&sb, ',');
    AppendJsonPair(&sb, "sha256", item->sha256, item->mtime != NULL);
    if (item->mtime != NULL) AppendJsonPair(&sb, "mtime", item->mtime, 0);
    SbAppendChar(&sb, '}');
  }
  SbAppendStr(&sb, "\n  ],\n  \"errors\": [");
  for (size_t i = 0; i < c->error_count; ++i) {
    const ManifestError* e = &c->errors[i];
    SbAppendStr(&sb, i ? ",\n    {" : "\n    {");
    AppendJsonPair(&sb, "source", e->source, 1);
    AppendJsonPair(&sb, "artifact", e->artifact, 1);
    AppendJsonPair(&sb, "error", e->error, 0);
    SbAppendChar(&sb, '}');
  }
  SbAppendStr(&sb, "\n  ],\n  \"limits\": {\"max_file_bytes\": ");
  SbAppendU64(&sb, c->limits.max_file_bytes);
  SbAppendStr(&sb, ", \"max_total_bytes\": ");
  SbAppendU64(&sb, c->limits.max_total_bytes);
  SbAppendStr(&sb, "}\n}\n");
  return SbDetach(&sb);
}

// Stores `data` without a manifest item (the manifest cannot list itself).
static int StoreRaw(Collector* c, const char* name, const char* data, size_t size) {
  uint16_t dos_date, dos_time;
  FileTimeToDos(NowFileTime(), &dos_date, &dos_time);
  ZipStatus status = ZipBeginEntry(&c->zip, name, dos_date, dos_time);
  if (status == ZIP_OK) status = ZipWriteData(&c->zip, data, size);
  if (status == ZIP_OK) status = ZipEndEntry(&c->zip);
  return status == ZIP_OK;
}

// "kensa-<HOST>-<yyyymmddThhmmssZ>.zip"; characters not allowed in file names become '_'.
static wchar_t* ArchiveName(const char* hostname, uint64_t started) {
  StrBuf sb;
  SbInit(&sb);
  SbAppendStr(&sb, "kensa-");
  for (const char* p = hostname; *p; ++p)
    SbAppendChar(&sb, strchr("\\/:*?\"<>| ", *p) || (unsigned char)*p < 0x20 ? '_' : *p);
  SbAppendChar(&sb, '-');
  StrBuf time;
  SbInit(&time);
  SbAppendFileTime(&time, started);  // yyyy-mm-ddThh:mm:ssZ
  for (size_t i = 0; i < time.len; ++i)
    if (time.data[i] != '-' && time.data[i] != ':') SbAppendChar(&sb, time.data[i]);
  SbFree(&time);
  SbAppendStr(&sb, ".zip");
  wchar_t* name = Utf8ToW(sb.data);
  SbFree(&sb);
  return name;
}

static wchar_t* AbsolutePath(const wchar_t* path) {
  DWORD needed = GetFullPathNameW(path, 0, NULL, NULL);
  if (needed == 0) return WStrDup(path);
  wchar_t* full = (wchar_t*)XMalloc((needed + 1) * sizeof(wchar_t));
  if (GetFullPathNameW(path, needed + 1, full, NULL) == 0) {
    free(full);
    return WStrDup(path);
  }
  return full;
}

// Creates `path` and any missing parents (like mkdir -p); errors show up when the archive is
// created inside it.
static void CreateDirectories(const wchar_t* path) {
  wchar_t* copy = WStrDup(path);
  size_t length = wcslen(copy);
  // Skip the root ("C:\" or "\\server\share\") so that only real folders are created.
  size_t start = 3;
  if (copy[0] == L'\\' && copy[1] == L'\\') {
    int separators = 0;
    for (start = 2; start < length && separators < 2; ++start)
      if (copy[start] == L'\\') ++separators;
  }
  for (size_t i = start; i <= length; ++i) {
    if (copy[i] == L'\\' || copy[i] == L'\0') {
      wchar_t saved = copy[i];
      copy[i] = L'\0';
      CreateDirectoryW(copy, NULL);
      copy[i] = saved;
    }
  }
  free(copy);
}

static void RemoveTempDir(const wchar_t* dir) {
  wchar_t* pattern = WPathJoin(dir, L"*");
  WIN32_FIND_DATAW data;
  HANDLE find = FindFirstFileW(pattern, &data);
  if (find != INVALID_HANDLE_VALUE) {
    do {
      if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
      wchar_t* path = WPathJoin(dir, data.cFileName);
      DeleteFileW(path);
      free(path);
    } while (FindNextFileW(find, &data));
    FindClose(find);
  }
  free(pattern);
  RemoveDirectoryW(dir);
}

static void EnablePrivileges(Collector* c) {
  // Backup: read any file and save any hive. Security: read the Security log (XP).
  // Debug: open other users' processes for their command lines.
  static const wchar_t* const kPrivileges[] = {L"SeBackupPrivilege", L"SeSecurityPrivilege",
                                               L"SeDebugPrivilege"};
  StrBuf enabled;
  SbInit(&enabled);
  for (size_t i = 0; i < 3; ++i) {
    if (EnablePrivilege(kPrivileges[i])) {
      if (enabled.len) SbAppendChar(&enabled, ',');
      SbAppendUtf16(&enabled, (const uint16_t*)kPrivileges[i], wcslen(kPrivileges[i]));
    }
  }
  c->host.privileges = SbDetach(&enabled);
}

// The -municode entry point (no header declares it).
int wmain(int argc, wchar_t** argv);

int wmain(int argc, wchar_t** argv) {
  Options options;
  int parse = ParseOptions(argc, argv, &options);
  if (parse != kExitOk) return parse;

  LoadApis();
  Collector collector;
  Collector* c = &collector;
  memset(c, 0, sizeof *c);
  SbInit(&c->log);
  c->limits.max_file_bytes = options.max_file_bytes;
  c->limits.max_total_bytes = options.max_total_bytes;
  c->io_buffer = (uint8_t*)XMalloc(kIoBufferSize);
  uint64_t started = NowFileTime();
  char* started_at = FileTimeToRfc3339(started);

  EnablePrivileges(c);
  GatherHostFacts(c);
  CollectorLogf(c, "%s %s on %s (%s, %s), user %s, privileges %s", KENSA_COLLECTOR_NAME,
                KENSA_COLLECTOR_VERSION, c->host.hostname, c->host.os, c->host.arch,
                c->host.collected_by, c->host.privileges[0] ? c->host.privileges : "none");
  if (!c->host.is_admin)
    CollectorLog(c,
                 "not running as an elevated administrator: hives, the Security log and "
                 "other users' files will be missing (see errors)");
  if (c->host.is_wow64)
    CollectorLog(c, "32-bit collector on 64-bit Windows: use the x64 build for full results");

  wchar_t* out_dir = AbsolutePath(options.out_dir);
  CreateDirectories(out_dir);
  wchar_t* archive_name = ArchiveName(c->host.hostname, started);
  wchar_t* archive_path = WPathJoin(out_dir, archive_name);
  wchar_t* partial_path = WConcat(archive_path, L".partial", NULL);
  c->archive_file = CreateFileW(partial_path, GENERIC_READ | GENERIC_WRITE, 0, NULL, CREATE_ALWAYS,
                                FILE_ATTRIBUTE_NORMAL, NULL);
  if (c->archive_file == INVALID_HANDLE_VALUE) {
    CollectorLogf(c, "cannot create %ls: %E", partial_path, GetLastError());
    return kExitArchiveFailed;
  }
  ZipSink sink = {&c->archive_file, FileSinkWrite, FileSinkSeek, FileSinkTruncate};
  ZipInit(&c->zip, sink);

  // Scratch space for hive and event log exports, beside the archive.
  StrBuf temp_name;
  SbInit(&temp_name);
  SbFormat(&temp_name, "kensa-tmp-%lu", (unsigned long)GetCurrentProcessId());
  wchar_t* temp_leaf = Utf8ToW(temp_name.data);
  SbFree(&temp_name);
  c->temp_dir = WPathJoin(out_dir, temp_leaf);
  free(temp_leaf);
  CreateDirectoryW(c->temp_dir, NULL);

  for (int i = 0; i < kStepCount; ++i) {
    c->step = kSteps[i].artifact;
    if (options.skip[i]) {
      CollectorError(c, kSteps[i].artifact, "--skip", "skipped on request");
      continue;
    }
    if (c->archive_failed) {
      CollectorError(c, kSteps[i].artifact, "archive", "not collected: the archive failed");
      continue;
    }
    DWORD step_start = GetTickCount();
    size_t items_before = c->item_count, errors_before = c->error_count;
    CollectorLog(c, "start");
    kSteps[i].run(c);
    CollectorLogf(c, "done items=%u errors=%u ms=%lu", (unsigned)(c->item_count - items_before),
                  (unsigned)(c->error_count - errors_before),
                  (unsigned long)(GetTickCount() - step_start));
  }
  c->step = NULL;
  RemoveTempDir(c->temp_dir);

  char* finished_at = FileTimeToRfc3339(NowFileTime());
  CollectorLogf(c, "finished: %u items, %u errors, %llu bytes", (unsigned)c->item_count,
                (unsigned)c->error_count, (unsigned long long)c->stored_bytes);
  // collector.log is an item of the manifest (the log lines after this one are not in it).
  if (!c->archive_failed) {
    char* log_copy = XStrDup(c->log.data ? c->log.data : "");
    CollectorAddCommand(c, "collector.log", "collector_log", "the collector's own log", log_copy,
                        strlen(log_copy));
    free(log_copy);
  }
  char* manifest = BuildManifest(c, &options, started_at, finished_at);
  int written = !c->archive_failed && StoreRaw(c, "manifest.json", manifest, strlen(manifest)) &&
                ZipFinish(&c->zip) == ZIP_OK;
  free(manifest);
  if (!FlushFileBuffers(c->archive_file)) written = 0;
  CloseHandle(c->archive_file);
  if (!written || !MoveFileExW(partial_path, archive_path, MOVEFILE_REPLACE_EXISTING)) {
    CollectorLogf(c, "the archive could not be written: %ls", partial_path);
    DeleteFileW(partial_path);
    return kExitArchiveFailed;
  }
  CollectorLogf(c, "archive: %ls", archive_path);

  int exit_code = kExitOk;
  if (options.upload_url != NULL) {
    StrBuf error;
    SbInit(&error);
    CollectorLogf(c, "uploading to %ls", options.upload_url);
    if (UploadArchive(options.upload_url, options.token, options.case_id, archive_path,
                      archive_name, &error)) {
      CollectorLog(c, "upload done");
    } else {
      CollectorLogf(c, "upload failed: %s; the archive stays at %ls", error.data, archive_path);
      exit_code = kExitUploadFailed;
    }
    SbFree(&error);
  }
  // The process ends here; the OS reclaims the rest.
  return exit_code;
}
