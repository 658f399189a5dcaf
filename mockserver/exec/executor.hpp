#pragma once
// How a command really runs for a sandbox. `bwrap` isolates it with
// bubblewrap (the sandbox root as "/", host /usr and /etc read-only, no
// network, its own pid namespace); `host` is a plain subprocess whose cwd is
// inside the sandbox root and which isolates nothing.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "mockserver/exec/sandbox_fs.hpp"

namespace ppio_mock::exec {

// What to hand to posix_spawn.
struct LaunchSpec {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=value"
  std::string host_cwd;
};

struct CommandSpec {
  std::string cmd;
  std::vector<std::string> args;
  std::map<std::string, std::string> env;  // the sandbox's envVars merged with the call's envs
  std::string cwd;                         // a normalised sandbox path that is a directory
};

class Executor {
 public:
  virtual ~Executor() = default;
  virtual std::string name() const = 0;
  virtual LaunchSpec prepare(const SandboxFs& fs, const CommandSpec& command) const = 0;
};

std::unique_ptr<Executor> make_bwrap_executor(std::string bwrap_path = "/usr/bin/bwrap");
std::unique_ptr<Executor> make_host_executor();

// Runs a trivial command under bwrap with the flags the executor uses; false
// (with the reason) when bwrap is missing or not permitted here.
bool bwrap_works(const std::string& bwrap_path, std::string& why);

// "auto" (bwrap when it works, else host), "bwrap" or "host". Logs the choice to stderr.
std::unique_ptr<Executor> choose_executor(const std::string& requested);

}  // namespace ppio_mock::exec
