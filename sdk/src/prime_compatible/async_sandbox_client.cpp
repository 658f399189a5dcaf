#include "ppio_sandbox/prime_compatible/async_sandbox_client.hpp"

#include <algorithm>

namespace ppio_sandbox::prime_compatible {

namespace {

std::size_t pool_size(int max_connections) { return static_cast<std::size_t>(std::max(1, max_connections)); }

// Runs fn with a token that is stopped when either `a` or `b` is.
template <class Fn>
auto with_either(const std::stop_token& a, const std::stop_token& b, Fn&& fn) {
  std::stop_source either;
  const auto stop = [&either] { either.request_stop(); };
  std::stop_callback on_a(a, stop);
  std::stop_callback on_b(b, stop);
  return fn(either.get_token());
}

}  // namespace

AsyncSandboxClient::AsyncSandboxClient(std::optional<std::string> api_key, int max_connections)
    : AsyncSandboxClient(ClientOptions{.api_key = std::move(api_key)}, max_connections) {}

AsyncSandboxClient::AsyncSandboxClient(ClientOptions options, int max_connections)
    : executor_(std::make_shared<core::Executor>(pool_size(max_connections))),
      sync_(std::make_unique<SandboxClient>(APIClient(std::move(options)), executor_)) {}

// The pool's tasks use sync_, so the pool must be joined first.
AsyncSandboxClient::~AsyncSandboxClient() { close(); }

void AsyncSandboxClient::close() {
  // Queued calls are cancelled before the running waits are stopped: a worker
  // freed by the stop must find nothing left to run.
  executor_->cancel_queued();
  stop_.request_stop();  // running waits end now
  executor_->close();    // running calls are waited for
}

template <class Fn>
auto AsyncSandboxClient::submit(Fn fn) -> std::future<std::invoke_result_t<Fn&, std::stop_token>> {
  if (stop_.stop_requested()) throw std::runtime_error("Cannot send a request, as the client has been closed.");
  try {
    return executor_->submit([token = stop_.get_token(), fn = std::move(fn)]() mutable { return fn(token); });
  } catch (const std::runtime_error&) {
    throw std::runtime_error("Cannot send a request, as the client has been closed.");
  }
}

std::future<Sandbox> AsyncSandboxClient::create(CreateSandboxRequest request, CreateOptions options) {
  return submit([this, request = std::move(request), options = std::move(options)](std::stop_token) {
    return sync_->create(request, options);
  });
}

std::future<SandboxListResponse> AsyncSandboxClient::list(ListOptions options) {
  return submit([this, options = std::move(options)](std::stop_token) { return sync_->list(options); });
}

std::future<Sandbox> AsyncSandboxClient::get(std::string sandbox_id) {
  return submit([this, id = std::move(sandbox_id)](std::stop_token) { return sync_->get(id); });
}

std::future<BatchSandboxStatusResponse> AsyncSandboxClient::get_sandbox_statuses(std::vector<std::string> sandbox_ids) {
  return submit(
      [this, ids = std::move(sandbox_ids)](std::stop_token) { return sync_->get_sandbox_statuses(ids); });
}

std::future<DeleteSandboxResponse> AsyncSandboxClient::delete_(std::string sandbox_id) {
  return submit([this, id = std::move(sandbox_id)](std::stop_token) { return sync_->delete_(id); });
}

std::future<BulkDeleteSandboxResponse> AsyncSandboxClient::bulk_delete(BulkDeleteOptions options) {
  return submit([this, options = std::move(options)](std::stop_token) { return sync_->bulk_delete(options); });
}

std::future<std::string> AsyncSandboxClient::get_logs(std::string sandbox_id) {
  return submit([this, id = std::move(sandbox_id)](std::stop_token) { return sync_->get_logs(id); });
}

std::future<Sandbox> AsyncSandboxClient::update(std::string sandbox_id, UpdateSandboxRequest request) {
  return submit([this, id = std::move(sandbox_id), request = std::move(request)](std::stop_token) {
    return sync_->update(id, request);
  });
}

std::future<bool> AsyncSandboxClient::pause(std::string sandbox_id) {
  return submit([this, id = std::move(sandbox_id)](std::stop_token) { return sync_->pause(id); });
}

std::future<Sandbox> AsyncSandboxClient::resume(std::string sandbox_id, int timeout_minutes) {
  return submit([this, id = std::move(sandbox_id), timeout_minutes](std::stop_token) {
    return sync_->resume(id, timeout_minutes);
  });
}

std::future<void> AsyncSandboxClient::wait_for_creation(std::string sandbox_id, int max_attempts,
                                                        std::stop_token stop) {
  return submit([this, id = std::move(sandbox_id), max_attempts, stop](std::stop_token closing) {
    with_either(stop, closing, [&](std::stop_token either) { sync_->wait_for_creation(id, max_attempts, either); });
  });
}

std::future<std::map<std::string, std::string>> AsyncSandboxClient::bulk_wait_for_creation(
    std::vector<std::string> sandbox_ids, int max_attempts, std::stop_token stop) {
  return submit([this, ids = std::move(sandbox_ids), max_attempts, stop](std::stop_token closing) {
    return with_either(stop, closing,
                       [&](std::stop_token either) { return sync_->bulk_wait_for_creation(ids, max_attempts, either); });
  });
}

std::future<bool> AsyncSandboxClient::is_vm(std::string sandbox_id) {
  return submit([this, id = std::move(sandbox_id)](std::stop_token) { return sync_->is_vm(id); });
}

std::future<void> AsyncSandboxClient::clear_auth_cache() {
  return submit([this](std::stop_token) { sync_->clear_auth_cache(); });
}

std::future<EgressPolicyStatus> AsyncSandboxClient::get_network(std::string sandbox_id) {
  return submit([this, id = std::move(sandbox_id)](std::stop_token) { return sync_->get_network(id); });
}

std::future<EgressPolicyStatus> AsyncSandboxClient::set_network(std::string sandbox_id, NetworkOptions options) {
  return submit([this, id = std::move(sandbox_id), options = std::move(options)](std::stop_token) {
    return sync_->set_network(id, options);
  });
}

std::future<ExposedPort> AsyncSandboxClient::expose(std::string sandbox_id, int port, std::optional<std::string> name,
                                                    std::string protocol) {
  return submit([this, id = std::move(sandbox_id), port, name = std::move(name),
                 protocol = std::move(protocol)](std::stop_token) { return sync_->expose(id, port, name, protocol); });
}

std::future<void> AsyncSandboxClient::unexpose(std::string sandbox_id, std::string exposure_id) {
  return submit([this, id = std::move(sandbox_id), exposure = std::move(exposure_id)](std::stop_token) {
    sync_->unexpose(id, exposure);
  });
}

std::future<ListExposedPortsResponse> AsyncSandboxClient::list_exposed_ports(std::string sandbox_id) {
  return submit([this, id = std::move(sandbox_id)](std::stop_token) { return sync_->list_exposed_ports(id); });
}

std::future<ListExposedPortsResponse> AsyncSandboxClient::list_all_exposed_ports() {
  return submit([this](std::stop_token) { return sync_->list_all_exposed_ports(); });
}

std::future<CommandResponse> AsyncSandboxClient::execute_command(std::string sandbox_id, std::string command,
                                                                 CommandOptions options) {
  return submit([this, id = std::move(sandbox_id), command = std::move(command),
                 options = std::move(options)](std::stop_token) { return sync_->execute_command(id, command, options); });
}

std::future<AsyncSandboxProcess> AsyncSandboxClient::open_process(std::string sandbox_id, std::string command,
                                                                  ProcessOptions options) {
  return submit([this, id = std::move(sandbox_id), command = std::move(command),
                 options = std::move(options)](std::stop_token) { return sync_->open_process(id, command, options); });
}

std::future<FileUploadResponse> AsyncSandboxClient::upload_file(std::string sandbox_id, std::string file_path,
                                                                std::filesystem::path local_file_path,
                                                                std::optional<int> timeout) {
  return submit([this, id = std::move(sandbox_id), path = std::move(file_path), local = std::move(local_file_path),
                 timeout](std::stop_token) { return sync_->upload_file(id, path, local, timeout); });
}

std::future<FileUploadResponse> AsyncSandboxClient::upload_bytes(std::string sandbox_id, std::string file_path,
                                                                 std::string file_bytes, std::string filename,
                                                                 std::optional<int> timeout) {
  return submit([this, id = std::move(sandbox_id), path = std::move(file_path), bytes = std::move(file_bytes),
                 name = std::move(filename),
                 timeout](std::stop_token) { return sync_->upload_bytes(id, path, bytes, name, timeout); });
}

std::future<void> AsyncSandboxClient::download_file(std::string sandbox_id, std::string file_path,
                                                    std::filesystem::path local_file_path,
                                                    std::optional<int> timeout) {
  return submit([this, id = std::move(sandbox_id), path = std::move(file_path), local = std::move(local_file_path),
                 timeout](std::stop_token) { sync_->download_file(id, path, local, timeout); });
}

std::future<ReadFileResponse> AsyncSandboxClient::read_file(std::string sandbox_id, std::string file_path,
                                                            ReadFileOptions options) {
  return submit([this, id = std::move(sandbox_id), path = std::move(file_path), options](std::stop_token) {
    return sync_->read_file(id, path, options);
  });
}

std::future<BackgroundJob> AsyncSandboxClient::start_background_job(std::string sandbox_id, std::string command,
                                                                    BackgroundJobOptions options) {
  return submit([this, id = std::move(sandbox_id), command = std::move(command), options = std::move(options)](
                    std::stop_token) { return sync_->start_background_job(id, command, options); });
}

std::future<BackgroundJobStatus> AsyncSandboxClient::get_background_job(std::string sandbox_id, BackgroundJob job,
                                                                        std::optional<int> timeout) {
  return submit([this, id = std::move(sandbox_id), job = std::move(job), timeout](std::stop_token) {
    return sync_->get_background_job(id, job, timeout);
  });
}

std::future<std::vector<BackgroundJobStatus>> AsyncSandboxClient::get_background_jobs(std::vector<BackgroundJob> jobs,
                                                                                      std::optional<int> timeout) {
  return submit(
      [this, jobs = std::move(jobs), timeout](std::stop_token) { return sync_->get_background_jobs(jobs, timeout); });
}

std::future<BackgroundJobStatus> AsyncSandboxClient::run_background_job(std::string sandbox_id, std::string command,
                                                                        RunBackgroundJobOptions options) {
  return submit([this, id = std::move(sandbox_id), command = std::move(command),
                 options = std::move(options)](std::stop_token closing) mutable {
    return with_either(options.stop, closing, [&](std::stop_token either) {
      auto scoped = options;
      scoped.stop = either;
      return sync_->run_background_job(id, command, scoped);
    });
  });
}

}  // namespace ppio_sandbox::prime_compatible
