#include "kensa/rtf/ole_native.h"

#include <algorithm>
#include <array>
#include <optional>

namespace kensa::rtf {
namespace {

// [MS-OLEDS] 2.2.4: FormatID values of an ObjectHeader.
constexpr std::uint32_t kFormatLinked = 1;
constexpr std::uint32_t kFormatEmbedded = 2;
// Composite monikers hold monikers; a composite of composites is legal but never this deep.
constexpr int kMaxMonikerDepth = 4;
// Monikers kept from one \1Ole stream; a link has one or two.
constexpr std::size_t kMaxMonikers = 32;
// Characters kept of a moniker's URL or path.
constexpr std::size_t kMaxMonikerChars = 4096;

// Reads little-endian fields front to back; a read past the end fails and stays failed.
class Reader {
 public:
  explicit Reader(ByteSpan data) : data_(data) {}

  std::optional<std::uint16_t> U16() { return Read<std::uint16_t>(); }
  std::optional<std::uint32_t> U32() { return Read<std::uint32_t>(); }

  // A NUL-terminated string of at most `max` bytes before the NUL.
  std::optional<std::string> CString(std::size_t max) {
    const std::size_t limit = std::min<std::size_t>(data_.size() - pos_, max + 1);
    for (std::size_t i = 0; i < limit; ++i) {
      if (data_[pos_ + i] == 0) {
        std::string text(reinterpret_cast<const char*>(data_.data() + pos_), i);
        pos_ += i + 1;
        return text;
      }
    }
    return std::nullopt;
  }

  // [MS-OLEDS] 2.1.4 LengthPrefixedAnsiString: a length that counts the NUL, then the bytes.
  std::optional<std::string> LengthPrefixedAnsi() {
    const auto length = U32();
    if (!length) return std::nullopt;
    if (*length == 0) return std::string();
    if (*length > kMaxOleStringBytes || *length > remaining()) return std::nullopt;
    std::string text(reinterpret_cast<const char*>(data_.data() + pos_), *length);
    pos_ += *length;
    const auto nul = text.find('\0');
    if (nul != std::string::npos) text.resize(nul);
    return text;
  }

  ByteSpan Take(std::uint64_t length) {
    const ByteSpan span = SubSpan(data_, pos_, length);
    pos_ += span.size();
    return span;
  }

  bool Skip(std::uint64_t length) {
    if (length > remaining()) return false;
    pos_ += static_cast<std::size_t>(length);
    return true;
  }

  std::size_t remaining() const { return data_.size() - pos_; }
  std::size_t position() const { return pos_; }

 private:
  template <typename T>
  std::optional<T> Read() {
    const auto value = ReadLe<T>(data_, pos_);
    if (value) pos_ += sizeof(T);
    return value;
  }

  ByteSpan data_;
  std::size_t pos_ = 0;
};

// UTF-16LE to UTF-8 up to the first NUL or `max_units`.
std::string Utf16Until(ByteSpan bytes, std::size_t max_units) {
  std::size_t units = std::min(bytes.size() / 2, max_units);
  for (std::size_t i = 0; i < units; ++i) {
    if (bytes[2 * i] == 0 && bytes[2 * i + 1] == 0) {
      units = i;
      break;
    }
  }
  return ReadUtf16Le(bytes, 0, units);
}

// Packagers since Windows 7 append the three names again as counted UTF-16 strings.
std::optional<std::string> CountedUtf16(Reader& reader) {
  const auto chars = reader.U32();
  if (!chars || *chars > kMaxOleStringBytes || std::uint64_t{*chars} * 2 > reader.remaining()) {
    return std::nullopt;
  }
  return Utf16Until(reader.Take(std::uint64_t{*chars} * 2), *chars);
}

constexpr std::array<std::uint8_t, 16> kUrlMonikerClsid = {
    0xE0, 0xC9, 0xEA, 0x79, 0xF9, 0xBA, 0xCE, 0x11, 0x8C, 0x82, 0x00, 0xAA, 0x00, 0x4B, 0xA9, 0x0B};
constexpr std::array<std::uint8_t, 16> kFileMonikerClsid = {
    0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
constexpr std::array<std::uint8_t, 16> kCompositeMonikerClsid = {
    0x09, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};

bool SameGuid(ByteSpan bytes, const std::array<std::uint8_t, 16>& guid) {
  return bytes.size() >= 16 && std::equal(guid.begin(), guid.end(), bytes.begin());
}

// Printable UTF-16LE runs of at least 6 characters that look like a location (://, \\, a
// drive letter): what an unknown moniker (SOAP, script, new, ...) points at.
void AddUtf16Locations(ByteSpan data, std::vector<OleMoniker>& out, const std::string& clsid) {
  std::string run;
  auto flush = [&]() {
    const bool location = run.find("://") != std::string::npos || run.starts_with("\\\\") ||
                          (run.size() > 2 && run[1] == ':' && run[2] == '\\') ||
                          run.find(":http") != std::string::npos;
    if (run.size() >= 6 && location && out.size() < kMaxMonikers)
      out.push_back({clsid, "other", run});
    run.clear();
  };
  for (std::size_t i = 0; i + 1 < data.size(); i += 2) {
    const std::uint8_t low = data[i];
    if (data[i + 1] == 0 && low >= 0x20 && low < 0x7F && run.size() < kMaxMonikerChars) {
      run.push_back(static_cast<char>(low));
    } else {
      flush();
    }
  }
  flush();
}

// One [MS-OLEDS] 2.3.7 MONIKERSTREAM (a CLSID and the moniker's own data).
void ParseMoniker(ByteSpan moniker, int depth, std::vector<OleMoniker>& out) {
  if (moniker.size() < 16 || out.size() >= kMaxMonikers) return;
  const std::string clsid = GuidToString(moniker.first(16));
  Reader reader(moniker.subspan(16));
  if (SameGuid(moniker, kUrlMonikerClsid)) {
    // [MS-OSHARED] 2.3.7.6 URLMoniker: a byte length, then a NUL-terminated UTF-16 URL.
    const auto length = reader.U32();
    if (!length) return;
    const ByteSpan text = reader.Take(*length);
    out.push_back({clsid, "url", Utf16Until(text, kMaxMonikerChars)});
    return;
  }
  if (SameGuid(moniker, kFileMonikerClsid)) {
    // [MS-OSHARED] 2.3.7.8 FileMoniker: cAnti, an ANSI path, then an optional UTF-16 copy.
    const auto anti = reader.U16();
    const auto ansi_length = reader.U32();
    if (!anti || !ansi_length || *ansi_length > kMaxOleStringBytes ||
        *ansi_length > reader.remaining())
      return;
    std::string path(reinterpret_cast<const char*>(reader.Take(*ansi_length).data()), *ansi_length);
    if (const auto nul = path.find('\0'); nul != std::string::npos) path.resize(nul);
    // endServer (2), versionNumber (2), reserved (16), then cbUnicodePathSize.
    std::string unicode_path;
    if (reader.Skip(20)) {
      const auto unicode_size = reader.U32();
      if (unicode_size && *unicode_size >= 6 && *unicode_size <= reader.remaining()) {
        const auto unicode_bytes = reader.U32();
        reader.Skip(2);  // usKeyValue
        if (unicode_bytes && *unicode_bytes <= reader.remaining()) {
          unicode_path = Utf16Until(reader.Take(*unicode_bytes), kMaxMonikerChars);
        }
      }
    }
    out.push_back({clsid, "file", unicode_path.empty() ? path : unicode_path});
    return;
  }
  if (SameGuid(moniker, kCompositeMonikerClsid) && depth < kMaxMonikerDepth) {
    // [MS-OSHARED] 2.3.7.2 CompositeMoniker: a count, then that many MONIKERSTREAMs back to
    // back. Their sizes are implicit; only URL and file monikers have ones we can compute, so
    // the rest of the data is also searched for locations.
    out.push_back({clsid, "composite", ""});
    AddUtf16Locations(moniker.subspan(16), out, clsid);
    return;
  }
  AddUtf16Locations(moniker.subspan(16), out, clsid);
}

}  // namespace

std::string GuidToString(ByteSpan guid) {
  if (guid.size() < 16) return {};
  // Data1, Data2 and Data3 are little-endian; Data4 is a byte array.
  constexpr std::array<std::size_t, 16> kOrder = {3, 2, 1,  0,  5,  4,  7,  6,
                                                  8, 9, 10, 11, 12, 13, 14, 15};
  std::string out;
  for (std::size_t i = 0; i < kOrder.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += ToHex(guid.subspan(kOrder[i], 1));
  }
  return out;
}

Result<Ole1Object> ParseOle1Object(ByteSpan data) {
  Reader reader(data);
  Ole1Object object;
  const auto version = reader.U32();
  const auto format = reader.U32();
  if (!version || !format) return InvalidArgumentError("OLE1 header: fewer than 8 bytes");
  if (*format != kFormatLinked && *format != kFormatEmbedded) {
    return InvalidArgumentError("OLE1 header: format id " + std::to_string(*format) +
                                " is neither linked nor embedded");
  }
  object.ole_version = *version;
  object.format_id = *format;
  auto class_name = reader.LengthPrefixedAnsi();
  if (!class_name) return InvalidArgumentError("OLE1 header: class name length past the data");
  object.class_name = std::move(*class_name);
  auto topic = reader.LengthPrefixedAnsi();
  auto item = topic ? reader.LengthPrefixedAnsi() : std::nullopt;
  if (!topic || !item) {
    // Word needs only the class to start the server; exploits cut the header after it.
    object.truncated = true;
    return object;
  }
  object.topic_name = std::move(*topic);
  object.item_name = std::move(*item);
  if (object.format_id == kFormatEmbedded) {
    // [MS-OLEDS] 2.2.5 EmbeddedObject: NativeDataSize and NativeData.
    const auto size = reader.U32();
    if (!size) {
      object.truncated = true;
      return object;
    }
    object.declared_native_size = *size;
    object.native_offset = reader.position();
    object.native_data = reader.Take(*size);
    object.truncated = object.native_data.size() < *size;
  } else {
    // [MS-OLEDS] 2.2.6 LinkedObject: NetworkName, reserved, LinkUpdateOption.
    if (auto network = reader.LengthPrefixedAnsi()) object.network_name = std::move(*network);
  }
  return object;
}

Result<OlePackage> ParseOlePackage(ByteSpan native_data) {
  Reader reader(native_data);
  OlePackage package;
  if (!reader.U16()) return InvalidArgumentError("Package: no header");
  auto label = reader.CString(kMaxOleStringBytes);
  auto source = label ? reader.CString(kMaxOleStringBytes) : std::nullopt;
  if (!label || !source)
    return InvalidArgumentError("Package: file name or source path not terminated");
  package.label = std::move(*label);
  package.source_path = std::move(*source);
  reader.U16();  // reserved
  const auto type = reader.U16();
  if (!type) return InvalidArgumentError("Package: no type after the source path");
  package.type = *type;
  // Temp path: its length counts the NUL; a link (type 1) has the path and no data.
  const auto temp_length = reader.U32();
  if (!temp_length || *temp_length > kMaxOleStringBytes || *temp_length > reader.remaining()) {
    return InvalidArgumentError("Package: temp path length past the data");
  }
  const ByteSpan temp = reader.Take(*temp_length);
  package.temp_path.assign(reinterpret_cast<const char*>(temp.data()), temp.size());
  if (const auto nul = package.temp_path.find('\0'); nul != std::string::npos)
    package.temp_path.resize(nul);
  const auto size = reader.U32();
  if (!size) return InvalidArgumentError("Package: no file data");
  package.declared_size = *size;
  package.data_offset = reader.position();
  package.data = reader.Take(*size);
  package.truncated = package.data.size() < *size;
  if (!package.truncated) {
    if (auto text = CountedUtf16(reader)) package.temp_path_unicode_utf8 = std::move(*text);
    if (auto text = CountedUtf16(reader)) package.label_unicode_utf8 = std::move(*text);
    if (auto text = CountedUtf16(reader)) package.source_path_unicode_utf8 = std::move(*text);
  }
  return package;
}

Result<OlePackage> ParseOle10Native(ByteSpan stream) {
  const auto size = ReadLe<std::uint32_t>(stream, 0);
  if (!size) return InvalidArgumentError("Ole10Native: fewer than 4 bytes");
  return ParseOlePackage(SubSpan(stream, 4, *size));
}

Result<OleStreamInfo> ParseOleStream(ByteSpan stream) {
  Reader reader(stream);
  OleStreamInfo info;
  const auto version = reader.U32();
  const auto flags = reader.U32();
  const auto update = reader.U32();
  const auto reserved = reader.U32();
  if (!version || !flags || !update || !reserved)
    return InvalidArgumentError("OLEStream: fewer than 16 bytes");
  info.flags = *flags;
  info.link_update_option = *update;
  // ReservedMonikerStream, then (linked objects only) RelativeSource and AbsoluteSource
  // monikers, each behind its 32-bit size.
  for (int field = 0; field < 3; ++field) {
    const auto size = reader.U32();
    if (!size) break;
    if (*size == 0) continue;
    if (*size > reader.remaining()) {
      ParseMoniker(reader.Take(reader.remaining()), 0, info.monikers);
      break;
    }
    ParseMoniker(reader.Take(*size), 0, info.monikers);
  }
  return info;
}

}  // namespace kensa::rtf
