// Egress: Prime's validators, the mapping of its lists onto PPIO's network
// config, and get_network / set_network / create over a mocked transport.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"
#include "ppio_sandbox/prime_compatible/mapping.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
namespace mapping = ppio_sandbox::prime_compatible::mapping;
using nlohmann::json;
using sdk_test::created_json;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;
using Lists = std::optional<std::vector<std::string>>;

namespace {

std::vector<std::string> v(std::initializer_list<const char*> items) { return {items.begin(), items.end()}; }

std::string message_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "<no std::invalid_argument>";
}

TEST(EgressValidation, AcceptsAddressesBlocksHostnamesAndALeftmostWildcard) {
  EXPECT_NO_THROW(prime::validate_egress_lists(v({"8.8.8.8", "10.0.0.0/8", "pypi.org", "*.github.com"}), {}));
  EXPECT_NO_THROW(prime::validate_egress_lists({}, v({"1.2.3.4/32", "example.com"})));
  EXPECT_NO_THROW(prime::validate_egress_lists(std::vector<std::string>{}, {}));
  EXPECT_NO_THROW(prime::validate_egress_lists({}, std::vector<std::string>{}));
  EXPECT_NO_THROW(prime::validate_egress_lists({}, {}));
}

TEST(EgressValidation, RejectsWhatPrimeRejectsNamingTheList) {
  for (const char* bad : {"*", "https://example.com", "example.com:443", "example.com?x=1", "user@example.com",
                          "api.*.example.com", "::1", "2001:db8::/32", "", "a..example.com", "10.0.0.0/33x"}) {
    const auto message = message_of([&] { prime::validate_egress_lists(v({bad}), {}); });
    EXPECT_THAT(message, HasSubstr("network_allowlist: ")) << "entry '" << bad << "': " << message;
  }
  EXPECT_THAT(message_of([] { prime::validate_egress_lists({}, v({"::1"})); }),
              HasSubstr("network_denylist: IPv6 is not supported"));
}

TEST(EgressValidation, ListsAreExclusiveAndCappedAt256) {
  EXPECT_EQ(message_of([] { prime::validate_egress_lists(v({"a.com"}), v({"1.1.1.1"})); }),
            "network_allowlist and network_denylist are mutually exclusive; provide at most one");
  std::vector<std::string> many(257, "example.com");
  EXPECT_EQ(message_of([&] { prime::validate_egress_lists(many, {}); }),
            "network_allowlist supports at most 256 entries");
  many.pop_back();
  EXPECT_NO_THROW(prime::validate_egress_lists(many, {}));
}

TEST(EgressValidation, CreateRequestRefusesListsForContainersAndChecksEntries) {
  prime::CreateSandboxRequest r{.name = "n", .docker_image = "img", .vm = false, .network_allowlist = v({"a.com"})};
  EXPECT_EQ(message_of([&] { r.validate(); }),
            "network_allowlist and network_denylist are only supported for VM sandboxes (vm=True)");
  r.vm.reset();
  EXPECT_NO_THROW(r.validate());
  r.network_denylist = v({"1.1.1.1"});
  EXPECT_THAT(message_of([&] { r.validate(); }), HasSubstr("mutually exclusive"));
  r.network_denylist.reset();
  r.network_allowlist = v({"*"});
  EXPECT_THAT(message_of([&] { r.validate(); }), HasSubstr("network_allowlist: "));
}

TEST(EgressModels, CreateRequestKeepsAnEmptyListAndOmitsTheUnsetOne) {
  const prime::CreateSandboxRequest r{.name = "n", .docker_image = "img", .network_allowlist = std::vector<std::string>{}};
  const json j = r;
  ASSERT_TRUE(j.contains("network_allowlist"));
  EXPECT_EQ(j["network_allowlist"], json::array());
  EXPECT_FALSE(j.contains("network_denylist"));
  EXPECT_EQ(j.get<prime::CreateSandboxRequest>().network_allowlist, std::vector<std::string>{});
}

TEST(EgressModels, StatusParsesPrimesAnswerIncludingANeverAppliedOne) {
  const auto s = json::parse(R"({"policy":{"allowlist":["a.com"],"denylist":null},"generation":3,
                                 "applied_generation":-1,"applied":false})")
                     .get<prime::EgressPolicyStatus>();
  EXPECT_EQ(s.policy.allowlist, v({"a.com"}));
  EXPECT_EQ(s.policy.denylist, std::nullopt);
  EXPECT_EQ(s.generation, 3);
  EXPECT_EQ(s.applied_generation, -1);
  EXPECT_FALSE(s.applied);
  EXPECT_EQ(json(s).get<prime::EgressPolicyStatus>(), s);
  // Sandbox reads the lists under both spellings; the removed networkAccess is ignored.
  const json sandbox = json::parse(
      R"({"id":"i","name":"n","dockerImage":"d","cpuCores":1,"memoryGB":1,"diskSizeGB":1,"diskMountPath":"/",
          "gpuCount":0,"status":"RUNNING","timeoutMinutes":5,"createdAt":"2026-01-01T00:00:00Z",
          "updatedAt":"2026-01-01T00:00:00Z","networkAllowlist":["a.com"],"networkAccess":false})");
  EXPECT_EQ(sandbox.get<prime::Sandbox>().network_allowlist, v({"a.com"}));
}

// Each of Prime's modes, to PPIO and back.
struct Mode {
  const char* name;
  prime::SandboxEgressPolicy policy;
  Lists allow_out;
  Lists deny_out;
};

TEST(EgressMapping, EachPolicyMapsToPpioAndReadsBackTheSame) {
  const std::vector<Mode> modes{
      {"allowlist", {v({"pypi.org", "8.8.8.8"}), {}}, v({"pypi.org", "8.8.8.8"}), v({"0.0.0.0/0"})},
      {"nothing out", {std::vector<std::string>{}, {}}, {}, v({"0.0.0.0/0"})},
      {"denylist", {{}, v({"1.2.3.4", "10.0.0.0/8"})}, {}, v({"1.2.3.4", "10.0.0.0/8"})},
      {"everything out", {{}, std::vector<std::string>{}}, {}, std::vector<std::string>{}},
  };
  for (const auto& mode : modes) {
    const auto update = mapping::network_update_for(mode.policy);
    EXPECT_EQ(update.allow_out, mode.allow_out) << mode.name;
    EXPECT_EQ(update.deny_out, mode.deny_out) << mode.name;
    const auto config = mapping::network_for(mode.policy.allowlist, mode.policy.denylist);
    ASSERT_TRUE(config) << mode.name;
    EXPECT_EQ(config->allow_out, mode.allow_out) << mode.name;
    EXPECT_EQ(config->deny_out, mode.deny_out) << mode.name;
    EXPECT_EQ(mapping::egress_from_network(config, std::nullopt), mode.policy) << mode.name;
  }
  EXPECT_EQ(mapping::network_for({}, {}), std::nullopt);
  EXPECT_EQ(mapping::egress_from_network(std::nullopt, std::nullopt), prime::SandboxEgressPolicy{});
}

TEST(EgressMapping, ReadsOtherClientsSettings) {
  // allow_internet_access=false is PPIO's deny-all.
  EXPECT_EQ(mapping::egress_from_network(std::nullopt, false).allowlist, std::vector<std::string>{});
  core::NetworkConfig only_allow;
  only_allow.allow_out = v({"1.1.1.1"});  // holes in nothing: everything may go out
  EXPECT_EQ(mapping::egress_from_network(only_allow, std::nullopt), prime::SandboxEgressPolicy{});
}

TEST(EgressMapping, PpioCannotDenyHostnames) {
  EXPECT_THAT(message_of([] { mapping::network_update_for({{}, v({"1.1.1.1", "example.com"})}); }),
              HasSubstr("PPIO denies IPv4 addresses and CIDR blocks only, not hostnames (example.com)"));
  EXPECT_THAT(message_of([] { mapping::network_for({}, v({"*.example.com"})); }), HasSubstr("not hostnames"));
}

TEST(EgressMapping, SetNetworkArgumentsAsPrimeChecksThem) {
  EXPECT_EQ(mapping::policy_for_set_network(v({"a.com"}), {}), (prime::SandboxEgressPolicy{v({"a.com"}), {}}));
  EXPECT_EQ(mapping::policy_for_set_network({}, v({"1.1.1.1"})), (prime::SandboxEgressPolicy{{}, v({"1.1.1.1"})}));
  EXPECT_EQ(mapping::policy_for_set_network(v({"*"}), {}),
            (prime::SandboxEgressPolicy{{}, std::vector<std::string>{}}));
  EXPECT_EQ(mapping::policy_for_set_network({}, v({"*"})),
            (prime::SandboxEgressPolicy{std::vector<std::string>{}, {}}));

  EXPECT_EQ(message_of([] { mapping::policy_for_set_network({}, {}); }),
            "exactly one of allow or deny must be provided");
  EXPECT_EQ(message_of([] { mapping::policy_for_set_network(v({"a.com"}), v({"1.1.1.1"})); }),
            "exactly one of allow or deny must be provided");
  EXPECT_EQ(message_of([] { mapping::policy_for_set_network(std::vector<std::string>{}, {}); }),
            "allow or deny must contain at least one destination");
  EXPECT_EQ(message_of([] { mapping::policy_for_set_network({}, std::vector<std::string>{}); }),
            "allow or deny must contain at least one destination");
  EXPECT_EQ(message_of([] { mapping::policy_for_set_network(v({"*", "a.com"}), {}); }),
            "'*' must be the only destination");
  EXPECT_THAT(message_of([] { mapping::policy_for_set_network(v({"http://a.com"}), {}); }),
              HasSubstr("network_allowlist: "));
}

class EgressOverMock : public ::testing::Test {
 protected:
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  prime::SandboxClient client_{prime::APIClient(prime::ClientOptions{
      .api_key = "sk_test",
      .api_url = "http://api.test",
      .transport = transport_,
      .retry = {.max_attempts = 1},
      .clock = std::make_shared<core::ManualClock>()})};
};

TEST_F(EgressOverMock, SetNetworkPutsTheMappedPolicyAndReportsWhatPpioHolds) {
  json sent;
  EXPECT_CALL(*transport_, send(Req("PUT", "/sandboxes/ia/network"))).WillOnce([&](const core::HttpRequest& r) {
    sent = json::parse(r.body);
    return reply(204);
  });
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running",
                                               R"(,"network":{"allowOut":["pypi.org"],"denyOut":["0.0.0.0/0"]})"))));
  const auto status = client_.set_network("ia", {.allow = v({"pypi.org"})});
  EXPECT_EQ(sent, json::parse(R"({"allowOut":["pypi.org"],"denyOut":["0.0.0.0/0"]})"));
  EXPECT_EQ(status.policy.allowlist, v({"pypi.org"}));
  EXPECT_EQ(status.policy.denylist, std::nullopt);
  EXPECT_TRUE(status.applied);
  EXPECT_EQ(status.generation, status.applied_generation);
}

TEST_F(EgressOverMock, SetNetworkSendsNothingWhenPrimeWouldRefuse) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  EXPECT_THROW(client_.set_network("ia", {}), std::invalid_argument);
  EXPECT_THROW(client_.set_network("ia", {.deny = v({"*", "1.1.1.1"})}), std::invalid_argument);
  EXPECT_THROW(client_.set_network("ia", {.deny = v({"example.com"})}), std::invalid_argument);  // PPIO's limit
}

TEST_F(EgressOverMock, ADomainWithoutTheNetworkApiIsNamed) {
  EXPECT_CALL(*transport_, send(Req("PUT", "/sandboxes/ia/network")))
      .WillOnce(Return(reply(404, R"({"code":404,"message":"Network rules is not supported here"})")));
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia"))).WillOnce(Return(reply(200, sandbox_json("ia"))));
  try {
    client_.set_network("ia", {.deny = v({"*"})});
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), HasSubstr("legacy v1 domain has no network API"));
    EXPECT_THAT(e.what(), HasSubstr("Network rules is not supported here"));
    EXPECT_EQ(e.status(), 404);
  }
}

TEST_F(EgressOverMock, AnUnknownSandboxIsA404NotALegacyDomain) {
  EXPECT_CALL(*transport_, send(Req("PUT", "/sandboxes/inope/network")))
      .WillOnce(Return(reply(404, R"({"code":404,"message":"sandbox not found"})")));
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/inope")))
      .WillOnce(Return(reply(404, R"({"code":404,"message":"sandbox not found"})")));
  try {
    client_.set_network("inope", {.allow = v({"*"})});
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), Not(HasSubstr("legacy")));
    EXPECT_THAT(e.what(), HasSubstr("HTTP 404"));
  }
}

TEST_F(EgressOverMock, GetNetworkReadsTheSandboxDetail) {
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running", R"(,"network":{"denyOut":["10.0.0.0/8"]})"))));
  const auto status = client_.get_network("ia");
  EXPECT_EQ(status.policy.denylist, v({"10.0.0.0/8"}));
  EXPECT_EQ(status.policy.allowlist, std::nullopt);
}

TEST_F(EgressOverMock, CreateSendsTheListsAsPpioNetworkAndReadsThemBack) {
  json sent;
  EXPECT_CALL(*transport_, send(Req("GET", "/templates"))).WillOnce(Return(reply(200, "[]")));
  EXPECT_CALL(*transport_, send(Req("POST", "/sandboxes"))).WillOnce([&](const core::HttpRequest& r) {
    sent = json::parse(r.body);
    return reply(201, created_json("ia"));
  });
  EXPECT_CALL(*transport_, send(Req("GET", "/sandboxes/ia")))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running", R"(,"network":{"denyOut":["0.0.0.0/0"]})"))));
  const auto sandbox = client_.create(
      {.name = "n", .docker_image = "python:3.11-slim", .network_allowlist = std::vector<std::string>{}});
  EXPECT_EQ(sent["network"]["denyOut"], json::parse(R"(["0.0.0.0/0"])"));
  EXPECT_FALSE(sent["network"].contains("allowOut"));
  EXPECT_EQ(sandbox.network_allowlist, std::vector<std::string>{});
  EXPECT_EQ(sandbox.network_denylist, std::nullopt);
}

TEST_F(EgressOverMock, CreateWithAHostnameToDenySendsNothing) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  EXPECT_THROW(client_.create({.name = "n", .docker_image = "img", .network_denylist = v({"example.com"})}),
               std::invalid_argument);
}

}  // namespace
