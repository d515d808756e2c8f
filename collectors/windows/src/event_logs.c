// event_logs: consistent copies of the live event logs. A live .evtx is held open by the
// Event Log service and cannot be copied; EvtExportLog (Vista+) writes a consistent copy of a
// channel, and BackupEventLog does the same for the classic logs of Windows XP / 2003 (.evt).
// The copies are stored under the live file's path, with method saying how they were made.
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "steps.h"

// The channels docs/collection-format.md lists for "event_logs".
static const wchar_t* const kChannels[] = {
    L"Security",
    L"System",
    L"Application",
    L"Windows PowerShell",
    L"Microsoft-Windows-PowerShell/Operational",
    L"Microsoft-Windows-Sysmon/Operational",
    L"Microsoft-Windows-TaskScheduler/Operational",
    L"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    L"Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    L"Microsoft-Windows-WMI-Activity/Operational",
    L"Microsoft-Windows-Windows Defender/Operational",
};

enum {
  kEvtExportLogChannelPath = 1,      // EvtExportLogChannelPath
  kErrorEvtChannelNotFound = 15007,  // ERROR_EVT_CHANNEL_NOT_FOUND
  // Classic logs registered under Services\Eventlog on XP / 2003: a handful in practice.
  kMaxClassicLogs = 256,
};

// Checks the file a backup API wrote: present, non-empty, and with the format's signature
// ("ElfFile\0" for EVTX, "LfLe" at offset 4 for EVT). Wine's BackupEventLog, for one, reports
// success without writing anything.
static int LooksLikeEventLog(const wchar_t* path) {
  HANDLE file = OpenForBackupRead(path);
  if (file == INVALID_HANDLE_VALUE) return 0;
  BYTE header[8];
  DWORD got = 0;
  int ok = ReadFile(file, header, sizeof header, &got, NULL) && got == sizeof header &&
           (memcmp(header, "ElfFile", 8) == 0 || memcmp(header + 4, "LfLe", 4) == 0);
  CloseHandle(file);
  return ok;
}

// Runs BackupEventLogW for `log` into `target`; returns ERROR_SUCCESS or the Win32 error.
static DWORD BackupClassicLog(const wchar_t* log, const wchar_t* target) {
  HANDLE handle = OpenEventLogW(NULL, log);
  if (handle == NULL) return GetLastError();
  DWORD error = BackupEventLogW(handle, target) ? ERROR_SUCCESS : GetLastError();
  CloseEventLog(handle);
  if (error == ERROR_SUCCESS && !LooksLikeEventLog(target)) error = ERROR_INVALID_DATA;
  return error;
}

static int IsClassicChannel(const wchar_t* channel) { return wcschr(channel, L'/') == NULL; }

static wchar_t* ChannelFileName(const wchar_t* channel) {
  // Windows names a channel's file after the channel with '/' written as "%4".
  size_t length = wcslen(channel);
  wchar_t* name = (wchar_t*)XMalloc((3 * length + 8) * sizeof(wchar_t));
  size_t n = 0;
  for (size_t i = 0; i < length; ++i) {
    if (channel[i] == L'/') {
      name[n++] = L'%';
      name[n++] = L'4';
    } else {
      name[n++] = channel[i];
    }
  }
  wcscpy(name + n, L".evtx");
  return name;
}

static const char* const kMissingEvtExport =
    "EvtExportLog failed and BackupEventLog wrote no event log file";

static void ExportChannel(Collector* c, const wchar_t* channel, const wchar_t* logs_dir) {
  wchar_t* file_name = ChannelFileName(channel);
  wchar_t* original = WPathJoin(logs_dir, file_name);
  wchar_t* temp = CollectorTempPath(c, L".evtx");
  DWORD error = ERROR_PROC_NOT_FOUND;
  const char* method = "EvtExportLog";
  if (g_api.EvtExportLog != NULL) {
    error = g_api.EvtExportLog(NULL, channel, L"*", temp, kEvtExportLogChannelPath)
                ? ERROR_SUCCESS
                : GetLastError();
  }
  if (error != ERROR_SUCCESS && error != kErrorEvtChannelNotFound && IsClassicChannel(channel)) {
    CollectorLogf(c, "EvtExportLog %ls: %E; trying BackupEventLog", channel, error);
    DeleteFileW(temp);
    DWORD backup_error = BackupClassicLog(channel, temp);
    if (backup_error == ERROR_SUCCESS) {
      error = ERROR_SUCCESS;
      method = "BackupEventLog";
    } else {
      CollectorLogf(c, "BackupEventLog %ls: %E", channel, backup_error);
    }
  }
  if (error == ERROR_SUCCESS) {
    char* archive_path = ArchivePathFor(original);
    CopyRequest request = {temp, "event_logs", method, archive_path, original, 0, 0};
    CollectorCopyFile(c, &request, NULL);
    free(archive_path);
  } else {
    StrBuf source, why;
    SbInit(&source);
    SbInit(&why);
    SbFormat(&source, "%ls (%ls)", channel, original);
    if (error == kErrorEvtChannelNotFound) {
      SbAppendStr(&why, "not present (no such channel on this host)");
    } else {
      char* text = DescribeWin32Error(error);
      SbFormat(&why, "EvtExportLog: %s", text);
      if (IsClassicChannel(channel)) SbFormat(&why, "; %s", kMissingEvtExport);
      free(text);
    }
    CollectorError(c, "event_logs", source.data, why.data);
    SbFree(&source);
    SbFree(&why);
  }
  DeleteFileW(temp);
  free(temp);
  free(original);
  free(file_name);
}

// Windows XP / Server 2003: every log registered under Services\Eventlog, via BackupEventLog.
static void BackupClassicLogs(Collector* c) {
  static const wchar_t kEventlog[] = L"SYSTEM\\CurrentControlSet\\Services\\Eventlog";
  HKEY key;
  if (RegOpen(HKEY_LOCAL_MACHINE, kEventlog, &key) != ERROR_SUCCESS) {
    CollectorError(c, "event_logs", "HKLM\\SYSTEM\\CurrentControlSet\\Services\\Eventlog",
                   "not readable; no event logs found");
    return;
  }
  wchar_t** logs;
  size_t count = RegListSubkeys(key, kMaxClassicLogs, &logs);
  RegCloseKey(key);
  for (size_t i = 0; i < count; ++i) {
    wchar_t* subkey = WPathJoin(kEventlog, logs[i]);
    wchar_t* file = RegReadString(HKEY_LOCAL_MACHINE, subkey, L"File", 1);
    wchar_t* original = file;
    if (original == NULL) {
      wchar_t* name = WConcat(logs[i], L".evt", NULL);
      wchar_t* config = WPathJoin(c->host.system_dir, L"config");
      original = WPathJoin(config, name);
      free(config);
      free(name);
    }
    wchar_t* temp = CollectorTempPath(c, L".evt");
    DWORD error = BackupClassicLog(logs[i], temp);
    if (error == ERROR_SUCCESS) {
      char* archive_path = ArchivePathFor(original);
      CopyRequest request = {temp, "event_logs", "BackupEventLog", archive_path, original, 0, 0};
      CollectorCopyFile(c, &request, NULL);
      free(archive_path);
    } else {
      StrBuf source;
      SbInit(&source);
      SbFormat(&source, "%ls (%ls)", logs[i], original);
      char* why = error == ERROR_INVALID_DATA
                      ? XStrDup("BackupEventLog reported success but wrote no event log file")
                      : DescribeWin32Error(error);
      CollectorError(c, "event_logs", source.data, why);
      free(why);
      SbFree(&source);
    }
    DeleteFileW(temp);
    free(temp);
    free(original);
    free(subkey);
    free(logs[i]);
  }
  free(logs);
}

void CollectEventLogs(Collector* c) {
  if (c->host.major < 6) {
    BackupClassicLogs(c);
    return;
  }
  wchar_t* logs_dir = WPathJoin(c->host.system_dir, L"winevt\\Logs");
  if (g_api.EvtExportLog == NULL)
    CollectorLog(c, "wevtapi.dll has no EvtExportLog; classic logs only via BackupEventLog");
  for (size_t i = 0; i < sizeof kChannels / sizeof kChannels[0]; ++i)
    ExportChannel(c, kChannels[i], logs_dir);
  free(logs_dir);
}
