#pragma once
// What a PDF's JavaScript does, by the constructs exploit kits and droppers used: decoding
// layers (eval, unescape, String.fromCharCode), Acrobat APIs with known memory-corruption bugs,
// heap-spray shapes, and the launch of an attached file. A summary for triage, not an
// interpreter: it reads the text as written, so a construct assembled at run time
// ("ev" + "al") is not seen; the obfuscation findings say that such assembling happens.
//
//   for (const JavaScriptFinding& finding : ScanJavaScript(script)) { ... finding.kind ... }
//
// Kinds:
//   eval                  eval(...) runs a string as code
//   unescape              unescape(...) decodes %xx / %uxxxx
//   from_char_code        String.fromCharCode builds text from numbers
//   timer                 app.setTimeOut / app.setInterval delays code (sprays, sandbox evasion)
//   export_data_object    this.exportDataObject saves (nLaunch: also opens) an attached file
//   exploit_api           an Acrobat API call known from exploits (keyword + CVE)
//   document_data         code reads hidden document data to rebuild a payload (getAnnots,
//                         getPageNthWord, this.info, syncAnnotScan)
//   heap_spray            NOP-sled-like literals ("%u0c0c%u0c0c", "0x0c0c0c0c")
//   shellcode_escapes     many %uXXXX escapes: machine code written as text
//   long_string           a string literal longer than kLongStringBytes
//   many_from_char_code   kManyFromCharCode or more fromCharCode calls
// One finding per kind and keyword (the first occurrence), with an excerpt around it.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace kensa::pdf {

// Legitimate form scripts hold short messages; packed payloads are one huge literal.
inline constexpr std::size_t kLongStringBytes = 10000;
// A script building a few characters is normal; payload builders call it hundreds of times.
inline constexpr std::size_t kManyFromCharCode = 20;
// Text uses \u escapes; %u escapes in bulk are shellcode for unescape().
inline constexpr std::size_t kShellcodeEscapes = 32;

struct JavaScriptFinding {
  std::string kind;
  std::string keyword;
  std::string cve;  // exploit_api only
  // Byte offset of the construct in the script.
  std::size_t offset = 0;
  // Up to ~120 bytes around it, valid UTF-8, on one line.
  std::string evidence;
};

std::vector<JavaScriptFinding> ScanJavaScript(std::string_view script);

}  // namespace kensa::pdf
