// OLE1 headers, Packager data and \1Ole monikers. Package facts are those oletools' oleobj
// reports for its test documents (calc.exe: md5 40e85286357723f326980a3b30f84e4f).
#include "kensa/rtf/ole_native.h"

#include "kensa/hashing/hashes.h"
#include "kensa/ole/compound_file.h"
#include "kensa/rtf/rtf_parser.h"
#include "rtf_test_support.h"

namespace kensa::rtf {
namespace {

using namespace testing;

Bytes Ole10NativeOf(const std::string& document, const std::string& storage) {
  const Bytes data = ReadCorpus("oletools-tests/tests/test-data/oleobj/" + document);
  auto cf = ole::CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  auto stream = cf->ReadStream(storage + "/\x01Ole10Native");
  REQUIRE(stream.has_value());
  return std::move(*stream);
}

TEST_CASE("the Frankenstein object is an embedded Equation.3 holding a compound file") {
  const auto doc = ParseRtf(FrankensteinRtf());
  REQUIRE(doc.objects.size() == 1);
  auto object = ParseOle1Object(doc.objects[0].data);
  REQUIRE(object.has_value());
  CHECK(object->ole_version == 0x00000501);
  CHECK(object->format_id == 2);
  CHECK(object->class_name == "Equation.3");
  CHECK(object->topic_name.empty());
  CHECK(object->item_name.empty());
  CHECK(object->declared_native_size == 21504);
  CHECK(object->native_offset == 35);
  CHECK(!object->truncated);
  CHECK(hashing::Sha256Hex(object->native_data) ==
        "153d30df3c4725481fbafa8e84054afba0cb1371184a9b80f57a6d5c741f9d30");
}

TEST_CASE("a declared native size past the data is clipped and reported") {
  const auto doc = ParseRtf(ReadCorpus("oletools-tests/tests/test-data/rtfobj/issue_251.rtf"));
  REQUIRE(doc.objects.size() == 1);
  auto object = ParseOle1Object(doc.objects[0].data);
  REQUIRE(object.has_value());
  CHECK(object->ole_version == 0x00000511);
  CHECK(object->class_name == "equation.3");
  CHECK(object->declared_native_size == 3072);
  CHECK(object->native_data.size() == 8);
  CHECK(object->truncated);
}

TEST_CASE("headers that are not OLE1 are rejected with the reason") {
  Bytes bad_format;
  PutU32(bad_format, 0x501);
  PutU32(bad_format, 3);
  CHECK(ParseOle1Object(bad_format).error().message().find("format id 3") != std::string::npos);

  Bytes huge_class;
  PutU32(huge_class, 0x501);
  PutU32(huge_class, 2);
  PutU32(huge_class, 0xFFFFFFFFu);
  CHECK(!ParseOle1Object(huge_class).has_value());
  CHECK(!ParseOle1Object(AsBytes("0105")).has_value());
}

TEST_CASE("a linked OLE1 object keeps its topic and network name") {
  Bytes linked;
  PutU32(linked, 0x501);
  PutU32(linked, 1);
  PutAnsi(linked, "Word.Document.8");
  PutAnsi(linked, "\\\\192.0.2.5\\share\\report.doc");
  PutAnsi(linked, "");
  PutAnsi(linked, "\\\\192.0.2.5\\share");
  auto object = ParseOle1Object(linked);
  REQUIRE(object.has_value());
  CHECK(object->format_id == 1);
  CHECK(object->topic_name == "\\\\192.0.2.5\\share\\report.doc");
  CHECK(object->network_name == "\\\\192.0.2.5\\share");
  CHECK(object->native_data.empty());
}

TEST_CASE("Packager data gives the file, its names and the unicode copies") {
  const Bytes stream = Ole10NativeOf("sample_with_calc_embedded.doc", "ObjectPool/_1572084892");
  auto package = ParseOle10Native(stream);
  REQUIRE(package.has_value());
  CHECK(package->label == "calc.exe");
  CHECK(package->source_path == "C:\\Windows\\System32\\calc.exe");
  CHECK(package->temp_path == "C:\\Users\\xxxxx\\AppData\\Local\\Temp\\calc (2).exe");
  CHECK(package->type == 3);
  CHECK(package->declared_size == 31232);
  CHECK(!package->truncated);
  CHECK(hashing::Md5Hex(package->data) == "40e85286357723f326980a3b30f84e4f");
  CHECK(hashing::Sha256Hex(package->data) ==
        "c74f41325775de4777000161a057342cc57a04e8b7be17b06576412eff574dc5");
  CHECK(package->label_unicode_utf8 == "calc.exe");
  CHECK(package->source_path_unicode_utf8 == "C:\\Windows\\System32\\calc.exe");
}

TEST_CASE("Packager's unicode names keep what the ANSI names lost") {
  const Bytes stream = Ole10NativeOf("embedded-unicode.doc", "ObjectPool/_1577272170");
  auto package = ParseOle10Native(stream);
  REQUIRE(package.has_value());
  CHECK(package->label ==
        "\xFCnic\xF6"
        "de-???????????.txt");  // code page 1252, lossy
  CHECK(package->label_unicode_utf8 == "ünicöde-수식끝이잘못되었습니다.txt");
  CHECK(package->temp_path_unicode_utf8 ==
        "C:\\Users\\user\\AppData\\Local\\Temp\\ünicöde-수식끝이잘못되었습니다.txt");
  CHECK(package->data.size() == 96);
}

TEST_CASE("a packaged LNK comes out whole") {
  const Bytes stream = Ole10NativeOf("sample_with_lnk_file.doc", "ObjectPool/_1573545115");
  auto package = ParseOle10Native(stream);
  REQUIRE(package.has_value());
  CHECK(package->label == "calc.lnk");
  CHECK(package->source_path == "C:\\Users\\user\\Desktop\\calc.lnk");
  CHECK(package->data.size() == 1220);
  CHECK(hashing::Sha256Hex(package->data) ==
        "d8019f6968282b9eef712acb82920fd6446e28ac6684b443b5e48be0c79414ea");
}

TEST_CASE("truncated Packager data is reported, never read past") {
  const Bytes file = AsBytes("MZ-not-really-a-program");
  Bytes native = PackageNative("a.exe", "C:\\a.exe", "C:\\Temp\\a.exe", file);
  native.resize(native.size() - 5);
  auto package = ParseOlePackage(native);
  REQUIRE(package.has_value());
  CHECK(package->truncated);
  CHECK(package->data.size() == file.size() - 5);
  for (std::size_t length = 0; length < 20; ++length) {
    CHECK(!ParseOlePackage(ByteSpan(native).first(length)).has_value());
  }
}

// The \1Ole stream of a CVE-2017-0199 document: flags 1 (linked), the absolute source moniker
// a URL moniker ([MS-OLEDS] 2.3.3, [MS-OSHARED] 2.3.7.6).
Bytes OleStreamWithUrl(const std::string& url) {
  Bytes moniker = {0xE0, 0xC9, 0xEA, 0x79, 0xF9, 0xBA, 0xCE, 0x11,
                   0x8C, 0x82, 0x00, 0xAA, 0x00, 0x4B, 0xA9, 0x0B};
  PutU32(moniker, static_cast<std::uint32_t>(2 * (url.size() + 1)));
  for (char c : url) PutU16(moniker, static_cast<std::uint8_t>(c));
  PutU16(moniker, 0);
  Bytes stream;
  PutU32(stream, 0x02000001);
  PutU32(stream, 1);
  PutU32(stream, 1);
  PutU32(stream, 0);
  PutU32(stream, 0);  // reserved moniker
  PutU32(stream, 0);  // relative source moniker
  PutU32(stream, static_cast<std::uint32_t>(moniker.size()));
  PutBytes(stream, moniker);
  return stream;
}

TEST_CASE("a URL moniker in the \\1Ole stream gives the URL") {
  auto info = ParseOleStream(OleStreamWithUrl("http://198.51.100.23/template.hta"));
  REQUIRE(info.has_value());
  CHECK(info->flags == 1);
  CHECK(info->link_update_option == 1);
  REQUIRE(info->monikers.size() == 1);
  CHECK(info->monikers[0].kind == "url");
  CHECK(info->monikers[0].clsid == "79eac9e0-baf9-11ce-8c82-00aa004ba90b");
  CHECK(info->monikers[0].target == "http://198.51.100.23/template.hta");
}

TEST_CASE("a file moniker gives its path; an unknown moniker its UTF-16 locations") {
  Bytes file_moniker = {0x03, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                        0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46};
  PutU16(file_moniker, 0);
  PutAnsi(file_moniker, "\\\\203.0.113.4\\dav\\payload.sct");
  Bytes soap_moniker = {0xC7, 0xB0, 0xAB, 0xEC, 0x19, 0x7F, 0xD2, 0x11,
                        0x97, 0x8E, 0x00, 0x00, 0xF8, 0x75, 0x7E, 0x2A};
  PutU32(soap_moniker, 0);
  for (char c : std::string("soap:wsdl=http://203.0.113.4/x.wsdl"))
    PutU16(soap_moniker, static_cast<std::uint8_t>(c));
  Bytes stream;
  PutU32(stream, 0x02000001);
  PutU32(stream, 1);
  PutU32(stream, 0);
  PutU32(stream, 0);
  PutU32(stream, 0);
  PutU32(stream, static_cast<std::uint32_t>(file_moniker.size()));
  PutBytes(stream, file_moniker);
  PutU32(stream, static_cast<std::uint32_t>(soap_moniker.size()));
  PutBytes(stream, soap_moniker);
  auto info = ParseOleStream(stream);
  REQUIRE(info.has_value());
  REQUIRE(info->monikers.size() == 2);
  CHECK(info->monikers[0].kind == "file");
  CHECK(info->monikers[0].target == "\\\\203.0.113.4\\dav\\payload.sct");
  CHECK(info->monikers[1].kind == "other");
  CHECK(info->monikers[1].clsid == "ecabb0c7-7f19-11d2-978e-0000f8757e2a");
  CHECK(info->monikers[1].target == "soap:wsdl=http://203.0.113.4/x.wsdl");
}

TEST_CASE("moniker sizes past the stream are clipped") {
  Bytes stream = OleStreamWithUrl("http://198.51.100.23/a");
  stream.resize(stream.size() - 10);
  auto info = ParseOleStream(stream);
  REQUIRE(info.has_value());
  REQUIRE(info->monikers.size() == 1);
  CHECK(info->monikers[0].target == "http://198.51.100.");
  CHECK(!ParseOleStream(ByteSpan(stream).first(12)).has_value());
}

}  // namespace
}  // namespace kensa::rtf
