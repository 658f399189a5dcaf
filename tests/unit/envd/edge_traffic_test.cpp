// The edge's traffic access token check for port traffic (network.allowPublicTraffic false).
#include <gtest/gtest.h>
#include <httplib.h>

#include "mockserver/envd/edge.hpp"

namespace {

ppio_mock::state::SandboxRecord record_with(std::optional<std::string> token) {
  ppio_mock::state::SandboxRecord record;
  record.info.sandbox_id = "isecured";
  record.settings.traffic_access_token = std::move(token);
  return record;
}

TEST(EdgeTrafficToken, PublicSandboxesNeedNoToken) {
  httplib::Request req;
  EXPECT_FALSE(ppio_mock::envd::traffic_token_refusal(record_with(std::nullopt), req).has_value());
}

TEST(EdgeTrafficToken, APrivateSandboxWantsItsTokenIn403s) {
  const auto record = record_with("t0ken");
  httplib::Request req;
  auto refusal = ppio_mock::envd::traffic_token_refusal(record, req);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 403);
  EXPECT_EQ(refusal->body["sandboxId"], "isecured");
  EXPECT_EQ(refusal->body["message"],
            "Sandbox is secured with traffic access token. Token header 'e2b-traffic-access-token' is missing");

  req.headers.emplace("E2B-Traffic-Access-Token", "wrong");
  refusal = ppio_mock::envd::traffic_token_refusal(record, req);
  ASSERT_TRUE(refusal.has_value());
  EXPECT_EQ(refusal->status, 403);
  EXPECT_EQ(refusal->body["message"], "Sandbox is secured with traffic access token. Provided token is invalid.");

  httplib::Request good;
  good.headers.emplace("e2b-traffic-access-token", "t0ken");
  EXPECT_FALSE(ppio_mock::envd::traffic_token_refusal(record, good).has_value());
}

}  // namespace
