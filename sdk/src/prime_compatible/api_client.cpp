#include "ppio_sandbox/prime_compatible/api_client.hpp"

namespace ppio_sandbox::prime_compatible {

struct APIClient::State {
  ClientOptions options;
  std::shared_ptr<core::HttpTransport> transport;
  core::ControlPlaneClient control_plane;

  State(ClientOptions opts, core::ConnectionConfig config, std::shared_ptr<core::HttpTransport> t)
      : options(std::move(opts)),
        transport(t),
        control_plane(std::move(config), std::move(t), options.retry, options.clock) {}
};

namespace {

core::ConnectionConfig connection_config(const ClientOptions& options) {
  auto config = core::config_from_environment(options.api_key);
  if (options.domain) config.domain = *options.domain;
  if (options.api_url) config.api_url = *options.api_url;
  if (options.sandbox_url) config.sandbox_url = *options.sandbox_url;
  config.ca_file = options.ca_file;
  config.request_timeout = options.request_timeout;
  return config;
}

std::shared_ptr<core::HttpTransport> transport_for(const ClientOptions& options) {
  if (options.transport) return options.transport;
  core::TransportOptions transport;
  transport.ca_file = options.ca_file;
  transport.verify_tls = options.verify_tls;
  transport.host_overrides = options.host_overrides;
  transport.max_idle_per_host = options.max_keepalive_connections;
  return core::make_http_transport(std::move(transport));
}

}  // namespace

APIClient::APIClient(std::optional<std::string> api_key) : APIClient(ClientOptions{.api_key = std::move(api_key)}) {}

APIClient::APIClient(ClientOptions options) {
  auto config = connection_config(options);
  auto transport = transport_for(options);
  state_ = std::make_shared<State>(std::move(options), std::move(config), std::move(transport));
}

const std::string& APIClient::api_key() const { return state_->control_plane.config().api_key; }
std::string APIClient::base_url() const { return state_->control_plane.config().effective_api_url(); }
const ClientOptions& APIClient::options() const { return state_->options; }
core::ControlPlaneClient& APIClient::control_plane() const { return state_->control_plane; }
const std::shared_ptr<core::HttpTransport>& APIClient::transport() const { return state_->transport; }
core::Clock& APIClient::clock() const { return state_->control_plane.clock(); }

}  // namespace ppio_sandbox::prime_compatible
