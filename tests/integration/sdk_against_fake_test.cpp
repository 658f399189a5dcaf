// The real SDK against the embedded fake, over real HTTP on loopback.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;

namespace {

class SdkAgainstFake : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    client_ = std::make_unique<prime::SandboxClient>(prime::APIClient(options()));
  }

  prime::ClientOptions options(std::string key = ppio_mock::kDefaultApiKey) const {
    prime::ClientOptions o;
    o.api_key = std::move(key);
    o.api_url = server_.url();
    return o;
  }

  static prime::CreateSandboxRequest request(std::string name, std::vector<std::string> labels = {}) {
    prime::CreateSandboxRequest r;
    r.name = std::move(name);
    r.docker_image = "python:3.11-slim";
    r.timeout_minutes = 10;
    r.labels = std::move(labels);
    return r;
  }

  ppio_mock::Server server_;
  std::unique_ptr<prime::SandboxClient> client_;
};

TEST_F(SdkAgainstFake, CreateThenGetRoundTripsEveryPrimeField) {
  auto r = request("round-trip", {"experiment", "ml-training"});
  r.cpu_cores = 2;
  r.memory_gb = 4;
  r.disk_size_gb = 20;
  r.environment_vars = prime::EnvVars{{"MODE", "test"}};
  r.secrets = prime::EnvVars{{"TOKEN", "s3cret"}};
  r.team_id = "team-42";
  r.advanced_configs = prime::AdvancedConfigs{{{"customSetting", "value"}}};

  const auto created = client_->create(r);
  const auto got = client_->get(created.id);

  EXPECT_EQ(got, created);
  EXPECT_EQ(got.name, "round-trip");
  EXPECT_EQ(got.docker_image, "python:3.11-slim");
  EXPECT_EQ(got.cpu_cores, 2);
  EXPECT_EQ(got.memory_gb, 4);
  EXPECT_EQ(got.disk_size_gb, 20);
  EXPECT_EQ(got.timeout_minutes, 10);
  EXPECT_EQ(got.status, "RUNNING");
  EXPECT_EQ(std::set<std::string>(got.labels.begin(), got.labels.end()),
            (std::set<std::string>{"experiment", "ml-training"}));
  EXPECT_EQ(got.environment_vars, r.environment_vars);
  ASSERT_TRUE(got.secrets.has_value());
  EXPECT_EQ(got.secrets->at("TOKEN"), "***");
  EXPECT_EQ(got.team_id, "team-42");
  ASSERT_TRUE(got.advanced_configs.has_value());
  EXPECT_EQ(got.advanced_configs->extra["customSetting"], "value");
}

TEST_F(SdkAgainstFake, SecretValuesNeverReachMetadata) {
  auto r = request("secret");
  r.secrets = prime::EnvVars{{"TOKEN", "s3cret-value"}};
  const auto created = client_->create(r);
  const auto record = server_.registry().get(ppio_mock::kDefaultTeam, created.id);
  for (const auto& [key, value] : record.info.metadata) {
    EXPECT_EQ(value.find("s3cret-value"), std::string::npos) << "metadata key " << key;
  }
  EXPECT_EQ(record.env_vars.at("TOKEN"), "s3cret-value");  // but the sandbox still gets it
}

TEST_F(SdkAgainstFake, DockerImageNamingATemplateStartsThatTemplate) {
  auto r = request("ci");
  r.docker_image = "code-interpreter-v1";
  const auto created = client_->create(r);
  EXPECT_EQ(server_.registry().get(ppio_mock::kDefaultTeam, created.id).info.alias, "code-interpreter-v1");
  EXPECT_EQ(created.docker_image, "code-interpreter-v1");
}

TEST_F(SdkAgainstFake, UnknownDockerImageFallsBackToBaseButKeepsTheImage) {
  const auto created = client_->create(request("fallback"));
  EXPECT_EQ(server_.registry().get(ppio_mock::kDefaultTeam, created.id).info.alias, "base");
  EXPECT_EQ(created.docker_image, "python:3.11-slim");
}

TEST_F(SdkAgainstFake, ExplicitUnknownTemplateRaisesApiErrorWith404) {
  try {
    client_->create(request("bad-template"), {.template_id = "nonexistent-template-xyz"});
    FAIL() << "create with an unknown template did not throw";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_NE(std::string(e.what()).find("nonexistent-template-xyz"), std::string::npos) << e.what();
  }
}

TEST_F(SdkAgainstFake, GetUnknownIdRaisesApiError) {
  EXPECT_THROW(client_->get("nonexistentsandboxidxyz"), prime::APIError);
}

TEST_F(SdkAgainstFake, DeleteReportsWhetherTheSandboxExisted) {
  const auto created = client_->create(request("to-delete"));
  EXPECT_EQ(client_->delete_(created.id), (prime::DeleteSandboxResponse{true, "Sandbox deleted"}));
  EXPECT_EQ(client_->delete_(created.id), (prime::DeleteSandboxResponse{false, "Sandbox not found"}));
  EXPECT_THROW(client_->get(created.id), prime::APIError);
}

TEST_F(SdkAgainstFake, ListFiltersByEveryLabel) {
  const auto both = client_->create(request("both", {"a", "b"}));
  const auto only_a = client_->create(request("only-a", {"a"}));
  client_->create(request("none"));

  auto ids = [](const prime::SandboxListResponse& page) {
    std::set<std::string> out;
    for (const auto& s : page.sandboxes) out.insert(s.id);
    return out;
  };
  EXPECT_EQ(ids(client_->list({.labels = {"a"}})), (std::set<std::string>{both.id, only_a.id}));
  EXPECT_EQ(ids(client_->list({.labels = {"a", "b"}})), (std::set<std::string>{both.id}));
  EXPECT_EQ(client_->list().sandboxes.size(), 3u);
}

TEST_F(SdkAgainstFake, PagesCoverEverySandboxOnceWithExactHasNext) {
  std::set<std::string> created;
  for (int i = 0; i < 7; ++i) created.insert(client_->create(request("page-" + std::to_string(i), {"paged"})).id);

  std::set<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    const auto result = client_->list({.labels = {"paged"}, .page = page, .per_page = 3});
    EXPECT_EQ(result.page, page);
    EXPECT_EQ(result.has_next, page < 3) << "page " << page;
    for (const auto& s : result.sandboxes) EXPECT_TRUE(seen.insert(s.id).second) << s.id << " seen twice";
  }
  EXPECT_EQ(seen, created);
  const auto past_end = client_->list({.labels = {"paged"}, .page = 1000, .per_page = 3});
  EXPECT_TRUE(past_end.sandboxes.empty());
  EXPECT_FALSE(past_end.has_next);
  EXPECT_EQ(past_end.page, 1000);
}

TEST_F(SdkAgainstFake, StatusFilterSelectsRunningAndNothingForTerminalStates) {
  client_->create(request("running"));
  EXPECT_EQ(client_->list({.status = prime::SandboxStatus::RUNNING}).sandboxes.size(), 1u);
  EXPECT_EQ(client_->list({.status = prime::SandboxStatus::RUNNING}).total, 1);
  EXPECT_TRUE(client_->list({.status = prime::SandboxStatus::TERMINATED}).sandboxes.empty());
  EXPECT_TRUE(client_->list({.status = prime::SandboxStatus::PAUSED}).sandboxes.empty());
}

TEST_F(SdkAgainstFake, WrongKeyRaisesUnauthorized) {
  prime::SandboxClient wrong{prime::APIClient(options("sk_not_a_key"))};
  EXPECT_THROW(wrong.list(), prime::UnauthorizedError);
  EXPECT_THROW(wrong.create(request("x")), prime::UnauthorizedError);
}

TEST_F(SdkAgainstFake, TeamsNeverSeeEachOthersSandboxes) {
  ppio_mock::Server two_teams({.api_keys = {{"key-a", "team-a"}, {"key-b", "team-b"}}});
  two_teams.start();
  auto opts = [&](const char* key) {
    prime::ClientOptions o;
    o.api_key = key;
    o.api_url = two_teams.url();
    return o;
  };
  prime::SandboxClient a{prime::APIClient(opts("key-a"))};
  prime::SandboxClient b{prime::APIClient(opts("key-b"))};
  const auto mine = a.create(request("team-a-box"));
  EXPECT_TRUE(b.list().sandboxes.empty());
  EXPECT_THROW(b.get(mine.id), prime::APIError);
  EXPECT_FALSE(b.delete_(mine.id).success);
  EXPECT_EQ(a.get(mine.id).id, mine.id);  // still there for its owner
}

TEST_F(SdkAgainstFake, ExpiredSandboxDisappearsOnTheVirtualClock) {
  const auto created = client_->create(request("short-lived"));
  server_.clock().advance(std::chrono::minutes(9));
  EXPECT_EQ(client_->get(created.id).id, created.id);
  server_.clock().advance(std::chrono::minutes(2));
  EXPECT_THROW(client_->get(created.id), prime::APIError);
  EXPECT_TRUE(client_->list().sandboxes.empty());
}

TEST_F(SdkAgainstFake, NoReachableServerRaisesApiErrorNotACrash) {
  prime::ClientOptions o = options();
  o.api_url = "http://127.0.0.1:1";  // nothing listens on port 1
  prime::SandboxClient unreachable{prime::APIClient(o)};
  EXPECT_THROW(unreachable.list(), prime::APIError);
}

}  // namespace
