// Encrypted OLE2 documents and OLE Package objects through the whole static stage: the method
// and password kind in StaticResult.office, the decrypted document and packaged files as
// children (analyzed again here as the pipeline would), the anomalies and the signatures of
// rules/signatures/offcrypto.yaml.
#include <zlib.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/ole/compound_file.h"
#include "kensa/ole/powerpoint.h"
#include "kensa/static_analysis/static_analyzer.h"
#include "kensa/test_support/office_xor.h"

namespace kensa::static_analysis {
namespace {

const std::string kEncrypted = "../shared/corpora/oletools-tests/tests/test-data/encrypted/";
const std::string kOleObj = "../shared/corpora/oletools-tests/tests/test-data/oleobj/";

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

struct Analyzed {
  analysis::v1::StaticResult result;
  std::vector<ExtractedChild> children;
};

Analyzed AnalyzeFile(const std::string& path, const std::vector<std::string>& passwords = {}) {
  auto data = ReadFileBounded(path, 16u << 20);
  REQUIRE(data);
  Analyzed out;
  const std::string name = path.substr(path.find_last_of('/') + 1);
  auto result = Analyzer().Analyze(*data, name, AnalyzeOptions{passwords}, &out.children);
  REQUIRE(result);
  out.result = std::move(*result);
  return out;
}

Analyzed AnalyzeChild(const ExtractedChild& child) {
  Analyzed out;
  auto result = Analyzer().Analyze(child.data, child.info.name(), AnalyzeOptions{}, &out.children);
  REQUIRE(result);
  out.result = std::move(*result);
  return out;
}

const analysis::v1::Anomaly* FindAnomaly(const analysis::v1::StaticResult& result,
                                         const std::string& code) {
  for (const auto& anomaly : result.anomalies()) {
    if (anomaly.code() == code) return &anomaly;
  }
  return nullptr;
}

bool HasSignature(const analysis::v1::StaticResult& result, const std::string& name) {
  return std::any_of(result.signatures().begin(), result.signatures().end(),
                     [&](const auto& signature) { return signature.name() == name; });
}

const ExtractedChild* ChildFrom(const Analyzed& analyzed, const std::string& origin) {
  for (const auto& child : analyzed.children) {
    if (child.info.origin() == origin) return &child;
  }
  return nullptr;
}

bool HasVbaFinding(const analysis::v1::StaticResult& result, const std::string& kind,
                   const std::string& keyword) {
  for (const auto& module : result.office().vba_modules()) {
    for (const auto& finding : module.findings()) {
      if (finding.kind() == kind && finding.keyword() == keyword) return true;
    }
  }
  return false;
}

TEST_CASE("an agile xlsm with Excel's default password becomes its plain xlsm, macros and all") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "autostart-encrypt-standardpassword.xlsm");
  const auto& office = analyzed.result.office();
  CHECK(office.encrypted());
  CHECK(office.encryption_method() == "agile");
  CHECK(office.encryption_detail() == "AES-128-CBC SHA1 spinCount 100000");
  CHECK(office.decrypted());
  CHECK(office.password_kind() == "default");
  const auto* anomaly = FindAnomaly(analyzed.result, "office_default_password");
  REQUIRE(anomaly != nullptr);
  CHECK(anomaly->detail() ==
        "agile (AES-128-CBC SHA1 spinCount 100000) opened with Excel's built-in password "
        "VelvetSweatshop");
  CHECK(HasSignature(analyzed.result, "office_default_password"));
  CHECK(HasSignature(analyzed.result, "office_encrypted"));
  CHECK_FALSE(HasSignature(analyzed.result, "office_password_unknown"));

  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.name() == "decrypted-autostart-encrypt-standardpassword.xlsm");
  CHECK(child->info.password_used() == "VelvetSweatshop");
  CHECK(child->info.sha256() ==
        "027079190edb95f58efcaeee96245cd5a748d3f659252a536293fadbc9140efb");
  REQUIRE(analyzed.result.extracted_files_size() == 1);
  CHECK(analyzed.result.extracted_files(0).sha256() == child->info.sha256());

  // The child is the plain workbook: OOXML with its Auto_Open macro.
  const Analyzed plain = AnalyzeChild(*child);
  CHECK(plain.result.sample().file_type().format() == "ooxml");
  CHECK(HasVbaFinding(plain.result, "auto_exec", "Auto_Open"));
  CHECK(HasSignature(plain.result, "vba_auto_exec"));
}

TEST_CASE("an RC4 xls with the default password decrypts to a workbook the office analyzer reads") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "dde-test-encrypt-standardpassword.xls");
  CHECK(analyzed.result.office().encryption_method() == "rc4");
  CHECK(analyzed.result.office().encryption_detail() == "RC4-128 MD5");
  CHECK(analyzed.result.office().password_kind() == "default");
  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.sha256() ==
        "560a61120073dd4418e66e7e4b3e46195bb94103d968919531c1da4d55aff2e8");
  const Analyzed plain = AnalyzeChild(*child);
  CHECK(plain.result.sample().file_type().format() == "ole2");
  CHECK_FALSE(plain.result.office().encrypted());
  CHECK(FindAnomaly(plain.result, "office_encrypted") == nullptr);
  CHECK(plain.children.empty());
  // What the encryption hid: the DDE formula in a cell, read by the XLM analyzer.
  const auto* dde = FindAnomaly(plain.result, "cell_dde_command");
  REQUIRE(dde != nullptr);
  CHECK(dde->detail() == "SUPBOOK: cmd|'/c calc.exe'!A1");
}

TEST_CASE("an XOR-obfuscated xls with the default password hides an Excel 4.0 macro its child shows") {
  // The 2020 droppers' shape: XOR obfuscation with VelvetSweatshop (key 0xB359, verifier 0x9A0A,
  // the FilePass bytes signature-base's rule matches) over a workbook with a macro sheet.
  auto data = ReadFileBounded("../shared/corpora/oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xls",
                              16u << 20);
  REQUIRE(data);
  const Bytes file = test_support::XorObfuscateWorkbook(
      test_support::WorkbookWithXorFilePass(*data, 0xB359, 0x9A0A), "VelvetSweatshop", 0xB359);
  Analyzed analyzed;
  auto result = Analyzer().Analyze(file, "invoice.xls", AnalyzeOptions{}, &analyzed.children);
  REQUIRE(result);
  analyzed.result = std::move(*result);
  const auto& office = analyzed.result.office();
  CHECK(office.encryption_method() == "xor");
  CHECK(office.encryption_detail() == "XOR obfuscation (Method 1)");
  CHECK(office.password_kind() == "default");
  const auto* anomaly = FindAnomaly(analyzed.result, "office_default_password");
  REQUIRE(anomaly != nullptr);
  CHECK(anomaly->detail() ==
        "xor (XOR obfuscation (Method 1)) opened with Excel's built-in password VelvetSweatshop");
  CHECK(HasSignature(analyzed.result, "office_default_password"));
  // Obfuscated, the macro sheet's formulas are not read.
  CHECK(analyzed.result.xlm().formulas_size() == 0);

  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.name() == "decrypted-invoice.xls");
  const Analyzed plain = AnalyzeChild(*child);
  CHECK_FALSE(plain.result.office().encrypted());
  REQUIRE(plain.result.xlm().formulas_size() == 2);
  CHECK(plain.result.xlm().formulas(0).formula() == "=ALERT(\"This is a sample Excel 4 macro\")");
  CHECK(FindAnomaly(plain.result, "xlm_auto_open") != nullptr);
}

TEST_CASE("an agile xlsx with the default password hides a DDE link its child shows") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "dde-test-encrypt-standardpassword.xlsx");
  CHECK(analyzed.result.office().password_kind() == "default");
  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.sha256() ==
        "4a84abb8fb172f556440e50e8eb9d97f3916d57a77ba1235d688f5fdfa8a2c2e");
  const Analyzed plain = AnalyzeChild(*child);
  const auto* dde = FindAnomaly(plain.result, "ooxml_dde_field");
  REQUIRE(dde != nullptr);
  CHECK(dde->detail() == "xl/externalLinks/externalLink1.xml: cmd /c calc.exe");
}

TEST_CASE("a submitted password opens a docx the default list cannot") {
  const Analyzed unknown = AnalyzeFile(kEncrypted + "encrypted.docx");
  CHECK(unknown.result.office().encryption_method() == "agile");
  CHECK_FALSE(unknown.result.office().decrypted());
  CHECK(unknown.children.empty());
  const auto* anomaly = FindAnomaly(unknown.result, "office_password_unknown");
  REQUIRE(anomaly != nullptr);
  // The default password and the 18 of rules/archive/passwords.txt.
  CHECK(anomaly->detail() ==
        "agile (AES-128-CBC SHA1 spinCount 100000): 19 passwords tried, none verified");
  CHECK(HasSignature(unknown.result, "office_password_unknown"));

  const Analyzed opened = AnalyzeFile(kEncrypted + "encrypted.docx", {"encrypted"});
  CHECK(opened.result.office().password_kind() == "submitted");
  CHECK(FindAnomaly(opened.result, "office_default_password") == nullptr);
  const ExtractedChild* child = ChildFrom(opened, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.password_used() == "encrypted");
  CHECK(child->info.sha256() ==
        "7872a03a046ba2bb9807c78a8f00d730e03213f7b4848feb3e8af3d22a9cd212");
  CHECK(AnalyzeChild(*child).result.sample().file_type().format() == "ooxml");
}

TEST_CASE("a Word RC4 document decrypts with the submitted password to a plain .doc") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "encrypted.doc", {"encrypted"});
  CHECK(analyzed.result.office().encryption_method() == "rc4");
  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  const Analyzed plain = AnalyzeChild(*child);
  CHECK_FALSE(plain.result.office().encrypted());
  CHECK(plain.result.office().encryption_method().empty());
}

TEST_CASE("an encrypted presentation decrypts to a plain .ppt child showing its slide text") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "encrypted.ppt", {"encrypted"});
  const auto& office = analyzed.result.office();
  CHECK(office.encrypted());
  CHECK(office.encryption_method() == "rc4_cryptoapi");
  CHECK(office.decrypted());
  CHECK(office.password_kind() == "submitted");
  CHECK(FindAnomaly(analyzed.result, "office_encrypted") != nullptr);
  CHECK(FindAnomaly(analyzed.result, "office_encryption_not_decrypted") == nullptr);
  const ExtractedChild* child = ChildFrom(analyzed, "office decrypted");
  REQUIRE(child != nullptr);
  CHECK(child->info.name() == "decrypted-encrypted.ppt");
  CHECK(child->info.password_used() == "encrypted");
  // What msoffcrypto-tool 6.1 writes for this file and password, byte for byte.
  CHECK(child->info.sha256() == "c886415d1ee81449ce6db2796bc3337bc065a20cd2deec24aa0b4393cd756287");
  const std::string text(child->data.begin(), child->data.end());
  CHECK(text.find("Encrypted Test File") != std::string::npos);  // the slide's title
  const Analyzed plain = AnalyzeChild(*child);
  CHECK(plain.result.sample().file_type().format() == "ole2");
  CHECK_FALSE(plain.result.office().encrypted());
  CHECK(plain.result.office().vba_modules().empty());  // olevba: "No VBA or XLM macros found"
  CHECK(plain.children.empty());
}

TEST_CASE("an encrypted presentation without its password is reported, not decrypted") {
  const Analyzed analyzed = AnalyzeFile(kEncrypted + "encrypted.ppt");
  CHECK(analyzed.result.office().encryption_method() == "rc4_cryptoapi");
  CHECK_FALSE(analyzed.result.office().decrypted());
  CHECK(FindAnomaly(analyzed.result, "office_password_unknown") != nullptr);
  CHECK(analyzed.children.empty());
}

TEST_CASE("a presentation's macros raise the VBA signatures as a document's do") {
  const Analyzed analyzed =
      AnalyzeFile("../shared/corpora/oletools-tests/tests/test-data/olevba/sample_with_vba.ppt");
  REQUIRE(analyzed.result.office().vba_modules_size() == 1);
  CHECK(analyzed.result.office().vba_modules(0).name() == "Module1");
  CHECK(HasSignature(analyzed.result, "vba_macros_present"));
  CHECK(analyzed.children.empty());  // the VBA storage is read in place, not a child
}

TEST_CASE("an OLE Package in a presentation's ExOleObjStg comes out as a child as in Word") {
  struct Case {
    const char* file;
    const char* label;
    const char* source_path;
    const char* sha256;
  };
  // oleobj 0.60.1: "Filename", "Source path", and the sha256 of the file it saves; the slide
  // show (.pps) and template (.pot) are the same binary format.
  const std::string lnk_sha256 = "d8019f6968282b9eef712acb82920fd6446e28ac6684b443b5e48be0c79414ea";
  const std::string txt_sha256 = "9f22a87fe03ff19221a122dd782889ff0fc1eb3096801363c6a2a8cda57df3e3";
  const char* lnk_path = "C:\\Users\\user\\Desktop\\calc.lnk";
  const char* txt_path = "C:\\Users\\user\\Documents\\simple-text-file.txt";
  for (const Case& c :
       {Case{"sample_with_lnk_file.ppt", "calc.lnk", lnk_path, lnk_sha256.c_str()},
        Case{"sample_with_lnk_file.pps", "calc.lnk", lnk_path, lnk_sha256.c_str()},
        Case{"embedded-simple-2007.ppt", "simple-text-file.txt", txt_path, txt_sha256.c_str()},
        Case{"embedded-simple-2007.pps", "simple-text-file.txt", txt_path, txt_sha256.c_str()},
        Case{"embedded-simple-2007.pot", "simple-text-file.txt", txt_path, txt_sha256.c_str()}}) {
    INFO(c.file);
    const Analyzed analyzed = AnalyzeFile(kOleObj + c.file);
    const auto& office = analyzed.result.office();
    REQUIRE(office.packages_size() == 1);
    CHECK(office.packages(0).storage_path() == "PowerPoint Document/ExOleObjStg 2");
    CHECK(office.packages(0).label() == c.label);
    CHECK(office.packages(0).source_path() == c.source_path);
    CHECK(office.packages(0).sha256() == c.sha256);
    REQUIRE(office.embedded_objects_size() == 1);
    CHECK(office.embedded_objects(0).storage_path() == "PowerPoint Document/ExOleObjStg 2");
    CHECK(office.embedded_objects(0).prog_id() == "Package");
    CHECK(office.embedded_objects(0).clsid() == "0003000c-0000-0000-c000-000000000046");
    REQUIRE(analyzed.children.size() == 1);
    CHECK(analyzed.children[0].info.origin() == "ole package");
    CHECK(analyzed.children[0].info.name() == c.label);
    CHECK(analyzed.children[0].info.sha256() == c.sha256);
    CHECK(FindAnomaly(analyzed.result, "ole_package_object") != nullptr);
  }
  // A shortcut is one of the extensions that run when the icon is double-clicked.
  CHECK(FindAnomaly(AnalyzeFile(kOleObj + "sample_with_lnk_file.ppt").result,
                    "ole_package_executable") != nullptr);
}

// No sample in the corpora embeds anything but a Package in a .ppt; this one is made from
// sample_with_lnk_file.ppt by renaming the object's \1Ole10Native stream, so the storage is
// an object with no packaged file: the unpacked compound file itself is the child.
TEST_CASE("a presentation's embedded object that is no package is a child compound file") {
  auto data = ReadFileBounded(kOleObj + "sample_with_lnk_file.ppt", 16u << 20);
  REQUIRE(data);
  auto file = ole::CompoundFile::Open(*data);
  REQUIRE(file);
  const ole::PptStorages storages = ole::ReadPptStorages(*file);
  REQUIRE(storages.storages.size() == 1);
  Bytes inner = storages.storages[0].data;
  const std::string native("N\0a\0t\0i\0v\0e\0", 12);
  // The name is in the directory and in a stale copy of it: rename both ("\1Ole10NativX").
  std::size_t renamed = 0;
  for (auto at = std::search(inner.begin(), inner.end(), native.begin(), native.end());
       at != inner.end(); at = std::search(at + 1, inner.end(), native.begin(), native.end())) {
    *(at + 10) = 'X';
    ++renamed;
  }
  REQUIRE(renamed == 2);
  uLongf packed_size = compressBound(static_cast<uLong>(inner.size()));
  Bytes packed(packed_size);
  REQUIRE(compress2(packed.data(), &packed_size, inner.data(), static_cast<uLong>(inner.size()),
                    Z_BEST_COMPRESSION) == Z_OK);
  auto stream = file->ReadStream("PowerPoint Document");
  REQUIRE(stream);
  const std::uint64_t record = storages.storages[0].offset;
  const std::uint32_t body_length = ReadLe<std::uint32_t>(*stream, record + 4).value_or(0);
  // The new zlib data fits the old record; what is left of the old data follows its end.
  REQUIRE(packed_size <= body_length - 4);
  std::copy_n(packed.begin(), packed_size,
              stream->begin() + static_cast<std::ptrdiff_t>(record + 12));
  auto changed = file->WithStreamContents("PowerPoint Document", *stream);
  REQUIRE(changed);

  Analyzed analyzed;
  auto result = Analyzer().Analyze(*changed, "object.ppt", AnalyzeOptions{}, &analyzed.children);
  REQUIRE(result);
  const auto& office = result->office();
  CHECK(office.packages().empty());
  REQUIRE(office.embedded_objects_size() == 1);
  CHECK(office.embedded_objects(0).storage_path() == "PowerPoint Document/ExOleObjStg 2");
  CHECK(office.embedded_objects(0).prog_id() == "Package");
  REQUIRE(analyzed.children.size() == 1);
  const ExtractedChild& child = analyzed.children[0];
  CHECK(child.info.origin() == "embedded object");
  CHECK(child.info.name() == "Package-2.bin");
  CHECK(child.data == inner);
  CHECK(child.info.sha256() == hashing::Sha256Hex(inner));
}

TEST_CASE("a packaged calc.exe comes out as a child with its names, and an executable finding") {
  const Analyzed analyzed = AnalyzeFile(kOleObj + "sample_with_calc_embedded.doc");
  const auto& office = analyzed.result.office();
  REQUIRE(office.packages_size() == 1);
  const auto& package = office.packages(0);
  CHECK(package.storage_path() == "ObjectPool/_1572084892");
  CHECK(package.label() == "calc.exe");
  CHECK(package.source_path() == "C:\\Windows\\System32\\calc.exe");
  // The Packager's unicode copy wins; the ANSI one was edited to "xxxxx" in this sample.
  CHECK(package.temp_path() == "C:\\Users\\samir\\AppData\\Local\\Temp\\calc (2).exe");
  CHECK(package.size() == 31232);
  CHECK(package.sha256() == "c74f41325775de4777000161a057342cc57a04e8b7be17b06576412eff574dc5");
  const auto* executable = FindAnomaly(analyzed.result, "ole_package_executable");
  REQUIRE(executable != nullptr);
  CHECK(executable->detail() ==
        "ObjectPool/_1572084892: calc.exe (a PE program), dropped to "
        "C:\\Users\\samir\\AppData\\Local\\Temp\\calc (2).exe");
  CHECK(HasSignature(analyzed.result, "ole_package_executable"));
  CHECK(HasSignature(analyzed.result, "ole_package_object"));
  const ExtractedChild* child = ChildFrom(analyzed, "ole package");
  REQUIRE(child != nullptr);
  CHECK(child->info.name() == "calc.exe");
  CHECK(hashing::Md5Hex(child->data) == "40e85286357723f326980a3b30f84e4f");
  CHECK(AnalyzeChild(*child).result.sample().file_type().format() == "pe");

  // The Package object's own storage: CLSID and ProgID from \1CompObj.
  const auto& objects = office.embedded_objects();
  const auto object = std::find_if(objects.begin(), objects.end(), [](const auto& o) {
    return o.storage_path() == "ObjectPool/_1572084892";
  });
  REQUIRE(object != objects.end());
  CHECK(object->clsid() == "0003000c-0000-0000-c000-000000000046");
  CHECK(object->prog_id() == "Package");
}

TEST_CASE("a packaged shortcut is an executable package and its child is an LNK") {
  const Analyzed analyzed = AnalyzeFile(kOleObj + "sample_with_lnk_file.doc");
  REQUIRE(analyzed.result.office().packages_size() == 1);
  CHECK(analyzed.result.office().packages(0).label() == "calc.lnk");
  CHECK(FindAnomaly(analyzed.result, "ole_package_executable") != nullptr);
  const ExtractedChild* child = ChildFrom(analyzed, "ole package");
  REQUIRE(child != nullptr);
  CHECK(hashing::Md5Hex(child->data) == "6aedb1a876d4ad5236f1fbbbeb7274f3");
  CHECK(AnalyzeChild(*child).result.sample().file_type().format() == "lnk");
}

TEST_CASE("a packaged text file is a package object but not an executable one") {
  const Analyzed analyzed = AnalyzeFile(kOleObj + "embedded-unicode.doc");
  REQUIRE(analyzed.result.office().packages_size() == 1);
  CHECK(analyzed.result.office().packages(0).label() == "ünicöde-수식끝이잘못되었습니다.txt");
  CHECK(FindAnomaly(analyzed.result, "ole_package_object") != nullptr);
  CHECK(FindAnomaly(analyzed.result, "ole_package_executable") == nullptr);
  const ExtractedChild* child = ChildFrom(analyzed, "ole package");
  REQUIRE(child != nullptr);
  CHECK(hashing::Md5Hex(child->data) == "264397735b6f09039ba0adf0dc9fb942");
}

// Found by offcrypto_fuzz in CI: an ExOleObjStg holding a compound file that opens but has no
// directory entry (its directory chain ends at once) had its missing root entry read for the
// object's CLSID. Made here from sample_with_lnk_file.ppt with the storage replaced by a bare
// 512-byte header of that shape.
TEST_CASE("a presentation object whose compound file has no directory entry is listed without a CLSID") {
  auto data = ReadFileBounded(kOleObj + "sample_with_lnk_file.ppt", 16u << 20);
  REQUIRE(data);
  auto file = ole::CompoundFile::Open(*data);
  REQUIRE(file);
  const ole::PptStorages storages = ole::ReadPptStorages(*file);
  REQUIRE(storages.storages.size() == 1);

  Bytes inner(512, 0);
  const std::uint8_t signature[] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
  std::copy(std::begin(signature), std::end(signature), inner.begin());
  auto put16 = [&](std::size_t at, std::uint16_t v) {
    inner[at] = static_cast<std::uint8_t>(v);
    inner[at + 1] = static_cast<std::uint8_t>(v >> 8);
  };
  auto put32 = [&](std::size_t at, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) inner[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(v >> (8 * i));
  };
  put16(0x18, 0x3E);          // minor version
  put16(0x1A, 3);             // major version 3: 512-byte sectors
  put16(0x1C, 0xFFFE);        // byte order
  put16(0x1E, 9);             // sector shift
  put16(0x20, 6);             // mini sector shift
  put32(0x30, 0xFFFFFFFE);    // first directory sector: end of chain
  put32(0x38, 4096);          // mini stream cutoff
  put32(0x3C, 0xFFFFFFFE);    // first mini FAT sector
  put32(0x44, 0xFFFFFFFE);    // first DIFAT sector
  for (std::size_t at = 0x4C; at < 512; at += 4) put32(at, 0xFFFFFFFF);
  auto bare = ole::CompoundFile::Open(inner);
  REQUIRE(bare);
  CHECK(bare->entries().empty());

  uLongf packed_size = compressBound(static_cast<uLong>(inner.size()));
  Bytes packed(packed_size);
  REQUIRE(compress2(packed.data(), &packed_size, inner.data(), static_cast<uLong>(inner.size()), Z_BEST_COMPRESSION) ==
          Z_OK);
  auto stream = file->ReadStream("PowerPoint Document");
  REQUIRE(stream);
  const std::uint64_t record = storages.storages[0].offset;
  const std::uint32_t body_length = ReadLe<std::uint32_t>(*stream, record + 4).value_or(0);
  REQUIRE(packed_size <= body_length - 4);
  // The decompressed size ahead of the zlib data, then the new data.
  std::copy_n(packed.begin(), packed_size, stream->begin() + static_cast<std::ptrdiff_t>(record + 12));
  for (int i = 0; i < 4; ++i) {
    (*stream)[record + 8 + static_cast<std::uint64_t>(i)] = static_cast<std::uint8_t>(inner.size() >> (8 * i));
  }
  auto changed = file->WithStreamContents("PowerPoint Document", *stream);
  REQUIRE(changed);

  Analyzed analyzed;
  auto result = Analyzer().Analyze(*changed, "bare.ppt", AnalyzeOptions{}, &analyzed.children);
  REQUIRE(result);
  REQUIRE(result->office().embedded_objects_size() == 1);
  CHECK(result->office().embedded_objects(0).clsid().empty());
  CHECK(result->office().embedded_objects(0).prog_id() == "Package");
}

}  // namespace
}  // namespace kensa::static_analysis
