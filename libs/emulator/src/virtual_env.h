#pragma once
// Internal: the virtual Windows the sample sees: a file system and a registry held in memory
// (nothing is ever written on the host), the process list, and the names of the machine.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "kensa/core/bytes.h"
#include "kensa/emulator/emulator.h"

namespace kensa::emulator::internal {

// Windows path comparison key: lower case, '/' as '\', "\\?\" and "\??\" prefixes removed.
std::string PathKey(std::string_view path);

class VirtualFileSystem {
 public:
  struct File {
    std::string path;  // as first created, Windows spelling
    Bytes data;
    bool written = false;  // created or written by the sample: a dropped file
  };

  explicit VirtualFileSystem(const EnvironmentProfile& profile);

  File* Find(std::string_view path);
  // Creates (or truncates) a file; its directory need not exist (directories are implied).
  File& Create(std::string_view path);
  // A file that exists before the run (not a dropped file): the sample itself, planted files.
  void Plant(std::string_view path, ByteSpan data);
  bool Remove(std::string_view path);
  bool Rename(std::string_view from, std::string_view to);
  bool DirectoryExists(std::string_view path) const;
  void AddDirectory(std::string_view path);
  // Files and directories directly inside `dir` (names only).
  std::vector<std::string> List(std::string_view dir) const;
  // Files the sample created or wrote, in creation order.
  std::vector<const File*> Written() const;

 private:
  std::map<std::string, File> files_;
  std::vector<std::string> creation_order_;
  std::set<std::string> directories_;
};

class VirtualRegistry {
 public:
  struct Value {
    std::uint32_t type = 1;  // REG_SZ
    Bytes data;
  };
  struct Key {
    std::string path;  // "HKEY_LOCAL_MACHINE\Software\Microsoft\Windows NT\CurrentVersion"
    std::map<std::string, Value> values;  // by lower-case name
  };

  explicit VirtualRegistry(const EnvironmentProfile& profile);

  Key* Find(std::string_view path);
  Key& Create(std::string_view path);
  // A file that exists before the run (not a dropped file): the sample itself, planted files.
  void Plant(std::string_view path, ByteSpan data);
  bool Remove(std::string_view path);
  void SetString(std::string_view key, std::string_view name, std::string_view value);
  std::vector<std::string> SubkeyNames(std::string_view path) const;

 private:
  std::map<std::string, Key> keys_;  // by lower-case path
};

struct VirtualProcess {
  std::uint32_t pid;
  std::uint32_t parent_pid;
  std::string image_name;
};

std::vector<VirtualProcess> DefaultProcessList(std::uint32_t sample_pid,
                                               std::string_view sample_name);

}  // namespace kensa::emulator::internal
