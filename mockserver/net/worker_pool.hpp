#pragma once
// The fake's HTTP workers. cpp-httplib serves each connection on one thread
// for as long as it lives, and an envd stream (a running command, a watch)
// holds its connection open, so a fixed pool makes the 65th stream wait
// while its client's timeout runs. This pool starts a thread for each
// connection that finds no idle one, up to a high cap, and lets threads go
// after they idle a while. A thread holding a quiet stream costs memory but
// no CPU. Past the cap, connections queue (nothing is dropped) and are counted.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace ppio_mock::net {

struct WorkerStats {
  std::size_t threads = 0;       // alive now
  std::size_t busy = 0;          // serving a connection now
  std::size_t peak_threads = 0;  // the most alive at once
  std::size_t max_threads = 0;   // the cap
  std::size_t waiting = 0;       // connections queued now, for want of a thread
  std::uint64_t queued_total = 0;  // connections that ever had to wait for a thread
  std::uint64_t served_total = 0;  // connections handed to a thread
};
void to_json(nlohmann::json& j, const WorkerStats& s);

class WorkerPool final : public httplib::TaskQueue {
 public:
  WorkerPool(std::size_t max_threads, std::chrono::milliseconds idle_timeout);
  ~WorkerPool() override;
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void enqueue(std::function<void()> job) override;
  // Runs what is queued, then joins every thread. Later jobs are dropped.
  void shutdown() override;

  WorkerStats stats() const;

 private:
  void work();
  void spawn_locked();
  // Joins threads that left; never the calling one.
  void join_finished();

  const std::size_t max_threads_;
  const std::chrono::milliseconds idle_timeout_;
  mutable std::mutex mutex_;
  std::condition_variable jobs_ready_;
  std::condition_variable all_left_;
  std::deque<std::function<void()>> jobs_;
  std::map<std::thread::id, std::thread> threads_;
  std::vector<std::thread> finished_;  // left, not yet joined
  std::size_t idle_ = 0;
  bool shutdown_ = false;
  WorkerStats stats_;
};

}  // namespace ppio_mock::net
