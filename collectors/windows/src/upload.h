#ifndef KENSA_COLLECTOR_UPLOAD_H_
#define KENSA_COLLECTOR_UPLOAD_H_
// Sends the finished archive to the gateway: an HTTPS POST of multipart/form-data (part
// "file", plus "case_id" when given) with "Authorization: Bearer <token>", through WinHTTP
// (loaded at run time; WinHTTP 5.1 ships with XP SP1 and later). Certificate errors are never
// ignored. See docs/collection-format.md "Upload".

#include <windows.h>

#include "strbuf.h"

// Returns 1 on a 2xx answer. On failure `error` (appended) says why.
int UploadArchive(const wchar_t* url, const wchar_t* token, const wchar_t* case_id,
                  const wchar_t* archive_path, const wchar_t* archive_name, StrBuf* error);

#endif  // KENSA_COLLECTOR_UPLOAD_H_
