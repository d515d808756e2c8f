// registry_hives: the machine hives (SYSTEM, SOFTWARE, SAM, SECURITY, DEFAULT) and every
// user's NTUSER.DAT and UsrClass.dat.
//
// A loaded hive's file is opened by the kernel without sharing, so it is saved instead:
// RegSaveKeyEx (with SeBackupPrivilege) writes a consistent copy of the live hive, stored under
// the original file's path. Hives of users who are not logged on are plain files and are
// copied through the backup path together with their transaction logs.
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "steps.h"

enum { kMaxUserHives = 4096 };

// Checks for the "regf" signature of a saved hive; returns 1 when present. Otherwise the
// first bytes go to `start` (printable ASCII) for the error message.
static int HasRegfSignature(Collector* c, const wchar_t* path, char start[24]) {
  start[0] = '\0';
  HANDLE file = OpenForBackupRead(path);
  if (file == INVALID_HANDLE_VALUE) return 0;
  DWORD got = 0;
  int ok = ReadFile(file, c->io_buffer, 23, &got, NULL) && got >= 4 &&
           memcmp(c->io_buffer, "regf", 4) == 0;
  CloseHandle(file);
  for (DWORD i = 0; i < got && i < 23; ++i) {
    BYTE b = c->io_buffer[i];
    start[i] = (b >= 0x20 && b < 0x7F) ? (char)b : '.';
    start[i + 1] = '\0';
  }
  return ok;
}

// Saves the key `subkey` of `root` (a loaded hive's root) and stores it at the archive path of
// `original`, or at `archive_path` when given. Returns 1 when stored.
static int SaveHive(Collector* c, HKEY root, const wchar_t* subkey, const wchar_t* display,
                    const wchar_t* original, const char* archive_path) {
  HKEY probe;
  // MAXIMUM_ALLOWED succeeds with whatever access the ACL grants (SAM and SECURITY grant
  // administrators only READ_CONTROL), so "not found" is told apart from "no access".
  LONG status = RegOpenKeyExW(root, subkey, 0, MAXIMUM_ALLOWED, &probe);
  if (status == ERROR_SUCCESS) RegCloseKey(probe);
  if (status == ERROR_FILE_NOT_FOUND) {
    CollectorErrorW(c, "registry_hives", display, "not present");
    return 0;
  }
  HKEY key;
  DWORD disposition = 0;
  // REG_OPTION_BACKUP_RESTORE opens the key for backup whatever its ACL says, given
  // SeBackupPrivilege. RegCreateKeyEx is the call that takes it; the key exists (checked
  // above), so nothing is created.
  status = RegCreateKeyExW(root, subkey, 0, NULL, REG_OPTION_BACKUP_RESTORE, KEY_READ, NULL, &key,
                           &disposition);
  if (status != ERROR_SUCCESS) {
    char* why = DescribeWin32Error((DWORD)status);
    CollectorErrorW(c, "registry_hives", display, why);
    free(why);
    return 0;
  }
  wchar_t* temp = CollectorTempPath(c, L".hiv");
  const char* method = "RegSaveKeyEx";
  status = RegSaveKeyExW(key, temp, NULL, REG_LATEST_FORMAT);
  if (status == ERROR_INVALID_PARAMETER) {
    DeleteFileW(temp);
    status = RegSaveKeyW(key, temp, NULL);
    method = "RegSaveKey";
  }
  RegCloseKey(key);
  int stored = 0;
  if (status != ERROR_SUCCESS) {
    char* why = DescribeWin32Error((DWORD)status);
    StrBuf text;
    SbInit(&text);
    SbFormat(&text, "%s: %s%s", method, why,
             status == ERROR_PRIVILEGE_NOT_HELD ? " (run as administrator)" : "");
    CollectorErrorW(c, "registry_hives", display, text.data);
    SbFree(&text);
    free(why);
  } else {
    char* mapped = archive_path ? XStrDup(archive_path) : ArchivePathFor(original);
    CopyRequest request = {temp, "registry_hives", method, mapped, original, 0, 0};
    stored = CollectorCopyFile(c, &request, NULL) == COPY_OK;
    char start[24];
    if (stored && !HasRegfSignature(c, temp, start)) {
      // Real Windows always writes "regf"; wine writes its own text format. Keep the file
      // and say so rather than pass it off as a hive.
      StrBuf text;
      SbInit(&text);
      SbFormat(&text, "%s wrote a file that is not a regf hive (it starts with \"%s\")", method,
               start);
      CollectorErrorW(c, "registry_hives", display, text.data);
      SbFree(&text);
    }
    free(mapped);
  }
  DeleteFileW(temp);
  free(temp);
  return stored;
}

static const Profile* ProfileOfSid(const Collector* c, const wchar_t* sid) {
  for (size_t i = 0; i < c->profile_count; ++i)
    if (c->profiles[i].sid != NULL && WStrEqualI(c->profiles[i].sid, sid)) return &c->profiles[i];
  return NULL;
}

static const wchar_t* UsrClassRelativePath(const Collector* c) {
  return c->host.major >= 6 ? L"AppData\\Local\\Microsoft\\Windows\\UsrClass.dat"
                            : L"Local Settings\\Application Data\\Microsoft\\Windows\\UsrClass.dat";
}

// Copies a hive file of a user who is not logged on, with its transaction logs.
static void CopyHiveFile(Collector* c, const wchar_t* hive, int missing_is_fine) {
  CopyRequest request = {hive, "registry_hives", NULL, NULL, NULL, 0, missing_is_fine};
  if (CollectorCopyFile(c, &request, NULL) != COPY_OK) return;
  static const wchar_t* const kLogs[] = {L".LOG", L".LOG1", L".LOG2"};
  for (size_t i = 0; i < 3; ++i) {
    wchar_t* log = WConcat(hive, kLogs[i], NULL);
    CopyRequest log_request = {log, "registry_hives", NULL, NULL, NULL, 0, 1};
    CollectorCopyFile(c, &log_request, NULL);
    free(log);
  }
}

void CollectRegistryHives(Collector* c) {
  CollectorLoadProfiles(c);
  wchar_t* config = WPathJoin(c->host.system_dir, L"config");
  static const wchar_t* const kMachineHives[] = {L"SYSTEM", L"SOFTWARE", L"SAM", L"SECURITY"};
  unsigned saved = 0;
  for (size_t i = 0; i < 4; ++i) {
    wchar_t* original = WPathJoin(config, kMachineHives[i]);
    wchar_t* display = WConcat(L"HKLM\\", kMachineHives[i], NULL);
    saved += (unsigned)SaveHive(c, HKEY_LOCAL_MACHINE, kMachineHives[i], display, original, NULL);
    free(display);
    free(original);
  }
  wchar_t* default_hive = WPathJoin(config, L"DEFAULT");
  saved += (unsigned)SaveHive(c, HKEY_USERS, L".DEFAULT", L"HKU\\.DEFAULT", default_hive, NULL);
  free(default_hive);

  // Loaded user hives: HKU\<SID> is NTUSER.DAT, HKU\<SID>_Classes is UsrClass.dat.
  int* loaded = (int*)XMalloc((c->profile_count + 1) * sizeof(int));
  memset(loaded, 0, (c->profile_count + 1) * sizeof(int));
  wchar_t** keys;
  size_t key_count = RegListSubkeys(HKEY_USERS, kMaxUserHives, &keys);
  for (size_t k = 0; k < key_count; ++k) {
    const wchar_t* name = keys[k];
    if (wcsncmp(name, L"S-", 2) != 0) {
      free(keys[k]);
      continue;
    }
    int classes = WEndsWithI(name, L"_Classes");
    wchar_t* sid = WStrDup(name);
    if (classes) sid[wcslen(sid) - 8] = L'\0';
    const Profile* profile = ProfileOfSid(c, sid);
    wchar_t* display = WConcat(L"HKU\\", name, NULL);
    wchar_t* original = NULL;
    char* archive_path = NULL;
    if (profile != NULL) {
      original = WPathJoin(profile->path, classes ? UsrClassRelativePath(c) : L"NTUSER.DAT");
      loaded[profile - c->profiles] = 1;
    } else {
      // A hive with no profile folder (e.g. a service account's): store it by SID.
      original = WStrDup(display);
      StrBuf path;
      SbInit(&path);
      SbFormat(&path, "files/HKEY_USERS/%ls/%s", sid, classes ? "UsrClass.dat" : "NTUSER.DAT");
      archive_path = SbDetach(&path);
    }
    saved += (unsigned)SaveHive(c, HKEY_USERS, name, display, original, archive_path);
    free(archive_path);
    free(original);
    free(display);
    free(sid);
    free(keys[k]);
  }
  free(keys);

  // Users not logged on: their hives are ordinary files.
  unsigned copied_profiles = 0;
  for (size_t p = 0; p < c->profile_count; ++p) {
    if (loaded[p]) continue;
    const Profile* profile = &c->profiles[p];
    wchar_t* ntuser = WPathJoin(profile->path, L"NTUSER.DAT");
    wchar_t* usrclass = WPathJoin(profile->path, UsrClassRelativePath(c));
    // Folders outside ProfileList (Public, Default, leftovers) may well have no hive.
    int optional = profile->sid == NULL;
    if (PathExists(ntuser) || !optional) {
      CopyHiveFile(c, ntuser, optional);
      CopyHiveFile(c, usrclass, 1);
      ++copied_profiles;
    }
    free(ntuser);
    free(usrclass);
  }
  free(loaded);
  free(config);
  CollectorLogf(c, "%u hives saved with RegSaveKeyEx, %u profiles copied from disk", saved,
                copied_profiles);
}
