#include "ppio_sandbox/prime_compatible/async_sandbox_client.hpp"

#include <algorithm>

namespace ppio_sandbox::prime_compatible {

namespace {

std::size_t pool_size(int max_connections) { return static_cast<std::size_t>(std::max(1, max_connections)); }

}  // namespace

AsyncSandboxClient::AsyncSandboxClient(std::optional<std::string> api_key, int max_connections)
    : AsyncSandboxClient(ClientOptions{.api_key = std::move(api_key)}, max_connections) {}

AsyncSandboxClient::AsyncSandboxClient(ClientOptions options, int max_connections)
    : executor_(std::make_shared<core::Executor>(pool_size(max_connections))),
      sync_(std::make_unique<SandboxClient>(APIClient(std::move(options)), executor_)) {}

// The pool's tasks use sync_, so the pool must be joined first.
AsyncSandboxClient::~AsyncSandboxClient() { close(); }

void AsyncSandboxClient::close() { executor_->shutdown(); }

std::future<Sandbox> AsyncSandboxClient::create(CreateSandboxRequest request, CreateOptions options) {
  return executor_->submit([this, request = std::move(request), options = std::move(options)] {
    return sync_->create(request, options);
  });
}

std::future<SandboxListResponse> AsyncSandboxClient::list(ListOptions options) {
  return executor_->submit([this, options = std::move(options)] { return sync_->list(options); });
}

std::future<Sandbox> AsyncSandboxClient::get(std::string sandbox_id) {
  return executor_->submit([this, id = std::move(sandbox_id)] { return sync_->get(id); });
}

std::future<DeleteSandboxResponse> AsyncSandboxClient::delete_(std::string sandbox_id) {
  return executor_->submit([this, id = std::move(sandbox_id)] { return sync_->delete_(id); });
}

std::future<BulkDeleteSandboxResponse> AsyncSandboxClient::bulk_delete(BulkDeleteOptions options) {
  return executor_->submit([this, options = std::move(options)] { return sync_->bulk_delete(options); });
}

std::future<std::string> AsyncSandboxClient::get_logs(std::string sandbox_id) {
  return executor_->submit([this, id = std::move(sandbox_id)] { return sync_->get_logs(id); });
}

std::future<Sandbox> AsyncSandboxClient::update(std::string sandbox_id, UpdateSandboxRequest request) {
  return executor_->submit(
      [this, id = std::move(sandbox_id), request = std::move(request)] { return sync_->update(id, request); });
}

std::future<bool> AsyncSandboxClient::pause(std::string sandbox_id) {
  return executor_->submit([this, id = std::move(sandbox_id)] { return sync_->pause(id); });
}

std::future<Sandbox> AsyncSandboxClient::resume(std::string sandbox_id, int timeout_minutes) {
  return executor_->submit(
      [this, id = std::move(sandbox_id), timeout_minutes] { return sync_->resume(id, timeout_minutes); });
}

std::future<void> AsyncSandboxClient::wait_for_creation(std::string sandbox_id, int max_attempts) {
  return executor_->submit(
      [this, id = std::move(sandbox_id), max_attempts] { sync_->wait_for_creation(id, max_attempts); });
}

std::future<std::map<std::string, std::string>> AsyncSandboxClient::bulk_wait_for_creation(
    std::vector<std::string> sandbox_ids, int max_attempts) {
  return executor_->submit([this, ids = std::move(sandbox_ids), max_attempts] {
    return sync_->bulk_wait_for_creation(ids, max_attempts);
  });
}

std::future<CommandResponse> AsyncSandboxClient::execute_command(std::string sandbox_id, std::string command,
                                                                 CommandOptions options) {
  return executor_->submit([this, id = std::move(sandbox_id), command = std::move(command),
                            options = std::move(options)] { return sync_->execute_command(id, command, options); });
}

std::future<FileUploadResponse> AsyncSandboxClient::upload_file(std::string sandbox_id, std::string file_path,
                                                                std::filesystem::path local_file_path,
                                                                std::optional<int> timeout) {
  return executor_->submit([this, id = std::move(sandbox_id), path = std::move(file_path),
                            local = std::move(local_file_path),
                            timeout] { return sync_->upload_file(id, path, local, timeout); });
}

std::future<FileUploadResponse> AsyncSandboxClient::upload_bytes(std::string sandbox_id, std::string file_path,
                                                                 std::string file_bytes, std::string filename,
                                                                 std::optional<int> timeout) {
  return executor_->submit([this, id = std::move(sandbox_id), path = std::move(file_path),
                            bytes = std::move(file_bytes), name = std::move(filename),
                            timeout] { return sync_->upload_bytes(id, path, bytes, name, timeout); });
}

std::future<void> AsyncSandboxClient::download_file(std::string sandbox_id, std::string file_path,
                                                    std::filesystem::path local_file_path,
                                                    std::optional<int> timeout) {
  return executor_->submit([this, id = std::move(sandbox_id), path = std::move(file_path),
                            local = std::move(local_file_path),
                            timeout] { sync_->download_file(id, path, local, timeout); });
}

std::future<ReadFileResponse> AsyncSandboxClient::read_file(std::string sandbox_id, std::string file_path,
                                                            ReadFileOptions options) {
  return executor_->submit([this, id = std::move(sandbox_id), path = std::move(file_path), options] {
    return sync_->read_file(id, path, options);
  });
}

std::future<BackgroundJob> AsyncSandboxClient::start_background_job(std::string sandbox_id, std::string command,
                                                                    BackgroundJobOptions options) {
  return executor_->submit([this, id = std::move(sandbox_id), command = std::move(command),
                            options = std::move(options)] { return sync_->start_background_job(id, command, options); });
}

std::future<BackgroundJobStatus> AsyncSandboxClient::get_background_job(std::string sandbox_id, BackgroundJob job,
                                                                        std::optional<int> timeout) {
  return executor_->submit([this, id = std::move(sandbox_id), job = std::move(job), timeout] {
    return sync_->get_background_job(id, job, timeout);
  });
}

std::future<BackgroundJobStatus> AsyncSandboxClient::run_background_job(std::string sandbox_id, std::string command,
                                                                        RunBackgroundJobOptions options) {
  return executor_->submit([this, id = std::move(sandbox_id), command = std::move(command),
                            options = std::move(options)] { return sync_->run_background_job(id, command, options); });
}

}  // namespace ppio_sandbox::prime_compatible
