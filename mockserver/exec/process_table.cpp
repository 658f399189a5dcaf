#include "mockserver/exec/process_table.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace ppio_mock::exec {

namespace envd = ppio_sandbox::core::envd;
using ppio_sandbox::core::connect::Code;
using ppio_sandbox::core::connect::Error;
using Clock = std::chrono::steady_clock;

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

// ---- ProcessTable ----

struct ProcessTable::Process {
  std::string sandbox_id;
  envd::ProcessConfig config;
  std::optional<std::string> tag;
  pid_t pid = 0;
  int pidfd = -1;
  int out_fd = -1;
  int err_fd = -1;
  int in_fd = -1;
  std::size_t output_bytes = 0;
  std::optional<Clock::time_point> deadline;
  bool deadline_hit = false;
  bool sandbox_gone = false;
  std::vector<std::weak_ptr<Subscription>> subscribers;
};

namespace {

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

Error not_found(const envd::ProcessSelector& selector) {
  if (selector.pid) return {Code::not_found, "process with pid " + std::to_string(*selector.pid) + " not found"};
  return {Code::not_found, "process with tag " + selector.tag.value_or("") + " not found"};
}

}  // namespace

ProcessTable::ProcessTable(std::size_t output_cap_bytes) : output_cap_(output_cap_bytes) {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  io_thread_ = std::thread([this] { run(); });
}

ProcessTable::~ProcessTable() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (auto& [pid, p] : processes_) ::kill(-p->pid, SIGKILL);
  }
  wake();
  io_thread_.join();
  close_fd(wake_pipe_[0]);
  close_fd(wake_pipe_[1]);
}

void ProcessTable::wake() {
  const char c = 1;
  (void)!::write(wake_pipe_[1], &c, 1);  // a full pipe already means "wake up"
}

std::shared_ptr<Subscription> ProcessTable::start(StartParams params) {
  int out[2], err[2], in[2] = {-1, -1};
  if (::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]);
    throw std::runtime_error("pipe2 failed");
  }
  if (params.open_stdin && ::pipe2(in, O_CLOEXEC) != 0) {
    ::close(out[0]), ::close(out[1]), ::close(err[0]), ::close(err[1]);
    throw std::runtime_error("pipe2 failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (params.open_stdin) {
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  } else {
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  // httplib's sockets are not close-on-exec: a child must not keep them open.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);
  posix_spawn_file_actions_addchdir_np(&actions, params.launch.host_cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setpgroup(&attr, 0);  // its own group, so signals reach its children too
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigfillset(&defaults);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> argv, envp;
  for (auto& a : params.launch.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : params.launch.env) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(out[1]);
  ::close(err[1]);
  if (in[0] >= 0) ::close(in[0]);
  if (rc != 0) {
    ::close(out[0]), ::close(err[0]);
    if (in[1] >= 0) ::close(in[1]);
    throw FsError(Code::invalid_argument, "error starting process '" + params.config.cmd + "': " + std::strerror(rc));
  }
  ::fcntl(out[0], F_SETFL, O_NONBLOCK);
  ::fcntl(err[0], F_SETFL, O_NONBLOCK);

  auto p = std::make_unique<Process>();
  p->sandbox_id = std::move(params.sandbox_id);
  p->config = std::move(params.config);
  p->tag = std::move(params.tag);
  p->pid = pid;
  p->pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  p->out_fd = out[0];
  p->err_fd = err[0];
  p->in_fd = in[1];
  if (params.timeout) p->deadline = Clock::now() + *params.timeout;
  auto subscription = std::make_shared<Subscription>();
  subscription->push(envd::StartEvent{static_cast<std::uint32_t>(pid)});
  p->subscribers.push_back(subscription);
  {
    std::lock_guard lock(mutex_);
    processes_[static_cast<std::uint32_t>(pid)] = std::move(p);
  }
  wake();
  return subscription;
}

ProcessTable::Process& ProcessTable::find_locked(const std::string& sandbox_id, const envd::ProcessSelector& selector) {
  for (auto& [pid, p] : processes_) {
    if (p->sandbox_id != sandbox_id) continue;
    if (selector.pid && *selector.pid == pid) return *p;
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
  subscription->push(envd::StartEvent{static_cast<std::uint32_t>(p.pid)});
  p.subscribers.push_back(subscription);
  return subscription;
}

std::vector<envd::ProcessInfo> ProcessTable::list(const std::string& sandbox_id) const {
  std::lock_guard lock(mutex_);
  std::vector<envd::ProcessInfo> out;
  for (const auto& [pid, p] : processes_) {
    if (p->sandbox_id == sandbox_id) out.push_back({p->config, pid, p->tag});
  }
  return out;
}

void ProcessTable::send_input(const std::string& sandbox_id, const envd::ProcessSelector& selector,
                              const std::string& bytes) {
  int fd = -1;
  {
    std::lock_guard lock(mutex_);
    auto& p = find_locked(sandbox_id, selector);
    if (p.in_fd < 0) throw FsError(Code::failed_precondition, "stdin of the process is not open");
    fd = ::dup(p.in_fd);  // written outside the lock: a slow reader must not stall the table
  }
  if (fd < 0) throw FsError(Code::internal, "cannot write to stdin");
  std::size_t done = 0;
  while (done < bytes.size()) {
    const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw FsError(Code::internal, std::string("error writing to stdin: ") + std::strerror(errno));
    }
    done += static_cast<std::size_t>(n);
  }
  ::close(fd);
}

void ProcessTable::close_stdin(const std::string& sandbox_id, const envd::ProcessSelector& selector) {
  std::lock_guard lock(mutex_);
  close_fd(find_locked(sandbox_id, selector).in_fd);
}

void ProcessTable::signal(const std::string& sandbox_id, const envd::ProcessSelector& selector, int signal_number) {
  std::lock_guard lock(mutex_);
  ::kill(-find_locked(sandbox_id, selector).pid, signal_number);
}

void ProcessTable::kill_sandbox(const std::string& sandbox_id) {
  std::unique_lock lock(mutex_);
  for (auto& [pid, p] : processes_) {
    if (p->sandbox_id != sandbox_id) continue;
    p->sandbox_gone = true;
    ::kill(-p->pid, SIGKILL);
  }
  wake();
  // SIGKILL cannot be ignored; the bound only guards against a stuck kernel.
  reaped_.wait_for(lock, std::chrono::seconds(5), [&] {
    for (const auto& [pid, p] : processes_) {
      if (p->sandbox_id == sandbox_id) return false;
    }
    return true;
  });
}

void ProcessTable::kill_all() {
  std::unique_lock lock(mutex_);
  for (auto& [pid, p] : processes_) {
    p->sandbox_gone = true;
    ::kill(-p->pid, SIGKILL);
  }
  wake();
  reaped_.wait_for(lock, std::chrono::seconds(5), [&] { return processes_.empty(); });
}

std::size_t ProcessTable::running(const std::string& sandbox_id) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& [pid, p] : processes_) n += p->sandbox_id == sandbox_id ? 1 : 0;
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
  close_fd(p.out_fd);
  close_fd(p.err_fd);
  close_fd(p.in_fd);
  close_fd(p.pidfd);
  const ProcessEvent end =
      WIFSIGNALED(status) ? envd::end_for_signal(WTERMSIG(status)) : envd::end_for_exit(WEXITSTATUS(status));
  std::optional<Error> error;
  if (p.deadline_hit) error = Error{Code::deadline_exceeded, "the process was killed: its deadline was exceeded"};
  if (p.sandbox_gone) error = Error{Code::unavailable, "the sandbox was stopped"};
  for (auto& weak : p.subscribers) {
    if (auto s = weak.lock()) s->finish(error, end);
  }
}

void ProcessTable::run() {
  for (;;) {
    std::vector<pollfd> fds{{wake_pipe_[0], POLLIN, 0}};
    int timeout_ms = -1;
    {
      std::unique_lock lock(mutex_);
      if (stopping_ && processes_.empty()) return;
      const auto now = Clock::now();
      for (auto& [pid, p] : processes_) {
        if (p->deadline && !p->deadline_hit) {
          if (*p->deadline <= now) {
            p->deadline_hit = true;
            ::kill(-p->pid, SIGKILL);
          } else {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(*p->deadline - now).count();
            timeout_ms = timeout_ms < 0 ? static_cast<int>(left) : std::min(timeout_ms, static_cast<int>(left));
          }
        }
        if (p->out_fd >= 0) fds.push_back({p->out_fd, POLLIN, 0});
        if (p->err_fd >= 0) fds.push_back({p->err_fd, POLLIN, 0});
        if (p->pidfd >= 0) fds.push_back({p->pidfd, POLLIN, 0});
      }
      // Without a pidfd (very old kernels) poll the exit status now and then.
      if (timeout_ms < 0 || timeout_ms > 1000) timeout_ms = 1000;
    }
    ::poll(fds.data(), fds.size(), timeout_ms);
    if (fds[0].revents != 0) {
      char drain[256];
      while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
      }
    }
    std::lock_guard lock(mutex_);
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if (fds[i].revents == 0) continue;
      for (auto& [pid, p] : processes_) {
        if (fds[i].fd == p->out_fd) read_output(*p, p->out_fd, envd::OutputStream::out);
        else if (fds[i].fd == p->err_fd) read_output(*p, p->err_fd, envd::OutputStream::err);
      }
    }
    bool any_reaped = false;
    for (auto it = processes_.begin(); it != processes_.end();) {
      int status = 0;
      if (::waitpid(it->second->pid, &status, WNOHANG) == it->second->pid) {
        reap(*it->second, status);
        it = processes_.erase(it);
        any_reaped = true;
      } else {
        ++it;
      }
    }
    if (any_reaped) reaped_.notify_all();
  }
}

}  // namespace ppio_mock::exec
