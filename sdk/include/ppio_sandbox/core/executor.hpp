#pragma once
// A bounded thread pool. Threads start on demand, up to max_threads, and the
// destructor runs what is queued and joins them all.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace ppio_sandbox::core {

class Executor {
 public:
  explicit Executor(std::size_t max_threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  template <class Fn>
  auto submit(Fn fn) -> std::future<std::invoke_result_t<Fn&>> {
    using Result = std::invoke_result_t<Fn&>;
    auto task = std::make_shared<std::packaged_task<Result()>>(std::move(fn));
    auto future = task->get_future();
    post({[task] { (*task)(); }});
    return future;
  }

  // Runs fn(0) ... fn(count - 1) on the pool and returns when all are done,
  // rethrowing the first exception. The calling thread runs queued tasks while
  // it waits, so calling this from a pool task cannot deadlock the pool.
  void parallel_for(std::size_t count, const std::function<void(std::size_t)>& fn);

  // Runs the queued tasks, then joins. Called by the destructor; later
  // submissions throw std::runtime_error.
  void shutdown();

  std::size_t max_threads() const { return max_threads_; }
  std::size_t threads_started() const;

 private:
  void post(std::vector<std::function<void()>> tasks);
  bool run_one();
  void worker();

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool stopping_ = false;
  bool stopped_ = false;
};

}  // namespace ppio_sandbox::core
