#include "mockserver/exec/executor.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <mutex>
#include <stdexcept>

#include "mockserver/exec/sandbox_root.hpp"

extern char** environ;

namespace ppio_mock::exec {

namespace {

// Where bubblewrap shows the init inside the environment (on its own tmpfs /run),
// and the host's /etc for the init to lay the sandbox's own under.
constexpr const char* kInitInside = "/run/ppio-sandbox-init";
constexpr const char* kHostEtcInside = "/run/host-etc";
// The sandbox's own files in /etc (sandbox_root.cpp writes them).
constexpr const char* kOwnEtcFiles[] = {"passwd", "group", "shadow", "hosts", "hostname", "sudoers"};

bool privileged() { return ::geteuid() == 0; }

std::vector<std::string> env_list(const CommandSpec& command, const std::string& home) {
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
      {"HOME", home},
      {"USER", command.user.name},
      {"LOGNAME", command.user.name},
      {"LANG", "C.UTF-8"},
  };
  for (const auto& [k, v] : command.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::string or_default_init(std::string path) { return path.empty() ? find_init() : path; }

class BwrapExecutor final : public Executor {
 public:
  BwrapExecutor(std::string bwrap, std::string init) : bwrap_(std::move(bwrap)), init_(std::move(init)) {}
  std::string name() const override { return "bwrap"; }
  bool isolates() const override { return true; }
  std::string init_path() const override { return kInitInside; }
  std::vector<std::string> init_args() const override {
    if (privileged()) return {"--isolated", "--etc-overlay", kHostEtcInside};
    return {"--isolated"};
  }
  std::string host_cwd(const SandboxFs& fs) const override { return fs.host_root(); }

  std::vector<std::string> isolate(const SandboxFs& fs, const std::vector<std::string>& program) const override {
    std::vector<std::string> argv = {
        bwrap_, "--bind", fs.host_root(), "/",  // its own /etc and /tmp are in its root
        "--ro-bind", "/usr", "/usr",
        "--proc", "/proc",
        // What root inside could otherwise change for the whole host (bubblewrap covers /proc/irq and /proc/bus).
        "--ro-bind-try", "/proc/sys", "/proc/sys",
        "--ro-bind-try", "/proc/sysrq-trigger", "/proc/sysrq-trigger",
        "--ro-bind-try", "/proc/fs", "/proc/fs",
        "--dev", "/dev",
        "--tmpfs", "/run",
        "--ro-bind", init_, kInitInside,
        "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--hostname", kSandboxHostname};
    if (privileged()) {
      for (const char* a : {"--ro-bind", "/etc", kHostEtcInside}) argv.push_back(a);
      if (::access("/usr/bin/sudo", X_OK) == 0) {
        // bubblewrap's no_new_privs stops every setuid program: the init is the sandbox's sudo.
        for (const char* a : {"--ro-bind", init_.c_str(), "/usr/bin/sudo"}) argv.push_back(a);
      }
    } else {
      // Without root no overlay can be laid: the host's /etc, with the sandbox's own files bound over it.
      for (const char* a : {"--ro-bind", "/etc", "/etc"}) argv.push_back(a);
      for (const char* name : kOwnEtcFiles) {
        const std::string target = std::string("/etc/") + name;
        if (::access(target.c_str(), F_OK) != 0) continue;  // nothing to bind over in a read-only /etc
        for (const std::string& a : {std::string("--bind-try"), fs.host_root() + target, target}) argv.push_back(a);
      }
      // One uid is all an unprivileged user namespace maps: it is the sandbox's `user`.
      for (const char* a : {"--unshare-user", "--uid", "1000", "--gid", "1000"}) argv.push_back(a);
    }
    for (const char* a : {"--die-with-parent", "--as-pid-1", "--chdir", "/", "--"}) argv.push_back(a);
    argv.insert(argv.end(), program.begin(), program.end());
    return argv;
  }

  LaunchSpec prepare(const SandboxFs&, const CommandSpec& command) const override {
    LaunchSpec spec;
    spec.argv = {command.cmd};
    spec.argv.insert(spec.argv.end(), command.args.begin(), command.args.end());
    spec.env = env_list(command, command.user.home);
    spec.cwd = command.cwd;
    spec.uid = command.user.uid;
    spec.gid = command.user.gid;
    if (privileged()) {
      spec.identity = init::Identity::switch_user;
    } else {
      spec.identity = command.user.uid == 0 ? init::Identity::mapped_root : init::Identity::keep;
    }
    return spec;
  }

 private:
  std::string bwrap_;
  std::string init_;
};

class HostExecutor final : public Executor {
 public:
  explicit HostExecutor(std::string init) : init_(std::move(init)) {}
  std::string name() const override { return "host"; }
  bool isolates() const override { return false; }
  std::string init_path() const override { return init_; }
  std::vector<std::string> init_args() const override { return {}; }
  std::string host_cwd(const SandboxFs& fs) const override { return fs.host_root(); }
  std::vector<std::string> isolate(const SandboxFs&, const std::vector<std::string>& program) const override {
    return program;
  }

  LaunchSpec prepare(const SandboxFs& fs, const CommandSpec& command) const override {
    LaunchSpec spec;
    spec.argv = {command.cmd};
    spec.argv.insert(spec.argv.end(), command.args.begin(), command.args.end());
    spec.env = env_list(command, fs.host_root() + command.user.home);
    spec.cwd = fs.host_dir(command.cwd);
    spec.identity = init::Identity::keep;  // the fake's own user: nothing is isolated here
    return spec;
  }

 private:
  std::string init_;
};

bool executable(const std::string& path) { return !path.empty() && ::access(path.c_str(), X_OK) == 0; }

}  // namespace

std::string find_init() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto beside = (self.parent_path() / "ppio-sandbox-init").string();
    if (executable(beside)) return beside;
#ifdef PPIO_INIT_FROM_BINDIR
    const auto installed = (self.parent_path() / PPIO_INIT_FROM_BINDIR).lexically_normal().string();
    if (executable(installed)) return installed;
#endif
  }
#ifdef PPIO_SANDBOX_INIT
  if (executable(PPIO_SANDBOX_INIT)) return PPIO_SANDBOX_INIT;
#endif
  return {};
}

std::unique_ptr<Executor> make_bwrap_executor(std::string bwrap_path, std::string init_path) {
  return std::make_unique<BwrapExecutor>(std::move(bwrap_path), or_default_init(std::move(init_path)));
}

std::unique_ptr<Executor> make_host_executor(std::string init_path) {
  return std::make_unique<HostExecutor>(or_default_init(std::move(init_path)));
}

namespace {

bool probe_bwrap(const std::string& bwrap_path, std::string& why) {
  if (::access(bwrap_path.c_str(), X_OK) != 0) {
    why = bwrap_path + " is not installed";
    return false;
  }
  const std::string init = find_init();
  if (init.empty()) {
    why = "ppio-sandbox-init is not built";
    return false;
  }
  std::string scratch = (std::filesystem::temp_directory_path() / "ppio-bwrap-check-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) {
    why = "cannot make a scratch directory";
    return false;
  }
  int status = -1;
  int rc = 0;
  {
    SandboxFs fs(scratch);
    auto args = BwrapExecutor(bwrap_path, init).isolate(fs, {"/usr/bin/true"});
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    pid_t pid = 0;
    rc = posix_spawn(&pid, bwrap_path.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc == 0) {
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  remove_tree(scratch);
  if (rc != 0) {
    why = "cannot start " + bwrap_path;
    return false;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  why = bwrap_path + " cannot create namespaces here (user namespaces or mounts not permitted)";
  return false;
}

}  // namespace

bool bwrap_works(const std::string& bwrap_path, std::string& why) {
  // The machine does not change under a running fake: asked once per program and path.
  static std::mutex mutex;
  static std::map<std::string, std::pair<bool, std::string>> answers;
  std::lock_guard lock(mutex);
  auto it = answers.find(bwrap_path);
  if (it == answers.end()) {
    std::string reason;
    const bool works = probe_bwrap(bwrap_path, reason);
    it = answers.emplace(bwrap_path, std::make_pair(works, reason)).first;
  }
  why = it->second.second;
  return it->second.first;
}

std::unique_ptr<Executor> choose_executor(const std::string& requested) {
  if (requested != "auto" && requested != "bwrap" && requested != "host") {
    throw std::invalid_argument("unknown executor '" + requested + "'");
  }
  const std::string init = find_init();
  if (init.empty()) {
    throw std::runtime_error("ppio-sandbox-init not found next to the program, in its install's libexec/ppio-mock/ "
                             "or in the build");
  }
  std::cerr << "ppio-mock: each sandbox's init is " << init << "\n";
  if (requested == "host") {
    std::cerr << "ppio-mock: executor host (as requested): commands run as plain subprocesses of one init per "
                 "sandbox, as the fake's own user, NOT isolated\n";
    return make_host_executor();
  }
  std::string why;
  if (bwrap_works("/usr/bin/bwrap", why)) {
    std::cerr << "ppio-mock: executor bwrap: each sandbox is one environment under bubblewrap (its own mount, pid, "
                 "network, IPC and UTS namespaces), its commands forked by its init, as "
              << (privileged() ? "user (uid 1000) or root"
                               : "user only (the fake is not root: root is user's uid mapped as 0, "
                                 "files are all user's)")
              << "\n";
    return make_bwrap_executor();
  }
  if (requested == "bwrap") throw std::runtime_error("executor bwrap requested but " + why);
  std::cerr << "ppio-mock: executor host: " << why
            << "; commands run as plain subprocesses, NOT isolated\n";
  return make_host_executor();
}

}  // namespace ppio_mock::exec
