// /_mock/faults over real HTTP, on a bare server that mounts only these routes.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "mockserver/admin/fault_routes.hpp"
#include "mockserver/api/http_edge.hpp"

using nlohmann::json;

namespace {

class FaultRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ppio_mock::api::install_error_shapes(server_);
    ppio_mock::api::Router router(server_, 1 << 20);
    routes_.mount(router);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
    http_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    http_->set_default_headers({{"X-Admin-Token", "tok"}});
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  httplib::Result post(const std::string& path, const std::string& body) {
    return http_->Post(path, body, "application/json");
  }

  ppio_mock::state::VirtualClock clock_;
  ppio_mock::faults::FaultEngine engine_{clock_, 1};
  ppio_mock::admin::FaultRoutes routes_{engine_, "tok", std::string(PPIO_SOURCE_DIR) + "/fixtures/scenarios"};
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::unique_ptr<httplib::Client> http_;
};

TEST_F(FaultRoutesTest, AddListAndRemoveARule) {
  auto added = post("/_mock/faults", R"({"id": "r1", "action": {"type": "error", "status": 503}})");
  ASSERT_EQ(added->status, 201) << added->body;
  EXPECT_EQ(json::parse(added->body)["ids"], json::array({"r1"}));
  engine_.decide({.method = "GET", .path = "/"});
  const auto listed = json::parse(http_->Get("/_mock/faults")->body);
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["action"]["status"], 503);
  EXPECT_EQ(listed[0]["fired"], 1);
  EXPECT_EQ(http_->Delete("/_mock/faults/r1")->status, 204);
  EXPECT_EQ(http_->Delete("/_mock/faults/r1")->status, 404);
  EXPECT_TRUE(engine_.rules().empty());
}

TEST_F(FaultRoutesTest, LoadsAShippedScenarioByName) {
  auto res = post("/_mock/faults", R"({"scenario": "rate-limited"})");
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(engine_.rules().size(), 2u);
  EXPECT_EQ(post("/_mock/faults", R"({"scenario": "rate-limited"})")->status, 409);  // ids taken
  EXPECT_EQ(post("/_mock/faults", R"({"scenario": "../../etc/passwd"})")->status, 400);
  EXPECT_EQ(post("/_mock/faults", R"({"scenario": "no-such-scenario"})")->status, 400);
  EXPECT_EQ(http_->Delete("/_mock/faults")->status, 204);
  EXPECT_TRUE(engine_.rules().empty());
}

TEST_F(FaultRoutesTest, RejectsBadRulesAndWrongTokens) {
  EXPECT_EQ(post("/_mock/faults", R"({"action": {"type": "explode"}})")->status, 400);
  EXPECT_EQ(post("/_mock/faults", "not json")->status, 400);
  EXPECT_EQ(post("/_mock/faults/seed", R"({"seed": -1})")->status, 400);
  EXPECT_EQ(post("/_mock/faults/seed", R"({"seed": 5})")->status, 204);
  httplib::Client stranger("127.0.0.1", port_);
  auto res = stranger.Get("/_mock/faults");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body)["code"], 401);
}

}  // namespace
