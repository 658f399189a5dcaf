// Bulk delete, logs, update, pause/resume, retries and the async client: the
// real SDK against the embedded fake over loopback HTTP.
#include <gtest/gtest.h>

#include <set>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;

namespace {

class SdkControlPlane : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    client_ = std::make_unique<prime::SandboxClient>(prime::APIClient(options()));
  }

  prime::ClientOptions options() const {
    prime::ClientOptions o;
    o.api_key = ppio_mock::kDefaultApiKey;
    o.api_url = server_.url();
    o.clock = clock_;
    return o;
  }

  static prime::CreateSandboxRequest request(std::string name, std::vector<std::string> labels = {}) {
    return {.name = std::move(name), .docker_image = "python:3.11-slim", .timeout_minutes = 10, .labels = std::move(labels)};
  }

  std::size_t journal_count(const std::string& method, const std::string& path) {
    return server_.journal().query({.method = method, .path_contains = path}).size();
  }

  ppio_mock::Server server_;
  std::shared_ptr<core::ManualClock> clock_ = std::make_shared<core::ManualClock>();
  std::unique_ptr<prime::SandboxClient> client_;
};

TEST_F(SdkControlPlane, BulkDeleteByIdsIsTruthfulAboutUnknownIds) {
  const auto a = client_->create(request("a"));
  const auto b = client_->create(request("b"));
  const auto result = client_->bulk_delete({.sandbox_ids = std::vector<std::string>{a.id, "inotthere", b.id}});
  EXPECT_EQ(std::set<std::string>(result.succeeded.begin(), result.succeeded.end()), (std::set<std::string>{a.id, b.id}));
  ASSERT_EQ(result.failed.size(), 1u);
  EXPECT_EQ(result.failed[0].at("id"), "inotthere");
  EXPECT_EQ(result.failed[0].at("error"), "Sandbox not found");
  EXPECT_EQ(result.message, "Deleted 2/3 sandboxes");
  EXPECT_EQ(server_.registry().size(), 0u);
}

TEST_F(SdkControlPlane, BulkDeleteByLabelsReachesPastTheFirstPage) {
  for (int i = 0; i < 105; ++i) client_->create(request("many-" + std::to_string(i), {"bulk"}));
  const auto keep = client_->create(request("keep", {"other"}));
  server_.journal().clear();

  const auto result = client_->bulk_delete({.labels = std::vector<std::string>{"bulk"}});
  EXPECT_EQ(result.message, "Deleted 105/105 sandboxes");
  EXPECT_TRUE(result.failed.empty());
  EXPECT_EQ(server_.registry().size(), 1u);
  EXPECT_EQ(client_->get(keep.id).id, keep.id);
  EXPECT_GE(journal_count("GET", "/v2/sandboxes"), 2u);  // it followed the cursor
}

TEST_F(SdkControlPlane, GetLogsReturnsTheLifecycleLines) {
  const auto created = client_->create(request("logged"));
  client_->update(created.id, {.timeout_minutes = 20});
  const auto logs = client_->get_logs(created.id);
  EXPECT_EQ(logs.rfind("Sandbox created from template ", 0), 0u) << logs;
  EXPECT_NE(logs.find("\nSandbox timeout set to 1200s"), std::string::npos) << logs;
}

TEST_F(SdkControlPlane, GetLogsOfAnUnknownSandboxIsA404) {
  try {
    client_->get_logs("inotthere");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 404);
  }
}

TEST_F(SdkControlPlane, UpdateMovesTheEndOnTheVirtualClock) {
  server_.clock().freeze();
  const auto created = client_->create(request("extend"));
  const auto updated = client_->update(created.id, {.timeout_minutes = 30});
  EXPECT_EQ(updated.timeout_minutes, 30);
  server_.clock().advance(std::chrono::minutes(20));
  EXPECT_EQ(client_->get(created.id).id, created.id);  // past its first 10 minutes
  server_.clock().advance(std::chrono::minutes(11));
  EXPECT_THROW(client_->get(created.id), prime::APIError);
}

TEST_F(SdkControlPlane, UpdateOfAnotherFieldSendsNothing) {
  const auto created = client_->create(request("fixed"));
  server_.journal().clear();
  EXPECT_THROW(client_->update(created.id, {.memory_gb = 8, .timeout_minutes = 5}), prime::APIError);
  EXPECT_TRUE(server_.journal().query({}).empty());
}

TEST_F(SdkControlPlane, PauseAndResumeRoundTrip) {
  const auto created = client_->create(request("sleepy"));
  EXPECT_TRUE(client_->pause(created.id));
  EXPECT_EQ(client_->get(created.id).status, "PAUSED");
  EXPECT_FALSE(client_->pause(created.id));
  EXPECT_EQ(client_->resume(created.id, 5).status, "RUNNING");
  EXPECT_EQ(journal_count("POST", "/connect"), 1u);
  EXPECT_THROW(client_->pause("inotthere"), prime::APIError);
}

TEST_F(SdkControlPlane, WaitForCreationChecksEnvdHealthThroughTheSharedSandboxUrl) {
  auto o = options();
  o.sandbox_url = server_.url();  // envd routed by E2b-Sandbox-Id on the control plane's port
  prime::SandboxClient client{prime::APIClient(o)};
  const auto a = client.create(request("ready-a"));
  const auto b = client.create(request("ready-b"));
  server_.journal().clear();

  client.wait_for_creation(a.id);
  EXPECT_EQ(server_.journal().query({.method = "GET", .path_contains = "/health", .status = 204}).size(), 1u);
  EXPECT_EQ(client.bulk_wait_for_creation({a.id, b.id}),
            (std::map<std::string, std::string>{{a.id, "RUNNING"}, {b.id, "RUNNING"}}));
  EXPECT_EQ(server_.journal().query({.method = "GET", .path_contains = "/health", .status = 204}).size(), 3u);
  EXPECT_EQ(journal_count("GET", "/v2/sandboxes"), 1u);
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(SdkControlPlane, WaitForCreationOfAGoneSandboxFailsPromptly) {
  EXPECT_THROW(client_->wait_for_creation("inotthere"), prime::SandboxNotRunningError);
  // One status poll; then, to tell why it is gone, one look at its log (v2, then v1).
  const auto logs = journal_count("GET", "/sandboxes/inotthere/logs");
  EXPECT_EQ(journal_count("GET", "/sandboxes/inotthere") - logs, 1u);
  EXPECT_EQ(logs, 2u);
  EXPECT_TRUE(clock_->sleeps().empty());
}

TEST_F(SdkControlPlane, BulkWaitReportsASandboxThatIsGone) {
  const auto created = client_->create(request("present"));
  try {
    client_->bulk_wait_for_creation({created.id, "inotthere"});
    FAIL() << "no error";
  } catch (const std::runtime_error& e) {
    EXPECT_EQ(std::string(e.what()), "Sandboxes unavailable: [('inotthere', 'NOT_FOUND')]");
  }
}

TEST_F(SdkControlPlane, ACreateThatCannotConnectIsRetriedAndAGetGivesUp) {
  auto o = options();
  o.api_url = "http://127.0.0.1:1";  // nothing listens: the connection is refused before anything is sent
  o.retry = {.max_attempts = 4, .base_delay = std::chrono::milliseconds(50), .jitter = 0};
  prime::SandboxClient unreachable{prime::APIClient(o)};
  EXPECT_THROW(unreachable.get("ia"), prime::APIError);
  EXPECT_EQ(clock_->sleeps().size(), 3u);
  EXPECT_THROW(unreachable.create(request("x"), {.template_id = "base"}), prime::APIError);
  EXPECT_EQ(clock_->sleeps().size(), 6u);
}

TEST_F(SdkControlPlane, AsyncCreatesAndDeletes200SandboxesConcurrently) {
  // The fake serves with cpp-httplib's 8 worker threads, each held by one
  // keep-alive connection; more client connections than that only queue.
  prime::AsyncSandboxClient async(options(), 8);
  std::vector<std::future<prime::Sandbox>> creating;
  for (int i = 0; i < 200; ++i) creating.push_back(async.create(request("async-" + std::to_string(i), {"async"})));
  std::set<std::string> ids;
  for (auto& f : creating) ids.insert(f.get().id);
  EXPECT_EQ(ids.size(), 200u);
  EXPECT_EQ(server_.registry().size(), 200u);

  std::vector<std::future<prime::DeleteSandboxResponse>> deleting;
  for (const auto& id : ids) deleting.push_back(async.delete_(id));
  for (auto& f : deleting) EXPECT_TRUE(f.get().success);
  EXPECT_EQ(server_.registry().size(), 0u);
  EXPECT_EQ(journal_count("POST", "/sandboxes"), 200u);
}

TEST_F(SdkControlPlane, AsyncBulkDeleteByLabels) {
  prime::AsyncSandboxClient async(options(), 8);
  std::vector<std::future<prime::Sandbox>> creating;
  for (int i = 0; i < 30; ++i) creating.push_back(async.create(request("lab-" + std::to_string(i), {"async-bulk"})));
  for (auto& f : creating) f.get();
  EXPECT_EQ(async.bulk_delete({.labels = std::vector<std::string>{"async-bulk"}}).get().message,
            "Deleted 30/30 sandboxes");
  EXPECT_EQ(server_.registry().size(), 0u);
}

}  // namespace
