// Equation Native streams: the real CVE-2017-11882 exploit of the Frankenstein campaign, and
// equations built record by record for a clean equation and the other exploit shapes.
#include "kensa/rtf/equation_native.h"

#include <algorithm>

#include "kensa/ole/compound_file.h"
#include "kensa/rtf/ole_native.h"
#include "kensa/rtf/rtf_parser.h"
#include "rtf_test_support.h"

namespace kensa::rtf {
namespace {

using namespace testing;

Bytes FrankensteinEquationNative() {
  const auto doc = ParseRtf(FrankensteinRtf());
  REQUIRE(doc.objects.size() == 1);
  auto object = ParseOle1Object(doc.objects[0].data);
  REQUIRE(object.has_value());
  auto cf = ole::CompoundFile::Open(object->native_data);
  REQUIRE(cf.has_value());
  CHECK(cf->entries()[0].clsid == "0002ce02-0000-0000-c000-000000000046");
  auto stream = cf->ReadStream("Equation Native");
  REQUIRE(stream.has_value());
  return std::move(*stream);
}

// EQNOLEFILEHDR for `mtef`, then the MTEF bytes.
Bytes EquationStream(const Bytes& mtef) {
  Bytes out;
  PutU16(out, 0x1C);
  PutU32(out, 0x00020000);
  PutU16(out, 0xC3A8);
  PutU32(out, static_cast<std::uint32_t>(mtef.size()));
  for (int i = 0; i < 4; ++i) PutU32(out, 0);
  PutBytes(out, mtef);
  return out;
}

// MTEF v3 from Equation Editor 3.0 on Windows, the FULL size and a LINE.
Bytes MtefPrologue() { return {0x03, 0x01, 0x01, 0x03, 0x0A, 0x0A, 0x01}; }

void PutFont(Bytes& mtef, const Bytes& name) {
  mtef.push_back(0x08);
  mtef.push_back(0x03);
  mtef.push_back(0x00);
  PutBytes(mtef, name);
  mtef.push_back(0x00);
}

TEST_CASE("the Frankenstein equation is CVE-2017-11882 with return address 0x00402114") {
  const Bytes stream = FrankensteinEquationNative();
  CHECK(stream.size() == 18055);
  const EquationNative eq = AnalyzeEquationNative(stream);
  CHECK(eq.header_present);
  CHECK(eq.header_size == 0x1C);
  CHECK(eq.version == 0x00020000);
  CHECK(eq.clipboard_format == 0xC3A8);
  CHECK(eq.mtef_size == 18027);
  CHECK(eq.mtef_version == 3);
  CHECK(eq.platform == 1);
  CHECK(eq.product == 1);
  CHECK(eq.product_version == 3);
  CHECK(eq.product_subversion == 0x0A);
  REQUIRE(eq.fonts.size() == 1);
  CHECK(eq.fonts[0].offset == 35);
  CHECK(eq.fonts[0].typeface == 0x5A);
  CHECK(eq.fonts[0].style == 0x5A);
  CHECK(eq.fonts[0].name.size() == 47);
  CHECK(eq.fonts[0].non_printable == 27);
  REQUIRE(eq.exploits.size() == 1);
  CHECK(eq.exploits[0].cve == "CVE-2017-11882");
  CHECK(eq.exploits[0].offset == 35);
  CHECK(eq.exploits[0].evidence.find("47 bytes") != std::string::npos);
  CHECK(eq.exploits[0].evidence.find("return address 0x00402114") != std::string::npos);
  const bool command = std::any_of(eq.strings.begin(), eq.strings.end(), [](const std::string& s) {
    return s.starts_with("cmd /c powershell -noP -sta -w 1 -enc ");
  });
  CHECK(command);
}

TEST_CASE("a clean equation has its font and no exploit") {
  Bytes mtef = MtefPrologue();
  PutFont(mtef, AsBytes("Times New Roman"));
  PutBytes(mtef, Bytes{0x02, 0x83, 0x78, 0x00});              // CHAR 'x' in typeface 3
  PutBytes(mtef, Bytes{0x82, 0x64, 0x64, 0x83, 0x79, 0x00});  // a nudged CHAR 'y'
  PutBytes(mtef, Bytes{0x05, 0x01, 0x01, 0x01, 0x02, 0x02, 0x00, 0x00, 0x00});  // 2x2 MATRIX
  PutBytes(mtef, Bytes{0x00, 0x00});  // end of matrix, end of line
  const EquationNative eq = AnalyzeEquationNative(EquationStream(mtef));
  REQUIRE(eq.fonts.size() == 1);
  CHECK(std::string(eq.fonts[0].name.begin(), eq.fonts[0].name.end()) == "Times New Roman");
  CHECK(eq.fonts[0].non_printable == 0);
  REQUIRE(eq.matrices.size() == 1);
  CHECK(eq.matrices[0].rows == 2);
  CHECK(eq.exploits.empty());
  CHECK(eq.stop_reason.empty());
}

TEST_CASE("a 0x94-byte font name with a partial overwrite is CVE-2018-0802") {
  Bytes mtef = MtefPrologue();
  Bytes name(0x94, 0x90);
  name.push_back(0x25);  // the low byte of the return address; the NUL is the next one
  PutFont(mtef, name);
  mtef.push_back(0x00);
  const EquationNative eq = AnalyzeEquationNative(EquationStream(mtef));
  REQUIRE(eq.exploits.size() == 1);
  CHECK(eq.exploits[0].cve == "CVE-2018-0802");
  CHECK(eq.exploits[0].offset == 28 + 7);
  CHECK(eq.exploits[0].evidence.find("149 bytes") != std::string::npos);
  CHECK(eq.exploits[0].evidence.find("90 25 00") != std::string::npos);
}

TEST_CASE("a MATRIX with 255 rows is the CVE-2018-0798 shape") {
  Bytes mtef = MtefPrologue();
  PutBytes(mtef, Bytes{0x05, 0x00, 0x00, 0x00, 0xFF, 0x01});
  mtef.insert(mtef.end(), 64 + 1, 0x41);  // row and column partitions
  const EquationNative eq = AnalyzeEquationNative(EquationStream(mtef));
  REQUIRE(eq.matrices.size() == 1);
  CHECK(eq.matrices[0].rows == 255);
  REQUIRE(eq.exploits.size() == 1);
  CHECK(eq.exploits[0].cve == "CVE-2018-0798");
  CHECK(eq.exploits[0].offset == 28 + 7);
}

TEST_CASE("a font name of 32 bytes is no overflow") {
  Bytes mtef = MtefPrologue();
  PutFont(mtef, Bytes(32, 'A'));
  mtef.push_back(0x00);
  CHECK(AnalyzeEquationNative(EquationStream(mtef)).exploits.empty());
}

TEST_CASE("every prefix of the real exploit stream is read without reading past it") {
  const Bytes stream = FrankensteinEquationNative();
  for (std::size_t length = 0; length <= 120; ++length) {
    const EquationNative eq = AnalyzeEquationNative(ByteSpan(stream).first(length));
    CHECK(eq.header_present == (length >= 28));
    if (length < 38) CHECK(eq.fonts.empty());
  }
  // Cut inside the font name: the name runs to the end and still overflows.
  const EquationNative cut = AnalyzeEquationNative(ByteSpan(stream).first(38 + 45));
  REQUIRE(cut.fonts.size() == 1);
  CHECK(!cut.fonts[0].terminated);
  CHECK(cut.exploits.size() == 1);
}

TEST_CASE("unknown records stop the walk with a reason") {
  Bytes mtef = MtefPrologue();
  mtef.push_back(0x0F);
  const EquationNative eq = AnalyzeEquationNative(EquationStream(mtef));
  CHECK(eq.stop_reason.find("unknown record type 15") != std::string::npos);
}

}  // namespace
}  // namespace kensa::rtf
