#include "value_format.h"

#include <array>
#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "kensa/evtx/evtx_parser.h"

namespace kensa::evtx {
namespace {

// Days since 1970-01-01 to a civil date (proleptic Gregorian), after H. Hinnant's algorithm.
void CivilFromDays(std::int64_t days, std::int64_t* year, unsigned* month, unsigned* day) {
  days += 719468;
  const std::int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *day = doy - (153 * mp + 2) / 5 + 1;
  *month = mp < 10 ? mp + 3 : mp - 9;
  *year = static_cast<std::int64_t>(yoe) + era * 400 + (*month <= 2 ? 1 : 0);
}

}  // namespace

std::string FormatFiletime(std::uint64_t filetime) {
  // FILETIME counts 100 ns ticks from 1601-01-01; 11644473600 s separate it from 1970.
  constexpr std::int64_t kEpochDeltaSeconds = 11644473600;
  const auto seconds_since_1601 = static_cast<std::int64_t>(filetime / 10'000'000);
  const auto micros = static_cast<unsigned>((filetime % 10'000'000) / 10);
  const std::int64_t unix_seconds = seconds_since_1601 - kEpochDeltaSeconds;
  std::int64_t days = unix_seconds / 86400;
  std::int64_t rem = unix_seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  std::int64_t year = 0;
  unsigned month = 0;
  unsigned day = 0;
  CivilFromDays(days, &year, &month, &day);
  if (year < 0 || year > 9999) year = 9999;  // unreachable from 64-bit ticks; keeps 4 digits
  // Hand-formatted: this runs at least twice per record and snprintf dominated profiles.
  std::string out = "0000-00-00T00:00:00.000000Z";
  const auto put = [&out](std::size_t at, std::size_t width, std::uint64_t value) {
    for (std::size_t i = 0; i < width; ++i) {
      out[at + width - 1 - i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, 4, static_cast<std::uint64_t>(year));
  put(5, 2, month);
  put(8, 2, day);
  put(11, 2, static_cast<std::uint64_t>(rem / 3600));
  put(14, 2, static_cast<std::uint64_t>(rem / 60 % 60));
  put(17, 2, static_cast<std::uint64_t>(rem % 60));
  put(20, 6, micros);
  return out;
}

namespace internal {
namespace {

template <typename T>
T Load(ByteSpan data, std::size_t offset) {
  T value{};
  std::memcpy(&value, data.data() + offset, sizeof(T));  // x86/ARM little-endian hosts only
  return value;
}

void AppendUnsigned(std::string& out, std::uint64_t value) {
  char buffer[20];
  std::size_t n = 0;
  do {
    buffer[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  while (n > 0) out.push_back(buffer[--n]);
}

void AppendSigned(std::string& out, std::int64_t value) {
  if (value < 0) {
    out.push_back('-');
    // Negate in unsigned arithmetic so INT64_MIN does not overflow.
    AppendUnsigned(out, ~static_cast<std::uint64_t>(value) + 1);
    return;
  }
  AppendUnsigned(out, static_cast<std::uint64_t>(value));
}

void AppendHex(std::string& out, std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buffer[16];
  std::size_t n = 0;
  do {
    buffer[n++] = kDigits[value & 0xF];
    value >>= 4;
  } while (value != 0);
  out += "0x";
  while (n > 0) out.push_back(buffer[--n]);
}

void AppendUpperHex(std::string& out, ByteSpan data) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  for (std::uint8_t byte : data) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
}

// Size in bytes of one item of a fixed-size type, 0 for variable-size types.
std::size_t FixedSize(std::uint8_t type) {
  switch (type) {
    case kInt8:
    case kUInt8:
      return 1;
    case kInt16:
    case kUInt16:
      return 2;
    case kInt32:
    case kUInt32:
    case kReal32:
    case kHexInt32:
    case kBool:
      return 4;
    case kInt64:
    case kUInt64:
    case kReal64:
    case kHexInt64:
    case kFiletime:
      return 8;
    case kGuid:
    case kSystemtime:
      return 16;
    default:
      return 0;
  }
}

// Reads an unsigned integer of whatever width `data` has (1, 2, 4 or 8 bytes).
bool LoadUnsigned(ByteSpan data, std::uint64_t* value) {
  switch (data.size()) {
    case 1:
      *value = data[0];
      return true;
    case 2:
      *value = Load<std::uint16_t>(data, 0);
      return true;
    case 4:
      *value = Load<std::uint32_t>(data, 0);
      return true;
    case 8:
      *value = Load<std::uint64_t>(data, 0);
      return true;
    default:
      return false;
  }
}

void AppendGuid(std::string& out, ByteSpan g) {
  // GUID layout (MS-DTYP 2.3.4.2): Data1..Data3 little-endian, Data4 as bytes; rendered
  // {XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX} like StringFromGUID2.
  static constexpr char kDigits[] = "0123456789ABCDEF";
  static constexpr std::size_t kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  out.push_back('{');
  for (std::size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    const std::uint8_t byte = g[kOrder[i]];
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 0x0F]);
  }
  out.push_back('}');
}

void AppendSystemtime(std::string& out, ByteSpan t) {
  // SYSTEMTIME (MS-DTYP 2.3.13): year, month, day-of-week, day, hour, minute, second, ms.
  char buffer[64];
  const int n = std::snprintf(
      buffer, sizeof(buffer), "%04u-%02u-%02uT%02u:%02u:%02u.%03u000Z",
      static_cast<unsigned>(Load<std::uint16_t>(t, 0)),
      static_cast<unsigned>(Load<std::uint16_t>(t, 2)),
      static_cast<unsigned>(Load<std::uint16_t>(t, 6)),
      static_cast<unsigned>(Load<std::uint16_t>(t, 8)),
      static_cast<unsigned>(Load<std::uint16_t>(t, 10)),
      static_cast<unsigned>(Load<std::uint16_t>(t, 12)),
      static_cast<unsigned>(Load<std::uint16_t>(t, 14)));
  out.append(buffer, static_cast<std::size_t>(n));
}

bool AppendSid(std::string& out, ByteSpan sid) {
  // SID (MS-DTYP 2.4.2): revision, sub-authority count, 48-bit big-endian authority, then
  // little-endian 32-bit sub-authorities.
  if (sid.size() < 8) return false;
  const std::size_t count = sid[1];
  if (sid.size() < 8 + 4 * count) return false;
  std::uint64_t authority = 0;
  for (std::size_t i = 2; i < 8; ++i) authority = (authority << 8) | sid[i];
  out += "S-";
  AppendUnsigned(out, sid[0]);
  out += '-';
  AppendUnsigned(out, authority);
  for (std::size_t i = 0; i < count; ++i) {
    out += '-';
    AppendUnsigned(out, Load<std::uint32_t>(sid, 8 + 4 * i));
  }
  return true;
}

void AppendReal(std::string& out, double value) {
  char buffer[40];
  const int n = std::snprintf(buffer, sizeof(buffer), "%.17g", value);
  out.append(buffer, static_cast<std::size_t>(n));
}

// One item of a fixed-size type; `data` has exactly FixedSize(type) bytes, except for the
// integer types whose width Windows sometimes writes differently (a 1-byte or 8-byte bool).
bool AppendScalar(std::string& out, std::uint8_t type, ByteSpan data) {
  std::uint64_t raw = 0;
  switch (type) {
    case kInt8:
    case kInt16:
    case kInt32:
    case kInt64: {
      if (!LoadUnsigned(data, &raw)) return false;
      // Sign-extend from the stored width.
      const unsigned bits = static_cast<unsigned>(data.size() * 8);
      std::int64_t value = static_cast<std::int64_t>(raw);
      if (bits < 64 && (raw >> (bits - 1)) != 0) {
        value = static_cast<std::int64_t>(raw | (~std::uint64_t{0} << bits));
      }
      AppendSigned(out, value);
      return true;
    }
    case kUInt8:
    case kUInt16:
    case kUInt32:
    case kUInt64:
      if (!LoadUnsigned(data, &raw)) return false;
      AppendUnsigned(out, raw);
      return true;
    case kHexInt32:
    case kHexInt64:
    case kSizeT:
      if (!LoadUnsigned(data, &raw)) return false;
      AppendHex(out, raw);
      return true;
    case kBool:
      // Any non-zero value is true: some providers write 2 or 0xFFFFFFFF.
      if (!LoadUnsigned(data, &raw)) return false;
      out += raw != 0 ? "true" : "false";
      return true;
    case kReal32:
      if (data.size() != 4) return false;
      AppendReal(out, static_cast<double>(Load<float>(data, 0)));
      return true;
    case kReal64:
      if (data.size() != 8) return false;
      AppendReal(out, Load<double>(data, 0));
      return true;
    case kGuid:
      if (data.size() != 16) return false;
      AppendGuid(out, data);
      return true;
    case kFiletime:
      if (data.size() != 8) return false;
      out += FormatFiletime(Load<std::uint64_t>(data, 0));
      return true;
    case kSystemtime:
      if (data.size() != 16) return false;
      AppendSystemtime(out, data);
      return true;
    default:
      return false;
  }
}

}  // namespace

void AppendUtf16(std::string& out, ByteSpan data) {
  // Encodes straight into the string's buffer: per-character push_back was the top entry of
  // the parser's profile. One UTF-16 unit yields at most 3 bytes of UTF-8 (a surrogate pair,
  // two units, yields 4).
  const std::size_t units = data.size() / 2;
  const std::size_t old_size = out.size();
  out.resize(old_size + 3 * units);
  char* p = out.data() + old_size;
  const auto put = [&p](std::uint32_t byte) { *p++ = static_cast<char>(byte); };
  for (std::size_t i = 0; i < units; ++i) {
    std::uint32_t cp = static_cast<std::uint32_t>(data[2 * i] | (data[2 * i + 1] << 8));
    if (cp == 0) break;
    if (cp < 0x80) {
      put(cp);
      continue;
    }
    if (cp < 0x800) {
      put(0xC0 | (cp >> 6));
      put(0x80 | (cp & 0x3F));
      continue;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
      std::uint32_t low = 0;
      if (cp <= 0xDBFF && i + 1 < units) {
        low = static_cast<std::uint32_t>(data[2 * i + 2] | (data[2 * i + 3] << 8));
      }
      if (low < 0xDC00 || low > 0xDFFF) {
        cp = 0xFFFD;  // a lone surrogate is not a character
      } else {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        ++i;
        put(0xF0 | (cp >> 18));
        put(0x80 | ((cp >> 12) & 0x3F));
        put(0x80 | ((cp >> 6) & 0x3F));
        put(0x80 | (cp & 0x3F));
        continue;
      }
    }
    put(0xE0 | (cp >> 12));
    put(0x80 | ((cp >> 6) & 0x3F));
    put(0x80 | (cp & 0x3F));
  }
  out.resize(static_cast<std::size_t>(p - out.data()));
}

bool AppendValue(std::string& out, std::uint8_t type, ByteSpan data) {
  switch (type) {
    case kNull:
      return true;
    case kString:
      AppendUtf16(out, data);
      return true;
    case kAnsiString:
      // The code page is not recorded; Latin-1 keeps every byte and yields valid UTF-8.
      for (std::uint8_t byte : data) {
        if (byte == 0) break;
        AppendUtf8(out, byte);
      }
      return true;
    case kBinary:
      AppendUpperHex(out, data);
      return true;
    case kSid:
      return AppendSid(out, data);
    case kSizeT:
    case kInt8:
    case kUInt8:
    case kInt16:
    case kUInt16:
    case kInt32:
    case kUInt32:
    case kInt64:
    case kUInt64:
    case kHexInt32:
    case kHexInt64:
    case kBool:
      if (data.empty()) return true;
      return AppendScalar(out, type, data);
    case kReal32:
    case kReal64:
    case kGuid:
    case kFiletime:
    case kSystemtime:
      return AppendScalar(out, type, data);
    default:
      break;
  }
  if ((type & kArrayFlag) == 0) return false;
  std::vector<ByteSpan> items;
  if (!SplitArray(type, data, &items)) return false;
  const auto base = static_cast<std::uint8_t>(type & ~kArrayFlag);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ',';
    if (!AppendValue(out, base, items[i])) return false;
  }
  return true;
}

bool SplitArray(std::uint8_t type, ByteSpan data, std::vector<ByteSpan>* items) {
  items->clear();
  const auto base = static_cast<std::uint8_t>(type & ~kArrayFlag);
  if (base == kString) {
    // NUL-terminated UTF-16 strings back to back (MS-EVEN6 2.2.18 array types).
    const std::size_t units = data.size() / 2;
    std::size_t start = 0;
    for (std::size_t i = 0; i < units; ++i) {
      if (data[2 * i] != 0 || data[2 * i + 1] != 0) continue;
      items->push_back(data.subspan(2 * start, 2 * (i - start)));
      start = i + 1;
    }
    if (start < units) items->push_back(data.subspan(2 * start, 2 * (units - start)));
    return true;
  }
  const std::size_t item = base == kSizeT ? 8 : FixedSize(base);
  if (item == 0 || data.size() % item != 0) return false;
  for (std::size_t offset = 0; offset < data.size(); offset += item) {
    items->push_back(data.subspan(offset, item));
  }
  return true;
}

}  // namespace internal
}  // namespace kensa::evtx
