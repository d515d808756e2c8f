// processes: every running process with its parent, user, image path, command line and the
// SHA-256 of its image file -> commands/processes.tsv.
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "sha256.h"
#include "steps.h"

// After windows.h (via steps.h): tlhelp32.h does not include it.
#include <tlhelp32.h>

// Toolhelp snapshots list every process; a host with more than this is not one we triage.
enum { kMaxProcesses = 65536 };
// Image files larger than this are not hashed (the column says why); real images are far
// smaller, and hashing many large files would make the process list slow to take.
static const uint64_t kMaxHashedImageBytes = 512ull << 20;
// UNICODE_STRING lengths are 16-bit, so a command line is at most 32767 characters.
enum { kMaxCommandLineBytes = 65535 };

// NtQueryInformationProcess classes (winternl.h / ntddk).
enum {
  kProcessBasicInformation = 0,
  kProcessCommandLineInformation = 60  // Windows 8.1 and later
};

typedef struct ProcessBasicInformation {
  LONG exit_status;
  PVOID peb_base_address;
  ULONG_PTR affinity_mask;
  LONG base_priority;
  ULONG_PTR unique_process_id;
  ULONG_PTR inherited_from_unique_process_id;
} ProcessBasicInformation;

// Offsets of PEB.ProcessParameters and RTL_USER_PROCESS_PARAMETERS.CommandLine; unchanged from
// Windows XP to 11 for a process of the collector's own bitness.
#ifdef _WIN64
enum { kPebProcessParametersOffset = 0x20, kParametersCommandLineOffset = 0x70 };
#else
enum { kPebProcessParametersOffset = 0x10, kParametersCommandLineOffset = 0x40 };
#endif

typedef struct HashCacheEntry {
  wchar_t* path;
  char* hash;  // hex, or "" with a reason in note
  char* note;
} HashCacheEntry;

typedef struct HashCache {
  HashCacheEntry* entries;
  size_t count;
} HashCache;

static const HashCacheEntry* HashImage(Collector* c, HashCache* cache, const wchar_t* path) {
  for (size_t i = 0; i < cache->count; ++i)
    if (WStrEqualI(cache->entries[i].path, path)) return &cache->entries[i];
  cache->entries =
      (HashCacheEntry*)XRealloc(cache->entries, (cache->count + 1) * sizeof(HashCacheEntry));
  HashCacheEntry* entry = &cache->entries[cache->count++];
  entry->path = WStrDup(path);
  entry->hash = XStrDup("");
  entry->note = NULL;
  HANDLE file = OpenForBackupRead(path);
  if (file == INVALID_HANDLE_VALUE) {
    char* why = DescribeWin32Error(GetLastError());
    StrBuf note;
    SbInit(&note);
    SbFormat(&note, "image not hashed: %s", why);
    entry->note = SbDetach(&note);
    free(why);
    return entry;
  }
  LARGE_INTEGER size;
  if (!GetFileSizeEx(file, &size) || (uint64_t)size.QuadPart > kMaxHashedImageBytes) {
    entry->note = XStrDup("image not hashed: larger than 512 MiB");
    CloseHandle(file);
    return entry;
  }
  Sha256 hash;
  Sha256Init(&hash);
  uint64_t left = (uint64_t)size.QuadPart;
  DWORD got = 0;
  while (left > 0) {
    DWORD chunk = left > kIoBufferSize ? (DWORD)kIoBufferSize : (DWORD)left;
    if (!ReadFile(file, c->io_buffer, chunk, &got, NULL) || got == 0) break;
    Sha256Update(&hash, c->io_buffer, got);
    left -= got;
  }
  CloseHandle(file);
  if (left != 0) {
    entry->note = XStrDup("image not hashed: read failed");
    return entry;
  }
  uint8_t digest[SHA256_DIGEST_SIZE];
  Sha256Final(&hash, digest);
  free(entry->hash);
  entry->hash = (char*)XMalloc(65);
  Sha256Hex(digest, entry->hash);
  return entry;
}

// "\Device\HarddiskVolume2\Windows\x.exe" -> "C:\Windows\x.exe" by asking each drive letter
// which device it stands for.
static wchar_t* DevicePathToDosPath(const wchar_t* device_path) {
  wchar_t drive[3] = L"A:";
  for (wchar_t letter = L'A'; letter <= L'Z'; ++letter) {
    drive[0] = letter;
    wchar_t target[MAX_PATH];
    if (QueryDosDeviceW(drive, target, MAX_PATH) == 0) continue;
    size_t length = wcslen(target);
    if (length > 0 && wcsncmp(device_path, target, length) == 0 && device_path[length] == L'\\')
      return WConcat(drive, device_path + length, NULL);
  }
  return WStrDup(device_path);
}

static wchar_t* ImagePath(HANDLE process) {
  wchar_t buffer[32768];
  DWORD length = 32768;
  if (g_api.QueryFullProcessImageNameW != NULL &&
      g_api.QueryFullProcessImageNameW(process, 0, buffer, &length))
    return WStrDup(buffer);
  // Windows XP: the main module's file name (needs PROCESS_VM_READ).
  if (g_api.GetModuleFileNameExW != NULL &&
      g_api.GetModuleFileNameExW(process, NULL, buffer, 32768) > 0)
    return WStrDup(buffer);
  if (g_api.GetProcessImageFileNameW != NULL &&
      g_api.GetProcessImageFileNameW(process, buffer, 32768) > 0)
    return DevicePathToDosPath(buffer);
  return NULL;
}

static char* CommandLineFromPeb(HANDLE process, char** note) {
  ProcessBasicInformation basic;
  ULONG returned = 0;
  if (g_api.NtQueryInformationProcess(process, kProcessBasicInformation, &basic, sizeof basic,
                                      &returned) < 0 ||
      basic.peb_base_address == NULL) {
    *note = XStrDup("command line not read: NtQueryInformationProcess failed");
    return NULL;
  }
  PVOID parameters = NULL;
  KUnicodeString command_line;
  SIZE_T read = 0;
  if (!ReadProcessMemory(process, (BYTE*)basic.peb_base_address + kPebProcessParametersOffset,
                         &parameters, sizeof parameters, &read) ||
      parameters == NULL ||
      !ReadProcessMemory(process, (BYTE*)parameters + kParametersCommandLineOffset, &command_line,
                         sizeof command_line, &read)) {
    *note = XStrDup("command line not read: process memory not readable");
    return NULL;
  }
  size_t bytes = command_line.length & ~1u;
  if (bytes == 0 || command_line.buffer == NULL) return XStrDup("");
  uint16_t* text = (uint16_t*)XMalloc(bytes);
  char* result = NULL;
  if (ReadProcessMemory(process, command_line.buffer, text, bytes, &read) && read == bytes) {
    StrBuf sb;
    SbInit(&sb);
    SbAppendUtf16(&sb, text, bytes / 2);
    result = SbDetach(&sb);
  } else {
    *note = XStrDup("command line not read: process memory not readable");
  }
  free(text);
  return result;
}

static char* CommandLine(Collector* c, HANDLE process, char** note) {
  if (g_api.NtQueryInformationProcess == NULL) {
    *note = XStrDup("command line not read: NtQueryInformationProcess missing");
    return NULL;
  }
  // Windows 8.1+ hands the command line out directly, also across bitness.
  enum { kBufferBytes = kMaxCommandLineBytes + 2 * sizeof(KUnicodeString) };
  BYTE* buffer = (BYTE*)XMalloc(kBufferBytes);
  ULONG returned = 0;
  if (g_api.NtQueryInformationProcess(process, kProcessCommandLineInformation, buffer, kBufferBytes,
                                      &returned) >= 0) {
    const KUnicodeString* text = (const KUnicodeString*)buffer;
    char* result = NULL;
    if (text->buffer != NULL && (BYTE*)text->buffer >= buffer &&
        (BYTE*)text->buffer + text->length <= buffer + kBufferBytes) {
      StrBuf sb;
      SbInit(&sb);
      SbAppendUtf16(&sb, (const uint16_t*)text->buffer, text->length / 2);
      result = SbDetach(&sb);
    }
    free(buffer);
    if (result != NULL) return result;
  } else {
    free(buffer);
  }
  BOOL target_wow64 = FALSE;
  if (c->host.is_wow64 && g_api.IsWow64Process != NULL &&
      g_api.IsWow64Process(process, &target_wow64) && !target_wow64) {
    // A 32-bit reader cannot follow a 64-bit PEB; the x64 build can.
    *note = XStrDup("command line not read: 64-bit process, run the x64 collector");
    return NULL;
  }
  return CommandLineFromPeb(process, note);
}

static const char* ProcessUser(HANDLE process) {
  HANDLE token;
  if (!OpenProcessToken(process, TOKEN_QUERY, &token)) return NULL;
  BYTE buffer[512];
  DWORD length = 0;
  const char* name = NULL;
  if (GetTokenInformation(token, TokenUser, buffer, sizeof buffer, &length))
    name = SidToAccountName(((TOKEN_USER*)buffer)->User.Sid);
  CloseHandle(token);
  return name;
}

static void AppendNote(StrBuf* notes, const char* note) {
  if (note == NULL) return;
  if (notes->len > 0) SbAppendStr(notes, "; ");
  SbAppendStr(notes, note);
}

void CollectProcesses(Collector* c) {
  HANDLE snapshot = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
  if (snapshot == INVALID_HANDLE_VALUE) {
    char* why = DescribeWin32Error(GetLastError());
    CollectorError(c, "processes", "CreateToolhelp32Snapshot", why);
    free(why);
    return;
  }
  StrBuf out;
  SbInit(&out);
  SbAppendStr(&out, "pid\tppid\tuser\timage_path\tcommand_line\tsha256\tname\tstart_time\tnotes\n");
  HashCache cache = {NULL, 0};
  PROCESSENTRY32W entry;
  entry.dwSize = sizeof entry;
  unsigned count = 0;
  for (BOOL more = Process32FirstW(snapshot, &entry); more && count < kMaxProcesses;
       more = Process32NextW(snapshot, &entry), ++count) {
    StrBuf notes;
    SbInit(&notes);
    char* image = NULL;
    char* command_line = NULL;
    const char* user = NULL;
    const char* hash = "";
    char* start_time = NULL;
    HANDLE process = NULL;
    if (entry.th32ProcessID == 0 || entry.th32ProcessID == 4) {
      AppendNote(&notes, "kernel process");
    } else {
      process =
          OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, entry.th32ProcessID);
      if (process == NULL) {
        // Protected processes (and XP without SeDebugPrivilege) refuse the full access;
        // Vista+ still gives the limited right, enough for the image path.
        process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, entry.th32ProcessID);
      }
      if (process == NULL) {
        char* why = DescribeWin32Error(GetLastError());
        StrBuf note;
        SbInit(&note);
        SbFormat(&note, "not opened: %s", why);
        AppendNote(&notes, note.data);
        SbFree(&note);
        free(why);
      }
    }
    if (process != NULL) {
      wchar_t* path = ImagePath(process);
      if (path != NULL) {
        image = WToUtf8(path);
        const HashCacheEntry* hashed = HashImage(c, &cache, path);
        hash = hashed->hash;
        AppendNote(&notes, hashed->note);
        free(path);
      } else {
        AppendNote(&notes, "image path not read");
      }
      char* note = NULL;
      command_line = CommandLine(c, process, &note);
      AppendNote(&notes, note);
      free(note);
      user = ProcessUser(process);
      FILETIME created, exited, kernel, user_time;
      if (GetProcessTimes(process, &created, &exited, &kernel, &user_time))
        start_time = FileTimeToRfc3339(FileTimeToU64(created));
      CloseHandle(process);
    }
    SbFormat(&out, "%lu\t%lu\t", (unsigned long)entry.th32ProcessID,
             (unsigned long)entry.th32ParentProcessID);
    SbAppendTsvField(&out, user ? user : "");
    SbAppendChar(&out, '\t');
    SbAppendTsvField(&out, image ? image : "");
    SbAppendChar(&out, '\t');
    SbAppendTsvField(&out, command_line ? command_line : "");
    SbAppendChar(&out, '\t');
    SbAppendStr(&out, hash);
    SbAppendChar(&out, '\t');
    char* name = WToUtf8(entry.szExeFile);
    SbAppendTsvField(&out, name);
    SbAppendChar(&out, '\t');
    SbAppendStr(&out, start_time ? start_time : "");
    SbAppendChar(&out, '\t');
    SbAppendTsvField(&out, notes.data ? notes.data : "");
    SbAppendChar(&out, '\n');
    free(name);
    free(image);
    free(command_line);
    free(start_time);
    SbFree(&notes);
  }
  CloseHandle(snapshot);
  CollectorLogf(c, "%u processes, %u distinct images hashed", count, (unsigned)cache.count);
  CollectorAddCommand(c, "commands/processes.tsv", "processes",
                      "CreateToolhelp32Snapshot, NtQueryInformationProcess, "
                      "QueryFullProcessImageNameW",
                      out.data, out.len);
  for (size_t i = 0; i < cache.count; ++i) {
    free(cache.entries[i].path);
    free(cache.entries[i].hash);
    free(cache.entries[i].note);
  }
  free(cache.entries);
  SbFree(&out);
}
