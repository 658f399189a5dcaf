#pragma once
// SandboxClient: Prime's sandbox methods, run on PPIO.
// Prime's keyword arguments are option structs that take designated initializers:
//   client.list({.status = SandboxStatus::RUNNING, .labels = {"exp"}, .per_page = 50});
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ppio_sandbox/prime_compatible/api_client.hpp"
#include "ppio_sandbox/prime_compatible/models.hpp"

namespace ppio_sandbox::prime_compatible {

struct CreateOptions {
  // The PPIO template to start; when unset, docker_image picks it (see README).
  std::optional<std::string> template_id;
};

struct ListOptions {
  std::optional<std::string> team_id;
  std::optional<SandboxStatus> status;
  std::vector<std::string> labels;  // a sandbox must carry every one
  int page = 1;
  int per_page = 50;
  // Killed sandboxes never appear on PPIO, so this changes nothing.
  std::optional<bool> exclude_terminated;
};

class SandboxClient {
 public:
  explicit SandboxClient(APIClient client);

  Sandbox create(const CreateSandboxRequest& request, const CreateOptions& options = {});
  SandboxListResponse list(const ListOptions& options = {});
  Sandbox get(const std::string& sandbox_id);
  // Prime's `delete` (a C++ keyword). An unknown id gives success=false; it does not throw.
  DeleteSandboxResponse delete_(const std::string& sandbox_id);

  const APIClient& client() const { return client_; }

 private:
  std::string resolve_template(const CreateSandboxRequest& request, const CreateOptions& options);
  const std::vector<core::TemplateInfo>& known_templates();

  APIClient client_;
  std::mutex mutex_;
  std::optional<std::vector<core::TemplateInfo>> templates_;
  // Cursor of page N+1 per list query, so page N is not re-fetched from page 1.
  std::map<std::string, std::vector<std::optional<std::string>>> page_tokens_;
};

}  // namespace ppio_sandbox::prime_compatible
