// Prime's Config (environment, then ~/.prime/config.json) and the team it
// gives create, list and bulk delete, over a mocked transport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/core/url.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
namespace fs = std::filesystem;
using nlohmann::json;
using sdk_test::created_json;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;

namespace {

// Saves and restores the variables a test changes, and gives it a HOME of its own.
class WithEnvironment : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"HOME", "PPIO_API_KEY", "PRIME_TEAM_ID", "PRIME_USER_ID", "PPIO_DOMAIN", "PPIO_API_URL"}) {
      const char* v = std::getenv(name);
      saved_.emplace_back(name, v ? std::optional<std::string>(v) : std::nullopt);
      if (std::string(name) != "HOME") unsetenv(name);
    }
    home_ = fs::temp_directory_path() /
            ("ppio-config-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(home_ / ".prime");
    setenv("HOME", home_.c_str(), 1);
  }
  void TearDown() override {
    fs::remove_all(home_);
    for (const auto& [name, value] : saved_) {
      if (value) setenv(name.c_str(), value->c_str(), 1);
      else unsetenv(name.c_str());
    }
  }
  void write_config(const std::string& text) { std::ofstream(home_ / ".prime" / "config.json") << text; }

  fs::path home_;
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

using ConfigTest = WithEnvironment;

TEST_F(ConfigTest, ReadsTheFileOnceAndPrefersTheEnvironment) {
  write_config(R"({"api_key": "file-key", "team_id": "file-team", "user_id": "file-user",
                   "base_url": "https://api.primeintellect.ai"})");
  prime::Config config;
  EXPECT_EQ(config.config_file(), home_ / ".prime" / "config.json");
  EXPECT_EQ(config.api_key(), "file-key");
  EXPECT_EQ(config.team_id(), "file-team");
  EXPECT_EQ(config.user_id(), "file-user");
  // Prime's own API is never taken for PPIO's.
  EXPECT_EQ(config.base_url(), "https://api.sandbox.ppio.cn");

  setenv("PPIO_API_KEY", "env-key", 1);
  setenv("PRIME_TEAM_ID", "env-team", 1);
  setenv("PRIME_USER_ID", "env-user", 1);
  setenv("PPIO_API_URL", "http://127.0.0.1:3000/", 1);
  EXPECT_EQ(config.api_key(), "env-key");
  EXPECT_EQ(config.team_id(), "env-team");
  EXPECT_EQ(config.user_id(), "env-user");
  EXPECT_EQ(config.base_url(), "http://127.0.0.1:3000");

  write_config(R"({"team_id": "changed"})");  // read once: a later change is not seen
  unsetenv("PRIME_TEAM_ID");
  EXPECT_EQ(config.team_id(), "file-team");
}

TEST_F(ConfigTest, AnEmptyTeamVariableIsEmptyAndAnEmptyFileTeamIsNone) {
  write_config(R"({"team_id": ""})");
  EXPECT_EQ(prime::Config().team_id(), std::nullopt);
  setenv("PRIME_TEAM_ID", "", 1);
  EXPECT_EQ(prime::Config().team_id(), "");  // Prime: set at all wins, even empty
}

TEST_F(ConfigTest, AMissingOrBrokenFileIsEmpty) {
  EXPECT_EQ(prime::Config().team_id(), std::nullopt);
  write_config("{not json");
  EXPECT_EQ(prime::Config().api_key(), "");
  write_config(R"(["a", "list"])");
  EXPECT_EQ(prime::Config().user_id(), std::nullopt);
}

class TeamScoping : public WithEnvironment {
 protected:
  prime::SandboxClient client(std::optional<std::string> team = std::nullopt) {
    return prime::SandboxClient(prime::APIClient(prime::ClientOptions{.api_key = "sk_test",
                                                                      .api_url = "http://api.test",
                                                                      .team_id = std::move(team),
                                                                      .transport = transport_,
                                                                      .retry = {.max_attempts = 1},
                                                                      .clock = std::make_shared<core::ManualClock>()}));
  }
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
};

std::string metadata_filter_of(const std::string& url) {
  const auto at = url.find("metadata=");
  if (at == std::string::npos) return "";
  auto end = url.find('&', at);
  const auto value = url.substr(at + 9, end == std::string::npos ? std::string::npos : end - at - 9);
  json out = json::object();
  for (const auto& [k, v] : core::decode_metadata_filter(core::percent_decode(value))) out[k] = v;
  return out.dump();
}

TEST_F(TeamScoping, CreateTagsTheConfiguredTeamWithoutChangingTheRequest) {
  setenv("PRIME_TEAM_ID", "team-env", 1);
  json sent;
  EXPECT_CALL(*transport_, send(Req("GET", "/templates"))).WillOnce(Return(reply(200, "[]")));
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes"))).Times(2).WillRepeatedly([&](const core::HttpRequest& r) {
    sent = json::parse(r.body);
    return reply(201, created_json("ia"));
  });
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).Times(2).WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
  auto c = client();
  const prime::CreateSandboxRequest request{.name = "n", .docker_image = "python:3.11-slim"};
  c.create(request);
  EXPECT_EQ(sent["metadata"]["team_id"], "team-env");
  EXPECT_EQ(request.team_id, std::nullopt);  // Prime does not mutate the request
  c.create({.name = "n", .docker_image = "python:3.11-slim", .team_id = "team-explicit"});
  EXPECT_EQ(sent["metadata"]["team_id"], "team-explicit");
}

TEST_F(TeamScoping, ListFiltersOnTheConfiguredTeamUnlessGivenAnother) {
  write_config(R"({"team_id": "team-file"})");
  std::vector<std::string> filters;
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes"))).WillRepeatedly([&](const core::HttpRequest& r) {
    filters.push_back(metadata_filter_of(r.url));
    return reply(200, "[]");
  });
  auto c = client();
  c.list();
  c.list({.team_id = "other", .user_id = "u-1"});
  client("").list();  // an explicitly empty team: no team filter
  ASSERT_EQ(filters.size(), 3u);
  EXPECT_EQ(filters[0], R"({"team_id":"team-file"})");
  EXPECT_EQ(filters[1], R"({"prime_user_id":"u-1","team_id":"other"})");
  EXPECT_EQ(filters[2], "");
}

TEST_F(TeamScoping, BulkDeleteByLabelsLooksOnlyInTheTeam) {
  setenv("PRIME_TEAM_ID", "team-env", 1);
  EXPECT_CALL(*transport_, send(Req("GET", "/v2/sandboxes"))).WillOnce([&](const core::HttpRequest& r) {
    EXPECT_EQ(metadata_filter_of(r.url), R"({"custom_label#exp":"1","team_id":"team-env"})");
    return reply(200, "[" + sandbox_json("ia") + "]");
  });
  EXPECT_CALL(*transport_, send(Req("DELETE", "/sandboxes/ia"))).WillOnce(Return(reply(204)));
  EXPECT_EQ(client().bulk_delete({.labels = std::vector<std::string>{"exp"}, .all_users = true}).message,
            "Deleted 1/1 sandboxes");
}

TEST_F(TeamScoping, TheUserIdIsWrittenOnCreateAndReadBack) {
  setenv("PRIME_USER_ID", "user-9", 1);
  EXPECT_CALL(*transport_, send(Req("GET", "/templates"))).WillOnce(Return(reply(200, "[]")));
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes"))).WillOnce([&](const core::HttpRequest& r) {
    EXPECT_EQ(json::parse(r.body)["metadata"]["prime_user_id"], "user-9");
    return reply(201, created_json("ia"));
  });
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running", R"(,"metadata":{"prime_user_id":"user-9"})"))));
  EXPECT_EQ(client().create({.name = "n", .docker_image = "python:3.11-slim"}).user_id, "user-9");
}

}  // namespace
