#pragma once
// What the RTF tests share: corpus files read by relative path (cwd is the repository root),
// InQuest's real exploit RTF unzipped in memory (password "infected"; never written to disk),
// and builders for the OLE structures Word writes, so synthetic objects look like real ones.
#include <catch2/catch.hpp>
#include <string>
#include <string_view>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/bytes.h"
#include "kensa/core/file.h"

namespace kensa::rtf::testing {

inline Bytes ReadCorpus(const std::string& path) {
  auto data = ReadFileBounded("../shared/corpora/" + path, 64u << 20);
  REQUIRE(data.has_value());
  return std::move(*data);
}

// One member of an InQuest campaign zip, extracted in memory.
inline Bytes InquestMember(const std::string& zip, const std::string& member) {
  const Bytes archive_bytes = ReadCorpus("inquest-docs/" + zip);
  auto listing = archive::ReadArchive(archive_bytes, {"infected"});
  REQUIRE(listing.has_value());
  for (auto& entry : listing->members) {
    if (entry.name == member && entry.extracted) return std::move(entry.data);
  }
  FAIL("no member " << member << " in " << zip);
  return {};
}

// The Frankenstein campaign's RTF (June 2019): an Equation.3 object exploiting CVE-2017-11882.
inline Bytes FrankensteinRtf() {
  return InquestMember("2019-06-Frankenstein.zip",
                       "2019-06-Frankenstein/"
                       "6b2c71bfc5d2e85140b87c801d82155cd9abd97f84c094570373a9620e81cee0.txt");
}

inline Bytes AsBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }
inline std::string AsText(ByteSpan bytes) { return std::string(bytes.begin(), bytes.end()); }

inline void PutU32(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
inline void PutU16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}
inline void PutBytes(Bytes& out, ByteSpan bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}
inline void PutText(Bytes& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}
// [MS-OLEDS] 2.1.4 LengthPrefixedAnsiString.
inline void PutAnsi(Bytes& out, std::string_view text) {
  if (text.empty()) {
    PutU32(out, 0);
    return;
  }
  PutU32(out, static_cast<std::uint32_t>(text.size() + 1));
  PutText(out, text);
  out.push_back(0);
}

// An embedded OLE1 object as Word writes it into \objdata (version 0x0501, format 2).
inline Bytes Ole1Embedded(std::string_view class_name, ByteSpan native) {
  Bytes out;
  PutU32(out, 0x00000501);
  PutU32(out, 2);
  PutAnsi(out, class_name);
  PutAnsi(out, "");
  PutAnsi(out, "");
  PutU32(out, static_cast<std::uint32_t>(native.size()));
  PutBytes(out, native);
  return out;
}

// The Packager's native data for one file (the layout of \1Ole10Native without its size).
inline Bytes PackageNative(std::string_view label, std::string_view source, std::string_view temp,
                           ByteSpan file) {
  Bytes out;
  PutU16(out, 2);
  PutText(out, label);
  out.push_back(0);
  PutText(out, source);
  out.push_back(0);
  PutU16(out, 0);
  PutU16(out, 3);
  PutU32(out, static_cast<std::uint32_t>(temp.size() + 1));
  PutText(out, temp);
  out.push_back(0);
  PutU32(out, static_cast<std::uint32_t>(file.size()));
  PutBytes(out, file);
  return out;
}

// Lower-case hex, wrapped every `line` digits with CRLF as Word does.
inline std::string HexLines(ByteSpan bytes, std::size_t line = 128) {
  const std::string hex = ToHex(bytes);
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += line) out += hex.substr(i, line) + "\r\n";
  return out;
}

}  // namespace kensa::rtf::testing
