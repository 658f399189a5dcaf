#pragma once
// How a sandbox's environment is isolated, and how one command is described
// to the environment's init (ppio-sandbox-init, which forks it).
//
// `bwrap`: the init runs as pid 1 under bubblewrap, in the sandbox's own
// mount, pid, network, IPC and UTS namespaces: the sandbox root as "/", the
// host's /usr read-only, the sandbox's own /etc over the host's (the init
// lays them as an overlay), /proc, a minimal /dev, a fresh /run, loopback up
// and no other network. Commands run as `user` (uid 1000) or root, each a
// fork of the init. When the fake is not root, one uid is all there is: the
// host's /etc is read-only with the sandbox's own files bound over it.
// `host`: the init is a plain child of the fake; commands run as the fake's
// own user, with their cwd inside the sandbox root, and nothing is isolated.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mockserver/exec/init_protocol.hpp"
#include "mockserver/exec/sandbox_fs.hpp"
#include "mockserver/exec/users.hpp"

namespace ppio_mock::exec {

// One command, as the init is asked to start it.
struct LaunchSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=value"
  std::string cwd;               // as the init sees it: the sandbox path (bwrap) or the host path (host)
  init::Identity identity = init::Identity::keep;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
};

struct CommandSpec {
  std::string cmd;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // the sandbox's envVars merged with the call's envs
  std::string cwd;                         // a normalised sandbox path that is a directory
  SandboxUser user = default_user();
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  virtual bool isolates() const = 0;
  // The argv that runs `program` in this executor's isolation of `fs`, with
  // fds 3 and up left open for it: bubblewrap around it, or `program` alone.
  virtual std::vector<std::string> isolate(const SandboxFs& fs, const std::vector<std::string>& program) const = 0;
  // The init's own path, as `isolate`'s program sees it, and what it is told to set up.
  virtual std::string init_path() const = 0;
  virtual std::vector<std::string> init_args() const = 0;
  // Where the spawned `isolate` argv runs on the host.
  virtual std::string host_cwd(const SandboxFs& fs) const = 0;
  virtual LaunchSpec prepare(const SandboxFs& fs, const CommandSpec& command) const = 0;
};

// `init_path`: the ppio-sandbox-init program on the host (default: find_init()).
std::unique_ptr<Executor> make_bwrap_executor(std::string bwrap_path = "/usr/bin/bwrap", std::string init_path = "");
std::unique_ptr<Executor> make_host_executor(std::string init_path = "");

// ppio-sandbox-init next to the running program (a build tree), else at
// <prefix>/libexec/ppio-mock/ from its <prefix>/bin (an install), else where
// the build put it; "" when none is there.
std::string find_init();

// Runs `true` in the namespaces and mounts the executor uses; false (with the
// reason) when bwrap is missing or not permitted here.
bool bwrap_works(const std::string& bwrap_path, std::string& why);

// "auto" (bwrap when it works, else host), "bwrap" or "host". Logs the choice to stderr.
std::unique_ptr<Executor> choose_executor(const std::string& requested);

}  // namespace ppio_mock::exec
