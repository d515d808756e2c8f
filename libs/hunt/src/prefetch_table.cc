#include "kensa/hunt/prefetch_table.h"

#include <algorithm>
#include <cstdio>

#include "kensa/core/bytes.h"
#include "kensa/core/time.h"
#include "kensa/prefetch/prefetch.h"
#include "tsv_row.h"

namespace kensa::hunt {
namespace {

// A Windows 10 host keeps at most 1,024 prefetch files; more is not a real Prefetch folder.
constexpr std::size_t kMaxPrefetchFiles = 4096;

bool IsPrefetchFile(const std::string& path) {
  const std::string lower = AsciiLower(path);
  return lower.find("/windows/prefetch/") != std::string::npos && lower.ends_with(".pf");
}

}  // namespace

PrefetchTable DerivePrefetchTable(const collection::Collection& collection) {
  PrefetchTable table;
  std::string rows;
  for (const std::string& path : collection.Paths()) {
    if (!IsPrefetchFile(path)) continue;
    if (table.files_read >= kMaxPrefetchFiles) {
      table.problems.push_back("more prefetch files than " + std::to_string(kMaxPrefetchFiles) + "; the rest are not read");
      break;
    }
    auto bytes = collection.Read(path);
    if (!bytes) {
      table.problems.push_back(path + ": " + bytes.error().message());
      continue;
    }
    auto pf = prefetch::ParsePrefetch(*bytes);
    if (!pf) {
      table.problems.push_back(path + ": " + pf.error().message());
      continue;
    }
    ++table.files_read;
    for (const auto& problem : pf->problems) table.problems.push_back(path + ": " + problem);
    std::string previous;
    for (std::size_t i = 1; i < pf->run_times.size(); ++i) {
      previous += (previous.empty() ? "" : " ") + FormatFiletime(pf->run_times[i]);
    }
    char serial[16];
    std::snprintf(serial, sizeof serial, "%08X", pf->volumes.empty() ? 0u : pf->volumes.front().serial_number);
    const std::string fields[] = {pf->run_times.empty() ? "" : FormatFiletime(pf->run_times.front()),
                                  pf->executable,
                                  pf->ExecutablePath(),
                                  std::to_string(pf->run_count),
                                  previous,
                                  pf->volumes.empty() ? "" : serial,
                                  path};
    internal::AppendTsvRow(&rows, std::vector<std::string>(std::begin(fields), std::end(fields)));
  }
  if (!rows.empty()) {
    table.tsv = "last_run\texecutable\tpath\trun_count\tprevious_runs\tvolume_serial\tprefetch_file\n" + rows;
  }
  return table;
}

std::vector<std::string> AddPrefetchTable(collection::Collection* collection) {
  PrefetchTable table = DerivePrefetchTable(*collection);
  if (!table.tsv.empty()) {
    collection->AddDerivedItem("derived/prefetch.tsv", "prefetch",
                               "prefetch files: " + std::to_string(table.files_read) + " read",
                               Bytes(table.tsv.begin(), table.tsv.end()));
  }
  return table.problems;
}

}  // namespace kensa::hunt
