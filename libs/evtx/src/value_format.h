#pragma once
// Rendering of binary XML value types (MS-EVEN6 2.2.18 "Value type"; libyal EVTX section 5.6)
// into the text Windows' event renderer shows.

#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::evtx::internal {

// Binary XML value types (MS-EVEN6 2.2.18). Array variants are the base type | kArrayFlag.
enum ValueType : std::uint8_t {
  kNull = 0x00,
  kString = 0x01,
  kAnsiString = 0x02,
  kInt8 = 0x03,
  kUInt8 = 0x04,
  kInt16 = 0x05,
  kUInt16 = 0x06,
  kInt32 = 0x07,
  kUInt32 = 0x08,
  kInt64 = 0x09,
  kUInt64 = 0x0A,
  kReal32 = 0x0B,
  kReal64 = 0x0C,
  kBool = 0x0D,
  kBinary = 0x0E,
  kGuid = 0x0F,
  kSizeT = 0x10,
  kFiletime = 0x11,
  kSystemtime = 0x12,
  kSid = 0x13,
  kHexInt32 = 0x14,
  kHexInt64 = 0x15,
  kEvtHandle = 0x20,
  kBinXml = 0x21,
  kEvtXml = 0x23,
  kArrayFlag = 0x80,
};

// Appends UTF-16LE `data` as UTF-8, stopping at the first NUL (strings in substitutions are
// often NUL-terminated inside their declared size). Lone surrogates become U+FFFD.
void AppendUtf16(std::string& out, ByteSpan data);

// Appends the rendering of one value of `type` stored in `data` (exactly the value's bytes).
// Returns false when the type is unknown or the size does not fit the type.
bool AppendValue(std::string& out, std::uint8_t type, ByteSpan data);

// Splits an array value (type | kArrayFlag) into its items, each rendered with AppendValue of
// the base type. String arrays are NUL-separated; other arrays are runs of fixed-size items.
// Returns false when the array's size does not fit its item size.
bool SplitArray(std::uint8_t type, ByteSpan data, std::vector<ByteSpan>* items);

}  // namespace kensa::evtx::internal
