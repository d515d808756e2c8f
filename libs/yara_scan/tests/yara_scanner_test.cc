#include "kensa/yara_scan/yara_scanner.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>

namespace kensa::yara_scan {
namespace {

namespace fs = std::filesystem;

Bytes ToBytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::shared_ptr<const RuleSet> MustCompile(std::string_view source) {
  std::vector<CompileMessage> messages;
  auto rules = RuleSet::CompileSource(source, &messages);
  INFO((rules ? std::string() : rules.error().ToString()));
  REQUIRE(rules);
  return *rules;
}

std::vector<std::string> RuleNames(const std::vector<analysis::v1::YaraMatch>& matches) {
  std::vector<std::string> names;
  for (const auto& match : matches) names.push_back(match.rule());
  return names;
}

// A fresh folder under the system temp dir, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() / ("kensa_yara_scan_test_" + std::to_string(::getpid()) +
                                         "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string Write(const std::string& relative, std::string_view text) const {
    const fs::path file = path_ / relative;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << text;
    return file.string();
  }
  std::string path() const { return path_.string(); }

 private:
  fs::path path_;
};

constexpr std::string_view kMetaRule = R"(
rule Kensa_Meta_Types : alpha beta {
  meta:
    description = "a rule with every meta type"
    score = 75
    enabled = true
    reference = "first"
    reference = "second"
  strings:
    $word = "KENSA"
  condition:
    $word
}
)";

TEST_CASE("CompileSource lists the rule with namespace, tags and meta as text") {
  auto rules = MustCompile(kMetaRule);
  CHECK(rules->rule_count() == 1);
  CHECK(rules->source_files().empty());
  const auto infos = rules->rules();
  REQUIRE(infos.size() == 1);
  CHECK(infos[0].name == "Kensa_Meta_Types");
  CHECK(infos[0].rule_namespace == "default");
  CHECK(infos[0].tags == std::vector<std::string>{"alpha", "beta"});
  CHECK(infos[0].meta == std::vector<std::pair<std::string, std::string>>{
                             {"description", "a rule with every meta type"},
                             {"score", "75"},
                             {"enabled", "true"},
                             {"reference", "first"},
                             {"reference", "second"}});
  CHECK_FALSE(infos[0].is_private);
}

TEST_CASE("Scan reports rule, namespace, tags, meta and each string match with its offset") {
  auto rules = MustCompile(kMetaRule);
  const Bytes data = ToBytes("xxKENSAyyyyKENSA");
  auto matches = Scan(*rules, data);
  REQUIRE(matches);
  REQUIRE(matches->size() == 1);
  const auto& match = (*matches)[0];
  CHECK(match.rule() == "Kensa_Meta_Types");
  CHECK(match.namespace_() == "default");
  REQUIRE(match.tags_size() == 2);
  CHECK(match.tags(0) == "alpha");
  CHECK(match.tags(1) == "beta");
  CHECK(match.meta().at("score") == "75");
  CHECK(match.meta().at("enabled") == "true");
  // A meta key given twice keeps both values.
  CHECK(match.meta().at("reference") == "first, second");
  REQUIRE(match.strings_size() == 2);
  CHECK(match.strings(0).identifier() == "$word");
  CHECK(match.strings(0).offset() == 2);
  CHECK(match.strings(0).data() == "KENSA");
  CHECK(match.strings(1).offset() == 11);
}

TEST_CASE("Scan of data that matches nothing returns no match, also for empty data") {
  auto rules = MustCompile(kMetaRule);
  const Bytes data = ToBytes("kensa in lower case does not match");
  auto matches = Scan(*rules, data);
  REQUIRE(matches);
  CHECK(matches->empty());
  auto empty = Scan(*rules, ByteSpan());
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("Matched bytes are shown as printable ASCII, doubled backslash and \\xNN") {
  const std::uint8_t bytes[] = {'A', '\\', 0x00, 0xFF, 'z', 0x0A};
  CHECK(FormatMatchExcerpt(bytes) == "A\\\\\\x00\\xffz\\x0a");
  const Bytes long_run(100, 'B');
  CHECK(FormatMatchExcerpt(long_run) == std::string(64, 'B'));

  auto rules = MustCompile("rule Hex { strings: $h = { 4D 5A 90 00 } condition: $h }");
  const Bytes data = {0x4D, 0x5A, 0x90, 0x00, 0x03};
  auto matches = Scan(*rules, data);
  REQUIRE(matches);
  REQUIRE(matches->size() == 1);
  REQUIRE((*matches)[0].strings_size() == 1);
  CHECK((*matches)[0].strings(0).data() == "MZ\\x90\\x00");
}

TEST_CASE("String matches per rule stop at max_string_matches_per_rule") {
  auto rules = MustCompile("rule Many { strings: $a = \"ab\" condition: #a > 10 }");
  std::string text;
  for (int i = 0; i < 20; ++i) text += "ab-";
  ScanOptions options;
  options.max_string_matches_per_rule = 16;
  auto matches = Scan(*rules, ToBytes(text), options);
  REQUIRE(matches);
  REQUIRE(matches->size() == 1);
  CHECK((*matches)[0].strings_size() == 16);
  CHECK((*matches)[0].strings(15).offset() == 45);
}

TEST_CASE("Matching rules per scan stop at max_matched_rules") {
  auto rules = MustCompile(R"(
    rule One { condition: true }
    rule Two { condition: true }
    rule Three { condition: true })");
  ScanOptions options;
  options.max_matched_rules = 2;
  auto matches = Scan(*rules, ToBytes("x"), options);
  REQUIRE(matches);
  CHECK(RuleNames(*matches) == std::vector<std::string>{"One", "Two"});
}

TEST_CASE("Private rules feed other rules but are never reported") {
  auto rules = MustCompile(R"(
    private rule Helper { strings: $a = "KENSA" condition: $a }
    rule Public { condition: Helper })");
  CHECK(rules->rule_count() == 2);
  const auto infos = rules->rules();
  REQUIRE(infos.size() == 2);
  CHECK(infos[0].is_private);
  CHECK_FALSE(infos[1].is_private);
  auto matches = Scan(*rules, ToBytes("KENSA"));
  REQUIRE(matches);
  CHECK(RuleNames(*matches) == std::vector<std::string>{"Public"});
}

TEST_CASE("Signature-base external variables are empty by default and set per scan") {
  auto rules = MustCompile(R"(
    rule ByName { condition: filename == "invoice.exe" and extension == ".exe" }
    rule AnyName { condition: filepath == "" and filetype == "" and owner == "" })");
  auto plain = Scan(*rules, ToBytes("x"));
  REQUIRE(plain);
  CHECK(RuleNames(*plain) == std::vector<std::string>{"AnyName"});

  ScanOptions options;
  options.externals.filename = "invoice.exe";
  options.externals.extension = ".exe";
  options.externals.owner = "alice";
  auto named = Scan(*rules, ToBytes("x"), options);
  REQUIRE(named);
  CHECK(RuleNames(*named) == std::vector<std::string>{"ByName"});
}

TEST_CASE("A compile error fails CompileSource with its message and line, without a crash") {
  std::vector<CompileMessage> messages;
  auto rules = RuleSet::CompileSource(
      "rule Good { condition: true }\n\nrule Bad { condition: $x }\n", &messages);
  REQUIRE_FALSE(rules);
  CHECK(rules.error().code() == StatusCode::kInvalidArgument);
  CHECK(rules.error().message().find("undefined string \"$x\"") != std::string::npos);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].is_error);
  CHECK(messages[0].line == 3);
  CHECK(messages[0].message == "undefined string \"$x\"");
}

TEST_CASE("A rule that runs past its time budget fails the scan with kDeadlineExceeded") {
  // Quadratic in the file size: about 4e9 steps for 64 KiB, far beyond one second.
  auto rules = MustCompile(R"(
    rule Slow {
      condition:
        for all i in (0..filesize - 1) : (
          for all j in (0..filesize - 1) : (uint8(i) | uint8(j) >= 0))
    })");
  const Bytes data(64 * 1024, 0x41);
  ScanOptions options;
  options.timeout_seconds = 1;
  auto matches = Scan(*rules, data, options);
  REQUIRE_FALSE(matches);
  CHECK(matches.error().code() == StatusCode::kDeadlineExceeded);
}

TEST_CASE("CompileDirectories loads every .yar/.yara file, one namespace per file stem") {
  TempDir dir;
  const std::string rule = "rule Same { strings: $a = \"KENSA\" condition: $a }\n";
  const std::string first = dir.Write("a/common.yar", rule);
  const std::string second = dir.Write("b/common.yar", rule);
  const std::string upper = dir.Write("c/UPPER.YARA", "rule Upper { condition: false }\n");
  dir.Write("c/notes.txt", "rule NotLoaded { condition: true }\n");

  std::vector<CompileMessage> messages;
  auto rules = RuleSet::CompileDirectories({dir.path()}, &messages);
  REQUIRE(rules);
  CHECK(messages.empty());
  CHECK((*rules)->rule_count() == 3);
  CHECK((*rules)->source_files() == std::vector<std::string>{first, second, upper});
  std::vector<std::string> namespaces;
  for (const auto& info : (*rules)->rules()) namespaces.push_back(info.rule_namespace);
  CHECK(namespaces == std::vector<std::string>{"common", "common_2", "UPPER"});

  auto matches = Scan(**rules, ToBytes("KENSA"));
  REQUIRE(matches);
  REQUIRE(matches->size() == 2);
  CHECK((*matches)[0].namespace_() == "common");
  CHECK((*matches)[1].namespace_() == "common_2");
}

TEST_CASE("CompileDirectories skips a broken file, reports it and keeps the others") {
  TempDir dir;
  dir.Write("1_good.yar", "rule Good { strings: $a = \"KENSA\" condition: $a }\n");
  const std::string broken =
      dir.Write("2_broken.yar", "rule Broken {\n  condition:\n    nope(\n}\n");
  dir.Write("3_unknown_module.yar", "import \"no_such_module\"\nrule Mod { condition: true }\n");
  dir.Write("4_good.yara", "rule AlsoGood { condition: filesize < 10 }\n");

  std::vector<CompileMessage> messages;
  auto rules = RuleSet::CompileDirectories({dir.path()}, &messages);
  REQUIRE(rules);
  CHECK((*rules)->rule_count() == 2);
  CHECK((*rules)->source_files().size() == 2);
  std::set<std::string> failed_files;
  for (const auto& message : messages) {
    CHECK(message.is_error);
    failed_files.insert(fs::path(message.file).filename().string());
  }
  CHECK(failed_files == std::set<std::string>{"2_broken.yar", "3_unknown_module.yar"});
  const auto broken_message = std::find_if(messages.begin(), messages.end(),
                                           [&](const auto& m) { return m.file == broken; });
  REQUIRE(broken_message != messages.end());
  CHECK(broken_message->line == 3);

  auto matches = Scan(**rules, ToBytes("KENSA"));
  REQUIRE(matches);
  CHECK(RuleNames(*matches) == std::vector<std::string>{"Good", "AlsoGood"});
}

TEST_CASE("CompileDirectories rejects a missing directory and a plain file") {
  TempDir dir;
  const std::string file = dir.Write("x.yar", "rule X { condition: true }\n");
  std::vector<CompileMessage> messages;
  auto missing = RuleSet::CompileDirectories({dir.path() + "/absent"}, &messages);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == StatusCode::kNotFound);
  auto not_dir = RuleSet::CompileDirectories({file}, &messages);
  REQUIRE_FALSE(not_dir);
  CHECK(not_dir.error().code() == StatusCode::kInvalidArgument);
  auto empty = RuleSet::CompileDirectories({}, nullptr);
  REQUIRE(empty);
  CHECK((*empty)->rule_count() == 0);
}

TEST_CASE("One RuleSet is scanned from several threads at once with per-scan externals") {
  auto rules = MustCompile(R"(
    rule Word { strings: $a = "KENSA" condition: $a }
    rule Named { condition: filename == "named.bin" })");
  constexpr int kThreads = 4;
  constexpr int kScansPerThread = 200;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ScanOptions options;
      if (t % 2 == 0) options.externals.filename = "named.bin";
      const Bytes data = ToBytes(t % 2 == 0 ? "..KENSA.." : "........");
      const std::vector<std::string> expected =
          t % 2 == 0 ? std::vector<std::string>{"Word", "Named"} : std::vector<std::string>{};
      for (int i = 0; i < kScansPerThread; ++i) {
        auto matches = Scan(*rules, data, options);
        if (!matches || RuleNames(*matches) != expected) ++wrong;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong.load() == 0);
}

TEST_CASE("All 741 rule files of Neo23x0 signature-base compile with their externals") {
  const std::string dir = "../shared/corpora/yara-signature-base/yara";
  if (!fs::is_directory(dir)) {
    WARN("signature-base corpus not present at " << dir << "; skipped");
    return;
  }
  std::vector<CompileMessage> messages;
  auto rules = RuleSet::CompileDirectories({dir}, &messages);
  REQUIRE(rules);
  std::size_t errors = 0;
  for (const auto& message : messages) {
    if (message.is_error) {
      ++errors;
      UNSCOPED_INFO(message.file << ":" << message.line << ": " << message.message);
    }
  }
  CHECK(errors == 0);
  CHECK((*rules)->source_files().size() == 741);
  CHECK((*rules)->rule_count() == 5883);

  // The same folder with one broken file added: the broken file is reported, the 741 still load.
  TempDir extra;
  const std::string broken = extra.Write("zz_broken.yar", "rule Broken { condition: }\n");
  messages.clear();
  auto with_broken = RuleSet::CompileDirectories({dir, extra.path()}, &messages);
  REQUIRE(with_broken);
  CHECK((*with_broken)->source_files().size() == 741);
  CHECK((*with_broken)->rule_count() == 5883);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].file == broken);
  CHECK(messages[0].is_error);

  // A PowerShell line with a string of signature-base's Hacktool_Strings_p0wnedShell rule.
  const Bytes data = ToBytes("Invoke-Mimikatz -DumpCreds");
  auto matches = Scan(**rules, data);
  REQUIRE(matches);
  REQUIRE(matches->size() == 1);
  CHECK((*matches)[0].namespace_() == "gen_p0wnshell");
  CHECK((*matches)[0].rule() == "Hacktool_Strings_p0wnedShell");
  CHECK((*matches)[0].meta().at("author") == "Florian Roth");
}

}  // namespace
}  // namespace kensa::yara_scan
