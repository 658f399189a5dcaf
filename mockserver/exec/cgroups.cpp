#include "mockserver/exec/cgroups.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <system_error>
#include <thread>

namespace ppio_mock::exec {

struct ResourceControl::Hierarchy {
  std::string dir;  // the fake's own directory in it
  bool v2 = false;
  std::set<std::string> controllers;  // memory, pids, freezer (v1), or those v2 hands to the fake's children
  bool v2_freeze = false;
};

namespace {

using Clock = std::chrono::steady_clock;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool write_text(const std::string& path, const std::string& text) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// A "key value" line of a cgroup file (memory.events, memory.oom_control, cgroup.events).
std::optional<std::uint64_t> keyed_value(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::string k;
  std::uint64_t v;
  while (lines >> k >> v) {
    if (k == key) return v;
  }
  return std::nullopt;
}

// Removes a directory; cgroup directories may stay busy for a moment after their last process.
void remove_dir(const std::string& path) {
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (::rmdir(path.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Removes the directories of fakes that died (ppio-mock-<pid>-<n> with no such process).
void remove_stale(const std::string& parent) {
  DIR* dir = ::opendir(parent.c_str());
  if (dir == nullptr) return;
  std::vector<std::string> stale;
  while (auto* e = ::readdir(dir)) {
    const std::string name = e->d_name;
    if (!name.starts_with("ppio-mock-")) continue;
    const int pid = std::atoi(name.c_str() + 10);
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH) stale.push_back(parent + "/" + name);
  }
  ::closedir(dir);
  for (const auto& path : stale) {
    if (DIR* sub = ::opendir(path.c_str())) {
      std::vector<std::string> children;
      while (auto* e = ::readdir(sub)) {
        if (e->d_type == DT_DIR && e->d_name[0] != '.') children.push_back(path + "/" + e->d_name);
      }
      ::closedir(sub);
      for (const auto& child : children) ::rmdir(child.c_str());
    }
    ::rmdir(path.c_str());
  }
}

struct Mount {
  std::string point;
  std::string root;  // of the hierarchy, as mounted here
  bool v2 = false;
  std::set<std::string> options;
};

std::vector<Mount> cgroup_mounts() {
  std::vector<Mount> out;
  std::ifstream in("/proc/self/mountinfo");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string id, parent, dev, root, point;
    f >> id >> parent >> dev >> root >> point;
    const auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream tail(line.substr(dash + 3));
    std::string type, source, super;
    tail >> type >> source >> super;
    if (type != "cgroup" && type != "cgroup2") continue;
    Mount m{point, root, type == "cgroup2", {}};
    std::istringstream opts(super);
    for (std::string o; std::getline(opts, o, ',');) m.options.insert(o);
    out.push_back(std::move(m));
  }
  return out;
}

// The fake's cgroup per v1 controller, and ("") in v2.
std::map<std::string, std::string> own_cgroups() {
  std::map<std::string, std::string> out;
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    const auto a = line.find(':');
    const auto b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    const std::string path = line.substr(b + 1);
    std::istringstream controllers(line.substr(a + 1, b - a - 1));
    if (b == a + 1) out[""] = path;
    for (std::string c; std::getline(controllers, c, ',');) out[c] = path;
  }
  return out;
}

// The fake's own cgroup directory as mounted at `m`, or "" when it is not visible there.
std::string own_dir(const Mount& m, const std::string& path) {
  if (m.root == "/") return m.point + (path == "/" ? "" : path);
  if (path == m.root) return m.point;
  if (path.starts_with(m.root + "/")) return m.point + path.substr(m.root.size());
  return {};
}

std::string next_name() {
  static std::atomic<int> counter{0};
  return "ppio-mock-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
}

const char* name_of(Mechanism m) {
  switch (m) {
    case Mechanism::cgroup_v2: return "cgroup v2";
    case Mechanism::cgroup_v1: return "cgroup v1";
    case Mechanism::fallback: return "";
  }
  return "";
}

}  // namespace

ResourceControl::ResourceControl(bool use_cgroups) {
  if (!use_cgroups) return;
  const auto own = own_cgroups();
  const std::string tag = next_name();
  for (const auto& m : cgroup_mounts()) {
    std::set<std::string> wanted;
    std::string path;
    if (m.v2) {
      if (!own.contains("")) continue;
      path = own.at("");
    } else {
      for (const char* c : {"memory", "pids", "freezer"}) {
        if (m.options.contains(c) && own.contains(c)) {
          wanted.insert(c);
          path = own.at(c);
        }
      }
      if (wanted.empty()) continue;
    }
    const std::string parent = own_dir(m, path);
    if (parent.empty()) continue;
    remove_stale(parent);
    auto h = std::make_unique<Hierarchy>();
    h->dir = parent + "/" + tag;
    h->v2 = m.v2;
    if (::mkdir(h->dir.c_str(), 0755) != 0) continue;
    if (m.v2) {
      h->v2_freeze = exists(h->dir + "/cgroup.freeze");
      // Controllers reach the fake's children only through its parent's subtree_control.
      for (const char* c : {"memory", "pids"}) {
        if (read_text(parent + "/cgroup.controllers").find(c) == std::string::npos) continue;
        write_text(parent + "/cgroup.subtree_control", std::string("+") + c);
        if (write_text(h->dir + "/cgroup.subtree_control", std::string("+") + c)) h->controllers.insert(c);
      }
    } else {
      h->controllers = wanted;
    }
    hierarchies_.push_back(std::move(h));
  }
  // v2 first: one directory can then do everything it can do.
  for (const bool v2 : {true, false}) {
    for (const auto& h : hierarchies_) {
      if (h->v2 != v2) continue;
      const Mechanism kind = v2 ? Mechanism::cgroup_v2 : Mechanism::cgroup_v1;
      if (!memory_h_ && h->controllers.contains("memory")) memory_h_ = h.get(), memory_ = kind;
      if (!processes_h_ && h->controllers.contains("pids")) processes_h_ = h.get(), processes_ = kind;
      const bool freezes = v2 ? h->v2_freeze : h->controllers.contains("freezer");
      if (!freezer_h_ && freezes) freezer_h_ = h.get(), freezer_ = kind;
    }
  }
  std::erase_if(hierarchies_, [&](const auto& h) {
    const bool used = h.get() == memory_h_ || h.get() == processes_h_ || h.get() == freezer_h_;
    if (!used) ::rmdir(h->dir.c_str());
    return !used;
  });
}

ResourceControl::~ResourceControl() {
  for (const auto& h : hierarchies_) remove_dir(h->dir);
}

std::string ResourceControl::describe(bool isolated) const {
  const auto where = [](Mechanism m, const char* fallback) {
    return m == Mechanism::fallback ? std::string(fallback) : std::string(name_of(m));
  };
  const char* nproc =
      isolated ? "RLIMIT_NPROC on uid 1000 (counted per uid, not per sandbox)" : "nothing (host executor)";
  return "memory by " + where(memory_, "RLIMIT_AS on each process (no memory cgroup here)") + ", processes by " +
         where(processes_, nproc) + ", pause by " +
         (freezer_ == Mechanism::fallback ? std::string("SIGSTOP to every process") : where(freezer_, "") + " freezer");
}

std::unique_ptr<SandboxCgroup> ResourceControl::create(const std::string& name, const SandboxLimits& limits) const {
  if (hierarchies_.empty()) return nullptr;
  std::unique_ptr<SandboxCgroup> cg(new SandboxCgroup());
  for (const auto& h : hierarchies_) {
    SandboxCgroup::Dir dir{h->dir + "/" + name, h->v2};
    if (::mkdir(dir.path.c_str(), 0755) != 0 && errno != EEXIST) {
      throw std::system_error(errno, std::generic_category(), "mkdir " + dir.path);
    }
    cg->dirs_.push_back(dir);
    if (h.get() == memory_h_ && limits.memory_bytes > 0) {
      const std::string bytes = std::to_string(limits.memory_bytes);
      const bool ok = h->v2 ? write_text(dir.path + "/memory.max", bytes)
                            : write_text(dir.path + "/memory.limit_in_bytes", bytes);
      if (!ok) throw std::system_error(errno, std::generic_category(), "memory limit in " + dir.path);
      // No swap beyond the limit, where swap is accounted.
      if (h->v2) write_text(dir.path + "/memory.swap.max", "0");
      else write_text(dir.path + "/memory.memsw.limit_in_bytes", bytes);
      cg->memory_ = dir;
    }
    if (h.get() == processes_h_ && limits.max_processes > 0 &&
        !write_text(dir.path + "/pids.max", std::to_string(limits.max_processes))) {
      throw std::system_error(errno, std::generic_category(), "pids limit in " + dir.path);
    }
    if (h.get() == freezer_h_) cg->freezer_ = dir;
  }
  return cg;
}

SandboxCgroup::~SandboxCgroup() {
  for (const auto& d : dirs_) remove_dir(d.path);
}

std::vector<int> SandboxCgroup::open_procs() const {
  std::vector<int> out;
  for (const auto& d : dirs_) {
    const int fd = ::open((d.path + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      for (const int f : out) ::close(f);
      throw std::system_error(errno, std::generic_category(), "open " + d.path + "/cgroup.procs");
    }
    out.push_back(fd);
  }
  return out;
}

bool SandboxCgroup::freeze() {
  if (!freezer_) return false;
  const auto until = Clock::now() + std::chrono::seconds(5);
  if (freezer_->v2) {
    write_text(freezer_->path + "/cgroup.freeze", "1");
    // cgroup.events says when every task has stopped; it wakes poll() with POLLPRI when it changes.
    const int fd = ::open((freezer_->path + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
    while (fd >= 0 && !frozen() && Clock::now() < until) {
      pollfd p{fd, POLLPRI, 0};
      ::poll(&p, 1, 50);
    }
    if (fd >= 0) ::close(fd);
    return true;
  }
  write_text(freezer_->path + "/freezer.state", "FROZEN");
  while (!frozen() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return true;
}

void SandboxCgroup::thaw() {
  if (!freezer_) return;
  if (freezer_->v2) write_text(freezer_->path + "/cgroup.freeze", "0");
  else write_text(freezer_->path + "/freezer.state", "THAWED");
}

bool SandboxCgroup::frozen() const {
  if (!freezer_) return false;
  if (freezer_->v2) return keyed_value(read_text(freezer_->path + "/cgroup.events"), "frozen") == 1u;
  return read_text(freezer_->path + "/freezer.state").starts_with("FROZEN");
}

std::optional<std::uint64_t> SandboxCgroup::oom_kills() const {
  if (!memory_) return std::nullopt;
  const auto text = read_text(memory_->path + (memory_->v2 ? "/memory.events" : "/memory.oom_control"));
  return keyed_value(text, "oom_kill").value_or(0);
}

std::vector<int> SandboxCgroup::pids() const {
  std::set<int> out;
  for (const auto& d : dirs_) {
    std::istringstream in(read_text(d.path + "/cgroup.procs"));
    for (int pid; in >> pid;) out.insert(pid);
  }
  return {out.begin(), out.end()};
}

void SandboxCgroup::kill_all() {
  bool killed = false;
  for (const auto& d : dirs_) {
    if (d.v2 && write_text(d.path + "/cgroup.kill", "1")) killed = true;
  }
  if (!killed) {
    for (const int pid : pids()) ::kill(pid, SIGKILL);
  }
  thaw();  // a frozen (v1) task dies only once it runs again
}

}  // namespace ppio_mock::exec
