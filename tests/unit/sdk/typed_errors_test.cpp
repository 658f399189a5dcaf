// Prime's typed not-running errors (OOM, timeout, image pull) where PPIO gives
// the signal, and the cause every error keeps, over a mocked transport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/core/envd.hpp"
#include "ppio_sandbox/core/errors.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
namespace envd = ppio_sandbox::core::envd;
using nlohmann::json;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::StartsWith;

namespace {

namespace connect = ppio_sandbox::core::connect;

constexpr const char* kGone = R"({"code":404,"message":"sandbox \"ia\" doesn't exist or you don't have access to it"})";

class TypedErrors : public ::testing::Test {
 protected:
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  std::shared_ptr<core::ManualClock> clock_ = std::make_shared<core::ManualClock>();
  prime::SandboxClient client_{prime::APIClient(prime::ClientOptions{.api_key = "sk_test",
                                                                     .api_url = "http://api.test",
                                                                     .sandbox_url = "http://envd.test",
                                                                     .team_id = "",
                                                                     .transport = transport_,
                                                                     .retry = {.max_attempts = 1},
                                                                     .clock = clock_})};

  // A sandbox that ends `from_now` after the client's wall clock.
  std::string sandbox_ending_in(std::chrono::seconds from_now) const {
    const auto now = clock_->wall_now();
    return json{{"templateID", "t"},       {"sandboxID", "ia"},      {"clientID", "c"},
                {"startedAt", core::format_rfc3339(now - std::chrono::minutes(1))},
                {"endAt", core::format_rfc3339(now + from_now)},
                {"cpuCount", 1},           {"memoryMB", 1024},      {"diskSizeMB", 1024},
                {"state", "running"},      {"envdVersion", "0.6.13"}, {"metadata", json::object()}}
        .dump();
  }
  void expect_logs(int status, const std::vector<std::string>& lines = {}) {
    json logs = json::array();
    for (const auto& line : lines) {
      logs.push_back({{"timestamp", "2026-01-01T00:00:00Z"}, {"level", "error"}, {"message", line}, {"fields", json::object()}});
    }
    EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes/ia/logs")))
        .WillOnce(Return(status == 200 ? reply(200, json{{"logs", logs}}.dump()) : reply(status, kGone)));
    if (status == 404) {
      EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia/logs"))).WillOnce(Return(reply(404, kGone)));
    }
  }
};

TEST_F(TypedErrors, AnOutOfMemoryLogLineMakesTheErrorSandboxOOMError) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia"))).WillOnce(Return(reply(404, kGone)));
  expect_logs(200, {"Sandbox created from template base", "Out of memory: Killed process 812 (python3)"});
  try {
    client_.execute_command("ia", "python3 -c 'x = bytearray(1 << 40)'");
    FAIL() << "nothing thrown";
  } catch (const prime::SandboxOOMError& e) {
    EXPECT_EQ(e.error_type(), "OOM_KILLED");
    EXPECT_EQ(e.command(), "python3 -c 'x = bytearray(1 << 40)'");
    EXPECT_EQ(std::string(e.what()),
              "Command 'python3 -c 'x = bytearray(1 << 40)'' failed: sandbox is no longer running. The sandbox was "
              "terminated due to out-of-memory (OOM). Consider requesting more memory or optimizing memory usage. "
              "Details: Out of memory: Killed process 812 (python3)");
  }
}

TEST_F(TypedErrors, AnImagePullLogLineMakesTheErrorSandboxImagePullError) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia"))).WillOnce(Return(reply(404, kGone)));
  expect_logs(200, {"failed to pull image registry.test/app:1: not found"});
  EXPECT_THROW(client_.wait_for_creation("ia"), prime::SandboxImagePullError);
}

TEST_F(TypedErrors, ASandboxGonePastItsEndIsASandboxTimeoutError) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_ending_in(std::chrono::seconds(60)))))
      .WillOnce(Return(reply(404, kGone)));
  expect_logs(404);
  client_.get("ia");                           // the client learns when it ends
  clock_->advance(std::chrono::minutes(2));    // ... and that time passes
  try {
    client_.wait_for_creation("ia");
    FAIL() << "nothing thrown";
  } catch (const prime::SandboxTimeoutError& e) {
    EXPECT_EQ(e.error_type(), "TIMEOUT");
    EXPECT_EQ(e.status(), "TIMEOUT");
    EXPECT_THAT(e.what(), StartsWith("Sandbox ia failed (TIMEOUT): The sandbox reached its timeout at "));
    // Its cause is the control plane's 404.
    const auto cause = prime::cause_of(e);
    ASSERT_TRUE(cause);
    try {
      std::rethrow_exception(cause);
    } catch (const core::ApiException& api) {
      EXPECT_EQ(api.status(), 404);
    }
  }
}

TEST_F(TypedErrors, ASandboxGoneBeforeItsEndIsTerminatedNotATimeout) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_ending_in(std::chrono::hours(1)))))
      .WillOnce(Return(reply(404, kGone)));
  expect_logs(404);
  client_.get("ia");
  try {
    client_.wait_for_creation("ia");
    FAIL() << "nothing thrown";
  } catch (const prime::SandboxTimeoutError&) {
    FAIL() << "deleted early, yet reported as a timeout";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_EQ(e.error_type(), "SANDBOX_NOT_FOUND");
    EXPECT_EQ(e.status(), "TERMINATED");
  }
}

TEST_F(TypedErrors, AnApiErrorKeepsTheServicesAnswerAsItsCause) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia"))).WillOnce(Return(reply(404, kGone)));
  try {
    client_.get("ia");
    FAIL() << "nothing thrown";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 404);
    try {
      std::rethrow_if_nested(e);
      FAIL() << "no cause";
    } catch (const core::ApiException& cause) {
      EXPECT_EQ(cause.status(), 404);
      EXPECT_THAT(cause.message(), HasSubstr("doesn't exist"));
    }
  }
}

TEST_F(TypedErrors, ACommandTimeoutKeepsEnvdsDeadlineErrorAsItsCause) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_ending_in(std::chrono::hours(1)))));
  EXPECT_CALL(*transport_, send(Req("POST", "process.Process/Start")))
      .WillOnce(Return(reply(200, connect::encode_message(envd::process_stream_message(envd::StartEvent{7})) +
                                      connect::encode_end_stream(connect::Error{connect::Code::deadline_exceeded,
                                                                                "deadline exceeded"}))));
  try {
    client_.execute_command("ia", "sleep 100", {.timeout = 2});
    FAIL() << "nothing thrown";
  } catch (const prime::CommandTimeoutError& e) {
    EXPECT_STREQ(e.what(), "Command 'sleep 100' timed out after 2s in sandbox ia");
    const auto cause = prime::cause_of(e);
    ASSERT_TRUE(cause);
    try {
      std::rethrow_exception(cause);
    } catch (const connect::RpcError& rpc) {
      EXPECT_EQ(rpc.error().code, connect::Code::deadline_exceeded);
    }
  }
}

TEST_F(TypedErrors, TheHierarchyIsPrimes) {
  // Not-running errors are RuntimeErrors, not APIErrors; batch-unsupported is an APIError.
  static_assert(std::is_base_of_v<prime::SandboxNotRunningError, prime::SandboxOOMError>);
  static_assert(std::is_base_of_v<prime::SandboxNotRunningError, prime::SandboxTimeoutError>);
  static_assert(std::is_base_of_v<prime::SandboxNotRunningError, prime::SandboxImagePullError>);
  static_assert(!std::is_base_of_v<prime::APIError, prime::SandboxNotRunningError>);
  static_assert(std::is_base_of_v<prime::APIError, prime::BatchStatusUnsupportedError>);
  EXPECT_STREQ(prime::BatchStatusUnsupportedError().what(),
               "The platform does not support batch sandbox status lookups.");
  EXPECT_STREQ(prime::SandboxOOMError("ia", "TERMINATED", "OOM_KILLED").what(), "Sandbox ia failed (OOM_KILLED)");
  EXPECT_FALSE(prime::cause_of(prime::APIError("no cause")));
}

}  // namespace
