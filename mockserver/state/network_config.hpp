#pragma once
// A sandbox's network settings (SandboxNetworkConfig on create,
// SandboxNetworkUpdateConfig on PUT /sandboxes/{id}/network), validated as
// E2B's API validates them. The fake keeps and reports them; its sandboxes
// have no network beyond their own loopback, whatever the rules say.
//
// These shapes belong with the rest of the wire format in sdk/core; they live
// here until the SDK learns the network API.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace ppio_mock::state {

struct EgressProxy {
  std::string address;  // host:port
  std::optional<std::string> username;
  std::optional<std::string> password;  // kept, never reported
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

// Mistyped fields throw nlohmann::json::exception (a 400 at the HTTP edge).
void from_json(const nlohmann::json& j, EgressProxy& v);
void from_json(const nlohmann::json& j, NetworkConfig& v);
void from_json(const nlohmann::json& j, NetworkUpdate& v);
// As SandboxDetail.network reports it: the proxy's password is left out.
void to_json(nlohmann::json& j, const NetworkConfig& v);

// Throw ServiceError 400 with the service's message for a rule it refuses.
void validate(const NetworkConfig& config);
void validate(const NetworkUpdate& update);

// The config after `update`: egress replaced, ingress (public traffic, host mask) kept.
NetworkConfig apply(NetworkConfig config, const NetworkUpdate& update);

}  // namespace ppio_mock::state
