// The lifecycle, logs, metrics and template routes of the fake, through real HTTP.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"
#include "expect_service_error.hpp"

using nlohmann::json;

namespace {

class LifecycleRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    server_.clock().freeze();
    http_ = std::make_unique<httplib::Client>(server_.url());
    http_->set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
    auto res = http_->Post("/sandboxes", R"({"templateID": "base", "timeout": 300})", "application/json");
    id_ = json::parse(res->body)["sandboxID"];
  }

  httplib::Result post(const std::string& path, const std::string& body = "") {
    return http_->Post(("/sandboxes/" + id_ + path).c_str(), body, "application/json");
  }
  json detail() { return json::parse(http_->Get("/sandboxes/" + id_)->body); }


  ppio_mock::Server server_;
  std::unique_ptr<httplib::Client> http_;
  std::string id_;
};

TEST_F(LifecycleRoutes, TimeoutMovesEndAt) {
  EXPECT_EQ(post("/timeout", R"({"timeout": 30})")->status, 204);
  const auto d = detail();
  EXPECT_EQ(ppio_sandbox::core::parse_rfc3339(d["endAt"].get<std::string>()) -
                ppio_sandbox::core::parse_rfc3339(d["startedAt"].get<std::string>()),
            std::chrono::seconds(30));
  expect_service_error(post("/timeout", "{}"), 400);
  expect_service_error(post("/timeout", R"({"timeout": "soon"})"), 400);
  expect_service_error(post("/timeout", R"({"timeout": -1})"), 400);
  expect_service_error(post("/timeout", "nope"), 400);
  expect_service_error(http_->Post("/sandboxes/iunknown/timeout", R"({"timeout": 30})", "application/json"), 404);
}

TEST_F(LifecycleRoutes, RefreshAcceptsAnEmptyBody) {
  EXPECT_EQ(post("/refreshes")->status, 204);
  EXPECT_EQ(post("/refreshes", R"({"duration": 60})")->status, 204);
  expect_service_error(post("/refreshes", R"({"duration": 4000})"), 400);
}

TEST_F(LifecycleRoutes, PauseThenConnectAnswers201AndConnectOnRunningAnswers200) {
  EXPECT_EQ(post("/pause")->status, 204);
  EXPECT_EQ(detail()["state"], "paused");
  expect_service_error(post("/pause"), 409);
  auto resumed = post("/connect", R"({"timeout": 60})");
  ASSERT_TRUE(resumed);
  EXPECT_EQ(resumed->status, 201);
  EXPECT_EQ(json::parse(resumed->body)["sandboxID"], id_);
  EXPECT_EQ(post("/connect", R"({"timeout": 60})")->status, 200);
  expect_service_error(post("/connect", "{}"), 400);
}

TEST_F(LifecycleRoutes, ResumeIs409WhileRunning) {
  expect_service_error(post("/resume", R"({"timeout": 60})"), 409);
  ASSERT_EQ(post("/pause")->status, 204);
  EXPECT_EQ(post("/resume", R"({"timeout": 60})")->status, 201);
}

TEST_F(LifecycleRoutes, ExpiryOnTheVirtualClockRemovesTheSandbox) {
  server_.clock().advance(std::chrono::seconds(301));
  expect_service_error(http_->Get("/sandboxes/" + id_), 404);
  expect_service_error(post("/connect", R"({"timeout": 60})"), 404);
}

TEST_F(LifecycleRoutes, LogsComeInBothShapes) {
  ASSERT_EQ(post("/pause")->status, 204);
  const auto v1 = json::parse(http_->Get("/sandboxes/" + id_ + "/logs")->body);
  ASSERT_EQ(v1["logs"].size(), 2u);
  EXPECT_TRUE(v1["logs"][0]["line"].is_string());
  EXPECT_EQ(v1["logEntries"][1]["level"], "info");

  const auto v2 = json::parse(http_->Get("/v2/sandboxes/" + id_ + "/logs?direction=backward&limit=1")->body);
  ASSERT_EQ(v2["logs"].size(), 1u);
  EXPECT_NE(v2["logs"][0]["message"].get<std::string>().find("paused"), std::string::npos);
  const auto searched = json::parse(http_->Get("/v2/sandboxes/" + id_ + "/logs?search=created")->body);
  EXPECT_EQ(searched["logs"].size(), 1u);
  expect_service_error(http_->Get("/v2/sandboxes/" + id_ + "/logs?level=loud"), 400);
  expect_service_error(http_->Get("/v2/sandboxes/" + id_ + "/logs?limit=-1"), 400);
  expect_service_error(http_->Get("/sandboxes/iunknown/logs"), 404);
}

TEST_F(LifecycleRoutes, MetricsHaveTheContractFields) {
  const auto res = http_->Get("/sandboxes/" + id_ + "/metrics");
  ASSERT_EQ(res->status, 200);
  const auto m = json::parse(res->body).at(0);
  for (const char* f : {"timestamp", "timestampUnix", "cpuCount", "cpuUsedPct", "memUsed", "memTotal", "memCache",
                        "diskUsed", "diskTotal"}) {
    EXPECT_TRUE(m.contains(f)) << f;
  }
  EXPECT_GT(m["memTotal"].get<std::int64_t>(), 0);
}

TEST_F(LifecycleRoutes, TemplateAliasLookup) {
  const auto res = http_->Get("/templates/aliases/code-interpreter-v1");
  ASSERT_EQ(res->status, 200);
  EXPECT_TRUE(json::parse(res->body)["templateID"].is_string());
  expect_service_error(http_->Get("/templates/aliases/nope"), 404);
}

}  // namespace
