#include "behavior_indicators.h"

#include <arpa/inet.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "kensa/core/bytes.h"

namespace kensa::sandbox {
namespace {

using analysis::v1::Indicator;
using analysis::v1::IndicatorType;

// A value longer than this is not an indicator anyone searches for (a 32 KiB command line is
// cut rather than dropped: its start is what identifies it).
constexpr std::size_t kMaxIndicatorValue = 2048;
// A run records at most 20,000 events per kind; the indicator list stays readable.
constexpr std::size_t kMaxIndicators = 1000;

class IndicatorSet {
 public:
  void Add(IndicatorType type, std::string value, const std::string& source,
           bool case_insensitive) {
    if (value.empty()) return;
    if (value.size() > kMaxIndicatorValue) value.resize(kMaxIndicatorValue);
    const std::string key = std::to_string(static_cast<int>(type)) + "|" +
                            (case_insensitive ? AsciiLower(value) : value);
    if (const auto it = index_.find(key); it != index_.end()) {
      Indicator& existing = out_[it->second];
      existing.set_occurrences(existing.occurrences() + 1);
      return;
    }
    if (out_.size() >= kMaxIndicators) return;
    Indicator indicator;
    indicator.set_type(type);
    indicator.set_value(std::move(value));
    indicator.set_source(source);
    indicator.set_occurrences(1);
    index_.emplace(key, out_.size());
    out_.push_back(std::move(indicator));
  }
  std::vector<Indicator> Take() { return std::move(out_); }

 private:
  std::map<std::string, std::size_t> index_;
  std::vector<Indicator> out_;
};

bool IsIpv4(const std::string& text) {
  in_addr address{};
  return inet_pton(AF_INET, text.c_str(), &address) == 1;
}

bool IsIpv6(const std::string& text) {
  in6_addr address{};
  return inet_pton(AF_INET6, text.c_str(), &address) == 1;
}

bool IsLoopback(const std::string& host) {
  const std::string lower = AsciiLower(host);
  return lower == "localhost" || lower.starts_with("127.") || lower == "::1";
}

// A DNS name: labels of letters, digits, '-' and '_' separated by dots, at least one dot (a
// bare "intranet" or NetBIOS name is not searchable outside the victim's network).
bool IsDomainName(std::string_view host) {
  if (host.empty() || host.size() > 253 || host.find('.') == std::string_view::npos) return false;
  if (host.front() == '.' || host.back() == '.') return false;
  for (const char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

// "host:port", "[v6]:port", "v6" or "host" -> host.
std::string HostOf(std::string_view target) {
  if (!target.empty() && target.front() == '[') {
    const std::size_t close = target.find(']');
    return std::string(
        target.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  const std::size_t first = target.find(':');
  if (first != std::string_view::npos && target.find(':', first + 1) != std::string_view::npos) {
    return std::string(target);  // an IPv6 literal without brackets or port
  }
  return std::string(target.substr(0, first));
}

// The host of "scheme://user@host:port/path"; "" when `url` has no scheme.
std::string UrlHost(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos)
    rest.remove_prefix(at + 1);
  return HostOf(rest);
}

bool LooksLikeUrl(std::string_view text) {
  const std::string lower = AsciiLower(text.substr(0, 8));
  return lower.starts_with("http://") || lower.starts_with("https://") ||
         lower.starts_with("ftp://");
}

bool LooksLikeWindowsPath(std::string_view path) {
  return (path.size() >= 3 && path[1] == ':' && path[2] == '\\') || path.starts_with("\\\\");
}

// A quoted API argument ("\"Mozilla/5.0\"") without its quotes; "" for numbers and NULL.
std::string Unquote(const std::string& arg) {
  if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"')
    return arg.substr(1, arg.size() - 2);
  return {};
}

}  // namespace

std::vector<Indicator> BehaviorIndicators(const analysis::v1::BehaviorResult& behavior,
                                          const emulator::EnvironmentProfile& environment) {
  IndicatorSet set;
  // Addresses the DNS simulation handed out say nothing about the sample: the name it resolved
  // is the indicator, and it is recorded from the dns event.
  std::set<std::string> simulated_addresses = {environment.dns_default_ip};
  for (const auto& [name, address] : environment.dns_answers) simulated_addresses.insert(address);
  for (const auto& event : behavior.network_events()) {
    if (event.operation() == "dns" && !event.details().empty())
      simulated_addresses.insert(event.details());
  }

  const auto add_host = [&](const std::string& host, const std::string& source) {
    if (host.empty() || IsLoopback(host)) return;
    if (IsIpv4(host)) {
      if (!simulated_addresses.contains(host))
        set.Add(analysis::v1::INDICATOR_TYPE_IPV4, host, source, false);
    } else if (IsIpv6(host)) {
      if (!simulated_addresses.contains(host))
        set.Add(analysis::v1::INDICATOR_TYPE_IPV6, AsciiLower(host), source, true);
    } else if (IsDomainName(host)) {
      set.Add(analysis::v1::INDICATOR_TYPE_DOMAIN, AsciiLower(host), source, true);
    }
  };

  for (const auto& event : behavior.network_events()) {
    const std::string& op = event.operation();
    if (op == "http_request" || op == "download") {
      if (LooksLikeUrl(event.target())) {
        set.Add(analysis::v1::INDICATOR_TYPE_URL, event.target(), "sandbox.network", false);
        add_host(UrlHost(event.target()), "sandbox.network");
      } else {
        // WinINet / WinHTTP requests are named by their connection ("host:port/path").
        add_host(HostOf(event.target().substr(0, event.target().find('/'))), "sandbox.network");
      }
    } else if (op == "dns" || op == "connect" || op == "send") {
      add_host(HostOf(event.target()), "sandbox.network");
    }
  }
  for (const auto& event : behavior.registry_events()) {
    const std::string& op = event.operation();
    if (op != "set_value" && op != "create_key" && op != "delete_value" && op != "delete_key")
      continue;
    if (event.details().starts_with("failed")) continue;
    set.Add(analysis::v1::INDICATOR_TYPE_REGISTRY_KEY, event.target(), "sandbox.registry", true);
  }
  for (const auto& event : behavior.mutex_events()) {
    set.Add(analysis::v1::INDICATOR_TYPE_MUTEX, event.target(), "sandbox.mutex", false);
  }
  const std::string lower_sample_path = AsciiLower(environment.sample_path);
  for (const auto& event : behavior.file_events()) {
    const std::string& op = event.operation();
    if (op != "create" && op != "write" && op != "copy" && op != "move") continue;
    if (event.details().starts_with("failed") || !LooksLikeWindowsPath(event.target())) continue;
    if (AsciiLower(event.target()) == lower_sample_path) continue;
    set.Add(analysis::v1::INDICATOR_TYPE_FILE_PATH, event.target(), "sandbox.file", true);
  }
  for (const auto& event : behavior.process_events()) {
    if (event.operation() != "create" && event.operation() != "shell_execute") continue;
    set.Add(analysis::v1::INDICATOR_TYPE_COMMAND_LINE, event.target(), "sandbox.process", false);
  }
  for (const auto& call : behavior.api_calls()) {
    // The agent string is the first argument of InternetOpen and WinHttpOpen.
    const std::string& name = call.name();
    if ((name == "InternetOpenA" || name == "InternetOpenW" || name == "WinHttpOpen") &&
        call.args_size() > 0) {
      set.Add(analysis::v1::INDICATOR_TYPE_USER_AGENT, Unquote(call.args(0)), "sandbox.api", false);
    }
  }
  return set.Take();
}

}  // namespace kensa::sandbox
