// get_network / set_network: Prime's egress policy on PPIO's network config.
#include "error_mapping.hpp"
#include "ppio_sandbox/prime_compatible/mapping.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

using detail::mapped;

namespace {

// PPIO applies a network update before it answers 204 and counts no
// generations, so what it holds is always the applied policy.
EgressPolicyStatus applied_status(const core::SandboxInfo& info) {
  EgressPolicyStatus status;
  status.policy = mapping::egress_from_network(info.network, info.allow_internet_access);
  status.generation = 0;
  status.applied_generation = 0;
  status.applied = true;
  return status;
}

}  // namespace

EgressPolicyStatus SandboxClient::get_network(const std::string& sandbox_id) {
  return mapped("Failed to get network policy", [&] {
    const auto info = client_.control_plane().get_sandbox(sandbox_id);
    remember(info);
    return applied_status(info);
  });
}

EgressPolicyStatus SandboxClient::set_network(const std::string& sandbox_id, const NetworkOptions& options) {
  const auto policy = mapping::policy_for_set_network(options.allow, options.deny);
  const auto update = mapping::network_update_for(policy);
  return mapped("Failed to set network policy", [&] {
    auto& api = client_.control_plane();
    try {
      api.update_network(sandbox_id, update);
    } catch (const core::ApiException& e) {
      if (e.status() != 404) throw;
      // 404 is either an unknown sandbox or a domain without the network
      // API (PPIO's legacy v1 domain); the sandbox's own record tells which.
      api.get_sandbox(sandbox_id);  // throws its own 404 when the sandbox is unknown
      detail::throw_from_current(APIError(
          "Egress policies are not supported on this PPIO domain (the legacy v1 domain has no network API); "
          "use a modern-domain region: " + e.message(),
          404));
    }
    const auto info = api.get_sandbox(sandbox_id);
    remember(info);
    return applied_status(info);
  });
}

}  // namespace ppio_sandbox::prime_compatible
