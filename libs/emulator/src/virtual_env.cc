#include "virtual_env.h"

#include <algorithm>

namespace kensa::emulator::internal {
namespace {

std::string TrimSlashes(std::string s) {
  while (s.size() > 3 && s.back() == '\\') s.pop_back();
  return s;
}

std::string ParentOf(std::string_view key) {
  const std::size_t slash = key.find_last_of('\\');
  if (slash == std::string_view::npos) return {};
  return std::string(key.substr(0, slash));
}

std::string Utf16Le(std::string_view ascii) {
  std::string out;
  for (char c : ascii) {
    out.push_back(c);
    out.push_back('\0');
  }
  out.append(2, '\0');
  return out;
}

}  // namespace

std::string PathKey(std::string_view path) {
  std::string p(path);
  std::replace(p.begin(), p.end(), '/', '\\');
  for (std::string_view prefix : {"\\\\?\\", "\\??\\"}) {
    if (p.rfind(prefix, 0) == 0) p = p.substr(prefix.size());
  }
  return TrimSlashes(AsciiLower(p));
}

VirtualFileSystem::VirtualFileSystem(const EnvironmentProfile& profile) {
  const std::string home = "C:\\Users\\" + profile.user_name;
  for (const std::string& dir :
       {std::string("C:\\"), std::string("C:\\Windows"), std::string("C:\\Windows\\System32"),
        std::string("C:\\Windows\\SysWOW64"), std::string("C:\\Windows\\Temp"),
        std::string("C:\\Program Files"), std::string("C:\\Program Files (x86)"),
        std::string("C:\\ProgramData"), std::string("C:\\Users"), home, home + "\\Desktop",
        home + "\\Documents", home + "\\Downloads", home + "\\AppData",
        home + "\\AppData\\Roaming", home + "\\AppData\\Local", home + "\\AppData\\Local\\Temp",
        home + "\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup"}) {
    AddDirectory(dir);
  }
  // System files a sample may open, copy or check for; small placeholder contents.
  for (const char* name : {"kernel32.dll", "ntdll.dll", "user32.dll", "advapi32.dll",
                           "cmd.exe", "notepad.exe", "svchost.exe", "rundll32.exe",
                           "explorer.exe", "calc.exe", "drivers\\etc\\hosts"}) {
    File& f = files_[PathKey(std::string("C:\\Windows\\System32\\") + name)];
    f.path = std::string("C:\\Windows\\System32\\") + name;
    f.data = {'M', 'Z'};
  }
  AddDirectory("C:\\Windows\\System32\\drivers\\etc");
  File& explorer = files_[PathKey("C:\\Windows\\explorer.exe")];
  explorer.path = "C:\\Windows\\explorer.exe";
  explorer.data = {'M', 'Z'};
  for (const auto& [path, content] : profile.files) {
    Plant(path, ByteSpan(reinterpret_cast<const std::uint8_t*>(content.data()), content.size()));
  }
}

VirtualFileSystem::File* VirtualFileSystem::Find(std::string_view path) {
  auto it = files_.find(PathKey(path));
  return it == files_.end() ? nullptr : &it->second;
}

VirtualFileSystem::File& VirtualFileSystem::Create(std::string_view path) {
  const std::string key = PathKey(path);
  auto [it, inserted] = files_.try_emplace(key);
  if (inserted) {
    it->second.path = std::string(path);
  }
  if (std::find(creation_order_.begin(), creation_order_.end(), key) == creation_order_.end()) {
    creation_order_.push_back(key);
  }
  it->second.data.clear();
  it->second.written = true;
  const std::string parent = ParentOf(key);
  if (!parent.empty()) directories_.insert(parent.size() == 2 ? parent + "\\" : parent);
  return it->second;
}

void VirtualFileSystem::Plant(std::string_view path, ByteSpan data) {
  File& file = files_[PathKey(path)];
  file.path = std::string(path);
  file.data.assign(data.begin(), data.end());
  file.written = false;
  AddDirectory(path.substr(0, path.find_last_of('\\')));
}

bool VirtualFileSystem::Remove(std::string_view path) {
  const std::string key = PathKey(path);
  creation_order_.erase(std::remove(creation_order_.begin(), creation_order_.end(), key),
                        creation_order_.end());
  return files_.erase(key) > 0;
}

bool VirtualFileSystem::Rename(std::string_view from, std::string_view to) {
  File* source = Find(from);
  if (source == nullptr) return false;
  Bytes data = source->data;
  Remove(from);
  File& target = Create(to);
  target.data = std::move(data);
  return true;
}

bool VirtualFileSystem::DirectoryExists(std::string_view path) const {
  return directories_.count(PathKey(path)) > 0;
}

void VirtualFileSystem::AddDirectory(std::string_view path) {
  std::string key = PathKey(path);
  while (!key.empty() && directories_.insert(key).second) {
    key = ParentOf(key);
    if (key.size() == 2) key += "\\";  // "c:" -> "c:\"
    if (key.size() <= 3 && directories_.count(key) > 0) break;
  }
}

std::vector<std::string> VirtualFileSystem::List(std::string_view dir) const {
  std::string prefix = PathKey(dir);
  if (prefix.back() != '\\') prefix += '\\';
  std::vector<std::string> names;
  for (const auto& [key, file] : files_) {
    if (key.rfind(prefix, 0) == 0 && key.find('\\', prefix.size()) == std::string::npos) {
      names.push_back(file.path.substr(file.path.find_last_of('\\') + 1));
    }
  }
  return names;
}

std::vector<const VirtualFileSystem::File*> VirtualFileSystem::Written() const {
  std::vector<const File*> out;
  for (const std::string& key : creation_order_) {
    auto it = files_.find(key);
    if (it != files_.end() && it->second.written) out.push_back(&it->second);
  }
  return out;
}

VirtualRegistry::VirtualRegistry(const EnvironmentProfile& profile) {
  const bool japanese = profile.locale == "ja-JP";
  const std::string nt = "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion";
  SetString(nt, "ProductName", "Windows 10 Pro");
  SetString(nt, "CurrentVersion", "6.3");
  SetString(nt, "CurrentBuild", "19045");
  SetString(nt, "CurrentBuildNumber", "19045");
  SetString(nt, "EditionID", "Professional");
  SetString(nt, "RegisteredOwner", profile.user_name);
  SetString(nt, "InstallationType", "Client");
  SetString("HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Cryptography", "MachineGuid",
            "6ba7b811-9dad-41d1-80b4-00c04fd430c8");
  const std::string cv = "HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion";
  SetString(cv, "ProgramFilesDir", "C:\\Program Files");
  SetString(cv, "CommonFilesDir", "C:\\Program Files\\Common Files");
  Create(cv + "\\Run");
  Create(cv + "\\RunOnce");
  SetString(cv + "\\Run", "SecurityHealth", "%windir%\\system32\\SecurityHealthSystray.exe");
  Create("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Run");
  Create("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\RunOnce");
  Create("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders");
  SetString("HKEY_CURRENT_USER\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\Shell Folders",
            "AppData", "C:\\Users\\" + profile.user_name + "\\AppData\\Roaming");
  Create("HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services");
  SetString("HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\ComputerName\\ComputerName",
            "ComputerName", profile.computer_name);
  SetString("HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Control\\Nls\\CodePage", "ACP",
            japanese ? "932" : "1252");
  SetString("HKEY_CURRENT_USER\\Control Panel\\International", "LocaleName", profile.locale);
  SetString("HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
            "Shell", "explorer.exe");
  SetString("HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows NT\\CurrentVersion\\Winlogon",
            "Userinit", "C:\\Windows\\system32\\userinit.exe,");
}

VirtualRegistry::Key* VirtualRegistry::Find(std::string_view path) {
  auto it = keys_.find(PathKey(path));
  return it == keys_.end() ? nullptr : &it->second;
}

VirtualRegistry::Key& VirtualRegistry::Create(std::string_view path) {
  // Parents exist whenever a child does, as in a real hive.
  const std::string parent = ParentOf(path);
  if (!parent.empty() && Find(parent) == nullptr) Create(parent);
  auto [it, inserted] = keys_.try_emplace(PathKey(path));
  if (inserted) it->second.path = std::string(path);
  return it->second;
}

bool VirtualRegistry::Remove(std::string_view path) { return keys_.erase(PathKey(path)) > 0; }

void VirtualRegistry::SetString(std::string_view key, std::string_view name,
                                std::string_view value) {
  Value v;
  v.type = 1;
  const std::string wide = Utf16Le(value);
  v.data.assign(wide.begin(), wide.end());
  Create(key).values[AsciiLower(name)] = std::move(v);
}

std::vector<std::string> VirtualRegistry::SubkeyNames(std::string_view path) const {
  const std::string prefix = PathKey(path) + "\\";
  std::vector<std::string> names;
  for (const auto& [key, value] : keys_) {
    if (key.rfind(prefix, 0) == 0 && key.find('\\', prefix.size()) == std::string::npos) {
      names.push_back(value.path.substr(value.path.find_last_of('\\') + 1));
    }
  }
  return names;
}

std::vector<VirtualProcess> DefaultProcessList(std::uint32_t sample_pid,
                                               std::string_view sample_name) {
  return {{4, 0, "System"},           {388, 4, "smss.exe"},        {496, 388, "csrss.exe"},
          {572, 388, "wininit.exe"},  {652, 572, "services.exe"},  {668, 572, "lsass.exe"},
          {780, 652, "svchost.exe"},  {1204, 652, "svchost.exe"},  {2876, 2852, "explorer.exe"},
          {3312, 2876, "OneDrive.exe"}, {4020, 2876, "msedge.exe"},
          {sample_pid, 2876, std::string(sample_name)}};
}

}  // namespace kensa::emulator::internal
