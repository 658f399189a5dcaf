#pragma once
// What a SandboxProcess is made of: an output channel per stream and the
// live process itself, whose reader thread follows envd's Start (and, after a
// drop, Connect) stream. It depends on an APIClient only, never on the
// SandboxClient that opened it, so it may outlive that client.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "ppio_sandbox/core/envd.hpp"
#include "ppio_sandbox/core/executor.hpp"
#include "ppio_sandbox/prime_compatible/api_client.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_process.hpp"

namespace ppio_sandbox::prime_compatible::detail {

// Chunks in order, for readers that may ask before they arrive.
class OutputChannel {
 public:
  void push(std::string chunk);
  // The end: readers get the rest, then nullopt, or `error` when it is set.
  void finish(std::exception_ptr error);
  std::future<std::optional<std::string>> next();

 private:
  std::mutex mutex_;
  std::deque<std::string> chunks_;
  std::deque<std::promise<std::optional<std::string>>> waiters_;
  bool done_ = false;
  std::exception_ptr error_;
};

class LiveProcess {
 public:
  struct Setup {
    APIClient client;
    core::EnvdTarget target;  // with the user, if any
    std::string command;
    core::envd::StartRequest start;
    std::optional<core::Timestamp> end_at;  // the sandbox's known end, for its errors
  };
  // Starts the process; returns once envd reported its pid, or throws the
  // error that stopped it.
  static std::shared_ptr<LiveProcess> open(Setup setup);
  ~LiveProcess();
  LiveProcess(const LiveProcess&) = delete;
  LiveProcess& operator=(const LiveProcess&) = delete;

  std::uint32_t pid() const;
  std::optional<int> returncode() const;
  ProcessOutput& out() { return stdout_; }
  ProcessOutput& err() { return stderr_; }

  void write_stdin(std::string_view data);
  void close_stdin();
  int wait();
  std::future<int> wait_async();
  void send_signal(core::envd::Signal signal);
  void close();

  // The process's own queue for the *_async control calls, so that they
  // run in the order they were made.
  core::Executor& control() { return control_; }

 private:
  explicit LiveProcess(Setup setup);
  void read_loop();
  // One Start or Connect exchange; true when the stream ended for good (exit,
  // error, abandoned), false when it dropped and may be re-attached.
  bool follow(const core::HttpRequest& request, bool first);
  void on_event(const core::envd::ProcessEvent& event);
  void fail(std::exception_ptr error);
  void exited(int code);
  // The start of a stream answered with something other than 200.
  [[noreturn]] void stream_refused(const core::HttpResponse& response, const std::string& url);
  [[noreturn]] void stream_error(const core::connect::Error& error);
  // One unary control RPC; `what` names it in errors ("stdin", "signal").
  void control_rpc(const std::string& method, const nlohmann::json& message, std::chrono::milliseconds timeout,
                   const std::string& what);
  bool wait_exit_for(std::chrono::milliseconds timeout);

  APIClient client_;
  core::EnvdTarget target_;
  std::string command_;
  core::envd::StartRequest start_;
  std::optional<core::Timestamp> end_at_;

  ProcessOutput stdout_;
  ProcessOutput stderr_;
  std::shared_ptr<OutputChannel> out_channel_;
  std::shared_ptr<OutputChannel> err_channel_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::optional<std::uint32_t> pid_;
  std::exception_ptr start_error_;      // before the pid: what open() throws
  bool reader_done_ = false;
  std::optional<int> returncode_;
  std::exception_ptr exit_error_;       // after the pid: what wait() throws
  std::vector<std::promise<int>> exit_waiters_;
  bool stdin_closed_ = false;
  bool kill_sent_ = false;
  bool closed_ = false;
  std::mutex close_mutex_;

  std::atomic<bool> abandon_{false};  // close(): hang up on the stream at its next bytes
  std::stop_source stop_;             // close(): end a wait before re-attaching
  core::Executor control_{1};
  std::thread reader_;
};

}  // namespace ppio_sandbox::prime_compatible::detail
