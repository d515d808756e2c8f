#pragma once
// The "Equation Native" stream of a Microsoft Equation 3.0 object (EQNEDT32.EXE, class
// Equation.3, CLSID 0002CE02-0000-0000-C000-000000000046), read for the shapes of the exploits
// that made it the most abused Office component:
//
//   CVE-2017-11882  a FONT record whose name overflows the 0x28-byte stack buffer the name is
//                   copied into; the return address sits at name offset 0x2C.
//   CVE-2018-0802   a FONT record whose name is long enough (0x94 bytes and more) to overflow
//                   the second, larger copy of the name Microsoft did not patch in November
//                   2017; exploits overwrite only the low bytes of the return address.
//   CVE-2018-0798   a MATRIX record whose row and column counts make the partition data it
//                   copies outrun its stack buffer.
//
// The stream is EQNOLEFILEHDR (28 bytes) then MTEF version 3 (MathType's "MTEF3" format):
// a 5-byte header and records, each a tag byte (type in the low nibble, options in the high
// nibble) and its fields. Records are read front to back, without recursion, until the
// equation's outermost object list ends, a record cannot be read, or a bound is reached.
//
//   kensa::rtf::EquationNative eq = kensa::rtf::AnalyzeEquationNative(stream_bytes);
//   for (const auto& e : eq.exploits) ... e.cve, e.offset, e.evidence

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::rtf {

// Font names in an equation are Windows face names (LF_FACESIZE: 32 bytes with the NUL).
// EQNEDT32 copies them into a 0x28-byte stack buffer (CVE-2017-11882).
inline constexpr std::size_t kEquationFontBuffer = 0x28;
// Names this long reach the return address of the second copy (CVE-2018-0802 exploits use
// 0x94 bytes and a 1- or 2-byte partial overwrite); shorter overflows are CVE-2017-11882.
inline constexpr std::size_t kCve20180802MinNameLength = 0x90;

struct EquationFont {
  std::uint64_t offset = 0;  // of the tag byte in the stream
  std::uint8_t typeface = 0;
  std::uint8_t style = 0;
  Bytes name;  // up to the NUL (or the end of the stream)
  bool terminated = true;
  std::size_t non_printable = 0;  // bytes of the name outside printable ASCII
};

struct EquationMatrix {
  std::uint64_t offset = 0;
  std::uint8_t rows = 0;
  std::uint8_t columns = 0;
};

struct EquationExploit {
  std::string cve;           // "CVE-2017-11882", "CVE-2018-0802", "CVE-2018-0798"
  std::uint64_t offset = 0;  // of the record in the stream
  std::string evidence;
};

struct EquationNative {
  bool header_present = false;    // at least the 28 bytes of EQNOLEFILEHDR
  std::uint16_t header_size = 0;  // cbHdr, 0x1C
  std::uint32_t version = 0;      // 0x00020000
  std::uint16_t clipboard_format = 0;
  std::uint32_t mtef_size = 0;  // cbObject
  std::uint64_t mtef_offset = 0;
  std::uint8_t mtef_version = 0;
  std::uint8_t platform = 0;
  std::uint8_t product = 0;
  std::uint8_t product_version = 0;
  std::uint8_t product_subversion = 0;
  std::size_t records_read = 0;
  std::string stop_reason;  // why reading ended early ("" when the equation ended)
  std::vector<EquationFont> fonts;
  std::vector<EquationMatrix> matrices;
  std::vector<EquationExploit> exploits;
  // Printable ASCII runs of 8 or more bytes anywhere in the stream (commands exploits carry),
  // bounded.
  std::vector<std::string> strings;
};

EquationNative AnalyzeEquationNative(ByteSpan stream);

}  // namespace kensa::rtf
