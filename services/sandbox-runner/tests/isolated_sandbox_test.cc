// The isolated sandbox run as sandbox-runner does it, on the real emulator and a real mingw test
// program (tests/winbins): the behaviour comes back through the child's pipe intact, a crashing
// run fails its one sample with the signal named, and the worker function serves the next one.
#include "kensa/pipeline/isolated_stages.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

#include "kensa/core/file.h"
#include "kensa/static_analysis/static_analyzer.h"

namespace {

std::string WinbinPath(const std::string& arch, const std::string& name) {
  const char* binary_dir = std::getenv("KENSA_BINARY_DIR");
  REQUIRE(binary_dir != nullptr);
  return std::string(binary_dir) + "/tests/winbins/" + arch + "/" + name;
}

const kensa::sandbox::Sandbox& TheSandbox() {
  static const std::unique_ptr<kensa::sandbox::Sandbox> sandbox = [] {
    auto created = kensa::sandbox::Sandbox::Create({}, nullptr);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  return *sandbox;
}

kensa::analysis::v1::StaticResult StaticResultOf(kensa::ByteSpan data, const std::string& name) {
  static const std::unique_ptr<kensa::static_analysis::StaticAnalyzer> analyzer = [] {
    auto created = kensa::static_analysis::StaticAnalyzer::Create({}, nullptr);
    REQUIRE(created.has_value());
    return std::move(*created);
  }();
  auto result = analyzer->Analyze(data, name);
  REQUIRE(result.has_value());
  return *result;
}

kensa::sample::v1::Submission Sample(const std::string& name) {
  kensa::sample::v1::Submission submission;
  submission.set_id("s1");
  submission.mutable_sample()->set_file_name(name);
  return submission;
}

}  // namespace

TEST_CASE("a Run-key program's behaviour comes back from the isolated run") {
  const auto data = kensa::ReadFileBounded(WinbinPath("x64", "t02_runkey.exe"), 16 << 20);
  REQUIRE(data.has_value());
  auto run = kensa::pipeline::IsolatedSandbox(TheSandbox(), {});
  auto output = run(*data, Sample("t02_runkey.exe"), StaticResultOf(*data, "t02_runkey.exe"));
  REQUIRE(output.has_value());
  const auto& result = output->result;
  CHECK(result.ran());
  CHECK(result.backend() == "emulator");
  CHECK(result.behavior().architecture() == "x64");
  bool run_key_written = false;
  for (const auto& event : result.behavior().registry_events()) {
    run_key_written |= event.operation() == "set_value" &&
                       event.target().find("\\CurrentVersion\\Run") != std::string::npos &&
                       event.details().find("SbxTest") != std::string::npos;
  }
  CHECK(run_key_written);
  bool persistence = false;
  for (const auto& signature : result.signatures()) {
    persistence |= signature.source() == "behavior" &&
                   std::find(signature.attack_techniques().begin(), signature.attack_techniques().end(),
                             "T1547.001") != signature.attack_techniques().end();
  }
  CHECK(persistence);
}

TEST_CASE("a dropped file comes back as a child with its bytes") {
  const auto data = kensa::ReadFileBounded(WinbinPath("x86", "t03_filedrop.exe"), 16 << 20);
  REQUIRE(data.has_value());
  auto run = kensa::pipeline::IsolatedSandbox(TheSandbox(), {});
  auto output = run(*data, Sample("t03_filedrop.exe"), StaticResultOf(*data, "t03_filedrop.exe"));
  REQUIRE(output.has_value());
  REQUIRE(output->children.size() == static_cast<std::size_t>(output->result.extracted_files_size()));
  bool drop_found = false;
  for (const auto& child : output->children) {
    if (child.data.size() != 4096) continue;
    // README: byte i of sbx-drop.bin is (i mod 256) XOR 0x5A.
    bool matches = true;
    for (std::size_t i = 0; i < child.data.size(); ++i) {
      matches &= child.data[i] == static_cast<std::uint8_t>((i % 256) ^ 0x5A);
    }
    drop_found |= matches && child.info.origin() == "dropped";
  }
  CHECK(drop_found);
}

TEST_CASE("a run that crashes fails its sample with the signal, and the worker lives on") {
  kensa::pipeline::StageIsolation options;
  options.crash_marker = "Global\\sbx-test-mutex";  // only t01 holds it
  auto run = kensa::pipeline::IsolatedSandbox(TheSandbox(), options);
  const auto mutex = kensa::ReadFileBounded(WinbinPath("x64", "t01_mutex.exe"), 16 << 20);
  REQUIRE(mutex.has_value());
  auto crashed = run(*mutex, Sample("t01_mutex.exe"), StaticResultOf(*mutex, "t01_mutex.exe"));
  REQUIRE_FALSE(crashed.has_value());
  CHECK(crashed.error().message().find("SIGSEGV") != std::string::npos);

  const auto runkey = kensa::ReadFileBounded(WinbinPath("x64", "t02_runkey.exe"), 16 << 20);
  REQUIRE(runkey.has_value());
  auto next = run(*runkey, Sample("t02_runkey.exe"), StaticResultOf(*runkey, "t02_runkey.exe"));
  REQUIRE(next.has_value());
  CHECK(next->result.ran());
}

TEST_CASE("a file that is not a Windows program is not run, and says why") {
  const std::string text = "just some notes, not a program\n";
  const kensa::Bytes data(text.begin(), text.end());
  auto run = kensa::pipeline::IsolatedSandbox(TheSandbox(), {});
  auto output = run(data, Sample("notes.txt"), StaticResultOf(data, "notes.txt"));
  REQUIRE(output.has_value());
  CHECK_FALSE(output->result.ran());
  CHECK_FALSE(output->result.skip_reason().empty());
  CHECK(output->children.empty());
}
