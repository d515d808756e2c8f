#pragma once
// Kensa's RTF reader for hostile documents: it finds the embedded objects (\objdata) and decodes
// them the way Microsoft Word does, not the way the RTF 1.9.1 specification says, because
// exploit documents are written against Word's leniency.
//
//   kensa::rtf::RtfDocument doc = kensa::rtf::ParseRtf(bytes);
//   for (const auto& object : doc.objects) ... object.data (decoded bytes), object.objclass
//   for (const auto& finding : doc.findings) ... "rtf_objdata_hex_junk", ...
//
// What Word does and this reader copies (oletools' rtfobj documents the same behaviour):
// - Only "{\rt" is required at the start; "{\rtvpn", "{\rt{" open as well.
// - A control word is a run of ASCII letters with an optional signed decimal parameter; Word
//   reads at most 253 characters of name and parameter, the digits after that are text. One
//   space after it is its delimiter.
// - Text goes to the innermost open destination. A destination is opened by one of the
//   destination control words of the specification (\objdata, \objclass, \fonttbl...), at
//   any depth, with or without "\*", and closed with the group that holds it. Groups and
//   other control words inside \objdata do not end it: their text is object data too.
// - Object data is every hex digit of that text; whitespace and any other character are
//   skipped. An odd last digit is dropped. \binN inserts N raw bytes (a negative or missing N
//   is 0). \'hh skips two characters and, when an odd number of digits has been read, drops
//   the last one (a Word parser bug exploits rely on).
// - Groups still open at the end of the file are closed there; a '}' with nothing open is
//   ignored.
// Nothing here recurses and nothing throws; every loop is bounded by the input and RtfLimits.
// Oddities are findings with stable snake_case codes, listed below RtfFinding.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kensa/core/bytes.h"

namespace kensa::rtf {

struct RtfLimits {
  // Objects decoded; a real document has a few, a bomb may declare thousands.
  std::size_t max_objects = 1000;
  // Decoded bytes kept per object; Word's own objects stay far below (data is half the hex).
  std::uint64_t max_object_bytes = 64ull << 20;
  // Destinations tracked at once; deeper ones share the innermost tracked destination.
  std::size_t max_destination_depth = 4096;
  // Text kept of \objclass, \template and one field instruction: names and paths, not bodies.
  std::size_t max_text_bytes = 4096;
  // Active field instructions kept (DDE, INCLUDEPICTURE...; see RtfDocument::fields).
  std::size_t max_fields = 1000;
};

// A malformation or an obfuscation trick. Codes:
//   rtf_nonstandard_header        the file opens with "{\rt" but not "{\rtf1"
//   rtf_oversized_control_word    a control word longer than the 32 letters of the spec
//   rtf_huge_parameter            a numeric parameter past 32 bits or with over 10 digits
//   rtf_unclosed_groups           groups still open at the end of the file
//   rtf_unbalanced_close          '}' with no group open
//   rtf_depth_limit               deeper than RtfLimits::max_destination_depth destinations
//   rtf_objdata_hex_junk          characters that are not hex digits inside object data
//   rtf_objdata_embedded_groups   groups or control words inside object data
//   rtf_objdata_bin               \bin raw bytes inside object data
//   rtf_objdata_hex_escape        \'hh inside object data (Word drops a digit)
//   rtf_objdata_odd_digits        an odd number of hex digits
//   rtf_objdata_outside_object    \objdata outside any \object group
//   rtf_nested_object             \objdata inside another object's data
//   rtf_bin_past_end              \binN asks for more bytes than the file has
//   rtf_object_limit              more objects than RtfLimits::max_objects
//   rtf_object_too_large          an object's data clipped at RtfLimits::max_object_bytes
struct RtfFinding {
  std::string code;
  std::string detail;
  std::uint64_t offset = 0;
};

// One \objdata destination.
struct RtfObject {
  std::uint64_t offset = 0;                          // right after the \objdata control word
  std::uint64_t end_offset = 0;                      // where its destination closed
  std::optional<std::uint64_t> object_group_offset;  // the enclosing \object control word
  std::string objclass;                              // {\*\objclass ...} text (ANSI bytes), bounded
  std::vector<std::string> flags;  // \objemb, \objautlink, \objupdate... of the group
  Bytes data;                      // decoded bytes
  bool data_truncated = false;     // clipped at RtfLimits::max_object_bytes
  std::uint64_t hex_digits = 0;
  std::uint64_t junk_bytes = 0;              // text that is neither hex nor whitespace
  std::uint64_t bin_bytes = 0;               // raw bytes inserted by \bin
  std::uint64_t embedded_groups = 0;         // '{' inside the data
  std::uint64_t embedded_control_words = 0;  // control words and symbols inside the data
  std::uint64_t hex_escapes = 0;             // \'hh inside the data
  bool odd_digit_dropped = false;
  bool nested = false;  // opened while another \objdata was open
};

struct RtfDocument {
  std::string header;           // first control word with parameter: "rtf1"
  std::uint32_t code_page = 0;  // \ansicpgN, 0 when absent
  std::vector<RtfObject> objects;
  std::string template_path;  // {\*\template ...}, bounded
  struct Field {
    std::uint64_t offset = 0;
    std::string instruction;  // \fldinst text, bounded
  };
  // Fields that run or fetch something: DDE, DDEAUTO, INCLUDEPICTURE, INCLUDETEXT, IMPORT,
  // LINK. Ordinary documents hold thousands of PAGE, REF and HYPERLINK fields; they are not kept.
  std::vector<Field> fields;
  std::uint64_t control_words = 0;
  std::uint64_t max_group_depth = 0;
  std::uint64_t unclosed_groups = 0;
  std::vector<RtfFinding> findings;  // at most one per code, the first occurrence
};

// Reads `data` as Word reads an RTF file. Never fails: bytes that are not RTF give a document
// with no objects and a rtf_nonstandard_header finding.
RtfDocument ParseRtf(ByteSpan data, const RtfLimits& limits = {});

// True for the control words the RTF specification calls destinations (\objdata, \fonttbl...).
bool IsDestinationControlWord(std::string_view word);

}  // namespace kensa::rtf
