#include "strbuf.h"

#include <stdlib.h>
#include <string.h>

void* XMalloc(size_t n) {
  void* p = malloc(n == 0 ? 1 : n);
  if (p == NULL) abort();
  return p;
}

void* XRealloc(void* p, size_t n) {
  void* q = realloc(p, n == 0 ? 1 : n);
  if (q == NULL) abort();
  return q;
}

char* XStrDup(const char* s) {
  size_t n = strlen(s);
  char* copy = (char*)XMalloc(n + 1);
  memcpy(copy, s, n + 1);
  return copy;
}

void SbInit(StrBuf* sb) {
  sb->data = NULL;
  sb->len = 0;
  sb->cap = 0;
}

void SbFree(StrBuf* sb) {
  free(sb->data);
  SbInit(sb);
}

void SbClear(StrBuf* sb) {
  sb->len = 0;
  if (sb->data != NULL) sb->data[0] = '\0';
}

static void SbReserve(StrBuf* sb, size_t extra) {
  if (extra > SIZE_MAX / 2 - sb->len) abort();
  size_t need = sb->len + extra + 1;
  if (need <= sb->cap) return;
  size_t cap = sb->cap < 64 ? 64 : sb->cap;
  while (cap < need) cap *= 2;
  sb->data = (char*)XRealloc(sb->data, cap);
  sb->cap = cap;
}

void SbAppend(StrBuf* sb, const char* bytes, size_t n) {
  SbReserve(sb, n);
  if (n > 0) memcpy(sb->data + sb->len, bytes, n);
  sb->len += n;
  sb->data[sb->len] = '\0';
}

void SbAppendStr(StrBuf* sb, const char* s) { SbAppend(sb, s, strlen(s)); }

void SbAppendChar(StrBuf* sb, char c) { SbAppend(sb, &c, 1); }

void SbAppendU64(StrBuf* sb, uint64_t value) {
  char digits[24];
  size_t i = sizeof digits;
  do {
    digits[--i] = (char)('0' + (int)(value % 10));
    value /= 10;
  } while (value != 0);
  SbAppend(sb, digits + i, sizeof digits - i);
}

void SbAppendI64(StrBuf* sb, int64_t value) {
  if (value < 0) {
    SbAppendChar(sb, '-');
    // Negating INT64_MIN overflows; go through unsigned arithmetic instead.
    SbAppendU64(sb, (uint64_t)0 - (uint64_t)value);
  } else {
    SbAppendU64(sb, (uint64_t)value);
  }
}

static const char kHexLower[] = "0123456789abcdef";
static const char kHexUpper[] = "0123456789ABCDEF";

void SbAppendHex(StrBuf* sb, const uint8_t* bytes, size_t n) {
  SbReserve(sb, 2 * n);
  for (size_t i = 0; i < n; ++i) {
    sb->data[sb->len++] = kHexLower[bytes[i] >> 4];
    sb->data[sb->len++] = kHexLower[bytes[i] & 15];
  }
  sb->data[sb->len] = '\0';
}

void SbAppendHexU32(StrBuf* sb, uint32_t value, int min_digits) {
  char digits[8];
  int count = 0;
  do {
    digits[count++] = kHexUpper[value & 15];
    value >>= 4;
  } while (value != 0 && count < 8);
  SbAppendStr(sb, "0x");
  for (int i = count; i < min_digits && i < 8; ++i) SbAppendChar(sb, '0');
  while (count > 0) SbAppendChar(sb, digits[--count]);
}

void SbAppendJsonString(StrBuf* sb, const char* utf8) {
  SbAppendChar(sb, '"');
  for (const unsigned char* p = (const unsigned char*)utf8; *p != 0; ++p) {
    unsigned char c = *p;
    switch (c) {
      case '"':
        SbAppend(sb, "\\\"", 2);
        break;
      case '\\':
        SbAppend(sb, "\\\\", 2);
        break;
      case '\n':
        SbAppend(sb, "\\n", 2);
        break;
      case '\r':
        SbAppend(sb, "\\r", 2);
        break;
      case '\t':
        SbAppend(sb, "\\t", 2);
        break;
      default:
        if (c < 0x20) {
          char escape[6] = {'\\', 'u', '0', '0', kHexLower[c >> 4], kHexLower[c & 15]};
          SbAppend(sb, escape, sizeof escape);
        } else {
          SbAppendChar(sb, (char)c);
        }
    }
  }
  SbAppendChar(sb, '"');
}

void SbAppendTsvField(StrBuf* sb, const char* utf8) {
  for (const char* p = utf8; *p != '\0'; ++p) {
    switch (*p) {
      case '\\':
        SbAppend(sb, "\\\\", 2);
        break;
      case '\t':
        SbAppend(sb, "\\t", 2);
        break;
      case '\r':
        SbAppend(sb, "\\r", 2);
        break;
      case '\n':
        SbAppend(sb, "\\n", 2);
        break;
      default:
        SbAppendChar(sb, *p);
    }
  }
}

static void AppendCodePoint(StrBuf* sb, uint32_t cp) {
  char out[4];
  size_t n;
  if (cp < 0x80) {
    out[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    out[0] = (char)(0xC0 | (cp >> 6));
    out[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  SbAppend(sb, out, n);
}

void SbAppendUtf16(StrBuf* sb, const uint16_t* units, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t u = units[i];
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n && units[i + 1] >= 0xDC00 &&
        units[i + 1] <= 0xDFFF) {
      uint32_t low = units[i + 1];
      AppendCodePoint(sb, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
      ++i;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
      AppendCodePoint(sb, 0xFFFD);
    } else {
      AppendCodePoint(sb, u);
    }
  }
}

static void AppendTwoDigits(StrBuf* sb, int value) {
  char digits[2] = {(char)('0' + value / 10 % 10), (char)('0' + value % 10)};
  SbAppend(sb, digits, 2);
}

void SbAppendRfc3339(StrBuf* sb, int year, int month, int day, int hour, int minute, int second) {
  AppendTwoDigits(sb, year / 100);
  AppendTwoDigits(sb, year % 100);
  SbAppendChar(sb, '-');
  AppendTwoDigits(sb, month);
  SbAppendChar(sb, '-');
  AppendTwoDigits(sb, day);
  SbAppendChar(sb, 'T');
  AppendTwoDigits(sb, hour);
  SbAppendChar(sb, ':');
  AppendTwoDigits(sb, minute);
  SbAppendChar(sb, ':');
  AppendTwoDigits(sb, second);
  SbAppendChar(sb, 'Z');
}

void SbAppendIpv4(StrBuf* sb, const uint8_t address[4]) {
  for (int i = 0; i < 4; ++i) {
    if (i > 0) SbAppendChar(sb, '.');
    SbAppendU64(sb, address[i]);
  }
}

static void AppendHexGroup(StrBuf* sb, unsigned group) {
  char digits[4];
  int count = 0;
  do {
    digits[count++] = kHexLower[group & 15];
    group >>= 4;
  } while (group != 0);
  while (count > 0) SbAppendChar(sb, digits[--count]);
}

void SbAppendIpv6(StrBuf* sb, const uint8_t address[16]) {
  unsigned groups[8];
  for (int i = 0; i < 8; ++i) groups[i] = (unsigned)address[2 * i] << 8 | address[2 * i + 1];
  int best_start = -1, best_length = 0;
  for (int i = 0; i < 8;) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    int start = i;
    while (i < 8 && groups[i] == 0) ++i;
    if (i - start > best_length) {
      best_start = start;
      best_length = i - start;
    }
  }
  if (best_length < 2) best_start = -1;  // RFC 5952 4.2.2: a single zero group stays "0"
  for (int i = 0; i < 8; ++i) {
    if (i == best_start) {
      SbAppend(sb, "::", 2);
      i += best_length - 1;
      continue;
    }
    if (i > 0 && i != best_start + best_length) SbAppendChar(sb, ':');
    AppendHexGroup(sb, groups[i]);
  }
}

char* SbDetach(StrBuf* sb) {
  if (sb->data == NULL) SbAppend(sb, "", 0);
  char* data = sb->data;
  SbInit(sb);
  return data;
}

size_t Utf16Length(const uint16_t* s) {
  size_t n = 0;
  while (s[n] != 0) ++n;
  return n;
}

char* Utf16ToUtf8(const uint16_t* s) {
  StrBuf sb;
  SbInit(&sb);
  SbAppendUtf16(&sb, s, Utf16Length(s));
  return SbDetach(&sb);
}
