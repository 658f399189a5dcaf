// ppio-sandbox-init: the one long-lived process of a sandbox's environment.
//
// Under bubblewrap it is pid 1 of the sandbox's pid namespace (--as-pid-1),
// inside its mount, network, IPC and UTS namespaces; with the host executor
// it is a plain child of the fake. Either way it forks every command of its
// sandbox on request, so a command costs a fork here rather than a new
// bubblewrap, and its processes share one tree and one loopback.
//
//   fd 3  control socket: Spawn requests (stdio fds attached) and ConnectPort
//         requests (answered with a socket on the sandbox's loopback), at once;
//         a command on a terminal gets a pseudo-terminal opened here, inside
//         the environment, and its master goes back with the answer
//   fd 4  event socket:   Ready and Exited out; Signal, Freeze, Thaw in
//
// Options: --isolated (pid 1 of its own namespaces), --cgroup FD (a
// cgroup.procs to join before anything runs; repeatable).
//
// Run as `sudo` (bound over /usr/bin/sudo in an environment) it is the
// sandbox's sudo instead (init/sudo.hpp), which this init serves as root.
//
// When either socket closes (the fake let go of the sandbox, or died), it
// ends: as pid 1 its exit takes every process of the namespace with it; on
// the host it kills what it started (it is their subreaper) before going.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <poll.h>
#include <pty.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mockserver/exec/init/sudo.hpp"
#include "mockserver/exec/init_protocol.hpp"

extern char** environ;

namespace {

namespace init = ppio_mock::exec::init;

constexpr int kControlFd = 3;
constexpr int kEventFd = 4;
constexpr std::uint32_t kUserUid = 1000;

// What root inside a sandbox may do: Docker's default set without MKNOD (there
// is no device cgroup here) and without anything that reaches past the
// namespaces (SYS_ADMIN, SYS_MODULE, SYS_RAWIO, DAC_READ_SEARCH, ...).
constexpr int kRootCapabilities[] = {CAP_CHOWN,  CAP_DAC_OVERRIDE,     CAP_FOWNER,  CAP_FSETID,     CAP_KILL,
                                     CAP_SETGID, CAP_SETUID,           CAP_SETPCAP, CAP_NET_BIND_SERVICE,
                                     CAP_NET_RAW, CAP_SYS_CHROOT,      CAP_AUDIT_WRITE, CAP_SETFCAP};

struct Options {
  bool isolated = false;
  std::vector<int> cgroups;
  std::string host_etc;  // --etc-overlay: where the host's /etc is, read-only, to lie under the sandbox's own
};

// Host /etc entries that name the host: masked unless the sandbox has its own.
constexpr const char* kHostIdentity[] = {"passwd-",   "group-",  "shadow-", "gshadow", "gshadow-", "subuid", "subuid-",
                                         "subgid",    "subgid-", "machine-id"};

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "ppio-sandbox-init: %s: %s\n", what.c_str(), std::strerror(errno));
  _exit(1);
}

bool write_file(const char* path, const std::string& text) {
  const int fd = ::open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--isolated") {
      o.isolated = true;
    } else if (arg == "--cgroup" && i + 1 < argc) {
      o.cgroups.push_back(std::atoi(argv[++i]));
    } else if (arg == "--etc-overlay" && i + 1 < argc) {
      o.host_etc = argv[++i];
    } else {
      std::fprintf(stderr, "ppio-sandbox-init: unknown argument '%s'\n", arg.c_str());
      _exit(2);
    }
  }
  return o;
}

// Root of a sandbox keeps only kRootCapabilities, for itself and for what it
// execs (setuid programs such as sudo included).
void bound_capabilities() {
  int last = CAP_LAST_CAP;
  std::ifstream("/proc/sys/kernel/cap_last_cap") >> last;
  const std::set<int> keep(std::begin(kRootCapabilities), std::end(kRootCapabilities));
  for (int cap = 0; cap <= last; ++cap) {
    if (keep.count(cap) == 0 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
      die("dropping capability " + std::to_string(cap));
    }
  }
}

// What in the host's /etc (below `dir`, as `rel`) any host user may not read,
// and what names the host: to be masked. A masked directory is not entered.
void collect_masks(const std::string& dir, const std::string& rel, std::vector<std::pair<std::string, bool>>& out) {
  DIR* d = ::opendir((dir + rel).c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (auto* e = ::readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) names.emplace_back(e->d_name);
  }
  ::closedir(d);
  for (const auto& name : names) {
    const std::string path = rel + "/" + name;
    struct stat st {};
    if (::lstat((dir + path).c_str(), &st) != 0 || S_ISLNK(st.st_mode)) continue;
    if (S_ISDIR(st.st_mode)) {
      if ((st.st_mode & (S_IROTH | S_IXOTH)) != (S_IROTH | S_IXOTH)) out.emplace_back(path, true);
      else collect_masks(dir, path, out);
    } else if ((st.st_mode & S_IROTH) == 0) {
      out.emplace_back(path, false);
    }
  }
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

void mask(const std::string& path, bool dir) {
  constexpr unsigned long kSealed = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
  const bool ok = dir ? ::mount("none", path.c_str(), "tmpfs", kSealed, "size=4k,mode=000") == 0
                      : ::mount("/dev/null", path.c_str(), nullptr, MS_BIND, nullptr) == 0;
  if (!ok) die("masking " + path);
}

// The sandbox's /etc: its own files (the root's etc) over the host's /etc,
// writable, as an overlay; where no overlay can be made here, the host's /etc
// read-only with the sandbox's own files bound over it.
void set_up_etc(const std::string& host_etc) {
  std::vector<std::pair<std::string, bool>> masks;
  collect_masks(host_etc, "", masks);
  for (const char* name : kHostIdentity) {
    if (exists(host_etc + "/" + name)) masks.emplace_back(std::string("/") + name, false);
  }
  std::erase_if(masks, [](const auto& m) { return exists("/etc" + m.first); });  // the sandbox's own wins
  const int upper = ::open("/etc", O_PATH | O_DIRECTORY | O_CLOEXEC);
  const std::string options = "lowerdir=" + host_etc + ",upperdir=/etc,workdir=/var/lib/ppio-sandbox/etc-work";
  if (::mount("overlay", "/etc", "overlay", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
    std::fprintf(stderr, "ppio-sandbox-init: no overlay for /etc here (%s): the host's /etc, read-only, with the "
                 "sandbox's own files over it\n", std::strerror(errno));
    if (::mount(host_etc.c_str(), "/etc", nullptr, MS_BIND | MS_REC, nullptr) != 0 ||
        ::mount("none", "/etc", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0) {
      die("binding the host's /etc");
    }
    if (DIR* own = ::fdopendir(::dup(upper))) {
      while (auto* e = ::readdir(own)) {
        const std::string target = std::string("/etc/") + e->d_name;
        if (e->d_type != DT_REG || !exists(target)) continue;
        const std::string source = "/proc/self/fd/" + std::to_string(upper) + "/" + e->d_name;
        if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) die("binding " + target);
      }
      ::closedir(own);
    }
  }
  ::close(upper);
  for (const auto& [path, dir] : masks) mask("/etc" + path, dir);
  ::umount2(host_etc.c_str(), MNT_DETACH);
  ::rmdir(host_etc.c_str());
}

// As root of the environment: this process is the last the OOM killer picks,
// and root commands get only the bounded capabilities.
void harden_as_root() {
  write_file("/proc/self/oom_score_adj", "-1000");
  bound_capabilities();
}

// Every descendant of this process (through /proc/<pid>/task/<tid>/children), nearest first.
std::vector<pid_t> descendants() {
  std::vector<pid_t> out;
  std::vector<pid_t> queue{::getpid()};
  while (!queue.empty()) {
    const pid_t p = queue.back();
    queue.pop_back();
    const std::string tasks = "/proc/" + std::to_string(p) + "/task";
    DIR* dir = ::opendir(tasks.c_str());
    if (dir == nullptr) continue;
    while (auto* e = ::readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      std::ifstream children(tasks + "/" + e->d_name + "/children");
      pid_t child;
      while (children >> child) {
        out.push_back(child);
        queue.push_back(child);
      }
    }
    ::closedir(dir);
  }
  return out;
}

// Sends `sig` to every process of the environment but this one.
void signal_everything(bool isolated, int sig) {
  if (isolated) {
    ::kill(-1, sig);  // from pid 1: every process of the namespace except itself
    return;
  }
  for (const pid_t p : descendants()) ::kill(p, sig);
}

class Init {
 public:
  explicit Init(Options options) : options_(std::move(options)) {}

  int run() {
    for (const int fd : options_.cgroups) {
      if (!write_file(("/proc/self/fd/" + std::to_string(fd)).c_str(), "0")) die("joining the sandbox's cgroup");
      ::close(fd);
    }
    // On the host, orphans of commands come back here, to be reaped or killed
    // (no parent-death signal: when the fake dies, the closed sockets say so,
    // and what was started here is killed first).
    if (!options_.isolated) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    if (!options_.host_etc.empty()) set_up_etc(options_.host_etc);
    if (options_.isolated && ::geteuid() == 0) harden_as_root();
    ::signal(SIGPIPE, SIG_IGN);
    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &chld, nullptr);
    signal_fd_ = ::signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (signal_fd_ < 0) die("signalfd");
    for (const int fd : {kControlFd, kEventFd}) ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (options_.isolated && ::geteuid() == 0) listen_for_sudo();
    if (!init::send_packet(kEventFd, {.type = init::Type::ready})) return 0;

    for (;;) {
      std::vector<pollfd> fds = {{kControlFd, POLLIN, 0}, {kEventFd, POLLIN, 0}, {signal_fd_, POLLIN, 0}};
      if (sudo_listen_ >= 0) fds.push_back({sudo_listen_, POLLIN, 0});
      for (const auto& [fd, pid] : sudo_clients_) fds.push_back({fd, POLLIN, 0});
      if (::poll(fds.data(), fds.size(), -1) < 0) {
        if (errno == EINTR) continue;
        die("poll");
      }
      if (fds[2].revents != 0) reap();
      bool sudo_knocks = false;
      for (std::size_t i = 3; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        if (fds[i].fd == sudo_listen_) sudo_knocks = true;
        else if (sudo_clients_.contains(fds[i].fd)) sudo_client_said(fds[i].fd);  // not one closed meanwhile
      }
      if (sudo_knocks) accept_sudo();  // last: a new connection may reuse a number polled above
      if (fds[1].revents != 0 && !handle_event()) break;
      if (fds[0].revents != 0 && !handle_control()) break;
    }
    shut_down();
    return 0;
  }

 private:
  // A Spawn request; false when the control socket is gone.
  bool handle_control() {
    std::vector<int> fds;
    const auto request = init::recv_framed(kControlFd, fds);
    if (!request) {
      for (const int fd : fds) ::close(fd);
      return false;
    }
    init::Message reply;
    if (request->type == init::Type::connect_port) {
      for (const int fd : fds) ::close(fd);
      return connect_port(request->value);
    }
    if (request->type != init::Type::spawn || fds.size() != (request->spawn.pty ? 0U : 3U)) {
      reply = {.type = init::Type::spawn_failed, .value = EINVAL, .text = "bad spawn request"};
    } else if (request->spawn.pty) {
      return spawn_on_terminal(request->spawn);
    } else {
      reply = spawn(request->spawn, fds);
      if (reply.type == init::Type::spawned) commands_.insert(reply.pid);
    }
    for (const int fd : fds) ::close(fd);
    return init::send_framed(kControlFd, reply);
  }

  // A socket to 127.0.0.1:<port> here, passed to the fake; the connect is
  // non-blocking, so its outcome (refused, say) shows on the socket itself.
  bool connect_port(int port) {
    if (port <= 0 || port > 65535) {
      return init::send_framed(kControlFd, {.type = init::Type::connect_failed, .value = EINVAL});
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return init::send_framed(kControlFd, {.type = init::Type::connect_failed, .value = errno});
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
      const int err = errno;
      ::close(fd);
      return init::send_framed(kControlFd, {.type = init::Type::connect_failed, .value = err});
    }
    const bool sent = init::send_framed(kControlFd, {.type = init::Type::connected}, {fd});
    ::close(fd);
    return sent;
  }

  // The pseudo-terminal is opened here, inside the environment, so the
  // command's controlling terminal is one of the sandbox's own /dev/pts (what
  // `tty` prints exists in the sandbox), and the command leads its own
  // session on it. The master goes to the fake with the answer: the fake then
  // reads output, writes input and sets the size (TIOCSWINSZ, which sends the
  // foreground group SIGWINCH) on it directly, through the same poll loop as
  // a pipe, and nothing more passes through this init.
  bool spawn_on_terminal(const init::Spawn& request) {
    int master = -1;
    int slave = -1;
    winsize size{};
    size.ws_col = request.pty_cols;
    size.ws_row = request.pty_rows;
    if (::openpty(&master, &slave, nullptr, nullptr, &size) != 0) {
      return init::send_framed(kControlFd, {.type = init::Type::spawn_failed, .value = errno, .text = "openpty"});
    }
    ::fcntl(master, F_SETFD, FD_CLOEXEC);
    ::fcntl(slave, F_SETFD, FD_CLOEXEC);
    const init::Message reply = spawn(request, {slave, slave, slave});
    ::close(slave);  // the command holds it now: its end hangs the master up
    if (reply.type == init::Type::spawned) commands_.insert(reply.pid);
    const bool sent = init::send_framed(kControlFd, reply, reply.type == init::Type::spawned ? std::vector<int>{master}
                                                                                             : std::vector<int>{});
    ::close(master);
    return sent;
  }

  void listen_for_sudo() {
    sudo_listen_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    sockaddr_un addr;
    const socklen_t len = init::sudo_address(addr);
    if (sudo_listen_ < 0 || ::bind(sudo_listen_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        ::listen(sudo_listen_, 16) != 0) {
      std::fprintf(stderr, "ppio-sandbox-init: no sudo in this sandbox: %s\n", std::strerror(errno));
      if (sudo_listen_ >= 0) ::close(sudo_listen_);
      sudo_listen_ = -1;
    }
  }

  // A sudo asks for a command as root (or user): only the sandbox's own users may.
  void accept_sudo() {
    const int fd = ::accept4(sudo_listen_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    ucred peer{};
    socklen_t peer_len = sizeof peer;
    const timeval patience{5, 0};  // a client that connects and says nothing must not stall the init
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    std::vector<int> stdio;
    const bool ours = ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) == 0 &&
                      (peer.uid == 0 || peer.uid == kUserUid);
    const auto request = ours ? init::recv_framed(fd, stdio) : std::nullopt;
    init::Message reply{.type = init::Type::spawn_failed, .value = EPERM, .text = "sudo"};
    if (request && request->type == init::Type::spawn && stdio.size() == 3 &&
        request->spawn.identity == init::Identity::switch_user &&
        (request->spawn.uid == 0 || request->spawn.uid == kUserUid) && request->spawn.gid == request->spawn.uid) {
      reply = spawn(request->spawn, stdio);
    }
    for (const int s : stdio) ::close(s);
    if (reply.type != init::Type::spawned) {
      init::send_framed(fd, reply);
      ::close(fd);
      return;
    }
    if (!init::send_framed(fd, reply)) {  // the sudo went away at once: so does its command
      ::kill(-reply.pid, SIGKILL);
      ::close(fd);
      sudo_children_[reply.pid] = -1;
      return;
    }
    sudo_clients_[fd] = reply.pid;
    sudo_children_[reply.pid] = fd;
  }

  // A signal to relay, or the sudo went away (then its command goes too).
  void sudo_client_said(int fd) {
    const pid_t pid = sudo_clients_.at(fd);
    std::vector<int> fds;
    const auto message = init::recv_framed(fd, fds);
    for (const int f : fds) ::close(f);
    if (message && message->type == init::Type::signal) {
      if (::kill(-pid, message->value) != 0) ::kill(pid, message->value);
      return;
    }
    if (message) return;
    ::kill(-pid, SIGKILL);
    ::close(fd);
    sudo_clients_.erase(fd);
    sudo_children_[pid] = -1;
  }

  init::Message spawn(const init::Spawn& request, const std::vector<int>& stdio) {
    int status[2];
    if (::pipe2(status, O_CLOEXEC) != 0) return {.type = init::Type::spawn_failed, .value = errno, .text = "pipe"};
    const pid_t pid = ::fork();
    if (pid < 0) {
      const int err = errno;
      ::close(status[0]);
      ::close(status[1]);
      return {.type = init::Type::spawn_failed, .value = err, .text = "fork"};
    }
    if (pid == 0) exec_child(request, stdio, status[1]);
    ::close(status[1]);
    struct Failure {
      int err;
      char stage[64];
    } failure{};
    ssize_t n;
    do {
      n = ::read(status[0], &failure, sizeof failure);
    } while (n < 0 && errno == EINTR);
    ::close(status[0]);
    if (n > 0) {
      int ignored;
      ::waitpid(pid, &ignored, 0);
      failure.stage[sizeof failure.stage - 1] = '\0';
      return {.type = init::Type::spawn_failed, .value = failure.err, .text = failure.stage};
    }
    return {.type = init::Type::spawned, .pid = pid};
  }

  // In the child: becomes the command, or reports why it could not.
  [[noreturn]] void exec_child(const init::Spawn& request, const std::vector<int>& stdio, int status_fd) {
    const auto fail = [&status_fd](const char* stage) {
      struct {
        int err;
        char stage[64];
      } failure{};
      failure.err = errno;
      std::snprintf(failure.stage, sizeof failure.stage, "%s", stage);
      (void)!::write(status_fd, &failure, sizeof failure);
      _exit(127);
    };
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    ::setsid();  // its own session and process group, so a group signal reaches its children
    if (request.pty && ::ioctl(stdio[0], TIOCSCTTY, 0) != 0) fail("TIOCSCTTY");  // the terminal becomes its own
    const int in = ::fcntl(stdio[0], F_DUPFD, 10);
    const int out = ::fcntl(stdio[1], F_DUPFD, 10);
    const int err = ::fcntl(stdio[2], F_DUPFD, 10);
    const int st = ::fcntl(status_fd, F_DUPFD_CLOEXEC, 10);
    if (in < 0 || out < 0 || err < 0 || st < 0) fail("dup");
    status_fd = st;
    if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 || ::dup3(st, 3, O_CLOEXEC) < 0) fail("dup2");
    status_fd = 3;
    ::close_range(4, ~0U, 0);
    if (::geteuid() == 0) write_file("/proc/self/oom_score_adj", "0");
    if (request.rlimit_as != 0) {
      const rlimit limit{request.rlimit_as, request.rlimit_as};
      if (::setrlimit(RLIMIT_AS, &limit) != 0) fail("setrlimit(RLIMIT_AS)");
    }
    if (request.rlimit_nproc != 0) {
      const rlimit limit{request.rlimit_nproc, request.rlimit_nproc};
      if (::setrlimit(RLIMIT_NPROC, &limit) != 0) fail("setrlimit(RLIMIT_NPROC)");
    }
    switch (request.identity) {
      case init::Identity::switch_user: {
        const gid_t groups[] = {request.gid};
        if (::setgroups(1, groups) != 0) fail("setgroups");
        if (::setgid(request.gid) != 0) fail("setgid");
        if (::setuid(request.uid) != 0) fail("setuid");
        break;
      }
      case init::Identity::mapped_root: {
        const std::string own_uid = std::to_string(::getuid());
        const std::string own_gid = std::to_string(::getgid());
        if (::unshare(CLONE_NEWUSER) != 0) fail("unshare(CLONE_NEWUSER)");
        if (!write_file("/proc/self/setgroups", "deny") || !write_file("/proc/self/uid_map", "0 " + own_uid + " 1") ||
            !write_file("/proc/self/gid_map", "0 " + own_gid + " 1")) {
          fail("mapping root");
        }
        break;
      }
      case init::Identity::keep:
        break;
    }
    if (::chdir(request.cwd.c_str()) != 0) fail("chdir");
    std::vector<char*> argv, envp;
    for (const auto& a : request.argv) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : request.env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    environ = envp.data();  // execvp looks argv[0] up on the command's own PATH
    ::execvp(argv[0], argv.data());
    fail("exec");
    _exit(127);
  }

  // Signal, Freeze, Thaw; false when the event socket is gone.
  bool handle_event() {
    bool closed = false;
    while (auto message = init::recv_packet(kEventFd, closed)) {
      switch (message->type) {
        case init::Type::signal:
          if (message->pid > 0 && ::kill(-message->pid, message->value) != 0) ::kill(message->pid, message->value);
          break;
        case init::Type::freeze:
          signal_everything(options_.isolated, SIGSTOP);
          break;
        case init::Type::thaw:
          signal_everything(options_.isolated, SIGCONT);
          break;
        default:
          break;
      }
    }
    return !closed;
  }

  // Reaps every child that ended; a command's end goes to the fake.
  void reap() {
    signalfd_siginfo info;
    while (::read(signal_fd_, &info, sizeof info) > 0) {
    }
    int status = 0;
    pid_t pid;
    while ((pid = ::waitpid(-1, &status, WNOHANG)) > 0) {
      if (commands_.erase(pid) != 0) {
        init::send_packet(kEventFd, {.type = init::Type::exited, .pid = pid, .value = status});
      }
      if (const auto it = sudo_children_.find(pid); it != sudo_children_.end()) {
        if (it->second >= 0) {
          init::send_framed(it->second, {.type = init::Type::exited, .pid = pid, .value = status});
          ::close(it->second);
          sudo_clients_.erase(it->second);
        }
        sudo_children_.erase(it);
      }
    }
  }

  void shut_down() {
    // Pid 1 leaving takes the whole namespace with it; on the host, what was
    // started here is killed and reaped first.
    if (options_.isolated) _exit(0);
    for (;;) {
      signal_everything(false, SIGKILL);
      int status;
      const pid_t pid = ::waitpid(-1, &status, 0);
      if (pid < 0 && errno == ECHILD) break;
    }
    _exit(0);
  }

  Options options_;
  int signal_fd_ = -1;
  std::set<pid_t> commands_;           // the fake's: their ends go to the fake
  int sudo_listen_ = -1;
  std::map<int, pid_t> sudo_clients_;  // a sudo's connection -> its command
  std::map<pid_t, int> sudo_children_;  // a sudo's command -> its connection (-1: it left)
};

}  // namespace

int main(int argc, char** argv) {
  const std::string self = argv[0];
  if (self == "sudo" || self.ends_with("/sudo")) return ppio_mock::exec::init::sudo_main(argc, argv);
  return Init(parse(argc, argv)).run();
}
