#pragma once
// A bounded thread pool. Threads start on demand, up to max_threads.
// shutdown() (and the destructor) runs what is queued and joins; close()
// cancels what is queued, lets what runs finish, and joins.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <vector>

namespace ppio_sandbox::core {

// A task that never ran because its pool was closed, or a wait that was stopped.
class CancelledError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Executor {
 public:
  explicit Executor(std::size_t max_threads);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Throws std::runtime_error once the pool is closed or shut down. A task
  // cancelled by close() makes its future throw CancelledError.
  template <class Fn>
  auto submit(Fn fn) -> std::future<std::invoke_result_t<Fn&>> {
    using Result = std::invoke_result_t<Fn&>;
    auto promise = std::make_shared<std::promise<Result>>();
    auto future = promise->get_future();
    Task task;
    task.run = [promise, fn = std::move(fn)]() mutable {
      try {
        if constexpr (std::is_void_v<Result>) {
          fn();
          promise->set_value();
        } else {
          promise->set_value(fn());
        }
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    };
    task.cancel = [promise] {
      promise->set_exception(std::make_exception_ptr(CancelledError("the call was cancelled: its client was closed")));
    };
    post({std::move(task)}, /*external=*/true);
    return future;
  }

  // Runs fn(0) ... fn(count - 1) on the pool and returns when all are done,
  // rethrowing the first exception. The calling thread runs queued tasks while
  // it waits, so calling this from a pool task cannot deadlock the pool. It
  // works while close() waits for the running tasks, so that they can finish.
  void parallel_for(std::size_t count, const std::function<void(std::size_t)>& fn);

  // Runs the queued tasks, then joins. Called by the destructor; later
  // submissions throw std::runtime_error.
  void shutdown();
  // Refuses new submissions and cancels the queued ones (their futures throw
  // CancelledError), without waiting for the running ones.
  void cancel_queued();
  // cancel_queued, then waits for the running ones and joins. The parallel_for
  // items of a running task still run: they are part of a call already running.
  void close();

  std::size_t max_threads() const { return max_threads_; }
  std::size_t threads_started() const;

 private:
  struct Task {
    std::function<void()> run;
    std::function<void()> cancel;  // instead of run, when the pool is closed first
    bool external = false;         // a submission; parallel_for items belong to a running task
  };
  // `external`: a submission from outside the pool, refused once it is closing.
  void post(std::vector<Task> tasks, bool external);
  bool run_one();
  void worker();
  void join_all();

  const std::size_t max_threads_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Task> queue_;
  std::vector<std::thread> threads_;
  std::size_t idle_ = 0;
  bool closing_ = false;   // close(): no new submissions
  bool stopping_ = false;  // workers leave once the queue is empty
  bool stopped_ = false;
};

}  // namespace ppio_sandbox::core
