#include "property_store.h"

#include <algorithm>
#include <string>

#include "kensa/core/time.h"
#include "kensa/lnk/lnk_parser.h"

namespace kensa::lnk::internal {
namespace {

// The format id whose values are named by strings instead of integers ([MS-PROPSTORE] 2.2).
constexpr std::string_view kStringNamedFormat = "d5cdd505-2e9c-101b-9397-08002b2cf9ae";
constexpr std::uint32_t kStorageVersion = 0x53505331;  // "1SPS"

// Variant types ([MS-OLEPS] 2.15) seen in shell property stores.
enum VarType : std::uint16_t {
  kVtI2 = 0x0002,
  kVtI4 = 0x0003,
  kVtBstr = 0x0008,
  kVtBool = 0x000B,
  kVtUi1 = 0x0011,
  kVtUi2 = 0x0012,
  kVtUi4 = 0x0013,
  kVtI8 = 0x0014,
  kVtUi8 = 0x0015,
  kVtInt = 0x0016,
  kVtUint = 0x0017,
  kVtLpstr = 0x001E,
  kVtLpwstr = 0x001F,
  kVtFiletime = 0x0040,
  kVtClsid = 0x0048,
};

// The TypedPropertyValue at the start of `value` as text.
std::string DecodeValue(ByteSpan value, std::size_t max_chars) {
  const auto type = ReadLe<std::uint16_t>(value, 0);
  if (!type) return {};
  constexpr std::size_t kData = 4;  // type (2) and padding (2)
  switch (*type) {
    case kVtI2:
      return std::to_string(static_cast<std::int16_t>(ReadLe<std::uint16_t>(value, kData).value_or(0)));
    case kVtI4:
    case kVtInt:
      return std::to_string(static_cast<std::int32_t>(ReadLe<std::uint32_t>(value, kData).value_or(0)));
    case kVtUi1:
      return std::to_string(value.size() > kData ? value[kData] : 0);
    case kVtUi2:
      return std::to_string(ReadLe<std::uint16_t>(value, kData).value_or(0));
    case kVtUi4:
    case kVtUint:
      return std::to_string(ReadLe<std::uint32_t>(value, kData).value_or(0));
    case kVtI8:
      return std::to_string(static_cast<std::int64_t>(ReadLe<std::uint64_t>(value, kData).value_or(0)));
    case kVtUi8:
      return std::to_string(ReadLe<std::uint64_t>(value, kData).value_or(0));
    case kVtBool:
      return ReadLe<std::uint16_t>(value, kData).value_or(0) != 0 ? "true" : "false";
    case kVtFiletime:
      return FormatFiletime(ReadLe<std::uint64_t>(value, kData).value_or(0));
    case kVtClsid:
      return FormatGuid(value, kData);
    case kVtLpwstr: {
      // Length in characters including the terminating NUL.
      const std::size_t units = ReadLe<std::uint32_t>(value, kData).value_or(0);
      std::size_t kept = std::min(units, max_chars);
      std::string text = ReadUtf16Le(value, kData + 4, kept);
      while (!text.empty() && text.back() == '\0') text.pop_back();
      return text;
    }
    case kVtBstr:
    case kVtLpstr: {
      // Length in bytes including the NUL; shell stores write these in the ANSI code page.
      const std::size_t bytes = ReadLe<std::uint32_t>(value, kData).value_or(0);
      const ByteSpan text = SubSpan(value, kData + 4, std::min(bytes, max_chars));
      std::string raw(reinterpret_cast<const char*>(text.data()), text.size());
      while (!raw.empty() && raw.back() == '\0') raw.pop_back();
      return DecodeAnsi(raw, 0);
    }
    default:
      return "<vt " + HexNumber(*type) + ">";
  }
}

}  // namespace

PropertyStore DecodePropertyStore(ByteSpan data, std::size_t max_properties, std::size_t max_chars) {
  PropertyStore result;
  std::size_t offset = 0;
  while (offset + 4 <= data.size()) {
    const std::uint32_t storage_size = ReadLe<std::uint32_t>(data, offset).value_or(0);
    if (storage_size == 0) return result;  // the terminating empty storage
    constexpr std::uint32_t kStorageHeader = 24;  // size, version, format id
    if (storage_size < kStorageHeader || storage_size > data.size() - offset ||
        ReadLe<std::uint32_t>(data, offset + 4).value_or(0) != kStorageVersion) {
      result.malformed = true;
      return result;
    }
    const ByteSpan storage = SubSpan(data, offset, storage_size);
    const std::string format_id = FormatGuid(storage, 8);
    const bool string_named = format_id == kStringNamedFormat;
    std::size_t at = kStorageHeader;
    while (at + 4 <= storage.size()) {
      const std::uint32_t value_size = ReadLe<std::uint32_t>(storage, at).value_or(0);
      if (value_size == 0) break;
      // value size (4), id or name size (4), reserved (1), then the name and the value.
      constexpr std::uint32_t kValueHeader = 9;
      if (value_size < kValueHeader || value_size > storage.size() - at) {
        result.malformed = true;
        return result;
      }
      if (result.properties.size() >= max_properties) {
        result.limit_reached = true;
        return result;
      }
      const ByteSpan entry = SubSpan(storage, at, value_size);
      analysis::v1::LnkProperty property;
      property.set_format_id(format_id);
      if (string_named) {
        const std::uint32_t name_bytes = ReadLe<std::uint32_t>(entry, 4).value_or(0);
        if (name_bytes > entry.size() - kValueHeader) {
          result.malformed = true;
          return result;
        }
        std::string name = ReadUtf16Le(entry, kValueHeader, name_bytes / 2);
        while (!name.empty() && name.back() == '\0') name.pop_back();
        property.set_name(std::move(name));
        property.set_value(DecodeValue(SubSpan(entry, kValueHeader + name_bytes, value_size), max_chars));
      } else {
        property.set_id(ReadLe<std::uint32_t>(entry, 4).value_or(0));
        property.set_value(DecodeValue(SubSpan(entry, kValueHeader, value_size), max_chars));
      }
      result.properties.push_back(std::move(property));
      at += value_size;
    }
    offset += storage_size;
  }
  return result;
}

}  // namespace kensa::lnk::internal
