#include "mockserver/net/worker_pool.hpp"

#include <algorithm>

namespace ppio_mock::net {

void to_json(nlohmann::json& j, const WorkerStats& s) {
  j = nlohmann::json{{"threads", s.threads},           {"busy", s.busy},
                     {"peakThreads", s.peak_threads}, {"maxThreads", s.max_threads},
                     {"waiting", s.waiting},          {"queuedTotal", s.queued_total},
                     {"servedTotal", s.served_total}};
}

WorkerPool::WorkerPool(std::size_t max_threads, std::chrono::milliseconds idle_timeout)
    : max_threads_(std::max<std::size_t>(max_threads, 1)), idle_timeout_(idle_timeout) {
  stats_.max_threads = max_threads_;
}

WorkerPool::~WorkerPool() { shutdown(); }

void WorkerPool::enqueue(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (shutdown_) return;
    jobs_.push_back(std::move(job));
    // Every queued job beyond the idle threads needs a thread of its own.
    if (jobs_.size() > idle_) {
      if (threads_.size() < max_threads_) {
        spawn_locked();
      } else {
        ++stats_.queued_total;
      }
    }
  }
  jobs_ready_.notify_one();
  join_finished();
}

void WorkerPool::spawn_locked() {
  // Under the lock, so the thread is in threads_ before it can look for itself there.
  std::thread thread([this] { work(); });
  const auto id = thread.get_id();
  threads_.emplace(id, std::move(thread));
  stats_.peak_threads = std::max(stats_.peak_threads, threads_.size());
}

void WorkerPool::work() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    const bool ready = jobs_ready_.wait_for(lock, idle_timeout_, [this] { return !jobs_.empty() || shutdown_; });
    --idle_;
    if (jobs_.empty() && (shutdown_ || !ready)) break;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    ++stats_.served_total;
    ++stats_.busy;
    lock.unlock();
    job();
    job = nullptr;  // what the job captured goes before the thread is counted idle
    lock.lock();
    --stats_.busy;
  }
  // Leaving: hand our own std::thread to whoever joins next.
  const auto self = threads_.find(std::this_thread::get_id());
  finished_.push_back(std::move(self->second));
  threads_.erase(self);
  if (threads_.empty()) all_left_.notify_all();
}

void WorkerPool::join_finished() {
  std::vector<std::thread> done;
  {
    std::lock_guard lock(mutex_);
    done.swap(finished_);
  }
  for (auto& thread : done) thread.join();
}

void WorkerPool::shutdown() {
  {
    std::unique_lock lock(mutex_);
    shutdown_ = true;
    jobs_ready_.notify_all();
    all_left_.wait(lock, [this] { return threads_.empty(); });
  }
  join_finished();
}

WorkerStats WorkerPool::stats() const {
  std::lock_guard lock(mutex_);
  WorkerStats out = stats_;
  out.threads = threads_.size();
  out.waiting = jobs_.size() > idle_ ? jobs_.size() - idle_ : 0;
  return out;
}

}  // namespace ppio_mock::net
