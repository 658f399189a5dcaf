// The fake's state, without HTTP: lifecycle on the virtual clock, tenants, paging.
#include <gtest/gtest.h>

#include <set>

#include "mockserver/state/registry.hpp"
#include "mockserver/state/service_error.hpp"

namespace state = ppio_mock::state;
using ppio_sandbox::core::NewSandbox;
using ppio_sandbox::core::SandboxState;

namespace {

class RegistryTest : public ::testing::Test {
 protected:
  void SetUp() override { clock_.freeze(); }

  static NewSandbox new_sandbox(int timeout = 300, ppio_sandbox::core::Metadata md = {}) {
    NewSandbox n;
    n.template_id = "base";
    n.timeout = timeout;
    n.metadata = std::move(md);
    return n;
  }

  static int status_of(const std::function<void()>& fn) {
    try {
      fn();
    } catch (const state::ServiceError& e) {
      return e.status();
    }
    return 0;
  }

  state::VirtualClock clock_;
  state::Registry registry_{clock_, state::TemplateCatalog::defaults(), {.seed = 7}};
};

TEST_F(RegistryTest, CreateFillsTheDetailFromTheTemplate) {
  const auto r = registry_.create("team", new_sandbox(300, {{"k", "v"}}));
  EXPECT_EQ(r.info.sandbox_id.size(), 21u);
  EXPECT_EQ(r.info.sandbox_id[0], 'i');
  EXPECT_EQ(r.info.alias, "base");
  EXPECT_EQ(r.info.state, SandboxState::running);
  EXPECT_EQ(r.info.end_at - r.info.started_at, std::chrono::seconds(300));
  EXPECT_EQ(r.info.metadata.at("k"), "v");
  EXPECT_GT(r.info.memory_mb, 0);
  EXPECT_EQ(r.info.envd_access_token->size(), 32u) << "secure unless asked otherwise, as the modern service is";
}

TEST_F(RegistryTest, SecureSandboxesGetAnAccessToken) {
  auto n = new_sandbox();
  n.secure = true;
  EXPECT_EQ(registry_.create("team", n).info.envd_access_token->size(), 32u);
}

TEST_F(RegistryTest, TemplateMayBeNamedByIdAliasOrTaggedAlias) {
  const auto id = state::TemplateCatalog::defaults().find("base")->template_id;
  for (const std::string& ref : {std::string("base"), id, std::string("base:latest")}) {
    auto n = new_sandbox();
    n.template_id = ref;
    EXPECT_EQ(registry_.create("team", n).info.template_id, id) << ref;
  }
}

TEST_F(RegistryTest, RejectsUnknownTemplatesAndBadTimeouts) {
  auto unknown = new_sandbox();
  unknown.template_id = "nope";
  EXPECT_EQ(status_of([&] { registry_.create("team", unknown); }), 404);
  EXPECT_EQ(status_of([&] { registry_.create("team", new_sandbox(-1)); }), 400);
  EXPECT_EQ(status_of([&] { registry_.create("team", new_sandbox(24 * 3600 + 1)); }), 400);
  EXPECT_EQ(registry_.size(), 0u);
}

TEST_F(RegistryTest, OmittedTimeoutDefaultsToFifteenSeconds) {
  auto n = new_sandbox();
  n.timeout.reset();
  const auto r = registry_.create("team", n);
  EXPECT_EQ(r.info.end_at - r.info.started_at, std::chrono::seconds(15));
}

TEST_F(RegistryTest, ExpiryKillsAtEndTimeOnTheVirtualClock) {
  const auto id = registry_.create("team", new_sandbox(60)).info.sandbox_id;
  clock_.advance(std::chrono::seconds(59));
  EXPECT_EQ(registry_.get("team", id).info.sandbox_id, id);
  clock_.advance(std::chrono::seconds(1));
  EXPECT_EQ(status_of([&] { registry_.get("team", id); }), 404);
  EXPECT_EQ(registry_.size(), 0u);
}

TEST_F(RegistryTest, AutoPauseSandboxesPauseInsteadOfDying) {
  auto n = new_sandbox(60);
  n.auto_pause = true;
  const auto id = registry_.create("team", n).info.sandbox_id;
  clock_.advance(std::chrono::minutes(5));
  EXPECT_EQ(registry_.get("team", id).info.state, SandboxState::paused);
}

TEST_F(RegistryTest, OtherTeamsGet404ExactlyAsForUnknownIds) {
  const auto id = registry_.create("a", new_sandbox()).info.sandbox_id;
  EXPECT_EQ(status_of([&] { registry_.get("b", id); }), 404);
  EXPECT_EQ(status_of([&] { registry_.kill("b", id); }), 404);
  EXPECT_TRUE(registry_.list("b", {}).sandboxes.empty());
  EXPECT_EQ(registry_.get("a", id).info.sandbox_id, id);
}

TEST_F(RegistryTest, LegacyIdsWithClientSuffixResolve) {
  const auto r = registry_.create("team", new_sandbox());
  EXPECT_EQ(registry_.get("team", r.info.sandbox_id + "-" + r.info.client_id).info.sandbox_id, r.info.sandbox_id);
  EXPECT_EQ(status_of([&] { registry_.get("team", "a-b-c"); }), 400);
}

TEST_F(RegistryTest, ListIsNewestFirstAndFiltersByMetadataAndState) {
  auto a = registry_.create("team", new_sandbox(300, {{"role", "x"}})).info.sandbox_id;
  clock_.advance(std::chrono::seconds(1));
  auto b = registry_.create("team", new_sandbox(300, {{"role", "x"}})).info.sandbox_id;
  clock_.advance(std::chrono::seconds(1));
  registry_.create("team", new_sandbox(300, {{"role", "y"}}));

  const auto xs = registry_.list("team", {.metadata = {{"role", "x"}}});
  ASSERT_EQ(xs.sandboxes.size(), 2u);
  EXPECT_EQ(xs.sandboxes[0].sandbox_id, b);
  EXPECT_EQ(xs.sandboxes[1].sandbox_id, a);
  EXPECT_EQ(xs.total_running, 2);
  EXPECT_TRUE(registry_.list("team", {.states = {SandboxState::paused}}).sandboxes.empty());
}

TEST_F(RegistryTest, CursorPagingIsStableWhileSandboxesComeAndGo) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(registry_.create("team", new_sandbox()).info.sandbox_id);
    clock_.advance(std::chrono::seconds(1));
  }
  auto first = registry_.list("team", {.limit = 2});
  ASSERT_TRUE(first.next_cursor);
  // Between pages: one new sandbox (newer than all, so before the cursor) and one
  // already-seen sandbox deleted. Neither may shift what the next pages return.
  registry_.create("team", new_sandbox());
  registry_.kill("team", first.sandboxes[0].sandbox_id);

  std::set<std::string> seen;
  for (const auto& s : first.sandboxes) seen.insert(s.sandbox_id);
  auto cursor = first.next_cursor;
  while (cursor) {
    auto page = registry_.list("team", {.limit = 2, .cursor = cursor});
    for (const auto& s : page.sandboxes) EXPECT_TRUE(seen.insert(s.sandbox_id).second);
    cursor = page.next_cursor;
  }
  EXPECT_EQ(seen, std::set<std::string>(ids.begin(), ids.end()));
}

TEST_F(RegistryTest, RunningTotalFollowsEveryChange) {
  const ppio_sandbox::core::Metadata md{{"g", "1"}};
  const auto a = registry_.create("team", new_sandbox(300, md)).info.sandbox_id;
  registry_.create("team", new_sandbox(300, md));
  EXPECT_EQ(registry_.list("team", {.metadata = md}).total_running, 2);
  registry_.pause("team", a);
  EXPECT_EQ(registry_.list("team", {.metadata = md}).total_running, 1);
  registry_.create("team", new_sandbox(300, md));
  registry_.create("team", new_sandbox(300, {{"g", "2"}}));
  EXPECT_EQ(registry_.list("team", {.metadata = md}).total_running, 2);
  EXPECT_EQ(registry_.list("team", {}).total_running, 3);
  clock_.advance(std::chrono::seconds(300));
  EXPECT_EQ(registry_.list("team", {}).total_running, 0);
}

TEST_F(RegistryTest, ExactPageHasNoNextCursor) {
  for (int i = 0; i < 4; ++i) registry_.create("team", new_sandbox());
  const auto page = registry_.list("team", {.limit = 4});
  EXPECT_EQ(page.sandboxes.size(), 4u);
  EXPECT_FALSE(page.next_cursor);
}

TEST_F(RegistryTest, SetTimeoutShortensOrExtendsFromNow) {
  const auto id = registry_.create("team", new_sandbox(600)).info.sandbox_id;
  clock_.advance(std::chrono::seconds(100));
  registry_.set_timeout("team", id, 30);
  EXPECT_EQ(registry_.get("team", id).info.end_at, clock_.now() + std::chrono::seconds(30));
  registry_.set_timeout("team", id, 3000);
  EXPECT_EQ(registry_.get("team", id).info.end_at, clock_.now() + std::chrono::seconds(3000));
  clock_.advance(std::chrono::seconds(3000));
  EXPECT_EQ(status_of([&] { registry_.get("team", id); }), 404);  // the new deadline is the one enforced
}

TEST_F(RegistryTest, ZeroTimeoutEndsTheSandboxNow) {
  const auto id = registry_.create("team", new_sandbox()).info.sandbox_id;
  registry_.set_timeout("team", id, 0);
  EXPECT_EQ(status_of([&] { registry_.get("team", id); }), 404);
}

TEST_F(RegistryTest, RefreshOnlyExtendsAndByAtLeastFifteenSeconds) {
  const auto id = registry_.create("team", new_sandbox(10)).info.sandbox_id;
  registry_.refresh("team", id, 1);
  EXPECT_EQ(registry_.get("team", id).info.end_at, clock_.now() + std::chrono::seconds(15));
  registry_.refresh("team", id, 600);
  registry_.refresh("team", id, 20);  // would shorten: ignored
  EXPECT_EQ(registry_.get("team", id).info.end_at, clock_.now() + std::chrono::seconds(600));
  EXPECT_EQ(status_of([&] { registry_.refresh("team", id, 3601); }), 400);
}

TEST_F(RegistryTest, PauseStopsTheClockAndConnectResumes) {
  const auto id = registry_.create("team", new_sandbox(60)).info.sandbox_id;
  registry_.pause("team", id);
  EXPECT_EQ(status_of([&] { registry_.pause("team", id); }), 409);
  EXPECT_EQ(status_of([&] { registry_.set_timeout("team", id, 10); }), 404);  // paused: not in the live store
  clock_.advance(std::chrono::hours(2));
  EXPECT_EQ(registry_.get("team", id).info.state, SandboxState::paused);

  const auto resumed = registry_.connect("team", id, 120);
  EXPECT_TRUE(resumed.resumed);
  EXPECT_EQ(resumed.record.info.state, SandboxState::running);
  EXPECT_EQ(resumed.record.info.end_at, clock_.now() + std::chrono::seconds(120));
}

TEST_F(RegistryTest, ConnectOnARunningSandboxNeverShortens) {
  const auto id = registry_.create("team", new_sandbox(600)).info.sandbox_id;
  const auto end = registry_.get("team", id).info.end_at;
  const auto shorter = registry_.connect("team", id, 10);
  EXPECT_FALSE(shorter.resumed);
  EXPECT_EQ(shorter.record.info.end_at, end);
  EXPECT_EQ(registry_.connect("team", id, 1200).record.info.end_at, clock_.now() + std::chrono::seconds(1200));
}

TEST_F(RegistryTest, ResumeOfARunningSandboxIs409) {
  const auto id = registry_.create("team", new_sandbox()).info.sandbox_id;
  EXPECT_EQ(status_of([&] { registry_.resume("team", id, 60, std::nullopt); }), 409);
  registry_.pause("team", id);
  EXPECT_EQ(registry_.resume("team", id, 60, std::nullopt).info.state, SandboxState::running);
}

TEST_F(RegistryTest, LifecycleEventsAreLogged) {
  const auto id = registry_.create("team", new_sandbox()).info.sandbox_id;
  registry_.pause("team", id);
  registry_.connect("team", id, 60);
  std::vector<std::string> messages;
  for (const auto& line : registry_.get("team", id).logs) messages.push_back(line.message);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_NE(messages[0].find("created"), std::string::npos);
  EXPECT_NE(messages[1].find("paused"), std::string::npos);
  EXPECT_NE(messages[2].find("resumed"), std::string::npos);
}

TEST_F(RegistryTest, ObserverHearsEveryLifecycleEventOutsideTheLock) {
  std::vector<std::pair<std::string, state::SandboxEvent>> events;
  registry_.set_observer([&](const std::string& id, state::SandboxEvent e) {
    registry_.lookup(id);  // calling back in must not deadlock
    events.emplace_back(id, e);
  });
  auto n = new_sandbox(60);
  n.auto_pause = true;
  const auto a = registry_.create("team", n).info.sandbox_id;
  const auto b = registry_.create("team", new_sandbox(60)).info.sandbox_id;
  clock_.advance(std::chrono::seconds(61));
  registry_.expire_due();
  registry_.connect("team", a, 60);
  registry_.kill("team", a);

  using E = state::SandboxEvent;
  const std::vector<std::pair<std::string, E>> expected{{a, E::created}, {b, E::created}, {a, E::paused},
                                                        {b, E::removed}, {a, E::resumed}, {a, E::removed}};
  EXPECT_EQ(events, expected);
}

TEST_F(RegistryTest, LookupFindsAnyTeamsSandboxButNotGoneOnes) {
  const auto id = registry_.create("a", new_sandbox(10)).info.sandbox_id;
  ASSERT_TRUE(registry_.lookup(id));
  EXPECT_EQ(registry_.lookup(id)->team, "a");
  EXPECT_FALSE(registry_.lookup("iunknown"));
  EXPECT_FALSE(registry_.lookup("a-b-c"));
  clock_.advance(std::chrono::seconds(10));
  EXPECT_FALSE(registry_.lookup(id));
}

TEST_F(RegistryTest, MalformedCursorIs400) {
  EXPECT_EQ(status_of([&] { registry_.list("team", {.cursor = "!!!"}); }), 400);
  EXPECT_EQ(status_of([&] { registry_.list("team", {.cursor = "bm90LWEtY3Vyc29y"}); }), 400);
}

}  // namespace
