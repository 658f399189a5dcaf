#include "ppio_sandbox/core/envd_health.hpp"

#include <algorithm>
#include <stdexcept>

namespace ppio_sandbox::core {

namespace {

constexpr const char* kEnvdPort = "49983";

std::string envd_base_url(const ConnectionConfig& config, const EnvdProbe& probe) {
  if (config.sandbox_url.empty() && probe.domain && !probe.domain->empty()) {
    return "https://" + std::string(kEnvdPort) + "-" + probe.sandbox_id + "." + *probe.domain;
  }
  return config.envd_url(probe.sandbox_id);
}

}  // namespace

HttpRequest envd_health_request(const ConnectionConfig& config, const EnvdProbe& probe,
                                std::chrono::milliseconds timeout) {
  HttpRequest request;
  request.method = "GET";
  request.url = envd_base_url(config, probe) + "/health";
  request.headers = {{"User-Agent", config.user_agent}};
  if (!config.sandbox_url.empty()) {
    request.headers.emplace_back("E2b-Sandbox-Id", probe.sandbox_id);
    request.headers.emplace_back("E2b-Sandbox-Port", kEnvdPort);
  }
  if (probe.access_token) request.headers.emplace_back("X-Access-Token", *probe.access_token);
  request.timeout = std::min(timeout, config.request_timeout);
  return request;
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
