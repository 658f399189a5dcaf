// Egress policies and exposed ports against the embedded fake: the policy a
// sandbox is created with or given later reads back as set (the fake keeps it
// but cannot enforce it: its sandboxes have no network), the legacy domain
// refuses it, and an exposure is the URL PPIO routes, kept in the sandbox
// where any client finds it.
#include <gtest/gtest.h>

#include <set>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;

namespace {

constexpr const char* kPortsDomain = "ports.ppio.test";

using List = std::vector<std::string>;

ppio_mock::ServerConfig fake_config(bool legacy) {
  ppio_mock::ServerConfig config;
  config.domain = kPortsDomain;
  config.legacy_v1 = legacy;
  return config;
}

class SdkEgressPorts : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    client_ = std::make_unique<prime::SandboxClient>(prime::APIClient(options()));
  }

  prime::ClientOptions options() const {
    prime::ClientOptions o;
    o.api_key = ppio_mock::kDefaultApiKey;
    o.api_url = server_.url();
    o.sandbox_url = server_.url();
    return o;
  }

  static prime::CreateSandboxRequest request(const std::string& name) {
    return {.name = name, .docker_image = "python:3.11-slim", .timeout_minutes = 10};
  }

  ppio_mock::Server server_{fake_config(false)};
  std::unique_ptr<prime::SandboxClient> client_;
};

// ---- egress ----

TEST_F(SdkEgressPorts, AnAllowlistGivenOnCreateReadsBackFromGetAndGetNetwork) {
  auto r = request("allow");
  r.network_allowlist = List{"pypi.org", "*.github.com", "8.8.8.8"};
  const auto created = client_->create(r);
  EXPECT_EQ(created.network_allowlist, r.network_allowlist);
  EXPECT_EQ(created.network_denylist, std::nullopt);

  // A new client sees it too: it lives in the control plane, not in the SDK.
  prime::SandboxClient other{prime::APIClient(options())};
  EXPECT_EQ(other.get(created.id).network_allowlist, r.network_allowlist);
  const auto status = other.get_network(created.id);
  EXPECT_EQ(status.policy.allowlist, r.network_allowlist);
  EXPECT_EQ(status.policy.denylist, std::nullopt);
  EXPECT_TRUE(status.applied);
}

TEST_F(SdkEgressPorts, ASandboxWithoutAPolicyHasNone) {
  const auto created = client_->create(request("none"));
  EXPECT_EQ(created.network_allowlist, std::nullopt);
  EXPECT_EQ(created.network_denylist, std::nullopt);
  EXPECT_EQ(client_->get_network(created.id).policy, prime::SandboxEgressPolicy{});
}

TEST_F(SdkEgressPorts, SetNetworkReplacesThePolicyInEachOfPrimesModes) {
  const auto id = client_->create(request("modes")).id;
  auto status = client_->set_network(id, {.deny = List{"1.2.3.4", "10.0.0.0/8"}});
  EXPECT_EQ(status.policy, (prime::SandboxEgressPolicy{std::nullopt, List{"1.2.3.4", "10.0.0.0/8"}}));
  status = client_->set_network(id, {.allow = List{"example.com"}});
  EXPECT_EQ(status.policy, (prime::SandboxEgressPolicy{List{"example.com"}, std::nullopt}));
  status = client_->set_network(id, {.allow = List{"*"}});  // everything out
  EXPECT_EQ(status.policy, (prime::SandboxEgressPolicy{std::nullopt, List{}}));
  status = client_->set_network(id, {.deny = List{"*"}});  // nothing out
  EXPECT_EQ(status.policy, (prime::SandboxEgressPolicy{List{}, std::nullopt}));
  EXPECT_EQ(client_->get_network(id).policy, status.policy);
}

TEST_F(SdkEgressPorts, WhatPpioRefusesBeyondPrimesChecksComesBackAsItsMessage) {
  const auto id = client_->create(request("refused")).id;
  // A one-label hostname passes Prime's checks; PPIO wants a domain.
  try {
    client_->set_network(id, {.allow = List{"localhost"}});
    FAIL() << "accepted";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 400);
    EXPECT_NE(std::string(e.what()).find("is not an IP address, a CIDR block or a domain"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(client_->get_network(id).policy, prime::SandboxEgressPolicy{});  // unchanged
}

TEST_F(SdkEgressPorts, SetNetworkOnASandboxThatEndedIsA404) {
  const auto id = client_->create(request("ended")).id;
  ASSERT_TRUE(client_->delete_(id).success);
  try {
    client_->set_network(id, {.deny = List{"*"}});
    FAIL() << "accepted";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 404);
    EXPECT_EQ(std::string(e.what()).find("legacy"), std::string::npos) << e.what();
  }
}

TEST_F(SdkEgressPorts, TheAsyncClientGetsAndSetsTheSamePolicy) {
  prime::AsyncSandboxClient async(options());
  const auto id = async.create(request("async-net")).get().id;
  EXPECT_EQ(async.set_network(id, {.allow = List{"pypi.org"}}).get().policy.allowlist, List{"pypi.org"});
  EXPECT_EQ(async.get_network(id).get().policy.allowlist, List{"pypi.org"});
  EXPECT_EQ(client_->get_network(id).policy.allowlist, List{"pypi.org"});
  async.delete_(id).get();
}

TEST(SdkEgressLegacy, TheLegacyDomainRefusesPoliciesWithAClearError) {
  ppio_mock::Server server{fake_config(true)};
  server.start();
  prime::ClientOptions o;
  o.api_key = ppio_mock::kDefaultApiKey;
  o.api_url = server.url();
  o.sandbox_url = server.url();
  prime::SandboxClient client{prime::APIClient(o)};
  prime::CreateSandboxRequest r{.name = "legacy", .docker_image = "python:3.11-slim", .timeout_minutes = 10};
  r.network_denylist = List{"1.1.1.1"};
  try {
    client.create(r);
    FAIL() << "created";
  } catch (const prime::APIError& e) {
    EXPECT_NE(std::string(e.what()).find("legacy (v1) domain"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(client.list().sandboxes.empty()) << "a refused create left a sandbox";

  r.network_denylist.reset();
  const auto id = client.create(r).id;
  try {
    client.set_network(id, {.deny = List{"*"}});
    FAIL() << "accepted";
  } catch (const prime::APIError& e) {
    EXPECT_NE(std::string(e.what()).find("legacy v1 domain has no network API"), std::string::npos) << e.what();
  }
  EXPECT_EQ(client.get_network(id).policy, prime::SandboxEgressPolicy{});  // the legacy domain has none
}

// ---- ports ----

TEST_F(SdkEgressPorts, ExposeGivesTheUrlPpioRoutesAndANewClientListsIt) {
  const auto id = client_->create(request("ports")).id;
  const auto web = client_->expose(id, 8080, "web");
  EXPECT_EQ(web.url, "https://8080-" + id + "." + kPortsDomain);
  EXPECT_EQ(web.tls_socket, "8080-" + id + "." + kPortsDomain + ":443");
  EXPECT_EQ(web.sandbox_id, id);
  EXPECT_EQ(web.port, 8080);
  EXPECT_EQ(web.name, "web");
  EXPECT_EQ(web.protocol, "HTTP");
  EXPECT_EQ(web.exposure_id.rfind("exp-", 0), 0u);
  ASSERT_TRUE(web.created_at);
  const auto api = client_->expose(id, 3000);
  EXPECT_NE(api.exposure_id, web.exposure_id);
  EXPECT_EQ(client_->expose(id, 8080).exposure_id, web.exposure_id) << "a port exposed twice is one exposure";

  prime::SandboxClient other{prime::APIClient(options())};
  EXPECT_EQ(other.list_exposed_ports(id).exposures, (std::vector<prime::ExposedPort>{web, api}));

  other.unexpose(id, web.exposure_id);
  EXPECT_EQ(client_->list_exposed_ports(id).exposures, std::vector<prime::ExposedPort>{api});
  try {
    client_->unexpose(id, web.exposure_id);
    FAIL() << "unexposed twice";
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 404);
  }
}

TEST_F(SdkEgressPorts, ListAllExposedPortsCoversEverySandboxAndForgetsAnEndedOne) {
  const auto a = client_->create(request("all-a")).id;
  const auto b = client_->create(request("all-b")).id;
  const auto c = client_->create(request("all-c")).id;  // exposes nothing
  client_->expose(a, 8000);
  client_->expose(b, 9000);
  client_->expose(b, 9001);
  std::multiset<std::pair<std::string, int>> seen;
  for (const auto& e : client_->list_all_exposed_ports().exposures) seen.emplace(e.sandbox_id, e.port);
  EXPECT_EQ(seen, (std::multiset<std::pair<std::string, int>>{{a, 8000}, {b, 9000}, {b, 9001}}));
  EXPECT_TRUE(client_->list_exposed_ports(c).exposures.empty());

  ASSERT_TRUE(client_->delete_(b).success);
  seen.clear();
  for (const auto& e : client_->list_all_exposed_ports().exposures) seen.emplace(e.sandbox_id, e.port);
  EXPECT_EQ(seen, (std::multiset<std::pair<std::string, int>>{{a, 8000}}));
  EXPECT_THROW(client_->expose(b, 8000), prime::SandboxNotRunningError);
}

TEST_F(SdkEgressPorts, TheAsyncClientExposesAndListsTheSameRecords) {
  prime::AsyncSandboxClient async(options());
  const auto id = async.create(request("async-ports")).get().id;
  const auto exposed = async.expose(id, 5000, "app").get();
  EXPECT_EQ(exposed.url, "https://5000-" + id + "." + kPortsDomain);
  EXPECT_EQ(async.list_exposed_ports(id).get().exposures, std::vector<prime::ExposedPort>{exposed});
  EXPECT_EQ(client_->list_exposed_ports(id).exposures, std::vector<prime::ExposedPort>{exposed});
  bool listed = false;
  for (const auto& e : async.list_all_exposed_ports().get().exposures) listed = listed || e == exposed;
  EXPECT_TRUE(listed);
  async.unexpose(id, exposed.exposure_id).get();
  EXPECT_TRUE(client_->list_exposed_ports(id).exposures.empty());
  async.delete_(id).get();
}

}  // namespace
