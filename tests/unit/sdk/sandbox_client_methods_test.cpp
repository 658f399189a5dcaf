// bulk_delete, get_logs, update, pause and resume over a mocked transport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
using sdk_test::created_json;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using ::testing::_;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
using ::testing::UnorderedElementsAre;

namespace {

class MethodsOverMock : public ::testing::Test {
 protected:
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  prime::SandboxClient client_{prime::APIClient(prime::ClientOptions{
      .api_key = "sk_test",
      .api_url = "http://api.test",
      .transport = transport_,
      .retry = {.max_attempts = 1},
      .clock = std::make_shared<core::ManualClock>()})};
};

std::map<std::string, std::string> failure(const std::string& id, const std::string& error) {
  return {{"id", id}, {"sandbox_id", id}, {"error", error}};
}

TEST_F(MethodsOverMock, BulkDeleteNeedsExactlyOneOfIdsAndLabels) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  for (const auto& options : {prime::BulkDeleteOptions{},
                              prime::BulkDeleteOptions{.sandbox_ids = std::vector<std::string>{"ia"},
                                                       .labels = std::vector<std::string>{"x"}}}) {
    try {
      client_.bulk_delete(options);
      FAIL() << "no error";
    } catch (const prime::APIError& e) {
      EXPECT_STREQ(e.what(), "Must specify either sandbox_ids or labels, but not both");
    }
  }
}

TEST_F(MethodsOverMock, BulkDeleteCountsAnUnknownIdAsAFailure) {
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/ia"))).WillOnce(Return(reply(204)));
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/inope")))
      .WillOnce(Return(reply(404, R"({"code":404,"message":"sandbox not found"})")));
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/iboom")))
      .WillOnce(Return(reply(500, R"({"code":500,"message":"boom"})")));
  const auto result = client_.bulk_delete({.sandbox_ids = std::vector<std::string>{"ia", "inope", "iboom"}});
  EXPECT_THAT(result.succeeded, ElementsAre("ia"));
  ASSERT_EQ(result.failed.size(), 2u);
  EXPECT_EQ(result.failed[0], failure("inope", "Sandbox not found"));
  EXPECT_EQ(result.failed[1].at("id"), "iboom");
  EXPECT_THAT(result.failed[1].at("error"), HasSubstr("boom"));
  EXPECT_EQ(result.message, "Deleted 1/3 sandboxes");
}

TEST_F(MethodsOverMock, BulkDeleteWithAnEmptyListDeletesNothing) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  EXPECT_EQ(client_.bulk_delete({.sandbox_ids = std::vector<std::string>{}}).message, "Deleted 0/0 sandboxes");
  EXPECT_EQ(client_.bulk_delete({.labels = std::vector<std::string>{}}).message, "Deleted 0/0 sandboxes");
}

TEST_F(MethodsOverMock, BulkDeleteDeletesARepeatedIdOnce) {
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/ia"))).WillOnce(Return(reply(204)));
  const auto result = client_.bulk_delete({.sandbox_ids = std::vector<std::string>{"ia", "ia"}});
  EXPECT_EQ(result.message, "Deleted 1/1 sandboxes");
}

TEST_F(MethodsOverMock, BulkDeleteByLabelsFollowsEveryPage) {
  EXPECT_CALL(*transport_, send(AllOf(Req("GET", "/v2/sandboxes?"),
                                      Field(&core::HttpRequest::url, HasSubstr("custom_label")),
                                      Field(&core::HttpRequest::url, Not(HasSubstr("nextToken"))))))
      .WillOnce(Return(reply(200, "[" + sandbox_json("ia") + "," + sandbox_json("ib") + "]", {{"X-Next-Token", "p2"}})));
  EXPECT_CALL(*transport_, send(Req("GET", "nextToken=p2"))).WillOnce(Return(reply(200, "[" + sandbox_json("ic") + "]")));
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/i"))).Times(3).WillRepeatedly(Return(reply(204)));
  const auto result = client_.bulk_delete({.labels = std::vector<std::string>{"exp"}});
  EXPECT_THAT(result.succeeded, UnorderedElementsAre("ia", "ib", "ic"));
  EXPECT_TRUE(result.failed.empty());
  EXPECT_EQ(result.message, "Deleted 3/3 sandboxes");
}

TEST_F(MethodsOverMock, BulkDeleteLabelLookupFailureIsAnApiError) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes"))).WillOnce(Return(reply(500, "down")));
  try {
    client_.bulk_delete({.labels = std::vector<std::string>{"exp"}});
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Failed to find sandboxes by labels"));
  }
}

TEST_F(MethodsOverMock, BulkDeleteRunsDeletesConcurrently) {
  std::mutex mutex;
  std::condition_variable both_in;
  int inside = 0;
  int most_inside = 0;
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/"))).Times(2).WillRepeatedly([&](const core::HttpRequest&) {
    std::unique_lock lock(mutex);
    most_inside = std::max(most_inside, ++inside);
    both_in.notify_all();
    // Serial deletes would never get two in here; the bound only keeps a bug from hanging the run.
    both_in.wait_for(lock, std::chrono::seconds(20), [&] { return most_inside >= 2; });
    --inside;
    return reply(204);
  });
  EXPECT_EQ(client_.bulk_delete({.sandbox_ids = std::vector<std::string>{"ia", "ib"}}).message, "Deleted 2/2 sandboxes");
  EXPECT_EQ(most_inside, 2);
}

TEST_F(MethodsOverMock, GetLogsJoinsTheV2Messages) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes/ia/logs")))
      .WillOnce(Return(reply(200, R"({"logs":[
        {"timestamp":"2026-01-01T00:00:00Z","level":"info","message":"first","fields":{}},
        {"timestamp":"2026-01-01T00:00:01Z","level":"warn","message":"second","fields":{"k":"v"}}]})")));
  // Whether it has a start command whose output to add: no.
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, "http://api.test/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_EQ(client_.get_logs("ia"), "first\nsecond");
}

TEST_F(MethodsOverMock, GetLogsAddsTheStartCommandsOutputAfterTheControlPlanesLines) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes/ia/logs")))
      .WillOnce(Return(reply(200, R"({"logs":[
        {"timestamp":"2026-01-01T00:00:00Z","level":"info","message":"Sandbox created","fields":{}}]})")));
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, "http://api.test/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running", R"(,"metadata":{"prime_start_command":"./serve"})"))));
  EXPECT_CALL(*transport_, send(Req("POST", "filesystem.Filesystem/Stat")))
      .WillOnce([](const core::HttpRequest& r) {
        EXPECT_THAT(r.body, HasSubstr("/tmp/.prime_start_command.log"));
        return reply(200, R"({"entry":{"name":"l","type":"FILE_TYPE_FILE","path":"/l","size":"12"}})");
      });
  EXPECT_CALL(*transport_, send(Req("GET", "/files?path=%2Ftmp%2F.prime_start_command.log")))
      .WillOnce(Return(reply(200, "listening 80")));
  EXPECT_EQ(client_.get_logs("ia"), "Sandbox created\nlistening 80");
}

TEST_F(MethodsOverMock, GetLogsFallsBackToV1) {
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, "http://api.test/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes/ia/logs"))).WillOnce(Return(reply(404)));
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, "http://api.test/sandboxes/ia/logs")))
      .WillOnce(Return(reply(200, R"({"logs":[{"timestamp":"2026-01-01T00:00:00Z","line":"only"}],"logEntries":[]})")));
  EXPECT_EQ(client_.get_logs("ia"), "only");
}

TEST_F(MethodsOverMock, GetLogsOfAnUnknownSandboxIsA404ApiError) {
  EXPECT_CALL(*transport_, send(Req("GET", "/logs"))).Times(2).WillRepeatedly(Return(reply(404, R"({"code":404,"message":"nope"})")));
  try {
    client_.get_logs("inope");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 404);
  }
}

TEST_F(MethodsOverMock, UpdateSetsTheTimeoutInSeconds) {
  EXPECT_CALL(*transport_, send(AllOf(Req("POST", "/sandboxes/ia/timeout"),
                                      Field(&core::HttpRequest::body, R"({"timeout":1800})"))))
      .WillOnce(Return(reply(204)));
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_EQ(client_.update("ia", {.timeout_minutes = 30}).id, "ia");
}

TEST_F(MethodsOverMock, UpdateOfOtherFieldsSaysWhichOnesPpioCannotChange) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  try {
    client_.update("ia", {.name = "x", .cpu_cores = 2, .timeout_minutes = 5});
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_STREQ(e.what(), "PPIO cannot update name, cpu_cores of an existing sandbox; only timeout_minutes can be changed");
  }
  EXPECT_THROW(client_.update("ia", {.timeout_minutes = 0}), std::invalid_argument);
}

TEST_F(MethodsOverMock, PauseReportsAlreadyPausedAsFalse) {
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes/ia/pause")))
      .WillOnce(Return(reply(204)))
      .WillOnce(Return(reply(409, R"({"code":409,"message":"already paused"})")))
      .WillOnce(Return(reply(404, R"({"code":404,"message":"not found"})")));
  EXPECT_TRUE(client_.pause("ia"));
  EXPECT_FALSE(client_.pause("ia"));
  EXPECT_THROW(client_.pause("ia"), prime::APIError);
}

TEST_F(MethodsOverMock, ResumeConnectsWithTheTimeoutInSeconds) {
  EXPECT_CALL(*transport_, send(AllOf(Req("POST", "/sandboxes/ia/connect"),
                                      Field(&core::HttpRequest::body, R"({"timeout":600})"))))
      .WillOnce(Return(reply(201, created_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_EQ(client_.resume("ia", 10).status, "RUNNING");
}

}  // namespace
