#pragma once
// How this machine lets the fake limit, freeze and count a sandbox, found once
// per fake, and each sandbox's own cgroups.
//
// Each need takes the first mechanism that works below the fake's own cgroups:
//   memory     cgroup v2 memory.max, cgroup v1 memory.limit_in_bytes, else RLIMIT_AS per process
//   processes  cgroup v2 pids.max, cgroup v1 pids.max, else RLIMIT_NPROC per uid
//   pause      cgroup v2 cgroup.freeze, cgroup v1 freezer.state, else SIGSTOP to every process
// A hierarchy is usable when the fake can make a directory in its own cgroup
// there (root usually can; v2 controllers also need the parent to hand them
// down, which a cgroup holding processes, other than the root, cannot).
// The fake's directories are ppio-mock-<pid>-<n>; one left by a fake that died
// is removed by the next one.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ppio_mock::exec {

struct SandboxLimits {
  std::uint64_t memory_bytes = 0;   // 0: none
  std::uint32_t max_processes = 0;  // 0: none
};

enum class Mechanism { cgroup_v2, cgroup_v1, fallback };

class SandboxCgroup;

class ResourceControl {
 public:
  // Probes the cgroup hierarchies mounted here; `use_cgroups` false skips them (fallbacks only).
  explicit ResourceControl(bool use_cgroups = true);
  ~ResourceControl();  // removes its directories
  ResourceControl(const ResourceControl&) = delete;
  ResourceControl& operator=(const ResourceControl&) = delete;

  Mechanism memory() const { return memory_; }
  Mechanism processes() const { return processes_; }
  Mechanism freezer() const { return freezer_; }
  // One line for the log at start: which mechanism does what (`isolated`: the
  // bwrap executor, where RLIMIT_NPROC can stand in for a pids cgroup).
  std::string describe(bool isolated) const;

  // The sandbox's cgroups with `limits` set; null when no hierarchy is in use.
  // Throws std::system_error when one cannot be made.
  std::unique_ptr<SandboxCgroup> create(const std::string& name, const SandboxLimits& limits) const;

  struct Hierarchy;

 private:
  std::vector<std::unique_ptr<Hierarchy>> hierarchies_;
  const Hierarchy* memory_h_ = nullptr;
  const Hierarchy* processes_h_ = nullptr;
  const Hierarchy* freezer_h_ = nullptr;
  Mechanism memory_ = Mechanism::fallback;
  Mechanism processes_ = Mechanism::fallback;
  Mechanism freezer_ = Mechanism::fallback;
};

// One sandbox's directories, one per hierarchy in use. Removed when destroyed
// (its processes must be gone by then).
class SandboxCgroup {
 public:
  ~SandboxCgroup();
  SandboxCgroup(const SandboxCgroup&) = delete;
  SandboxCgroup& operator=(const SandboxCgroup&) = delete;

  // cgroup.procs of each directory, open for writing: the init joins them all.
  std::vector<int> open_procs() const;
  // False when the freezer is not a cgroup here (the init stops processes instead).
  bool freeze();
  void thaw();
  bool frozen() const;
  // How many processes the memory limit's OOM killer has killed; nullopt without a memory cgroup.
  std::optional<std::uint64_t> oom_kills() const;
  // SIGKILLs every process in it (cgroup.kill, or each listed pid); it is thawed too.
  void kill_all();
  // Host pids of the processes in it.
  std::vector<int> pids() const;

 private:
  friend class ResourceControl;
  SandboxCgroup() = default;
  struct Dir {
    std::string path;
    bool v2 = false;
  };
  std::vector<Dir> dirs_;
  std::optional<Dir> memory_;
  std::optional<Dir> freezer_;
};

}  // namespace ppio_mock::exec
