#pragma once
// The autostart and service tables of a Windows collection, read again from the registry
// hive files it holds (files/C/Windows/System32/config/{SOFTWARE,SYSTEM}, users' NTUSER.DAT)
// with libs/regf. The collector builds commands/autoruns.tsv and commands/services.tsv from
// the live registry through the API; the same rows from the hives cover collections that
// have only the files (copied by hand, KAPE-style) and entries a rootkit hides from the API.
// The tables have the collector's columns, so rules/hunt/windows.yaml checks both.
//
// Two more tables record programs the host had, from the same hives: the Shimcache
// (AppCompatCache value of every control set in SYSTEM, libs/regf/appcompat_cache.h) and
// Amcache.hve (files/C/Windows/AppCompat/Programs/Amcache.hve), with Windows 7's
// RecentFileCache.bcf beside it as Amcache rows of a path only. The collector has no API form
// of them.

#include <cstddef>
#include <string>
#include <vector>

#include "kensa/collection/collection.h"

namespace kensa::hunt {

struct RegistryTables {
  // Header row plus rows; empty when no hive of that kind was read.
  std::string autoruns_tsv;  // category, location, entry, data, key_modified
  std::string services_tsv;  // name, display_name, type, start_type, state, pid, image_path, account, service_dll, notes
  // last_modified (the file's), executable, path, executed (yes/no on Windows 7 and 8, else
  // empty), position (0 = newest), control_set, layout
  std::string shimcache_tsv;
  // key_written, executable, path, sha1, size, link_date, publisher, product, version,
  // amcache_file
  std::string amcache_tsv;
  std::vector<std::string> hives_read;  // collection paths
  std::vector<std::string> problems;    // "<path>: <what>"
};

RegistryTables DeriveRegistryTables(const collection::Collection& collection);

// Adds derived/autoruns.tsv (artifact autoruns), derived/services.tsv (services),
// derived/shimcache.tsv (shimcache) and derived/amcache.tsv (amcache) to the collection when
// its hives gave any; returns the problems met.
std::vector<std::string> AddRegistryTables(collection::Collection* collection);

}  // namespace kensa::hunt
