#pragma once
// APIClient: the credentials, endpoints and connection pool that every
// sandbox client shares. Copies are cheap and share one pool.
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ppio_sandbox/core/clock.hpp"
#include "ppio_sandbox/core/config.hpp"
#include "ppio_sandbox/core/control_plane.hpp"
#include "ppio_sandbox/core/http.hpp"
#include "ppio_sandbox/core/retry.hpp"
#include "ppio_sandbox/prime_compatible/config.hpp"

namespace ppio_sandbox::prime_compatible {

struct ClientOptions {
  // Unset fields come from the environment: the key from the explicit value,
  // PPIO_API_KEY, then ~/.prime/config.json; endpoints from PPIO_DOMAIN,
  // PPIO_API_URL and PPIO_SANDBOX_URL.
  std::optional<std::string> api_key;
  std::optional<std::string> domain;
  std::optional<std::string> api_url;
  std::optional<std::string> sandbox_url;
  // The team that create tags and list, bulk delete and batch lookups scope
  // to. Unset: Config's (PRIME_TEAM_ID, then the config file's team_id).
  // Empty: no team.
  std::optional<std::string> team_id;
  // Written on create as the sandbox's user_id. Unset: Config's (PRIME_USER_ID, then the file's).
  std::optional<std::string> user_id;
  std::string ca_file;  // extra CA bundle for HTTPS
  bool verify_tls = true;
  std::chrono::milliseconds request_timeout{60'000};
  // host -> IP used instead of DNS, e.g. to reach 49983-<id>.<domain> on loopback
  std::vector<std::pair<std::string, std::string>> host_overrides;
  // Template choice for create: docker_image -> PPIO template, then default_template.
  std::map<std::string, std::string> image_templates;
  std::string default_template = "base";
  // Replaces the cpp-httplib transport (tests inject a mock here).
  std::shared_ptr<core::HttpTransport> transport;
  // Control-plane retries; create is only retried when nothing was sent.
  core::RetryPolicy retry;
  // Every wait (retries, wait_for_creation) sleeps on this; null means the
  // steady clock. Tests pass a core::ManualClock.
  std::shared_ptr<core::Clock> clock;
  // Idle keep-alive connections kept per host.
  std::size_t max_keepalive_connections = 16;
};

class APIClient {
 public:
  explicit APIClient(std::optional<std::string> api_key = std::nullopt);
  explicit APIClient(ClientOptions options);

  const std::string& api_key() const;
  std::string base_url() const;
  // The settings read at construction (the config file is read once).
  const Config& config() const;
  // ClientOptions::team_id, else Config's; nullopt for none (an empty value is none).
  const std::optional<std::string>& team_id() const;
  const std::optional<std::string>& user_id() const;
  const ClientOptions& options() const;
  core::ControlPlaneClient& control_plane() const;
  const std::shared_ptr<core::HttpTransport>& transport() const;
  core::Clock& clock() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace ppio_sandbox::prime_compatible
