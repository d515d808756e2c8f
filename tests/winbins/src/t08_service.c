/* t08_service: service installation, the persistence of droppers that run as administrator.
 * The service is created for demand start, never started, and deleted again. */
#include <windows.h>

#include "sbx_common.h"

static const char kTest[] = "t08_service";
static const char kServiceName[] = "SbxTestSvc";
static const char kDisplayName[] = "Sbx Test Service";
static const char kBinaryPath[] = "C:\\ProgramData\\sbx\\sbx-svc.exe";

int main(void) {
  SC_HANDLE manager = OpenSCManagerA(NULL, NULL, SC_MANAGER_CREATE_SERVICE);
  if (manager == NULL) return SbxFail(kTest, "open_sc_manager", GetLastError());
  SC_HANDLE service = CreateServiceA(manager, kServiceName, kDisplayName, SERVICE_ALL_ACCESS,
                                     SERVICE_WIN32_OWN_PROCESS, SERVICE_DEMAND_START,
                                     SERVICE_ERROR_IGNORE, kBinaryPath, NULL, NULL, NULL, NULL,
                                     NULL);
  if (service == NULL) {
    DWORD error = GetLastError();
    CloseServiceHandle(manager);
    return SbxFail(kTest, "create_service", error);
  }
  SbxMarkText(kTest, "created", kServiceName);
  BOOL deleted = DeleteService(service);
  DWORD error = GetLastError();
  CloseServiceHandle(service);
  CloseServiceHandle(manager);
  if (!deleted) return SbxFail(kTest, "delete_service", error);
  SbxMarkText(kTest, "deleted", kServiceName);
  SbxDone(kTest);
  return 0;
}
