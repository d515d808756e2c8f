// Artifacts that are plain files: scheduled tasks, Prefetch, Amcache, PowerShell history and
// recently dropped executables in user-writable folders.
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "steps.h"

static int IsDotEntry(const wchar_t* name) {
  return wcscmp(name, L".") == 0 || wcscmp(name, L"..") == 0;
}

static void WalkLevel(Collector* c, const wchar_t* directory, int depth_left, size_t* entries_left,
                      FileVisitor visit, void* context, int* stop) {
  wchar_t* pattern = WPathJoin(directory, L"*");
  WIN32_FIND_DATAW data;
  HANDLE find = FindFirstFileExtended(pattern, &data);
  free(pattern);
  if (find == INVALID_HANDLE_VALUE) return;
  do {
    if (*entries_left == 0) {
      *stop = 1;
      break;
    }
    --*entries_left;
    if (IsDotEntry(data.cFileName)) continue;
    wchar_t* path = WPathJoin(directory, data.cFileName);
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
      // Junctions and symbolic links are not followed: the profile's own "Application Data"
      // junction points back into AppData and would loop.
      if (!(data.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) && depth_left > 0)
        WalkLevel(c, path, depth_left - 1, entries_left, visit, context, stop);
    } else if (!visit(c, path, &data, context)) {
      *stop = 1;
    }
    free(path);
  } while (!*stop && FindNextFileW(find, &data));
  FindClose(find);
}

void WalkFiles(Collector* c, const wchar_t* root, int max_depth, size_t* entries_left,
               FileVisitor visit, void* context) {
  int stop = 0;
  WalkLevel(c, root, max_depth, entries_left, visit, context, &stop);
}

size_t CopyMatchingFiles(Collector* c, const wchar_t* directory, const wchar_t* pattern,
                         const char* artifact, size_t max_files, size_t* found) {
  wchar_t* full_pattern = WPathJoin(directory, pattern);
  WIN32_FIND_DATAW data;
  HANDLE find = FindFirstFileExtended(full_pattern, &data);
  free(full_pattern);
  size_t stored = 0, matched = 0;
  if (find != INVALID_HANDLE_VALUE) {
    do {
      if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
      if (++matched > max_files) {
        CollectorErrorW(c, artifact, directory,
                        "more files than the collector takes; rest skipped");
        break;
      }
      wchar_t* path = WPathJoin(directory, data.cFileName);
      CopyRequest request = {path, artifact, NULL, NULL, NULL, 0, 0};
      if (CollectorCopyFile(c, &request, NULL) == COPY_OK) ++stored;
      free(path);
    } while (FindNextFileW(find, &data));
    FindClose(find);
  }
  if (found != NULL) *found = matched;
  return stored;
}

// --- scheduled_tasks -----------------------------------------------------------------------

// Task definitions are small XML files; a host has hundreds, rarely a few thousand.
enum { kMaxTaskFiles = 20000, kMaxTaskDepth = 16 };

typedef struct TaskWalk {
  size_t files;
  size_t stored;
} TaskWalk;

static int CopyTaskFile(Collector* c, const wchar_t* path, const WIN32_FIND_DATAW* data,
                        void* context) {
  (void)data;
  TaskWalk* walk = (TaskWalk*)context;
  if (++walk->files > kMaxTaskFiles) {
    CollectorErrorW(c, "scheduled_tasks", path, "more task files than the collector takes");
    return 0;
  }
  CopyRequest request = {path, "scheduled_tasks", NULL, NULL, NULL, 0, 0};
  if (CollectorCopyFile(c, &request, NULL) == COPY_OK) walk->stored++;
  return 1;
}

void CollectScheduledTasks(Collector* c) {
  wchar_t* tasks = WPathJoin(c->host.system_dir, L"Tasks");
  TaskWalk walk = {0, 0};
  if (IsDirectory(tasks)) {
    size_t entries_left = 4 * kMaxTaskFiles;
    WalkFiles(c, tasks, kMaxTaskDepth, &entries_left, CopyTaskFile, &walk);
  } else if (c->host.major >= 6) {
    CollectorErrorW(c, "scheduled_tasks", tasks, "not present");
  }
  // Windows XP / 2003 keep tasks as .job files here; later versions may keep legacy ones.
  wchar_t* legacy = WPathJoin(c->host.windows_dir, L"Tasks");
  size_t found = 0;
  size_t jobs = CopyMatchingFiles(c, legacy, L"*.job", "scheduled_tasks", kMaxTaskFiles, &found);
  if (c->host.major < 6 && found == 0) {
    CollectorErrorW(c, "scheduled_tasks", legacy, "no .job files present");
  } else if (c->host.major >= 6 && walk.files == 0 && IsDirectory(tasks)) {
    // An empty task folder is rare on real Windows (it ships with dozens of tasks); say so
    // rather than let an empty result pass for a clean one.
    CollectorErrorW(c, "scheduled_tasks", tasks, "no task files present");
  }
  CollectorLogf(c, "%u task files, %u .job files", (unsigned)walk.stored, (unsigned)jobs);
  free(tasks);
  free(legacy);
}

// --- prefetch ------------------------------------------------------------------------------

// Windows keeps at most 1024 prefetch files (128 before Windows 8).
enum { kMaxPrefetchFiles = 2048 };

void CollectPrefetch(Collector* c) {
  wchar_t* prefetch = WPathJoin(c->host.windows_dir, L"Prefetch");
  if (!IsDirectory(prefetch)) {
    CollectorErrorW(c, "prefetch", prefetch, "not present");
  } else {
    size_t found = 0;
    size_t stored = CopyMatchingFiles(c, prefetch, L"*.pf", "prefetch", kMaxPrefetchFiles, &found);
    if (found == 0) {
      // Servers and SSD-only hosts often have prefetching turned off.
      CollectorErrorW(c, "prefetch", prefetch,
                      "no .pf files (prefetching may be disabled: EnablePrefetcher)");
    }
    CollectorLogf(c, "%u of %u prefetch files", (unsigned)stored, (unsigned)found);
  }
  free(prefetch);
}

// --- amcache -------------------------------------------------------------------------------

// Saves a locked hive through RegLoadAppKey + RegSaveKeyEx (Windows 8+, when the system keeps
// Amcache.hve open). Returns 1 when the item was stored.
static int SaveAppHive(Collector* c, const wchar_t* path) {
  if (g_api.RegLoadAppKeyW == NULL) return 0;
  HKEY hive;
  LONG status = g_api.RegLoadAppKeyW(path, &hive, KEY_READ, 0, 0);
  if (status != ERROR_SUCCESS) {
    CollectorLogf(c, "RegLoadAppKeyW %ls: %E", path, (DWORD)status);
    return 0;
  }
  wchar_t* temp = CollectorTempPath(c, L".hve");
  status = RegSaveKeyExW(hive, temp, NULL, REG_LATEST_FORMAT);
  RegCloseKey(hive);
  int stored = 0;
  if (status == ERROR_SUCCESS) {
    CopyRequest request = {temp, "amcache", "RegLoadAppKey+RegSaveKeyEx", NULL, path, 0, 0};
    stored = CollectorCopyFile(c, &request, NULL) == COPY_OK;
  } else {
    CollectorLogf(c, "RegSaveKeyExW of %ls: %E", path, (DWORD)status);
  }
  DeleteFileW(temp);
  free(temp);
  return stored;
}

void CollectAmcache(Collector* c) {
  wchar_t* programs = WPathJoin(c->host.windows_dir, L"AppCompat\\Programs");
  wchar_t* amcache = WPathJoin(programs, L"Amcache.hve");
  int collected = 0;
  if (PathExists(amcache)) {
    // A plain copy first: it keeps the file exactly as it is on disk (with its transaction
    // logs below, the parser replays them). Loading the hive would replay the logs into the
    // original file, changing evidence, so it is only the fallback for a locked file.
    CopyRequest request = {amcache, "amcache", NULL, NULL, NULL, 0, 0};
    HANDLE probe = OpenForBackupRead(amcache);
    DWORD error = probe == INVALID_HANDLE_VALUE ? GetLastError() : ERROR_SUCCESS;
    if (probe != INVALID_HANDLE_VALUE) CloseHandle(probe);
    if (error == ERROR_SHARING_VIOLATION && SaveAppHive(c, amcache)) {
      collected = 1;
    } else {
      collected = CollectorCopyFile(c, &request, NULL) == COPY_OK;
    }
    static const wchar_t* const kLogs[] = {L"Amcache.hve.LOG1", L"Amcache.hve.LOG2"};
    for (size_t i = 0; i < 2; ++i) {
      wchar_t* log = WPathJoin(programs, kLogs[i]);
      CopyRequest log_request = {log, "amcache", NULL, NULL, NULL, 0, 1};
      CollectorCopyFile(c, &log_request, NULL);
      free(log);
    }
  }
  // Windows 7 / 2008 R2 record program executions in RecentFileCache.bcf instead.
  wchar_t* recent = WPathJoin(programs, L"RecentFileCache.bcf");
  CopyRequest recent_request = {recent, "amcache", NULL, NULL, NULL, 0, 1};
  if (CollectorCopyFile(c, &recent_request, NULL) == COPY_OK) collected = 1;
  if (!collected && !PathExists(amcache)) {
    CollectorErrorW(
        c, "amcache", amcache,
        c->host.major < 6 ? "not present (Windows XP / 2003 have no Amcache)" : "not present");
  }
  free(recent);
  free(amcache);
  free(programs);
}

// --- shell_history -------------------------------------------------------------------------

void CollectShellHistory(Collector* c) {
  CollectorLoadProfiles(c);
  size_t stored = 0;
  for (size_t p = 0; p < c->profile_count; ++p) {
    wchar_t* folder = WPathJoin(c->profiles[p].path,
                                L"AppData\\Roaming\\Microsoft\\Windows\\PowerShell\\PSReadLine");
    // ConsoleHost_history.txt, and one file per other host ("Visual Studio Code Host").
    if (IsDirectory(folder))
      stored += CopyMatchingFiles(c, folder, L"*_history.txt", "shell_history", 64, NULL);
    free(folder);
  }
  if (stored == 0) {
    CollectorError(c, "shell_history",
                   "<profile>\\AppData\\Roaming\\Microsoft\\Windows\\PowerShell\\PSReadLine",
                   "not present in any user profile (PSReadLine ships with Windows 10 and later)");
  }
  CollectorLogf(c, "%u PowerShell history files", (unsigned)stored);
}

// --- shortcuts ---------------------------------------------------------------------------

// What the users opened and what starts at logon: Recent items and jump lists (the Explorer and
// taskbar lists of each application), Startup folder and desktop shortcuts. Profiles keep a few
// hundred of each; the bounds stop a folder someone filled on purpose.
enum { kMaxRecentItems = 5000, kMaxJumpLists = 1000, kMaxStartupItems = 200, kMaxDesktopItems = 500 };

typedef struct ShortcutFolder {
  const wchar_t* folder;  // relative to the profile
  const wchar_t* pattern;
  size_t max_files;
} ShortcutFolder;

void CollectShortcuts(Collector* c) {
  CollectorLoadProfiles(c);
  static const ShortcutFolder kFolders[] = {
      // Vista and later.
      {L"AppData\\Roaming\\Microsoft\\Windows\\Recent", L"*.lnk", kMaxRecentItems},
      {L"AppData\\Roaming\\Microsoft\\Windows\\Recent\\AutomaticDestinations",
       L"*.automaticDestinations-ms", kMaxJumpLists},
      {L"AppData\\Roaming\\Microsoft\\Windows\\Recent\\CustomDestinations", L"*.customDestinations-ms",
       kMaxJumpLists},
      {L"AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup", L"*.lnk", kMaxStartupItems},
      // XP and 2003.
      {L"Recent", L"*.lnk", kMaxRecentItems},
      {L"Start Menu\\Programs\\Startup", L"*.lnk", kMaxStartupItems},
      // Both.
      {L"Desktop", L"*.lnk", kMaxDesktopItems},
  };
  size_t stored = 0;
  for (size_t p = 0; p < c->profile_count; ++p) {
    for (size_t i = 0; i < sizeof kFolders / sizeof kFolders[0]; ++i) {
      wchar_t* folder = WPathJoin(c->profiles[p].path, kFolders[i].folder);
      if (IsPlainDirectory(folder))
        stored += CopyMatchingFiles(c, folder, kFolders[i].pattern, "shortcuts", kFolders[i].max_files, NULL);
      free(folder);
    }
  }
  // The all-users Startup folder.
  wchar_t* common = RegReadString(
      HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders",
      L"Common Startup", 1);
  if (common != NULL && IsPlainDirectory(common))
    stored += CopyMatchingFiles(c, common, L"*.lnk", "shortcuts", kMaxStartupItems, NULL);
  free(common);
  if (stored == 0) {
    CollectorError(c, "shortcuts", "<profile>\\AppData\\Roaming\\Microsoft\\Windows\\Recent",
                   "no shortcut or jump list in any user profile");
  }
  CollectorLogf(c, "%u shortcut and jump list files", (unsigned)stored);
}

// --- recent_executables --------------------------------------------------------------------

// Bounds for the walk through user-writable folders: how far back, how much is visited, how
// much is kept. The listing (commands/recent_executables.tsv) names every PE found even when
// the copy is skipped, so a bound never hides a file.
static const uint64_t kRecentWindow100ns = 30ull * 24 * 3600 * 10000000;
enum {
  kRecentMaxEntriesVisited = 500000,
  kRecentMaxDepth = 16,
  kRecentMaxFilesCopied = 500,
  kRecentMaxListed = 20000,
};
static const uint64_t kRecentMaxFileBytes = 64ull << 20;
static const uint64_t kRecentMaxTotalBytes = 1ull << 30;

typedef struct RecentWalk {
  uint64_t since;
  size_t listed;
  size_t copied;
  uint64_t copied_bytes;
  int bound_logged;
  StrBuf out;
} RecentWalk;

// "MZ", e_lfanew inside the first 4 KiB, and "PE\0\0" there.
static int LooksLikePe(Collector* c, const wchar_t* path) {
  HANDLE file = OpenForBackupRead(path);
  if (file == INVALID_HANDLE_VALUE) return 0;
  DWORD got = 0;
  int is_pe = 0;
  if (ReadFile(file, c->io_buffer, 4096, &got, NULL) && got >= 64 && c->io_buffer[0] == 'M' &&
      c->io_buffer[1] == 'Z') {
    uint32_t e_lfanew = (uint32_t)c->io_buffer[60] | (uint32_t)c->io_buffer[61] << 8 |
                        (uint32_t)c->io_buffer[62] << 16 | (uint32_t)c->io_buffer[63] << 24;
    is_pe = e_lfanew <= got - 4 && memcmp(c->io_buffer + e_lfanew, "PE\0\0", 4) == 0;
  }
  CloseHandle(file);
  return is_pe;
}

static int VisitRecent(Collector* c, const wchar_t* path, const WIN32_FIND_DATAW* data,
                       void* context) {
  RecentWalk* walk = (RecentWalk*)context;
  uint64_t modified = FileTimeToU64(data->ftLastWriteTime);
  uint64_t created = FileTimeToU64(data->ftCreationTime);
  // A file unpacked from an archive keeps its old modification time but gets a new creation
  // time; either being recent counts.
  if (modified < walk->since && created < walk->since) return 1;
  uint64_t size = (uint64_t)data->nFileSizeHigh << 32 | data->nFileSizeLow;
  if (size < 64 || !LooksLikePe(c, path)) return 1;
  if (walk->listed >= kRecentMaxListed) {
    if (!walk->bound_logged) {
      CollectorError(c, "recent_executables", "user folders",
                     "more recent PE files than the listing takes (20000); rest not listed");
      walk->bound_logged = 1;
    }
    return 0;
  }
  walk->listed++;
  const char* copied = "yes";
  char sha256[65] = "";
  if (walk->copied >= kRecentMaxFilesCopied) {
    copied = "no: file count limit";
  } else if (size > kRecentMaxFileBytes) {
    copied = "no: larger than 64 MiB";
  } else if (walk->copied_bytes + size > kRecentMaxTotalBytes) {
    copied = "no: 1 GiB limit of this artifact";
  } else {
    CopyRequest request = {path, "recent_executables", NULL, NULL, NULL, kRecentMaxFileBytes, 0};
    if (CollectorCopyFile(c, &request, sha256) == COPY_OK) {
      walk->copied++;
      walk->copied_bytes += size;
    } else {
      copied = "no: see errors";
    }
  }
  char* text = WToUtf8(path);
  SbAppendTsvField(&walk->out, text);
  free(text);
  SbFormat(&walk->out, "\t%llu\t", (unsigned long long)size);
  SbAppendFileTime(&walk->out, modified);
  SbAppendChar(&walk->out, '\t');
  SbAppendFileTime(&walk->out, created);
  SbFormat(&walk->out, "\t%s\t%s\n", sha256, copied);
  return 1;
}

void CollectRecentExecutables(Collector* c) {
  CollectorLoadProfiles(c);
  RecentWalk walk;
  memset(&walk, 0, sizeof walk);
  walk.since = NowFileTime() - kRecentWindow100ns;
  SbInit(&walk.out);
  SbAppendStr(&walk.out, "path\tsize\tmodified\tcreated\tsha256\tcopied\n");
  size_t entries_left = kRecentMaxEntriesVisited;

  // Per profile: Vista+ layout (AppData covers Local\Temp, Roaming, LocalLow) and XP's.
  static const wchar_t* const kProfileFolders[] = {L"AppData", L"Downloads", L"Desktop",
                                                   L"Local Settings", L"Application Data"};
  for (size_t p = 0; p < c->profile_count && entries_left > 0; ++p) {
    for (size_t i = 0; i < sizeof kProfileFolders / sizeof kProfileFolders[0]; ++i) {
      wchar_t* folder = WPathJoin(c->profiles[p].path, kProfileFolders[i]);
      if (IsPlainDirectory(folder))
        WalkFiles(c, folder, kRecentMaxDepth, &entries_left, VisitRecent, &walk);
      free(folder);
    }
  }
  // Machine-wide folders any user can write to.
  wchar_t* windows_temp = WPathJoin(c->host.windows_dir, L"Temp");
  wchar_t* program_data = RegReadString(
      HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList",
      L"ProgramData", 1);
  wchar_t* public_profile =
      RegReadString(HKEY_LOCAL_MACHINE,
                    L"SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion\\ProfileList", L"Public", 1);
  const wchar_t* machine_folders[] = {windows_temp, program_data, public_profile};
  for (size_t i = 0; i < 3; ++i) {
    if (machine_folders[i] != NULL && IsPlainDirectory(machine_folders[i]))
      WalkFiles(c, machine_folders[i], kRecentMaxDepth, &entries_left, VisitRecent, &walk);
  }
  free(windows_temp);
  free(program_data);
  free(public_profile);
  if (entries_left == 0) {
    CollectorError(c, "recent_executables", "user folders",
                   "walk stopped after 500000 directory entries; later folders not searched");
  }
  CollectorLogf(c, "%u recent PE files listed, %u copied (%llu bytes)", (unsigned)walk.listed,
                (unsigned)walk.copied, (unsigned long long)walk.copied_bytes);
  CollectorAddCommand(c, "commands/recent_executables.tsv", "recent_executables",
                      "PE files changed in the last 30 days under user-writable folders",
                      walk.out.data, walk.out.len);
  SbFree(&walk.out);
}
