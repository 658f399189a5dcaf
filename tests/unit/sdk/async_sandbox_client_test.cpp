// AsyncSandboxClient over a mocked transport: futures, errors, and the bound.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using ::testing::_;
using ::testing::Return;

namespace {

prime::ClientOptions options(std::shared_ptr<MockTransport> transport) {
  return {.api_key = "sk_test",
          .api_url = "http://api.test",
          .transport = std::move(transport),
          .retry = {.max_attempts = 1},
          .clock = std::make_shared<core::ManualClock>()};
}

TEST(AsyncSandboxClientOverMock, FuturesCarryResultsAndPrimeErrors) {
  auto transport = std::make_shared<MockTransport>();
  EXPECT_CALL(*transport, send(Req("GET", "/sandboxes/ia"))).WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport, send(Req("GET", "/sandboxes/inope"))).WillOnce(Return(reply(401)));
  EXPECT_CALL(*transport, send(Req("DELETE", "/sandboxes/ia"))).WillOnce(Return(reply(204)));
  prime::AsyncSandboxClient client(options(transport), 4);
  auto got = client.get("ia");
  auto unauthorized = client.get("inope");
  EXPECT_EQ(got.get().id, "ia");
  EXPECT_THROW(unauthorized.get(), prime::UnauthorizedError);
  EXPECT_TRUE(client.delete_("ia").get().success);
  EXPECT_EQ(client.max_connections(), 4u);
}

TEST(AsyncSandboxClientOverMock, NeverHasMoreThanMaxConnectionsRequestsInFlight) {
  auto transport = std::make_shared<MockTransport>();
  std::atomic<int> in_flight{0};
  std::atomic<int> most{0};
  EXPECT_CALL(*transport, send(Req("DELETE", "/sandboxes/"))).Times(100).WillRepeatedly([&](const core::HttpRequest&) {
    const int now = ++in_flight;
    int seen = most.load();
    while (now > seen && !most.compare_exchange_weak(seen, now)) {
    }
    --in_flight;
    return reply(204);
  });
  {
    prime::AsyncSandboxClient client(options(transport), 3);
    std::vector<std::string> ids;
    for (int i = 0; i < 50; ++i) ids.push_back("ib" + std::to_string(i));
    auto bulk = client.bulk_delete({.sandbox_ids = ids});
    std::vector<std::future<prime::DeleteSandboxResponse>> single;
    for (int i = 0; i < 50; ++i) single.push_back(client.delete_("ia" + std::to_string(i)));
    EXPECT_EQ(bulk.get().message, "Deleted 50/50 sandboxes");
    for (auto& f : single) EXPECT_TRUE(f.get().success);
  }
  EXPECT_LE(most.load(), 3);
}

TEST(AsyncSandboxClientOverMock, DestructorWaitsForRunningCallsAndCancelsQueuedOnes) {
  auto transport = std::make_shared<MockTransport>();
  std::mutex mutex;
  std::condition_variable changed;
  bool inside = false;
  bool release = false;
  // The first delete holds the only thread until the test lets it go; the rest queue behind it.
  EXPECT_CALL(*transport, send(Req("DELETE", "/sandboxes/irunning"))).WillOnce([&](const core::HttpRequest&) {
    std::unique_lock lock(mutex);
    inside = true;
    changed.notify_all();
    changed.wait(lock, [&] { return release; });
    return reply(204);
  });
  EXPECT_CALL(*transport, send(Req("DELETE", "/sandboxes/iqueued"))).Times(0);
  std::future<prime::DeleteSandboxResponse> running;
  std::vector<std::future<prime::DeleteSandboxResponse>> queued;
  std::thread releaser;
  {
    prime::AsyncSandboxClient client(options(transport), 1);
    running = client.delete_("irunning");
    for (int i = 0; i < 20; ++i) queued.push_back(client.delete_("iqueued"));
    {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return inside; });
    }
    // The destructor cancels the queue first, so the queued futures fail while the running call still waits.
    releaser = std::thread([&] {
      for (auto& f : queued) f.wait();
      std::lock_guard lock(mutex);
      release = true;
      changed.notify_all();
    });
  }
  releaser.join();
  EXPECT_TRUE(running.get().success);
  for (auto& f : queued) EXPECT_THROW(f.get(), prime::CancelledError);
}

TEST(AsyncSandboxClientOverMock, CallsAfterCloseAreRefusedWithHttpxsMessage) {
  auto transport = std::make_shared<MockTransport>();
  EXPECT_CALL(*transport, send(_)).Times(0);
  prime::AsyncSandboxClient client(options(transport), 2);
  client.close();
  try {
    client.get("ia");
    FAIL() << "nothing thrown";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "Cannot send a request, as the client has been closed.");
  }
  client.close();  // twice is harmless
}

TEST(AsyncSandboxClientOverMock, CloseStopsARunningWaitAtOnce) {
  auto transport = std::make_shared<MockTransport>();
  std::mutex mutex;
  std::condition_variable changed;
  int polls = 0;
  // Never running: without close() the wait would poll for its whole budget.
  EXPECT_CALL(*transport, send(Req("GET", "/sandboxes/ia"))).WillRepeatedly([&](const core::HttpRequest&) {
    std::lock_guard lock(mutex);
    ++polls;
    changed.notify_all();
    return reply(200, sandbox_json("ia", "paused"));
  });
  prime::ClientOptions o = options(transport);
  o.clock = core::steady_clock();  // real sleeps between polls, which close() must cut short
  prime::AsyncSandboxClient client(o, 1);
  auto waiting = client.wait_for_creation("ia", 1000);
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return polls > 0; });
  }
  client.close();
  EXPECT_THROW(waiting.get(), prime::CancelledError);
}

TEST(AsyncSandboxClientOverMock, CloseCancelsQueuedCallsBeforeItStopsARunningWait) {
  auto transport = std::make_shared<MockTransport>();
  std::mutex mutex;
  std::condition_variable changed;
  int polls = 0;
  EXPECT_CALL(*transport, send(Req("GET", "/sandboxes/ia"))).WillRepeatedly([&](const core::HttpRequest&) {
    std::lock_guard lock(mutex);
    ++polls;
    changed.notify_all();
    return reply(200, sandbox_json("ia", "paused"));
  });
  // The pool's one worker is freed by the stop; the queued call must not be what it runs next.
  EXPECT_CALL(*transport, send(Req("GET", "/sandboxes/ib"))).Times(0);
  prime::ClientOptions o = options(transport);
  o.clock = core::steady_clock();
  prime::AsyncSandboxClient client(o, 1);
  auto waiting = client.wait_for_creation("ia", 1000);
  auto queued = client.get("ib");
  {
    std::unique_lock lock(mutex);
    changed.wait(lock, [&] { return polls > 0; });
  }
  client.close();
  EXPECT_THROW(waiting.get(), prime::CancelledError);
  EXPECT_THROW(queued.get(), prime::CancelledError);
}

}  // namespace
