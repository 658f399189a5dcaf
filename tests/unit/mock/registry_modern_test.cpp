// The registry's modern-domain behaviour, without HTTP: the v2 list filters,
// metrics windows on the virtual clock, the secure default, network rules,
// the lifecycle (autoResume) and what PPIO's legacy domain refuses.
#include <gtest/gtest.h>

#include "mockserver/state/registry.hpp"
#include "mockserver/state/service_error.hpp"

namespace state = ppio_mock::state;
using ppio_sandbox::core::SandboxState;
using std::chrono::seconds;

namespace {

int status_of(const std::function<void()>& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const state::ServiceError& e) {
    if (message != nullptr) *message = e.what();
    return e.status();
  }
  return 0;
}

state::CreateRequest request(const std::string& template_id = "base", int timeout = 300) {
  state::CreateRequest n;
  n.template_id = template_id;
  n.timeout = timeout;
  return n;
}

class RegistryModern : public ::testing::Test {
 protected:
  void SetUp() override { clock_.freeze(); }

  std::string create(const state::CreateRequest& n = request()) { return registry_.create("team", n).info.sandbox_id; }
  std::vector<std::string> ids(const state::ListFilter& filter) {
    std::vector<std::string> out;
    for (const auto& info : registry_.list("team", filter).sandboxes) out.push_back(info.sandbox_id);
    return out;
  }

  state::VirtualClock clock_;
  state::Registry registry_{clock_, state::TemplateCatalog::defaults(), {.seed = 11}};
};

TEST_F(RegistryModern, ListOrdersByStartTimeEitherWay) {
  const auto a = create();
  clock_.advance(seconds(1));
  const auto b = create();
  clock_.advance(seconds(1));
  const auto c = create();
  EXPECT_EQ(ids({}), (std::vector<std::string>{c, b, a}));
  EXPECT_EQ(ids({.ascending = true}), (std::vector<std::string>{a, b, c}));
}

TEST_F(RegistryModern, AscendingCursorPagesForwardAndRefusesTheOtherOrder) {
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) {
    created.push_back(create());
    clock_.advance(seconds(1));
  }
  state::ListFilter filter{.ascending = true, .limit = 2};
  std::vector<std::string> seen;
  while (true) {
    const auto page = registry_.list("team", filter);
    for (const auto& info : page.sandboxes) seen.push_back(info.sandbox_id);
    if (!page.next_cursor) break;
    filter.cursor = page.next_cursor;
  }
  EXPECT_EQ(seen, created);
  const auto first = registry_.list("team", {.ascending = true, .limit = 1});
  ASSERT_TRUE(first.next_cursor.has_value());
  EXPECT_EQ(status_of([&] { registry_.list("team", {.cursor = first.next_cursor}); }), 400);
}

TEST_F(RegistryModern, StartedAfterIsAnInclusiveLowerBound) {
  const auto old = create();
  clock_.advance(seconds(10));
  const auto boundary = registry_.now();
  const auto at = create();
  clock_.advance(seconds(1));
  const auto later = create();
  EXPECT_EQ(ids({.started_after = boundary}), (std::vector<std::string>{later, at}));
  EXPECT_EQ(ids({.ascending = true, .started_after = boundary}), (std::vector<std::string>{at, later}));
  EXPECT_EQ(registry_.list("team", {.started_after = boundary}).total_running, 2);
  EXPECT_EQ(ids({.started_after = boundary + seconds(60)}), std::vector<std::string>{});
  EXPECT_EQ(ids({}).size(), 3u) << old;
}

TEST_F(RegistryModern, TemplateFilterTakesAnIdOrAnAlias) {
  const auto base = create(request("base"));
  const auto ci = create(request("code-interpreter-v1"));
  const auto ci_id = registry_.templates().find("code-interpreter-v1")->template_id;
  EXPECT_EQ(ids({.template_ref = "base"}), std::vector<std::string>{base});
  EXPECT_EQ(ids({.template_ref = ci_id}), std::vector<std::string>{ci});
  EXPECT_EQ(ids({.template_ref = "no-such-template"}), std::vector<std::string>{});
  EXPECT_EQ(registry_.list("team", {.template_ref = "base"}).total_running, 1);
  EXPECT_EQ(registry_.list("team", {}).total_running, 2);
}

TEST_F(RegistryModern, MetricsAreSampledEveryFiveSecondsWhileRunning) {
  const auto id = create();
  const auto t0 = registry_.now();
  clock_.advance(seconds(12));
  EXPECT_EQ(registry_.metric_samples("team", id, std::nullopt, std::nullopt).times,
            (std::vector<state::Timestamp>{t0, t0 + seconds(5), t0 + seconds(10)}));
  // A window before the sandbox existed is empty; one after now too.
  EXPECT_TRUE(registry_.metric_samples("team", id, t0 - seconds(60), t0 - seconds(1)).times.empty());
  EXPECT_TRUE(registry_.metric_samples("team", id, t0 + seconds(20), std::nullopt).times.empty());
  EXPECT_EQ(registry_.metric_samples("team", id, t0 + seconds(3), t0 + seconds(7)).times,
            std::vector<state::Timestamp>{t0 + seconds(5)});
  // Paused from 12 s to 32 s: no samples in between.
  registry_.pause("team", id);
  clock_.advance(seconds(20));
  registry_.connect("team", id, 60);
  clock_.advance(seconds(4));
  EXPECT_EQ(registry_.metric_samples("team", id, t0 + seconds(11), std::nullopt).times,
            (std::vector<state::Timestamp>{t0 + seconds(35)}));
  EXPECT_EQ(status_of([&] { registry_.metric_samples("other", id, std::nullopt, std::nullopt); }), 404);
}

TEST_F(RegistryModern, LongMetricWindowsAreThinned) {
  const auto id = create(request("base", 24 * 3600));
  clock_.advance(std::chrono::hours(10));
  const auto times = registry_.metric_samples("team", id, std::nullopt, std::nullopt).times;
  EXPECT_LE(times.size(), 1000u);
  EXPECT_GT(times.size(), 900u);
}

TEST_F(RegistryModern, SecureIsTheDefaultUnlessAskedOrConfiguredOtherwise) {
  EXPECT_EQ(registry_.create("team", request()).info.envd_access_token->size(), 32u);
  auto insecure = request();
  insecure.secure = false;
  EXPECT_FALSE(registry_.create("team", insecure).info.envd_access_token.has_value());
  state::Registry legacy{clock_, state::TemplateCatalog::defaults(), {.secure_by_default = false}};
  EXPECT_FALSE(legacy.create("team", request()).info.envd_access_token.has_value());
}

TEST_F(RegistryModern, NetworkRulesAreValidatedKeptAndReported) {
  auto n = request();
  n.network = state::NetworkConfig{.allow_out = std::vector<std::string>{"example.com", "8.8.8.8"},
                                   .deny_out = std::vector<std::string>{"0.0.0.0/0"},
                                   .mask_request_host = "b\u00fccher.example"};
  EXPECT_EQ(status_of([&] { create(n); }), 400) << "a host mask is ASCII";
  n.network->mask_request_host = "localhost:${PORT}";
  const auto id = create(n);
  const auto detail = registry_.detail("team", id);
  ASSERT_TRUE(detail.settings.network.has_value());
  EXPECT_EQ(detail.settings.network->allow_out->front(), "example.com");
  EXPECT_FALSE(detail.settings.traffic_access_token.has_value()) << "public traffic stays allowed";

  const std::vector<std::pair<std::vector<std::string>, std::vector<std::string>>> refused{
      {{"example.com"}, {}},                 // a domain needs ALL_TRAFFIC denied
      {{}, {"example.com"}},                 // deny takes no domains
      {{}, {"300.1.1.1"}},                   // not an address
      {{}, {"10.0.0.0/33"}},                 // not a CIDR block
      {{"::1"}, {}},                         // IPv6 is not supported
      {{"1.1.1.1:70000"}, {}},               // not a port
      {{"bad host"}, {"0.0.0.0/0"}},
  };
  for (const auto& [allow, deny] : refused) {
    auto bad = request();
    bad.network = state::NetworkConfig{.allow_out = allow, .deny_out = deny};
    EXPECT_EQ(status_of([&] { create(bad); }), 400) << (allow.empty() ? deny.front() : allow.front());
  }
}

TEST_F(RegistryModern, PrivateTrafficNeedsASecureSandboxAndGetsATrafficToken) {
  auto n = request();
  n.network = state::NetworkConfig{.allow_public_traffic = false};
  n.secure = false;
  std::string message;
  EXPECT_EQ(status_of([&] { create(n); }, &message), 400);
  EXPECT_NE(message.find("secure"), std::string::npos) << message;
  n.secure.reset();
  const auto record = registry_.create("team", n);
  ASSERT_TRUE(record.settings.traffic_access_token.has_value());
  EXPECT_EQ(record.settings.traffic_access_token->size(), 32u);
  EXPECT_NE(record.settings.traffic_access_token, record.info.envd_access_token);
}

TEST_F(RegistryModern, NetworkUpdateReplacesEgressAndKeepsIngress) {
  auto n = request();
  n.network = state::NetworkConfig{.allow_public_traffic = false,
                                   .allow_out = std::vector<std::string>{"1.1.1.1"},
                                   .mask_request_host = "app.example.com"};
  const auto id = create(n);
  registry_.update_network("team", id, {.deny_out = std::vector<std::string>{"10.0.0.0/8"}, .allow_internet_access = false});
  const auto detail = registry_.detail("team", id);
  EXPECT_FALSE(detail.settings.network->allow_out.has_value()) << "an omitted field clears";
  EXPECT_EQ(detail.settings.network->deny_out, std::vector<std::string>{"10.0.0.0/8"});
  EXPECT_EQ(detail.settings.network->allow_public_traffic, false);
  EXPECT_EQ(detail.settings.network->mask_request_host, "app.example.com");
  EXPECT_EQ(detail.settings.allow_internet_access, false);
  EXPECT_EQ(status_of([&] { registry_.update_network("team", id, {.deny_out = std::vector<std::string>{"x.com"}}); }), 400);
  EXPECT_EQ(status_of([&] { registry_.update_network("other", id, {}); }), 404);
  registry_.pause("team", id);
  EXPECT_EQ(status_of([&] { registry_.update_network("team", id, {}); }), 409);
}

TEST_F(RegistryModern, AutoResumeRunsAPausedSandboxAgainForItsCreateTimeout) {
  std::vector<std::pair<std::string, state::SandboxEvent>> events;
  registry_.set_observer([&](const std::string& id, state::SandboxEvent e) { events.emplace_back(id, e); });
  auto n = request("base", 30);
  n.auto_pause = true;
  n.auto_resume = true;
  const auto id = create(n);
  clock_.advance(seconds(31));
  EXPECT_EQ(registry_.info("team", id).state, SandboxState::paused);
  const auto resumed = registry_.auto_resume(id);
  ASSERT_TRUE(resumed.has_value());
  EXPECT_EQ(resumed->info.state, SandboxState::running);
  EXPECT_EQ(resumed->info.end_at, registry_.now() + seconds(60)) << "30 s is raised to the 60 s floor";
  EXPECT_EQ(events.back(), std::make_pair(id, state::SandboxEvent::resumed));
  EXPECT_EQ(registry_.detail("team", id).settings.auto_resume, true);

  auto plain = request();
  plain.auto_pause = true;
  const auto other = create(plain);
  registry_.pause("team", other);
  EXPECT_EQ(registry_.auto_resume(other)->info.state, SandboxState::paused) << "no autoResume: it stays paused";
  EXPECT_FALSE(registry_.auto_resume("igone").has_value());
  EXPECT_FALSE(registry_.auto_resume("a-b-c").has_value());
}

TEST_F(RegistryModern, AutoResumeCannotBeCombinedWithAFilesystemOnlyPause) {
  auto n = request();
  n.auto_pause = true;
  n.auto_resume = true;
  n.auto_pause_memory = false;
  EXPECT_EQ(status_of([&] { create(n); }), 400);
  n.auto_resume = false;
  EXPECT_FALSE(registry_.detail("team", create(n)).settings.auto_pause_memory);
}

TEST_F(RegistryModern, VolumeMountsNameVolumesTheTeamDoesNotHave) {
  auto n = request();
  n.volume_mounts = {{"data", "/mnt/data"}};
  std::string message;
  EXPECT_EQ(status_of([&] { create(n); }, &message), 400);
  EXPECT_NE(message.find("volume 'data' not found"), std::string::npos) << message;
}

TEST_F(RegistryModern, LegacyDomainRefusesNetworkRulesAndVolumeMounts) {
  state::Registry legacy{clock_, state::TemplateCatalog::defaults(), {.legacy_v1 = true, .secure_by_default = false}};
  auto networked = request();
  networked.network = state::NetworkConfig{.allow_out = std::vector<std::string>{"1.1.1.1"}};
  std::string message;
  EXPECT_EQ(status_of([&] { legacy.create("team", networked); }, &message), 400);
  EXPECT_NE(message.find("legacy"), std::string::npos) << message;
  auto mounted = request();
  mounted.volume_mounts = {{"data", "/mnt"}};
  EXPECT_EQ(status_of([&] { legacy.create("team", mounted); }), 400);
  EXPECT_EQ(legacy.size(), 0u);
}

TEST_F(RegistryModern, TemplateUsageCountsSpawns) {
  const auto base_id = registry_.templates().find("base")->template_id;
  EXPECT_EQ(registry_.template_usage(base_id).spawn_count, 0);
  EXPECT_FALSE(registry_.template_usage(base_id).last_spawned_at.has_value());
  create();
  clock_.advance(seconds(5));
  create();
  EXPECT_EQ(registry_.template_usage(base_id).spawn_count, 2);
  EXPECT_EQ(registry_.template_usage(base_id).last_spawned_at, registry_.now());
}

}  // namespace
