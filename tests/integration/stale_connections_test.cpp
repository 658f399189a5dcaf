// The SDK's pooled connections against a fake that drops them: no call is
// lost to a connection the server already closed, and a create is never sent
// twice. The SDK's own retries are off, so what is seen is the transport's rule.
#include <gtest/gtest.h>
#include <httplib.h>

#include "mockserver/server.hpp"
#include "ppio_sandbox/core/control_plane.hpp"
#include "ppio_sandbox/core/errors.hpp"

namespace core = ppio_sandbox::core;

namespace {

using namespace std::chrono_literals;

class StaleConnections : public ::testing::Test {
 protected:
  void start(ppio_mock::ServerConfig config = {}) {
    server_ = std::make_unique<ppio_mock::Server>(std::move(config));
    server_->start();
    core::ConnectionConfig connection;
    connection.api_key = ppio_mock::kDefaultApiKey;
    connection.api_url = server_->url();
    core::TransportOptions transport;
    transport.pool_clock = pool_clock_;
    client_ = std::make_unique<core::ControlPlaneClient>(connection, core::make_http_transport(transport),
                                                         core::RetryPolicy{.max_attempts = 1});
  }
  void add_rule(const std::string& rule) {
    httplib::Client admin(server_->url());
    auto res = admin.Post("/_mock/faults", {{"X-Admin-Token", ppio_mock::kDefaultAdminToken}}, rule, "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  }
  std::vector<ppio_mock::admin::JournalEntry> requests(const std::string& method, const std::string& path) {
    std::vector<ppio_mock::admin::JournalEntry> out;
    for (auto& e : server_->journal().query({.method = method})) {
      if (e.path == path) out.push_back(std::move(e));
    }
    return out;
  }
  core::NewSandbox new_sandbox() { return {.template_id = "base", .timeout = 300}; }

  std::shared_ptr<core::ManualClock> pool_clock_ = std::make_shared<core::ManualClock>();
  std::unique_ptr<ppio_mock::Server> server_;
  std::unique_ptr<core::ControlPlaneClient> client_;
};

TEST_F(StaleConnections, AReadLostOnAReusedConnectionIsSentAgainOnANewOne) {
  start();
  const auto id = client_->create_sandbox(new_sandbox()).sandbox_id;
  // The edge drops the pooled connection as the next request arrives on it.
  add_rule(R"({"id": "drop", "match": {"method": "GET", "path": "^/sandboxes/"},
               "action": {"type": "reset"}, "trigger": {"first": 1}})");
  EXPECT_EQ(client_->get_sandbox(id).sandbox_id, id);
  const auto gets = requests("GET", "/sandboxes/" + id);
  ASSERT_EQ(gets.size(), 2u);
  EXPECT_EQ(gets[0].faults, std::vector<std::string>{"drop"});
  EXPECT_TRUE(gets[1].faults.empty());
  EXPECT_NE(gets[0].client_port, gets[1].client_port) << "sent again on the same connection";
  const auto creates = requests("POST", "/sandboxes");
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(gets[0].client_port, creates[0].client_port) << "the first GET went on the pooled connection";
}

TEST_F(StaleConnections, ACreateLostOnAReusedConnectionIsNeverSentAgain) {
  start();
  client_->list_sandboxes({});  // leaves a pooled connection, idle for no time at all
  add_rule(R"({"id": "drop", "match": {"method": "POST", "path": "^/sandboxes$"},
               "action": {"type": "reset"}, "trigger": {"first": 1}})");
  EXPECT_THROW(client_->create_sandbox(new_sandbox()), core::TransportError);
  EXPECT_EQ(requests("POST", "/sandboxes").size(), 1u);
  EXPECT_TRUE(server_->registry().all().empty());
}

TEST_F(StaleConnections, ACreateTakesOnlyAConnectionThatIdledBriefly) {
  start();
  client_->list_sandboxes({});
  pool_clock_->advance(300ms);
  client_->create_sandbox(new_sandbox());  // idled 0.3 s: reused
  pool_clock_->advance(1500ms);
  client_->create_sandbox(new_sandbox());  // idled 1.5 s: may be stale, a new connection
  pool_clock_->advance(1500ms);
  client_->list_sandboxes({});  // a read may still reuse it: the transport can send it again
  const auto lists = requests("GET", "/v2/sandboxes");
  const auto creates = requests("POST", "/sandboxes");
  ASSERT_EQ(lists.size(), 2u);
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[0].client_port, lists[0].client_port);
  EXPECT_NE(creates[1].client_port, lists[0].client_port);
  EXPECT_EQ(lists[1].client_port, creates[1].client_port);
}

TEST_F(StaleConnections, ConnectionsIdleLongerThanTheLimitAreNotReused) {
  start();
  client_->list_sandboxes({});
  pool_clock_->advance(5s);  // past TransportOptions::max_idle_time
  client_->list_sandboxes({});
  const auto lists = requests("GET", "/v2/sandboxes");
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_NE(lists[0].client_port, lists[1].client_port);
}

TEST_F(StaleConnections, AServerThatClosesIdleConnectionsLosesNoCall) {
  ppio_mock::ServerConfig config;
  config.keep_alive_seconds = 1;
  start(config);
  client_->list_sandboxes({});
  // The fake closes the pooled connection once it has idled a second; the
  // worker that held it is then free.
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (server_->http_workers().busy != 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::yield();
  ASSERT_EQ(server_->http_workers().busy, 0u);
  const auto id = client_->create_sandbox(new_sandbox()).sandbox_id;
  EXPECT_EQ(client_->get_sandbox(id).sandbox_id, id);
  EXPECT_EQ(requests("POST", "/sandboxes").size(), 1u);
}

}  // namespace
