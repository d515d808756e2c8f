// user32, shell32, ole32 / oleaut32, bcrypt models: what droppers and RATs call around their
// real work (message boxes, ShellExecute, known folders, COM start-up, random numbers).
#include <algorithm>
#include <cstdio>

#include "api_util.h"

namespace kensa::emulator::internal {
namespace {

std::string KnownFolder(Machine& m, std::uint64_t csidl) {
  const std::string home = "C:\\Users\\" + m.options().environment.user_name;
  switch (csidl & 0xFF) {
    case 0x00: case 0x10: return home + "\\Desktop";
    case 0x05: return home + "\\Documents";
    case 0x07: return home + "\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup";
    case 0x18: return "C:\\ProgramData\\Microsoft\\Windows\\Start Menu\\Programs\\Startup";
    case 0x1A: return home + "\\AppData\\Roaming";
    case 0x1C: return home + "\\AppData\\Local";
    case 0x20: return home + "\\AppData\\Local\\Microsoft\\Windows\\INetCache";
    case 0x23: return "C:\\ProgramData";
    case 0x24: return "C:\\Windows";
    case 0x25: case 0x29: return "C:\\Windows\\system32";
    case 0x26: return "C:\\Program Files";
    case 0x28: return home;
    default: return home + "\\AppData\\Roaming";
  }
}

std::string GuidText(Machine& m, std::uint64_t address) {
  const Bytes g = m.ReadBytes(address, 16);
  if (g.size() != 16) return HexNumber(address);
  char text[40];
  std::snprintf(text, sizeof(text), "{%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X}",
                g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
  return text;
}

void RegisterUser32(ApiRegistry& r) {
  auto message_box = [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(1) != 0) inv.Str(1);
    if (inv.Arg(2) != 0) inv.Str(2);
    return 1;  // IDOK
  };
  r.AddAW("MessageBox", message_box);
  r.AddAW("MessageBoxEx", message_box);
  auto no_window = [](ApiInvocation& inv) -> std::uint64_t {
    for (std::size_t i = 0; i < 2; ++i) {
      if (inv.Arg(i) > 0xFFFF) inv.Str(i);  // class and window names; small values are atoms
    }
    return 0;
  };
  r.AddAW("FindWindow", no_window);
  r.Add("GetForegroundWindow", [](ApiInvocation&) -> std::uint64_t { return 0x10010; });
  r.Add("GetDesktopWindow", [](ApiInvocation&) -> std::uint64_t { return 0x10014; });
  r.Add("GetCursorPos", [](ApiInvocation& inv) -> std::uint64_t {
    // The mouse moves between calls, as a user's does (a still cursor is a sandbox tell).
    const std::uint64_t k = inv.m.state()["cursor"]++;
    inv.m.Write32(inv.Arg(0), static_cast<std::uint32_t>(412 + (k * 37) % 900));
    inv.m.Write32(inv.Arg(0) + 4, static_cast<std::uint32_t>(300 + (k * 23) % 500));
    return 1;
  });
  r.Add("GetSystemMetrics", [](ApiInvocation& inv) -> std::uint64_t {
    switch (inv.Arg(0)) {
      case 0: return 1920;
      case 1: return 1080;
      case 80: return 1;  // SM_CMONITORS
      default: return 0;
    }
  });
  r.Add("GetAsyncKeyState", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.Add("GetKeyState", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.Add("GetKeyboardLayout", [](ApiInvocation& inv) -> std::uint64_t {
    return inv.m.code_page() == 932 ? 0x04110411 : 0x04090409;
  });
  r.AddAW("SetWindowsHookEx", [](ApiInvocation& inv) -> std::uint64_t {
    inv.Note(0, inv.Arg(0) == 13 ? "WH_KEYBOARD_LL" : inv.Arg(0) == 14 ? "WH_MOUSE_LL" : std::to_string(inv.Arg(0)));
    return 0x20020;
  });
  r.Add("UnhookWindowsHookEx", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.AddAW("GetMessage", [](ApiInvocation&) -> std::uint64_t { return 0; });  // WM_QUIT at once
  r.AddAW("PeekMessage", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.Add("TranslateMessage", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.AddAW("DispatchMessage", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.Add("PostQuitMessage", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.AddAW("RegisterClassEx", [](ApiInvocation&) -> std::uint64_t { return 0xC001; });
  r.AddAW("RegisterClass", [](ApiInvocation&) -> std::uint64_t { return 0xC001; });
  r.AddAW("CreateWindowEx", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(2) > 0xFFFF) inv.Str(2);
    return 0x30030;
  });
  r.Add("ShowWindow", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.Add("UpdateWindow", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.AddAW("DefWindowProc", [](ApiInvocation&) -> std::uint64_t { return 0; });
  r.AddAW("LoadIcon", [](ApiInvocation&) -> std::uint64_t { return 0x10003; });
  r.AddAW("LoadCursor", [](ApiInvocation&) -> std::uint64_t { return 0x10005; });
  r.AddAW("CharUpper", [](ApiInvocation& inv) -> std::uint64_t { return inv.Arg(0); });
  r.AddAW("CharLower", [](ApiInvocation& inv) -> std::uint64_t { return inv.Arg(0); });
}

void RegisterShell32(ApiRegistry& r) {
  r.AddAW("ShellExecute", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string verb = inv.Arg(1) != 0 ? inv.Str(1) : std::string("open");
    const std::string file = inv.Str(2);
    const std::string params = inv.Arg(3) != 0 ? inv.Str(3) : std::string();
    inv.m.ProcessEvent("shell_execute", params.empty() ? file : file + " " + params, "verb=" + verb);
    return 42;  // > 32: success
  });
  r.AddAW("ShellExecuteEx", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::uint64_t info = inv.Arg(0);
    const bool x64 = m.x64();
    const std::uint64_t verb = m.ReadPtr(info + (x64 ? 16 : 12));
    const std::uint64_t file = m.ReadPtr(info + (x64 ? 24 : 16));
    const std::uint64_t params = m.ReadPtr(info + (x64 ? 32 : 20));
    auto text = [&](std::uint64_t p) { return p == 0 ? std::string() : inv.wide ? m.ReadWide(p) : m.ReadAnsi(p); };
    const std::string target = text(params).empty() ? text(file) : text(file) + " " + text(params);
    m.ProcessEvent("shell_execute", target, "verb=" + (verb == 0 ? std::string("open") : text(verb)));
    inv.Note(0, Quote(target));
    m.WritePtr(info + (x64 ? 56 : 32), 42);  // hInstApp
    return 1;
  });
  r.AddAW("SHGetFolderPath", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = KnownFolder(inv.m, inv.Arg(1));
    inv.Note(1, "CSIDL " + HexNumber(inv.Arg(1) & 0xFF));
    if (inv.wide) inv.m.WriteWide(inv.Arg(4), path, 260);
    else inv.m.WriteAnsi(inv.Arg(4), path, 260);
    return 0;
  });
  r.AddAW("SHGetSpecialFolderPath", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string path = KnownFolder(inv.m, inv.Arg(2));
    if (inv.wide) inv.m.WriteWide(inv.Arg(1), path, 260);
    else inv.m.WriteAnsi(inv.Arg(1), path, 260);
    return 1;
  });
  r.Add("IsUserAnAdmin", [](ApiInvocation&) -> std::uint64_t { return 1; });
}

void RegisterCom(ApiRegistry& r) {
  auto ok = [](ApiInvocation&) -> std::uint64_t { return 0; };
  for (const char* name : {"CoInitialize", "CoInitializeEx", "CoUninitialize", "CoInitializeSecurity",
                           "OleInitialize", "OleUninitialize", "CoSetProxyBlanket", "VariantInit",
                           "VariantClear", "SysFreeString", "CoTaskMemFree"}) {
    r.Add(name, ok);
  }
  r.Add("CoCreateInstance", [](ApiInvocation& inv) -> std::uint64_t {
    // COM servers are not modelled: the class is "not registered", and the CLSID and IID show
    // in the call's arguments.
    inv.Note(0, GuidText(inv.m, inv.Arg(0)));
    inv.Note(3, GuidText(inv.m, inv.Arg(3)));
    if (inv.Arg(4) != 0) inv.m.WritePtr(inv.Arg(4), 0);
    return 0x80040154;  // REGDB_E_CLASSNOTREG
  });
  r.Add("CoTaskMemAlloc", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.HeapAlloc(inv.Arg(0), true); });
  r.Add("CoCreateGuid", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t n = inv.m.state()["guids"]++;
    Bytes guid(16);
    for (std::size_t i = 0; i < 16; ++i) guid[i] = static_cast<std::uint8_t>(0x5A ^ (i * 29 + n));
    inv.m.WriteBytes(inv.Arg(0), guid);
    return 0;
  });
  r.Add("SysAllocString", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string s = inv.WStr(0);
    const std::string wide = ToUtf16Le(s);
    const std::uint64_t block = inv.m.HeapAlloc(wide.size() + 6, true);
    if (block == 0) return 0;
    inv.m.Write32(block, static_cast<std::uint32_t>(wide.size()));
    inv.m.WriteBytes(block + 4, ByteSpan(reinterpret_cast<const std::uint8_t*>(wide.data()), wide.size()));
    return block + 4;
  });
  r.Add("SysStringLen", [](ApiInvocation& inv) -> std::uint64_t {
    return inv.Arg(0) == 0 ? 0 : inv.m.Read32(inv.Arg(0) - 4) / 2;
  });
  r.Add("BCryptGenRandom", [](ApiInvocation& inv) -> std::uint64_t {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(inv.Arg(2) & 0xFFFFFFFFu, 1 << 20));
    Bytes bytes(n);
    for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 151 + 3);
    inv.m.WriteBytes(inv.Arg(1), bytes);
    return 0;
  });
}

}  // namespace

void RegisterShellApis(ApiRegistry& r) {
  RegisterUser32(r);
  RegisterShell32(r);
  RegisterCom(r);
}

}  // namespace kensa::emulator::internal
