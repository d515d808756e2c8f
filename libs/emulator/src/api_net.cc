// Network models: WinINet, WinHTTP, URLMon and WinSock over the profile's network simulation.
// Nothing leaves the host: names resolve to the profile's addresses, every HTTP request gets
// the canned response, every connect succeeds, and what the sample sends is recorded.
#include <algorithm>

#include "api_util.h"

namespace kensa::emulator::internal {
namespace {

using Kind = HandleObject::Kind;

constexpr std::uint64_t kMaxSend = 1 << 20;      // bytes of one send() kept
constexpr std::size_t kPreviewBytes = 64;        // bytes of sent data shown in an event

std::string Resolve(Machine& m, const std::string& host) {
  const auto& answers = m.options().environment.dns_answers;
  auto it = answers.find(AsciiLower(host));
  return it != answers.end() ? it->second : m.options().environment.dns_default_ip;
}

std::uint32_t Ipv4(const std::string& dotted) {
  std::uint32_t value = 0;
  int parts = 0;
  std::size_t i = 0;
  while (parts < 4 && i <= dotted.size()) {
    const std::size_t dot = std::min(dotted.find('.', i), dotted.size());
    const std::string part = dotted.substr(i, dot - i);
    if (part.empty() || part.size() > 3 || !std::all_of(part.begin(), part.end(), ::isdigit)) return 0xFFFFFFFFu;
    const int n = std::stoi(part);
    if (n > 255) return 0xFFFFFFFFu;
    value |= static_cast<std::uint32_t>(n) << (8 * parts);  // network order in memory
    ++parts;
    i = dot + 1;
  }
  return parts == 4 ? value : 0xFFFFFFFFu;
}

std::string DottedFromNetworkOrder(std::uint32_t v) {
  return std::to_string(v & 0xFF) + "." + std::to_string((v >> 8) & 0xFF) + "." +
         std::to_string((v >> 16) & 0xFF) + "." + std::to_string(v >> 24);
}

std::string Preview(const Bytes& data) {
  std::string out;
  for (std::size_t i = 0; i < data.size() && i < kPreviewBytes; ++i) {
    const char c = static_cast<char>(data[i]);
    out.push_back(c >= 0x20 && c < 0x7F ? c : '.');
  }
  return out;
}

std::uint64_t NewInternetHandle(Machine& m, const std::string& name, const std::string& body) {
  HandleObject h;
  h.kind = Kind::kInternet;
  h.name = name;
  h.data = body;
  return m.NewHandle(h);
}

std::uint64_t ReadResponse(Machine& m, std::uint64_t handle, std::uint64_t buffer,
                           std::uint64_t size, std::uint64_t read_out) {
  HandleObject* h = m.GetHandle(handle);
  if (h == nullptr || h->kind != Kind::kInternet) {
    m.SetLastError(kErrorInvalidHandle);
    return 0;
  }
  const std::uint64_t left = h->position < h->data.size() ? h->data.size() - h->position : 0;
  const std::uint64_t n = std::min<std::uint64_t>(size & 0xFFFFFFFFu, left);
  m.WriteBytes(buffer, ByteSpan(reinterpret_cast<const std::uint8_t*>(h->data.data()) + h->position, n));
  h->position += n;
  if (read_out != 0) m.Write32(read_out, static_cast<std::uint32_t>(n));
  return 1;
}

std::string HostOfUrl(const std::string& url) {
  std::size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  const std::size_t end = url.find_first_of(":/?", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

void RegisterWininet(ApiRegistry& r) {
  r.AddAW("InternetOpen", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string agent = inv.Arg(0) != 0 ? inv.Str(0) : std::string();
    return NewInternetHandle(inv.m, agent, {});
  });
  r.AddAW("InternetConnect", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string server = inv.Str(1);
    const std::uint64_t port = inv.Arg(2) & 0xFFFF;
    inv.m.NetworkEvent("dns", server, Resolve(inv.m, server));
    inv.m.NetworkEvent("connect", server + ":" + std::to_string(port == 0 ? 80 : port), "wininet");
    return NewInternetHandle(inv.m, server + ":" + std::to_string(port == 0 ? 80 : port), {});
  });
  r.AddAW("HttpOpenRequest", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* connection = inv.m.GetHandle(inv.Arg(0));
    const std::string verb = inv.Arg(1) != 0 ? inv.Str(1) : std::string("GET");
    const std::string object = inv.Arg(2) != 0 ? inv.Str(2) : std::string("/");
    const bool secure = (inv.Arg(6) & 0x00800000) != 0;  // INTERNET_FLAG_SECURE
    std::string host = connection != nullptr ? connection->name : "";
    const std::string url = (secure ? "https://" : "http://") + host + object;
    HandleObject h;
    h.kind = Kind::kInternet;
    h.name = url;
    h.entries.push_back(verb);
    return inv.m.NewHandle(h);
  });
  r.AddAW("HttpSendRequest", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h == nullptr) return 0;
    const Bytes body = inv.m.ReadBytes(inv.Arg(3), static_cast<std::size_t>(std::min<std::uint64_t>(inv.Arg(4) & 0xFFFFFFFFu, kMaxSend)));
    const std::string verb = h->entries.empty() ? "GET" : h->entries[0];
    inv.m.NetworkEvent("http_request", h->name, verb + (body.empty() ? "" : " body=" + Preview(body)));
    h->data = inv.m.options().environment.http_response_body;
    h->position = 0;
    return 1;
  });
  r.AddAW("InternetOpenUrl", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string url = inv.Str(1);
    const std::string host = HostOfUrl(url);
    inv.m.NetworkEvent("dns", host, Resolve(inv.m, host));
    inv.m.NetworkEvent("http_request", url, "GET");
    return NewInternetHandle(inv.m, url, inv.m.options().environment.http_response_body);
  });
  r.Add("InternetReadFile", [](ApiInvocation& inv) -> std::uint64_t {
    return ReadResponse(inv.m, inv.Arg(0), inv.Arg(1), inv.Arg(2), inv.Arg(3));
  });
  r.Add("InternetQueryDataAvailable", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h == nullptr) return 0;
    inv.m.Write32(inv.Arg(1), static_cast<std::uint32_t>(h->data.size() - std::min<std::uint64_t>(h->position, h->data.size())));
    return 1;
  });
  r.AddAW("HttpQueryInfo", [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t level = inv.Arg(1);
    if ((level & 0xFFFF) == 19 && (level & 0x20000000) != 0) {  // status code as a number
      inv.m.Write32(inv.Arg(2), 200);
      inv.m.Write32(inv.Arg(3), 4);
      return 1;
    }
    const std::uint32_t capacity = inv.m.Read32(inv.Arg(3));
    const std::string text = (level & 0xFFFF) == 19 ? "200" : "";
    if (capacity <= text.size() * (inv.wide ? 2 : 1)) return 0;
    WriteStringResult(inv, inv.Arg(2), inv.wide ? capacity / 2 : capacity, text);
    inv.m.Write32(inv.Arg(3), static_cast<std::uint32_t>(text.size() * (inv.wide ? 2 : 1)));
    return 1;
  });
  auto one = [](ApiInvocation&) -> std::uint64_t { return 1; };
  for (const char* name : {"InternetSetOptionA", "InternetSetOptionW", "InternetCloseHandle",
                           "InternetCheckConnectionA", "InternetCheckConnectionW",
                           "HttpAddRequestHeadersA", "HttpAddRequestHeadersW", "WinHttpReceiveResponse",
                           "WinHttpCloseHandle", "WinHttpSetOption", "WinHttpSetTimeouts",
                           "WinHttpAddRequestHeaders"}) {
    r.Add(name, one);
  }
  r.Add("InternetGetConnectedState", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(0) != 0) inv.m.Write32(inv.Arg(0), 0x12);  // LAN, configured
    return 1;
  });
}

void RegisterWinhttp(ApiRegistry& r) {
  r.Add("WinHttpOpen", [](ApiInvocation& inv) -> std::uint64_t {
    return NewInternetHandle(inv.m, inv.Arg(0) != 0 ? inv.WStr(0) : std::string(), {});
  });
  r.Add("WinHttpConnect", [](ApiInvocation& inv) -> std::uint64_t {
    const std::string server = inv.WStr(1);
    const std::uint64_t port = inv.Arg(2) & 0xFFFF;
    inv.m.NetworkEvent("dns", server, Resolve(inv.m, server));
    inv.m.NetworkEvent("connect", server + ":" + std::to_string(port == 0 ? 443 : port), "winhttp");
    return NewInternetHandle(inv.m, server + ":" + std::to_string(port == 0 ? 443 : port), {});
  });
  r.Add("WinHttpOpenRequest", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* connection = inv.m.GetHandle(inv.Arg(0));
    const std::string verb = inv.Arg(1) != 0 ? inv.WStr(1) : std::string("GET");
    const std::string object = inv.Arg(2) != 0 ? inv.WStr(2) : std::string("/");
    const bool secure = (inv.Arg(6) & 0x00800000) != 0;  // WINHTTP_FLAG_SECURE
    HandleObject h;
    h.kind = Kind::kInternet;
    h.name = (secure ? "https://" : "http://") + (connection != nullptr ? connection->name : "") + object;
    h.entries.push_back(verb);
    return inv.m.NewHandle(h);
  });
  r.Add("WinHttpSendRequest", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h == nullptr) return 0;
    const Bytes body = inv.m.ReadBytes(inv.Arg(3), static_cast<std::size_t>(std::min<std::uint64_t>(inv.Arg(4) & 0xFFFFFFFFu, kMaxSend)));
    inv.m.NetworkEvent("http_request", h->name,
                       (h->entries.empty() ? "GET" : h->entries[0]) + (body.empty() ? "" : " body=" + Preview(body)));
    h->data = inv.m.options().environment.http_response_body;
    h->position = 0;
    return 1;
  });
  r.Add("WinHttpQueryDataAvailable", [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h == nullptr) return 0;
    if (inv.Arg(1) != 0) {
      inv.m.Write32(inv.Arg(1), static_cast<std::uint32_t>(h->data.size() - std::min<std::uint64_t>(h->position, h->data.size())));
    }
    return 1;
  });
  r.Add("WinHttpReadData", [](ApiInvocation& inv) -> std::uint64_t {
    return ReadResponse(inv.m, inv.Arg(0), inv.Arg(1), inv.Arg(2), inv.Arg(3));
  });
  r.Add("WinHttpQueryHeaders", [](ApiInvocation& inv) -> std::uint64_t {
    if ((inv.Arg(1) & 0x20000000) != 0) {
      inv.m.Write32(inv.Arg(3), 200);
      return 1;
    }
    return 0;
  });
}

void RegisterUrlmon(ApiRegistry& r) {
  r.AddAW("URLDownloadToFile", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string url = inv.Str(1);
    const std::string path = FullPath(m, inv.Str(2));
    const std::string host = HostOfUrl(url);
    m.NetworkEvent("dns", host, Resolve(m, host));
    m.NetworkEvent("download", url, "to " + path);
    const std::string& body = m.options().environment.http_response_body;
    m.vfs().Create(path).data.assign(body.begin(), body.end());
    m.FileEvent("create", path, "download from " + url);
    return 0;  // S_OK
  });
  r.AddAW("URLDownloadToCacheFile", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string url = inv.Str(1);
    std::string name = url.substr(url.find_last_of('/') + 1);
    if (name.empty()) name = "index.html";
    const std::string path = "C:\\Users\\" + m.options().environment.user_name +
                             "\\AppData\\Local\\Microsoft\\Windows\\INetCache\\IE\\KENSA01\\" + name;
    m.NetworkEvent("download", url, "to " + path);
    const std::string& body = m.options().environment.http_response_body;
    m.vfs().Create(path).data.assign(body.begin(), body.end());
    m.FileEvent("create", path, "download from " + url);
    WriteStringResult(inv, inv.Arg(2), inv.Arg(3) & 0xFFFFFFFFu, path);
    return 0;
  });
}

void RegisterWinsock(ApiRegistry& r) {
  r.Add("WSAStartup", [](ApiInvocation& inv) -> std::uint64_t {
    if (inv.Arg(1) != 0) inv.m.Write16(inv.Arg(1), 0x0202);
    return 0;
  });
  r.Add("WSACleanup", [](ApiInvocation&) -> std::uint64_t { return 0; });
  auto socket = [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject h;
    h.kind = Kind::kSocket;
    h.id = static_cast<std::uint32_t>(inv.Arg(1));  // SOCK_STREAM 1, SOCK_DGRAM 2
    return inv.m.NewHandle(h);
  };
  r.Add("socket", socket);
  r.Add("WSASocketA", socket);
  r.Add("WSASocketW", socket);
  auto connect = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    HandleObject* h = m.GetHandle(inv.Arg(0));
    if (h == nullptr || h->kind != Kind::kSocket) {
      m.SetLastError(10038);  // WSAENOTSOCK
      return ~0ull & 0xFFFFFFFFu;
    }
    const std::uint64_t address = inv.Arg(1);
    std::uint16_t port_be = 0;
    m.cpu().Read(address + 2, &port_be, 2);
    const std::uint16_t port = static_cast<std::uint16_t>((port_be >> 8) | (port_be << 8));
    const std::string target = DottedFromNetworkOrder(m.Read32(address + 4)) + ":" + std::to_string(port);
    h->name = target;
    inv.Note(1, target);
    m.NetworkEvent("connect", target, h->id == 2 ? "udp" : "tcp");
    return 0;
  };
  r.Add("connect", connect);
  r.Add("WSAConnect", connect);
  auto send = [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    const std::uint64_t n = std::min<std::uint64_t>(inv.Arg(2) & 0xFFFFFFFFu, kMaxSend);
    const Bytes data = inv.m.ReadBytes(inv.Arg(1), static_cast<std::size_t>(n));
    inv.Note(1, Quote(Preview(data)));
    inv.m.NetworkEvent("send", h != nullptr ? h->name : HexNumber(inv.Arg(0)),
                       std::to_string(data.size()) + " bytes: " + Preview(data));
    return data.size();
  };
  r.Add("send", send);
  r.Add("sendto", send);
  auto recv = [](ApiInvocation& inv) -> std::uint64_t {
    HandleObject* h = inv.m.GetHandle(inv.Arg(0));
    if (h == nullptr) return 0xFFFFFFFFu;
    const std::string& response = inv.m.options().environment.socket_response;
    const std::uint64_t left = h->position < response.size() ? response.size() - h->position : 0;
    const std::uint64_t n = std::min<std::uint64_t>(inv.Arg(2) & 0xFFFFFFFFu, left);
    inv.m.WriteBytes(inv.Arg(1), ByteSpan(reinterpret_cast<const std::uint8_t*>(response.data()) + h->position, n));
    h->position += n;
    inv.m.NetworkEvent("recv", h->name, std::to_string(n) + " bytes");
    return n;  // 0 = the peer closed the connection
  };
  r.Add("recv", recv);
  r.Add("recvfrom", recv);
  r.Add("closesocket", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.CloseHandle(inv.Arg(0));
    return 0;
  });
  r.Add("gethostbyname", [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string name = inv.AStr(0);
    const std::string ip = Resolve(m, name);
    m.NetworkEvent("dns", name, ip);
    // hostent { h_name, h_aliases, h_addrtype, h_length, h_addr_list } and its data.
    const std::uint32_t ps = m.pointer_size();
    const std::uint64_t block = m.HeapAlloc(0x100, true);
    if (block == 0) return 0;
    const std::uint64_t list = block + 0x40, address = block + 0x60, name_at = block + 0x80;
    m.WriteAnsi(name_at, name, 0x80);
    m.WritePtr(block, name_at);
    m.WritePtr(block + ps, list + 2 * ps);  // empty alias list
    m.Write16(block + 2 * ps, 2);
    m.Write16(block + 2 * ps + 2, 4);
    m.WritePtr(block + (ps == 8 ? 24 : 12), list);
    m.WritePtr(list, address);
    m.Write32(address, Ipv4(ip));
    return block;
  });
  auto getaddrinfo = [](ApiInvocation& inv) -> std::uint64_t {
    Machine& m = inv.m;
    const std::string node = inv.Str(0);
    const std::string service = inv.Arg(1) != 0 ? inv.Str(1) : std::string("0");
    const std::string ip = Resolve(m, node);
    m.NetworkEvent("dns", node, ip);
    const bool x64 = m.x64();
    const std::uint64_t info = m.HeapAlloc(0x80, true);
    if (info == 0) return 11001;  // WSAHOST_NOT_FOUND
    const std::uint64_t sockaddr = info + 0x60;
    m.Write32(info + 4, 2);  // AF_INET
    m.Write32(info + 8, 1);
    m.Write32(info + 12, 6);
    m.WritePtr(info + 16, 16);
    m.WritePtr(info + (x64 ? 32 : 24), sockaddr);
    m.Write16(sockaddr, 2);
    const std::uint16_t port = static_cast<std::uint16_t>(std::strtoul(service.c_str(), nullptr, 10));
    m.Write16(sockaddr + 2, static_cast<std::uint16_t>((port >> 8) | (port << 8)));
    m.Write32(sockaddr + 4, Ipv4(ip));
    m.WritePtr(inv.Arg(3), info);
    return 0;
  };
  r.Add("getaddrinfo", getaddrinfo);
  r.Add("GetAddrInfoW", getaddrinfo);
  auto nothing = [](ApiInvocation&) -> std::uint64_t { return 0; };
  for (const char* name : {"freeaddrinfo", "FreeAddrInfoW", "setsockopt", "getsockopt", "ioctlsocket",
                           "bind", "listen", "shutdown", "WSASetLastError"}) {
    r.Add(name, nothing);
  }
  r.Add("select", [](ApiInvocation&) -> std::uint64_t { return 1; });
  r.Add("accept", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.SetLastError(10035);  // WSAEWOULDBLOCK: nobody connects to an emulated listener
    return inv.m.x64() ? ~0ull : 0xFFFFFFFFu;
  });
  r.Add("WSAGetLastError", [](ApiInvocation& inv) -> std::uint64_t { return inv.m.LastError(); });
  r.Add("inet_addr", [](ApiInvocation& inv) -> std::uint64_t { return Ipv4(inv.AStr(0)); });
  r.Add("inet_ntoa", [](ApiInvocation& inv) -> std::uint64_t {
    std::uint64_t& slot = inv.m.state()["inet_ntoa"];
    if (slot == 0) slot = inv.m.HeapAlloc(32, true);
    inv.m.WriteAnsi(slot, DottedFromNetworkOrder(static_cast<std::uint32_t>(inv.Arg(0))), 32);
    return slot;
  });
  auto swap16 = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint64_t v = inv.Arg(0) & 0xFFFF;
    return ((v >> 8) | (v << 8)) & 0xFFFF;
  };
  r.Add("htons", swap16);
  r.Add("ntohs", swap16);
  auto swap32 = [](ApiInvocation& inv) -> std::uint64_t {
    const std::uint32_t v = static_cast<std::uint32_t>(inv.Arg(0));
    return ((v & 0xFF) << 24) | ((v & 0xFF00) << 8) | ((v >> 8) & 0xFF00) | (v >> 24);
  };
  r.Add("htonl", swap32);
  r.Add("ntohl", swap32);
  r.Add("gethostname", [](ApiInvocation& inv) -> std::uint64_t {
    inv.m.WriteAnsi(inv.Arg(0), inv.m.options().environment.computer_name, inv.Arg(1) & 0xFFFFFFFFu);
    return 0;
  });
}

}  // namespace

void RegisterNetApis(ApiRegistry& r) {
  RegisterWininet(r);
  RegisterWinhttp(r);
  RegisterUrlmon(r);
  RegisterWinsock(r);
}

}  // namespace kensa::emulator::internal
