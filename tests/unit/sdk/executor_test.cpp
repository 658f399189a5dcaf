// The bounded executor behind AsyncSandboxClient and the bulk calls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include "ppio_sandbox/core/clock.hpp"
#include "ppio_sandbox/core/executor.hpp"

namespace core = ppio_sandbox::core;

namespace {

TEST(Executor, SubmitReturnsTheResultAndTheException) {
  core::Executor pool(2);
  auto value = pool.submit([] { return 42; });
  auto error = pool.submit([]() -> int { throw std::runtime_error("bad"); });
  EXPECT_EQ(value.get(), 42);
  EXPECT_THROW(error.get(), std::runtime_error);
}

TEST(Executor, NeverRunsMoreThanItsBoundAtOnce) {
  std::atomic<int> running{0};
  std::atomic<int> most{0};
  {
    core::Executor pool(3);
    std::vector<std::future<void>> futures;
    for (int i = 0; i < 64; ++i) {
      futures.push_back(pool.submit([&] {
        const int now = ++running;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        --running;
      }));
    }
    for (auto& f : futures) f.get();
    EXPECT_LE(pool.threads_started(), 3u);
  }
  EXPECT_LE(most.load(), 3);
}

TEST(Executor, ParallelForFromInsideAFullPoolDoesNotDeadlock) {
  core::Executor pool(1);
  auto outer = pool.submit([&] {
    std::atomic<int> sum{0};
    pool.parallel_for(10, [&](std::size_t i) { sum += static_cast<int>(i); });
    return sum.load();
  });
  EXPECT_EQ(outer.get(), 45);
}

TEST(Executor, ParallelForRethrowsAfterEveryItemRan) {
  core::Executor pool(4);
  std::atomic<int> ran{0};
  EXPECT_THROW(pool.parallel_for(20,
                                 [&](std::size_t i) {
                                   ++ran;
                                   if (i == 3) throw std::runtime_error("item 3");
                                 }),
               std::runtime_error);
  EXPECT_EQ(ran.load(), 20);
}

TEST(Executor, DestructorRunsQueuedWorkThenJoins) {
  std::atomic<int> done{0};
  std::vector<std::future<void>> futures;
  {
    core::Executor pool(2);
    for (int i = 0; i < 50; ++i) futures.push_back(pool.submit([&] { ++done; }));
  }
  EXPECT_EQ(done.load(), 50);
  for (auto& f : futures) EXPECT_NO_THROW(f.get());
}

TEST(Executor, SubmittingAfterShutdownThrows) {
  core::Executor pool(1);
  pool.shutdown();
  EXPECT_THROW(pool.submit([] { return 1; }), std::runtime_error);
}

// A gate that tasks wait at until the test opens it.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
  }
  void wait_for_waiters(int n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return waiting_ >= n; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

TEST(Executor, CloseCancelsQueuedWorkAndWaitsOnlyForRunningWork) {
  core::Executor pool(1);
  Gate gate;
  std::atomic<int> ran{0};
  auto running = pool.submit([&] {
    gate.wait();
    return ++ran;
  });
  std::vector<std::future<int>> queued;
  for (int i = 0; i < 5; ++i) queued.push_back(pool.submit([&] { return ++ran; }));
  gate.wait_for_waiters(1);
  std::thread closer([&] { pool.close(); });
  // close() cancels the queue before it waits: the queued futures fail while the running task still waits.
  for (auto& f : queued) EXPECT_THROW(f.get(), core::CancelledError);
  EXPECT_THROW(pool.submit([] { return 0; }), std::runtime_error);
  gate.open();
  closer.join();
  EXPECT_EQ(running.get(), 1);
  EXPECT_EQ(ran.load(), 1);  // none of the cancelled tasks ran
}

TEST(Executor, ARunningTaskFinishesItsParallelWorkAfterClose) {
  core::Executor pool(2);
  Gate gate;
  std::atomic<int> items{0};
  auto bulk = pool.submit([&] {
    gate.wait();
    pool.parallel_for(10, [&](std::size_t) { ++items; });
    return items.load();
  });
  gate.wait_for_waiters(1);
  std::thread closer([&] { pool.close(); });
  // Only close() can end the test now: open the gate once it is refusing submissions.
  while (true) {
    try {
      pool.submit([] {}).wait();
    } catch (const std::runtime_error&) {
      break;
    }
  }
  gate.open();
  closer.join();
  EXPECT_EQ(bulk.get(), 10);
}

TEST(Clock, ManualSleepUnlessStoppedAdvancesUnlessStopped) {
  core::ManualClock clock;
  const auto wall = clock.wall_now();
  std::stop_source stop;
  EXPECT_TRUE(clock.sleep_unless_stopped(std::chrono::seconds(3), stop.get_token()));
  EXPECT_EQ(clock.wall_now() - wall, std::chrono::seconds(3));
  stop.request_stop();
  EXPECT_FALSE(clock.sleep_unless_stopped(std::chrono::seconds(3), stop.get_token()));
  EXPECT_EQ(clock.wall_now() - wall, std::chrono::seconds(3));  // a stopped sleep does not move the clock
}

TEST(Clock, SteadySleepEndsWhenStopIsRequested) {
  std::stop_source stop;
  std::atomic<bool> result{true};
  // An hour-long sleep: the test can only finish if the stop request ends it.
  std::thread sleeper([&] { result = core::steady_clock()->sleep_unless_stopped(std::chrono::hours(1), stop.get_token()); });
  stop.request_stop();
  sleeper.join();
  EXPECT_FALSE(result.load());
}

}  // namespace
