#pragma once
// The programs a Windows host ran, from the Prefetch files of a collection
// (files/C/Windows/Prefetch/*.pf, read with libs/prefetch): one row per program with its last
// run time first, so that the host checks in rules/hunt/windows.yaml can flag attack tools and
// programs run from temporary or public folders, with the time they ran.

#include <string>
#include <vector>

#include "kensa/collection/collection.h"

namespace kensa::hunt {

struct PrefetchTable {
  // last_run, executable, path, run_count, previous_runs, volume_serial, prefetch_file;
  // empty when the collection holds no readable prefetch file.
  std::string tsv;
  std::size_t files_read = 0;
  std::vector<std::string> problems;  // "<path>: <what>"
};

PrefetchTable DerivePrefetchTable(const collection::Collection& collection);

// Adds derived/prefetch.tsv (artifact prefetch) when there is anything to add; returns the
// problems met.
std::vector<std::string> AddPrefetchTable(collection::Collection* collection);

}  // namespace kensa::hunt
