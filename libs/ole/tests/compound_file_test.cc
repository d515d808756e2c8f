#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "kensa/core/file.h"
#include "kensa/ole/compound_file.h"
#include "kensa/ole/summary_information.h"
#include "kensa/ole/vba.h"

namespace kensa::ole {
namespace {

const std::string kOletools = "../shared/corpora/oletools-tests/tests/test-data/";
const std::string kPlasoDoc = "../shared/corpora/plaso-test-data/test_data/Document.doc";

Bytes Load(const std::string& path) {
  auto bytes = ReadFileBounded(path, 64u << 20);
  REQUIRE(bytes.has_value());
  return std::move(bytes).value();
}

bool HasAnomaly(const std::vector<analysis::v1::Anomaly>& anomalies, const std::string& code) {
  return std::any_of(anomalies.begin(), anomalies.end(),
                     [&](const analysis::v1::Anomaly& a) { return a.code() == code; });
}

std::vector<std::string> Paths(const CompoundFile& cf) {
  std::vector<std::string> paths;
  for (const auto& e : cf.entries()) paths.push_back(e.path);
  return paths;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST_CASE("A Word 2010 document lists its streams, storages and the Word CLSID") {
  const Bytes data = Load(kPlasoDoc);
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  CHECK(cf->major_version() == 3);
  CHECK(cf->sector_size() == 512);
  CHECK(cf->anomalies().empty());
  // olefile lists 9 streams and storages under the root.
  REQUIRE(cf->entries().size() == 10);
  const DirectoryEntry& root = cf->entries().front();
  CHECK(root.type == EntryType::kRoot);
  CHECK(root.name == "Root Entry");
  CHECK(root.clsid == "00020906-0000-0000-c000-000000000046");
  CHECK(FiletimeToUnixSeconds(root.modification_time) == 1368671389);  // 2013-05-16 02:29:49
  const auto paths = Paths(*cf);
  CHECK(Contains(paths, "WordDocument"));
  CHECK(Contains(paths, "1Table"));
  CHECK(Contains(paths, "\x01" "CompObj"));
  CHECK(Contains(paths, "MsoDataStore"));
  const DirectoryEntry* table = cf->Find("1table");  // case-insensitive
  REQUIRE(table != nullptr);
  CHECK(table->size == 42656);
  CHECK(table->type == EntryType::kStream);
  auto word = cf->ReadStream("WordDocument");
  REQUIRE(word.has_value());
  REQUIRE(word->size() == 4096);
  CHECK(ReadLe<std::uint16_t>(*word, 0) == 0xA5EC);  // [MS-DOC] FIB wIdent
  // Under the 4096-byte cutoff: read through the MiniFAT and the mini stream.
  auto comp_obj = cf->ReadStream("/\x01" "CompObj");
  REQUIRE(comp_obj.has_value());
  CHECK(comp_obj->size() == 114);
  // [MS-OLEDS] 2.3.7 CompObjHeader: Reserved1 is 0xFFFE0001.
  CHECK(ReadLe<std::uint32_t>(*comp_obj, 0) == 0xFFFE0001u);
  CHECK(cf->ReadStream("NoSuchStream").error().code() == StatusCode::kNotFound);
  CHECK(cf->ReadStream("MsoDataStore").error().code() == StatusCode::kNotFound);  // a storage
}

TEST_CASE("Document.doc metadata: author, last saved by, title, template, company, times") {
  const Bytes data = Load(kPlasoDoc);
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  std::vector<analysis::v1::Anomaly> anomalies;
  const DocumentMetadata meta = ReadDocumentMetadata(*cf, &anomalies);
  CHECK(anomalies.empty());
  CHECK(meta.has_summary_information);
  CHECK(meta.has_document_summary_information);
  CHECK(meta.code_page == 1252);
  CHECK(meta.title == "Table of Context");
  CHECK(meta.author == "DAVID NIDES");
  CHECK(meta.last_saved_by == "Nides");
  CHECK(meta.template_name == "Normal.dotm");
  CHECK(meta.application_name == "Microsoft Office Word");
  CHECK(meta.company == "KPMG");
  CHECK(FiletimeToUnixSeconds(meta.created) == 1355164680);     // 2012-12-10 18:38:00 UTC
  CHECK(FiletimeToUnixSeconds(meta.last_saved) == 1368671340);  // 2013-05-16 02:29:00 UTC
}

TEST_CASE("encrypted.doc is a plain compound file whose Word stream says it is encrypted") {
  const Bytes data = Load(kOletools + "encrypted/encrypted.doc");
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  CHECK(cf->anomalies().empty());
  const auto paths = Paths(*cf);
  CHECK(Contains(paths, "WordDocument"));
  CHECK(Contains(paths, "1Table"));
  CHECK(Contains(paths, "\x05SummaryInformation"));
  CHECK(cf->entries().front().clsid == "00020906-0000-0000-c000-000000000046");
  auto word = cf->ReadStream("WordDocument");
  REQUIRE(word.has_value());
  CHECK(ReadLe<std::uint16_t>(*word, 0) == 0xA5EC);
  // [MS-DOC] 2.5.2 FibBase: fEncrypted is bit 8 of the flags word at offset 0x0A.
  const std::uint16_t flags = ReadLe<std::uint16_t>(*word, 0x0A).value_or(0);
  CHECK((flags & 0x0100) != 0);
  // Office encrypts the document streams, not the summary: the metadata is still readable.
  const DocumentMetadata meta = ReadDocumentMetadata(*cf);
  CHECK(meta.author == "user");
  CHECK(meta.template_name == "Normal.dotm");
  CHECK(FiletimeToUnixSeconds(meta.created) == 1539779220);  // 2018-10-17 12:27:00 UTC
  auto vba = ExtractVba(*cf);
  REQUIRE(vba.has_value());
  CHECK(vba->empty());
}

TEST_CASE("A Korean PowerPoint's author is converted from code page 949") {
  const Bytes data = Load(kOletools + "olevba/sample_with_vba.ppt");
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  const auto paths = Paths(*cf);
  CHECK(Contains(paths, "PowerPoint Document"));
  CHECK(Contains(paths, "Current User"));
  const DocumentMetadata meta = ReadDocumentMetadata(*cf);
  CHECK(meta.code_page == 949);
  CHECK(meta.title == "PPT VBA TEST");
  CHECK(meta.author == "\xEA\xB9\x80 \xEA\xB8\xB0\xEC\xA0\x95");  // U+AE40 ' ' U+AE30 U+C815
  CHECK(meta.application_name == "Microsoft Office PowerPoint");
  // PowerPoint keeps its VBA project zlib-compressed inside a record of the
  // "PowerPoint Document" stream ([MS-PPT] 2.10.42), not as OLE storages.
  auto vba = ExtractVba(*cf);
  REQUIRE(vba.has_value());
  CHECK(vba->empty());
}

struct CorpusFact {
  const char* file;
  std::size_t entries;     // olefile's listdir(streams, storages) plus the root
  const char* root_clsid;  // the application that wrote it
  const char* stream;      // one stream
  std::uint64_t stream_size;
};

TEST_CASE("oletools' OLE2 samples list the entries, CLSIDs and stream sizes olefile reports") {
  const CorpusFact facts[] = {
      {"oleobj/sample_with_calc_embedded.doc", 12, "00020906-0000-0000-c000-000000000046",
       "ObjectPool/_1572084892/\x01" "CompObj", 76},
      {"oleobj/sample_with_lnk_file.doc", 11, "00020906-0000-0000-c000-000000000046",
       "ObjectPool/_1573545115/\x01" "Ole10Native", 1490},
      {"msodde/harmless-clean.doc", 6, "00020906-0000-0000-c000-000000000046", "1Table", 7442},
      {"excel4-macros/excel4_sample_macro.xls", 4, "00020820-0000-0000-c000-000000000046",
       "Workbook", 16013},
      {"excel4-macros/excel4_sample_macro_excel5_format.xls", 4,
       "00020810-0000-0000-c000-000000000046", "Book", 7870},
      {"oleobj/embedded-simple-2007.xls", 8, "00020820-0000-0000-c000-000000000046",
       "MBD0009CF7B/\x01" "Ole10Native", 441},
      {"oleobj/embedded-simple-2007.ppt", 6, "64818d10-4f9b-11cf-86ea-00aa00b929e8",
       "PowerPoint Document", 37636},
  };
  for (const CorpusFact& fact : facts) {
    INFO(fact.file);
    const Bytes data = Load(kOletools + fact.file);
    auto cf = CompoundFile::Open(data);
    REQUIRE(cf.has_value());
    CHECK(cf->anomalies().empty());
    CHECK(cf->entries().size() == fact.entries);
    CHECK(cf->entries().front().clsid == fact.root_clsid);
    const DirectoryEntry* e = cf->Find(fact.stream);
    REQUIRE(e != nullptr);
    CHECK(e->size == fact.stream_size);
    auto bytes = cf->ReadStream(fact.stream);
    REQUIRE(bytes.has_value());
    CHECK(bytes->size() == fact.stream_size);
    auto vba = ExtractVba(*cf);
    REQUIRE(vba.has_value());
    CHECK(vba->empty());
  }
}

TEST_CASE("Data that is not a compound file is an error, not an anomaly") {
  const Bytes short_data(100, 0xD0);
  CHECK(CompoundFile::Open(short_data).error().code() == StatusCode::kInvalidArgument);
  Bytes zeros(4096, 0);
  CHECK(CompoundFile::Open(zeros).error().code() == StatusCode::kInvalidArgument);
}

TEST_CASE("Every 512-byte prefix of a real .doc opens or fails without crashing") {
  const Bytes data = Load(kPlasoDoc);
  std::size_t opened = 0;
  for (std::size_t length = 0; length <= data.size(); length += 512) {
    const ByteSpan prefix(data.data(), length);
    auto cf = CompoundFile::Open(prefix);
    if (!cf) continue;
    ++opened;
    for (const auto& e : cf->entries()) {
      if (e.type == EntryType::kStream) (void)cf->ReadEntry(e);
    }
    (void)ReadDocumentMetadata(*cf);
    REQUIRE(ExtractVba(*cf).has_value());
    if (length < data.size()) CHECK_FALSE(cf->anomalies().empty());
  }
  CHECK(opened == data.size() / 512);  // every prefix from 512 bytes on has a header
}

TEST_CASE("A FAT chain that loops back is reported as ole_fat_chain_loop") {
  // A minimal v3 file: header, one FAT sector (sector 0), one directory sector (sector 1) whose
  // FAT entry points back to itself.
  Bytes data(512 * 3, 0);
  const std::uint8_t sig[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  std::copy(std::begin(sig), std::end(sig), data.begin());
  auto put16 = [&](std::size_t off, std::uint16_t v) {
    data[off] = static_cast<std::uint8_t>(v);
    data[off + 1] = static_cast<std::uint8_t>(v >> 8);
  };
  auto put32 = [&](std::size_t off, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) data[off + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put16(24, 0x3E);
  put16(26, 3);
  put16(28, 0xFFFE);
  put16(30, 9);
  put16(32, 6);
  put32(44, 1);           // one FAT sector
  put32(48, 1);           // directory at sector 1
  put32(56, 4096);
  put32(60, 0xFFFFFFFE);  // no MiniFAT
  put32(68, 0xFFFFFFFE);  // no DIFAT sectors
  put32(76, 0);           // FAT sector 0
  for (std::size_t i = 1; i < 109; ++i) put32(76 + 4 * i, 0xFFFFFFFF);
  // FAT: sector 0 is a FAT sector, sector 1 loops to itself.
  for (std::size_t i = 0; i < 128; ++i) put32(512 + 4 * i, 0xFFFFFFFF);
  put32(512, 0xFFFFFFFD);
  put32(516, 1);
  // Directory entry 0: "R" root, no children.
  const std::size_t dir = 1024;
  put16(dir, 'R');
  put16(dir + 64, 4);
  data[dir + 66] = 5;
  put32(dir + 68, 0xFFFFFFFF);
  put32(dir + 72, 0xFFFFFFFF);
  put32(dir + 76, 0xFFFFFFFF);
  put32(dir + 116, 0xFFFFFFFE);
  for (std::size_t e = 1; e < 4; ++e) {
    put32(dir + 128 * e + 68, 0xFFFFFFFF);
    put32(dir + 128 * e + 72, 0xFFFFFFFF);
    put32(dir + 128 * e + 76, 0xFFFFFFFF);
  }
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  CHECK(HasAnomaly(cf->anomalies(), "ole_fat_chain_loop"));
  REQUIRE(cf->entries().size() == 1);
  CHECK(cf->entries().front().name == "R");

  // A child link back to the root is a directory loop, not an endless walk.
  put32(dir + 76, 0);
  auto looped = CompoundFile::Open(data);
  REQUIRE(looped.has_value());
  CHECK(HasAnomaly(looped->anomalies(), "ole_directory_loop"));
  CHECK(looped->entries().size() == 1);
}

TEST_CASE("WithStreamContents rewrites a mini stream and a FAT stream in place, nothing else") {
  const Bytes data = Load(kPlasoDoc);
  auto cf = CompoundFile::Open(data);
  REQUIRE(cf.has_value());
  for (const std::string path : {"\x05SummaryInformation", "WordDocument"}) {
    INFO(path);
    auto original = cf->ReadStream(path);
    REQUIRE(original.has_value());
    Bytes reversed(original->rbegin(), original->rend());
    auto rewritten = cf->WithStreamContents(path, reversed);
    REQUIRE(rewritten.has_value());
    REQUIRE(rewritten->size() == data.size());
    auto reopened = CompoundFile::Open(*rewritten);
    REQUIRE(reopened.has_value());
    CHECK(reopened->ReadStream(path).value() == reversed);
    // Every other stream reads as before.
    for (const auto& entry : cf->entries()) {
      if (entry.type != EntryType::kStream || entry.path == path) continue;
      CHECK(reopened->ReadStream(entry.path).value() == cf->ReadStream(entry.path).value());
    }
    // Only the stream's own bytes changed.
    std::size_t changed = 0;
    for (std::size_t i = 0; i < data.size(); ++i) changed += data[i] != (*rewritten)[i] ? 1u : 0u;
    CHECK(changed <= original->size());
  }
  CHECK(cf->WithStreamContents("WordDocument", Bytes(3)).error().code() ==
        StatusCode::kInvalidArgument);
  CHECK(cf->WithStreamContents("NoSuchStream", Bytes(3)).error().code() == StatusCode::kNotFound);
}

}  // namespace
}  // namespace kensa::ole
