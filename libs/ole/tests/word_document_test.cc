// Word 97-2003 text through the piece table, and field codes, on oletools' msodde test documents
// (zipped with the password "infected-test"; msodde lists the DDE fields asserted here) and on
// pieces built here.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/ole/compound_file.h"
#include "kensa/ole/word_document.h"
#include "kensa/test_support/command.h"

namespace kensa::ole {
namespace {

const std::string kMsodde = "../shared/corpora/oletools-tests/tests/test-data/msodde/";

// The one document in an oletools test zip.
Bytes Unzipped(const std::string& name) {
  const std::string bytes = test_support::UnzipMember(kMsodde + name + ".zip", name, "infected-test");
  return Bytes(bytes.begin(), bytes.end());
}

std::string TextOf(const Bytes& doc) {
  auto file = CompoundFile::Open(doc);
  REQUIRE(file);
  auto text = ReadWordText(*file);
  REQUIRE(text);
  return std::move(*text);
}

TEST_CASE("the DDE fields of Word 2003 and 2016 documents come out of their 8-bit pieces") {
  for (const std::string name : {"dde-test-from-office2003.doc", "dde-test-from-office2016.doc"}) {
    INFO(name);
    const std::string text = TextOf(Unzipped(name));
    const auto codes = WordFieldCodes(text);
    // msodde: DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe", and a DDE field.
    CHECK(std::find(codes.begin(), codes.end(),
                    R"(DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe")") != codes.end());
    CHECK(std::find(codes.begin(), codes.end(),
                    R"( DDE c:\\windows\\system32\\cmd.exe "/k calc.exe" )") != codes.end());
  }
}

TEST_CASE("a Word 2013 document with Korean text keeps its pieces in UTF-16") {
  const std::string text = TextOf(Unzipped("dde-test-from-office2013-utf_16le-korean.doc"));
  const auto codes = WordFieldCodes(text);
  REQUIRE_FALSE(codes.empty());
  CHECK(codes.front() == R"(DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe")");
  // Hangul from the UTF-16 piece, as UTF-8.
  CHECK(text.find("\xEC") != std::string::npos);
}

TEST_CASE("a clean document has text and no field") {
  auto data = ReadFileBounded(kMsodde + "harmless-clean.doc", 16u << 20);
  REQUIRE(data);
  const std::string text = TextOf(*data);
  CHECK_FALSE(text.empty());
  CHECK(WordFieldCodes(text).empty());
}

TEST_CASE("field codes: nesting, results, unclosed fields and bounds") {
  // { DDEAUTO { QUOTE 99 109 100 }<result "cmd"> "/c calc" }: the outer code reads the inner
  // result; the inner code is listed on its own, first (it ends first).
  const std::string nested = "\x13" "DDEAUTO \x13QUOTE 99 109 100\x14" "cmd\x15 \"/c calc\"\x15";
  const auto codes = WordFieldCodes(nested);
  REQUIRE(codes.size() == 2);
  CHECK(codes[0] == "QUOTE 99 109 100");
  CHECK(codes[1] == "DDEAUTO cmd \"/c calc\"");
  // A field's result is not its code.
  CHECK(WordFieldCodes("\x13HYPERLINK x\x14shown text\x15") == std::vector<std::string>{"HYPERLINK x"});
  // Unclosed at the end: still listed.
  CHECK(WordFieldCodes("\x13" "DDE a b") == std::vector<std::string>{"DDE a b"});
  // Stray separators and ends outside any field are ignored.
  CHECK(WordFieldCodes("\x14\x15 plain").empty());
  // A code is cut at its byte limit on a character boundary; fields past max_fields are dropped.
  WordLimits limits;
  limits.max_field_code_bytes = 4;
  limits.max_fields = 1;
  CHECK(WordFieldCodes("\x13" "ab\xC3\xA9\xC3\xA9\x15\x13x\x15", limits) ==
        std::vector<std::string>{"ab\xC3\xA9"});
  // Deep nesting: marks past 64 levels are counted, the text stays bounded.
  const std::string deep = std::string(100, '\x13') + "X" + std::string(100, '\x15');
  CHECK(WordFieldCodes(deep).size() == 64);
}

TEST_CASE("an encrypted or foreign compound file has no Word text to read") {
  auto encrypted = ReadFileBounded("../shared/corpora/oletools-tests/tests/test-data/encrypted/encrypted.doc", 16u << 20);
  REQUIRE(encrypted);
  auto file = CompoundFile::Open(*encrypted);
  REQUIRE(file);
  auto text = ReadWordText(*file);
  REQUIRE_FALSE(text);
  CHECK(text.error().code() == StatusCode::kFailedPrecondition);
  auto xls = ReadFileBounded("../shared/corpora/oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xls",
                             16u << 20);
  REQUIRE(xls);
  auto workbook = CompoundFile::Open(*xls);
  REQUIRE(workbook);
  CHECK(ReadWordText(*workbook).error().message() == "no WordDocument stream");
}

}  // namespace
}  // namespace kensa::ole
