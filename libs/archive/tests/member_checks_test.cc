// Name checks of archive members: traversal, double extensions, RTLO, name decoding.
#include "../src/member_checks.h"

#include <catch2/catch.hpp>

namespace kensa::archive {
namespace {

TEST_CASE("Names that leave the extraction folder are path traversal") {
  CHECK(IsPathTraversal("../evil.bat"));
  CHECK(IsPathTraversal("docs/../../Startup/evil.bat"));
  CHECK(IsPathTraversal(
      "..\\..\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\a.exe"));
  CHECK(IsPathTraversal("/etc/cron.d/job"));
  CHECK(IsPathTraversal("\\\\server\\share\\a.exe"));
  CHECK(IsPathTraversal("C:\\Users\\Public\\a.exe"));
  CHECK(IsPathTraversal("c:a.exe"));
  CHECK(IsPathTraversal(".."));
  CHECK_FALSE(IsPathTraversal("docs/readme..txt"));
  CHECK_FALSE(IsPathTraversal("...hidden/x"));
  CHECK_FALSE(IsPathTraversal("folder/file.txt"));
  CHECK_FALSE(IsPathTraversal(""));
}

TEST_CASE("A document extension before an executable one is a double extension") {
  CHECK(DoubleExtension("invoice.pdf.exe") == "pdf.exe");
  CHECK(DoubleExtension("scans/Invoice.PDF.Exe") == "pdf.exe");
  CHECK(DoubleExtension("invoice.pdf        .exe") == "pdf.exe");
  CHECK(DoubleExtension("photo.jpg.lnk") == "jpg.lnk");
  CHECK(DoubleExtension("report.docx.js") == "docx.js");
  CHECK_FALSE(DoubleExtension("setup.exe").has_value());
  CHECK_FALSE(DoubleExtension("archive.tar.gz").has_value());
  CHECK_FALSE(DoubleExtension("v1.2.exe").has_value());
  CHECK_FALSE(DoubleExtension(".pdf.exe").has_value());  // a hidden file named ".pdf"
  CHECK_FALSE(DoubleExtension("invoice.pdf").has_value());
}

TEST_CASE("U+202E in a name is reported") {
  CHECK(HasRightToLeftOverride("photo_high_re\xE2\x80\xAEgnp.js"));
  CHECK_FALSE(HasRightToLeftOverride("photo.png"));
}

TEST_CASE("Extensions are read from the last path component only") {
  CHECK(LowerExtension("dir.v2/README") == "");
  CHECK(LowerExtension("a/b/SETUP.EXE") == "exe");
  CHECK(LowerExtension("a\\b\\x.Lnk") == "lnk");
  CHECK(IsExecutableExtension("hta"));
  CHECK_FALSE(IsExecutableExtension("txt"));
  CHECK(IsArchiveExtension("iso"));
}

TEST_CASE("Raw names are UTF-8 when valid and CP932 otherwise") {
  CHECK(DecodeMemberName("\xE8\xAB\x8B\xE6\xB1\x82\xE6\x9B\xB8.txt") == "請求書.txt");
  CHECK(DecodeMemberName("\x90\xBF\x8B\x81\x8F\x91.txt") == "請求書.txt");  // CP932 bytes
  CHECK(DecodeMemberName("\xB1\xB2\xB3.lnk") == "ｱｲｳ.lnk");                 // half-width katakana
  CHECK(DecodeMemberName("plain.txt") == "plain.txt");
  // Not CP932 either: each undecodable byte becomes U+FFFD, and the result is valid UTF-8.
  CHECK(IsValidUtf8(DecodeMemberName("\xFF\xFE.bin")));
}

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncated sequences") {
  CHECK(IsValidUtf8("\xF0\x9F\x98\x80"));
  CHECK_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  CHECK_FALSE(IsValidUtf8("\xE8\xAB"));          // cut short
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
}

TEST_CASE("Truncation never splits a UTF-8 sequence") {
  CHECK(TruncateUtf8("請求書", 4) == "請");
  CHECK(TruncateUtf8("abc", 10) == "abc");
  CHECK(TruncateUtf8("ab請", 3) == "ab");
}

}  // namespace
}  // namespace kensa::archive
