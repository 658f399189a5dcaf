// wait_for_creation and bulk_wait_for_creation over a mocked transport, on a
// ManualClock: RUNNING plus envd health, backoff, attempt counting, messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using std::chrono::milliseconds;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;

namespace {

class WaitOverMock : public ::testing::Test {
 protected:
  prime::SandboxClient client(std::optional<std::string> sandbox_url = std::nullopt) {
    return prime::SandboxClient(prime::APIClient(prime::ClientOptions{.api_key = "sk_test",
                                                                      .domain = "ppio.test",
                                                                      .api_url = "http://api.test",
                                                                      .sandbox_url = sandbox_url,
                                                                      .transport = transport_,
                                                                      .retry = {.max_attempts = 1},
                                                                      .clock = clock_}));
  }
  std::string list_body(const std::vector<std::pair<std::string, std::string>>& sandboxes) {
    std::string body = "[";
    for (const auto& [id, state] : sandboxes) body += (body.size() > 1 ? "," : "") + sandbox_json(id, state);
    return body + "]";
  }

  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  std::shared_ptr<core::ManualClock> clock_ = std::make_shared<core::ManualClock>();
};

TEST_F(WaitOverMock, ReturnsWhenRunningAndEnvdAnswers204) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia"))).WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("GET", "https://49983-ia.ppio.test/health"))).WillOnce(Return(reply(204)));
  client().wait_for_creation("ia");
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(WaitOverMock, SharedSandboxUrlRoutesByHeaderAndSendsTheAccessToken) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running", R"(,"envdAccessToken":"tok-1")"))));
  EXPECT_CALL(*transport_, send(Req("GET", "http://envd.test/health"))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(core::find_header(r.headers, "E2b-Sandbox-Id"), "ia");
    EXPECT_EQ(core::find_header(r.headers, "E2b-Sandbox-Port"), "49983");
    EXPECT_EQ(core::find_header(r.headers, "X-Access-Token"), "tok-1");
    return reply(204);
  });
  client("http://envd.test").wait_for_creation("ia");
}

TEST_F(WaitOverMock, A200FromHealthIsNotEnvd) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("GET", "/health"))).WillRepeatedly(Return(reply(200, "ok")));
  try {
    client().wait_for_creation("ia", 3);
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_EQ(e.status(), "RUNNING");
    EXPECT_EQ(e.error_type(), "GATEWAY_REACHABILITY_TIMEOUT");
    EXPECT_THAT(e.what(), HasSubstr("Sandbox ia reached RUNNING but did not become reachable through the gateway within 3s"));
    EXPECT_THAT(e.what(), HasSubstr("Last error: envd /health answered HTTP 200"));
  }
}

TEST_F(WaitOverMock, BacksOffWithJitterBetweenPolls) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "paused"))))
      .WillOnce(Return(reply(200, sandbox_json("ia", "paused"))))
      .WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("GET", "/health"))).WillOnce(Return(reply(204)));
  client().wait_for_creation("ia");
  const auto sleeps = clock_->sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_GE(sleeps[0], milliseconds(750));
  EXPECT_LE(sleeps[0], milliseconds(1250));
  EXPECT_GE(sleeps[1], milliseconds(1125));
  EXPECT_LE(sleeps[1], milliseconds(1875));
}

TEST_F(WaitOverMock, AGoneSandboxFailsAtOnce) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).WillOnce(Return(reply(404, R"({"code":404,"message":"gone"})")));
  // Why it ended: its log, which went with it (v2, then v1).
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia/logs"))).Times(2).WillRepeatedly(Return(reply(404)));
  try {
    client().wait_for_creation("ia");
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_EQ(e.sandbox_id(), "ia");
    EXPECT_EQ(e.error_type(), "SANDBOX_NOT_FOUND");
  }
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(WaitOverMock, RateLimitedPollsCountAsAttempts) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).Times(3).WillRepeatedly(Return(reply(429)));
  try {
    client().wait_for_creation("ia", 3);
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_STREQ(e.what(), "Sandbox did not reach RUNNING within 3s");
  }
}

TEST_F(WaitOverMock, NeverSleepsPastTheBudget) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).WillRepeatedly(Return(reply(503)));
  EXPECT_THROW(client().wait_for_creation("ia", 60), prime::SandboxNotRunningError);
  milliseconds total{0};
  for (auto s : clock_->sleeps()) total += s;
  EXPECT_EQ(total, milliseconds(115'000));  // Prime's T for 60 attempts
}

TEST_F(WaitOverMock, UnauthorizedIsRaisedNotWaitedOut) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(401)));
  EXPECT_THROW(client().wait_for_creation("ia"), prime::UnauthorizedError);
}

TEST_F(WaitOverMock, BulkWaitPollsTheListOnceAndNeverGetsEachSandbox) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes")))
      .WillOnce(Return(reply(200, list_body({{"ia", "paused"}, {"ib", "running"}, {"other", "running"}}))))
      .WillOnce(Return(reply(200, list_body({{"ia", "running"}, {"ib", "running"}}))));
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/"))).Times(0);
  EXPECT_CALL(*transport_, send(Req("GET", "/health"))).Times(2).WillRepeatedly(Return(reply(204)));
  const auto result = client().bulk_wait_for_creation({"ia", "ib"});
  EXPECT_EQ(result, (std::map<std::string, std::string>{{"ia", "RUNNING"}, {"ib", "RUNNING"}}));
  EXPECT_EQ(clock_->sleeps().size(), 1u);
}

TEST_F(WaitOverMock, BulkWaitReportsMissingSandboxes) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes"))).WillOnce(Return(reply(200, list_body({{"ia", "running"}}))));
  try {
    client().bulk_wait_for_creation({"ia", "ib"});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "Sandboxes unavailable: [('ib', 'NOT_FOUND')]");
  }
}

TEST_F(WaitOverMock, BulkWaitTimeoutListsEveryStatus) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes")))
      .Times(2)
      .WillRepeatedly(Return(reply(200, list_body({{"ia", "running"}, {"ib", "paused"}}))));
  try {
    client().bulk_wait_for_creation({"ia", "ib"}, 2);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "Timeout waiting for sandboxes to be ready. Status: {'ia': 'RUNNING', 'ib': 'PAUSED'}.");
  }
}

TEST_F(WaitOverMock, BulkWaitCountsRateLimitedPolls) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes"))).Times(2).WillRepeatedly(Return(reply(429)));
  try {
    client().bulk_wait_for_creation({"ia"}, 2);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "Timeout waiting for sandboxes to be ready. Status: {'ia': 'TIMEOUT'}.");
  }
}

TEST_F(WaitOverMock, BulkWaitNamesUnreachableSandboxes) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes"))).WillOnce(Return(reply(200, list_body({{"ia", "running"}}))));
  EXPECT_CALL(*transport_, send(Req("GET", "/health"))).WillOnce(Return(reply(502)));
  try {
    client().bulk_wait_for_creation({"ia"}, 1);
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("Last reachability errors: {'ia': 'envd /health answered HTTP 502'}"));
  }
}

TEST_F(WaitOverMock, BulkWaitRejectsBadIdLists) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  EXPECT_THROW(client().bulk_wait_for_creation({}), std::invalid_argument);
  EXPECT_THROW(client().bulk_wait_for_creation({"ia", "ia"}), std::invalid_argument);
}

}  // namespace
