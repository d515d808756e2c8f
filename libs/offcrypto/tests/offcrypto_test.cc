// [MS-OFFCRYPTO] decryption against oletools' encrypted test documents. Expected plain
// documents were checked against msoffcrypto-tool 6.1 (a development oracle, not a dependency):
// the sha256 values below are what it produces for the same files and passwords.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "binary_rc4.h"
#include "crypto.h"
#include "ecma376.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/offcrypto/offcrypto.h"
#include "kensa/ole/compound_file.h"

namespace kensa::offcrypto {
namespace {

const std::string kDir = "../shared/corpora/oletools-tests/tests/test-data/encrypted/";

Bytes Load(const std::string& name) {
  auto data = ReadFileBounded(kDir + name, 16u << 20);
  REQUIRE(data);
  return std::move(*data);
}

Decryption DecryptFile(const std::string& name, const std::vector<std::string>& passwords,
                       const OffcryptoLimits& limits = {}) {
  const Bytes data = Load(name);
  auto file = ole::CompoundFile::Open(data);
  REQUIRE(file);
  return Decrypt(*file, passwords, limits);
}

TEST_CASE("each encrypted test document reports its method and where it is declared") {
  struct Case {
    const char* name;
    Method method;
    const char* where;
  };
  const std::vector<Case> cases = {
      {"autostart-encrypt-standardpassword.xls", Method::kRc4, "Workbook FilePass"},
      {"dde-test-encrypt-standardpassword.xls", Method::kRc4, "Workbook FilePass"},
      {"encrypted.xls", Method::kRc4, "Workbook FilePass"},
      {"encrypted.doc", Method::kRc4, "WordDocument FIB fEncrypted"},
      {"encrypted.ppt", Method::kRc4CryptoApi, "PowerPoint Current User"},
      {"autostart-encrypt-standardpassword.xlsm", Method::kAgile, "EncryptionInfo"},
      {"autostart-encrypt-standardpassword.xlsb", Method::kAgile, "EncryptionInfo"},
      {"dde-test-encrypt-standardpassword.xlsx", Method::kAgile, "EncryptionInfo"},
      {"encrypted.docx", Method::kAgile, "EncryptionInfo"},
      {"encrypted.pptx", Method::kAgile, "EncryptionInfo"},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const Bytes data = Load(c.name);
    auto file = ole::CompoundFile::Open(data);
    REQUIRE(file);
    const Encryption encryption = DetectEncryption(*file);
    CHECK(encryption.method == c.method);
    CHECK(encryption.where == c.where);
  }
}

TEST_CASE("an agile workbook saved with Excel's default password decrypts to its xlsm") {
  const Decryption d = DecryptFile("autostart-encrypt-standardpassword.xlsm",
                                   {"infected", std::string(kExcelDefaultPassword)});
  REQUIRE(d.outcome == Outcome::kDecrypted);
  CHECK(d.encryption.detail == "AES-128-CBC SHA1 spinCount 100000");
  CHECK(d.password == "VelvetSweatshop");
  CHECK(d.password_index == 1);
  CHECK(d.passwords_tried == 2);
  CHECK(d.document.size() == 13247);
  CHECK(hashing::Sha256Hex(d.document) ==
        "027079190edb95f58efcaeee96245cd5a748d3f659252a536293fadbc9140efb");
}

TEST_CASE("an agile docx decrypts with its own password and not with the default one") {
  const Decryption wrong = DecryptFile("encrypted.docx", {std::string(kExcelDefaultPassword)});
  CHECK(wrong.outcome == Outcome::kPasswordNotFound);
  CHECK(wrong.reason == "1 passwords tried, none verified");
  const Decryption right = DecryptFile("encrypted.docx", {"VelvetSweatshop", "encrypted"});
  REQUIRE(right.outcome == Outcome::kDecrypted);
  CHECK(right.password_index == 1);
  CHECK(hashing::Sha256Hex(right.document) ==
        "7872a03a046ba2bb9807c78a8f00d730e03213f7b4848feb3e8af3d22a9cd212");
}

TEST_CASE("an RC4 workbook decrypts record by record into a compound file libs/ole reads") {
  const Decryption d =
      DecryptFile("autostart-encrypt-standardpassword.xls", {"VelvetSweatshop"});
  REQUIRE(d.outcome == Outcome::kDecrypted);
  CHECK(d.encryption.detail == "RC4-128 MD5");
  // Byte for byte what msoffcrypto-tool writes: FilePass blanked, the rest of the file kept.
  CHECK(hashing::Sha256Hex(d.document) ==
        "3fec66c7bd8a0fc10673aa63539fe6f88e3e24e68d23f4e8a5b900d4b8c49f8e");
  auto plain = ole::CompoundFile::Open(d.document);
  REQUIRE(plain);
  CHECK(DetectEncryption(*plain).method == Method::kNone);
  auto book = plain->ReadStream("Workbook");
  REQUIRE(book);
  // The first sheet's name is readable again in its BoundSheet8 record.
  const std::string text(book->begin(), book->end());
  CHECK(text.find("Tabelle1") != std::string::npos);
}

TEST_CASE("the other RC4 workbooks match msoffcrypto-tool too") {
  const Decryption dde = DecryptFile("dde-test-encrypt-standardpassword.xls", {"VelvetSweatshop"});
  REQUIRE(dde.outcome == Outcome::kDecrypted);
  CHECK(hashing::Sha256Hex(dde.document) ==
        "560a61120073dd4418e66e7e4b3e46195bb94103d968919531c1da4d55aff2e8");
  const Decryption own = DecryptFile("encrypted.xls", {"VelvetSweatshop", "encrypted"});
  REQUIRE(own.outcome == Outcome::kDecrypted);
  CHECK(own.password_index == 1);
  CHECK(hashing::Sha256Hex(own.document) ==
        "dbbd2399af8b37f1a76b5195b60b221ee83b16564e7344f23d8c6130bd34c415");
}

TEST_CASE("a Word RC4 document decrypts stream by stream inside its compound file") {
  const Decryption d = DecryptFile("encrypted.doc", {"VelvetSweatshop", "encrypted"});
  REQUIRE(d.outcome == Outcome::kDecrypted);
  CHECK(d.password == "encrypted");
  CHECK(DecryptFile("encrypted.doc", {"nope"}).outcome == Outcome::kPasswordNotFound);
  auto plain = ole::CompoundFile::Open(d.document);
  REQUIRE(plain);
  CHECK(DetectEncryption(*plain).method == Method::kNone);
  auto word = plain->ReadStream("WordDocument");
  REQUIRE(word);
  // The same stream msoffcrypto-tool writes: FIB flags and lKey cleared, the rest decrypted.
  CHECK(hashing::Sha256Hex(*word) ==
        "bccf50cfc4c86244140b60403b681e335e2c6b10c04fe8816a3fec82655219bd");
  CHECK(std::string(word->begin(), word->end()).find("Encrypted Test File") != std::string::npos);
  auto table = plain->ReadStream("1Table");
  REQUIRE(table);
  REQUIRE(table->size() == 6588);
  // After the 52-byte encryption header (kept clear here; msoffcrypto-tool garbles it).
  CHECK(hashing::Sha256Hex(SubSpan(*table, 52, table->size())) ==
        "3f8f30b882843b29e78c29c6d285f9d6f77507cb7e9837bafe6aa7f49f3ac09e");
}

TEST_CASE("an RC4 CryptoAPI presentation decrypts persist object by persist object") {
  const Decryption d = DecryptFile("encrypted.ppt", {"wrong", "encrypted"});
  REQUIRE(d.outcome == Outcome::kDecrypted);
  CHECK(d.password_index == 1);
  CHECK(d.encryption.method == Method::kRc4CryptoApi);
  // The header in the CryptSession10Container (persist id 4): a 40-bit key.
  CHECK(d.encryption.detail == "RC4-40 SHA-1 (Microsoft Base Cryptographic Provider v1.0)");
  // msoffcrypto-tool 6.1 (`msoffcrypto-tool -p encrypted`) writes the same file, byte for byte.
  CHECK(d.document.size() == 43520);
  CHECK(hashing::Sha256Hex(d.document) ==
        "c886415d1ee81449ce6db2796bc3337bc065a20cd2deec24aa0b4393cd756287");
  auto plain = ole::CompoundFile::Open(d.document);
  REQUIRE(plain);
  CHECK(DetectEncryption(*plain).method == Method::kNone);
  auto document = plain->ReadStream("PowerPoint Document");
  REQUIRE(document);
  // The slide's TextBytesAtom and TextCharsAtom, in the clear.
  const std::string text(document->begin(), document->end());
  CHECK(text.find("Encrypted Test File") != std::string::npos);
  CHECK(text.find(std::string("N\0o\0 \0o\0t\0h\0e\0r\0", 16)) != std::string::npos);
  const Decryption wrong = DecryptFile("encrypted.ppt", {"wrong"});
  CHECK(wrong.outcome == Outcome::kPasswordNotFound);
}

TEST_CASE("a spinCount over the limit is reported without trying a password") {
  OffcryptoLimits limits;
  limits.max_spin_count = 99999;
  const Decryption d = DecryptFile("encrypted.docx", {"encrypted"}, limits);
  CHECK(d.outcome == Outcome::kOverLimit);
  CHECK(d.passwords_tried == 0);
  CHECK(d.reason == "spinCount 100000 is over the limit of 99999");
}

TEST_CASE("the hash budget stops a long password list") {
  OffcryptoLimits limits;
  limits.max_total_hash_rounds = 250000;  // two tries of 100,001 rounds
  const Decryption d = DecryptFile("encrypted.docx", {"a", "b", "c", "encrypted"}, limits);
  CHECK(d.outcome == Outcome::kPasswordNotFound);
  CHECK(d.passwords_tried == 2);
  CHECK(d.reason == "hash budget spent after 2 passwords");
}

TEST_CASE("a decrypted package over the size limit is reported") {
  OffcryptoLimits limits;
  limits.max_package_size = 4096;
  const Decryption d = DecryptFile("encrypted.docx", {"encrypted"}, limits);
  CHECK(d.outcome == Outcome::kOverLimit);
}

TEST_CASE("Standard encryption: key derivation as msoffcrypto-tool derives it, and a round trip") {
  using namespace internal;
  Bytes salt;
  for (std::uint8_t i = 0; i < 16; ++i) salt.push_back(i);
  const Bytes key128 = StandardDeriveKey(salt, 128, "Kensa-test");
  CHECK(ToHex(key128) == "2407b93c36f48138e34b3d41f2e5452b");
  const Bytes key256 = StandardDeriveKey(salt, 256, "Kensa-test");
  CHECK(ToHex(key256) == "2407b93c36f48138e34b3d41f2e5452b138b8b62f597f17f0392ddbb141bb8e3");

  // An EncryptionHeader + EncryptionVerifier as Office 2007 writes them for AES-128.
  CryptoApiHeader header;
  header.alg_id = 0x660E;
  header.alg_id_hash = 0x8004;
  header.key_bits = 128;
  header.salt = salt;
  const Bytes verifier = FromHex("000102030405060708090a0b0c0d0e0f");
  header.encrypted_verifier = AesEcbEncrypt(key128, verifier);
  Bytes verifier_hash = Hasher(HashAlgorithm::kSha1).Hash(verifier);
  verifier_hash.resize(32, 0);
  header.encrypted_verifier_hash = AesEcbEncrypt(key128, verifier_hash);
  header.verifier_hash_size = 20;
  const auto key = StandardPackageKey(header, "Kensa-test");
  REQUIRE(key);
  CHECK(*key == key128);
  CHECK_FALSE(StandardPackageKey(header, "kensa-test"));

  const std::string zip = "PK\x03\x04 a small package of 37 bytes....";
  Bytes padded(zip.begin(), zip.end());
  padded.resize(48, 0);
  Bytes package = {static_cast<std::uint8_t>(zip.size()), 0, 0, 0, 0, 0, 0, 0};
  const Bytes encrypted = AesEcbEncrypt(key128, padded);
  package.insert(package.end(), encrypted.begin(), encrypted.end());
  auto plain = StandardDecryptPackage(*key, package, 1u << 20);
  REQUIRE(plain);
  CHECK(std::string(plain->begin(), plain->end()) == zip);
  CHECK(StandardDecryptPackage(*key, package, 16).error().code() == StatusCode::kOutOfRange);
}

TEST_CASE("RC4 CryptoAPI keys are msoffcrypto-tool's, 40-bit keys padded, and verify") {
  using namespace internal;
  CryptoApiHeader header;
  header.alg_id = 0x6801;
  header.alg_id_hash = 0x8004;
  for (std::uint8_t i = 0; i < 16; ++i) header.salt.push_back(i);
  const Bytes verifier = FromHex("f0e1d2c3b4a5968778695a4b3c2d1e0f");
  for (const std::uint32_t key_bits : {40u, 128u}) {
    INFO(key_bits);
    header.key_bits = key_bits;
    // A header that verifies: the verifier and its SHA-1 under one keystream of block 0.
    Bytes sealed = verifier;
    const Bytes hash = Hasher(HashAlgorithm::kSha1).Hash(verifier);
    sealed.insert(sealed.end(), hash.begin(), hash.end());
    const std::string block0 = key_bits == 40 ? "99e68981670000000000000000000000"
                                              : "99e6898167ea809917c11aad2c026e68";
    Rc4 rc4(FromHex(block0));
    rc4.Apply(sealed.data(), sealed.size());
    header.encrypted_verifier.assign(sealed.begin(), sealed.begin() + 16);
    header.encrypted_verifier_hash.assign(sealed.begin() + 16, sealed.end());
    header.verifier_hash_size = 20;
    const auto keys = Rc4BlockKeys::ForCryptoApi(header, "Kensa-test");
    REQUIRE(keys);
    CHECK(ToHex(keys->Key(0)) == block0);
    CHECK(ToHex(keys->Key(7)) == (key_bits == 40 ? "d8e67a1b180000000000000000000000"
                                                 : "d8e67a1b186fd4e7a9ba169e818729a0"));
    CHECK_FALSE(Rc4BlockKeys::ForCryptoApi(header, "kensa-test"));
  }
}

TEST_CASE("malformed agile XML is an error, not a crash") {
  using namespace internal;
  const std::string not_xml = "<encryption><keyData saltValue='%%%'/>";
  CHECK_FALSE(ParseAgileInfo(ByteSpan(reinterpret_cast<const std::uint8_t*>(not_xml.data()),
                                      not_xml.size())));
  const std::string no_encryptor =
      "<encryption xmlns='http://schemas.microsoft.com/office/2006/encryption'>"
      "<keyData saltSize='16' blockSize='16' keyBits='256' hashSize='64' cipherAlgorithm='AES' "
      "cipherChaining='ChainingModeCBC' hashAlgorithm='SHA512' saltValue='AAAA'/></encryption>";
  auto parsed = ParseAgileInfo(
      ByteSpan(reinterpret_cast<const std::uint8_t*>(no_encryptor.data()), no_encryptor.size()));
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().message() ==
        "agile EncryptionInfo has no keyData or no password key encryptor");
}

TEST_CASE("RC4 and password helpers follow their specifications") {
  using namespace internal;
  // RFC 6229 test vector: key 0102030405, first keystream bytes b2396305f03dc027.
  Bytes zeros(8, 0);
  Rc4 rc4(FromHex("0102030405"));
  rc4.Apply(zeros.data(), zeros.size());
  CHECK(ToHex(zeros) == "b2396305f03dc027");
  CHECK(ToHex(PasswordUtf16("A\xE3\x81\x82")) == "41004230");  // "Aあ"
  CHECK(ToHex(*DecodeBase64("AAEC\nAw==")) == "00010203");
  CHECK_FALSE(DecodeBase64("AA*A"));
}

}  // namespace
}  // namespace kensa::offcrypto
