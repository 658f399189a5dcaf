#include "mockserver/exec/process_table.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "mockserver/exec/fd.hpp"

namespace ppio_mock::exec {

namespace envd = ppio_sandbox::core::envd;
using ppio_sandbox::core::connect::Code;
using ppio_sandbox::core::connect::Error;

namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

// ---- Subscription ----

bool Subscription::wait(std::deque<ProcessEvent>& out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !events_.empty() || done_; });
  while (!events_.empty()) {
    out.push_back(std::move(events_.front()));
    events_.pop_front();
  }
  return done_;
}

std::optional<Error> Subscription::end_error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

bool Subscription::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void Subscription::push(ProcessEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

void Subscription::finish(std::optional<Error> error, std::optional<ProcessEvent> last) {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    if (last) events_.push_back(std::move(*last));
    done_ = true;
    error_ = std::move(error);
  }
  cv_.notify_all();
}

void Subscription::drop() {
  {
    std::lock_guard lock(mutex_);
    if (done_) return;
    events_.clear();
    done_ = true;
    dropped_ = true;
  }
  cv_.notify_all();
}

// ---- ProcessTable ----

struct ProcessTable::Process {
  std::string sandbox_id;
  envd::ProcessConfig config;
  std::optional<std::string> tag;
  std::uint32_t pid = 0;
  std::shared_ptr<Environment> env;
  int out_fd = -1;
  int err_fd = -1;
  int in_fd = -1;
  int pty_fd = -1;        // a terminal's master: output, input and size all go through it
  bool terminal = false;  // started on a terminal (its master closes once nothing holds the terminal)
  std::size_t output_bytes = 0;
  std::optional<Clock::time_point> deadline;
  bool deadline_hit = false;
  bool server_stopping = false;
  std::vector<std::weak_ptr<Subscription>> subscribers;
};

// A sandbox with an environment.
struct ProcessTable::Sandbox {
  std::shared_ptr<Environment> env;
  bool killed = false;  // by kill_sandbox: its streams were dropped
  Clock::time_point next_oom_look{};
};

namespace {

std::string command_line(const envd::ProcessConfig& config) {
  std::string line = config.cmd;
  for (const auto& arg : config.args) line += " " + arg;
  return line;
}

Error not_found(const envd::ProcessSelector& selector) {
  if (selector.pid) return {Code::not_found, "process with pid " + std::to_string(*selector.pid) + " not found"};
  return {Code::not_found, "process with tag " + selector.tag.value_or("") + " not found"};
}

// The pipes of one process: ours are non-blocking and close-on-exec.
struct Pipes {
  int out[2] = {-1, -1};
  int err[2] = {-1, -1};
  int in[2] = {-1, -1};
  ~Pipes() {
    for (int* p : {out, err, in}) {
      close_fd(p[0]);
      close_fd(p[1]);
    }
  }
};

}  // namespace

ProcessTable::ProcessTable(const Executor& executor, std::size_t output_cap_bytes, bool use_cgroups)
    : executor_(executor), output_cap_(output_cap_bytes), resources_(use_cgroups) {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  io_thread_ = std::thread([this] { run(); });
}

ProcessTable::~ProcessTable() {
  {
    std::unique_lock lock(mutex_);
    stopping_ = true;
    for (auto& [id, sandbox] : sandboxes_) sandbox.env->kill();
  }
  wake();
  io_thread_.join();
  close_fd(wake_pipe_[0]);
  close_fd(wake_pipe_[1]);
}

void ProcessTable::set_log(LogSink log) {
  std::lock_guard lock(mutex_);
  log_ = std::move(log);
}

void ProcessTable::note(const std::string& sandbox_id, const std::string& message) {
  // The registry never calls in here while it holds its own lock, so this may run under ours.
  if (log_) log_(sandbox_id, "error", message);
}

void ProcessTable::wake() {
  const char c = 1;
  (void)!::write(wake_pipe_[1], &c, 1);  // a full pipe already means "wake up"
}

std::shared_ptr<Environment> ProcessTable::environment(const std::string& sandbox_id) const {
  std::lock_guard lock(mutex_);
  const auto it = sandboxes_.find(sandbox_id);
  return it == sandboxes_.end() || stopping_ || ended_.contains(sandbox_id) ? nullptr : it->second.env;
}

std::shared_ptr<Environment> ProcessTable::environment_for(const StartParams& params) {
  std::lock_guard lock(mutex_);
  if (stopping_ || ended_.contains(params.sandbox_id)) {
    throw FsError(Code::unavailable, "the sandbox is stopping");
  }
  auto& sandbox = sandboxes_[params.sandbox_id];
  if (!sandbox.env) {
    try {
      sandbox.env = std::make_shared<Environment>(executor_, *params.fs, resources_, params.sandbox_id, params.limits);
    } catch (...) {
      sandboxes_.erase(params.sandbox_id);
      throw;
    }
    wake();  // its sockets join the poll
  }
  return sandbox.env;
}

std::shared_ptr<Subscription> ProcessTable::start(StartParams params) {
  if (!params.fs) throw FsError(Code::internal, "no sandbox root for the process");
  const auto launch = executor_.prepare(*params.fs, params.command);
  auto env = environment_for(params);
  auto subscription = std::make_shared<Subscription>();
  // Runs with the new pid before another command can start; false when the
  // environment ended as the process started (then nothing is kept).
  const auto register_process = [&](pid_t pid, const std::function<void(Process&)>& take_fds) {
    std::lock_guard lock(mutex_);
    const auto it = sandboxes_.find(params.sandbox_id);
    if (it == sandboxes_.end() || it->second.env != env) {
      subscription->drop();
      return false;
    }
    auto p = std::make_unique<Process>();
    p->sandbox_id = params.sandbox_id;
    p->config = std::move(params.config);
    p->tag = std::move(params.tag);
    p->pid = static_cast<std::uint32_t>(pid);
    p->env = env;
    take_fds(*p);
    if (params.timeout) p->deadline = Clock::now() + *params.timeout;
    subscription->push(envd::StartEvent{p->pid});
    p->subscribers.push_back(subscription);
    const Key key{p->sandbox_id, p->pid};
    processes_[key] = std::move(p);
    wake();
    return true;
  };

  if (params.pty) {
    // envd hands the size to the kernel as 16-bit values (0 included).
    const auto cols = static_cast<std::uint16_t>(params.pty->cols);
    const auto rows = static_cast<std::uint16_t>(params.pty->rows);
    env->spawn_on_terminal(launch, cols, rows, [&](pid_t pid, int master) {
      ::fcntl(master, F_SETFL, O_NONBLOCK);
      const bool kept = register_process(pid, [&](Process& p) {
        p.pty_fd = std::exchange(master, -1);
        p.terminal = true;
      });
      if (!kept) ::close(master);
    });
    return subscription;
  }

  Pipes pipes;
  if (::pipe2(pipes.out, O_CLOEXEC) != 0 || ::pipe2(pipes.err, O_CLOEXEC) != 0 ||
      (params.open_stdin && ::pipe2(pipes.in, O_CLOEXEC) != 0)) {
    throw FsError(Code::internal, std::string("pipe2: ") + std::strerror(errno));
  }
  const int null_fd = params.open_stdin ? -1 : ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const int stdin_fd = params.open_stdin ? pipes.in[0] : null_fd;
  const auto registered = [&](pid_t pid) {
    register_process(pid, [&](Process& p) {
      p.out_fd = std::exchange(pipes.out[0], -1);
      p.err_fd = std::exchange(pipes.err[0], -1);
      p.in_fd = std::exchange(pipes.in[1], -1);
      ::fcntl(p.out_fd, F_SETFL, O_NONBLOCK);
      ::fcntl(p.err_fd, F_SETFL, O_NONBLOCK);
    });
  };
  try {
    env->spawn(launch, stdin_fd, pipes.out[1], pipes.err[1], registered);
  } catch (...) {
    if (null_fd >= 0) ::close(null_fd);
    throw;
  }
  if (null_fd >= 0) ::close(null_fd);
  return subscription;
}

ProcessTable::Process& ProcessTable::find_locked(const std::string& sandbox_id, const envd::ProcessSelector& selector) {
  for (auto& [key, p] : processes_) {
    if (key.first != sandbox_id) continue;
    if (selector.pid && *selector.pid == key.second) return *p;
    if (!selector.pid && selector.tag && p->tag == selector.tag) return *p;
  }
  const auto e = not_found(selector);
  throw FsError(e.code, e.message);
}

std::shared_ptr<Subscription> ProcessTable::connect(const std::string& sandbox_id,
                                                    const envd::ProcessSelector& selector) {
  std::lock_guard lock(mutex_);
  auto& p = find_locked(sandbox_id, selector);
  auto subscription = std::make_shared<Subscription>();
  subscription->push(envd::StartEvent{p.pid});
  p.subscribers.push_back(subscription);
  return subscription;
}

std::vector<envd::ProcessInfo> ProcessTable::list(const std::string& sandbox_id) const {
  std::lock_guard lock(mutex_);
  std::vector<envd::ProcessInfo> out;
  for (const auto& [key, p] : processes_) {
    if (key.first == sandbox_id) out.push_back({p->config, p->pid, p->tag});
  }
  return out;
}

namespace {

// All of `bytes` into `fd`, waiting for room when it is non-blocking (a
// terminal's master is). An errno on failure, 0 when written.
int write_all(int fd, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      pollfd room{fd, POLLOUT, 0};
      if (::poll(&room, 1, -1) < 0 && errno != EINTR) return errno;
      if ((room.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return EIO;  // nobody holds the terminal any more
      continue;
    }
    if (n <= 0) return n < 0 ? errno : EIO;
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

}  // namespace

void ProcessTable::send_input(const std::string& sandbox_id, const envd::ProcessSelector& selector,
                              const envd::ProcessInput& input) {
  int fd = -1;
  {
    std::lock_guard lock(mutex_);
    auto& p = find_locked(sandbox_id, selector);
    // envd's own words for input of the wrong kind; envd answers them `internal`
    // (500), but a client's mistake is no server error here: failed_precondition.
    if (input.pty && !p.terminal) {
      throw FsError(Code::failed_precondition, "error writing to tty: tty not assigned to process — input should be written "
                                    "to the stdin, not the tty");
    }
    if (!input.pty && p.terminal) {
      throw FsError(Code::failed_precondition, "error writing to stdin: tty assigned to process — input should be written to "
                                    "the pty, not the stdin");
    }
    const int target = input.pty ? p.pty_fd : p.in_fd;
    if (target < 0) {
      throw FsError(Code::failed_precondition, input.pty ? "the terminal of the process is closed"
                                                         : "stdin of the process is not open");
    }
    fd = ::dup(target);  // written outside the lock: a slow reader must not stall the table
  }
  if (fd < 0) throw FsError(Code::internal, "cannot write to the process's input");
  const int err = write_all(fd, input.bytes);
  ::close(fd);
  if (err != 0) {
    throw FsError(Code::internal, std::string(input.pty ? "error writing to tty: " : "error writing to stdin: ") +
                                      std::strerror(err));
  }
}

void ProcessTable::close_stdin(const std::string& sandbox_id, const envd::ProcessSelector& selector) {
  std::lock_guard lock(mutex_);
  auto& p = find_locked(sandbox_id, selector);
  if (p.terminal) {
    throw FsError(Code::failed_precondition, "error closing stdin: cannot close stdin for PTY process — send Ctrl+D (0x04) "
                                 "instead");
  }
  close_fd(p.in_fd);
}

void ProcessTable::resize(const std::string& sandbox_id, const envd::ProcessSelector& selector,
                          const envd::PtySize& size) {
  std::lock_guard lock(mutex_);
  auto& p = find_locked(sandbox_id, selector);
  if (!p.terminal) throw FsError(Code::failed_precondition, "error resizing tty: tty not assigned to process");
  if (p.pty_fd < 0) throw FsError(Code::failed_precondition, "the terminal of the process is closed");
  winsize ws{};
  ws.ws_col = static_cast<std::uint16_t>(size.cols);
  ws.ws_row = static_cast<std::uint16_t>(size.rows);
  // On the master: the kernel sends SIGWINCH to the terminal's foreground process group.
  if (::ioctl(p.pty_fd, TIOCSWINSZ, &ws) != 0) {
    throw FsError(Code::internal, std::string("error resizing tty: ") + std::strerror(errno));
  }
}

void ProcessTable::signal(const std::string& sandbox_id, const envd::ProcessSelector& selector, int signal_number) {
  std::lock_guard lock(mutex_);
  auto& p = find_locked(sandbox_id, selector);
  p.env->signal_group(static_cast<pid_t>(p.pid), signal_number);
}

void ProcessTable::wait_gone(std::unique_lock<std::mutex>& lock, const std::string& sandbox_id) {
  // SIGKILL cannot be ignored; the bound only guards against a stuck kernel.
  reaped_.wait_for(lock, std::chrono::seconds(10), [&] { return !sandboxes_.contains(sandbox_id); });
}

void ProcessTable::kill_sandbox(const std::string& sandbox_id) {
  std::unique_lock lock(mutex_);
  ended_.insert(sandbox_id);
  const auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return;
  // Its streams drop once everything in it is gone (end_environment), so a
  // client that saw the drop finds nothing of it left.
  it->second.killed = true;
  it->second.env->kill();
  wake();
  wait_gone(lock, sandbox_id);
}

void ProcessTable::pause_sandbox(const std::string& sandbox_id) {
  std::shared_ptr<Environment> env;
  {
    std::lock_guard lock(mutex_);
    const auto it = sandboxes_.find(sandbox_id);
    if (it == sandboxes_.end()) return;
    env = it->second.env;
  }
  env->pause();  // outside the lock: it waits for the kernel to stop them
  // Then the edge drops what was open: no end event, no end-stream frame.
  std::lock_guard lock(mutex_);
  for (auto& [key, p] : processes_) {
    if (key.first != sandbox_id) continue;
    for (auto& weak : p->subscribers) {
      if (auto s = weak.lock()) s->drop();
    }
    p->subscribers.clear();
  }
}

void ProcessTable::resume_sandbox(const std::string& sandbox_id) {
  std::shared_ptr<Environment> env;
  {
    std::lock_guard lock(mutex_);
    const auto it = sandboxes_.find(sandbox_id);
    if (it == sandboxes_.end()) return;
    env = it->second.env;
  }
  env->resume();
  wake();  // deadlines count again
}

bool ProcessTable::frozen(const std::string& sandbox_id) const {
  std::shared_ptr<Environment> env;
  {
    std::lock_guard lock(mutex_);
    const auto it = sandboxes_.find(sandbox_id);
    if (it == sandboxes_.end()) return false;
    env = it->second.env;
  }
  return env->frozen();
}

std::pair<int, int> ProcessTable::environment_pids(const std::string& sandbox_id) const {
  std::lock_guard lock(mutex_);
  const auto it = sandboxes_.find(sandbox_id);
  if (it == sandboxes_.end()) return {0, 0};
  return {it->second.env->monitor_pid(), it->second.env->init_pid()};
}

void ProcessTable::kill_all() {
  std::unique_lock lock(mutex_);
  for (auto& [key, p] : processes_) p->server_stopping = true;
  for (auto& [id, sandbox] : sandboxes_) {
    ended_.insert(id);
    sandbox.env->kill();
  }
  wake();
  reaped_.wait_for(lock, std::chrono::seconds(10), [&] { return sandboxes_.empty(); });
}

std::size_t ProcessTable::running(const std::string& sandbox_id) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [key, p] : processes_) n += key.first == sandbox_id ? 1 : 0;
  return n;
}

void ProcessTable::deliver(Process& p, const ProcessEvent& event) {
  std::erase_if(p.subscribers, [](const auto& w) { return w.expired(); });
  for (auto& weak : p.subscribers) {
    if (auto s = weak.lock()) s->push(event);
  }
}

void ProcessTable::read_output(Process& p, int& fd, envd::OutputStream stream) {
  char buf[65536];
  for (;;) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) {
      close_fd(fd);
      return;
    }
    // Past the cap the bytes are read and dropped, so the process never blocks on a full pipe.
    const auto room = output_cap_ > p.output_bytes ? output_cap_ - p.output_bytes : 0;
    const auto keep = std::min(room, static_cast<std::size_t>(n));
    p.output_bytes += keep;
    if (keep > 0) deliver(p, envd::DataEvent{stream, std::string(buf, keep)});
    if (static_cast<std::size_t>(n) < sizeof buf) return;
  }
}

void ProcessTable::reap(Process& p, int status) {
  // What is still in the pipes was written before the exit.
  if (p.out_fd >= 0) read_output(p, p.out_fd, envd::OutputStream::out);
  if (p.err_fd >= 0) read_output(p, p.err_fd, envd::OutputStream::err);
  if (p.pty_fd >= 0) read_output(p, p.pty_fd, envd::OutputStream::pty);
  close_fd(p.out_fd);
  close_fd(p.err_fd);
  close_fd(p.in_fd);
  close_fd(p.pty_fd);  // what the command left running on the terminal gets SIGHUP
  if (const auto sandbox = sandboxes_.find(p.sandbox_id); sandbox != sandboxes_.end() && sandbox->second.killed) {
    for (auto& weak : p.subscribers) {
      if (auto s = weak.lock()) s->drop();  // the sandbox was killed under it: the edge drops the stream
    }
    return;
  }
  const bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  if (const auto oom = p.env->new_oom_kills(); oom > 0) {
    const std::string limit = std::to_string(p.env->memory_limit_mib()) + " MiB";
    // Logged before the stream ends: a client that saw the end finds the reason in the logs.
    if (killed && !p.deadline_hit) {
      note(p.sandbox_id, "out of memory: process " + std::to_string(p.pid) + " (" + command_line(p.config) +
                             ") was killed at the sandbox's memory limit of " + limit);
    } else {
      note(p.sandbox_id, "out of memory: " + std::to_string(oom) +
                             " process(es) of the sandbox were killed at its memory limit of " + limit);
    }
  }
  const ProcessEvent end =
      WIFSIGNALED(status) ? envd::end_for_signal(WTERMSIG(status)) : envd::end_for_exit(WEXITSTATUS(status));
  std::optional<Error> error;
  if (p.deadline_hit) error = Error{Code::deadline_exceeded, "the process was killed: its deadline was exceeded"};
  if (p.server_stopping) error = Error{Code::unavailable, "the sandbox was stopped"};
  for (auto& weak : p.subscribers) {
    if (auto s = weak.lock()) s->finish(error, end);
  }
}

// The environment is gone, and every process in it with it.
void ProcessTable::end_environment(const std::string& sandbox_id) {
  for (auto it = processes_.begin(); it != processes_.end();) {
    if (it->first.first != sandbox_id) {
      ++it;
      continue;
    }
    reap(*it->second, W_EXITCODE(0, SIGKILL));  // the kernel killed what was left when its init ended
    it = processes_.erase(it);
  }
  std::erase_if(early_exits_, [&](const auto& e) { return e.first.first == sandbox_id; });
}

void ProcessTable::run() {
  for (;;) {
    std::vector<pollfd> fds{{wake_pipe_[0], POLLIN, 0}};
    int timeout_ms = -1;
    {
      std::unique_lock lock(mutex_);
      if (stopping_ && sandboxes_.empty()) return;
      const auto now = Clock::now();
      for (auto& [key, p] : processes_) {
        if (p->deadline && !p->deadline_hit && !p->env->paused()) {  // a paused process does not run out its time
          if (*p->deadline <= now) {
            p->deadline_hit = true;
            p->env->signal_group(static_cast<pid_t>(p->pid), SIGKILL);
          } else {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(*p->deadline - now).count();
            timeout_ms = timeout_ms < 0 ? static_cast<int>(left) : std::min(timeout_ms, static_cast<int>(left));
          }
        }
        if (p->out_fd >= 0) fds.push_back({p->out_fd, POLLIN, 0});
        if (p->err_fd >= 0) fds.push_back({p->err_fd, POLLIN, 0});
        if (p->pty_fd >= 0) fds.push_back({p->pty_fd, POLLIN, 0});
      }
      for (auto& [id, sandbox] : sandboxes_) {
        fds.push_back({sandbox.env->event_fd(), POLLIN, 0});
        if (sandbox.env->monitor_fd() >= 0) fds.push_back({sandbox.env->monitor_fd(), POLLIN, 0});
      }
      // Without a pidfd (very old kernels) look at the environments now and then.
      if (timeout_ms < 0 || timeout_ms > 1000) timeout_ms = 1000;
    }
    ::poll(fds.data(), fds.size(), timeout_ms);
    if (fds[0].revents != 0) {
      char drain[256];
      while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
      }
    }
    std::vector<std::shared_ptr<Environment>> finished;  // let go of outside the lock: removing cgroups may wait
    {
      std::lock_guard lock(mutex_);
      for (std::size_t i = 1; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        for (auto& [key, p] : processes_) {
          if (fds[i].fd == p->out_fd) read_output(*p, p->out_fd, envd::OutputStream::out);
          else if (fds[i].fd == p->err_fd) read_output(*p, p->err_fd, envd::OutputStream::err);
          else if (fds[i].fd == p->pty_fd) read_output(*p, p->pty_fd, envd::OutputStream::pty);
        }
      }
      bool any_gone = false;
      for (auto it = sandboxes_.begin(); it != sandboxes_.end();) {
        auto& [id, sandbox] = *it;
        // The OOM killer may take a process a command started and leave the command running.
        const auto now = Clock::now();
        const bool look = now >= sandbox.next_oom_look;
        if (look) sandbox.next_oom_look = now + std::chrono::milliseconds(500);
        if (const auto oom = look ? sandbox.env->new_oom_kills() : 0; oom > 0) {
          note(id, "out of memory: " + std::to_string(oom) + " process(es) of the sandbox were killed at its memory "
                   "limit of " + std::to_string(sandbox.env->memory_limit_mib()) + " MiB");
        }
        for (const auto& event : sandbox.env->read_events()) {
          if (event.kind != Environment::Event::Kind::exited) continue;
          const Key key{id, static_cast<std::uint32_t>(event.pid)};
          const auto p = processes_.find(key);
          if (p == processes_.end()) {
            early_exits_[key] = event.status;  // its Spawn answer is still on its way
            continue;
          }
          reap(*p->second, event.status);
          processes_.erase(p);
          any_gone = true;
        }
        if (!sandbox.env->reap_monitor()) {
          ++it;
          continue;
        }
        if (!sandbox.killed && !stopping_ && !ended_.contains(id)) {
          note(id, "the sandbox's environment ended unexpectedly (status " +
                       std::to_string(sandbox.env->monitor_status()) + ")");
        }
        end_environment(id);
        finished.push_back(std::move(sandbox.env));
        it = sandboxes_.erase(it);
        any_gone = true;
      }
      // A process whose exit came before its Spawn answer was read ends now.
      for (auto it = early_exits_.begin(); it != early_exits_.end();) {
        const auto p = processes_.find(it->first);
        if (p == processes_.end()) {
          ++it;
          continue;
        }
        reap(*p->second, it->second);
        processes_.erase(p);
        it = early_exits_.erase(it);
        any_gone = true;
      }
      if (any_gone) reaped_.notify_all();
    }
  }
}

}  // namespace ppio_mock::exec
