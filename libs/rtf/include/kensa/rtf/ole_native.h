#pragma once
// The OLE structures an embedded object carries, read from hostile bytes ([MS-OLEDS]):
//
//   ParseOle1Object   OLE 1.0 ObjectHeader + EmbeddedObject/LinkedObject (2.2.4 - 2.2.6), the
//                     format of RTF \objdata: class name, topic, item, native data.
//   ParseOlePackage   the native data of class "Package" (the Packager's file container, not in
//                     [MS-OLEDS]; layout as Packager writes it): file name, source path, the
//                     temporary path Word drops it to, and the file itself.
//   ParseOle10Native  the \1Ole10Native stream of a compound file: a size and a Package.
//   ParseOleStream    the \1Ole stream (2.3.3 OLEStream) of a linked object: its monikers' URLs
//                     and file paths (URL monikers are how CVE-2017-0199 documents fetch).
//
// Strings are the bytes as stored (ANSI in the writer's code page), bounded; callers convert.
// Spans point into the caller's bytes, which must outlive the result. Nothing throws; every
// length in the data is checked against what is there.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/core/status.h"

namespace kensa::rtf {

// Longest class, topic, item or path string kept; OLE1 and Packager strings are MAX_PATH-ish.
inline constexpr std::size_t kMaxOleStringBytes = 4096;

struct Ole1Object {
  std::uint32_t ole_version = 0;
  std::uint32_t format_id = 0;  // 1 linked, 2 embedded
  std::string class_name;       // without its NUL
  std::string topic_name;
  std::string item_name;
  std::uint32_t declared_native_size = 0;
  std::uint64_t native_offset = 0;  // where the native data starts in the input
  ByteSpan native_data;             // embedded objects: what is there of NativeData
  std::string network_name;         // linked objects: NetworkName
  bool truncated = false;           // fewer bytes than declared
};

// InvalidArgument when `data` does not start with an ObjectHeader (format id neither 1 nor 2,
// a string length past the data or past kMaxOleStringBytes).
Result<Ole1Object> ParseOle1Object(ByteSpan data);

struct OlePackage {
  std::string label;        // the file name shown (and used when saved)
  std::string source_path;  // where the file was when it was packaged
  std::string temp_path;    // where Word writes it when the object is opened
  std::uint16_t type = 0;   // 3 embedded file, 1 link
  std::uint32_t declared_size = 0;
  std::uint64_t data_offset = 0;  // where the file's bytes start in the input
  ByteSpan data;                  // the embedded file (what is there of it)
  bool truncated = false;
  // The unicode copies of the three names that newer Packagers append, when present.
  std::string label_unicode_utf8;
  std::string temp_path_unicode_utf8;
  std::string source_path_unicode_utf8;
};

// InvalidArgument when the data is too short for a Package header or has no file in it.
Result<OlePackage> ParseOlePackage(ByteSpan native_data);
// The \1Ole10Native stream: a 4-byte size, then a Package.
Result<OlePackage> ParseOle10Native(ByteSpan stream);

struct OleMoniker {
  std::string clsid;   // "79eac9e0-baf9-11ce-8c82-00aa004ba90b"
  std::string kind;    // "url", "file", "composite", "other"
  std::string target;  // the URL or path, UTF-8
};

struct OleStreamInfo {
  std::uint32_t flags = 0;               // 1: a linked object
  std::uint32_t link_update_option = 0;  // 1: updates automatically
  std::vector<OleMoniker> monikers;      // from the three moniker fields, composites expanded
};

// InvalidArgument when the stream is shorter than the 20-byte fixed part.
Result<OleStreamInfo> ParseOleStream(ByteSpan stream);

// "79eac9e0-baf9-11ce-8c82-00aa004ba90b" from the 16 bytes of a GUID as stored (little-endian
// first three fields); empty when fewer than 16 bytes are given.
std::string GuidToString(ByteSpan guid);

}  // namespace kensa::rtf
