#include "kensa/ole/summary_information.h"

#include <algorithm>
#include <map>
#include <optional>
#include <string>

#include "anomaly.h"
#include "code_page.h"

namespace kensa::ole {
namespace {

using internal::AddAnomaly;

// [MS-OLEPS] 2.15 property types used by the two summary property sets.
constexpr std::uint16_t kVtI2 = 0x0002;
constexpr std::uint16_t kVtI4 = 0x0003;
constexpr std::uint16_t kVtLpstr = 0x001E;
constexpr std::uint16_t kVtLpwstr = 0x001F;
constexpr std::uint16_t kVtFiletime = 0x0040;
// Summary sets hold about 20 properties; a few hundred leaves room for odd writers.
constexpr std::uint32_t kMaxProperties = 1024;
// Metadata strings are short; a longer one is clipped (it is still reported as far as it goes).
constexpr std::uint32_t kMaxStringBytes = 64 * 1024;

struct Property {
  std::uint16_t type = 0;
  std::uint64_t offset = 0;  // of the value, after the 4-byte type header
};

// The first property set of a PropertySetStream ([MS-OLEPS] 2.21): PID -> where its value is.
std::map<std::uint32_t, Property> ParseFirstSet(ByteSpan stream, ByteSpan* set_out,
                                                std::vector<analysis::v1::Anomaly>* anomalies) {
  std::map<std::uint32_t, Property> props;
  if (ReadLe<std::uint16_t>(stream, 0) != std::optional<std::uint16_t>(0xFFFE)) {
    AddAnomaly(anomalies, "ole_property_set_malformed", "bad byte order mark");
    return props;
  }
  const auto set_offset = ReadLe<std::uint32_t>(stream, 44);
  if (!set_offset) {
    AddAnomaly(anomalies, "ole_property_set_malformed", "property set stream is cut short");
    return props;
  }
  const ByteSpan set = SubSpan(stream, *set_offset, stream.size());
  *set_out = set;
  const std::uint32_t count = ReadLe<std::uint32_t>(set, 4).value_or(0);
  if (count > kMaxProperties) {
    AddAnomaly(anomalies, "ole_property_set_malformed",
               "property count " + std::to_string(count) + " exceeds limit");
  }
  for (std::uint32_t i = 0; i < std::min(count, kMaxProperties); ++i) {
    const auto pid = ReadLe<std::uint32_t>(set, 8 + 8ull * i);
    const auto off = ReadLe<std::uint32_t>(set, 12 + 8ull * i);
    if (!pid || !off) {
      AddAnomaly(anomalies, "ole_property_set_malformed", "property table is cut short");
      break;
    }
    const auto type = ReadLe<std::uint16_t>(set, *off);
    if (!type) {
      AddAnomaly(anomalies, "ole_property_set_malformed",
                 "property " + std::to_string(*pid) + " lies past the end");
      continue;
    }
    props[*pid] = Property{*type, static_cast<std::uint64_t>(*off) + 4};
  }
  return props;
}

std::string ReadString(ByteSpan set, const Property& p, std::uint32_t code_page) {
  const std::uint32_t size = ReadLe<std::uint32_t>(set, p.offset).value_or(0);
  if (p.type == kVtLpstr) {
    ByteSpan raw = SubSpan(set, p.offset + 4, std::min(size, kMaxStringBytes));
    // [MS-OLEPS] 2.5 CodePageString: Size counts the terminating NUL, which we drop.
    const std::size_t unit = code_page == 1200 ? 2 : 1;
    std::size_t end = 0;
    while (end + unit <= raw.size()) {
      bool zero = true;
      for (std::size_t k = 0; k < unit; ++k) zero = zero && raw[end + k] == 0;
      if (zero) break;
      end += unit;
    }
    return internal::DecodeCodePage(raw.first(end), code_page);
  }
  if (p.type == kVtLpwstr) {
    // [MS-OLEPS] 2.7 UnicodeString: Length in 16-bit units, NUL included.
    const std::uint32_t units = std::min(size, kMaxStringBytes / 2);
    std::string s = ReadUtf16Le(set, p.offset + 4, units);
    const std::size_t nul = s.find('\0');
    if (nul != std::string::npos) s.resize(nul);
    return s;
  }
  return {};
}

std::uint64_t ReadFiletime(ByteSpan set, const Property& p) {
  if (p.type != kVtFiletime) return 0;
  return ReadLe<std::uint64_t>(set, p.offset).value_or(0);
}

std::uint32_t ReadCodePage(ByteSpan set, const std::map<std::uint32_t, Property>& props) {
  auto it = props.find(1);  // PIDSI_CODEPAGE / PIDDSI_CODEPAGE
  if (it == props.end()) return 0;
  if (it->second.type == kVtI2) {
    // Stored as a signed 16-bit value: 65001 (UTF-8) reads as -535.
    return ReadLe<std::uint16_t>(set, it->second.offset).value_or(0);
  }
  if (it->second.type == kVtI4) return ReadLe<std::uint32_t>(set, it->second.offset).value_or(0);
  return 0;
}

}  // namespace

DocumentMetadata ReadDocumentMetadata(const CompoundFile& file,
                                      std::vector<analysis::v1::Anomaly>* anomalies) {
  DocumentMetadata meta;
  if (auto stream = file.ReadStream("\x05SummaryInformation", anomalies)) {
    meta.has_summary_information = true;
    ByteSpan set;
    const auto props = ParseFirstSet(*stream, &set, anomalies);
    meta.code_page = ReadCodePage(set, props);
    const std::uint32_t cp = meta.code_page == 0 ? 1252 : meta.code_page;
    auto str = [&](std::uint32_t pid) {
      auto it = props.find(pid);
      return it == props.end() ? std::string() : ReadString(set, it->second, cp);
    };
    auto time = [&](std::uint32_t pid) {
      auto it = props.find(pid);
      return it == props.end() ? 0 : ReadFiletime(set, it->second);
    };
    // [MS-OLEPS] 3.2 PIDSI_* identifiers.
    meta.title = str(2);
    meta.subject = str(3);
    meta.author = str(4);
    meta.keywords = str(5);
    meta.comments = str(6);
    meta.template_name = str(7);
    meta.last_saved_by = str(8);
    meta.revision_number = str(9);
    meta.last_printed = time(11);
    meta.created = time(12);
    meta.last_saved = time(13);
    meta.application_name = str(18);
  }
  if (auto stream = file.ReadStream("\x05" "DocumentSummaryInformation", anomalies)) {
    meta.has_document_summary_information = true;
    ByteSpan set;
    const auto props = ParseFirstSet(*stream, &set, anomalies);
    const std::uint32_t own = ReadCodePage(set, props);
    const std::uint32_t cp = own != 0 ? own : (meta.code_page != 0 ? meta.code_page : 1252);
    auto str = [&](std::uint32_t pid) {
      auto it = props.find(pid);
      return it == props.end() ? std::string() : ReadString(set, it->second, cp);
    };
    // [MS-OLEPS] 3.2 PIDDSI_* identifiers.
    meta.category = str(2);
    meta.manager = str(14);
    meta.company = str(15);
  }
  return meta;
}

}  // namespace kensa::ole
