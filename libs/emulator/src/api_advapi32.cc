// advapi32 models: the registry (over VirtualRegistry), the service control manager (services
// mirrored under HKLM\System\CurrentControlSet\Services as Windows does), identity and tokens.
#include <algorithm>

#include "api_util.h"

namespace kensa::emulator::internal {
namespace {

using Kind = HandleObject::Kind;

constexpr std::uint64_t kMaxValueBytes = 1 << 20;  // largest registry value accepted

// Registry results are Win32 error codes returned directly (LSTATUS).
constexpr std::uint64_t kOk = 0;

std::string RootName(std::uint64_t hkey) {
  switch (hkey & 0xFFFFFFFFu) {
    case 0x80000000: return "HKEY_CLASSES_ROOT";
    case 0x80000001: return "HKEY_CURRENT_USER";
    case 0x80000002: return "HKEY_LOCAL_MACHINE";
    case 0x80000003: return "HKEY_USERS";
    case 0x80000005: return "HKEY_CURRENT_CONFIG";
    default: return {};
  }
}

// Full key path of `hkey` + `subkey`, or "" for an unknown handle.
std::string KeyPath(Machine& m, std::uint64_t hkey, const std::string& subkey) {
  std::string base = RootName(hkey);
  if (base.empty()) {
    HandleObject* h = m.GetHandle(hkey);
    if (h == nullptr || h->kind != Kind::kKey) return {};
    base = h->name;
  }
  std::string sub = subkey;
  while (!sub.empty() && sub.front() == '\\') sub.erase(sub.begin());
  while (!sub.empty() && sub.back() == '\\') sub.pop_back();
  return sub.empty() ? base : base + "\\" + sub;
}

std::uint64_t KeyHandle(Machine& m, const std::string& path) {
  HandleObject h;
  h.kind = Kind::kKey;
  h.name = path;
  return m.NewHandle(h);
}

// Registry value data as text for events: strings decoded, DWORDs as numbers.
std::string ValueText(std::uint32_t type, const Bytes& data) {
  switch (type) {
    case 1: case 2: case 7:  // REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ (first string)
      return FromUtf16Le(std::string_view(reinterpret_cast<const char*>(data.data()), data.size()));
    case 4:
      if (data.size() >= 4) {
        std::uint32_t v = 0;
        std::copy_n(data.begin(), 4, reinterpret_cast<std::uint8_t*>(&v));
        return std::to_string(v);
      }
      return {};
    default:
      return std::to_string(data.size()) + " bytes";
  }
}

bool IsStringType(std::uint32_t type) { return type == 1 || type == 2 || type == 7; }

std::uint64_t OpenKey(ApiInvocation& inv, std::size_t key_index, std::size_t sub_index,
                      std::size_t out_index, bool create, std::uint64_t disposition_out = 0) {
  Machine& m = inv.m;
  const std::string sub = inv.Arg(sub_index) != 0 ? inv.Str(sub_index) : std::string();
  const std::string path = KeyPath(m, inv.Arg(key_index), sub);
  inv.Note(key_index, RootName(inv.Arg(key_index)).empty() ? HexNumber(inv.Arg(key_index))
                                                            : RootName(inv.Arg(key_index)));
  if (path.empty()) return kErrorInvalidHandle;
  const bool exists = m.registry().Find(path) != nullptr;
  if (!create && !exists) {
    m.RegistryEvent("open_key", path, "not_found");
    return kErrorFileNotFound;
  }
  if (create) {
    m.registry().Create(path);
    if (disposition_out != 0) m.Write32(disposition_out, exists ? 2 : 1);
  }
  m.RegistryEvent(create ? "create_key" : "open_key", path);
  m.WritePtr(inv.Arg(out_index), KeyHandle(m, path));
  return kOk;
}

std::uint64_t SetValue(ApiInvocation& inv, std::uint64_t hkey, const std::string& subkey,
                       const std::string& name, std::uint32_t type, std::uint64_t data,
                       std::uint64_t size) {
  Machine& m = inv.m;
  const std::string path = KeyPath(m, hkey, subkey);
  if (path.empty()) return kErrorInvalidHandle;
  Bytes raw = m.ReadBytes(data, static_cast<std::size_t>(std::min(size, kMaxValueBytes)));
  VirtualRegistry::Value value;
  value.type = type;
  if (IsStringType(type) && !inv.wide) {
    // Stored as Windows stores it: UTF-16.
    const std::string text = m.DecodeAnsi(std::string(raw.begin(), std::find(raw.begin(), raw.end(), 0)));
    const std::string wide = ToUtf16Le(text) + std::string(2, '\0');
    value.data.assign(wide.begin(), wide.end());
  } else {
    value.data = std::move(raw);
  }
  const std::string text = ValueText(type, value.data);
  m.registry().Create(path).values[AsciiLower(name)] = value;
  m.RegistryEvent("set_value", path, (name.empty() ? "(Default)" : name) + " = " + text);
  return kOk;
}

std::uint64_t QueryValue(ApiInvocation& inv, const std::string& path, const std::string& name,
                         std::uint64_t type_out, std::uint64_t data_out, std::uint64_t size_inout) {
  Machine& m = inv.m;
  VirtualRegistry::Key* key = path.empty() ? nullptr : m.registry().Find(path);
  auto it = key == nullptr ? decltype(key->values)::iterator{} : key->values.find(AsciiLower(name));
  if (key == nullptr || it == key->values.end()) {
    m.RegistryEvent("query_value", path, (name.empty() ? "(Default)" : name) + ": not_found");
    return kErrorFileNotFound;
  }
  const VirtualRegistry::Value& value = it->second;
  Bytes data = value.data;
  if (IsStringType(value.type) && !inv.wide) {
    const std::string ansi = m.EncodeAnsi(FromUtf16Le(std::string(data.begin(), data.end())));
    data.assign(ansi.begin(), ansi.end());
    data.push_back(0);
  }
  m.RegistryEvent("query_value", path, (name.empty() ? "(Default)" : name) + " = " + ValueText(value.type, value.data));
  if (type_out != 0) m.Write32(type_out, value.type);
  if (size_inout == 0) return kOk;
  const std::uint32_t capacity = m.Read32(size_inout);
  m.Write32(size_inout, static_cast<std::uint32_t>(data.size()));
  if (data_out == 0) return kOk;
  if (capacity < data.size()) return kErrorMoreData;
  m.WriteBytes(data_out, data);
  return kOk;
}

void RegisterRegistry(ApiRegistry& r) {
  r.AddAW("RegOpenKeyEx", [](ApiInvocation& inv) { return OpenKey(inv, 0, 1, 4, false); });
  r.AddAW("RegOpenKey", [](ApiInvocation& inv) { return OpenKey(inv, 0, 1, 2, false); });
  r.AddAW("RegCreateKeyEx", [](ApiInvocation& inv) { return OpenKey(inv, 0, 1, 7, true, inv.Arg(8)); });
  r.AddAW("RegCreateKey", [](ApiInvocation& inv) { return OpenKey(inv, 0, 1, 2, true); });
  r.AddAW("RegSetValueEx", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string name = inv.Arg(1) != 0 ? inv.Str(1) : std::string();
    return SetValue(inv, inv.Arg(0), {}, name, static_cast<std::uint32_t>(inv.Arg(3)), inv.Arg(4),
                    inv.Arg(5) & 0xFFFFFFFFu);
  });
  r.AddAW("RegSetValue", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string sub = inv.Arg(1) != 0 ? inv.Str(1) : std::string();
    const std::uint64_t size = inv.wide ? 2 * (inv.m.ReadWide(inv.Arg(3)).size() + 1)
                                        : inv.m.ReadAnsi(inv.Arg(3)).size() + 1;
    return SetValue(inv, inv.Arg(0), sub, {}, 1, inv.Arg(3), size);
  });
  r.AddAW("RegQueryValueEx", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string name = inv.Arg(1) != 0 ? inv.Str(1) : std::string();
    return QueryValue(inv, KeyPath(inv.m, inv.Arg(0), {}), name, inv.Arg(3), inv.Arg(4), inv.Arg(5));
  });
  r.AddAW("RegGetValue", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string sub = inv.Arg(1) != 0 ? inv.Str(1) : std::string();
    const std::string name = inv.Arg(2) != 0 ? inv.Str(2) : std::string();
    return QueryValue(inv, KeyPath(inv.m, inv.Arg(0), sub), name, inv.Arg(4), inv.Arg(5), inv.Arg(6));
  });
  r.AddAW("RegDeleteValue", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = KeyPath(inv.m, inv.Arg(0), {});
    const std::string name = inv.Arg(1) != 0 ? inv.Str(1) : std::string();
    VirtualRegistry::Key* key = inv.m.registry().Find(path);
    const bool removed = key != nullptr && key->values.erase(AsciiLower(name)) > 0;
    inv.m.RegistryEvent("delete_value", path, name);
    return removed ? kOk : kErrorFileNotFound;
  });
  r.AddAW("RegDeleteKey", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = KeyPath(inv.m, inv.Arg(0), inv.Str(1));
    inv.m.RegistryEvent("delete_key", path);
    return inv.m.registry().Remove(path) ? kOk : kErrorFileNotFound;
  });
  r.Add("RegCloseKey", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.CloseHandle(inv.Arg(0));
    return kOk;
  });
  r.AddAW("RegEnumKeyEx", [](ApiInvocation& inv) -> std::uint64_t {
    const std::vector<std::string> names = inv.m.registry().SubkeyNames(KeyPath(inv.m, inv.Arg(0), {}));
    const std::uint64_t index = inv.Arg(1) & 0xFFFFFFFFu;
    if (index >= names.size()) return kErrorNoMoreItems;
    const std::uint32_t capacity = inv.m.Read32(inv.Arg(3));
    if (capacity <= names[index].size()) return kErrorMoreData;
    WriteStringResult(inv, inv.Arg(2), capacity, names[index]);
    inv.m.Write32(inv.Arg(3), static_cast<std::uint32_t>(names[index].size()));
    return kOk;
  });
  r.AddAW("RegEnumValue", [](ApiInvocation& inv) -> std::uint64_t {
    VirtualRegistry::Key* key = inv.m.registry().Find(KeyPath(inv.m, inv.Arg(0), {}));
    const std::uint64_t index = inv.Arg(1) & 0xFFFFFFFFu;
    if (key == nullptr || index >= key->values.size()) return kErrorNoMoreItems;
    auto it = key->values.begin();
    std::advance(it, static_cast<std::ptrdiff_t>(index));
    const std::uint32_t capacity = inv.m.Read32(inv.Arg(3));
    if (capacity <= it->first.size()) return kErrorMoreData;
    WriteStringResult(inv, inv.Arg(2), capacity, it->first);
    inv.m.Write32(inv.Arg(3), static_cast<std::uint32_t>(it->first.size()));
    if (inv.Arg(5) != 0) inv.m.Write32(inv.Arg(5), it->second.type);
    return kOk;
  });
  r.AddAW("RegQueryInfoKey", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = KeyPath(inv.m, inv.Arg(0), {});
    VirtualRegistry::Key* key = inv.m.registry().Find(path);
    if (key == nullptr) return kErrorFileNotFound;
    if (inv.Arg(4) != 0) inv.m.Write32(inv.Arg(4), static_cast<std::uint32_t>(inv.m.registry().SubkeyNames(path).size()));
    if (inv.Arg(7) != 0) inv.m.Write32(inv.Arg(7), static_cast<std::uint32_t>(key->values.size()));
    return kOk;
  });
}

void RegisterServices(ApiRegistry& r) {
  r.AddAW("OpenSCManager", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(0) != 0) inv.Str(0);
    inv.m.ServiceEvent("open_manager", "ServicesActive", "access=" + HexNumber(inv.Arg(2)));
    HandleObject h;
    h.kind = Kind::kScManager;
    h.name = "ServicesActive";
    return inv.m.NewHandle(h);
  });
  r.AddAW("CreateService", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string name = inv.Str(1);
    const std::string display = inv.Arg(2) != 0 ? inv.Str(2) : std::string();
    const std::string binary = inv.Arg(7) != 0 ? inv.Str(7) : std::string();
    const std::uint32_t type = static_cast<std::uint32_t>(inv.Arg(4));
    const std::uint32_t start = static_cast<std::uint32_t>(inv.Arg(5));
    const std::string key = "HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\" + name;
    if (m.registry().Find(key) != nullptr) {
      m.SetLastError(1073);  // ERROR_SERVICE_EXISTS
      m.ServiceEvent("create", name, "failed: exists");
      return 0;
    }
    m.ServiceEvent("create", name, "binPath=" + binary + " start=" + std::to_string(start) +
                                       " type=" + HexNumber(type));
    m.registry().SetString(key, "ImagePath", binary);
    if (!display.empty()) m.registry().SetString(key, "DisplayName", display);
    for (const auto& [value_name, number] : {std::pair<const char*, std::uint32_t>{"Start", start}, {"Type", type}}) {
      VirtualRegistry::Value v;
      v.type = 4;
      v.data.assign(reinterpret_cast<const std::uint8_t*>(&number), reinterpret_cast<const std::uint8_t*>(&number) + 4);
      m.registry().Create(key).values[AsciiLower(value_name)] = v;
    }
    m.RegistryEvent("create_key", key, "service");
    HandleObject h;
    h.kind = Kind::kService;
    h.name = name;
    return m.NewHandle(h);
  });
  r.AddAW("OpenService", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string name = inv.Str(1);
    const bool exists =
        inv.m.registry().Find("HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\" + name) != nullptr;
    inv.m.ServiceEvent("open", name, exists ? "" : "not_found");
    if (!exists) {
      inv.m.SetLastError(1060);  // ERROR_SERVICE_DOES_NOT_EXIST
      return 0;
    }
    HandleObject h;
    h.kind = Kind::kService;
    h.name = name;
    return inv.m.NewHandle(h);
  });
  auto service_op = [](const char* op) {
    return [op](ApiInvocation& inv) -> std::uint64_t {
      HandleObject* h = inv.m.GetHandle(inv.Arg(0));
      if (h == nullptr || h->kind != Kind::kService) {
        inv.m.SetLastError(kErrorInvalidHandle);
        return 0;
      }
      inv.Note(0, Quote(h->name));
      inv.m.ServiceEvent(op, h->name);
      if (std::string_view(op) == "delete") {
        inv.m.registry().Remove("HKEY_LOCAL_MACHINE\\System\\CurrentControlSet\\Services\\" + h->name);
      }
      return 1;
    };
  };
  r.AddAW("StartService", service_op("start"));
  r.Add("DeleteService", service_op("delete"));
  r.Add("ControlService", service_op("control"));
  r.AddAW("ChangeServiceConfig", service_op("change_config"));
  r.Add("CloseServiceHandle", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.CloseHandle(inv.Arg(0)); });
}

void RegisterIdentity(ApiRegistry& r) {
  r.AddAW("GetUserName", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string& name = inv.m.options().environment.user_name;
    const std::uint32_t capacity = inv.m.Read32(inv.Arg(1));
    inv.m.Write32(inv.Arg(1), static_cast<std::uint32_t>(name.size() + 1));
    if (capacity <= name.size()) {
      inv.m.SetLastError(kErrorInsufficientBuffer);
      return 0;
    }
    WriteStringResult(inv, inv.Arg(0), capacity, name);
    return 1;
  });
  auto token = [](std::size_t out) {
    return [out](ApiInvocation& inv) -> std::uint64_t {
      HandleObject h;
      h.name = "token";
      inv.m.WritePtr(inv.Arg(out), inv.m.NewHandle(h));
      return 1;
    };
  };
  r.Add("OpenProcessToken", token(2));
  r.Add("OpenThreadToken", token(3));
  r.AddAW("LookupPrivilegeValue", [](ApiInvocation& inv) -> std::uint64_t {
    inv.Str(1);
    inv.m.Write32(inv.Arg(2), 20);  // SeDebugPrivilege's LUID; any value works for Adjust
    inv.m.Write32(inv.Arg(2) + 4, 0);
    return 1;
  });
  r.Add("AdjustTokenPrivileges", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.SetLastError(kErrorSuccess);
    return 1;
  });
  r.Add("CheckTokenMembership", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.Write32(inv.Arg(2), 1);  // the profile's user is an administrator
    return 1;
  });
  r.Add("AllocateAndInitializeSid", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.WritePtr(inv.Arg(10), inv.m.HeapAlloc(32, true));
    return 1;
  });
  r.Add("FreeSid", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.AddAW("CryptAcquireContext", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject h;
    h.kind = Kind::kCrypt;
    inv.m.WritePtr(inv.Arg(0), inv.m.NewHandle(h));
    return 1;
  });
  r.Add("CryptReleaseContext", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("CryptGenRandom", [](ApiInvocation& inv) -> std::uint64_t {
    // Deterministic "random" bytes: runs are reproducible.
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(inv.Arg(1) & 0xFFFFFFFFu, 1 << 20));
    Bytes bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 131 + 17);
    inv.m.WriteBytes(inv.Arg(2), bytes);
    return 1;
  });
}

}  // namespace

void RegisterAdvapi32Apis(ApiRegistry& r) {
  RegisterRegistry(r);
  RegisterServices(r);
  RegisterIdentity(r);
}

}  // namespace kensa::emulator::internal
