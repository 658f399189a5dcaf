#pragma once
// Is a sandbox's envd daemon answering? GET <envd>/health, as E2B's isRunning.
#include <chrono>
#include <optional>
#include <string>

#include "ppio_sandbox/core/config.hpp"
#include "ppio_sandbox/core/envd.hpp"
#include "ppio_sandbox/core/http.hpp"

namespace ppio_sandbox::core {

using EnvdProbe = EnvdTarget;

struct EnvdHealth {
  bool healthy = false;
  std::string detail;  // why not, for error messages
};

// The request GET /health (see envd_request for the address and headers).
HttpRequest envd_health_request(const ConnectionConfig& config, const EnvdProbe& probe,
                                std::chrono::milliseconds timeout);

// Healthy only on 204, envd's answer: a 200 on the same URL comes from
// something else (the fake's control plane answers /health with 200).
EnvdHealth check_envd_health(HttpTransport& transport, const ConnectionConfig& config, const EnvdProbe& probe,
                             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace ppio_sandbox::core
