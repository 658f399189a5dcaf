#include "mockserver/exec/watch_table.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <optional>
#include <random>

#include "mockserver/exec/fd.hpp"
#include "mockserver/exec/sandbox_fs.hpp"

namespace ppio_mock::exec {

namespace envd = ppio_sandbox::core::envd;
using ppio_sandbox::core::connect::Code;

namespace {

// What envd reports (fsnotify's Create, Write, Remove, Rename and Chmod).
constexpr std::uint32_t kMask = IN_CREATE | IN_MOVED_TO | IN_MODIFY | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB | IN_ONLYDIR;
// A watcher nobody drains keeps at most this many events; later ones are dropped.
constexpr std::size_t kMaxPending = 10000;

std::string join(const std::string& rel, const char* name) { return rel.empty() ? name : rel + "/" + name; }

// `rel` beneath `root_fd`, refusing any symlink on the way: a command cannot
// swap a subdirectory for a link and have the watch follow it out.
int open_beneath(int root_fd, const std::string& rel) {
  if (rel.empty()) return ::fcntl(root_fd, F_DUPFD_CLOEXEC, 0);
  struct open_how how {};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, root_fd, rel.c_str(), &how, sizeof how));
}

std::optional<envd::EventType> event_type(std::uint32_t mask) {
  if ((mask & (IN_CREATE | IN_MOVED_TO)) != 0) return envd::EventType::create;
  if ((mask & IN_MODIFY) != 0) return envd::EventType::write;
  if ((mask & IN_DELETE) != 0) return envd::EventType::remove;
  if ((mask & IN_MOVED_FROM) != 0) return envd::EventType::rename;
  if ((mask & IN_ATTRIB) != 0) return envd::EventType::chmod;
  return std::nullopt;
}

std::string new_watcher_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  char id[40];
  std::snprintf(id, sizeof id, "%016llx%016llx", static_cast<unsigned long long>(rng()),
                static_cast<unsigned long long>(rng()));
  return id;
}

FsError unknown_watcher(const std::string& id) { return {Code::not_found, "watcher with id '" + id + "' not found"}; }

}  // namespace

// ---- Watcher ----

bool Watcher::wait(std::vector<FilesystemEvent>& out, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  cv_.wait_for(lock, timeout, [&] { return !events_.empty() || closed_; });
  for (auto& event : events_) out.push_back(std::move(event));
  events_.clear();
  return closed_;
}

std::vector<FilesystemEvent> Watcher::drain() {
  std::vector<FilesystemEvent> out;
  wait(out, std::chrono::milliseconds(0));
  return out;
}

void Watcher::push(FilesystemEvent event) {
  {
    std::lock_guard lock(mutex_);
    if (closed_ || events_.size() >= kMaxPending) return;
    events_.push_back(std::move(event));
  }
  cv_.notify_all();
}

void Watcher::close(bool dropped) {
  {
    std::lock_guard lock(mutex_);
    if (!closed_) dropped_ = dropped;
    closed_ = true;
  }
  cv_.notify_all();
}

bool Watcher::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

// ---- WatchTable ----

WatchTable::WatchTable() {
  if (::pipe2(wake_pipe_, O_CLOEXEC | O_NONBLOCK) != 0) throw std::runtime_error("pipe2 failed");
  // Without inotify the fake still serves everything else; watch() then says so.
  inotify_fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  io_thread_ = std::thread([this] { run(); });
}

WatchTable::~WatchTable() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    while (!active_.empty()) stop_locked(active_.back());
    by_id_.clear();
  }
  wake();
  io_thread_.join();
  close_fd(inotify_fd_);
  close_fd(wake_pipe_[0]);
  close_fd(wake_pipe_[1]);
}

void WatchTable::wake() {
  const char c = 1;
  (void)!::write(wake_pipe_[1], &c, 1);  // a full pipe already means "wake up"
}

std::shared_ptr<Watcher> WatchTable::watch(Watcher::Request request, int dir_fd) {
  auto w = std::make_shared<Watcher>(std::move(request));
  w->root_fd_ = dir_fd;
  if (inotify_fd_ < 0) {
    close_fd(w->root_fd_);
    throw FsError(Code::internal, "cannot watch: inotify is not available");
  }
  std::lock_guard lock(mutex_);
  add_tree(*w, "");
  active_.push_back(w);
  return w;
}

void WatchTable::stop(const std::shared_ptr<Watcher>& watcher) {
  std::lock_guard lock(mutex_);
  stop_locked(watcher);
}

void WatchTable::stop_locked(const std::shared_ptr<Watcher>& watcher, bool dropped) {
  std::erase(active_, watcher);
  for (const int wd : watcher->watches_) {
    const auto it = watches_.find(wd);
    if (it == watches_.end()) continue;
    std::erase_if(it->second, [&](const WatchUser& u) { return u.watcher == watcher.get(); });
    if (it->second.empty()) {
      // The last user: the kernel's watch goes (its IN_IGNORED then finds nobody).
      ::inotify_rm_watch(inotify_fd_, wd);
      watches_.erase(it);
    }
  }
  watcher->watches_.clear();
  close_fd(watcher->root_fd_);
  watcher->close(dropped);
}

// The kernel dropped the watch (its directory went, or it was removed): nobody uses it now.
void WatchTable::forget_watch(int wd) {
  const auto it = watches_.find(wd);
  if (it == watches_.end()) return;
  for (const auto& user : it->second) user.watcher->watches_.erase(wd);
  watches_.erase(it);
}

std::string WatchTable::create(Watcher::Request request, int dir_fd) {
  auto w = watch(std::move(request), dir_fd);
  std::lock_guard lock(mutex_);
  std::string id = new_watcher_id();
  by_id_[id] = std::move(w);
  return id;
}

std::shared_ptr<Watcher> WatchTable::find(const std::string& sandbox_id, const std::string& id) const {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second->request().sandbox_id != sandbox_id) throw unknown_watcher(id);
  return it->second;
}

void WatchTable::remove(const std::string& sandbox_id, const std::string& id) {
  std::lock_guard lock(mutex_);
  const auto it = by_id_.find(id);
  if (it == by_id_.end() || it->second->request().sandbox_id != sandbox_id) throw unknown_watcher(id);
  stop_locked(it->second);
  by_id_.erase(it);
}

void WatchTable::close_sandbox(const std::string& sandbox_id) {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Watcher>> doomed;
  for (const auto& w : active_) {
    if (w->request().sandbox_id == sandbox_id) doomed.push_back(w);
  }
  for (const auto& w : doomed) stop_locked(w, /*dropped=*/true);
  std::erase_if(by_id_, [&](const auto& entry) { return entry.second->request().sandbox_id == sandbox_id; });
}

void WatchTable::drop_streams(const std::string& sandbox_id) {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Watcher>> streams;
  for (const auto& w : active_) {
    if (w->request().sandbox_id != sandbox_id) continue;
    const bool kept = std::any_of(by_id_.begin(), by_id_.end(), [&](const auto& entry) { return entry.second == w; });
    if (!kept) streams.push_back(w);
  }
  for (const auto& w : streams) stop_locked(w, /*dropped=*/true);
}

// Watches `rel` and, for a recursive watcher, every directory below it.
void WatchTable::add_tree(Watcher& w, const std::string& rel) {
  const int fd = open_beneath(w.root_fd_, rel);
  if (fd < 0) return;  // gone already, or a symlink: not followed
  // The /proc link names exactly the directory just opened, whatever its path became.
  const std::string self = "/proc/self/fd/" + std::to_string(fd);
  // A directory watched already (by any watcher) gives back its descriptor: one more user.
  const int wd = ::inotify_add_watch(inotify_fd_, self.c_str(), kMask);
  if (wd >= 0) {
    auto& users = watches_[wd];
    const auto mine = std::find_if(users.begin(), users.end(), [&](const WatchUser& u) { return u.watcher == &w; });
    if (mine == users.end()) {
      users.push_back({&w, rel});
    } else {
      mine->rel = rel;  // the same directory reached again (moved meanwhile): its newest name
    }
    w.watches_.insert(wd);
  }
  std::vector<std::string> children;
  if (w.request().recursive) {
    if (DIR* dir = ::fdopendir(fd)) {
      while (const dirent* entry = ::readdir(dir)) {
        const std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        struct stat st {};
        if (::fstatat(::dirfd(dir), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
          children.push_back(join(rel, entry->d_name));
        }
      }
      ::closedir(dir);  // closes fd
    } else {
      ::close(fd);
    }
  } else {
    ::close(fd);
  }
  for (const auto& child : children) add_tree(w, child);
}

void WatchTable::read_events() {
  alignas(inotify_event) char buf[16384];
  for (;;) {
    const auto n = ::read(inotify_fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (auto* p = buf; p < buf + n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if ((ev->mask & IN_IGNORED) != 0) {
        forget_watch(ev->wd);
        continue;
      }
      const auto type = event_type(ev->mask);
      const auto it = watches_.find(ev->wd);
      if (it == watches_.end() || ev->len == 0 || !type) continue;
      // A copy: add_tree below adds users to other descriptors, and may add this one's.
      const auto users = it->second;
      for (const auto& [watcher, rel] : users) {
        const std::string name = join(rel, ev->name);
        // Watched before anyone hears of it: a client that saw the event can write inside.
        if (watcher->request().recursive && (ev->mask & IN_ISDIR) != 0 && *type == envd::EventType::create) {
          add_tree(*watcher, name);
        }
        watcher->push({name, *type});
      }
    }
  }
}

void WatchTable::run() {
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    std::vector<pollfd> fds{{wake_pipe_[0], POLLIN, 0}};
    if (inotify_fd_ >= 0) fds.push_back({inotify_fd_, POLLIN, 0});
    ::poll(fds.data(), fds.size(), -1);
    if (fds[0].revents != 0) {
      char drain[256];
      while (::read(wake_pipe_[0], drain, sizeof drain) > 0) {
      }
    }
    if (fds.size() > 1 && fds[1].revents != 0) {
      std::lock_guard lock(mutex_);
      read_events();
    }
  }
}

}  // namespace ppio_mock::exec
