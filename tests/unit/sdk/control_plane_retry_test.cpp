// Control-plane retries through the Prime layer over a mocked transport, on a
// ManualClock: which calls are retried, how long they wait, and when they stop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
using sdk_test::created_json;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using std::chrono::milliseconds;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::Throw;

namespace {

core::TransportError transport_error(core::TransportError::Kind kind) { return {kind, "simulated"}; }

class RetryOverMock : public ::testing::Test {
 protected:
  prime::SandboxClient client(core::RetryPolicy policy) {
    return prime::SandboxClient(prime::APIClient(prime::ClientOptions{.api_key = "sk_test",
                                                                      .api_url = "http://api.test",
                                                                      .request_timeout = std::chrono::seconds(30),
                                                                      .transport = transport_,
                                                                      .retry = policy,
                                                                      .clock = clock_}));
  }
  // Exact waits: base 100 ms doubling up to 1 s, no jitter.
  static core::RetryPolicy exact(int attempts = 3) {
    return {.max_attempts = attempts, .base_delay = milliseconds(100), .max_delay = milliseconds(1000), .jitter = 0};
  }

  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  std::shared_ptr<core::ManualClock> clock_ = std::make_shared<core::ManualClock>();
};

TEST_F(RetryOverMock, GetIsRetriedOn502503504ThenSucceeds) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia")))
      .WillOnce(Return(reply(502)))
      .WillOnce(Return(reply(503)))
      .WillOnce(Return(reply(200, sandbox_json("ia"))));
  auto c = client(exact());
  EXPECT_EQ(c.get("ia").id, "ia");
  EXPECT_THAT(clock_->sleeps(), ElementsAre(milliseconds(100), milliseconds(200)));
}

TEST_F(RetryOverMock, GivesUpAfterMaxAttemptsWithTheLastStatus) {
  EXPECT_CALL(*transport_, send(_)).Times(3).WillRepeatedly(Return(reply(504, R"({"code":504,"message":"gw"})")));
  auto c = client(exact(3));
  try {
    c.get("ia");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 504);
    EXPECT_THAT(e.what(), HasSubstr("gw"));
  }
  EXPECT_EQ(clock_->sleeps().size(), 2u);
}

TEST_F(RetryOverMock, BackoffDoublesAndStopsAtTheCap) {
  EXPECT_CALL(*transport_, send(_)).Times(5).WillRepeatedly(Return(reply(503)));
  auto c = client({.max_attempts = 5, .base_delay = milliseconds(100), .max_delay = milliseconds(300), .jitter = 0});
  EXPECT_THROW(c.get("ia"), prime::APIError);
  EXPECT_THAT(clock_->sleeps(),
              ElementsAre(milliseconds(100), milliseconds(200), milliseconds(300), milliseconds(300)));
}

TEST_F(RetryOverMock, ConnectionErrorsAreRetriedOnIdempotentCalls) {
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/ia")))
      .WillOnce(Throw(transport_error(core::TransportError::Kind::connect)))
      .WillOnce(Throw(transport_error(core::TransportError::Kind::connection_lost)))
      .WillOnce(Return(reply(204)));
  auto c = client(exact());
  EXPECT_TRUE(c.delete_("ia").success);
}

TEST_F(RetryOverMock, OtherStatusesAreNotRetried) {
  for (int status : {400, 404, 409, 500}) {
    EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(status)));
    auto c = client(exact());
    EXPECT_THROW(c.get("ia"), prime::APIError) << status;
    ::testing::Mock::VerifyAndClearExpectations(transport_.get());
  }
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(RetryOverMock, TimeoutsAreNotRetried) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Throw(transport_error(core::TransportError::Kind::timeout)));
  auto c = client(exact());
  EXPECT_THROW(c.get("ia"), prime::APITimeoutError);
}

TEST_F(RetryOverMock, RateLimitWaitsExactlyRetryAfterSeconds) {
  EXPECT_CALL(*transport_, send(_))
      .WillOnce(Return(reply(429, R"({"code":429,"message":"Rate limit exceeded"})", {{"Retry-After", "7"}})))
      .WillOnce(Return(reply(200, sandbox_json("ia"))));
  auto c = client(exact());
  EXPECT_EQ(c.get("ia").id, "ia");
  EXPECT_THAT(clock_->sleeps(), ElementsAre(milliseconds(7000)));
}

TEST_F(RetryOverMock, RateLimitWithoutRetryAfterBacksOff) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(429))).WillOnce(Return(reply(200, sandbox_json("ia"))));
  auto c = client(exact());
  EXPECT_EQ(c.get("ia").id, "ia");
  EXPECT_THAT(clock_->sleeps(), ElementsAre(milliseconds(100)));
}

TEST_F(RetryOverMock, RetryAfterBeyondTheCallsTimeoutIsNotWaitedOut) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(429, "", {{"Retry-After", "31"}})));
  auto c = client(exact());  // request_timeout is 30 s
  try {
    c.get("ia");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 429);
  }
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(RetryOverMock, EachAttemptGetsOnlyWhatIsLeftOfTheOverallTimeout) {
  std::vector<milliseconds> timeouts;
  EXPECT_CALL(*transport_, send(_))
      .WillOnce([&](const core::HttpRequest& r) {
        timeouts.push_back(r.timeout);
        return reply(503, "", {{"Retry-After", "10"}});
      })
      .WillOnce([&](const core::HttpRequest& r) {
        timeouts.push_back(r.timeout);
        return reply(200, sandbox_json("ia"));
      });
  auto c = client(exact());
  c.get("ia");
  EXPECT_THAT(timeouts, ElementsAre(milliseconds(30'000), milliseconds(20'000)));
}

TEST_F(RetryOverMock, OneAttemptDisablesRetries) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(503)));
  auto c = client(exact(1));
  EXPECT_THROW(c.get("ia"), prime::APIError);
}

TEST_F(RetryOverMock, CreateIsNotRetriedOnAStatusOrALostConnection) {
  EXPECT_CALL(*transport_, send(Req("GET", "/templates"))).WillRepeatedly(Return(reply(200, "[]")));
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes")))
      .WillOnce(Return(reply(503)))
      .WillOnce(Throw(transport_error(core::TransportError::Kind::connection_lost)))
      .WillOnce(Return(reply(429, "", {{"Retry-After", "1"}})));
  auto c = client(exact(5));
  const prime::CreateSandboxRequest request{.name = "n", .docker_image = "img"};
  EXPECT_THROW(c.create(request), prime::APIError);
  EXPECT_THROW(c.create(request), prime::APIError);
  EXPECT_THROW(c.create(request), prime::APIError);
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(RetryOverMock, CreateIsRetriedWhenTheConnectionNeverOpened) {
  EXPECT_CALL(*transport_, send(Req("GET", "/templates"))).WillOnce(Return(reply(200, "[]")));
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes")))
      .WillOnce(Throw(transport_error(core::TransportError::Kind::connect)))
      .WillOnce(Return(reply(201, created_json("inew"))));
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/inew"))).WillOnce(Return(reply(200, sandbox_json("inew"))));
  auto c = client(exact());
  EXPECT_EQ(c.create({.name = "n", .docker_image = "img"}).id, "inew");
}

TEST_F(RetryOverMock, PauseIsNotRetriedOnA503) {
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes/ia/pause"))).WillOnce(Return(reply(503)));
  auto c = client(exact());
  EXPECT_THROW(c.pause("ia"), prime::APIError);
}

TEST_F(RetryOverMock, TimeoutAndConnectPostsAreRetried) {
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes/ia/timeout")))
      .WillOnce(Return(reply(502)))
      .WillOnce(Return(reply(204)));
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes/ia/connect")))
      .WillOnce(Return(reply(503)))
      .WillOnce(Return(reply(201, created_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).Times(2).WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
  auto c = client(exact());
  c.update("ia", {.timeout_minutes = 5});
  c.resume("ia");
  EXPECT_EQ(clock_->sleeps().size(), 2u);
}

TEST(BackoffDelay, JitterStaysWithinItsFraction) {
  const core::RetryPolicy policy{.base_delay = milliseconds(1000), .max_delay = milliseconds(8000), .jitter = 0.5};
  EXPECT_EQ(core::backoff_delay(policy, 1, 0.0), milliseconds(1000));
  EXPECT_EQ(core::backoff_delay(policy, 1, 0.99), milliseconds(505));
  EXPECT_EQ(core::backoff_delay(policy, 3, 0.0), milliseconds(4000));
  EXPECT_EQ(core::backoff_delay(policy, 10, 0.0), milliseconds(8000));  // capped
  for (int i = 0; i < 100; ++i) {
    const auto d = core::backoff_delay(policy, 2, core::unit_random());
    EXPECT_GE(d, milliseconds(1000));
    EXPECT_LE(d, milliseconds(2000));
  }
}

// Found by fuzz_sdk_responses: a body of the right JSON shape with a value the
// models refuse (an unknown state, a timestamp past 2261) escaped as
// std::invalid_argument instead of the API error a malformed response is.
TEST_F(RetryOverMock, AResponseWithValuesTheModelsRefuseIsAnApiError) {
  const std::string far_future = R"({"templateID":"t","sandboxID":"ia","clientID":"c","startedAt":"4052-01-02T03:04:05Z",)"
                                 R"("endAt":"4052-01-02T04:04:05Z","state":"running","metadata":{}})";
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "hibernating"))))
      .WillOnce(Return(reply(200, far_future)));
  auto c = client(exact(1));
  for (int i = 0; i < 2; ++i) {
    try {
      c.get("ia");
      ADD_FAILURE() << "no error for response " << i;
    } catch (const prime::APIError& e) {
      EXPECT_THAT(e.what(), HasSubstr("unexpected response shape")) << i;
    }
  }
}

}  // namespace
