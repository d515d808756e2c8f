/* t14_resource: a dropper whose payload is a resource. RCDATA 101 (t14_payload.txt, built in
 * by t14_resource.rc) is located, loaded and written unchanged to %TEMP%\sbx-resource.bin, so
 * the dropped file's SHA-256 is the payload file's. */
#include <windows.h>

#include "sbx_common.h"

static const char kTest[] = "t14_resource";
static const char kFileName[] = "sbx-resource.bin";
enum { kPayloadResourceId = 101 };

int main(void) {
  HRSRC resource = FindResourceA(NULL, MAKEINTRESOURCEA(kPayloadResourceId), (LPCSTR)RT_RCDATA);
  if (resource == NULL) return SbxFail(kTest, "find_resource", GetLastError());
  DWORD size = SizeofResource(NULL, resource);
  HGLOBAL loaded = LoadResource(NULL, resource);
  const void* payload = loaded != NULL ? LockResource(loaded) : NULL;
  if (payload == NULL || size == 0) return SbxFail(kTest, "load_resource", GetLastError());
  SbxMarkNumber(kTest, "resource_bytes", size);

  char path[MAX_PATH];
  DWORD length = GetTempPathA(MAX_PATH, path);
  if (length == 0 || length + sizeof(kFileName) > MAX_PATH) {
    return SbxFail(kTest, "temp_path", GetLastError());
  }
  lstrcatA(path, kFileName);
  HANDLE file = CreateFileA(path, GENERIC_WRITE, 0, NULL, CREATE_ALWAYS, FILE_ATTRIBUTE_NORMAL,
                            NULL);
  if (file == INVALID_HANDLE_VALUE) return SbxFail(kTest, "create_file", GetLastError());
  DWORD written = 0;
  BOOL ok = WriteFile(file, payload, size, &written, NULL);
  CloseHandle(file);
  if (!ok || written != size) return SbxFail(kTest, "write_file", GetLastError());
  SbxMarkText(kTest, "dropped", kFileName);
  SbxDone(kTest);
  return 0;
}
