/* t02_runkey: persistence through the current user's Run key. The value is written, then read
 * back to prove the registry kept it. Nothing is ever started from it. */
#include <windows.h>
#include <string.h>

#include "sbx_common.h"

static const char kTest[] = "t02_runkey";
static const char kRunKey[] = "Software\\Microsoft\\Windows\\CurrentVersion\\Run";
static const char kValueName[] = "SbxTest";
static const char kCommand[] = "C:\\ProgramData\\sbx\\agent.exe";

int main(void) {
  HKEY key = NULL;
  DWORD disposition = 0;
  LONG status = RegCreateKeyExA(HKEY_CURRENT_USER, kRunKey, 0, NULL, REG_OPTION_NON_VOLATILE,
                                KEY_SET_VALUE | KEY_QUERY_VALUE, NULL, &key, &disposition);
  if (status != ERROR_SUCCESS) return SbxFail(kTest, "create_key", (unsigned long)status);

  status = RegSetValueExA(key, kValueName, 0, REG_SZ, (const BYTE*)kCommand, sizeof(kCommand));
  if (status != ERROR_SUCCESS) {
    RegCloseKey(key);
    return SbxFail(kTest, "set_value", (unsigned long)status);
  }
  SbxMarkText(kTest, "set_value", kValueName);

  char read_back[MAX_PATH] = {0};
  DWORD type = 0;
  DWORD size = sizeof(read_back) - 1;
  status = RegQueryValueExA(key, kValueName, NULL, &type, (BYTE*)read_back, &size);
  RegCloseKey(key);
  if (status != ERROR_SUCCESS) return SbxFail(kTest, "query_value", (unsigned long)status);
  if (type != REG_SZ || strcmp(read_back, kCommand) != 0) return SbxFail(kTest, "read_back", type);
  SbxMarkText(kTest, "read_back", read_back);
  SbxDone(kTest);
  return 0;
}
