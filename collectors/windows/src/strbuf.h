#ifndef KENSA_COLLECTOR_STRBUF_H_
#define KENSA_COLLECTOR_STRBUF_H_
// A growable UTF-8 byte buffer and the text encodings the collector writes: JSON strings,
// TSV fields, RFC 3339 times, UTF-16 -> UTF-8. Portable C11 (no Windows headers) so the host
// build can unit-test it.
//
//   StrBuf sb; SbInit(&sb);
//   SbAppendStr(&sb, "{\"name\":"); SbAppendJsonString(&sb, name); SbAppendChar(&sb, '}');
//   ... use sb.data (always NUL-terminated), sb.len ...
//   SbFree(&sb);
//
// Allocation failure aborts the process: the collector's memory use is bounded by design
// (rows and items are capped), so running out of memory means the host cannot run it at all.

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct StrBuf {
  char* data;  // NUL-terminated once anything was appended; NULL before
  size_t len;
  size_t cap;
} StrBuf;

void SbInit(StrBuf* sb);
void SbFree(StrBuf* sb);
void SbClear(StrBuf* sb);
void SbAppend(StrBuf* sb, const char* bytes, size_t n);
void SbAppendStr(StrBuf* sb, const char* s);
void SbAppendChar(StrBuf* sb, char c);
void SbAppendU64(StrBuf* sb, uint64_t value);
void SbAppendI64(StrBuf* sb, int64_t value);
// Lower-case hex of `n` bytes.
void SbAppendHex(StrBuf* sb, const uint8_t* bytes, size_t n);
// `value` as 0x-prefixed upper-case hex, at least `min_digits` digits.
void SbAppendHexU32(StrBuf* sb, uint32_t value, int min_digits);
// The text as a JSON string literal with quotes (RFC 8259 section 7): '"', '\\' and control
// characters escaped. Bytes are copied as they are, so the input must be UTF-8.
void SbAppendJsonString(StrBuf* sb, const char* utf8);
// One TSV field: backslash, tab, CR and LF become \\ \t \r \n so a row stays one line.
void SbAppendTsvField(StrBuf* sb, const char* utf8);
// UTF-16 code units (not NUL-terminated, `n` units) converted to UTF-8. An unpaired surrogate
// becomes U+FFFD, so the output is always valid UTF-8 (Windows names can hold lone surrogates).
void SbAppendUtf16(StrBuf* sb, const uint16_t* units, size_t n);
// Dotted-quad IPv4 address of 4 bytes in network order.
void SbAppendIpv4(StrBuf* sb, const uint8_t address[4]);
// IPv6 address of 16 bytes in network order in RFC 5952 form: lower-case hex, no leading
// zeros, the longest run of two or more zero groups (the first of equal runs) as "::".
void SbAppendIpv6(StrBuf* sb, const uint8_t address[16]);
// "yyyy-mm-ddThh:mm:ssZ".
void SbAppendRfc3339(StrBuf* sb, int year, int month, int day, int hour, int minute, int second);
// Gives the buffer to the caller (free() it); the StrBuf is left empty. Never NULL.
char* SbDetach(StrBuf* sb);

// Length of a NUL-terminated UTF-16 string.
size_t Utf16Length(const uint16_t* s);
// Newly allocated UTF-8 copy of a NUL-terminated UTF-16 string (free() it). Never NULL.
char* Utf16ToUtf8(const uint16_t* s);

// malloc/realloc/strdup that abort on failure (see the header comment).
void* XMalloc(size_t n);
void* XRealloc(void* p, size_t n);
char* XStrDup(const char* s);

#ifdef __cplusplus
}
#endif

#endif  // KENSA_COLLECTOR_STRBUF_H_
