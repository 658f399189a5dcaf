#include "mockserver/exec/executor.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <iostream>
#include <stdexcept>

extern char** environ;

namespace ppio_mock::exec {

namespace {

std::vector<std::string> env_list(const SandboxFs& fs, const CommandSpec& command, const std::string& home) {
  std::map<std::string, std::string> env = {
      {"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
      {"HOME", home},
      {"USER", kDefaultUser},
      {"LOGNAME", kDefaultUser},
      {"LANG", "C.UTF-8"},
  };
  (void)fs;
  for (const auto& [k, v] : command.env) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

class BwrapExecutor final : public Executor {
 public:
  explicit BwrapExecutor(std::string path) : path_(std::move(path)) {}
  std::string name() const override { return "bwrap"; }

  LaunchSpec prepare(const SandboxFs& fs, const CommandSpec& command) const override {
    LaunchSpec spec;
    spec.argv = {path_,     "--bind",   fs.host_root(), "/",      "--ro-bind",     "/usr",         "/usr",
                 "--ro-bind", "/etc",   "/etc",         "--proc", "/proc",         "--dev",        "/dev",
                 // No --tmpfs /tmp: the sandbox's own /tmp persists, so a file uploaded there is one a command sees.
                 "--unshare-net", "--unshare-pid", "--die-with-parent", "--chdir", command.cwd,
                 "--",      command.cmd};
    spec.argv.insert(spec.argv.end(), command.args.begin(), command.args.end());
    spec.env = env_list(fs, command, kHomeDir);
    spec.host_cwd = fs.host_root();
    return spec;
  }

 private:
  std::string path_;
};

class HostExecutor final : public Executor {
 public:
  std::string name() const override { return "host"; }

  LaunchSpec prepare(const SandboxFs& fs, const CommandSpec& command) const override {
    LaunchSpec spec;
    spec.argv = {command.cmd};
    spec.argv.insert(spec.argv.end(), command.args.begin(), command.args.end());
    spec.env = env_list(fs, command, fs.host_root() + kHomeDir);
    spec.host_cwd = fs.host_dir(command.cwd);
    return spec;
  }
};

}  // namespace

std::unique_ptr<Executor> make_bwrap_executor(std::string bwrap_path) {
  return std::make_unique<BwrapExecutor>(std::move(bwrap_path));
}

std::unique_ptr<Executor> make_host_executor() { return std::make_unique<HostExecutor>(); }

bool bwrap_works(const std::string& bwrap_path, std::string& why) {
  if (::access(bwrap_path.c_str(), X_OK) != 0) {
    why = bwrap_path + " is not installed";
    return false;
  }
  std::vector<std::string> args = {bwrap_path, "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin",
                                   "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
                                   "--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
                                   "--unshare-net", "--unshare-pid", "--die-with-parent", "true"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, bwrap_path.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    why = "cannot start " + bwrap_path;
    return false;
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  why = bwrap_path + " cannot create namespaces here (user namespaces or mounts not permitted)";
  return false;
}

std::unique_ptr<Executor> choose_executor(const std::string& requested) {
  if (requested == "host") {
    std::cerr << "ppio-mock: executor host (as requested): commands run as plain subprocesses, NOT isolated\n";
    return make_host_executor();
  }
  if (requested != "auto" && requested != "bwrap") throw std::invalid_argument("unknown executor '" + requested + "'");
  std::string why;
  if (bwrap_works("/usr/bin/bwrap", why)) {
    std::cerr << "ppio-mock: executor bwrap: commands run isolated under bubblewrap\n";
    return make_bwrap_executor();
  }
  if (requested == "bwrap") throw std::runtime_error("executor bwrap requested but " + why);
  std::cerr << "ppio-mock: executor host: " << why
            << "; commands run as plain subprocesses, NOT isolated\n";
  return make_host_executor();
}

}  // namespace ppio_mock::exec
