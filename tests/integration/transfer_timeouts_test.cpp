// Transfer timeouts as Prime's httpx timeouts behave: each phase (connecting,
// every wait for more bytes) gets the timeout, so a download that keeps
// moving finishes however long it takes, and one that stalls is cut.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mockserver/server.hpp"
#include "ppio_sandbox/core/envd.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
namespace fs = std::filesystem;

namespace {

class TransferTimeouts : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    prime::ClientOptions o;
    o.api_key = ppio_mock::kDefaultApiKey;
    o.api_url = server_.url();
    o.sandbox_url = server_.url();
    client_ = std::make_unique<prime::SandboxClient>(prime::APIClient(o));
    id_ = client_->create({.name = "transfers", .docker_image = "python:3.11-slim", .timeout_minutes = 10}).id;
    client_->upload_bytes(id_, "/tmp/blob.bin", blob_, "blob.bin");
    dir_ = fs::temp_directory_path() / ("transfer-timeouts-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Downloads of /files come in `chunks` pieces spread over `over_ms` of real time.
  void dribble_downloads(int chunks, int over_ms) {
    httplib::Client admin(server_.url());
    const auto rule = nlohmann::json{{"id", "dribble"},
                                     {"match", {{"method", "GET"}, {"path", "/files"}}},
                                     {"action", {{"type", "slow_body"}, {"chunks", chunks}, {"over_ms", over_ms}}}};
    auto res = admin.Post("/_mock/faults", {{"X-Admin-Token", ppio_mock::kDefaultAdminToken}}, rule.dump(),
                          "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  }

  std::string read_local(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
  }

  ppio_mock::Server server_;
  std::unique_ptr<prime::SandboxClient> client_;
  std::string id_;
  std::string blob_ = std::string(1 << 20, 'x') + "end";
  fs::path dir_;
};

TEST_F(TransferTimeouts, ADownloadThatKeepsMovingOutlastsItsTimeout) {
  dribble_downloads(/*chunks=*/6, /*over_ms=*/3000);  // 3 s in all, a piece every 0.5 s
  client_->download_file(id_, "/tmp/blob.bin", dir_ / "blob.bin", /*timeout=*/1);
  EXPECT_EQ(read_local(dir_ / "blob.bin"), blob_);
}

TEST_F(TransferTimeouts, ADownloadThatStallsLongerThanItsTimeoutIsCut) {
  dribble_downloads(/*chunks=*/2, /*over_ms=*/3000);  // one silence of 1.5 s
  EXPECT_THROW(client_->download_file(id_, "/tmp/blob.bin", dir_ / "blob.bin", /*timeout=*/1),
               prime::DownloadTimeoutError);
  EXPECT_FALSE(fs::exists(dir_ / "blob.bin")) << "a cut download must leave nothing behind";
}

TEST_F(TransferTimeouts, AReadThatKeepsMovingOutlastsItsTimeout) {
  dribble_downloads(/*chunks=*/6, /*over_ms=*/3000);
  EXPECT_EQ(client_->read_file(id_, "/tmp/blob.bin", {.timeout = 1}).content, blob_);
}

TEST_F(TransferTimeouts, TheWholeExchangeScopeStillBoundsEverything) {
  dribble_downloads(/*chunks=*/6, /*over_ms=*/3000);
  auto transport = core::make_http_transport();
  core::ConnectionConfig config;
  config.sandbox_url = server_.url();
  // Sandboxes are secure by default: envd's /files wants the sandbox's token.
  const auto token = server_.registry().get(ppio_mock::kDefaultTeam, id_).info.envd_access_token;
  auto request = core::envd_request(config, {.sandbox_id = id_, .access_token = token}, "GET",
                                    core::files_path("/tmp/blob.bin", std::nullopt), std::chrono::seconds(1));
  try {
    transport->send(request);
    FAIL() << "a 3 s answer fitted in a 1 s whole-exchange timeout";
  } catch (const core::TransportError& e) {
    EXPECT_EQ(e.kind(), core::TransportError::Kind::timeout) << e.what();
  }
  request.timeout_scope = core::HttpRequest::TimeoutScope::each_phase;
  const auto response = transport->send(request);
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, blob_);
}

}  // namespace
