#include "ppio_sandbox/core/executor.hpp"

#include <algorithm>

namespace ppio_sandbox::core {

Executor::Executor(std::size_t max_threads) : max_threads_(std::max<std::size_t>(1, max_threads)) {}

Executor::~Executor() { shutdown(); }

std::size_t Executor::threads_started() const {
  std::lock_guard lock(mutex_);
  return threads_.size();
}

void Executor::post(std::vector<Task> tasks, bool external) {
  std::lock_guard lock(mutex_);
  // Tasks may still post while the queue drains; after the join nobody would run them.
  if (stopped_ || (external && closing_)) throw std::runtime_error("executor is shut down");
  for (auto& task : tasks) {
    task.external = external;
    queue_.push_back(std::move(task));
  }
  // While draining, the running workers (the poster among them) take what is posted.
  while (!stopping_ && queue_.size() > idle_ && threads_.size() < max_threads_) {
    threads_.emplace_back([this] { worker(); });
    ++idle_;  // counted as waiting until it takes a task
  }
  ready_.notify_all();
}

void Executor::worker() {
  std::unique_lock lock(mutex_);
  while (true) {
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping, and nothing left to run
    auto task = std::move(queue_.front());
    queue_.pop_front();
    --idle_;
    lock.unlock();
    task.run();  // submitted tasks and parallel_for items keep their own exceptions
    lock.lock();
    ++idle_;
  }
}

bool Executor::run_one() {
  Task task;
  {
    std::lock_guard lock(mutex_);
    if (queue_.empty()) return false;
    task = std::move(queue_.front());
    queue_.pop_front();
  }
  task.run();
  return true;
}

void Executor::parallel_for(std::size_t count, const std::function<void(std::size_t)>& fn) {
  if (count == 0) return;
  struct Batch {
    std::mutex mutex;
    std::condition_variable done;
    std::size_t remaining;
    std::exception_ptr error;
  };
  auto batch = std::make_shared<Batch>();
  batch->remaining = count;
  const auto finish = [batch](std::exception_ptr error) {
    std::lock_guard lock(batch->mutex);
    if (error && !batch->error) batch->error = error;
    if (--batch->remaining == 0) batch->done.notify_all();
  };
  std::vector<Task> tasks;
  tasks.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    Task task;
    task.run = [finish, &fn, i] {
      std::exception_ptr error;
      try {
        fn(i);
      } catch (...) {
        error = std::current_exception();
      }
      finish(error);
    };
    task.cancel = [finish] { finish(std::make_exception_ptr(CancelledError("the call was cancelled"))); };
    tasks.push_back(std::move(task));
  }
  post(std::move(tasks), /*external=*/false);

  auto finished = [&] {
    std::lock_guard lock(batch->mutex);
    return batch->remaining == 0;
  };
  // Help until the queue is empty; then every item of this batch has started.
  while (!finished() && run_one()) {
  }
  std::unique_lock lock(batch->mutex);
  batch->done.wait(lock, [&] { return batch->remaining == 0; });
  if (batch->error) std::rethrow_exception(batch->error);
}

void Executor::join_all() {
  // No thread starts once stopping_ is set, so threads_ is stable here.
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    if (t.get_id() == std::this_thread::get_id()) {
      t.detach();  // destroyed from one of its own tasks; it exits when the queue is empty
    } else {
      t.join();
    }
  }
  std::lock_guard lock(mutex_);
  stopped_ = true;
}

void Executor::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    ready_.notify_all();
  }
  join_all();
}

void Executor::cancel_queued() {
  std::deque<Task> cancelled;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    closing_ = true;
    std::deque<Task> kept;
    for (auto& task : queue_) (task.external ? cancelled : kept).push_back(std::move(task));
    queue_.swap(kept);
  }
  // Outside the lock: a cancelled future may wake a caller that calls back in.
  for (auto& task : cancelled) task.cancel();
}

void Executor::close() {
  cancel_queued();
  shutdown();
}

}  // namespace ppio_sandbox::core
