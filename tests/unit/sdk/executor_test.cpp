// The bounded executor behind AsyncSandboxClient and the bulk calls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>

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

}  // namespace
