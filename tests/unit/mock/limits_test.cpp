// Rate and concurrency limits, tenants from a file, and PPIO's legacy (v1) mode.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"
#include "mockserver/state/rate_limiter.hpp"
#include "mockserver/state/registry.hpp"
#include "mockserver/state/service_error.hpp"
#include "mockserver/state/tenants.hpp"

namespace state = ppio_mock::state;
using nlohmann::json;

namespace {

TEST(RateLimiter, AllowsTheBurstThenRefillsAtTheRateOnTheVirtualClock) {
  state::VirtualClock clock;
  clock.freeze();
  state::RateLimiter limiter(clock, 2.0, 3.0);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(limiter.acquire("t")) << i;
  EXPECT_EQ(limiter.acquire("t"), 1);
  EXPECT_FALSE(limiter.acquire("other-team"));  // buckets are per team
  clock.advance(std::chrono::milliseconds(500));  // one token at 2/s
  EXPECT_FALSE(limiter.acquire("t"));
  EXPECT_TRUE(limiter.acquire("t"));
}

TEST(RateLimiter, ZeroRateMeansNoLimit) {
  state::VirtualClock clock;
  state::RateLimiter limiter(clock, 0, 1);
  for (int i = 0; i < 1000; ++i) ASSERT_FALSE(limiter.acquire("t"));
}

TEST(RateLimiter, RetryAfterCoversTheWaitForOneToken) {
  state::VirtualClock clock;
  clock.freeze();
  state::RateLimiter limiter(clock, 0.1, 1);  // one request per ten seconds
  EXPECT_FALSE(limiter.acquire("t"));
  EXPECT_EQ(limiter.acquire("t"), 10);
}

TEST(Tenants, LoadFromTheFixtureShape) {
  const auto tenants = state::Tenants::from_json_text(R"({"keys": {"k1": "team-a", "k2": "team-b"}})");
  EXPECT_EQ(tenants.team_for("k1"), "team-a");
  EXPECT_EQ(tenants.team_for("k2"), "team-b");
  EXPECT_FALSE(tenants.team_for("k3"));
  EXPECT_THROW(state::Tenants::from_json_text("[]"), std::invalid_argument);
  EXPECT_THROW(state::Tenants::from_json_text(R"({"keys": {"k": 1}})"), std::invalid_argument);
  EXPECT_THROW(state::Tenants::from_file("/nonexistent/tenants.json"), std::invalid_argument);
}

TEST(Tenants, TheShippedFixtureLoads) {
  const auto tenants = state::Tenants::from_file(std::string(PPIO_SOURCE_DIR) + "/fixtures/tenants.json");
  EXPECT_EQ(tenants.team_for("sk_mock_team_a"), tenants.team_for("sk_mock_team_a_second"));
  EXPECT_NE(tenants.team_for("sk_mock_team_a"), tenants.team_for("sk_mock_team_b"));
}

class LegacyRegistry : public ::testing::Test {
 protected:
  void SetUp() override { clock_.freeze(); }
  static ppio_sandbox::core::NewSandbox with_timeout(int seconds, ppio_sandbox::core::Metadata md = {}) {
    ppio_sandbox::core::NewSandbox n;
    n.template_id = "base";
    n.timeout = seconds;
    n.metadata = std::move(md);
    return n;
  }
  state::VirtualClock clock_;
  state::Registry registry_{clock_, state::TemplateCatalog::defaults(),
                            {.seed = 3, .legacy_v1 = true, .max_concurrent_per_team = 2}};
};

TEST_F(LegacyRegistry, EachSandboxHasItsOwnClientIdAndTheCompositeIdResolves) {
  const auto a = registry_.create("t", with_timeout(60)).info;
  const auto b = registry_.create("t", with_timeout(60)).info;
  EXPECT_EQ(a.client_id.size(), 8u);
  EXPECT_NE(a.client_id, b.client_id);
  EXPECT_EQ(registry_.get("t", a.sandbox_id + "-" + a.client_id).info.sandbox_id, a.sandbox_id);
  EXPECT_THROW(registry_.get("t", a.sandbox_id + "-" + b.client_id), state::ServiceError);  // wrong pair
}

TEST_F(LegacyRegistry, TimeoutsAreCappedAtOneHourUnlessLongRunning) {
  const auto capped = registry_.create("t", with_timeout(7200)).info;
  EXPECT_EQ(capped.end_at - capped.started_at, std::chrono::hours(1));
  const auto long_running = registry_.create("t", with_timeout(7200, {{"long_running", "true"}})).info;
  EXPECT_EQ(long_running.end_at - long_running.started_at, std::chrono::hours(2));
}

TEST_F(LegacyRegistry, ConcurrencyLimitCountsRunningSandboxesOnly) {
  const auto a = registry_.create("t", with_timeout(60)).info.sandbox_id;
  registry_.create("t", with_timeout(60));
  try {
    registry_.create("t", with_timeout(60));
    FAIL() << "a third running sandbox was allowed";
  } catch (const state::ServiceError& e) {
    EXPECT_EQ(e.status(), 429);
    EXPECT_NE(std::string(e.what()).find("maximum number of concurrent"), std::string::npos);
  }
  EXPECT_NO_THROW(registry_.create("other-team", with_timeout(60)));
  registry_.pause("t", a);
  EXPECT_NO_THROW(registry_.create("t", with_timeout(60)));
  EXPECT_THROW(registry_.connect("t", a, 60), state::ServiceError);  // resuming would exceed it too
}

TEST(RateLimitOverHttp, Answers429WithRetryAfterInTheServiceShape) {
  ppio_mock::Server server({.rate_limit_per_second = 0.5, .rate_limit_burst = 2});
  server.start();
  server.clock().freeze();
  httplib::Client http(server.url());
  http.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  EXPECT_EQ(http.Get("/v2/sandboxes")->status, 200);
  EXPECT_EQ(http.Get("/v2/sandboxes")->status, 200);
  auto limited = http.Get("/v2/sandboxes");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "2");
  EXPECT_EQ(json::parse(limited->body), json::parse(R"({"code": 429, "message": "Rate limit exceeded"})"));
  server.clock().advance(std::chrono::seconds(2));
  EXPECT_EQ(http.Get("/v2/sandboxes")->status, 200);
}

TEST(TenantsOverHttp, KeysFromTheFileAndFlagsBothWork) {
  ppio_mock::Server server({.api_keys = {{"sk_extra", "team-b"}},
                            .tenants_file = std::string(PPIO_SOURCE_DIR) + "/fixtures/tenants.json"});
  server.start();
  httplib::Client a(server.url());
  a.set_default_headers({{"X-API-Key", "sk_mock_team_a"}});
  httplib::Client b(server.url());
  b.set_default_headers({{"X-API-Key", "sk_extra"}});
  auto created = a.Post("/sandboxes", R"({"templateID": "base"})", "application/json");
  ASSERT_EQ(created->status, 201);
  const std::string id = json::parse(created->body)["sandboxID"];
  EXPECT_EQ(b.Get("/sandboxes/" + id)->status, 404);
  EXPECT_EQ(json::parse(b.Get("/v2/sandboxes")->body).size(), 0u);
  httplib::Client default_key(server.url());
  default_key.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  EXPECT_EQ(default_key.Get("/v2/sandboxes")->status, 401);  // explicit tenants replace the default key
}

}  // namespace
