#include "live_process.hpp"

#include "error_mapping.hpp"
#include "sandbox_state.hpp"

namespace ppio_sandbox::prime_compatible::detail {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Prime's bounds: a process may live as long as a sandbox (24 h); stdin
// writes have 30 s and signals 10 s; close() gives each signal 5 s.
constexpr milliseconds kLiveDeadline = std::chrono::hours(24);
constexpr milliseconds kStdinTimeout = seconds(30);
constexpr milliseconds kSignalTimeout = seconds(10);
constexpr milliseconds kExitWait = seconds(5);
// envd sends a keepalive this often on a quiet stream, which is also how soon
// close() can hang up on a process that will not die.
constexpr seconds kKeepalive{2};
// A dropped stream is re-attached at most this often, after these waits.
const std::vector<milliseconds> kReattachWaits = {milliseconds(500), seconds(1), seconds(2)};
// Before the pid: the sandbox is between states (409), or envd could not be reached yet.
const std::vector<milliseconds> kConflictWaits = {milliseconds(250), milliseconds(500), seconds(1)};
const std::vector<milliseconds> kConnectWaits = {seconds(1), seconds(2), seconds(4)};

std::string rpc_failure(const std::string& what, const core::connect::Error& error) {
  return "process " + what + " RPC failed (" + std::string(core::connect::code_name(error.code)) +
         "): " + error.message;
}

}  // namespace

// ---- OutputChannel ----

void OutputChannel::push(std::string chunk) {
  std::lock_guard lock(mutex_);
  if (done_ || chunk.empty()) return;
  if (!waiters_.empty()) {
    waiters_.front().set_value(std::move(chunk));
    waiters_.pop_front();
    return;
  }
  chunks_.push_back(std::move(chunk));
}

void OutputChannel::finish(std::exception_ptr error) {
  std::lock_guard lock(mutex_);
  if (done_) return;
  done_ = true;
  error_ = error;
  for (auto& waiter : waiters_) {
    if (error_) {
      waiter.set_exception(error_);
    } else {
      waiter.set_value(std::nullopt);
    }
  }
  waiters_.clear();
}

std::future<std::optional<std::string>> OutputChannel::next() {
  std::lock_guard lock(mutex_);
  std::promise<std::optional<std::string>> promise;
  auto future = promise.get_future();
  if (!chunks_.empty()) {
    promise.set_value(std::move(chunks_.front()));
    chunks_.pop_front();
  } else if (done_) {
    if (error_) {
      promise.set_exception(error_);
    } else {
      promise.set_value(std::nullopt);
    }
  } else {
    waiters_.push_back(std::move(promise));
  }
  return future;
}

// ---- LiveProcess ----

LiveProcess::LiveProcess(Setup setup)
    : client_(std::move(setup.client)),
      target_(std::move(setup.target)),
      command_(std::move(setup.command)),
      start_(std::move(setup.start)),
      end_at_(setup.end_at),
      stdout_(std::make_shared<OutputChannel>()),
      stderr_(std::make_shared<OutputChannel>()),
      out_channel_(stdout_.channel_),
      err_channel_(stderr_.channel_) {}

std::shared_ptr<LiveProcess> LiveProcess::open(Setup setup) {
  std::shared_ptr<LiveProcess> process(new LiveProcess(std::move(setup)));
  process->reader_ = std::thread([raw = process.get()] { raw->read_loop(); });
  std::unique_lock lock(process->mutex_);
  process->changed_.wait(lock, [&] { return process->pid_ || process->start_error_ || process->reader_done_; });
  if (!process->pid_) {
    auto error = process->start_error_;
    lock.unlock();
    process->close();
    if (error) std::rethrow_exception(error);
    throw APIError("Process exited before reporting its PID");
  }
  return process;
}

LiveProcess::~LiveProcess() {
  control_.shutdown();  // its tasks use this object
  try {
    close();
  } catch (...) {
  }
  if (reader_.joinable()) reader_.join();
}

std::uint32_t LiveProcess::pid() const {
  std::lock_guard lock(mutex_);
  if (!pid_) throw std::runtime_error("process has not started");
  return *pid_;
}

std::optional<int> LiveProcess::returncode() const {
  std::lock_guard lock(mutex_);
  return returncode_;
}

void LiveProcess::on_event(const core::envd::ProcessEvent& event) {
  namespace envd = core::envd;
  if (const auto* start = std::get_if<envd::StartEvent>(&event)) {
    std::lock_guard lock(mutex_);
    if (!pid_) pid_ = start->pid;  // a re-attached stream announces it again
    changed_.notify_all();
  } else if (const auto* data = std::get_if<envd::DataEvent>(&event)) {
    (data->stream == envd::OutputStream::err ? err_channel_ : out_channel_)->push(data->bytes);
  }
  // The end event is read from the stream once it is over; keepalives carry nothing.
}

void LiveProcess::exited(int code) {
  std::vector<std::promise<int>> waiters;
  {
    std::lock_guard lock(mutex_);
    if (returncode_ || exit_error_) return;
    returncode_ = code;
    waiters.swap(exit_waiters_);
    changed_.notify_all();
  }
  for (auto& waiter : waiters) waiter.set_value(code);
  out_channel_->finish(nullptr);
  err_channel_->finish(nullptr);
}

void LiveProcess::fail(std::exception_ptr error) {
  std::vector<std::promise<int>> waiters;
  {
    std::lock_guard lock(mutex_);
    if (returncode_ || exit_error_ || start_error_) return;
    if (!pid_) {
      start_error_ = error;
    } else {
      exit_error_ = error;
      waiters.swap(exit_waiters_);
    }
    changed_.notify_all();
  }
  for (auto& waiter : waiters) waiter.set_exception(error);
  out_channel_->finish(error);
  err_channel_->finish(error);
}

void LiveProcess::stream_refused(const core::HttpResponse& response, const std::string& url) {
  if (core::is_sandbox_not_found(response) || core::is_sandbox_paused(response)) {
    if (auto now = detail::not_running_now(client_, target_.sandbox_id, command_, end_at_)) std::rethrow_exception(now);
    throw_not_running(target_.sandbox_id, why_gone(client_, target_.sandbox_id, end_at_), command_);
  }
  throw_with_cause(APIError("HTTP " + std::to_string(response.status) + " POST " + url + ": " + response.body,
                            response.status),
                   http_cause(response));
}

void LiveProcess::stream_error(const core::connect::Error& error) {
  using Code = core::connect::Code;
  if (error.code == Code::unavailable || error.code == Code::not_found) {
    // The sandbox went away under the stream.
    try {
      throw core::connect::RpcError(error);
    } catch (...) {
      if (auto now = detail::not_running_now(client_, target_.sandbox_id, command_, end_at_)) {
        std::rethrow_exception(now);
      }
    }
  }
  throw_with_cause(APIError(rpc_failure("stream", error)), core::connect::RpcError(error));
}

bool LiveProcess::follow(const core::HttpRequest& request, bool first) {
  core::ProcessStream stream([this](const core::envd::ProcessEvent& event) { on_event(event); });
  core::StreamHandlers handlers;
  handlers.on_body = [&](std::string_view chunk) {
    stream.feed(chunk);
    return !abandon_.load();
  };
  core::HttpResponse response;
  auto& clock = client_.clock();
  std::size_t conflicts = 0;
  std::size_t refused = 0;
  bool token_refreshed = false;
  while (true) {
    try {
      response = client_.transport()->send_streaming(request, handlers);
    } catch (const core::TransportError& e) {
      if (const auto& end = stream.end()) {  // the exit arrived; what broke after it does not matter
        exited(end->exit_code);
        return true;
      }
      if (e.kind() == core::TransportError::Kind::connect && first && refused < kConnectWaits.size()) {
        if (!clock.sleep_unless_stopped(kConnectWaits[refused++], stop_.get_token())) return true;
        continue;  // nothing was sent: starting again cannot start it twice
      }
      if (stream.pid() || !first) return false;  // dropped: re-attach
      if (auto now = detail::not_running_now(client_, target_.sandbox_id, command_, end_at_)) {
        std::rethrow_exception(now);
      }
      throw_from_current(APIError(std::string("Request failed: ") + e.what()));
    } catch (const core::ProtocolError& e) {
      throw_from_current(APIError(std::string("Request failed: ") + e.what()));
    }
    if (response.status == 401 && first && !token_refreshed) {
      // The token may have changed: look it up once more.
      token_refreshed = true;
      const auto info = mapped("Failed to get sandbox",
                               [&] { return client_.control_plane().get_sandbox(target_.sandbox_id); });
      {
        std::lock_guard lock(mutex_);  // control calls read it from other threads
        target_.access_token = info.envd_access_token;
      }
      auto again = request;
      for (auto& [name, value] : again.headers) {
        if (name == "X-Access-Token" && info.envd_access_token) value = *info.envd_access_token;
      }
      if (info.envd_access_token && !core::find_header(again.headers, "X-Access-Token")) {
        again.headers.emplace_back("X-Access-Token", *info.envd_access_token);
      }
      return follow(again, first);
    }
    if (response.status == 409 && first && !core::is_sandbox_paused(response) && conflicts < kConflictWaits.size()) {
      if (!clock.sleep_unless_stopped(kConflictWaits[conflicts++], stop_.get_token())) return true;
      continue;
    }
    break;
  }
  if (response.status != 200) {
    if (!first && response.status >= 500 && !core::is_sandbox_not_found(response)) return false;
    stream_refused(response, request.url);
  }
  if (const auto& end = stream.end()) {
    exited(end->exit_code);
    return true;
  }
  if (response.aborted && abandon_) return true;  // close() hung up
  if (stream.finished()) {
    if (const auto& error = stream.error()) {
      if (!first && error->code == core::connect::Code::not_found) {
        // Re-attaching found no process: it ended while the stream was down.
        throw_with_cause(APIError("Process stream ended without an exit event"), core::connect::RpcError(*error));
      }
      stream_error(*error);
    }
    throw APIError("Process stream ended without an exit event");
  }
  return false;  // cut before its end: re-attach
}

void LiveProcess::read_loop() {
  using namespace std::chrono;
  const auto& config = client_.control_plane().config();
  const auto http_timeout = kLiveDeadline + minutes(1);
  try {
    bool over = follow(core::process_start_request(config, target_, start_, kLiveDeadline, http_timeout, kKeepalive),
                       /*first=*/true);
    for (std::size_t attempt = 0; !over; ++attempt) {
      if (abandon_) break;
      std::uint32_t pid = 0;
      {
        std::lock_guard lock(mutex_);
        if (!pid_) break;
        pid = *pid_;
      }
      if (attempt >= kReattachWaits.size()) {
        if (auto now = detail::not_running_now(client_, target_.sandbox_id, command_, end_at_)) {
          std::rethrow_exception(now);
        }
        throw APIError("Process stream ended without an exit event");
      }
      if (!client_.clock().sleep_unless_stopped(kReattachWaits[attempt], stop_.get_token())) break;
      over = follow(core::process_connect_request(config, target_, {.pid = pid, .tag = std::nullopt}, kLiveDeadline,
                                                  http_timeout, kKeepalive),
                    /*first=*/false);
    }
    bool started = false;
    bool observed = false;
    {
      std::lock_guard lock(mutex_);
      started = pid_.has_value();
      observed = returncode_.has_value() || exit_error_ != nullptr;
    }
    if (!started) throw APIError("Process exited before reporting its PID");
    if (!observed) {
      // Hung up by close(): the output simply ends there.
      out_channel_->finish(nullptr);
      err_channel_->finish(nullptr);
      throw APIError("Process closed before its exit status was observed");
    }
  } catch (...) {
    fail(std::current_exception());
  }
  std::lock_guard lock(mutex_);
  reader_done_ = true;
  changed_.notify_all();
}

void LiveProcess::control_rpc(const std::string& method, const nlohmann::json& message, milliseconds timeout,
                              const std::string& what) {
  const auto& config = client_.control_plane().config();
  core::EnvdTarget target;
  {
    std::lock_guard lock(mutex_);
    target = target_;
  }
  for (bool refreshed = false;; refreshed = true) {
    const auto request = core::connect_unary_request(config, target, "process.Process", method, message, timeout);
    core::HttpResponse response;
    try {
      response = client_.transport()->send(request);
    } catch (const core::TransportError& e) {
      throw_from_current(APIError("process " + what + " RPC failed: " + e.what()));
    }
    if (response.status == 200) return;
    const auto error = core::connect::parse_error(response.body, response.status);
    if (error.code == core::connect::Code::unauthenticated && !refreshed) {
      const auto info = mapped("Failed to get sandbox",
                               [&] { return client_.control_plane().get_sandbox(target.sandbox_id); });
      target.access_token = info.envd_access_token;
      continue;
    }
    throw_with_cause(APIError(rpc_failure(what, error), response.status), core::connect::RpcError(error));
  }
}

void LiveProcess::write_stdin(std::string_view data) {
  if (data.empty()) return;
  std::uint32_t pid = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || returncode_ || exit_error_) throw BrokenPipeError("process has exited");
    if (stdin_closed_) throw BrokenPipeError("stdin is closed");
    pid = *pid_;
  }
  control_rpc("SendInput", core::envd::send_input_json({.pid = pid, .tag = std::nullopt}, data), kStdinTimeout, "stdin");
}

void LiveProcess::close_stdin() {
  std::uint32_t pid = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || returncode_ || exit_error_ || stdin_closed_) return;
    pid = *pid_;
  }
  control_rpc("CloseStdin", core::envd::process_selector_json({.pid = pid, .tag = std::nullopt}), kStdinTimeout,
              "stdin");
  std::lock_guard lock(mutex_);
  stdin_closed_ = true;
}

void LiveProcess::send_signal(core::envd::Signal signal) {
  std::uint32_t pid = 0;
  {
    std::lock_guard lock(mutex_);
    if (closed_ || returncode_ || exit_error_) return;
    pid = *pid_;
  }
  control_rpc("SendSignal", core::envd::send_signal_json({.pid = pid, .tag = std::nullopt}, signal), kSignalTimeout,
              "signal");
  if (signal == core::envd::Signal::sigkill) {
    std::lock_guard lock(mutex_);
    kill_sent_ = true;
  }
}

int LiveProcess::wait() { return wait_async().get(); }

std::future<int> LiveProcess::wait_async() {
  std::promise<int> promise;
  auto future = promise.get_future();
  std::lock_guard lock(mutex_);
  if (returncode_) {
    promise.set_value(*returncode_);
  } else if (exit_error_ || start_error_) {
    promise.set_exception(exit_error_ ? exit_error_ : start_error_);
  } else {
    exit_waiters_.push_back(std::move(promise));
  }
  return future;
}

bool LiveProcess::wait_exit_for(milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return returncode_ || exit_error_ || reader_done_; }) &&
         returncode_.has_value();
}

void LiveProcess::close() {
  std::lock_guard close_lock(close_mutex_);
  bool running = false;
  bool kill_sent = false;
  {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    running = pid_ && !returncode_ && !exit_error_ && !reader_done_;
    kill_sent = kill_sent_;
  }
  if (running) {
    bool gone = false;
    if (!kill_sent) {
      try {
        send_signal(core::envd::Signal::sigterm);
        gone = wait_exit_for(kExitWait);
      } catch (const std::exception&) {
        // It may have exited meanwhile; SIGKILL below settles it.
      }
    }
    if (!gone) {
      try {
        send_signal(core::envd::Signal::sigkill);
      } catch (const std::exception&) {
      }
      wait_exit_for(kExitWait);
    }
  }
  abandon_ = true;
  stop_.request_stop();
  if (reader_.joinable() && reader_.get_id() != std::this_thread::get_id()) reader_.join();
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  // Readers see the end of the output; waiters learn that the exit was never seen.
  out_channel_->finish(nullptr);
  err_channel_->finish(nullptr);
  try {
    throw APIError("Process closed before its exit status was observed");
  } catch (...) {
    fail(std::current_exception());
  }
}

}  // namespace ppio_sandbox::prime_compatible::detail
