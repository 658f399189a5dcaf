#pragma once
// Directory watchers from inotify, for filesystem.Filesystem/WatchDir and the
// CreateWatcher / GetWatcherEvents / RemoveWatcher calls. The table has one
// inotify instance (the kernel allows few per user: fs.inotify.max_user_instances)
// and one I/O thread that reads it. A directory that several watchers watch is
// one inotify watch, shared: its events go to each of them, and it is removed
// with the last. Subdirectories of a recursive watch are opened beneath the
// watched one without following any symlink, so a watch never reaches outside
// the directory it was given.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ppio_sandbox/core/envd_models.hpp"

namespace ppio_mock::exec {

using ppio_sandbox::core::envd::FilesystemEvent;

// What a watcher has seen and not yet handed out.
class Watcher {
 public:
  // What the caller asked to watch (the sandbox path and options), kept for it.
  struct Request {
    std::string sandbox_id;
    std::string path;  // normalised sandbox path
    bool recursive = false;
    bool include_entry = false;
  };
  explicit Watcher(Request request) : request_(std::move(request)) {}
  const Request& request() const { return request_; }

  // Waits up to `timeout` for events and moves them into `out`. True when the
  // watcher is closed (removed, or its sandbox went) and nothing is left.
  bool wait(std::vector<FilesystemEvent>& out, std::chrono::milliseconds timeout);
  std::vector<FilesystemEvent> drain();
  // Closed because its sandbox was paused or went: its stream is dropped, as the edge drops it.
  bool dropped() const;

 private:
  friend class WatchTable;
  void push(FilesystemEvent event);
  void close(bool dropped);

  Request request_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<FilesystemEvent> events_;
  bool closed_ = false;
  bool dropped_ = false;
  // The table's state, guarded by the table's lock.
  int root_fd_ = -1;        // the watched directory
  std::set<int> watches_;   // the table's watch descriptors this watcher uses
};

class WatchTable {
 public:
  WatchTable();
  ~WatchTable();  // closes every watcher and joins the I/O thread
  WatchTable(const WatchTable&) = delete;
  WatchTable& operator=(const WatchTable&) = delete;

  // Watches the directory open as `dir_fd` (taken over). Streams hold the
  // watcher; it stops when they call stop() or the sandbox goes.
  std::shared_ptr<Watcher> watch(Watcher::Request request, int dir_fd);
  void stop(const std::shared_ptr<Watcher>& watcher);

  // Watchers kept by id, for the unary calls; FsError(not_found) for an unknown id
  // or another sandbox's.
  std::string create(Watcher::Request request, int dir_fd);
  std::shared_ptr<Watcher> find(const std::string& sandbox_id, const std::string& id) const;
  void remove(const std::string& sandbox_id, const std::string& id);

  // Closes every watcher of the sandbox: they die with it (dropped).
  void close_sandbox(const std::string& sandbox_id);
  // Closes the sandbox's WatchDir streams (dropped), as a pause does; watchers kept by id stay.
  void drop_streams(const std::string& sandbox_id);

 private:
  void run();
  void wake();
  void add_tree(Watcher& w, const std::string& rel);
  void read_events();
  void forget_watch(int wd);
  void stop_locked(const std::shared_ptr<Watcher>& watcher, bool dropped = false);

  // One user of a watch descriptor: a watcher, and the directory relative to its root.
  struct WatchUser {
    Watcher* watcher;  // in active_ while it is here
    std::string rel;   // "" for its root
  };

  mutable std::mutex mutex_;
  int inotify_fd_ = -1;
  std::map<int, std::vector<WatchUser>> watches_;  // watch descriptor -> who watches it
  std::vector<std::shared_ptr<Watcher>> active_;
  std::map<std::string, std::shared_ptr<Watcher>> by_id_;
  int wake_pipe_[2] = {-1, -1};
  bool stopping_ = false;
  std::thread io_thread_;
};

}  // namespace ppio_mock::exec
