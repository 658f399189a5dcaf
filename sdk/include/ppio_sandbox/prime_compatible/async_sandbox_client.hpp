#pragma once
// AsyncSandboxClient: SandboxClient's methods returning std::future, run on a
// bounded pool of at most max_connections threads. Bulk calls fan out on the
// same pool.
//
//   prime::AsyncSandboxClient client;  // key: PPIO_API_KEY, then ~/.prime/config.json
//   auto sandbox = client.create({.name = "a", .docker_image = "python:3.11-slim"}).get();
//
// Closing (close(), or the destructor): new calls are refused (std::runtime_error),
// queued ones are cancelled (their futures throw CancelledError), and only the
// calls already running are waited for. Long waits (wait_for_creation,
// bulk_wait_for_creation, run_background_job's polling) stop at once on close,
// or on the std::stop_token a call is given, with CancelledError. Processes
// from open_process are objects of their own and live on after close.
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "ppio_sandbox/core/executor.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

class AsyncSandboxClient {
 public:
  static constexpr int kDefaultMaxConnections = 1000;  // Prime's default

  explicit AsyncSandboxClient(std::optional<std::string> api_key = std::nullopt,
                              int max_connections = kDefaultMaxConnections);
  explicit AsyncSandboxClient(ClientOptions options, int max_connections = kDefaultMaxConnections);
  ~AsyncSandboxClient();
  AsyncSandboxClient(const AsyncSandboxClient&) = delete;
  AsyncSandboxClient& operator=(const AsyncSandboxClient&) = delete;

  std::future<Sandbox> create(CreateSandboxRequest request, CreateOptions options = {});
  std::future<SandboxListResponse> list(ListOptions options = {});
  std::future<Sandbox> get(std::string sandbox_id);
  std::future<BatchSandboxStatusResponse> get_sandbox_statuses(std::vector<std::string> sandbox_ids);
  std::future<DeleteSandboxResponse> delete_(std::string sandbox_id);
  std::future<BulkDeleteSandboxResponse> bulk_delete(BulkDeleteOptions options);
  std::future<std::string> get_logs(std::string sandbox_id);
  std::future<Sandbox> update(std::string sandbox_id, UpdateSandboxRequest request);
  std::future<bool> pause(std::string sandbox_id);
  std::future<Sandbox> resume(std::string sandbox_id, int timeout_minutes = 60);
  std::future<void> wait_for_creation(std::string sandbox_id, int max_attempts = 60, std::stop_token stop = {});
  std::future<std::map<std::string, std::string>> bulk_wait_for_creation(std::vector<std::string> sandbox_ids,
                                                                        int max_attempts = 60,
                                                                        std::stop_token stop = {});
  std::future<bool> is_vm(std::string sandbox_id);
  std::future<void> clear_auth_cache();

  std::future<EgressPolicyStatus> get_network(std::string sandbox_id);
  std::future<EgressPolicyStatus> set_network(std::string sandbox_id, NetworkOptions options);

  std::future<ExposedPort> expose(std::string sandbox_id, int port, std::optional<std::string> name = std::nullopt,
                                  std::string protocol = "HTTP");
  std::future<void> unexpose(std::string sandbox_id, std::string exposure_id);
  std::future<ListExposedPortsResponse> list_exposed_ports(std::string sandbox_id);
  std::future<ListExposedPortsResponse> list_all_exposed_ports();

  std::future<CommandResponse> execute_command(std::string sandbox_id, std::string command,
                                               CommandOptions options = {});
  // Ready once the process runs; it holds a pool thread only until then.
  std::future<AsyncSandboxProcess> open_process(std::string sandbox_id, std::string command,
                                                ProcessOptions options = {});
  std::future<FileUploadResponse> upload_file(std::string sandbox_id, std::string file_path,
                                              std::filesystem::path local_file_path,
                                              std::optional<int> timeout = std::nullopt);
  // The bytes are copied, so the caller's buffer may go away at once.
  std::future<FileUploadResponse> upload_bytes(std::string sandbox_id, std::string file_path, std::string file_bytes,
                                               std::string filename, std::optional<int> timeout = std::nullopt);
  std::future<void> download_file(std::string sandbox_id, std::string file_path, std::filesystem::path local_file_path,
                                  std::optional<int> timeout = std::nullopt);
  std::future<ReadFileResponse> read_file(std::string sandbox_id, std::string file_path, ReadFileOptions options = {});
  std::future<BackgroundJob> start_background_job(std::string sandbox_id, std::string command,
                                                  BackgroundJobOptions options = {});
  std::future<BackgroundJobStatus> get_background_job(std::string sandbox_id, BackgroundJob job,
                                                      std::optional<int> timeout = std::nullopt);
  std::future<std::vector<BackgroundJobStatus>> get_background_jobs(std::vector<BackgroundJob> jobs,
                                                                    std::optional<int> timeout = std::nullopt);
  // Holds one pool thread while it polls; stops at once on close or options.stop.
  std::future<BackgroundJobStatus> run_background_job(std::string sandbox_id, std::string command,
                                                      RunBackgroundJobOptions options = {});

  // See the top of this file. Returns once the running calls have finished.
  void close();

  const APIClient& client() const { return sync_->client(); }
  std::size_t max_connections() const { return executor_->max_threads(); }

 private:
  // Queues fn(stop_token), the token being the client's own (stopped by close()).
  template <class Fn>
  auto submit(Fn fn) -> std::future<std::invoke_result_t<Fn&, std::stop_token>>;

  std::stop_source stop_;
  std::shared_ptr<core::Executor> executor_;
  std::unique_ptr<SandboxClient> sync_;
};

}  // namespace ppio_sandbox::prime_compatible
