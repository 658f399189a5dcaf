#pragma once
// The PPIO control plane (REST), one method per endpoint. It speaks the
// wire models and throws core::ApiException / core::TransportError; the Prime
// layer maps those to Prime's errors.
//
// Retries (RetryPolicy): idempotent calls (GET, DELETE, POST timeout/connect)
// are retried on connection errors, 502/503/504 and 429; create and pause only
// when the connection could not be opened. Retry-After (seconds) on 429/503 is
// honoured. All attempts and waits of one call fit in config.request_timeout.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ppio_sandbox/core/api_models.hpp"
#include "ppio_sandbox/core/clock.hpp"
#include "ppio_sandbox/core/config.hpp"
#include "ppio_sandbox/core/http.hpp"
#include "ppio_sandbox/core/retry.hpp"

namespace ppio_sandbox::core {

struct ListQuery {
  Metadata metadata;                 // AND of exact matches
  std::vector<SandboxState> states;  // empty: running and paused
  std::optional<int> limit;
  std::optional<std::string> next_token;
};

struct SandboxPage {
  std::vector<SandboxInfo> sandboxes;
  std::optional<std::string> next_token;  // set only when another page exists
  std::optional<int> total_running;       // X-Total-Running, when the server sent it
};

// The answer to POST /sandboxes/{id}/connect.
struct ConnectedSandbox {
  CreatedSandbox sandbox;
  bool resumed = false;  // 201: it was paused; 200: it was already running
};

class ControlPlaneClient {
 public:
  ControlPlaneClient(ConnectionConfig config, std::shared_ptr<HttpTransport> transport, RetryPolicy retry = {},
                     std::shared_ptr<Clock> clock = nullptr);

  CreatedSandbox create_sandbox(const NewSandbox& request);
  SandboxInfo get_sandbox(const std::string& sandbox_id);
  SandboxPage list_sandboxes(const ListQuery& query);
  // Every page of the query, following the cursor to the end.
  std::vector<SandboxInfo> list_all_sandboxes(ListQuery query);
  // False when the sandbox does not exist (404), as E2B's kill does.
  bool kill_sandbox(const std::string& sandbox_id);
  // The sandbox ends `timeout_seconds` from now.
  void set_timeout(const std::string& sandbox_id, int timeout_seconds);
  // False when it is already paused (409), as E2B's pause does.
  bool pause_sandbox(const std::string& sandbox_id);
  // Resumes a paused sandbox, or extends a running one, for `timeout_seconds`.
  ConnectedSandbox connect_sandbox(const std::string& sandbox_id, int timeout_seconds);
  // PUT /sandboxes/{id}/network: replaces the sandbox's egress settings (the modern domain only).
  void update_network(const std::string& sandbox_id, const NetworkUpdate& update);
  // The v2 logs endpoint, falling back to v1 when a server lacks v2.
  std::vector<SandboxLogEntry> sandbox_logs(const std::string& sandbox_id);
  std::vector<TemplateInfo> list_templates();

  const ConnectionConfig& config() const { return config_; }
  const RetryPolicy& retry_policy() const { return retry_; }
  Clock& clock() const { return *clock_; }

 private:
  HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {},
                    Idempotency idempotency = Idempotency::idempotent);

  ConnectionConfig config_;
  std::shared_ptr<HttpTransport> transport_;
  RetryPolicy retry_;
  std::shared_ptr<Clock> clock_;
};

}  // namespace ppio_sandbox::core
