#include "ppio_sandbox/prime_compatible/api_client.hpp"

namespace ppio_sandbox::prime_compatible {

namespace {

std::optional<std::string> none_if_empty(std::optional<std::string> value) {
  if (value && value->empty()) return std::nullopt;
  return value;
}

}  // namespace

struct APIClient::State {
  ClientOptions options;
  std::shared_ptr<core::HttpTransport> transport;
  core::ControlPlaneClient control_plane;
  Config config;
  std::optional<std::string> team_id;
  std::optional<std::string> user_id;

  State(ClientOptions opts, core::ConnectionConfig connection, std::shared_ptr<core::HttpTransport> t)
      : options(std::move(opts)),
        transport(t),
        control_plane(std::move(connection), std::move(t), options.retry, options.clock),
        team_id(none_if_empty(options.team_id ? options.team_id : config.team_id())),
        user_id(none_if_empty(options.user_id ? options.user_id : config.user_id())) {}
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
const Config& APIClient::config() const { return state_->config; }
const std::optional<std::string>& APIClient::team_id() const { return state_->team_id; }
const std::optional<std::string>& APIClient::user_id() const { return state_->user_id; }
core::ControlPlaneClient& APIClient::control_plane() const { return state_->control_plane; }
const std::shared_ptr<core::HttpTransport>& APIClient::transport() const { return state_->transport; }
core::Clock& APIClient::clock() const { return state_->control_plane.clock(); }

}  // namespace ppio_sandbox::prime_compatible
