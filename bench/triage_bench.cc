// Triage throughput benchmark: loads the rules once, then triages every regular file under a
// folder in this process and prints files/s, MB/s and per-file latency percentiles.
// Not a test: it never fails on time. See bench/README.md.
//
//   kensa_bench DIR [--rules DIR] [--yara-rules DIR]... [--repeat N] [--min-size BYTES]
//               [--per-file TSV]
//
// --per-file writes one line per file for bench/documents_bench.py: the path, the format code
// Kensa identified, the milliseconds of the whole triage (the file and every file found in it,
// scored), the milliseconds of the static stage on the file alone (what a single-file peer
// tool does), the number of files found inside, and what the format's analyzer found.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "kensa/core/file.h"
#include "kensa/pipeline/triage.h"

namespace {

using kensa::analysis::v1::StaticResult;

// "key=value" pairs of what the format's analyzer found, so the comparison with a peer tool
// shows both sides did the same work (VBA modules extracted, scripts found...).
std::string FormatFacts(const StaticResult& result) {
  std::string facts;
  const auto add = [&facts](const char* key, std::size_t value) {
    facts += (facts.empty() ? "" : " ") + std::string(key) + "=" + std::to_string(value);
  };
  const auto count = [](int size) { return static_cast<std::size_t>(size); };
  const std::string& format = result.sample().file_type().format();
  if (format == "ole2" || format == "ooxml") {
    std::size_t auto_exec = 0;
    for (const auto& module : result.office().vba_modules()) {
      for (const auto& finding : module.findings()) auto_exec += finding.kind() == "auto_exec" ? 1U : 0U;
    }
    add("vba_modules", count(result.office().vba_modules_size()));
    add("auto_exec", auto_exec);
    add("encrypted", result.office().encrypted() ? 1 : 0);
  }
  if (format == "ooxml") {
    add("external_rels", count(result.ooxml().external_relationships_size()));
    add("dde", count(result.ooxml().dde_links_size()));
    add("embedded", count(result.ooxml().embedded_parts_size()));
  }
  if (format == "rtf") {
    std::size_t exploits = 0;
    for (const auto& object : result.rtf().objects()) exploits += count(object.equation().exploits_size());
    add("objects", count(result.rtf().objects_size()));
    add("equation_exploits", exploits);
  }
  if (format == "pdf") {
    add("scripts", count(result.pdf().scripts_size()));
    add("actions", count(result.pdf().actions_size()));
    add("embedded", count(result.pdf().embedded_files_size()));
    add("encrypted", result.pdf().encryption().encrypted() ? 1 : 0);
  }
  if (format == "lnk") {
    add("arguments", result.lnk().arguments().empty() ? 0 : 1);
    add("command_line", result.lnk().command_line().empty() ? 0 : 1);
    add("tracker", result.lnk().tracker().machine_id().empty() ? 0 : 1);
  }
  if (format == "script" || result.has_script()) {
    add("layers", count(result.script().layers_size()));
    add("script_findings", count(result.script().findings_size()));
  }
  add("indicators", count(result.indicators_size()));
  return facts;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0.0;
  std::sort(values.begin(), values.end());
  const auto index = static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: kensa_bench DIR [--rules DIR] [--yara-rules DIR]... [--repeat N] [--min-size BYTES]\n");
    return 2;
  }
  const std::string root = argv[1];
  kensa::pipeline::TriageConfig config;
  config.static_config.rules_dir = KENSA_BENCH_RULES_DIR;
  // The analysis itself, as the peers run theirs: in this process. `kensa triage` adds a fork
  // per file and stage (TriageConfig::isolate), about 2.7 ms each on the 2-core machine.
  config.isolate = false;
  int repeat = 1;
  std::uint64_t min_size = 0;
  std::string per_file_path;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rules") config.static_config.rules_dir = argv[i + 1];
    else if (flag == "--yara-rules") config.static_config.extra_yara_dirs.emplace_back(argv[i + 1]);
    else if (flag == "--repeat") repeat = std::max(1, std::atoi(argv[i + 1]));
    else if (flag == "--min-size") min_size = std::strtoull(argv[i + 1], nullptr, 10);
    else if (flag == "--per-file") per_file_path = argv[i + 1];
  }
  std::FILE* per_file = nullptr;
  if (!per_file_path.empty()) {
    per_file = std::fopen(per_file_path.c_str(), "w");
    if (per_file == nullptr) {
      std::fprintf(stderr, "kensa_bench: cannot write %s\n", per_file_path.c_str());
      return 1;
    }
    std::fprintf(per_file, "path\tformat\ttriage_ms\tstatic_ms\tchildren\tfacts\n");
  }

  const auto load_start = std::chrono::steady_clock::now();
  std::vector<std::string> warnings;
  auto engine = kensa::pipeline::TriageEngine::Create(config, &warnings);
  if (!engine) {
    std::fprintf(stderr, "kensa_bench: %s\n", engine.error().ToString().c_str());
    return 1;
  }
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - load_start).count();

  std::vector<std::string> files;
  std::error_code error;
  for (std::filesystem::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (it->is_regular_file(error) && it->file_size(error) >= min_size && it->file_size(error) > 0) {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());

  std::vector<double> latencies;
  std::uint64_t bytes = 0;
  std::size_t per_level[6] = {};
  const auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < repeat; ++round) {
    for (const auto& file : files) {
      auto data = kensa::ReadFileBounded(file, 512ULL * 1024 * 1024);
      if (!data) continue;
      const auto t0 = std::chrono::steady_clock::now();
      kensa::pipeline::SubmissionInfo info;
      info.file_name = file;
      info.tenant = "bench";
      auto report = (*engine)->Triage(*data, info);
      latencies.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      bytes += data->size();
      if (report && round == 0) ++per_level[std::clamp(static_cast<int>(report->verdict().level()), 0, 5)];
      if (per_file != nullptr && report && round == 0) {
        // The static stage alone on this file, outside the triage timing above.
        const auto s0 = std::chrono::steady_clock::now();
        auto alone = (*engine)->static_analyzer().Analyze(*data, file);
        const double static_ms =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s0).count();
        std::fprintf(per_file, "%s\t%s\t%.3f\t%.3f\t%d\t%s\n", file.c_str(),
                     report->static_result().sample().file_type().format().c_str(), latencies.back(),
                     alone ? static_ms : -1.0, report->children_size(),
                     FormatFacts(report->static_result()).c_str());
      }
    }
  }
  // The static-stage timings above ran inside the loop: count only the triage time.
  double seconds = 0;
  for (const double ms : latencies) seconds += ms / 1000.0;
  if (per_file == nullptr) {
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  } else {
    std::fclose(per_file);
  }

  std::printf("kensa triage benchmark: %zu files under %s, %d round(s)\n", files.size(), root.c_str(), repeat);
  std::printf("  rules: %zu yara, %zu signature (load %.0f ms)\n", (*engine)->static_analyzer().yara_rule_count(),
              (*engine)->static_analyzer().signature_rule_count(), load_ms);
  std::printf("  files/s: %.1f   MB/s: %.1f\n", static_cast<double>(latencies.size()) / seconds,
              static_cast<double>(bytes) / 1e6 / seconds);
  std::printf("  per file ms: p50 %.2f  p90 %.2f  p99 %.2f  max %.2f\n", Percentile(latencies, 50),
              Percentile(latencies, 90), Percentile(latencies, 99), Percentile(latencies, 100));
  std::printf("  levels: clean %zu, low %zu, suspicious %zu, malicious %zu, critical %zu\n", per_level[1],
              per_level[2], per_level[3], per_level[4], per_level[5]);
  return 0;
}
