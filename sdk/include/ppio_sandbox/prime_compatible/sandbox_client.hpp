#pragma once
// SandboxClient: Prime's sandbox methods, run on PPIO.
// Prime's keyword arguments are option structs that take designated initializers:
//   client.list({.status = SandboxStatus::RUNNING, .labels = {"exp"}, .per_page = 50});
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ppio_sandbox/core/executor.hpp"
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

struct BulkDeleteOptions {
  // Exactly one of these two; an empty list is allowed and deletes nothing.
  std::optional<std::vector<std::string>> sandbox_ids;
  std::optional<std::vector<std::string>> labels;  // a sandbox must carry every one
  std::optional<std::string> team_id;              // narrows the label lookup
};

class SandboxClient {
 public:
  explicit SandboxClient(APIClient client);
  // Bulk calls fan out on `executor`; without one, each bulk call runs on a
  // pool of its own (at most kBulkConcurrency threads) that ends with the call.
  SandboxClient(APIClient client, std::shared_ptr<core::Executor> executor);
  static constexpr std::size_t kBulkConcurrency = 8;

  Sandbox create(const CreateSandboxRequest& request, const CreateOptions& options = {});
  SandboxListResponse list(const ListOptions& options = {});
  Sandbox get(const std::string& sandbox_id);
  // Prime's `delete` (a C++ keyword). An unknown id gives success=false; it does not throw.
  DeleteSandboxResponse delete_(const std::string& sandbox_id);

  // Deletes concurrently. An id that does not exist is a failure ("Sandbox not
  // found"), not a success; repeated ids are deleted once. A label lookup
  // follows every page. Throws APIError unless exactly one of ids/labels is set.
  BulkDeleteSandboxResponse bulk_delete(const BulkDeleteOptions& options);

  // The sandbox's log lines from the control plane, joined with "\n".
  std::string get_logs(const std::string& sandbox_id);

  // PPIO can change only the timeout of a sandbox (its end becomes now +
  // timeout_minutes). Any other field set throws APIError naming the fields,
  // before any request. Returns the sandbox as it is afterwards.
  Sandbox update(const std::string& sandbox_id, const UpdateSandboxRequest& request);

  // PPIO extras that Prime lacks. pause returns false when the sandbox is
  // already paused; a missing sandbox throws APIError (404).
  bool pause(const std::string& sandbox_id);
  // Resumes a paused sandbox (or extends a running one) for timeout_minutes.
  Sandbox resume(const std::string& sandbox_id, int timeout_minutes = 60);

  // Waits until the sandbox is RUNNING and envd answers GET /health with 204,
  // backing off min(1.5^n, 10) s +-25% between polls. Throws
  // SandboxNotRunningError at the budget (Prime's T: max_attempts seconds up
  // to 5, else 5 + 2 * (max_attempts - 5)) or at once when the sandbox is gone.
  void wait_for_creation(const std::string& sandbox_id, int max_attempts = 60);
  // The same for 1-100 unique ids, with one list walk per poll. Returns
  // {id: "RUNNING"}; throws std::runtime_error with Prime's messages.
  std::map<std::string, std::string> bulk_wait_for_creation(const std::vector<std::string>& sandbox_ids,
                                                             int max_attempts = 60);

  const APIClient& client() const { return client_; }

 private:
  std::string resolve_template(const CreateSandboxRequest& request, const CreateOptions& options);
  const std::vector<core::TemplateInfo>& known_templates();
  void run_parallel(std::size_t count, const std::function<void(std::size_t)>& fn);
  std::vector<std::string> ids_with_labels(const std::optional<std::string>& team_id,
                                           const std::vector<std::string>& labels);

  APIClient client_;
  std::shared_ptr<core::Executor> executor_;
  std::mutex mutex_;
  std::optional<std::vector<core::TemplateInfo>> templates_;
  // Cursor of page N+1 per list query, so page N is not re-fetched from page 1.
  std::map<std::string, std::vector<std::optional<std::string>>> page_tokens_;
};

}  // namespace ppio_sandbox::prime_compatible
