// autoruns: the places Windows starts programs from without asking -> commands/autoruns.tsv
// (one row per entry), plus copies of the files in the startup folders.
//
// Registry locations are a table below: machine-wide ones under SOFTWARE (and its
// Wow6432Node twin, where 32-bit programs register) and SYSTEM, and per-user ones read under
// HKEY_USERS\<SID> for every loaded user hive. Services that start by themselves are listed
// from SYSTEM\CurrentControlSet\Services directly (not through the service manager) so that a
// service hidden from the manager still shows up.
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "steps.h"

typedef enum ReadMode {
  kAllValues,        // every value of the key
  kNamedValue,       // one value of the key
  kSubkeyValue,      // one value in each subkey (IFEO Debugger, Active Setup StubPath)
  kSubkeyAllValues,  // every value in each subkey (RunOnceEx)
  kSubkeyNames,      // the subkey names themselves (Browser Helper Object CLSIDs)
} ReadMode;

typedef struct AutorunLocation {
  const char* category;
  const wchar_t* subkey;  // under SOFTWARE\ (software=1) or from the hive root
  int software;           // 1: also under SOFTWARE\Wow6432Node
  ReadMode mode;
  const wchar_t* value;  // for kNamedValue / kSubkeyValue
} AutorunLocation;

#define CURRENT_VERSION L"Microsoft\\Windows\\CurrentVersion\\"
#define NT_CURRENT_VERSION L"Microsoft\\Windows NT\\CurrentVersion\\"

static const AutorunLocation kMachineLocations[] = {
    {"run", CURRENT_VERSION L"Run", 1, kAllValues, NULL},
    {"runonce", CURRENT_VERSION L"RunOnce", 1, kAllValues, NULL},
    {"runonceex", CURRENT_VERSION L"RunOnceEx", 1, kSubkeyAllValues, NULL},
    {"runservices", CURRENT_VERSION L"RunServices", 1, kAllValues, NULL},
    {"runservicesonce", CURRENT_VERSION L"RunServicesOnce", 1, kAllValues, NULL},
    {"policies_run", CURRENT_VERSION L"Policies\\Explorer\\Run", 1, kAllValues, NULL},
    {"winlogon", NT_CURRENT_VERSION L"Winlogon", 1, kNamedValue, L"Shell"},
    {"winlogon", NT_CURRENT_VERSION L"Winlogon", 1, kNamedValue, L"Userinit"},
    {"winlogon", NT_CURRENT_VERSION L"Winlogon", 1, kNamedValue, L"Taskman"},
    {"winlogon", NT_CURRENT_VERSION L"Winlogon", 1, kNamedValue, L"AppSetup"},
    {"winlogon", NT_CURRENT_VERSION L"Winlogon", 1, kNamedValue, L"GinaDLL"},
    {"winlogon", NT_CURRENT_VERSION L"Winlogon", 1, kNamedValue, L"VmApplet"},
    {"winlogon_notify", NT_CURRENT_VERSION L"Winlogon\\Notify", 1, kSubkeyValue, L"DLLName"},
    {"ifeo_debugger", NT_CURRENT_VERSION L"Image File Execution Options", 1, kSubkeyValue,
     L"Debugger"},
    {"silent_process_exit", NT_CURRENT_VERSION L"SilentProcessExit", 1, kSubkeyValue,
     L"MonitorProcess"},
    {"appinit_dlls", NT_CURRENT_VERSION L"Windows", 1, kNamedValue, L"AppInit_DLLs"},
    {"appinit_dlls", NT_CURRENT_VERSION L"Windows", 1, kNamedValue, L"LoadAppInit_DLLs"},
    {"active_setup", L"Microsoft\\Active Setup\\Installed Components", 1, kSubkeyValue,
     L"StubPath"},
    {"shell_service_object", CURRENT_VERSION L"ShellServiceObjectDelayLoad", 1, kAllValues, NULL},
    {"browser_helper_object", CURRENT_VERSION L"Explorer\\Browser Helper Objects", 1, kSubkeyNames,
     NULL},
    {"command_processor", L"Microsoft\\Command Processor", 1, kNamedValue, L"AutoRun"},
    {"netsh_helper", L"Microsoft\\NetSh", 1, kAllValues, NULL},
    {"session_manager", L"SYSTEM\\CurrentControlSet\\Control\\Session Manager", 0, kNamedValue,
     L"BootExecute"},
    {"session_manager", L"SYSTEM\\CurrentControlSet\\Control\\Session Manager", 0, kNamedValue,
     L"SetupExecute"},
    {"session_manager", L"SYSTEM\\CurrentControlSet\\Control\\Session Manager", 0, kNamedValue,
     L"Execute"},
    {"lsa_packages", L"SYSTEM\\CurrentControlSet\\Control\\Lsa", 0, kNamedValue,
     L"Authentication Packages"},
    {"lsa_packages", L"SYSTEM\\CurrentControlSet\\Control\\Lsa", 0, kNamedValue,
     L"Notification Packages"},
    {"lsa_packages", L"SYSTEM\\CurrentControlSet\\Control\\Lsa", 0, kNamedValue,
     L"Security Packages"},
    {"print_monitor", L"SYSTEM\\CurrentControlSet\\Control\\Print\\Monitors", 0, kSubkeyValue,
     L"Driver"},
};

static const AutorunLocation kUserLocations[] = {
    {"run", L"Software\\" CURRENT_VERSION L"Run", 0, kAllValues, NULL},
    {"runonce", L"Software\\" CURRENT_VERSION L"RunOnce", 0, kAllValues, NULL},
    {"policies_run", L"Software\\" CURRENT_VERSION L"Policies\\Explorer\\Run", 0, kAllValues, NULL},
    {"winlogon", L"Software\\" NT_CURRENT_VERSION L"Winlogon", 0, kNamedValue, L"Shell"},
    {"windows_load", L"Software\\" NT_CURRENT_VERSION L"Windows", 0, kNamedValue, L"Load"},
    {"windows_load", L"Software\\" NT_CURRENT_VERSION L"Windows", 0, kNamedValue, L"Run"},
    {"command_processor", L"Software\\Microsoft\\Command Processor", 0, kNamedValue, L"AutoRun"},
    {"logon_script", L"Environment", 0, kNamedValue, L"UserInitMprLogonScript"},
};

// Values per key and subkeys per key read here; IFEO on a big server has a few hundred.
enum { kMaxValuesPerKey = 4096, kMaxSubkeysPerKey = 8192, kMaxRows = 100000 };

typedef struct Rows {
  StrBuf out;
  unsigned count;
} Rows;

static void AddRow(Rows* rows, const char* category, const wchar_t* location, const wchar_t* entry,
                   const char* data, uint64_t modified) {
  if (rows->count >= kMaxRows) return;
  rows->count++;
  SbAppendStr(&rows->out, category);
  SbAppendChar(&rows->out, '\t');
  char* text = WToUtf8(location);
  SbAppendTsvField(&rows->out, text);
  free(text);
  SbAppendChar(&rows->out, '\t');
  text = WToUtf8(entry);
  SbAppendTsvField(&rows->out, text);
  free(text);
  SbAppendChar(&rows->out, '\t');
  SbAppendTsvField(&rows->out, data);
  SbAppendChar(&rows->out, '\t');
  SbAppendFileTime(&rows->out, modified);
  SbAppendChar(&rows->out, '\n');
}

static uint64_t KeyModified(HKEY key) {
  FILETIME written;
  if (RegQueryInfoKeyW(key, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &written) !=
      ERROR_SUCCESS)
    return 0;
  return FileTimeToU64(written);
}

static void AddValueRow(Rows* rows, const char* category, HKEY key, const wchar_t* location,
                        const wchar_t* entry_prefix, const wchar_t* value_name) {
  DWORD type = 0, size = 0;
  BYTE* data = NULL;
  if (RegReadValue(key, value_name, &type, &data, &size) != ERROR_SUCCESS) return;
  StrBuf text;
  SbInit(&text);
  SbAppendRegData(&text, type, data, size);
  wchar_t* entry = entry_prefix ? WConcat(entry_prefix, L"\\", value_name) : WStrDup(value_name);
  AddRow(rows, category, location, entry[0] ? entry : L"(Default)", text.data ? text.data : "",
         KeyModified(key));
  free(entry);
  SbFree(&text);
  free(data);
}

static void AddAllValues(Rows* rows, const char* category, HKEY key, const wchar_t* location,
                         const wchar_t* entry_prefix) {
  for (DWORD index = 0; index < kMaxValuesPerKey; ++index) {
    // Value names are at most 16383 characters (Registry Element Size Limits).
    wchar_t name[16384];
    DWORD length = 16384;
    LONG status = RegEnumValueW(key, index, name, &length, NULL, NULL, NULL, NULL);
    if (status == ERROR_NO_MORE_ITEMS) break;
    if (status != ERROR_SUCCESS) continue;
    AddValueRow(rows, category, key, location, entry_prefix, name);
  }
}

static void ReadLocation(Collector* c, Rows* rows, HKEY root, const wchar_t* root_name,
                         const AutorunLocation* location, const wchar_t* subkey) {
  HKEY key;
  LONG status = RegOpen(root, subkey, &key);
  wchar_t* where = WConcat(root_name, L"\\", subkey);
  if (status != ERROR_SUCCESS) {
    // Most locations simply do not exist on a given host; only refusals are worth an error.
    if (status == ERROR_ACCESS_DENIED) CollectorErrorW(c, "autoruns", where, "permission denied");
    free(where);
    return;
  }
  switch (location->mode) {
    case kAllValues:
      AddAllValues(rows, location->category, key, where, NULL);
      break;
    case kNamedValue:
      AddValueRow(rows, location->category, key, where, NULL, location->value);
      break;
    case kSubkeyValue:
    case kSubkeyAllValues:
    case kSubkeyNames: {
      wchar_t** names;
      size_t count = RegListSubkeys(key, kMaxSubkeysPerKey, &names);
      for (size_t i = 0; i < count; ++i) {
        if (location->mode == kSubkeyNames) {
          AddRow(rows, location->category, where, names[i], "", KeyModified(key));
        } else {
          HKEY child;
          if (RegOpen(key, names[i], &child) == ERROR_SUCCESS) {
            if (location->mode == kSubkeyValue) {
              AddValueRow(rows, location->category, child, where, names[i], location->value);
            } else {
              AddAllValues(rows, location->category, child, where, names[i]);
            }
            RegCloseKey(child);
          }
        }
        free(names[i]);
      }
      free(names);
      break;
    }
  }
  RegCloseKey(key);
  free(where);
}

static void ReadServices(Rows* rows) {
  static const wchar_t kServices[] = L"SYSTEM\\CurrentControlSet\\Services";
  HKEY services;
  if (RegOpen(HKEY_LOCAL_MACHINE, kServices, &services) != ERROR_SUCCESS) return;
  wchar_t** names;
  size_t count = RegListSubkeys(services, kMaxSubkeysPerKey, &names);
  wchar_t* where = WConcat(L"HKLM\\", kServices, NULL);
  for (size_t i = 0; i < count; ++i) {
    DWORD start = 0;
    wchar_t* subkey = WPathJoin(kServices, names[i]);
    // Start 0..2: boot, system, automatic. Demand-start services start only when asked.
    if (RegReadDword(HKEY_LOCAL_MACHINE, subkey, L"Start", &start) && start <= 2) {
      HKEY key;
      if (RegOpen(HKEY_LOCAL_MACHINE, subkey, &key) == ERROR_SUCCESS) {
        AddValueRow(rows, "service", key, where, names[i], L"ImagePath");
        HKEY parameters;
        if (RegOpen(key, L"Parameters", &parameters) == ERROR_SUCCESS) {
          wchar_t* prefix = WConcat(names[i], L"\\Parameters", NULL);
          AddValueRow(rows, "service", parameters, where, prefix, L"ServiceDll");
          free(prefix);
          RegCloseKey(parameters);
        }
        RegCloseKey(key);
      }
    }
    free(subkey);
    free(names[i]);
  }
  free(names);
  free(where);
  RegCloseKey(services);
}

// Startup folders hold a few shortcuts; more than this is not a real folder.
enum { kMaxStartupFiles = 256 };

static void ReadStartupFolder(Collector* c, Rows* rows, const wchar_t* folder) {
  if (!IsDirectory(folder)) return;
  wchar_t* pattern = WPathJoin(folder, L"*");
  WIN32_FIND_DATAW data;
  HANDLE find = FindFirstFileExtended(pattern, &data);
  free(pattern);
  if (find == INVALID_HANDLE_VALUE) return;
  unsigned files = 0;
  do {
    if (data.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) continue;
    if (++files > kMaxStartupFiles) break;
    wchar_t* path = WPathJoin(folder, data.cFileName);
    AddRow(rows, "startup_folder", folder, data.cFileName, "", FileTimeToU64(data.ftLastWriteTime));
    CopyRequest request = {path, "autoruns", NULL, NULL, NULL, 0, 0};
    CollectorCopyFile(c, &request, NULL);
    free(path);
  } while (FindNextFileW(find, &data));
  FindClose(find);
}

void CollectAutoruns(Collector* c) {
  Rows rows;
  SbInit(&rows.out);
  rows.count = 0;
  SbAppendStr(&rows.out, "category\tlocation\tentry\tdata\tkey_modified\n");

  for (size_t i = 0; i < sizeof kMachineLocations / sizeof kMachineLocations[0]; ++i) {
    const AutorunLocation* location = &kMachineLocations[i];
    if (location->software) {
      wchar_t* native = WConcat(L"SOFTWARE\\", location->subkey, NULL);
      wchar_t* wow = WConcat(L"SOFTWARE\\Wow6432Node\\", location->subkey, NULL);
      ReadLocation(c, &rows, HKEY_LOCAL_MACHINE, L"HKLM", location, native);
      ReadLocation(c, &rows, HKEY_LOCAL_MACHINE, L"HKLM", location, wow);
      free(native);
      free(wow);
    } else {
      ReadLocation(c, &rows, HKEY_LOCAL_MACHINE, L"HKLM", location, location->subkey);
    }
  }
  ReadServices(&rows);

  // Every loaded user hive (the collecting user's, service accounts', other logged-on users').
  wchar_t** sids = NULL;
  size_t sid_count = RegListSubkeys(HKEY_USERS, kMaxSubkeysPerKey, &sids);
  size_t user_hives = 0;
  for (size_t s = 0; s < sid_count; ++s) {
    if (!WEndsWithI(sids[s], L"_Classes")) {
      ++user_hives;
      wchar_t* root_name = WConcat(L"HKU\\", sids[s], NULL);
      HKEY hive;
      if (RegOpen(HKEY_USERS, sids[s], &hive) == ERROR_SUCCESS) {
        for (size_t i = 0; i < sizeof kUserLocations / sizeof kUserLocations[0]; ++i)
          ReadLocation(c, &rows, hive, root_name, &kUserLocations[i], kUserLocations[i].subkey);
        RegCloseKey(hive);
      }
      free(root_name);
    }
    free(sids[s]);
  }
  free(sids);
  if (user_hives == 0) {
    // HKEY_USERS could not be listed: read at least the collecting user's own hive.
    for (size_t i = 0; i < sizeof kUserLocations / sizeof kUserLocations[0]; ++i)
      ReadLocation(c, &rows, HKEY_CURRENT_USER, L"HKCU", &kUserLocations[i],
                   kUserLocations[i].subkey);
  }

  // Startup folders: the all-users one and each profile's (Vista+ and XP layouts).
  wchar_t* common = RegReadString(
      HKEY_LOCAL_MACHINE, L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders",
      L"Common Startup", 1);
  if (common != NULL) ReadStartupFolder(c, &rows, common);
  free(common);
  CollectorLoadProfiles(c);
  for (size_t p = 0; p < c->profile_count; ++p) {
    static const wchar_t* const kStartup[] = {
        L"AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup",
        L"Start Menu\\Programs\\Startup"};
    for (size_t i = 0; i < 2; ++i) {
      wchar_t* folder = WPathJoin(c->profiles[p].path, kStartup[i]);
      ReadStartupFolder(c, &rows, folder);
      free(folder);
    }
  }

  CollectorLogf(c, "%u autorun entries from %u user hives", rows.count, (unsigned)user_hives);
  CollectorAddCommand(c, "commands/autoruns.tsv", "autoruns",
                      "registry autostart locations, services, startup folders", rows.out.data,
                      rows.out.len);
  SbFree(&rows.out);
}
