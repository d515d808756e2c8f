// services: every Win32 service and driver the service control manager knows, with its
// configuration -> commands/services.tsv.
#include <stdlib.h>
#include <string.h>

#include "steps.h"

// EnumServicesStatusEx returns a few hundred to a few thousand entries; its buffer is at most
// 256 KiB per call, and this bounds the loop over resume handles.
enum { kMaxServices = 65536, kMaxServiceConfigBytes = 64 << 10 };

static const char* ServiceTypeName(DWORD type) {
  switch (type & ~(DWORD)SERVICE_INTERACTIVE_PROCESS) {
    case SERVICE_KERNEL_DRIVER:
      return "kernel_driver";
    case SERVICE_FILE_SYSTEM_DRIVER:
      return "file_system_driver";
    case SERVICE_WIN32_OWN_PROCESS:
      return "own_process";
    case SERVICE_WIN32_SHARE_PROCESS:
      return "share_process";
    case 0x50:
      return "user_own_process";  // SERVICE_USER_OWN_PROCESS, Windows 10
    case 0x60:
      return "user_share_process";  // SERVICE_USER_SHARE_PROCESS
    default:
      return "other";
  }
}

static const char* StartTypeName(DWORD start) {
  static const char* const kNames[] = {"boot", "system", "auto", "demand", "disabled"};
  return start < 5 ? kNames[start] : "unknown";
}

static const char* StateName(DWORD state) {
  static const char* const kNames[] = {
      "",        "stopped",          "start_pending", "stop_pending",
      "running", "continue_pending", "pause_pending", "paused"};
  return state < 8 ? kNames[state] : "unknown";
}

static void AppendWide(StrBuf* sb, const wchar_t* text) {
  if (text == NULL) return;
  char* utf8 = WToUtf8(text);
  SbAppendTsvField(sb, utf8);
  free(utf8);
}

void CollectServices(Collector* c) {
  SC_HANDLE manager = OpenSCManagerW(NULL, NULL, SC_MANAGER_CONNECT | SC_MANAGER_ENUMERATE_SERVICE);
  if (manager == NULL) {
    char* why = DescribeWin32Error(GetLastError());
    CollectorError(c, "services", "OpenSCManagerW", why);
    free(why);
    return;
  }
  StrBuf out;
  SbInit(&out);
  SbAppendStr(&out,
              "name\tdisplay_name\ttype\tstart_type\tstate\tpid\timage_path\taccount\t"
              "service_dll\tnotes\n");
  DWORD resume = 0;
  unsigned count = 0;
  BYTE* buffer = NULL;
  DWORD buffer_size = 0;
  QUERY_SERVICE_CONFIGW* config = (QUERY_SERVICE_CONFIGW*)XMalloc(kMaxServiceConfigBytes);
  for (int round = 0; round < 1024 && count < kMaxServices; ++round) {
    DWORD needed = 0, returned = 0;
    BOOL ok = EnumServicesStatusExW(manager, SC_ENUM_PROCESS_INFO, SERVICE_WIN32 | SERVICE_DRIVER,
                                    SERVICE_STATE_ALL, buffer, buffer_size, &needed, &returned,
                                    &resume, NULL);
    DWORD error = ok ? ERROR_SUCCESS : GetLastError();
    if (!ok && error != ERROR_MORE_DATA) {
      char* why = DescribeWin32Error(error);
      CollectorError(c, "services", "EnumServicesStatusExW", why);
      free(why);
      break;
    }
    if (returned == 0 && !ok) {
      // Nothing fitted: grow the buffer to what the call asked for (bounded) and go again.
      if (needed == 0 || needed > (256u << 10)) needed = 256u << 10;
      free(buffer);
      buffer_size = needed;
      buffer = (BYTE*)XMalloc(buffer_size);
      continue;
    }
    const ENUM_SERVICE_STATUS_PROCESSW* services = (const ENUM_SERVICE_STATUS_PROCESSW*)buffer;
    for (DWORD i = 0; i < returned && count < kMaxServices; ++i, ++count) {
      const ENUM_SERVICE_STATUS_PROCESSW* s = &services[i];
      StrBuf notes;
      SbInit(&notes);
      const wchar_t* image = NULL;
      const wchar_t* account = NULL;
      DWORD start_type = 0xFFFFFFFF;
      SC_HANDLE service = OpenServiceW(manager, s->lpServiceName, SERVICE_QUERY_CONFIG);
      DWORD config_needed = 0;
      if (service != NULL &&
          QueryServiceConfigW(service, config, kMaxServiceConfigBytes, &config_needed)) {
        image = config->lpBinaryPathName;
        account = config->lpServiceStartName;
        start_type = config->dwStartType;
      } else {
        char* why = DescribeWin32Error(GetLastError());
        SbFormat(&notes, "configuration not read: %s", why);
        free(why);
      }
      if (service != NULL) CloseServiceHandle(service);
      // svchost services name their DLL in the registry, not in the image path.
      wchar_t* key =
          WConcat(L"SYSTEM\\CurrentControlSet\\Services\\", s->lpServiceName, L"\\Parameters");
      wchar_t* service_dll = RegReadString(HKEY_LOCAL_MACHINE, key, L"ServiceDll", 1);
      free(key);

      AppendWide(&out, s->lpServiceName);
      SbAppendChar(&out, '\t');
      AppendWide(&out, s->lpDisplayName);
      SbFormat(&out, "\t%s\t%s\t%s\t%lu\t", ServiceTypeName(s->ServiceStatusProcess.dwServiceType),
               start_type == 0xFFFFFFFF ? "" : StartTypeName(start_type),
               StateName(s->ServiceStatusProcess.dwCurrentState),
               (unsigned long)s->ServiceStatusProcess.dwProcessId);
      AppendWide(&out, image);
      SbAppendChar(&out, '\t');
      AppendWide(&out, account);
      SbAppendChar(&out, '\t');
      AppendWide(&out, service_dll);
      SbAppendChar(&out, '\t');
      SbAppendTsvField(&out, notes.data ? notes.data : "");
      SbAppendChar(&out, '\n');
      free(service_dll);
      SbFree(&notes);
    }
    if (ok) break;  // the last batch
  }
  free(config);
  free(buffer);
  CloseServiceHandle(manager);
  CollectorLogf(c, "%u services and drivers", count);
  CollectorAddCommand(c, "commands/services.tsv", "services",
                      "EnumServicesStatusExW, QueryServiceConfigW", out.data, out.len);
  SbFree(&out);
}
