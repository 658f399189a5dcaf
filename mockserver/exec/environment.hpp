#pragma once
// One sandbox's live environment: its init (ppio-sandbox-init) started once
// through the executor (under bubblewrap, or on the host), in the sandbox's
// cgroups, and every command of the sandbox forked by that init.
//
// The fake spawns one process for it (bwrap, or the init itself) and follows
// it with a pidfd: when that process is reaped, everything that ran in the
// environment is gone, because the init is pid 1 of the sandbox's pid
// namespace (its end takes the namespace with it) or, on the host, kills and
// reaps what it started before it goes. Killing the environment SIGKILLs the
// init itself (bubblewrap's --die-with-parent also ends it with the fake).
//
// Thread use: spawn/signal/pause/resume/kill from any thread; the
// ProcessTable's I/O thread polls event_fd() and monitor_fd() and calls
// read_events() and reap_monitor().
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mockserver/exec/cgroups.hpp"
#include "mockserver/exec/executor.hpp"
#include "mockserver/exec/sandbox_fs.hpp"

namespace ppio_mock::exec {

class Environment {
 public:
  // Spawns the environment (its readiness is awaited by the first spawn()).
  // Throws FsError(internal) when it cannot be started.
  Environment(const Executor& executor, const SandboxFs& fs, const ResourceControl& resources,
              const std::string& name, const SandboxLimits& limits);
  // Kills it and reaps what is left of it.
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  // Starts a command with these stdio fds (not taken over). `registered` runs
  // with the new pid before any other command can start, so a pid cannot be
  // reused before its process is known. Throws FsError.
  pid_t spawn(const LaunchSpec& launch, int stdin_fd, int stdout_fd, int stderr_fd,
              const std::function<void(pid_t)>& registered);
  // A connected socket to 127.0.0.1:<port> on the sandbox's own loopback (made
  // by its init, inside its network namespace), or -1 with `error` set
  // (ECONNREFUSED when nothing listens there). The caller owns the socket.
  int connect_port(int port, int& error);
  // Starts a command on a new pseudo-terminal of `cols` x `rows`, opened by the
  // init inside the environment. `registered` gets the pid and the terminal's
  // master (close-on-exec), and owns that fd from then on. Throws FsError.
  pid_t spawn_on_terminal(const LaunchSpec& launch, std::uint16_t cols, std::uint16_t rows,
                          const std::function<void(pid_t, int master)>& registered);
  // Signals the process group of `pid` (as the init sees pids). Never blocks.
  void signal_group(pid_t pid, int signal_number);
  // Stops every process of the environment, and waits (bounded) until they are.
  void pause();
  void resume();
  bool paused() const { return paused_; }
  // Whether the kernel shows every process of the environment stopped.
  bool frozen() const;
  // SIGKILLs everything in it; the monitor then reports it reaped.
  void kill();

  struct Event {
    enum class Kind { ready, exited, closed } kind;
    pid_t pid = 0;
    int status = 0;
  };
  // -1 once the init closed its end (nothing more will come).
  int event_fd() const { return events_closed_ ? -1 : event_fd_; }
  int monitor_fd() const { return monitor_fd_; }
  // Messages waiting on the event socket (non-blocking).
  std::vector<Event> read_events();
  // True once the spawned process has been reaped (then nothing of the environment is left).
  bool reap_monitor();
  bool gone() const;
  // The exit status of the spawned process, once reaped.
  int monitor_status() const { return monitor_status_; }
  // OOM kills since the last call (0 without a memory cgroup). I/O thread only.
  std::uint64_t new_oom_kills();
  std::uint64_t memory_limit_mib() const { return limits_.memory_bytes >> 20; }
  // The host pid of the init, once it is ready (0 before).
  pid_t init_pid() const;
  pid_t monitor_pid() const { return monitor_pid_; }

 private:
  bool wait_ready();
  // Sends one Spawn and reads its answer; `registered` gets the pid and the fds that came with it.
  pid_t request_spawn(init::Spawn spawn, const std::vector<int>& fds,
                      const std::function<void(pid_t, std::vector<int>&)>& registered);
  void start(const Executor& executor, const SandboxFs& fs);

  bool isolated_ = false;
  SandboxLimits limits_;
  std::uint64_t rlimit_as_ = 0;     // where no cgroup limits memory
  std::uint64_t rlimit_nproc_ = 0;  // where no cgroup limits processes
  std::unique_ptr<SandboxCgroup> cgroup_;
  int control_fd_ = -1;
  int event_fd_ = -1;
  pid_t monitor_pid_ = 0;
  int monitor_fd_ = -1;
  int monitor_status_ = 0;
  std::uint64_t oom_seen_ = 0;
  std::atomic<bool> paused_{false};
  bool events_closed_ = false;  // I/O thread only

  mutable std::mutex mutex_;  // ready_, dead_, init_pid_, init_pidfd_
  std::condition_variable cv_;
  bool ready_ = false;
  bool dead_ = false;
  pid_t init_pid_ = 0;
  int init_pidfd_ = -1;
  std::mutex control_mutex_;  // one request on the control socket at a time
  std::mutex event_write_mutex_;
};

}  // namespace ppio_mock::exec
