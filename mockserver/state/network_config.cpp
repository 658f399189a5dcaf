#include "mockserver/state/network_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "mockserver/state/service_error.hpp"

namespace ppio_mock::state {

using nlohmann::json;

namespace {

using ppio_sandbox::core::kAllTraffic;
constexpr const char* kDomainsNeedBlockAll =
    "When specifying allowed domains in allow out, you must include 'ALL_TRAFFIC' in deny out to block all other "
    "traffic.";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

bool is_ipv4(const std::string& s) {
  in_addr addr{};
  return ::inet_pton(AF_INET, s.c_str(), &addr) == 1;
}

bool is_ipv6(const std::string& s) {
  in6_addr addr{};
  return ::inet_pton(AF_INET6, s.c_str(), &addr) == 1;
}

bool is_ipv4_cidr(const std::string& s) {
  const auto slash = s.find('/');
  if (slash == std::string::npos) return false;
  int bits = -1;
  const std::string_view len(s.data() + slash + 1, s.size() - slash - 1);
  auto [ptr, ec] = std::from_chars(len.data(), len.data() + len.size(), bits);
  return all_digits(len) && ec == std::errc() && ptr == len.data() + len.size() && bits >= 0 && bits <= 32 &&
         is_ipv4(s.substr(0, slash));
}

// "example.com" or "*.example.com": dot-separated labels of letters, digits and '-'.
bool is_domain(std::string s) {
  if (s.starts_with("*.")) s = s.substr(2);
  if (s.empty() || s.size() > 253 || s.find('.') == std::string::npos) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = std::min(s.find('.', start), s.size());
    const std::string_view label(s.data() + start, end - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (unsigned char c : label) {
      if (std::isalnum(c) == 0 && c != '-') return false;
    }
    start = end + 1;
  }
  return true;
}

struct Rule {
  std::string host;
  bool is_domain = false;
  bool all_ports = true;
};

// "host", "host:port" or "cidr:port"; the host an IPv4 address, an IPv4 CIDR block or a domain.
Rule parse_rule(const std::string& entry, const std::string& field) {
  std::string host = entry;
  bool all_ports = true;
  if (const auto colon = entry.rfind(':'); colon != std::string::npos && entry.find(':') == colon) {
    const std::string port = entry.substr(colon + 1);
    int value = 0;
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (!all_digits(port) || ec != std::errc() || ptr != port.data() + port.size() || value < 1 || value > 65535) {
      throw ServiceError(400, "invalid " + field + " entry: invalid port in '" + entry + "'");
    }
    host = entry.substr(0, colon);
    all_ports = false;
  }
  if (is_ipv6(host) || (host.find('/') != std::string::npos && is_ipv6(host.substr(0, host.find('/'))))) {
    throw ServiceError(400, "IPv6 is not supported, got '" + entry + "' in " + field);
  }
  if (is_ipv4(host) || is_ipv4_cidr(host)) return {host, false, all_ports};
  if (is_domain(host)) return {host, true, all_ports};
  throw ServiceError(400, "invalid " + field + " entry: '" + entry + "' is not an IP address, a CIDR block or a domain");
}

void validate_egress(const std::optional<std::vector<std::string>>& allow_out,
                     const std::optional<std::vector<std::string>>& deny_out) {
  bool blocks_all = false;
  for (const auto& entry : deny_out.value_or(std::vector<std::string>{})) {
    const Rule rule = parse_rule(entry, "deny out");
    if (rule.is_domain) throw ServiceError(400, "invalid deny out entry " + entry + ": domains are not supported");
    blocks_all = blocks_all || (rule.host == kAllTraffic && rule.all_ports);
  }
  bool has_domains = false;
  for (const auto& entry : allow_out.value_or(std::vector<std::string>{})) {
    has_domains = parse_rule(entry, "allow out").is_domain || has_domains;
  }
  if (has_domains && !blocks_all) throw ServiceError(400, kDomainsNeedBlockAll);
}

void validate_proxy(const std::optional<EgressProxy>& proxy) {
  if (!proxy) return;
  const auto colon = proxy->address.rfind(':');
  if (colon == std::string::npos || colon == 0 || !all_digits(proxy->address.substr(colon + 1))) {
    throw ServiceError(400, "egress proxy address must be host:port, got '" + proxy->address + "'");
  }
  for (const auto* credential : {&proxy->username, &proxy->password}) {
    if (*credential && (*credential)->size() > 255) {
      throw ServiceError(400, "egress proxy username and password are at most 255 bytes");
    }
  }
}

// {"<domain>": [{"transform": {"headers": {"<name>": "<value>"}}}]}
void validate_rules(const std::optional<json>& rules) {
  if (!rules) return;
  const auto bad = [](const std::string& why) { throw ServiceError(400, "invalid network rules: " + why); };
  if (!rules->is_object()) bad("rules must be an object keyed by domain");
  for (const auto& [domain, list] : rules->items()) {
    if (!list.is_array()) bad("the rules for '" + domain + "' must be an array");
    for (const auto& rule : list) {
      if (!rule.is_object()) bad("each rule for '" + domain + "' must be an object");
      const auto transform = rule.find("transform");
      if (transform == rule.end() || transform->is_null()) continue;
      if (!transform->is_object()) bad("transform for '" + domain + "' must be an object");
      const auto headers = transform->find("headers");
      if (headers == transform->end() || headers->is_null()) continue;
      if (!headers->is_object()) bad("headers for '" + domain + "' must be an object");
      for (const auto& [name, value] : headers->items()) {
        if (!value.is_string()) bad("header '" + name + "' for '" + domain + "' must be a string");
      }
    }
  }
}

void validate_mask_host(const std::optional<std::string>& mask) {
  if (!mask) return;
  // "host[:port]"; the port may be a placeholder such as ${PORT}, as E2B allows.
  std::string host = mask->substr(0, mask->rfind(':'));
  if (host.empty()) throw ServiceError(400, "mask request host is not valid: " + *mask);
  for (unsigned char c : host) {
    if (c >= 0x80) throw ServiceError(400, "mask request host '" + host + "' is not ASCII. Please use ASCII characters only.");
    if (std::isspace(c) != 0 || c == '/') throw ServiceError(400, "mask request host is not valid: " + *mask);
  }
}

}  // namespace

void validate(const NetworkConfig& config) {
  validate_mask_host(config.mask_request_host);
  validate_egress(config.allow_out, config.deny_out);
  validate_proxy(config.egress_proxy);
  validate_rules(config.rules);
}

void validate(const NetworkUpdate& update) {
  validate_egress(update.allow_out, update.deny_out);
  validate_proxy(update.egress_proxy);
  validate_rules(update.rules);
}

NetworkConfig apply(NetworkConfig config, const NetworkUpdate& update) {
  config.allow_out = update.allow_out;
  config.deny_out = update.deny_out;
  config.rules = update.rules;
  config.egress_proxy = update.egress_proxy;
  return config;
}

}  // namespace ppio_mock::state
