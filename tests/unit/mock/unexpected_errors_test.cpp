// An exception no handler mapped is a bug in the fake: it is answered 500 in
// the shape of the service the request reached, logged, and counted.
#include <gtest/gtest.h>
#include <httplib.h>

#include <stdexcept>
#include <thread>

#include <nlohmann/json.hpp>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/server.hpp"

namespace {

using nlohmann::json;

class UnexpectedErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    ppio_mock::api::install_error_shapes(server_, &unexpected_);
    const auto boom = [](const httplib::Request&, httplib::Response&) { throw std::runtime_error("boom"); };
    server_.Get("/sandboxes", boom);
    server_.Post("/filesystem.Filesystem/Stat", boom);
    server_.Post("/envd/abc/process.Process/List", boom);
    server_.Get("/fine", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  httplib::Client client() const { return httplib::Client("127.0.0.1", port_); }

  httplib::Server server_;
  ppio_mock::api::UnexpectedErrors unexpected_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(UnexpectedErrors, AControlPlaneRouteAnswersInTheControlPlanesShape) {
  auto res = client().Get("/sandboxes");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(json::parse(res->body), (json{{"code", 500}, {"message", "Internal server error: boom"}}));
  EXPECT_EQ(unexpected_.count(), 1u);
  EXPECT_EQ(unexpected_.to_json()["last"], (json{{"method", "GET"}, {"path", "/sandboxes"}, {"message", "boom"}}));
}

TEST_F(UnexpectedErrors, AnEnvdProcedureAnswersConnectsInternal) {
  for (const char* path : {"/filesystem.Filesystem/Stat", "/envd/abc/process.Process/List"}) {
    auto res = client().Post(path, "{}", "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 500);
    const auto body = json::parse(res->body);
    EXPECT_EQ(body["code"], "internal") << path;
    EXPECT_EQ(body["message"], "Internal server error: boom") << path;
  }
  EXPECT_EQ(unexpected_.count(), 2u);
}

TEST_F(UnexpectedErrors, OrdinaryAnswersAndHttplibsOwnErrorsAreNotCounted) {
  auto fine = client().Get("/fine");
  ASSERT_TRUE(fine);
  EXPECT_EQ(fine->status, 200);
  auto missing = client().Get("/no-such-route");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json::parse(missing->body)["code"], 404);
  EXPECT_EQ(unexpected_.count(), 0u);
  EXPECT_TRUE(unexpected_.to_json()["last"].is_null());
}

TEST(UnexpectedErrorsInTheFake, TheStateDumpReportsThem) {
  ppio_mock::Server server;
  server.start();
  httplib::Client admin(server.url());
  auto res = admin.Get("/_mock/state", {{"X-Admin-Token", ppio_mock::ServerConfig{}.admin_token}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto state = json::parse(res->body);
  EXPECT_EQ(state["server"]["unexpectedErrors"]["count"], 0);
  EXPECT_EQ(server.unexpected_errors(), 0u);
}

}  // namespace
