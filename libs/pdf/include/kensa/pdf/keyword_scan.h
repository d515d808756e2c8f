#pragma once
// A raw keyword count over a PDF's bytes, the way Didier Stevens' pdfid counts: no parsing, so
// it sees what a parser skips (objects the cross-reference table no longer points to, garbage
// between objects) and misses what a parser sees (objects compressed inside object streams).
// Comparing both views is a finding of its own (pdf_analysis.h).
//
//   KeywordScan scan = ScanKeywords(bytes);
//   scan.Count("/JavaScript");        // occurrences, after #xx decoding
//   scan.HexEscaped("/JavaScript");   // of which written with #xx escapes ("/J#61vaScript")
//
// Tokens: letters and digits form a word; a word right after '/' is a name, in which "#xx"
// (two hex digits) stands for one byte (PDF 32000-1 7.3.5). Keywords compare case-sensitively
// and as whole tokens ("/JS" does not count "/JSON").

#include <array>
#include <cstdint>
#include <string_view>

#include "kensa/core/bytes.h"

namespace kensa::pdf {

// pdfid's default list plus the actions and name trees that matter for triage.
inline constexpr std::array<std::string_view, 26> kRawKeywords = {
    "obj",           "endobj",         "stream",       "endstream",   "xref",
    "trailer",       "startxref",      "/Page",        "/Encrypt",    "/ObjStm",
    "/JS",           "/JavaScript",    "/AA",          "/OpenAction", "/AcroForm",
    "/JBIG2Decode",  "/RichMedia",     "/Launch",      "/EmbeddedFile", "/EmbeddedFiles",
    "/XFA",          "/URI",           "/SubmitForm",  "/GoToR",      "/GoToE",
    "/ImportData"};

struct KeywordTally {
  std::uint32_t count = 0;
  // Occurrences written with at least one #xx escape.
  std::uint32_t hex_escaped = 0;
  // Occurrences where a parser reads names: outside stream data ("stream" ... "endstream"),
  // comments ("%" to the end of the line) and string literals ("(...)").
  std::uint32_t structural = 0;
};

class KeywordScan {
 public:
  std::uint32_t Count(std::string_view keyword) const;
  std::uint32_t HexEscaped(std::string_view keyword) const;
  // Occurrences a reader's object parser could see as names (KeywordTally::structural).
  std::uint32_t CountStructural(std::string_view keyword) const;
  // Name tokens of any kind that used #xx escapes.
  std::uint32_t hex_escaped_names() const { return hex_escaped_names_; }
  const std::array<KeywordTally, kRawKeywords.size()>& tallies() const { return tallies_; }

 private:
  friend KeywordScan ScanKeywords(ByteSpan data);
  const KeywordTally* Find(std::string_view keyword) const;
  std::array<KeywordTally, kRawKeywords.size()> tallies_{};
  std::uint32_t hex_escaped_names_ = 0;
};

// One linear pass over `data`; no allocation beyond one token (bounded).
KeywordScan ScanKeywords(ByteSpan data);

}  // namespace kensa::pdf
