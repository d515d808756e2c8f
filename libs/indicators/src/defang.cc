#include "kensa/indicators/defang.h"

namespace kensa::indicators {
namespace {

using analysis::v1::IndicatorType;

// Replaces every '.' in a host name with "[.]".
std::string DefangDots(std::string_view host) {
  std::string out;
  out.reserve(host.size() + 8);
  for (char c : host) {
    if (c == '.') {
      out += "[.]";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// For an IPv4 address only the last dot is bracketed, the convention most CTI feeds use.
std::string DefangIpv4(std::string_view ip) {
  const auto last = ip.rfind('.');
  if (last == std::string_view::npos) return std::string(ip);
  return std::string(ip.substr(0, last)) + "[.]" + std::string(ip.substr(last + 1));
}

std::string DefangUrl(std::string_view url) {
  std::string out;
  std::string_view rest = url;
  const auto scheme_end = url.find("://");
  if (scheme_end != std::string_view::npos) {
    std::string scheme(url.substr(0, scheme_end));
    if (scheme == "http") scheme = "hxxp";
    if (scheme == "https") scheme = "hxxps";
    if (scheme == "ftp") scheme = "fxp";
    out = scheme + "[://]";
    rest = url.substr(scheme_end + 3);
  }
  const auto host_end = rest.find_first_of("/?#");
  out += DefangDots(rest.substr(0, host_end));
  if (host_end != std::string_view::npos) out += std::string(rest.substr(host_end));
  return out;
}

}  // namespace

std::string Defang(IndicatorType type, std::string_view value) {
  switch (type) {
    case analysis::v1::INDICATOR_TYPE_URL:
      return DefangUrl(value);
    case analysis::v1::INDICATOR_TYPE_DOMAIN:
      return DefangDots(value);
    case analysis::v1::INDICATOR_TYPE_IPV4:
      return DefangIpv4(value);
    case analysis::v1::INDICATOR_TYPE_IPV6: {
      std::string out;
      for (char c : value) {
        if (c == ':') {
          out += "[:]";
        } else {
          out.push_back(c);
        }
      }
      return out;
    }
    case analysis::v1::INDICATOR_TYPE_EMAIL: {
      const auto at = value.find('@');
      if (at == std::string_view::npos) return DefangDots(value);
      return std::string(value.substr(0, at)) + "[@]" + DefangDots(value.substr(at + 1));
    }
    default:
      return std::string(value);
  }
}

}  // namespace kensa::indicators
