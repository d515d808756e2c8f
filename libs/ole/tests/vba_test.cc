#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <string>

#include "kensa/core/file.h"
#include "kensa/ole/compound_file.h"
#include "kensa/ole/vba.h"

namespace kensa::ole {
namespace {

std::string Text(const Bytes& b) { return std::string(b.begin(), b.end()); }

TEST_CASE("MS-OVBA 3.2.1: the no-compression example decompresses to its text") {
  const Bytes compressed = FromHex(
      "01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E");
  auto out = DecompressOvba(compressed, 1 << 20);
  REQUIRE(out.has_value());
  CHECK(Text(*out) == "abcdefghijklmnopqrstuv.");
}

TEST_CASE("MS-OVBA 3.2.2: the normal compression example decompresses to its exact bytes") {
  const Bytes compressed = FromHex(
      "01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 20 "
      "6D 6E 6F 70 06 71 02 70 04 00 72 73 74 75 76 10 77 78 79 7A 00 2C");
  const Bytes expected = FromHex(
      "23 61 61 61 62 63 64 65 66 61 61 61 61 67 68 69 6a 61 61 61 61 61 6B 6C 61 61 61 6D 6E "
      "6F 70 71 61 61 61 61 61 61 61 61 61 61 61 61 72 73 74 75 76 77 78 79 7A 61 61 61");
  bool malformed = true;
  auto out = DecompressOvba(compressed, 1 << 20, &malformed);
  REQUIRE(out.has_value());
  CHECK(*out == expected);
  CHECK(Text(*out) == "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa");
  CHECK_FALSE(malformed);
}

TEST_CASE("MS-OVBA 3.2.3: the maximum compression example expands to 73 'a's") {
  auto out = DecompressOvba(FromHex("01 03 B0 02 61 45 00"), 1 << 20);
  REQUIRE(out.has_value());
  CHECK(Text(*out) == std::string(73, 'a'));
  // The output bound holds even for a copy token that overlaps itself.
  auto clipped = DecompressOvba(FromHex("01 03 B0 02 61 45 00"), 10);
  REQUIRE(clipped.has_value());
  CHECK(clipped->size() == 10);
}

TEST_CASE("Malformed compressed containers fail softly") {
  CHECK(DecompressOvba(FromHex("00 19 B0"), 100).error().code() == StatusCode::kInvalidArgument);
  CHECK_FALSE(DecompressOvba({}, 100).has_value());
  bool malformed = false;
  // A copy token as the first token of a chunk refers to bytes before the chunk.
  auto bad = DecompressOvba(FromHex("01 03 B0 01 45 00"), 100, &malformed);
  REQUIRE(bad.has_value());
  CHECK(bad->empty());
  CHECK(malformed);
  // A chunk header with a wrong signature ends decompression after the good chunk.
  auto half = DecompressOvba(FromHex("01 03 B0 02 61 45 00 03 A0"), 100, &malformed);
  REQUIRE(half.has_value());
  CHECK(half->size() == 73);
  CHECK(malformed);
}

TEST_CASE("The Excel workbook's VBA project has three modules and an Auto_Open macro") {
  auto data = ReadFileBounded(
      "../shared/corpora/oletools-tests/tests/test-data/encrypted/"
      "autostart-encrypt-standardpassword.xls",
      64u << 20);
  REQUIRE(data.has_value());
  auto cf = CompoundFile::Open(*data);
  REQUIRE(cf.has_value());
  CHECK(cf->Find("_VBA_PROJECT_CUR/VBA/dir") != nullptr);
  CHECK(cf->entries().front().clsid == "00020820-0000-0000-c000-000000000046");  // Excel
  auto projects = ExtractVba(*cf);
  REQUIRE(projects.has_value());
  REQUIRE(projects->size() == 1);
  const VbaProject& project = projects->front();
  CHECK(project.anomalies.empty());
  CHECK(project.storage_path == "_VBA_PROJECT_CUR");
  CHECK(project.code_page == 1252);
  std::vector<std::string> names;
  for (const auto& m : project.modules) names.push_back(m.name);
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"DieseArbeitsmappe", "Modul1", "Tabelle1"});
  const auto modul1 = std::find_if(project.modules.begin(), project.modules.end(),
                                   [](const VbaModule& m) { return m.name == "Modul1"; });
  REQUIRE(modul1 != project.modules.end());
  CHECK(modul1->stream_name == "Modul1");
  CHECK(modul1->stream_found);
  CHECK(modul1->source.find("Attribute VB_Name = \"Modul1\"\r\n") == 0);
  CHECK(modul1->source.find("Sub Auto_Open()\r\n MsgBox \"Hello World\"\r\nEnd Sub") !=
        std::string::npos);
  // The module stream keeps compiled p-code before the source: no stomping, but p-code exists.
  CHECK(modul1->pcode_size > 0);
  CHECK(modul1->pcode_size == modul1->source_offset);
  for (const auto& m : project.modules) {
    CHECK(m.source.find("Attribute VB_Name = \"" + m.name + "\"") == 0);
  }
}

}  // namespace
}  // namespace kensa::ole

namespace kensa::ole {
namespace {

// PowerPoint stores its VBA project as a zlib-compressed compound file inside an
// ExOleObjStg record (recVer 0, recInstance 1, recType 0x1011; [MS-PPT] 2.10.42) of the
// "PowerPoint Document" stream. This test unpacks it the simple way to check ExtractVba on a
// bare vbaProject storage; a PPT record walker is a later step.
Bytes UnpackPptVbaStorage(const Bytes& ppt_document) {
  const std::string header("\x10\x00\x11\x10", 4);
  const std::string_view stream(reinterpret_cast<const char*>(ppt_document.data()),
                                ppt_document.size());
  const std::size_t at = stream.find(header);
  REQUIRE(at != std::string_view::npos);
  const std::uint32_t record_length = ReadLe<std::uint32_t>(ppt_document, at + 4).value_or(0);
  const std::uint32_t decompressed_size = ReadLe<std::uint32_t>(ppt_document, at + 8).value_or(0);
  REQUIRE(decompressed_size == 10240);
  const ByteSpan compressed = SubSpan(ppt_document, at + 12, record_length - 4);
  Bytes out(decompressed_size);
  z_stream z{};
  REQUIRE(inflateInit(&z) == Z_OK);
  z.next_in = const_cast<Bytef*>(compressed.data());
  z.avail_in = static_cast<uInt>(compressed.size());
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  // This sample's stream lacks its Adler-32 trailer, so inflate stops short of Z_STREAM_END.
  inflate(&z, Z_SYNC_FLUSH);
  const std::size_t produced = out.size() - z.avail_out;
  inflateEnd(&z);
  REQUIRE(produced == decompressed_size);
  return out;
}

TEST_CASE("The VBA project PowerPoint embeds holds Module1 with its Action_Click macro") {
  auto data =
      ReadFileBounded("../shared/corpora/oletools-tests/tests/test-data/olevba/sample_with_vba.ppt",
                      64u << 20);
  REQUIRE(data.has_value());
  auto ppt = CompoundFile::Open(*data);
  REQUIRE(ppt.has_value());
  auto document = ppt->ReadStream("PowerPoint Document");
  REQUIRE(document.has_value());
  CHECK(document->size() == 43425);
  const Bytes storage = UnpackPptVbaStorage(*document);

  auto cf = CompoundFile::Open(storage);
  REQUIRE(cf.has_value());
  CHECK(cf->Find("VBA/dir") != nullptr);
  CHECK(cf->Find("PROJECTwm") != nullptr);
  auto projects = ExtractVba(*cf);
  REQUIRE(projects.has_value());
  REQUIRE(projects->size() == 1);
  const VbaProject& project = projects->front();
  CHECK(project.anomalies.empty());
  CHECK(project.storage_path.empty());  // the VBA storage sits at the root
  REQUIRE(project.modules.size() == 1);
  const VbaModule& module = project.modules.front();
  CHECK(module.name == "Module1");
  CHECK(module.stream_name == "Module1");
  CHECK(module.source.find("Sub Action_Click()\r\n  MsgBox \"The action button clicked!\"\r\nEnd Sub") !=
        std::string::npos);
  CHECK(module.pcode_size > 0);
}

}  // namespace
}  // namespace kensa::ole
