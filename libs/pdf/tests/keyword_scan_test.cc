#include "kensa/pdf/keyword_scan.h"

#include <catch2/catch.hpp>
#include <string_view>

namespace kensa::pdf {
namespace {

KeywordScan Scan(std::string_view text) {
  return ScanKeywords(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

TEST_CASE("the raw scan counts names and words as whole tokens", "[pdf][keywords]") {
  const auto scan = Scan("1 0 obj << /OpenAction 2 0 R /JSON 1 /JS (x) >> endobj\n2 0 obj<</S/JavaScript/JS 3 0 R>>endobj");
  CHECK(scan.Count("obj") == 2);
  CHECK(scan.Count("endobj") == 2);
  CHECK(scan.Count("/OpenAction") == 1);
  CHECK(scan.Count("/JS") == 2);  // "/JSON" is another name
  CHECK(scan.Count("/JavaScript") == 1);
  CHECK(scan.HexEscaped("/JavaScript") == 0);
  CHECK(scan.hex_escaped_names() == 0);
}

TEST_CASE("names written with #xx escapes count as the decoded name, like pdfid", "[pdf][keywords]") {
  const auto scan = Scan("<< /S /J#61vaScript /#4A#53 (app.alert(1)) /Open#41ction 5 0 R /Font#20Name 1 >>");
  CHECK(scan.Count("/JavaScript") == 1);
  CHECK(scan.HexEscaped("/JavaScript") == 1);
  CHECK(scan.Count("/JS") == 1);
  CHECK(scan.HexEscaped("/JS") == 1);
  CHECK(scan.Count("/OpenAction") == 1);
  CHECK(scan.HexEscaped("/OpenAction") == 1);
  CHECK(scan.hex_escaped_names() == 4);  // the font name with an escaped space too
}

TEST_CASE("keywords in comments, strings and stream data are not structural", "[pdf][keywords]") {
  const auto scan = Scan(
      "% a comment about /OpenAction\n"
      "1 0 obj << /Title (a title naming /JavaScript \\) and more) /AA << >> >> endobj\n"
      "2 0 obj << /Length 20 >> stream\n/Launch inside data\nendstream endobj\n"
      "3 0 obj << /Launch 1 >> endobj");
  CHECK(scan.Count("/OpenAction") == 1);
  CHECK(scan.CountStructural("/OpenAction") == 0);
  CHECK(scan.Count("/JavaScript") == 1);
  CHECK(scan.CountStructural("/JavaScript") == 0);
  CHECK(scan.CountStructural("/AA") == 1);  // after the string literal closed
  CHECK(scan.Count("/Launch") == 2);
  CHECK(scan.CountStructural("/Launch") == 1);
  CHECK(scan.Count("stream") == 1);
  CHECK(scan.Count("endstream") == 1);
}

TEST_CASE("the raw scan matches pdfid on corkami's javascript.pdf", "[pdf][keywords][corpus]") {
  // PDFiD 0.2.7 (pdfid 1.1.3 on PyPI) on this file says: obj 3, endobj 3, /JS 3, /JavaScript 2, /AA 2, /OpenAction 1.
  FILE* file = std::fopen("../shared/corpora/corkami/pdf/javascript.pdf", "rb");
  REQUIRE(file != nullptr);
  std::string bytes(4096, '\0');
  bytes.resize(std::fread(bytes.data(), 1, bytes.size(), file));
  std::fclose(file);
  const auto scan = Scan(bytes);
  CHECK(scan.Count("obj") == 3);
  CHECK(scan.Count("endobj") == 3);
  CHECK(scan.Count("/JS") == 3);
  CHECK(scan.Count("/JavaScript") == 2);
  CHECK(scan.Count("/AA") == 2);
  CHECK(scan.Count("/OpenAction") == 1);
}

TEST_CASE("the raw scan survives arbitrary bytes and an unterminated name", "[pdf][keywords]") {
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes.push_back(static_cast<char>(i * 7));
  bytes += "/J#6";
  const auto scan = Scan(bytes);
  CHECK(scan.Count("/JavaScript") == 0);
  const auto empty = Scan("");
  CHECK(empty.Count("obj") == 0);
}

}  // namespace
}  // namespace kensa::pdf
