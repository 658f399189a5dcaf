// Prime's egress models and their validator (prime_sandboxes.models:
// SandboxEgressPolicy, EgressPolicyStatus, validate_egress_lists).
#include <arpa/inet.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <stdexcept>

#include "ppio_sandbox/core/json_fields.hpp"
#include "ppio_sandbox/prime_compatible/models.hpp"

namespace ppio_sandbox::prime_compatible {

using nlohmann::json;
namespace jf = core::json_fields;

namespace {

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
  const std::string bits = s.substr(slash + 1);
  int value = -1;
  const auto [ptr, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), value);
  const bool digits = !bits.empty() && std::all_of(bits.begin(), bits.end(), [](unsigned char c) {
    return std::isdigit(c) != 0;
  });
  return digits && ec == std::errc() && ptr == bits.data() + bits.size() && value >= 0 && value <= 32 &&
         is_ipv4(s.substr(0, slash));
}

// Dot-separated labels of letters, digits, '-' and '_', none empty; "*" only as a whole leftmost label.
void check_hostname(const std::string& entry, const std::string& prefix) {
  if (entry.size() > 253) throw std::invalid_argument(prefix + "hostname is longer than 253 characters: " + entry);
  std::size_t start = 0;
  bool first = true;
  while (true) {
    const auto dot = entry.find('.', start);
    const std::string label = entry.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (label.empty()) throw std::invalid_argument(prefix + "empty label in '" + entry + "'");
    if (label.find('*') != std::string::npos && !(first && label == "*")) {
      throw std::invalid_argument(prefix + "wildcard is only allowed as the leftmost label ('*.example.com'): " +
                                  entry);
    }
    if (label != "*") {
      if (label.size() > 63) throw std::invalid_argument(prefix + "label longer than 63 characters in '" + entry + "'");
      for (unsigned char c : label) {
        if (std::isalnum(c) == 0 && c != '-' && c != '_') {
          throw std::invalid_argument(prefix + "invalid character in hostname '" + entry + "'");
        }
      }
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
    first = false;
  }
}

void check_entry(const std::string& entry, const std::string& list_name) {
  const std::string prefix = list_name + ": ";
  if (entry.empty()) throw std::invalid_argument(prefix + "entries must not be empty");
  const auto slash = entry.find('/');
  if (is_ipv6(entry) || (slash != std::string::npos && is_ipv6(entry.substr(0, slash)))) {
    throw std::invalid_argument(prefix + "IPv6 is not supported: " + entry);
  }
  for (const char* banned : {"://", "@", ":", "?"}) {
    if (entry.find(banned) != std::string::npos) {
      throw std::invalid_argument(prefix + "expected an IPv4 address, CIDR block or hostname, without scheme, "
                                           "credentials, port or query: " + entry);
    }
  }
  if (entry == "*") throw std::invalid_argument(prefix + "'*' alone is not a destination");
  if (is_ipv4(entry) || is_ipv4_cidr(entry)) return;
  if (slash != std::string::npos) throw std::invalid_argument(prefix + "invalid IPv4 CIDR block: " + entry);
  check_hostname(entry, prefix);
}

void check_list(const std::optional<std::vector<std::string>>& list, const std::string& name) {
  if (!list) return;
  if (list->size() > kEgressMaxEntries) {
    throw std::invalid_argument(name + " supports at most " + std::to_string(kEgressMaxEntries) + " entries");
  }
  for (const auto& entry : *list) check_entry(entry, name);
}

json list_or_null(const std::optional<std::vector<std::string>>& list) { return list ? json(*list) : json(nullptr); }

}  // namespace

void validate_egress_lists(const std::optional<std::vector<std::string>>& allowlist,
                           const std::optional<std::vector<std::string>>& denylist) {
  if (allowlist && denylist) {
    throw std::invalid_argument("network_allowlist and network_denylist are mutually exclusive; provide at most one");
  }
  check_list(allowlist, "network_allowlist");
  check_list(denylist, "network_denylist");
}

void to_json(json& j, const SandboxEgressPolicy& v) {
  j = json{{"allowlist", list_or_null(v.allowlist)}, {"denylist", list_or_null(v.denylist)}};
}

void from_json(const json& j, SandboxEgressPolicy& v) {
  v = {};
  jf::read(j, {"allowlist"}, v.allowlist);
  jf::read(j, {"denylist"}, v.denylist);
}

void to_json(json& j, const EgressPolicyStatus& v) {
  j = json{{"policy", v.policy},
           {"generation", v.generation},
           {"applied_generation", v.applied_generation},
           {"applied", v.applied}};
}

void from_json(const json& j, EgressPolicyStatus& v) {
  jf::require(j, {"policy"}, v.policy);
  jf::require(j, {"generation"}, v.generation);
  jf::require(j, {"applied_generation", "appliedGeneration"}, v.applied_generation);
  jf::require(j, {"applied"}, v.applied);
}

}  // namespace ppio_sandbox::prime_compatible
