#pragma once
// AsyncSandboxClient: SandboxClient's methods returning std::future, run on a
// bounded pool of at most max_connections threads. Bulk calls fan out on the
// same pool. The destructor finishes the queued work and joins every thread.
//
//   prime::AsyncSandboxClient client;  // key: PPIO_API_KEY, then ~/.prime/config.json
//   auto sandbox = client.create({.name = "a", .docker_image = "python:3.11-slim"}).get();
#include <future>
#include <map>
#include <memory>
#include <optional>
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
  std::future<DeleteSandboxResponse> delete_(std::string sandbox_id);
  std::future<BulkDeleteSandboxResponse> bulk_delete(BulkDeleteOptions options);
  std::future<std::string> get_logs(std::string sandbox_id);
  std::future<Sandbox> update(std::string sandbox_id, UpdateSandboxRequest request);
  std::future<bool> pause(std::string sandbox_id);
  std::future<Sandbox> resume(std::string sandbox_id, int timeout_minutes = 60);
  std::future<void> wait_for_creation(std::string sandbox_id, int max_attempts = 60);
  std::future<std::map<std::string, std::string>> bulk_wait_for_creation(std::vector<std::string> sandbox_ids,
                                                                        int max_attempts = 60);

  std::future<CommandResponse> execute_command(std::string sandbox_id, std::string command,
                                               CommandOptions options = {});
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
  // Holds one pool thread while it polls.
  std::future<BackgroundJobStatus> run_background_job(std::string sandbox_id, std::string command,
                                                      RunBackgroundJobOptions options = {});

  // Waits for the queued work and joins the pool; later calls throw.
  void close();

  const APIClient& client() const { return sync_->client(); }
  std::size_t max_connections() const { return executor_->max_threads(); }

 private:
  std::shared_ptr<core::Executor> executor_;
  std::unique_ptr<SandboxClient> sync_;
};

}  // namespace ppio_sandbox::prime_compatible
