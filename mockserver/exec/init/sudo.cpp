#include "mockserver/exec/init/sudo.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "mockserver/exec/init_protocol.hpp"

extern char** environ;

namespace ppio_mock::exec::init {

namespace {

constexpr const char* kSecurePath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
// Signals a terminal or a supervisor sends; they go on to the command, as sudo relays them.
constexpr int kRelayed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT};

int signal_pipe[2] = {-1, -1};

void on_signal(int sig) {
  const unsigned char s = static_cast<unsigned char>(sig);
  (void)!::write(signal_pipe[1], &s, 1);
}

struct Request {
  std::string user = "root";
  bool preserve_env = false;
  bool login = false;  // -i
  bool shell = false;  // -s
  std::vector<std::string> command;
};

int usage(int status) {
  std::fprintf(status == 0 ? stdout : stderr,
               "usage: sudo [-n] [-E] [-H] [-u root|user] [-i | -s] [--] command [args]\n"
               "       sudo -k | -K | -v | -l | -V | -h\n");
  return status;
}

struct Target {
  std::string name;
  std::uint32_t uid;
  std::string home;
};

bool target_of(const std::string& name, Target& out) {
  if (name == "root" || name == "#0") {
    out = {"root", 0, "/root"};
    return true;
  }
  if (name == "user" || name == "#1000") {
    out = {"user", 1000, "/home/user"};
    return true;
  }
  return false;
}

std::vector<std::string> environment_for(const Request& r, const Target& t, const std::string& line) {
  std::vector<std::string> env;
  if (r.preserve_env) {
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  } else {
    // env_reset: what describes the terminal and the locale stays; the rest is the target's.
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string kv = *e;
      for (const char* keep : {"TERM=", "COLORTERM=", "DISPLAY=", "LANG=", "LANGUAGE=", "LC_"}) {
        if (kv.starts_with(keep)) env.push_back(kv);
      }
    }
    env.push_back(std::string("PATH=") + kSecurePath);
  }
  const auto set = [&](const std::string& key, const std::string& value) {
    std::erase_if(env, [&](const std::string& kv) { return kv.starts_with(key + "="); });
    env.push_back(key + "=" + value);
  };
  set("HOME", t.home);
  set("USER", t.name);
  set("LOGNAME", t.name);
  set("SHELL", "/bin/bash");
  const passwd* self = ::getpwuid(::getuid());
  set("SUDO_USER", self != nullptr ? self->pw_name : std::to_string(::getuid()));
  set("SUDO_UID", std::to_string(::getuid()));
  set("SUDO_GID", std::to_string(::getgid()));
  set("SUDO_COMMAND", line);
  return env;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Quoted for `sh -c`, as sudo -s/-i hands a command to the shell.
std::string shell_quoted(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) {
    std::string q = "'";
    for (const char c : w) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    out += (out.empty() ? "" : " ") + q + "'";
  }
  return out;
}

// Ends as the command ended: its exit code, or the same signal.
[[noreturn]] void end_like(int status) {
  if (WIFSIGNALED(status)) {
    ::signal(WTERMSIG(status), SIG_DFL);
    ::raise(WTERMSIG(status));
    std::_Exit(128 + WTERMSIG(status));
  }
  std::_Exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}

int run(const Request& r) {
  Target t;
  if (!target_of(r.user, t)) {
    std::fprintf(stderr, "sudo: unknown user %s\n", r.user.c_str());
    return 1;
  }
  std::vector<std::string> argv;
  if (r.login || r.shell) {
    argv = {"/bin/bash"};
    if (r.login) argv.push_back("-l");
    if (!r.command.empty()) argv.insert(argv.end(), {"-c", shell_quoted(r.command)});
  } else {
    argv = r.command;
  }
  char cwd[4096];
  const std::string dir = r.login ? t.home : (::getcwd(cwd, sizeof cwd) != nullptr ? cwd : "/");

  const int sock = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr;
  const socklen_t len = sudo_address(addr);
  if (sock < 0 || ::connect(sock, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    std::fprintf(stderr, "sudo: the sandbox's init does not answer\n");
    return 1;
  }
  Message request{.type = Type::spawn};
  request.spawn = {argv, environment_for(r, t, joined(argv)), dir, Identity::switch_user, t.uid, t.uid, 0, 0};
  std::vector<int> fds;
  if (!send_framed(sock, request, {0, 1, 2})) {
    std::fprintf(stderr, "sudo: the sandbox's init does not answer\n");
    return 1;
  }
  const auto reply = recv_framed(sock, fds);
  for (const int fd : fds) ::close(fd);
  if (!reply || reply->type == Type::spawn_failed) {
    const int err = reply ? reply->value : EIO;
    if (err == ENOENT) std::fprintf(stderr, "sudo: %s: command not found\n", argv[0].c_str());
    else std::fprintf(stderr, "sudo: unable to execute %s: %s\n", argv[0].c_str(), std::strerror(err));
    return 1;
  }
  const pid_t pid = reply->pid;

  if (::pipe2(signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
  for (const int sig : kRelayed) {
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    ::sigaction(sig, &sa, nullptr);
  }
  for (;;) {
    pollfd p[] = {{sock, POLLIN, 0}, {signal_pipe[0], POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) continue;
    if (p[1].revents != 0) {
      unsigned char sig;
      while (::read(signal_pipe[0], &sig, 1) == 1) send_framed(sock, {.type = Type::signal, .pid = pid, .value = sig});
    }
    if (p[0].revents != 0) {
      const auto message = recv_framed(sock, fds);
      if (!message) return 1;  // the init went away: the command went with it
      if (message->type == Type::exited) end_like(message->value);
    }
  }
}

}  // namespace

int sudo_main(int argc, char** argv) {
  Request r;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--") {
      ++i;
      break;
    }
    if (a.empty() || a[0] != '-') break;
    if (a == "-u" || a == "--user") {
      if (++i >= argc) return usage(1);
      r.user = argv[i];
    } else if (a.starts_with("-u") && a.size() > 2) {
      r.user = a.substr(2);
    } else if (a == "-E" || a == "--preserve-env") {
      r.preserve_env = true;
    } else if (a == "-i" || a == "--login") {
      r.login = true;
    } else if (a == "-s" || a == "--shell") {
      r.shell = true;
    } else if (a == "-n" || a == "--non-interactive" || a == "-H" || a == "--set-home" || a == "-S" ||
               a == "--stdin") {
      // No password is ever asked, and HOME is always the target's.
    } else if (a == "-k" || a == "-K" || a == "-v" || a == "--reset-timestamp" || a == "--remove-timestamp" ||
               a == "--validate") {
      return 0;  // nothing is cached, so nothing to refresh or forget
    } else if (a == "-l" || a == "--list") {
      std::printf("User user may run the following commands:\n    (ALL : ALL) NOPASSWD: ALL\n");
      return 0;
    } else if (a == "-V" || a == "--version") {
      std::printf("Sudo of the ppio-mock sandbox (asks the sandbox's init)\n");
      return 0;
    } else if (a == "-h" || a == "--help") {
      return usage(0);
    } else {
      std::fprintf(stderr, "sudo: unknown option '%s'\n", a.c_str());
      return usage(1);
    }
  }
  for (; i < argc; ++i) r.command.emplace_back(argv[i]);
  if (r.command.empty() && !r.login && !r.shell) return usage(1);
  return run(r);
}

}  // namespace ppio_mock::exec::init
