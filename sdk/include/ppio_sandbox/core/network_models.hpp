#pragma once
// A sandbox's network settings on the wire: SandboxNetworkConfig (the
// `network` of create and of GET /sandboxes/{id}) and SandboxNetworkUpdateConfig
// (the body of PUT /sandboxes/{id}/network), as in contracts/e2b-openapi.yml.
// The SDK sends and reads them; the fake validates and serves them.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ppio_sandbox::core {

// The denyOut entry that blocks every IPv4 destination (E2B's ALL_TRAFFIC).
inline constexpr const char* kAllTraffic = "0.0.0.0/0";

struct EgressProxy {
  std::string address;  // host:port
  std::optional<std::string> username;
  std::optional<std::string> password;  // sent, never reported back
};

struct NetworkConfig {
  std::optional<bool> allow_public_traffic;
  std::optional<std::vector<std::string>> allow_out;
  std::optional<std::vector<std::string>> deny_out;
  std::optional<std::string> mask_request_host;
  std::optional<nlohmann::json> rules;  // domain -> [{"transform": {"headers": {name: value}}}]
  std::optional<EgressProxy> egress_proxy;
};

// PUT /sandboxes/{id}/network: replaces the egress settings; an omitted field clears.
struct NetworkUpdate {
  std::optional<std::vector<std::string>> allow_out;
  std::optional<std::vector<std::string>> deny_out;
  std::optional<nlohmann::json> rules;
  std::optional<EgressProxy> egress_proxy;
  std::optional<bool> allow_internet_access;
};

// Mistyped fields throw nlohmann::json::exception.
void from_json(const nlohmann::json& j, EgressProxy& v);
void from_json(const nlohmann::json& j, NetworkConfig& v);
void from_json(const nlohmann::json& j, NetworkUpdate& v);
// As SandboxDetail.network reports it: the proxy's password is left out.
void to_json(nlohmann::json& j, const NetworkConfig& v);
// As the SDK sends it, password included.
void to_json(nlohmann::json& j, const EgressProxy& v);
void to_json(nlohmann::json& j, const NetworkUpdate& v);

}  // namespace ppio_sandbox::core
