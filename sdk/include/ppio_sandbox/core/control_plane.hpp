#pragma once
// The PPIO control plane (REST), one method per endpoint. It speaks the
// wire models and throws core::ApiException / core::TransportError; the Prime
// layer maps those to Prime's errors.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ppio_sandbox/core/api_models.hpp"
#include "ppio_sandbox/core/config.hpp"
#include "ppio_sandbox/core/http.hpp"

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

class ControlPlaneClient {
 public:
  ControlPlaneClient(ConnectionConfig config, std::shared_ptr<HttpTransport> transport);

  CreatedSandbox create_sandbox(const NewSandbox& request);
  SandboxInfo get_sandbox(const std::string& sandbox_id);
  SandboxPage list_sandboxes(const ListQuery& query);
  // False when the sandbox does not exist (404), as E2B's kill does.
  bool kill_sandbox(const std::string& sandbox_id);
  std::vector<TemplateInfo> list_templates();

  const ConnectionConfig& config() const { return config_; }

 private:
  HttpResponse call(const std::string& method, const std::string& target, const std::string& body = {});

  ConnectionConfig config_;
  std::shared_ptr<HttpTransport> transport_;
};

}  // namespace ppio_sandbox::core
