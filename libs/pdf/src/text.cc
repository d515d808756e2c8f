#include "text.h"

#include <cstdint>

#include "kensa/core/bytes.h"
#include "kensa/core/time.h"

namespace kensa::pdf::internal {
namespace {

// Length of the well-formed UTF-8 sequence at `i` (Unicode 15 table 3-7), 0 when there is none.
std::size_t Utf8SequenceLength(std::string_view bytes, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<std::uint8_t>(bytes[k]); };
  const std::uint8_t lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  std::uint8_t second_min = 0x80;
  std::uint8_t second_max = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) second_min = 0xA0;
    if (lead == 0xED) second_max = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) second_min = 0x90;
    if (lead == 0xF4) second_max = 0x8F;
  } else {
    return 0;
  }
  if (bytes.size() - i < length) return 0;
  if (byte(i + 1) < second_min || byte(i + 1) > second_max) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

std::string DecodeUtf16(std::string_view bytes, bool big_endian) {
  std::string out;
  out.reserve(bytes.size() / 2);
  for (std::size_t i = 0; i + 1 < bytes.size(); i += 2) {
    const auto b0 = static_cast<std::uint8_t>(bytes[i]);
    const auto b1 = static_cast<std::uint8_t>(bytes[i + 1]);
    std::uint32_t unit = big_endian ? (static_cast<std::uint32_t>(b0) << 8 | b1)
                                    : (static_cast<std::uint32_t>(b1) << 8 | b0);
    if (unit >= 0xD800 && unit <= 0xDBFF && i + 3 < bytes.size()) {
      const auto c0 = static_cast<std::uint8_t>(bytes[i + 2]);
      const auto c1 = static_cast<std::uint8_t>(bytes[i + 3]);
      const std::uint32_t low = big_endian ? (static_cast<std::uint32_t>(c0) << 8 | c1)
                                           : (static_cast<std::uint32_t>(c1) << 8 | c0);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        i += 2;
      }
    }
    AppendUtf8(out, unit);  // a lone surrogate becomes U+FFFD
  }
  return out;
}

}  // namespace

std::string ToValidUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size();) {
    const std::size_t length = Utf8SequenceLength(bytes, i);
    if (length > 0) {
      out.append(bytes.substr(i, length));
      i += length;
    } else {
      AppendUtf8(out, static_cast<std::uint8_t>(bytes[i]));
      ++i;
    }
  }
  return out;
}

std::string DecodeTextBytes(std::string_view bytes) {
  if (bytes.size() >= 2 && bytes[0] == '\xFE' && bytes[1] == '\xFF') return DecodeUtf16(bytes.substr(2), true);
  if (bytes.size() >= 2 && bytes[0] == '\xFF' && bytes[1] == '\xFE') return DecodeUtf16(bytes.substr(2), false);
  if (bytes.size() >= 3 && bytes.substr(0, 3) == "\xEF\xBB\xBF") return ToValidUtf8(bytes.substr(3));
  return ToValidUtf8(bytes);
}

std::string TruncateUtf8(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::size_t end = max_bytes;
  // Back up over continuation bytes to the start of the cut character.
  while (end > 0 && (static_cast<std::uint8_t>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string OneLine(std::string_view text, std::size_t max_bytes) {
  std::string out;
  bool last_space = false;
  for (char c : text) {
    const bool space = static_cast<std::uint8_t>(c) < 0x20 || c == ' ' || c == '\x7F';
    if (space) {
      if (!last_space && !out.empty()) out.push_back(' ');
      last_space = true;
      continue;
    }
    out.push_back(c);
    last_space = false;
    if (out.size() >= max_bytes + 4) break;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return TruncateUtf8(ToValidUtf8(out), max_bytes);
}

}  // namespace kensa::pdf::internal

namespace kensa::pdf::internal {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t year, std::int64_t month, std::int64_t day) {
  year -= month <= 2 ? 1 : 0;
  const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
  const std::int64_t year_of_era = year - era * 400;
  const std::int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const std::int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

}  // namespace

std::string PdfDateToRfc3339(std::string_view text) {
  std::string_view rest = text;
  if (rest.substr(0, 2) == "D:") rest.remove_prefix(2);
  std::size_t position = 0;
  // Reads `digits` decimal digits; `fallback` when the field is absent.
  const auto field = [&](std::size_t digits, int fallback, bool* ok) {
    if (position >= rest.size() || rest[position] < '0' || rest[position] > '9') return fallback;
    int value = 0;
    for (std::size_t i = 0; i < digits; ++i) {
      if (position >= rest.size() || rest[position] < '0' || rest[position] > '9') {
        *ok = false;
        return fallback;
      }
      value = value * 10 + (rest[position++] - '0');
    }
    return value;
  };
  bool ok = rest.size() >= 4;
  const int year = field(4, 0, &ok);
  const int month = field(2, 1, &ok);
  const int day = field(2, 1, &ok);
  const int hour = field(2, 0, &ok);
  const int minute = field(2, 0, &ok);
  const int second = field(2, 0, &ok);
  int offset_minutes = 0;
  if (ok && position < rest.size() && (rest[position] == '+' || rest[position] == '-')) {
    const int sign = rest[position++] == '-' ? -1 : 1;
    const int offset_hours = field(2, 0, &ok);
    if (position < rest.size() && rest[position] == '\'') ++position;
    const int offset_rest = field(2, 0, &ok);
    offset_minutes = sign * (offset_hours * 60 + offset_rest);
  }
  if (!ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return ToValidUtf8(text);
  }
  const std::int64_t seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
                               static_cast<std::int64_t>(offset_minutes) * 60;
  return FormatRfc3339(seconds);
}

}  // namespace kensa::pdf::internal
