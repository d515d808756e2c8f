#pragma once
// Text helpers of the PDF reader: protobuf string fields must hold valid UTF-8, and PDF text
// arrives as PDFDocEncoding, UTF-16 with a byte order mark, UTF-8, or arbitrary bytes.

#include <cstddef>
#include <string>
#include <string_view>

namespace kensa::pdf::internal {

// `bytes` as valid UTF-8: well-formed UTF-8 sequences are kept, every other byte is read as
// Latin-1 (what PDFDocEncoding agrees with for letters), so nothing is lost silently.
std::string ToValidUtf8(std::string_view bytes);

// Text from stream or string bytes: UTF-16BE/LE after a byte order mark, UTF-8 after its BOM,
// otherwise ToValidUtf8.
std::string DecodeTextBytes(std::string_view bytes);

// At most `max_bytes` of valid UTF-8 `text`, cut on a character boundary.
std::string TruncateUtf8(std::string_view text, std::size_t max_bytes);

// One line for evidence: control characters and line breaks become spaces, runs collapse,
// at most `max_bytes`.
std::string OneLine(std::string_view text, std::size_t max_bytes);

}  // namespace kensa::pdf::internal

namespace kensa::pdf::internal {

// A PDF date (PDF 32000-1 7.9.4: "D:YYYYMMDDHHmmSSOHH'mm'", every part after the year
// optional) as RFC 3339 UTC; the text itself, made valid UTF-8, when it does not parse.
std::string PdfDateToRfc3339(std::string_view text);

}  // namespace kensa::pdf::internal
