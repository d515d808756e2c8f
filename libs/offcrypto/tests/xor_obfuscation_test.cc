// XOR obfuscation ([MS-OFFCRYPTO] 2.3.7) of .xls and .doc. The key and verifier of Excel's
// default password come from a third party: the FilePass bytes signature-base's rule for the
// 2020 XOR-obfuscated Excel 4.0 droppers matches. The obfuscated fixtures are real Office files
// of the corpora obfuscated by tests/support's office_xor.h, an independent formulation of the
// same method; the workbook's plain form was also checked against msoffcrypto-tool 6.1 (a
// development oracle, not a dependency), which decrypts it to the same sha256 as below.
#include <catch2/catch.hpp>

#include <regex>
#include <string>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/offcrypto/offcrypto.h"
#include "kensa/ole/compound_file.h"
#include "kensa/test_support/office_xor.h"
#include "xor_obfuscation.h"

namespace kensa::offcrypto {
namespace {

const std::string kTestData = "../shared/corpora/oletools-tests/tests/test-data/";

Bytes Load(const std::string& path) {
  auto data = ReadFileBounded(path, 16u << 20);
  REQUIRE(data);
  return std::move(*data);
}

Bytes WorkbookStream(const Bytes& xls) {
  auto file = ole::CompoundFile::Open(xls);
  REQUIRE(file);
  auto book = file->ReadStream("Workbook");
  REQUIRE(book);
  return std::move(*book);
}

// What deobfuscation leaves of the FilePass record at offset 20 (after the 20-byte BOF): type 0
// and zeroed data, its size kept.
Bytes BlankedFilePass(Bytes book) {
  std::fill(book.begin() + 20, book.begin() + 22, 0);
  std::fill(book.begin() + 24, book.begin() + 30, 0);
  return book;
}

// The plain excel4_sample_macro.xls with a FilePass record for `password`, and its obfuscation.
struct XorWorkbook {
  Bytes plain;
  Bytes obfuscated;
};

XorWorkbook MakeXorWorkbook(const std::string& password) {
  const std::string bytes = internal::XorPasswordBytes(password);
  const std::uint16_t key = internal::XorKey(bytes);
  XorWorkbook out;
  out.plain = test_support::WorkbookWithXorFilePass(Load(kTestData + "excel4-macros/excel4_sample_macro.xls"),
                                                   key, internal::XorPasswordVerifier(bytes));
  out.obfuscated = test_support::XorObfuscateWorkbook(out.plain, bytes, key);
  return out;
}

TEST_CASE("the key and verifier of VelvetSweatshop are the FilePass bytes of real XOR droppers") {
  const Bytes rule_bytes =
      Load("../shared/corpora/yara-signature-base/yara/gen_excel_xor_obfuscation_velvetsweatshop.yar");
  const std::string rule(rule_bytes.begin(), rule_bytes.end());
  // $FilePass_XOR_Obfuscation_VelvetSweatshop = { 2F 00 06 00 00 00 <key> <verifier> }
  std::smatch match;
  REQUIRE(std::regex_search(rule, match,
                            std::regex(R"(\{ 2F 00 06 00 00 00 ([0-9A-F]{2}) ([0-9A-F]{2}) ([0-9A-F]{2}) ([0-9A-F]{2}) \})")));
  const auto byte = [&](std::size_t i) { return std::stoi(match[i].str(), nullptr, 16); };
  const std::string password = internal::XorPasswordBytes(std::string(kExcelDefaultPassword));
  CHECK(internal::XorKey(password) == (byte(1) | (byte(2) << 8)));
  CHECK(internal::XorPasswordVerifier(password) == (byte(3) | (byte(4) << 8)));
  CHECK(internal::XorKey(password) == 0xB359);
}

TEST_CASE("password bytes: the low byte of each UTF-16 unit, 15 at most") {
  CHECK(internal::XorPasswordBytes("infected") == "infected");
  CHECK(internal::XorPasswordBytes("0123456789abcdefgh") == "0123456789abcde");
  // U+3042 (あ) has a non-zero low byte, U+0100 has a zero one: its high byte is taken.
  CHECK(internal::XorPasswordBytes("\xE3\x81\x82\xC4\x80") == std::string("\x42\x01", 2));
  // No bytes: no key and an array of zeros (libFuzzer's first input read past the pad array).
  CHECK(internal::XorKey("") == 0);
  CHECK(internal::CreateXorArray("") == internal::XorArray{});
  // Past 15 bytes the rest is not used.
  CHECK(internal::CreateXorArray("0123456789abcdefXYZ") == internal::CreateXorArray("0123456789abcde"));
}

TEST_CASE("an XOR-obfuscated workbook with Excel's default password deobfuscates record by record") {
  const XorWorkbook fixture = MakeXorWorkbook(std::string(kExcelDefaultPassword));
  auto file = ole::CompoundFile::Open(fixture.obfuscated);
  REQUIRE(file);
  const Encryption encryption = DetectEncryption(*file);
  CHECK(encryption.method == Method::kXor);
  CHECK(encryption.where == "Workbook FilePass");
  CHECK(encryption.detail == "XOR obfuscation (Method 1)");
  // The macro sheet's formula is not readable while obfuscated.
  const Bytes obfuscated_book = WorkbookStream(fixture.obfuscated);
  const std::string hidden(obfuscated_book.begin(), obfuscated_book.end());
  CHECK(hidden.find("sample Excel 4 macro") == std::string::npos);

  const Decryption d = Decrypt(*file, {"infected", std::string(kExcelDefaultPassword)});
  REQUIRE(d.outcome == Outcome::kDecrypted);
  CHECK(d.password_index == 1);
  CHECK(d.passwords_tried == 2);
  // Every record as it was before the obfuscation, FilePass blanked as for RC4.
  const Bytes expected = BlankedFilePass(WorkbookStream(fixture.plain));
  const Bytes book = WorkbookStream(d.document);
  CHECK(book == expected);
  const std::string text(book.begin(), book.end());
  CHECK(text.find("sample Excel 4 macro") != std::string::npos);
  auto plain = ole::CompoundFile::Open(d.document);
  REQUIRE(plain);
  CHECK(DetectEncryption(*plain).method == Method::kNone);
  // msoffcrypto-tool -p VelvetSweatshop writes the same file.
  CHECK(hashing::Sha256Hex(d.document) == "fdc789efef9c7ad14ba1bf156bd2a3b658823a56c80906b2aac8d01f16993837");
}

TEST_CASE("an XOR workbook with its own password opens with it and not with another") {
  const XorWorkbook fixture = MakeXorWorkbook("s3cret!");
  auto file = ole::CompoundFile::Open(fixture.obfuscated);
  REQUIRE(file);
  const Decryption wrong = Decrypt(*file, {std::string(kExcelDefaultPassword), "secret!"});
  CHECK(wrong.outcome == Outcome::kPasswordNotFound);
  CHECK(wrong.reason == "2 passwords tried, none verified");
  const Decryption right = Decrypt(*file, {std::string(kExcelDefaultPassword), "s3cret!"});
  REQUIRE(right.outcome == Outcome::kDecrypted);
  CHECK(right.password == "s3cret!");
  const Bytes expected = BlankedFilePass(WorkbookStream(fixture.plain));
  CHECK(WorkbookStream(right.document) == expected);
}

TEST_CASE("a FilePass XOR record too short for its key and verifier is malformed") {
  Bytes xls = MakeXorWorkbook("x").plain;
  Bytes book = WorkbookStream(xls);
  book[22] = 2;  // FilePass size 6 -> 2: wEncryptionType alone, then 4 bytes of a bogus record
  auto file = ole::CompoundFile::Open(xls);
  REQUIRE(file);
  auto changed = file->WithStreamContents("Workbook", book);
  REQUIRE(changed);
  auto reopened = ole::CompoundFile::Open(*changed);
  REQUIRE(reopened);
  const Decryption d = Decrypt(*reopened, {"x"});
  CHECK(d.encryption.method == Method::kXor);
  CHECK(d.outcome == Outcome::kMalformed);
  CHECK(d.reason == "FilePass XOR obfuscation record is truncated");
}

TEST_CASE("an XOR-obfuscated Word document deobfuscates back to the original file") {
  const Bytes original = Load(kTestData + "oleobj/sample_with_lnk_to_calc.doc");
  const std::string password = internal::XorPasswordBytes("infected");
  const Bytes obfuscated = test_support::XorObfuscateWordDocument(
      original, password, internal::XorKey(password), internal::XorPasswordVerifier(password));
  REQUIRE(obfuscated != original);
  auto file = ole::CompoundFile::Open(obfuscated);
  REQUIRE(file);
  const Encryption encryption = DetectEncryption(*file);
  CHECK(encryption.method == Method::kXor);
  CHECK(encryption.where == "WordDocument FIB fEncrypted");
  CHECK(encryption.detail == "XOR obfuscation (Method 2)");
  CHECK(Decrypt(*file, {std::string(kExcelDefaultPassword)}).outcome == Outcome::kPasswordNotFound);
  const Decryption d = Decrypt(*file, {std::string(kExcelDefaultPassword), "infected"});
  REQUIRE(d.outcome == Outcome::kDecrypted);
  // The FIB's flags and lKey cleared, every stream plain: the file as it was, byte for byte.
  CHECK(hashing::Sha256Hex(d.document) == hashing::Sha256Hex(original));
}

}  // namespace
}  // namespace kensa::offcrypto
