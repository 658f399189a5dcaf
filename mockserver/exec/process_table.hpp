#pragma once
// The processes of every sandbox, and each sandbox's environment (started by
// its first command, ended with the sandbox). One I/O thread polls every pipe
// and every environment's sockets (no thread per process or per byte),
// applies output caps and deadlines, and hands events to the streams that
// follow each process.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "mockserver/exec/cgroups.hpp"
#include "mockserver/exec/environment.hpp"
#include "mockserver/exec/executor.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"

namespace ppio_mock::exec {

using ppio_sandbox::core::envd::ProcessEvent;

// What a stream of one process receives: events, then the end (with an error
// or not), or a drop: the stream ends with no end at all, as a connection
// through the edge does when the sandbox is paused or killed.
class Subscription {
 public:
  // Waits up to `timeout` for events; moves them into `out`. Returns true when
  // the stream is over (after the last event was handed out).
  bool wait(std::deque<ProcessEvent>& out, std::chrono::milliseconds timeout);
  std::optional<ppio_sandbox::core::connect::Error> end_error() const;
  bool dropped() const;

  void push(ProcessEvent event);
  // `last` (the end event) is handed out with the end in one wake-up, so a
  // stream sends its end event and end-stream frame together.
  void finish(std::optional<ppio_sandbox::core::connect::Error> error, std::optional<ProcessEvent> last = std::nullopt);
  // Ends the stream at once, without its end; events not yet handed out are dropped too.
  void drop();

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<ProcessEvent> events_;
  bool done_ = false;
  bool dropped_ = false;
  std::optional<ppio_sandbox::core::connect::Error> error_;
};

struct StartParams {
  std::string sandbox_id;
  ppio_sandbox::core::envd::ProcessConfig config;  // as the client sent it
  std::optional<std::string> tag;
  bool open_stdin = true;  // ignored on a terminal: its input is always open
  std::optional<ppio_sandbox::core::envd::PtySize> pty;  // run on a pseudo-terminal of this size
  CommandSpec command;
  std::optional<std::chrono::milliseconds> timeout;  // kill after it (Connect-Timeout-Ms)
  // What the sandbox's environment is made from, when this is its first command.
  std::shared_ptr<const SandboxFs> fs;
  SandboxLimits limits;
};

class ProcessTable {
 public:
  // level ("info", "warn", "error") and message for the sandbox's logs.
  using LogSink =
      std::function<void(const std::string& sandbox_id, const std::string& level, const std::string& message)>;

  // `use_cgroups` false: limits and pause by rlimits and signals only.
  ProcessTable(const Executor& executor, std::size_t output_cap_bytes, bool use_cgroups = true);
  ~ProcessTable();  // kills every environment and joins the I/O thread
  ProcessTable(const ProcessTable&) = delete;
  ProcessTable& operator=(const ProcessTable&) = delete;

  const ResourceControl& resources() const { return resources_; }
  void set_log(LogSink log);

  // Spawns in the sandbox's environment (started now if it was not); the
  // subscription's first event is `start`. Throws FsError: invalid_argument
  // when the program cannot be started, resource_exhausted when the sandbox
  // has no room for another process, unavailable when it is ending.
  std::shared_ptr<Subscription> start(StartParams params);
  // Follows a running process; its first event is `start`. not_found when unknown.
  std::shared_ptr<Subscription> connect(const std::string& sandbox_id,
                                        const ppio_sandbox::core::envd::ProcessSelector& selector);
  std::vector<ppio_sandbox::core::envd::ProcessInfo> list(const std::string& sandbox_id) const;
  // Writes to the process's stdin or to its terminal, as envd does: internal
  // when the input's kind is not the process's, failed_precondition when its
  // stdin is closed.
  void send_input(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector,
                  const ppio_sandbox::core::envd::ProcessInput& input);
  // unknown on a terminal (Ctrl-D, 0x04, ends its input instead).
  void close_stdin(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector);
  // A terminal's new size: the program gets SIGWINCH. internal when the process has no terminal.
  void resize(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector,
              const ppio_sandbox::core::envd::PtySize& size);
  // Signals the process group.
  void signal(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector,
              int signal_number);
  // Ends the sandbox's environment and every process in it, and waits (bounded)
  // until they are gone; their streams are dropped.
  void kill_sandbox(const std::string& sandbox_id);
  // Stops every process of the sandbox (they keep their memory) and drops their
  // streams; resume_sandbox continues them, and Connect follows them again.
  void pause_sandbox(const std::string& sandbox_id);
  void resume_sandbox(const std::string& sandbox_id);
  // Whether the kernel shows the sandbox's processes stopped.
  bool frozen(const std::string& sandbox_id) const;
  std::size_t running(const std::string& sandbox_id) const;
  // The host pids of the sandbox's environment: what the fake spawned and the
  // init (0 when not started or not ready yet).
  std::pair<int, int> environment_pids(const std::string& sandbox_id) const;
  // The sandbox's environment, or null when no command has started it yet (or it ended).
  std::shared_ptr<Environment> environment(const std::string& sandbox_id) const;
  // Kills every environment (the server is stopping); open streams end with `unavailable`.
  void kill_all();

 private:
  struct Process;
  struct Sandbox;
  using Key = std::pair<std::string, std::uint32_t>;
  Process& find_locked(const std::string& sandbox_id, const ppio_sandbox::core::envd::ProcessSelector& selector);
  std::shared_ptr<Environment> environment_for(const StartParams& params);
  void run();
  void wake();
  void read_output(Process& p, int& fd, ppio_sandbox::core::envd::OutputStream stream);
  void reap(Process& p, int status);
  void note(const std::string& sandbox_id, const std::string& message);
  void end_environment(const std::string& sandbox_id);
  void deliver(Process& p, const ProcessEvent& event);
  void wait_gone(std::unique_lock<std::mutex>& lock, const std::string& sandbox_id);

  const Executor& executor_;
  std::size_t output_cap_;
  ResourceControl resources_;
  LogSink log_;
  mutable std::mutex mutex_;
  std::condition_variable reaped_;
  std::map<Key, std::unique_ptr<Process>> processes_;
  std::map<std::string, Sandbox> sandboxes_;  // each sandbox with an environment
  std::set<std::string> ended_;               // killed sandboxes: no new environment for them
  std::map<Key, int> early_exits_;            // exits that came before their Spawn's answer was read
  int wake_pipe_[2] = {-1, -1};
  bool stopping_ = false;
  std::thread io_thread_;
};

}  // namespace ppio_mock::exec
