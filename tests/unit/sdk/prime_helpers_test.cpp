// get_sandbox_statuses, get_background_jobs, is_vm and clear_auth_cache over a
// mocked transport: Prime's validations and messages, and what goes on the wire.
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
using ::testing::_;
using ::testing::Return;

namespace {

class HelpersOverMock : public ::testing::Test {
 protected:
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  prime::SandboxClient client_{prime::APIClient(prime::ClientOptions{.api_key = "sk_test",
                                                                     .api_url = "http://api.test",
                                                                     .sandbox_url = "http://envd.test",
                                                                     .team_id = "",
                                                                     .transport = transport_,
                                                                     .retry = {.max_attempts = 1},
                                                                     .clock = std::make_shared<core::ManualClock>()})};
};

template <class Fn>
std::string invalid_argument_message(Fn&& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<nothing thrown>";
}

TEST_F(HelpersOverMock, SandboxStatusesNeedOneToAHundredUniqueIds) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  EXPECT_EQ(invalid_argument_message([&] { client_.get_sandbox_statuses({}); }),
            "sandbox_ids must contain between 1 and 100 entries");
  std::vector<std::string> many(101);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = "i" + std::to_string(i);
  EXPECT_EQ(invalid_argument_message([&] { client_.get_sandbox_statuses(many); }),
            "sandbox_ids must contain between 1 and 100 entries");
  EXPECT_EQ(invalid_argument_message([&] { client_.get_sandbox_statuses({"ia", "ib", "ia"}); }),
            "sandbox_ids must be unique");
}

TEST_F(HelpersOverMock, SandboxStatusesComeFromOneListWalkWithPerIdErrors) {
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes?limit=100")))
      .WillOnce(Return(reply(200, "[" + sandbox_json("ia") + "," + sandbox_json("ib", "paused") + "]",
                             {{"X-Next-Token", "page2"}})));
  EXPECT_CALL(*transport_, send(Req("GET", "nextToken=page2")))
      .WillOnce(Return(reply(200, "[" + sandbox_json("ic") + "]")));
  const auto r = client_.get_sandbox_statuses({"ic", "inope", "ib"});
  ASSERT_EQ(r.statuses.size(), 2u);
  EXPECT_EQ(r.statuses[0].sandbox_id, "ic");
  EXPECT_EQ(r.statuses[0].status, prime::SandboxStatus::RUNNING);
  EXPECT_EQ(r.statuses[1].sandbox_id, "ib");
  EXPECT_EQ(r.statuses[1].status, prime::SandboxStatus::PAUSED);
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].sandbox_id, "inope");
  EXPECT_EQ(r.errors[0].code, "NOT_FOUND");
}

TEST_F(HelpersOverMock, IsVmAsksOnceAndThenAnswersFromTheCache) {
  // Left unset at create: every PPIO sandbox is a microVM, as Prime's platform default.
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).Times(2).WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/icontainer")))
      .WillOnce(Return(reply(200, sandbox_json("icontainer", "running", R"(,"metadata":{"prime_vm":"false"})"))));
  EXPECT_TRUE(client_.is_vm("ia"));
  EXPECT_TRUE(client_.is_vm("ia"));  // no second GET
  EXPECT_FALSE(client_.is_vm("icontainer"));
  EXPECT_FALSE(client_.is_vm("icontainer"));
  client_.clear_auth_cache();
  EXPECT_TRUE(client_.is_vm("ia"));  // the cache was cleared: asked again
}

TEST_F(HelpersOverMock, BackgroundJobBatchesHavePrimesChecks) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  const auto job = [](const std::string& sandbox, const std::string& id) {
    return prime::BackgroundJob{id, sandbox, "/tmp/job_" + id + ".stdout.log", "/tmp/job_" + id + ".stderr.log",
                                "/tmp/job_" + id + ".exit"};
  };
  EXPECT_EQ(invalid_argument_message([&] { client_.get_background_jobs({}); }),
            "jobs must contain between 1 and 100 entries");
  EXPECT_EQ(invalid_argument_message([&] { client_.get_background_jobs(std::vector(101, job("ia", "0123abcd"))); }),
            "jobs must contain between 1 and 100 entries");
  EXPECT_EQ(invalid_argument_message([&] { client_.get_background_jobs({job("ia", "xyz")}); }),
            "Invalid background job ID: xyz");
  auto moved = job("ia", "0123abcd");
  moved.stdout_log_file = "/tmp/elsewhere.log";
  EXPECT_EQ(invalid_argument_message([&] { client_.get_background_jobs({moved}); }),
            "Batch status requires an unmodified BackgroundJob returned by start_background_job().");
  EXPECT_EQ(invalid_argument_message([&] { client_.get_background_jobs({job("ia", "0123abcd"), job("ia", "0123abcd")}); }),
            "jobs must be unique");
}

TEST_F(HelpersOverMock, BackgroundJobBatchAnswersInInputOrder) {
  // Each job's exit file: the first finished with 3, the second is still running (no file yet).
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("POST", "filesystem.Filesystem/Stat"))).WillRepeatedly([](const core::HttpRequest& r) {
    if (r.body.find("job_aaaaaaaa.exit") != std::string::npos) {
      return reply(200, R"({"entry":{"name":"x","type":"FILE_TYPE_FILE","path":"/x","size":"2"}})");
    }
    if (r.body.find("job_aaaaaaaa.std") != std::string::npos) {
      return reply(200, R"({"entry":{"name":"x","type":"FILE_TYPE_FILE","path":"/x","size":"0"}})");
    }
    return reply(404, R"({"code":"not_found","message":"no such file"})");
  });
  EXPECT_CALL(*transport_, send(Req("GET", "/files?path=%2Ftmp%2Fjob_aaaaaaaa.exit"))).WillOnce(Return(reply(200, "3\n")));
  const auto make = [](const std::string& id) {
    return prime::BackgroundJob{id, "ia", "/tmp/job_" + id + ".stdout.log", "/tmp/job_" + id + ".stderr.log",
                                "/tmp/job_" + id + ".exit"};
  };
  const auto statuses = client_.get_background_jobs({make("aaaaaaaa"), make("bbbbbbbb")});
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].job_id, "aaaaaaaa");
  EXPECT_TRUE(statuses[0].completed);
  EXPECT_EQ(statuses[0].exit_code, 3);
  EXPECT_EQ(statuses[1].job_id, "bbbbbbbb");
  EXPECT_FALSE(statuses[1].completed);
}

}  // namespace
