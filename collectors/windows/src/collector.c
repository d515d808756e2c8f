#include "collector.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "sha256.h"

// --- formatting and logging ----------------------------------------------------------------

static void AppendWin32ErrorText(StrBuf* sb, DWORD error) {
  SbAppendStr(sb, "error ");
  SbAppendU64(sb, error);
  wchar_t* text = NULL;
  DWORD length = FormatMessageW(
      FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
      NULL, error, MAKELANGID(LANG_ENGLISH, SUBLANG_ENGLISH_US), (LPWSTR)&text, 0, NULL);
  if (length == 0) {
    // English may not be installed; take the system's language instead.
    length = FormatMessageW(
        FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
        NULL, error, 0, (LPWSTR)&text, 0, NULL);
  }
  if (length > 0 && text != NULL) {
    while (length > 0 && (text[length - 1] == L'\r' || text[length - 1] == L'\n' ||
                          text[length - 1] == L' ' || text[length - 1] == L'.'))
      --length;
    SbAppendStr(sb, " (");
    SbAppendUtf16(sb, (const uint16_t*)text, length);
    SbAppendChar(sb, ')');
  }
  if (text != NULL) LocalFree(text);
}

void SbFormatV(StrBuf* sb, const char* format, va_list args) {
  for (const char* p = format; *p != '\0'; ++p) {
    if (*p != '%') {
      SbAppendChar(sb, *p);
      continue;
    }
    ++p;
    if (*p == 's') {
      const char* s = va_arg(args, const char*);
      SbAppendStr(sb, s ? s : "(null)");
    } else if (p[0] == 'l' && p[1] == 's') {
      const wchar_t* s = va_arg(args, const wchar_t*);
      if (s != NULL) SbAppendUtf16(sb, (const uint16_t*)s, wcslen(s));
      ++p;
    } else if (*p == 'd') {
      SbAppendI64(sb, va_arg(args, int));
    } else if (*p == 'u') {
      SbAppendU64(sb, va_arg(args, unsigned));
    } else if (p[0] == 'l' && p[1] == 'u') {
      SbAppendU64(sb, va_arg(args, unsigned long));
      ++p;
    } else if (p[0] == 'l' && p[1] == 'l' && p[2] == 'u') {
      SbAppendU64(sb, va_arg(args, unsigned long long));
      p += 2;
    } else if (*p == 'x') {
      SbAppendHexU32(sb, va_arg(args, unsigned), 8);
    } else if (*p == 'E') {
      AppendWin32ErrorText(sb, va_arg(args, DWORD));
    } else if (*p == '%') {
      SbAppendChar(sb, '%');
    } else {
      // An unknown conversion is a bug in a format string here; show it rather than guess.
      SbAppendChar(sb, '%');
      if (*p == '\0') break;
      SbAppendChar(sb, *p);
    }
  }
}

void SbFormat(StrBuf* sb, const char* format, ...) {
  va_list args;
  va_start(args, format);
  SbFormatV(sb, format, args);
  va_end(args);
}

static void WriteToStderr(const char* utf8, size_t length) {
  HANDLE handle = GetStdHandle(STD_ERROR_HANDLE);
  if (handle == NULL || handle == INVALID_HANDLE_VALUE) return;
  DWORD mode;
  if (GetConsoleMode(handle, &mode)) {
    // A console shows UTF-16 correctly whatever its code page.
    wchar_t* wide = Utf8ToW(utf8);
    DWORD written;
    WriteConsoleW(handle, wide, (DWORD)wcslen(wide), &written, NULL);
    free(wide);
  } else {
    DWORD written;
    WriteFile(handle, utf8, (DWORD)length, &written, NULL);
  }
}

// collector.log stays in memory until the end; past this it keeps only a marker.
enum { kMaxLogBytes = 16 << 20 };

void CollectorLog(Collector* c, const char* text) {
  StrBuf line;
  SbInit(&line);
  SbAppendFileTime(&line, NowFileTime());
  SbAppendChar(&line, ' ');
  SbAppendStr(&line, c->step ? c->step : "collector");
  SbAppendChar(&line, ' ');
  SbAppendStr(&line, text);
  SbAppendStr(&line, "\r\n");
  if (c->log.len + line.len <= kMaxLogBytes) {
    SbAppend(&c->log, line.data, line.len);
  } else if (c->log.len < kMaxLogBytes + 64) {
    SbAppendStr(&c->log, "(log truncated)\r\n");
  }
  WriteToStderr(line.data, line.len);
  SbFree(&line);
}

void CollectorLogf(Collector* c, const char* format, ...) {
  StrBuf sb;
  SbInit(&sb);
  va_list args;
  va_start(args, format);
  SbFormatV(&sb, format, args);
  va_end(args);
  CollectorLog(c, sb.data ? sb.data : "");
  SbFree(&sb);
}

// --- errors --------------------------------------------------------------------------------

char* DescribeWin32Error(DWORD error) {
  switch (error) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND:
    case ERROR_INVALID_DRIVE:
    case ERROR_BAD_NETPATH:
      return XStrDup("not present");
    case ERROR_ACCESS_DENIED:
    case ERROR_PRIVILEGE_NOT_HELD:
      return XStrDup("permission denied");
    case ERROR_SHARING_VIOLATION:
    case ERROR_LOCK_VIOLATION:
      // A raw NTFS read would get past this; the collector does not implement one.
      return XStrDup("locked by another process; raw NTFS read not implemented");
    default: {
      StrBuf sb;
      SbInit(&sb);
      AppendWin32ErrorText(&sb, error);
      return SbDetach(&sb);
    }
  }
}

void CollectorError(Collector* c, const char* artifact, const char* source, const char* error) {
  if (c->error_count == c->error_capacity) {
    c->error_capacity = c->error_capacity ? c->error_capacity * 2 : 64;
    c->errors = (ManifestError*)XRealloc(c->errors, c->error_capacity * sizeof(ManifestError));
  }
  ManifestError* e = &c->errors[c->error_count++];
  e->artifact = artifact;
  e->source = XStrDup(source);
  e->error = XStrDup(error);
  CollectorLogf(c, "error artifact=%s source=%s: %s", artifact, source, error);
}

void CollectorErrorW(Collector* c, const char* artifact, const wchar_t* source, const char* error) {
  char* utf8 = WToUtf8(source);
  CollectorError(c, artifact, utf8, error);
  free(utf8);
}

// --- archive path set ----------------------------------------------------------------------

static uint64_t HashName(const char* s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (; *s; ++s) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

static size_t NameSlot(char** slots, size_t slot_count, const char* name) {
  size_t i = (size_t)(HashName(name) & (slot_count - 1));
  while (slots[i] != NULL && strcmp(slots[i], name) != 0) i = (i + 1) & (slot_count - 1);
  return i;
}

static int NameTaken(const Collector* c, const char* name) {
  if (c->name_slots == 0) return 0;
  return c->names[NameSlot(c->names, c->name_slots, name)] != NULL;
}

static void RememberName(Collector* c, const char* name) {
  if (2 * (c->name_count + 1) > c->name_slots) {
    size_t slots = c->name_slots ? c->name_slots * 2 : 1024;
    char** table = (char**)XMalloc(slots * sizeof(char*));
    memset(table, 0, slots * sizeof(char*));
    for (size_t i = 0; i < c->name_slots; ++i)
      if (c->names[i] != NULL) table[NameSlot(table, slots, c->names[i])] = c->names[i];
    free(c->names);
    c->names = table;
    c->name_slots = slots;
  }
  c->names[NameSlot(c->names, c->name_slots, name)] = XStrDup(name);
  c->name_count++;
}

// --- items ---------------------------------------------------------------------------------

uint64_t CollectorBudgetLeft(const Collector* c) {
  return c->stored_bytes >= c->limits.max_total_bytes ? 0
                                                      : c->limits.max_total_bytes - c->stored_bytes;
}

static ManifestItem* NewItem(Collector* c) {
  if (c->item_count == c->item_capacity) {
    c->item_capacity = c->item_capacity ? c->item_capacity * 2 : 256;
    c->items = (ManifestItem*)XRealloc(c->items, c->item_capacity * sizeof(ManifestItem));
  }
  ManifestItem* item = &c->items[c->item_count++];
  memset(item, 0, sizeof *item);
  return item;
}

static void NoteArchiveFailure(Collector* c, ZipStatus status) {
  if (status == ZIP_ERROR_IO && !c->archive_failed) {
    c->archive_failed = 1;
    CollectorLogf(c, "writing the archive failed (%E); no further items are stored",
                  GetLastError());
  }
}

int CollectorAddCommand(Collector* c, const char* archive_path, const char* artifact,
                        const char* source, const char* data, size_t size) {
  if (c->archive_failed) return 0;
  if (size > CollectorBudgetLeft(c)) {
    CollectorError(c, artifact, archive_path, "over the total size limit (--max-total-bytes)");
    return 0;
  }
  if (NameTaken(c, archive_path)) {
    CollectorLogf(c, "%s already stored; not stored again", archive_path);
    return 0;
  }
  uint16_t dos_date, dos_time;
  FileTimeToDos(NowFileTime(), &dos_date, &dos_time);
  ZipStatus status = ZipBeginEntry(&c->zip, archive_path, dos_date, dos_time);
  if (status == ZIP_OK) status = ZipWriteData(&c->zip, data, size);
  if (status == ZIP_OK) {
    status = ZipEndEntry(&c->zip);
  } else if (c->zip.in_entry) {
    ZipAbortEntry(&c->zip);
  }
  if (status != ZIP_OK) {
    NoteArchiveFailure(c, status);
    CollectorError(c, artifact, archive_path,
                   status == ZIP_ERROR_LIMIT ? "archive limit reached (4 GiB or 65534 entries)"
                                             : "writing the archive failed");
    return 0;
  }
  Sha256 hash;
  uint8_t digest[SHA256_DIGEST_SIZE];
  Sha256Init(&hash);
  Sha256Update(&hash, data, size);
  Sha256Final(&hash, digest);
  ManifestItem* item = NewItem(c);
  item->path = XStrDup(archive_path);
  item->kind = "command";
  item->source = XStrDup(source);
  item->artifact = artifact;
  item->size = size;
  Sha256Hex(digest, item->sha256);
  RememberName(c, archive_path);
  c->stored_bytes += size;
  CollectorLogf(c, "stored %s (%llu bytes)", archive_path, (unsigned long long)size);
  return 1;
}

char* ArchivePathFor(const wchar_t* path) {
  const wchar_t* p = path;
  StrBuf sb;
  SbInit(&sb);
  SbAppendStr(&sb, "files/");
  if (wcsncmp(p, L"\\\\?\\UNC\\", 8) == 0) {
    SbAppendStr(&sb, "UNC/");
    p += 8;
  } else if (wcsncmp(p, L"\\\\?\\", 4) == 0) {
    p += 4;
  } else if (p[0] == L'\\' && p[1] == L'\\') {
    SbAppendStr(&sb, "UNC/");
    p += 2;
  }
  if (p[0] != L'\0' && p[1] == L':') {
    wchar_t drive = p[0];
    if (drive >= L'a' && drive <= L'z') drive = (wchar_t)(drive - L'a' + L'A');
    SbAppendChar(&sb, (char)drive);
    p += 2;
  }
  // Components one by one: separators become '/', empty and "." components vanish, ".."
  // becomes "%2E%2E" so that no entry can point outside the extraction folder.
  while (*p != L'\0') {
    while (*p == L'\\' || *p == L'/') ++p;
    const wchar_t* end = p;
    while (*end != L'\0' && *end != L'\\' && *end != L'/') ++end;
    size_t length = (size_t)(end - p);
    if (length == 0) break;
    if (!(length == 1 && p[0] == L'.')) {
      if (sb.len > 0 && sb.data[sb.len - 1] != '/') SbAppendChar(&sb, '/');
      if (length == 2 && p[0] == L'.' && p[1] == L'.') {
        SbAppendStr(&sb, "%2E%2E");
      } else {
        SbAppendUtf16(&sb, (const uint16_t*)p, length);
      }
    }
    p = end;
  }
  return SbDetach(&sb);
}

CopyResult CollectorCopyFile(Collector* c, const CopyRequest* request, char sha256_hex[65]) {
  const char* artifact = request->artifact;
  const wchar_t* source = request->source ? request->source : request->path;
  if (c->archive_failed) return COPY_FAILED;
  char* archive_path =
      request->archive_path ? XStrDup(request->archive_path) : ArchivePathFor(source);
  if (NameTaken(c, archive_path)) {
    CollectorLogf(c, "%s already stored; not stored again", archive_path);
    free(archive_path);
    return COPY_OK;
  }
  HANDLE file = OpenForBackupRead(request->path);
  if (file == INVALID_HANDLE_VALUE) {
    DWORD error = GetLastError();
    int missing = error == ERROR_FILE_NOT_FOUND || error == ERROR_PATH_NOT_FOUND;
    if (!(missing && request->missing_is_fine)) {
      char* why = DescribeWin32Error(error);
      CollectorErrorW(c, artifact, source, why);
      free(why);
    }
    free(archive_path);
    return missing ? COPY_MISSING : COPY_FAILED;
  }
  LARGE_INTEGER size_info;
  FILETIME modified = {0, 0};
  if (!GetFileSizeEx(file, &size_info)) size_info.QuadPart = 0;
  GetFileTime(file, NULL, NULL, &modified);
  uint64_t size = (uint64_t)size_info.QuadPart;
  uint64_t max_bytes = request->max_bytes ? request->max_bytes : c->limits.max_file_bytes;
  if (max_bytes > c->limits.max_file_bytes) max_bytes = c->limits.max_file_bytes;
  if (size > max_bytes || size > CollectorBudgetLeft(c)) {
    StrBuf why;
    SbInit(&why);
    SbFormat(&why, "over the %s (%llu bytes > %llu)",
             size > max_bytes ? "size limit" : "total size limit", (unsigned long long)size,
             (unsigned long long)(size > max_bytes ? max_bytes : CollectorBudgetLeft(c)));
    CollectorErrorW(c, artifact, source, why.data);
    SbFree(&why);
    CloseHandle(file);
    free(archive_path);
    return COPY_TOO_LARGE;
  }

  uint16_t dos_date, dos_time;
  FileTimeToDos(FileTimeToU64(modified), &dos_date, &dos_time);
  ZipStatus status = ZipBeginEntry(&c->zip, archive_path, dos_date, dos_time);
  Sha256 hash;
  Sha256Init(&hash);
  uint64_t stored = 0;
  DWORD read_error = ERROR_SUCCESS;
  // Read no more than the size at open: a log that grows meanwhile must not run unbounded.
  while (status == ZIP_OK && stored < size) {
    uint64_t want = size - stored;
    DWORD chunk = want > kIoBufferSize ? (DWORD)kIoBufferSize : (DWORD)want;
    DWORD got = 0;
    if (!ReadFile(file, c->io_buffer, chunk, &got, NULL)) {
      read_error = GetLastError();
      break;
    }
    if (got == 0) break;  // the file shrank while being read
    status = ZipWriteData(&c->zip, c->io_buffer, got);
    if (status == ZIP_OK) {
      Sha256Update(&hash, c->io_buffer, got);
      stored += got;
    }
  }
  CloseHandle(file);
  if (status == ZIP_OK && read_error == ERROR_SUCCESS) {
    status = ZipEndEntry(&c->zip);
  } else if (c->zip.in_entry) {
    ZipAbortEntry(&c->zip);
  }
  if (status != ZIP_OK || read_error != ERROR_SUCCESS) {
    NoteArchiveFailure(c, status);
    char* why =
        read_error != ERROR_SUCCESS
            ? DescribeWin32Error(read_error)
            : XStrDup(status == ZIP_ERROR_LIMIT ? "archive limit reached (4 GiB or 65534 entries)"
                                                : "writing the archive failed");
    CollectorErrorW(c, artifact, source, why);
    free(why);
    free(archive_path);
    return status == ZIP_ERROR_LIMIT ? COPY_TOO_LARGE : COPY_FAILED;
  }

  uint8_t digest[SHA256_DIGEST_SIZE];
  Sha256Final(&hash, digest);
  ManifestItem* item = NewItem(c);
  item->path = archive_path;
  item->kind = "file";
  item->source = WToUtf8(source);
  item->artifact = artifact;
  item->method = request->method ? request->method : "copy";
  item->size = stored;
  Sha256Hex(digest, item->sha256);
  item->mtime = FileTimeToRfc3339(FileTimeToU64(modified));
  if (sha256_hex != NULL) memcpy(sha256_hex, item->sha256, 65);
  RememberName(c, archive_path);
  c->stored_bytes += stored;
  CollectorLogf(c, "stored %s (%llu bytes, %s)", archive_path, (unsigned long long)stored,
                item->method);
  return COPY_OK;
}

wchar_t* CollectorTempPath(Collector* c, const wchar_t* suffix) {
  wchar_t number[16];
  unsigned n = ++c->temp_counter;
  int i = 15;
  number[i] = L'\0';
  do {
    number[--i] = (wchar_t)(L'0' + n % 10);
    n /= 10;
  } while (n != 0 && i > 0);
  wchar_t* name = WConcat(L"item", number + i, suffix);
  wchar_t* path = WPathJoin(c->temp_dir, name);
  free(name);
  return path;
}

// --- profiles ------------------------------------------------------------------------------

// A host has a handful to a few thousand profiles (terminal servers); past this the rest
// are ignored and logged.
enum { kMaxProfiles = 4096 };

static void AddProfile(Collector* c, const wchar_t* sid, const wchar_t* path) {
  for (size_t i = 0; i < c->profile_count; ++i)
    if (WStrEqualI(c->profiles[i].path, path)) return;
  if (c->profile_count >= kMaxProfiles) return;
  c->profiles = (Profile*)XRealloc(c->profiles, (c->profile_count + 1) * sizeof(Profile));
  c->profiles[c->profile_count].sid = sid ? WStrDup(sid) : NULL;
  c->profiles[c->profile_count].path = WStrDup(path);
  c->profile_count++;
}

void CollectorLoadProfiles(Collector* c) {
  if (c->profiles != NULL) return;
  static const wchar_t kProfileList[] =
      L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList";
  HKEY list;
  if (RegOpen(HKEY_LOCAL_MACHINE, kProfileList, &list) == ERROR_SUCCESS) {
    wchar_t** sids;
    size_t count = RegListSubkeys(list, kMaxProfiles, &sids);
    for (size_t i = 0; i < count; ++i) {
      wchar_t* key = WPathJoin(kProfileList, sids[i]);
      wchar_t* path = RegReadString(HKEY_LOCAL_MACHINE, key, L"ProfileImagePath", 1);
      if (path != NULL && path[0] != L'\0') AddProfile(c, sids[i], path);
      free(path);
      free(key);
      free(sids[i]);
    }
    free(sids);
    RegCloseKey(list);
  }
  // Folders under the profiles directory that ProfileList does not name (a deleted account's
  // leftovers, or a damaged ProfileList) still hold user data.
  wchar_t* root = RegReadString(HKEY_LOCAL_MACHINE, kProfileList, L"ProfilesDirectory", 1);
  if (root != NULL) {
    wchar_t* pattern = WPathJoin(root, L"*");
    WIN32_FIND_DATAW data;
    HANDLE find = FindFirstFileExtended(pattern, &data);
    if (find != INVALID_HANDLE_VALUE) {
      do {
        if (!(data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ||
            (data.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) ||
            wcscmp(data.cFileName, L".") == 0 || wcscmp(data.cFileName, L"..") == 0)
          continue;
        wchar_t* path = WPathJoin(root, data.cFileName);
        AddProfile(c, NULL, path);
        free(path);
      } while (FindNextFileW(find, &data));
      FindClose(find);
    }
    free(pattern);
    free(root);
  }
  if (c->profiles == NULL) c->profiles = (Profile*)XMalloc(sizeof(Profile));
  CollectorLogf(c, "%u user profile folders", (unsigned)c->profile_count);
}
