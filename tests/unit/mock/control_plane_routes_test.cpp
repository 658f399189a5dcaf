// Each control-plane route of the fake, and its errors, through real HTTP.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"
#include "expect_service_error.hpp"

using nlohmann::json;

namespace {

class Routes : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    http_ = std::make_unique<httplib::Client>(server_.url());
    http_->set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  }

  httplib::Result create(const std::string& body) { return http_->Post("/sandboxes", body, "application/json"); }
  std::string create_id(const json& metadata = json::object()) {
    auto res = create(json{{"templateID", "base"}, {"timeout", 300}, {"metadata", metadata}}.dump());
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body)["sandboxID"];
  }


  ppio_mock::Server server_{{.max_body_bytes = 4096}};
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(Routes, CreateAnswers201WithTheSandboxShape) {
  auto res = create(R"({"templateID": "base", "timeout": 60, "metadata": {"a": "b"}, "envVars": {"X": "1"}})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  const auto body = json::parse(res->body);
  for (const char* field : {"sandboxID", "templateID", "clientID", "envdVersion"}) {
    EXPECT_TRUE(body.contains(field)) << field;
  }
  EXPECT_EQ(body["alias"], "base");
  EXPECT_TRUE(body["envdAccessToken"].is_string()) << "secure by default, as the modern service is";
  EXPECT_FALSE(json::parse(create(R"({"templateID": "base", "secure": false})")->body).contains("envdAccessToken"));
}

// Only a file download serves a Range; a JSON answer is sent whole (as the
// real API does), never sliced into a 206 the client cannot parse.
TEST_F(Routes, ARangeHeaderDoesNotSliceAJsonAnswer) {
  const std::string id = create_id();
  auto res = http_->Get("/sandboxes/" + id, {{"Range", "bytes=0-9"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_FALSE(res->has_header("Content-Range"));
  EXPECT_EQ(json::parse(res->body, nullptr, false).value("sandboxID", ""), id) << res->body;
}

TEST(RoutesWithDomain, CreateAndGetReportTheConfiguredDomain) {
  ppio_mock::Server server({.domain = "sandbox.ppio.test"});
  server.start();
  httplib::Client http(server.url());
  http.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  auto created = http.Post("/sandboxes", R"({"templateID": "base"})", "application/json");
  ASSERT_EQ(created->status, 201);
  const auto body = json::parse(created->body);
  EXPECT_EQ(body["domain"], "sandbox.ppio.test");
  EXPECT_EQ(json::parse(http.Get("/sandboxes/" + body["sandboxID"].get<std::string>())->body)["domain"],
            "sandbox.ppio.test");
}

TEST_F(Routes, NewerSdksCreateThroughV2) {
  auto res = http_->Post("/v2/sandboxes", R"({"templateID": "base", "timeout": 60})", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(server_.registry().size(), 1u);
}

TEST_F(Routes, SecureCreateReturnsAnAccessToken) {
  auto res = create(R"({"templateID": "base", "secure": true})");
  ASSERT_EQ(res->status, 201);
  EXPECT_TRUE(json::parse(res->body)["envdAccessToken"].is_string());
}

TEST_F(Routes, CreateRejectsBadInputInTheServiceShape) {
  expect_service_error(create("{not json"), 400);
  expect_service_error(create(R"({"timeout": 60})"), 400);                        // no templateID
  expect_service_error(create(R"({"templateID": 42})"), 400);                     // mistyped
  expect_service_error(create(R"({"templateID": "base", "timeout": "x"})"), 400);
  expect_service_error(create(R"({"templateID": "base", "timeout": -5})"), 400);
  expect_service_error(create(R"({"templateID": "base", "timeout": 999999})"), 400);
  expect_service_error(create(R"({"templateID": "base", "metadata": {"k": 1}})"), 400);
  expect_service_error(create("[1, 2]"), 400);
  expect_service_error(create(R"({"templateID": "no-such-template"})"), 404);
  expect_service_error(create(R"({"templateID": "base", "metadata": {"k": ")" + std::string(5000, 'x') + R"("}})"), 413);
  EXPECT_EQ(server_.registry().size(), 0u);
}

TEST_F(Routes, MissingOrUnknownKeyIs401) {
  httplib::Client anonymous(server_.url());
  expect_service_error(anonymous.Get("/v2/sandboxes"), 401);
  expect_service_error(anonymous.Post("/sandboxes", R"({"templateID": "base"})", "application/json"), 401);
  anonymous.set_default_headers({{"X-API-Key", "sk_unknown"}});
  expect_service_error(anonymous.Get("/v2/sandboxes"), 401);
  expect_service_error(anonymous.Delete("/sandboxes/iabc"), 401);
  EXPECT_EQ(server_.registry().size(), 0u);
}

TEST_F(Routes, GetReturnsTheDetailAndUnknownIdIs404) {
  const auto id = create_id({{"k", "v"}});
  auto res = http_->Get("/sandboxes/" + id);
  ASSERT_EQ(res->status, 200);
  const auto body = json::parse(res->body);
  EXPECT_EQ(body["sandboxID"], id);
  EXPECT_EQ(body["state"], "running");
  EXPECT_EQ(body["metadata"]["k"], "v");
  for (const char* field : {"startedAt", "endAt", "cpuCount", "memoryMB", "diskSizeMB", "envdVersion"}) {
    EXPECT_TRUE(body.contains(field)) << field;
  }
  expect_service_error(http_->Get("/sandboxes/iunknown"), 404);
  expect_service_error(http_->Get("/sandboxes/a-b-c"), 400);
}

TEST_F(Routes, DeleteAnswers204ThenTheSandboxIsGone) {
  const auto id = create_id();
  auto res = http_->Delete("/sandboxes/" + id);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 204);
  expect_service_error(http_->Get("/sandboxes/" + id), 404);
  expect_service_error(http_->Delete("/sandboxes/" + id), 404);
}

TEST_F(Routes, ListV2PagesWithNextTokenAndCountsRunning) {
  for (int i = 0; i < 3; ++i) create_id({{"group", "g"}});
  create_id({{"group", "other"}});
  auto first = http_->Get("/v2/sandboxes?metadata=group%3Dg&limit=2");
  ASSERT_EQ(first->status, 200);
  EXPECT_EQ(json::parse(first->body).size(), 2u);
  EXPECT_EQ(first->get_header_value("X-Total-Running"), "3");
  const auto token = first->get_header_value("X-Next-Token");
  ASSERT_FALSE(token.empty());

  auto second = http_->Get("/v2/sandboxes?metadata=group%3Dg&limit=2&nextToken=" + token);
  ASSERT_EQ(second->status, 200);
  EXPECT_EQ(json::parse(second->body).size(), 1u);
  EXPECT_FALSE(second->has_header("X-Next-Token"));
  EXPECT_FALSE(json::parse(second->body)[0].contains("envdAccessToken"));
}

TEST_F(Routes, ListV2FiltersByState) {
  create_id();
  EXPECT_EQ(json::parse(http_->Get("/v2/sandboxes?state=paused")->body).size(), 0u);
  EXPECT_EQ(json::parse(http_->Get("/v2/sandboxes?state=running,paused")->body).size(), 1u);
  EXPECT_FALSE(http_->Get("/v2/sandboxes?state=paused")->has_header("X-Total-Running"));
}

TEST_F(Routes, ListV2RejectsMalformedQueries) {
  expect_service_error(http_->Get("/v2/sandboxes?metadata=novalue"), 400);
  expect_service_error(http_->Get("/v2/sandboxes?metadata=a%3Db%3Dc"), 400);
  expect_service_error(http_->Get("/v2/sandboxes?state=exploded"), 400);
  expect_service_error(http_->Get("/v2/sandboxes?limit=0"), 400);
  expect_service_error(http_->Get("/v2/sandboxes?limit=ten"), 400);
  expect_service_error(http_->Get("/v2/sandboxes?nextToken=%21%21"), 400);
}

TEST_F(Routes, ListV2ClampsTheLimitToOneHundred) {
  for (int i = 0; i < 101; ++i) create_id();
  auto res = http_->Get("/v2/sandboxes?limit=500");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body).size(), 100u);
  EXPECT_TRUE(res->has_header("X-Next-Token"));
}

TEST_F(Routes, ListV1ReturnsRunningSandboxesFilteredByMetadata) {
  create_id({{"a", "1"}});
  create_id({{"a", "2"}});
  auto res = http_->Get("/sandboxes?metadata=a%3D1");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body).size(), 1u);
  EXPECT_EQ(json::parse(http_->Get("/sandboxes")->body).size(), 2u);
}

TEST_F(Routes, TemplatesListsTheFixtureTemplates) {
  auto res = http_->Get("/templates");
  ASSERT_EQ(res->status, 200);
  std::set<std::string> aliases;
  for (const auto& t : json::parse(res->body)) {
    for (const auto& a : t["aliases"]) aliases.insert(a);
  }
  EXPECT_TRUE(aliases.contains("base"));
  EXPECT_TRUE(aliases.contains("code-interpreter-v1"));
}

TEST_F(Routes, UnknownRouteIs404InTheServiceShape) {
  expect_service_error(http_->Get("/no/such/route"), 404);
  httplib::Client anonymous(server_.url());
  auto health = anonymous.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST(ServerLifecycle, PortZeroPicksAFreePortAndStopIsIdempotent) {
  ppio_mock::Server a;
  ppio_mock::Server b;
  a.start();
  b.start();
  EXPECT_GT(a.port(), 0);
  EXPECT_NE(a.port(), b.port());
  a.stop();
  a.stop();
  httplib::Client gone(a.url());
  EXPECT_FALSE(gone.Get("/health"));
}

}  // namespace
