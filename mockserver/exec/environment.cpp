#include "mockserver/exec/environment.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>
#include <utility>

#include "mockserver/exec/fd.hpp"

extern char** environ;

namespace ppio_mock::exec {

namespace {

using ppio_sandbox::core::connect::Code;
using Clock = std::chrono::steady_clock;

constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr int kInitControlFd = 3;
constexpr int kInitEventFd = 4;
constexpr int kFirstCgroupFd = 5;

int pidfd_open(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

int pidfd_send_signal(int pidfd, int sig) {
  return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

// The state letter of /proc/<pid>/stat ('T' when stopped), or 0 when gone.
char state_of(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const auto close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

// `pid` and every descendant, as this process sees them.
std::vector<pid_t> tree_of(pid_t pid) {
  std::vector<pid_t> out{pid};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::string tasks = "/proc/" + std::to_string(out[i]) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr) continue;
    while (auto* e = ::readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream children(tasks + "/" + e->d_name + "/children");
      for (pid_t child; children >> child;) out.push_back(child);
    }
    ::closedir(dir);
  }
  return out;
}

}  // namespace

Environment::Environment(const Executor& executor, const SandboxFs& fs, const ResourceControl& resources,
                         const std::string& name, const SandboxLimits& limits)
    : isolated_(executor.isolates()), limits_(limits) {
  if (resources.memory() == Mechanism::fallback) rlimit_as_ = limits.memory_bytes;
  // Counted per uid on the host: only for the sandbox's own uid, never for root or the fake's user.
  if (resources.processes() == Mechanism::fallback && isolated_) rlimit_nproc_ = limits.max_processes;
  try {
    cgroup_ = resources.create(name, limits);
  } catch (const std::system_error& e) {
    throw FsError(Code::internal, std::string("cannot make the sandbox's cgroup: ") + e.what());
  }
  start(executor, fs);
}

void Environment::start(const Executor& executor, const SandboxFs& fs) {
  int control[2], events[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, control) != 0) {
    throw FsError(Code::internal, std::string("socketpair: ") + std::strerror(errno));
  }
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, events) != 0) {
    ::close(control[0]), ::close(control[1]);
    throw FsError(Code::internal, std::string("socketpair: ") + std::strerror(errno));
  }
  control_fd_ = control[0];
  event_fd_ = events[0];
  const int on = 1;
  ::setsockopt(event_fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);  // the init's Ready names its host pid
  const timeval answer_within{30, 0};  // a frozen or stuck init must not hold a request thread for ever
  ::setsockopt(control_fd_, SOL_SOCKET, SO_RCVTIMEO, &answer_within, sizeof answer_within);

  std::vector<int> cgroup_fds;
  try {
    if (cgroup_) cgroup_fds = cgroup_->open_procs();
  } catch (const std::system_error& e) {
    ::close(control[1]), ::close(events[1]);
    throw FsError(Code::internal, e.what());
  }
  std::vector<std::string> program{executor.init_path()};
  for (const auto& a : executor.init_args()) program.push_back(a);
  for (std::size_t i = 0; i < cgroup_fds.size(); ++i) {
    program.push_back("--cgroup");
    program.push_back(std::to_string(kFirstCgroupFd + static_cast<int>(i)));
  }
  auto args = executor.isolate(fs, program);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  // fd 2 stays the fake's stderr: what bwrap or the init says goes to the fake's log.
  posix_spawn_file_actions_adddup2(&actions, control[1], kInitControlFd);
  posix_spawn_file_actions_adddup2(&actions, events[1], kInitEventFd);
  for (std::size_t i = 0; i < cgroup_fds.size(); ++i) {
    posix_spawn_file_actions_adddup2(&actions, cgroup_fds[i], kFirstCgroupFd + static_cast<int>(i));
  }
  // httplib's sockets are not close-on-exec: nothing but these reaches the environment.
  posix_spawn_file_actions_addclosefrom_np(&actions, kFirstCgroupFd + static_cast<int>(cgroup_fds.size()));
  const std::string cwd = executor.host_cwd(fs);
  posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);
  sigset_t defaults;
  sigfillset(&defaults);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // a terminal's Ctrl-C to the fake does not reach it first
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string path_env = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  char* envp[] = {path_env.data(), nullptr};
  const int rc = posix_spawn(&monitor_pid_, argv[0], &actions, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  ::close(control[1]);
  ::close(events[1]);
  for (const int fd : cgroup_fds) ::close(fd);
  if (rc != 0) {
    close_fd(control_fd_);
    close_fd(event_fd_);
    throw FsError(Code::internal, "cannot start the sandbox's environment (" + args[0] + "): " + std::strerror(rc));
  }
  monitor_fd_ = pidfd_open(monitor_pid_);
}

Environment::~Environment() {
  kill();
  if (!gone()) {
    int status;
    while (::waitpid(monitor_pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  close_fd(control_fd_);
  close_fd(event_fd_);
  close_fd(monitor_fd_);
  close_fd(init_pidfd_);
  cgroup_.reset();  // its processes are gone: the directories can go
}

bool Environment::wait_ready() {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, kReadyTimeout, [&] { return ready_ || dead_; });
  return ready_ && !dead_;
}

pid_t Environment::init_pid() const {
  std::lock_guard lock(mutex_);
  return init_pid_;
}

bool Environment::gone() const {
  std::lock_guard lock(mutex_);
  return dead_;
}

pid_t Environment::spawn(const LaunchSpec& launch, int stdin_fd, int stdout_fd, int stderr_fd,
                         const std::function<void(pid_t)>& registered) {
  init::Spawn request;
  const bool own_uid = launch.identity != init::Identity::mapped_root && launch.uid != 0;
  request = {launch.argv, launch.env, launch.cwd, launch.identity, launch.uid, launch.gid, rlimit_as_,
             own_uid ? rlimit_nproc_ : 0};
  return request_spawn(std::move(request), {stdin_fd, stdout_fd, stderr_fd},
                       [&](pid_t pid, std::vector<int>&) { registered(pid); });
}

pid_t Environment::spawn_on_terminal(const LaunchSpec& launch, std::uint16_t cols, std::uint16_t rows,
                                     const std::function<void(pid_t, int)>& registered) {
  init::Spawn request;
  const bool own_uid = launch.identity != init::Identity::mapped_root && launch.uid != 0;
  request = {launch.argv, launch.env, launch.cwd, launch.identity, launch.uid, launch.gid, rlimit_as_,
             own_uid ? rlimit_nproc_ : 0, true, cols, rows};
  return request_spawn(std::move(request), {}, [&](pid_t pid, std::vector<int>& fds) {
    if (fds.size() != 1) {
      signal_group(pid, SIGKILL);  // nothing could follow it
      throw FsError(Code::internal, "the sandbox's init answered a terminal without its master");
    }
    registered(pid, std::exchange(fds[0], -1));
  });
}

pid_t Environment::request_spawn(init::Spawn spawn, const std::vector<int>& fds_out,
                                 const std::function<void(pid_t, std::vector<int>&)>& registered) {
  const std::string what = "error starting process '" + (spawn.argv.empty() ? "" : spawn.argv[0]) + "'";
  if (!wait_ready()) {
    if (gone()) throw FsError(Code::unavailable, what + ": the sandbox's environment has ended");
    throw FsError(Code::unavailable, what + ": the sandbox's environment did not start in time");
  }
  init::Message request{.type = init::Type::spawn};
  request.spawn = std::move(spawn);
  std::lock_guard lock(control_mutex_);
  std::vector<int> fds;
  if (!init::send_framed(control_fd_, request, fds_out)) {
    throw FsError(Code::unavailable, what + ": the sandbox's environment has ended");
  }
  const auto reply = init::recv_framed(control_fd_, fds);
  const auto close_fds = [&fds] {
    for (const int fd : fds) {
      if (fd >= 0) ::close(fd);
    }
  };
  if (!reply) {
    close_fds();
    throw FsError(Code::unavailable, what + ": the sandbox's environment did not answer");
  }
  if (reply->type == init::Type::spawned) {
    try {
      registered(reply->pid, fds);
    } catch (...) {
      close_fds();
      throw;
    }
    close_fds();
    return reply->pid;
  }
  close_fds();
  const std::string reason = std::strerror(reply->value);
  if (reply->text == "fork" && (reply->value == EAGAIN || reply->value == ENOMEM)) {
    throw FsError(Code::resource_exhausted, what + ": the sandbox cannot start more processes (" + reason + ")");
  }
  throw FsError(Code::invalid_argument, what + ": " + reply->text + ": " + reason);
}

int Environment::connect_port(int port, int& error) {
  if (!wait_ready()) {
    error = ECONNREFUSED;  // an environment that ended (or never came up) has nothing listening
    return -1;
  }
  std::optional<init::Message> reply;
  std::vector<int> fds;
  {
    std::lock_guard lock(control_mutex_);
    if (!init::send_framed(control_fd_, {.type = init::Type::connect_port, .value = port})) {
      error = ECONNREFUSED;
      return -1;
    }
    reply = init::recv_framed(control_fd_, fds);
  }
  if (!reply || reply->type != init::Type::connected || fds.size() != 1) {
    for (const int fd : fds) ::close(fd);
    error = reply && reply->type == init::Type::connect_failed ? reply->value : ECONNREFUSED;
    return -1;
  }
  // Loopback connects complete at once or are refused at once; the bound is
  // for a listener whose queue is full.
  const int fd = fds[0];
  pollfd p{fd, POLLOUT, 0};
  int ready;
  do {
    ready = ::poll(&p, 1, 5000);
  } while (ready < 0 && errno == EINTR);
  int so_error = 0;
  socklen_t len = sizeof so_error;
  if (ready <= 0) so_error = ETIMEDOUT;
  else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) so_error = errno;
  if (so_error != 0) {
    ::close(fd);
    error = so_error;
    return -1;
  }
  error = 0;
  return fd;
}

void Environment::signal_group(pid_t pid, int signal_number) {
  std::lock_guard lock(event_write_mutex_);
  init::send_packet(event_fd_, {.type = init::Type::signal, .pid = pid, .value = signal_number}, MSG_DONTWAIT);
}

void Environment::pause() {
  paused_ = true;
  if (cgroup_ && cgroup_->freeze()) return;
  {
    std::lock_guard lock(event_write_mutex_);
    init::send_packet(event_fd_, {.type = init::Type::freeze}, MSG_DONTWAIT);
  }
  // The init stops them; wait (bounded) until the kernel shows them stopped.
  const auto until = Clock::now() + std::chrono::seconds(5);
  while (!frozen() && !gone() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Environment::resume() {
  if (cgroup_ && cgroup_->frozen()) cgroup_->thaw();
  {
    std::lock_guard lock(event_write_mutex_);
    init::send_packet(event_fd_, {.type = init::Type::thaw}, MSG_DONTWAIT);
  }
  paused_ = false;
}

bool Environment::frozen() const {
  if (cgroup_ && cgroup_->frozen()) return true;
  pid_t init;
  {
    std::lock_guard lock(mutex_);
    if (dead_ || !ready_) return false;
    init = init_pid_;
  }
  // Without a cgroup freezer: every process but the init is stopped.
  const auto tree = tree_of(init);
  for (std::size_t i = 1; i < tree.size(); ++i) {
    const char state = state_of(tree[i]);
    if (state != 0 && state != 'T' && state != 't' && state != 'Z') return false;
  }
  return true;
}

void Environment::kill() {
  {
    std::lock_guard lock(mutex_);
    if (dead_) return;
    if (isolated_) {
      // Pid 1 of the sandbox's namespace: its end is the end of every process in it.
      if (init_pidfd_ >= 0) pidfd_send_signal(init_pidfd_, SIGKILL);
      else ::kill(monitor_pid_, SIGKILL);  // not ready yet: bubblewrap's --die-with-parent takes the init with it
    }
  }
  // On the host the init kills what it started once its sockets close.
  ::shutdown(control_fd_, SHUT_RDWR);
  ::shutdown(event_fd_, SHUT_RDWR);
  if (cgroup_) cgroup_->kill_all();  // and thaws: a frozen process dies only once it runs
}

std::vector<Environment::Event> Environment::read_events() {
  std::vector<Event> out;
  bool closed = false;
  int sender = 0;
  while (auto message = init::recv_packet(event_fd_, closed, &sender)) {
    if (message->type == init::Type::ready) {
      std::lock_guard lock(mutex_);
      init_pid_ = sender;
      init_pidfd_ = sender > 0 ? pidfd_open(sender) : -1;
      ready_ = true;
      cv_.notify_all();
      out.push_back({Event::Kind::ready});
    } else if (message->type == init::Type::exited) {
      out.push_back({Event::Kind::exited, message->pid, message->value});
    }
  }
  if (closed) {
    events_closed_ = true;
    out.push_back({Event::Kind::closed});
  }
  return out;
}

bool Environment::reap_monitor() {
  std::lock_guard lock(mutex_);
  if (dead_) return true;
  int status = 0;
  if (::waitpid(monitor_pid_, &status, WNOHANG) != monitor_pid_) return false;
  monitor_status_ = status;
  dead_ = true;
  cv_.notify_all();
  return true;
}

std::uint64_t Environment::new_oom_kills() {
  const auto count = cgroup_ ? cgroup_->oom_kills() : std::nullopt;
  if (!count) return 0;
  const auto fresh = *count > oom_seen_ ? *count - oom_seen_ : 0;
  oom_seen_ = *count;
  return fresh;
}

}  // namespace ppio_mock::exec
