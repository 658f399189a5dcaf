#pragma once
// A sandbox's network settings validated as E2B's API validates them. The
// shapes are the wire format's (sdk/core/network_models.hpp). The fake keeps
// and reports them; its sandboxes have no network beyond their own loopback,
// whatever the rules say.
#include "ppio_sandbox/core/network_models.hpp"

namespace ppio_mock::state {

using ppio_sandbox::core::EgressProxy;
using ppio_sandbox::core::NetworkConfig;
using ppio_sandbox::core::NetworkUpdate;

// Throw ServiceError 400 with the service's message for a rule it refuses.
void validate(const NetworkConfig& config);
void validate(const NetworkUpdate& update);

// The config after `update`: egress replaced, ingress (public traffic, host mask) kept.
NetworkConfig apply(NetworkConfig config, const NetworkUpdate& update);

}  // namespace ppio_mock::state
