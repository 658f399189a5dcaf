// E2B answers 400 "invalid sandbox ID" for ids no sandbox can have (more than
// one dash). Prime's callers use such ids ("nonexistent-sandbox-id") and expect
// the unknown-sandbox behaviour, so the SDK reads that answer as a 404.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using ::testing::_;
using ::testing::Return;

namespace {

constexpr const char* kInvalidId = R"({"code":400,"message":"invalid sandbox ID"})";

class InvalidSandboxId : public ::testing::Test {
 protected:
  prime::SandboxClient client() {
    return prime::SandboxClient(prime::APIClient(
        prime::ClientOptions{.api_key = "sk_test", .api_url = "http://api.test", .transport = transport_}));
  }
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
};

TEST_F(InvalidSandboxId, DeleteReportsNotFoundWithoutRaising) {
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/no-such-id"))).WillOnce(Return(reply(400, kInvalidId)));
  const auto result = client().delete_("no-such-id");
  EXPECT_FALSE(result.success);
}

TEST_F(InvalidSandboxId, GetRaisesApiErrorWithStatus404AndTheServicesMessage) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/no-such-id"))).WillOnce(Return(reply(400, kInvalidId)));
  try {
    client().get("no-such-id");
    FAIL() << "get of an invalid id returned";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("invalid sandbox ID"));
  }
}

TEST_F(InvalidSandboxId, ExecuteCommandRaisesSandboxNotRunning) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/no-such-id"))).WillOnce(Return(reply(400, kInvalidId)));
  // Asked why it is not running: the log of an invalid id is not there either.
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/no-such-id/logs"))).Times(2).WillRepeatedly(Return(reply(400, kInvalidId)));
  EXPECT_THROW(client().execute_command("no-such-id", "echo hi"), prime::SandboxNotRunningError);
}

TEST_F(InvalidSandboxId, OtherBadRequestsKeepTheirStatus) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(400, R"({"code":400,"message":"bad timeout"})")));
  try {
    client().get("ia");
    FAIL() << "a 400 was not raised";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 400);
  }
}

}  // namespace
