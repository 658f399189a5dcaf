#pragma once
// The processes of every sandbox. One I/O thread polls every pipe and pidfd
// (no thread per process or per byte), applies output caps and deadlines, and
// hands events to the streams that follow each process.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "mockserver/exec/executor.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"

namespace ppio_mock::exec {

using ppio_sandbox::core::envd::ProcessEvent;

// What a stream of one process receives: events, then the end (with an error or not).
class Subscription {
 public:
  // Waits up to `timeout` for events; moves them into `out`. Returns true when
  // the stream is over (after the last event was handed out).
  bool wait(std::deque<ProcessEvent>& out, std::chrono::milliseconds timeout);
  std::optional<ppio_sandbox::core::connect::Error> end_error() const;

  void push(ProcessEvent event);
  // `last` (the end event) is handed out with the end in one wake-up, so a
  // stream sends its end event and end-stream frame together.
  void finish(std::optional<ppio_sandbox::core::connect::Error> error, std::optional<ProcessEvent> last = std::nullopt);

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<ProcessEvent> events_;
  bool done_ = false;
  std::optional<ppio_sandbox::core::connect::Error> error_;
};

struct StartParams {
  std::string sandbox_id;
  ppio_sandbox::core::envd::ProcessConfig config;  // as the client sent it
  std::optional<std::string> tag;
  bool open_stdin = true;
  LaunchSpec launch;
  std::optional<std::chrono::milliseconds> timeout;  // kill after it (Connect-Timeout-Ms)
};

class ProcessTable {
 public:
  explicit ProcessTable(std::size_t output_cap_bytes);
  ~ProcessTable();  // kills every process and joins the I/O thread
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;

  // Spawns; the subscription's first event is `start`. Throws FsError(invalid_argument) when the
  // program cannot be started.
  std::shared_ptr<Subscription> start(StartParams params);
  // Follows a running process; its first event is `start`. not_found when unknown.
  std::shared_ptr<Subscription> connect(const std::string& sandbox_id,
                                        const ppio_sandbox::core::envd::ProcessSelector& selector);
  std::vector<ppio_sandbox::core::envd::ProcessInfo> list(const std::string& sandbox_id) const;
  void send_input(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector,
                  const std::string& bytes);
  void close_stdin(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector);
  // Signals the process group.
  void signal(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector,
              int signal_number);
  // SIGKILLs every process of the sandbox and waits (bounded) until they are reaped;
  // their streams end with `unavailable`.
  void kill_sandbox(const std::string& sandbox_id);
  std::size_t running(const std::string& sandbox_id) const;
  // SIGKILLs every process of every sandbox (the server is stopping).
  void kill_all();

 private:
  struct Process;
  Process& find_locked(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector);
  void run();
  void wake();
  void read_output(Process& p, int& fd, ppio_sandbox::core::envd::OutputStream stream);
  void reap(Process& p, int status);
  void deliver(Process& p, const ProcessEvent& event);

  std::size_t output_cap_;
  mutable std::mutex mutex_;
  std::condition_variable reaped_;
  std::map<std::uint32_t, std::unique_ptr<Process>> processes_;
  int wake_pipe_[2] = {-1, -1};
  bool stopping_ = false;
  std::thread io_thread_;
};

}  // namespace ppio_mock::exec
