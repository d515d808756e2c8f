// The behaviour section of the text and HTML reports, over sandbox results made by running the
// emulator (libs/emulator) on the test programs of tests/winbins: t02_runkey sets a Run-key
// value, t06_urlmon downloads a URL with URLDownloadToFileA.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "display.h"
#include "kensa/emulator/emulator.h"
#include "kensa/report/render.h"
#include "report_fixture.h"

namespace kensa::report {
namespace {

namespace av1 = analysis::v1;

constexpr char kUrl[] = "http://sbx-c2.kensa-test.jp/sbx/urlmon.bin";
constexpr char kDefangedUrl[] = "hxxp[://]sbx-c2[.]kensa-test[.]jp/sbx/urlmon.bin";
constexpr char kRunKey[] = "HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run";

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::size_t CountOf(const std::string& text, std::string_view part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size()))
    ++count;
  return count;
}

// The text of the section that starts with the heading `title` (the first one from `from`),
// up to the next heading.
std::string Section(const std::string& text, std::string_view title, std::size_t from = 0) {
  const auto start = text.find("-- " + std::string(title) + " ", from);
  if (start == std::string::npos) return {};
  const auto end = text.find("\n-- ", start + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// The HTML behaviour block (the first one from `from`).
std::string HtmlSection(const std::string& html, std::string_view title, std::size_t from = 0) {
  const auto start =
      html.find("<section class=\"block\">\n<h2>" + std::string(title) + "</h2>", from);
  if (start == std::string::npos) return {};
  const auto end = html.find("</section>", start);
  return html.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

std::size_t WidestLine(const std::string& text) {
  std::istringstream lines(text);
  std::string line;
  std::size_t widest = 0;
  while (std::getline(lines, line)) widest = std::max(widest, internal::DisplayWidth(line));
  return widest;
}

// A sandbox result as the sandbox stage makes it: the emulator's behaviour of one x64 test
// program, backend "emulator". Emulated once per program and test run.
av1::SandboxResult Emulated(const std::string& program, const std::vector<std::string>& arguments) {
  const char* binary_dir = std::getenv("KENSA_BINARY_DIR");
  REQUIRE(binary_dir != nullptr);
  const std::string path = std::string(binary_dir) + "/tests/winbins/x64/" + program;
  std::ifstream in(path, std::ios::binary);
  const Bytes pe((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO(path);
  REQUIRE(pe.size() > 1024);
  emulator::EmulationOptions options;
  options.environment.arguments = arguments;
  const auto out = emulator::Emulate(pe, options);
  REQUIRE(out);
  av1::SandboxResult result;
  result.set_backend("emulator");
  result.set_ran(true);
  *result.mutable_behavior() = out->behavior;
  return result;
}

const av1::SandboxResult& RunKeyRun() {
  static const av1::SandboxResult result = Emulated("t02_runkey.exe", {});
  return result;
}

const av1::SandboxResult& UrlmonRun() {
  static const av1::SandboxResult result = Emulated("t06_urlmon.exe", {kUrl});
  return result;
}

report::v1::Report WithSandbox(const av1::SandboxResult& result) {
  report::v1::Report report = testing::MaliciousPeReport();
  *report.mutable_sandbox_result() = result;
  return report;
}

TEST_CASE("The emulated test programs did what the behaviour section is checked against") {
  // Preconditions of the rendering tests below, stated once so a change in the emulator shows
  // up here rather than as a puzzling rendering failure.
  const auto& runkey = RunKeyRun().behavior();
  CHECK(runkey.end_reason() == av1::EMULATION_END_REASON_EXITED);
  bool set_value = false;
  for (const auto& event : runkey.registry_events()) {
    set_value |= event.operation() == "set_value" && event.target() == kRunKey &&
                 Contains(event.details(), "SbxTest");
  }
  CHECK(set_value);
  CHECK(Contains(runkey.console_output(), "SBX|t02_runkey|done|0"));
  CHECK(runkey.api_call_count() > 40);
  const auto& urlmon = UrlmonRun().behavior();
  CHECK(urlmon.end_reason() == av1::EMULATION_END_REASON_EXITED);
  REQUIRE(urlmon.dropped_files_size() == 1);
  CHECK(urlmon.dropped_files(0).path() ==
        "C:\\Users\\jsmith\\AppData\\Local\\Temp\\sbx-urlmon.bin");
}

TEST_CASE("The English text report shows how the run ended and the Run-key write") {
  const std::string text = RenderText(WithSandbox(RunKeyRun()), Language::kEnglish);
  const std::string section = Section(text, "Behaviour");
  REQUIRE_FALSE(section.empty());
  INFO(section);
  CHECK(Contains(section, "\n  Backend       emulator\n"));
  CHECK(Contains(section, "\n  Machine       x64, pe_exe\n"));
  CHECK(Contains(section, "\n  Ended by      exited: exit(0)\n"));
  CHECK(Contains(section, "\n  Instructions  " +
                              internal::GroupThousands(RunKeyRun().behavior().instruction_count()) +
                              "\n"));
  CHECK(Contains(section, "\n  API calls     " +
                              internal::GroupThousands(RunKeyRun().behavior().api_call_count()) +
                              "\n"));
  CHECK(Contains(section, "\n  Duration      "));
  CHECK(Contains(section, "\n  Registry writes ("));
  CHECK(Contains(section, std::string("set_value   ") + kRunKey + "  SbxTest ="));
  CHECK(Contains(section, "C:\\ProgramData\\sbx\\agent.exe"));
  // The first 40 calls, numbered, and the rest counted.
  CHECK(Contains(section, "\n  First API calls (" +
                              std::to_string(RunKeyRun().behavior().api_call_count()) + ")\n"));
  CHECK(Contains(section,
                 "(+" + std::to_string(RunKeyRun().behavior().api_call_count() - 40) + " more)"));
  CHECK(Contains(section, "\n  Console output\n"));
  CHECK(Contains(section, "    | SBX|t02_runkey|done|0\n"));
  // Read-only registry access is not a write.
  CHECK_FALSE(Contains(section, "query_value"));
  // Placed after the indicators, before the PE summary, as in the HTML.
  CHECK(text.find("-- Indicators (IOC)") < text.find("-- Behaviour "));
  CHECK(text.find("-- Behaviour ") < text.find("-- PE summary"));
  CHECK(WidestLine(section) <= 100);
}

TEST_CASE("The Japanese text report labels the behaviour section in Japanese") {
  const std::string text = RenderText(WithSandbox(RunKeyRun()), Language::kJapanese);
  const std::string section = Section(text, "動的解析（エミュレーション）");
  REQUIRE_FALSE(section.empty());
  INFO(section);
  CHECK(Contains(section, "実行環境"));
  CHECK(Contains(section, "終了理由        プロセス終了: exit(0)\n"));
  CHECK(Contains(section, "実行命令数"));
  CHECK(Contains(section, "\n  レジストリの変更 ("));
  CHECK(Contains(section, std::string("set_value   ") + kRunKey + "  SbxTest ="));
  CHECK(Contains(section, "\n  API 呼び出し (先頭) ("));
  CHECK(Contains(section,
                 "(ほか " + std::to_string(RunKeyRun().behavior().api_call_count() - 40) + " 件)"));
  CHECK(Contains(section, "\n  コンソール出力\n"));
  CHECK(WidestLine(section) <= 100);
}

TEST_CASE("The HTML report shows the behaviour block with its tables, in English and Japanese") {
  const std::string en = RenderHtml(WithSandbox(RunKeyRun()), Language::kEnglish);
  const std::string block = HtmlSection(en, "Behaviour");
  REQUIRE_FALSE(block.empty());
  INFO(block);
  CHECK(Contains(block, "<tr><th scope=\"row\">Backend</th><td class=\"wrap\">emulator</td></tr>"));
  CHECK(Contains(
      block, "<tr><th scope=\"row\">Ended by</th><td class=\"wrap\">exited: exit(0)</td></tr>"));
  CHECK(Contains(block, "<h3>Registry writes ("));
  CHECK(Contains(block, "<th>Operation</th><th>Target</th><th>Detail</th>"));
  CHECK(Contains(block,
                 std::string("<td class=\"wrap mono\">set_value</td><td class=\"wrap mono\">") +
                     kRunKey + "</td><td class=\"wrap\">SbxTest"));
  CHECK(Contains(block, "<h3>First API calls ("));
  CHECK(Contains(block, "<th class=\"num\">#</th><th>Call</th><th>Returns</th>"));
  CHECK(Contains(block, "<pre class=\"console mono wrap\">"));
  CHECK(Contains(block, "SBX|t02_runkey|done|0"));
  CHECK(en.find("<h2>Indicators (IOC)") < en.find("<h2>Behaviour</h2>"));
  CHECK(en.find("<h2>Behaviour</h2>") < en.find("<h2>PE summary</h2>"));

  const std::string ja = RenderHtml(WithSandbox(RunKeyRun()), Language::kJapanese);
  const std::string block_ja = HtmlSection(ja, "動的解析（エミュレーション）");
  REQUIRE_FALSE(block_ja.empty());
  CHECK(Contains(block_ja,
                 "<th scope=\"row\">終了理由</th><td class=\"wrap\">プロセス終了: exit(0)</td>"));
  CHECK(Contains(block_ja, "<h3>レジストリの変更 ("));
  CHECK(Contains(block_ja, "<th>操作</th><th>対象</th>"));
  CHECK(Contains(block_ja, "<h3>コンソール出力</h3>"));
  CHECK(Contains(block_ja, kRunKey));
}

TEST_CASE("The download of t06 is shown defanged with the file it wrote") {
  const auto& urlmon = UrlmonRun();
  const std::string& sha256 = urlmon.behavior().dropped_files(0).sha256();
  for (const Language lang : {Language::kEnglish, Language::kJapanese}) {
    const std::string text = RenderText(WithSandbox(urlmon), lang);
    const std::string section =
        Section(text, lang == Language::kEnglish ? "Behaviour" : "動的解析（エミュレーション）");
    INFO(section);
    CHECK(Contains(section, std::string("download  ") + kDefangedUrl));
    CHECK(Contains(section, "C:\\Users\\jsmith\\AppData\\Local\\Temp\\sbx-urlmon.bin"));
    CHECK(Contains(section, sha256));
    CHECK(
        Contains(section, lang == Language::kEnglish ? "\n  Network (" : "\n  ネットワーク通信 ("));
    CHECK(Contains(section, lang == Language::kEnglish ? "\n  Dropped files (1)\n"
                                                       : "\n  作成されたファイル (1)\n"));
    // Nowhere live: neither in the tables nor in the API call arguments.
    CHECK_FALSE(Contains(text, kUrl));
    CHECK_FALSE(Contains(text, "sbx-c2.kensa-test.jp"));

    const std::string html = RenderHtml(WithSandbox(urlmon), lang);
    CHECK(Contains(html,
                   std::string("<td class=\"wrap mono\">download</td><td class=\"wrap mono\">") +
                       kDefangedUrl + "</td>"));
    CHECK(Contains(
        html,
        "<td class=\"wrap mono\">C:\\Users\\jsmith\\AppData\\Local\\Temp\\sbx-urlmon.bin</td>"
        "<td class=\"num\">29 "));
    CHECK(Contains(html, "<td class=\"wrap mono\">" + sha256 + "</td>"));
    CHECK_FALSE(Contains(html, kUrl));
    CHECK_FALSE(Contains(html, "sbx-c2.kensa-test.jp"));
  }
}

TEST_CASE("Markup and terminal escapes from the sample are escaped in the behaviour section") {
  av1::SandboxResult result = UrlmonRun();
  auto* behavior = result.mutable_behavior();
  behavior->set_console_output("hello\n<script>alert(1)</script>\n\x1b[2Jcleared\n");
  auto* dropped = behavior->add_dropped_files();
  dropped->set_path("C:\\Users\\jsmith\\<script>x</script>.exe");
  dropped->set_sha256("<img src=x>");
  dropped->set_size(12);
  auto* mutex = behavior->add_mutex_events();
  mutex->set_operation("create");
  mutex->set_target("\"><script>m</script>");

  const std::string html = RenderHtml(WithSandbox(result), Language::kEnglish);
  CHECK_FALSE(Contains(html, "<script"));
  CHECK_FALSE(Contains(html, "<img"));
  CHECK(Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
  CHECK(Contains(html, "C:\\Users\\jsmith\\&lt;script&gt;x&lt;/script&gt;.exe"));
  CHECK(Contains(html, "&quot;&gt;&lt;script&gt;m&lt;/script&gt;"));
  CHECK(Contains(html, "&lt;img src=x&gt;"));
  CHECK(Contains(html, "\\x1b[2Jcleared"));

  const std::string text = RenderText(WithSandbox(result), Language::kJapanese);
  CHECK_FALSE(Contains(text, "\x1b"));
  CHECK(Contains(text, "    | \\x1b[2Jcleared\n"));
  CHECK(Contains(text, "    | <script>alert(1)</script>\n"));
}

TEST_CASE("A sample the sandbox could not run gets one line with the reason") {
  av1::SandboxResult skipped;
  skipped.set_backend("emulator");
  skipped.set_ran(false);
  skipped.set_skip_reason(".NET assembly");
  const report::v1::Report report = WithSandbox(skipped);

  const std::string en = Section(RenderText(report, Language::kEnglish), "Behaviour");
  CHECK(Contains(en, "\n  Not run: .NET assembly (emulator)\n"));
  CHECK_FALSE(Contains(en, "Ended by"));
  const std::string ja =
      Section(RenderText(report, Language::kJapanese), "動的解析（エミュレーション）");
  CHECK(Contains(ja, "\n  実行せず: .NET assembly (emulator)\n"));
  const std::string html = RenderHtml(report, Language::kJapanese);
  CHECK(Contains(HtmlSection(html, "動的解析（エミュレーション）"),
                 "<p class=\"empty\">実行せず: .NET assembly (emulator)</p>"));
}

TEST_CASE("A report without a sandbox result has no behaviour section") {
  const std::string text = RenderText(testing::MaliciousPeReport(), Language::kEnglish);
  CHECK_FALSE(Contains(text, "-- Behaviour "));
  const std::string html = RenderHtml(testing::MaliciousPeReport(), Language::kJapanese);
  CHECK_FALSE(Contains(html, "動的解析"));
}

TEST_CASE("Behaviour tables are bounded and repeated events are merged") {
  av1::SandboxResult result = RunKeyRun();
  auto* behavior = result.mutable_behavior();
  const std::size_t recorded_writes = [&] {
    std::size_t n = 0;
    for (const auto& event : behavior->registry_events()) {
      n += event.operation() == "set_value" || event.operation() == "create_key" ? 1u : 0u;
    }
    return n;
  }();
  for (int i = 0; i < 300; ++i) {
    auto* event = behavior->add_registry_events();
    event->set_operation("set_value");
    event->set_target("HKEY_CURRENT_USER\\Software\\sbx\\loop");
    event->set_details("v" + std::to_string(i) + " = 1");
  }
  for (int i = 0; i < 1000; ++i) {
    auto* event = behavior->add_mutex_events();
    event->set_operation("create");
    event->set_target("sbx-loop-mutex");
  }
  std::string console;
  for (int i = 0; i < 100; ++i) console += "line " + std::to_string(i) + "\n";
  behavior->set_console_output(console);
  behavior->clear_unmodelled_apis();
  for (int i = 0; i < 30; ++i) {
    auto* api = behavior->add_unmodelled_apis();
    api->set_name("kernel32.dll!SbxUnmodelled" + std::to_string(i));
    api->set_count(static_cast<std::uint64_t>(i + 1));
  }

  const std::size_t writes = recorded_writes + 300;
  const std::string text = RenderText(WithSandbox(result), Language::kEnglish);
  const std::string section = Section(text, "Behaviour");
  INFO(section);
  CHECK(Contains(section, "\n  Registry writes (" + std::to_string(writes) + ")\n"));
  CHECK(Contains(section, "\n    (+" + std::to_string(writes - 25) + " more)\n"));
  CHECK(CountOf(section, "HKEY_CURRENT_USER\\Software\\sbx\\loop") == 25 - recorded_writes);
  // A thousand creations of one mutex are one row with their count.
  CHECK(Contains(section,
                 "\n  Mutexes (1)\n    create  sbx-loop-mutex  \xC3\x97"
                 "1000\n"));
  // Console: the first 40 lines, the rest counted.
  CHECK(Contains(section, "    | line 39\n    (+60 more)\n"));
  CHECK_FALSE(Contains(section, "line 40\n"));
  // Unmodelled APIs: most called first, 15 shown.
  CHECK(Contains(section,
                 "\n  Unmodelled APIs (most called) (30)\n    kernel32.dll!SbxUnmodelled29  30\n"));
  CHECK(Contains(section, "kernel32.dll!SbxUnmodelled15  16\n    (+15 more)\n"));
  CHECK_FALSE(Contains(section, "SbxUnmodelled14 "));

  const std::string html = RenderHtml(WithSandbox(result), Language::kEnglish);
  CHECK(Contains(html, "<h3>Registry writes (" + std::to_string(writes) + ")</h3>"));
  CHECK(Contains(html, "<tr><td colspan=\"3\"><span class=\"more\">(+" +
                           std::to_string(writes - 25) + " more)</span></td></tr>"));
  CHECK(Contains(html,
                 "<td class=\"wrap\">\xC3\x97"
                 "1000</td>"));
  CHECK(Contains(html, "line 39</pre>\n<p><span class=\"more\">(+60 more)</span></p>"));
}

TEST_CASE(
    "A file inside the sample that ran gets its own block, and its behaviour signatures are "
    "listed") {
  report::v1::Report report = testing::MaliciousPeReport();
  auto* child = report.add_children();
  child->mutable_submission()->set_id(report.submission().id() + "-0");
  child->mutable_submission()->set_depth(1);
  child->mutable_submission()->mutable_sample()->set_file_name("dropper<1>.exe");
  *child->mutable_sandbox_result() = UrlmonRun();
  auto* signature = child->mutable_sandbox_result()->add_signatures();
  signature->set_name("behavior_download_to_file");
  signature->set_severity(av1::SEVERITY_HIGH);
  signature->set_source("behavior");
  auto* evidence = signature->add_evidence();
  evidence->set_kind("network");
  evidence->set_value(kUrl);

  const std::string text = RenderText(report, Language::kEnglish);
  const std::string section = Section(text, "Behaviour");
  INFO(text);
  CHECK(Contains(section, "\n  File name     dropper<1>.exe\n"));
  CHECK(Contains(section, kDefangedUrl));
  // The sample itself has no sandbox result: the only block is the child's.
  CHECK(CountOf(text, "-- Behaviour ") == 1);
  const std::string signatures = Section(text, "Signatures");
  CHECK(Contains(signatures, "behavior_download_to_file"));
  CHECK(Contains(signatures, "found in: dropper<1>.exe"));
  CHECK(Contains(signatures, std::string("network: ") + kDefangedUrl));
  CHECK_FALSE(Contains(text, kUrl));

  const std::string html = RenderHtml(report, Language::kEnglish);
  CHECK(Contains(
      HtmlSection(html, "Behaviour"),
      "<th scope=\"row\">File name</th><td class=\"mono wrap\">dropper&lt;1&gt;.exe</td>"));
  CHECK_FALSE(Contains(html, kUrl));
}

TEST_CASE("The JSON report carries the sandbox result under sandboxResult") {
  const auto json = RenderJson(WithSandbox(RunKeyRun()));
  REQUIRE(json);
  CHECK(Contains(*json, "\"sandboxResult\": {"));
  CHECK(Contains(*json, "\"backend\": \"emulator\""));
  CHECK(Contains(*json, "\"ran\": true"));
  CHECK(Contains(*json, "\"endReason\": \"EMULATION_END_REASON_EXITED\""));
  CHECK(Contains(*json, "\"registryEvents\": ["));
}

}  // namespace
}  // namespace kensa::report
