#include "ppio_sandbox/core/envd_health.hpp"

#include <algorithm>
#include <stdexcept>

namespace ppio_sandbox::core {

HttpRequest envd_health_request(const ConnectionConfig& config, const EnvdProbe& probe,
                                std::chrono::milliseconds timeout) {
  return envd_request(config, probe, "GET", "/health", std::min(timeout, config.request_timeout));
}

EnvdHealth check_envd_health(HttpTransport& transport, const ConnectionConfig& config, const EnvdProbe& probe,
                             std::chrono::milliseconds timeout) {
  try {
    const auto response = transport.send(envd_health_request(config, probe, timeout));
    if (response.status == 204) return {true, {}};
    return {false, "envd /health answered HTTP " + std::to_string(response.status)};
  } catch (const TransportError& e) {
    return {false, std::string("envd /health failed: ") + e.what()};
  } catch (const std::invalid_argument& e) {
    return {false, std::string("bad envd URL: ") + e.what()};
  }
}

}  // namespace ppio_sandbox::core
