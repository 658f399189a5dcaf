// The fake's HTTP workers without HTTP: a thread for every job that finds no
// idle one, up to the cap; queued (never dropped) past it; idle threads leave.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mockserver/net/worker_pool.hpp"

namespace {

using namespace std::chrono_literals;
using ppio_mock::net::WorkerPool;
using ppio_mock::net::WorkerStats;

// Jobs that hold their thread until released, as an open stream holds its connection.
class Gate {
 public:
  void wait() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [this] { return open_; });
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }
  // Bounded so that a broken pool fails the test instead of hanging it.
  bool until_waiting(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 30s, [&] { return waiting_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  int waiting_ = 0;
  bool open_ = false;
};

// Polls `done` until it holds; bounded, so a broken pool fails instead of hanging.
template <class Predicate>
bool eventually(Predicate done) {
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > give_up) return false;
    std::this_thread::yield();
  }
  return true;
}

TEST(WorkerPool, EveryHeldJobGetsItsOwnThreadAtOnce) {
  WorkerPool pool(500, 30s);
  Gate gate;
  for (int i = 0; i < 200; ++i) pool.enqueue([&] { gate.wait(); });
  ASSERT_TRUE(gate.until_waiting(200)) << "not every job got a thread while the others held theirs";
  const WorkerStats stats = pool.stats();
  EXPECT_EQ(stats.threads, 200u);
  EXPECT_EQ(stats.busy, 200u);
  EXPECT_EQ(stats.waiting, 0u);
  EXPECT_EQ(stats.queued_total, 0u);
  gate.open();
  pool.shutdown();
  EXPECT_EQ(pool.stats().served_total, 200u);
  EXPECT_EQ(pool.stats().threads, 0u);
}

TEST(WorkerPool, PastTheCapJobsWaitAndAreCountedNeverDropped) {
  WorkerPool pool(4, 30s);
  Gate gate;
  std::atomic<int> ran{0};
  for (int i = 0; i < 6; ++i) {
    pool.enqueue([&] {
      gate.wait();
      ++ran;
    });
  }
  ASSERT_TRUE(gate.until_waiting(4));
  WorkerStats stats = pool.stats();
  EXPECT_EQ(stats.threads, 4u);
  EXPECT_EQ(stats.peak_threads, 4u);
  EXPECT_EQ(stats.waiting, 2u);
  EXPECT_EQ(stats.queued_total, 2u);
  gate.open();
  pool.shutdown();  // runs what waited before it returns
  EXPECT_EQ(ran.load(), 6);
}

TEST(WorkerPool, AnIdleThreadServesTheNextJobInsteadOfANewOne) {
  WorkerPool pool(100, 30s);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    pool.enqueue([&] { ++ran; });
    // One job at a time: each finds the previous job's thread idle.
    ASSERT_TRUE(eventually([&] { return ran.load() == i + 1 && pool.stats().busy == 0; }));
  }
  EXPECT_EQ(pool.stats().peak_threads, 1u);
  EXPECT_EQ(pool.stats().served_total, 50u);
}

TEST(WorkerPool, ThreadsThatIdlePastTheirTimeLeave) {
  WorkerPool pool(100, 20ms);
  Gate gate;
  for (int i = 0; i < 10; ++i) pool.enqueue([&] { gate.wait(); });
  ASSERT_TRUE(gate.until_waiting(10));
  gate.open();
  EXPECT_TRUE(eventually([&] { return pool.stats().threads == 0; })) << "idle threads stayed: " << pool.stats().threads;
  // A job after they left still runs, on a new thread.
  std::atomic<bool> ran{false};
  pool.enqueue([&] { ran = true; });
  pool.shutdown();
  EXPECT_TRUE(ran.load());
}

TEST(WorkerPool, ShutdownDropsLaterJobs) {
  WorkerPool pool(4, 30s);
  pool.shutdown();
  std::atomic<bool> ran{false};
  pool.enqueue([&] { ran = true; });
  pool.shutdown();
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(pool.stats().threads, 0u);
}

}  // namespace
