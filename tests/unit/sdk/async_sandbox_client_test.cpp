// AsyncSandboxClient over a mocked transport: futures, errors, and the bound.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

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

TEST(AsyncSandboxClientOverMock, DestructorFinishesQueuedCalls) {
  auto transport = std::make_shared<MockTransport>();
  EXPECT_CALL(*transport, send(_)).Times(20).WillRepeatedly(Return(reply(204)));
  std::vector<std::future<prime::DeleteSandboxResponse>> futures;
  {
    prime::AsyncSandboxClient client(options(transport), 2);
    for (int i = 0; i < 20; ++i) futures.push_back(client.delete_("i" + std::to_string(i)));
  }
  for (auto& f : futures) EXPECT_TRUE(f.get().success);
}

}  // namespace
