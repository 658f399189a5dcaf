// The registry's snapshots and forks, without HTTP and without files: the
// copies go to a mocked SandboxStorage (tests/unit/envd/tree_copy_test.cpp
// checks the real one).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "mockserver/state/registry.hpp"
#include "mockserver/state/service_error.hpp"

namespace state = ppio_mock::state;
using ppio_sandbox::core::SandboxState;
using ::testing::_;
using ::testing::StrictMock;
using ::testing::Throw;

namespace {

class MockStorage : public state::SandboxStorage {
 public:
  MOCK_METHOD(void, save_snapshot, (const std::string& sandbox_id, const std::string& snapshot_key), (override));
  MOCK_METHOD(void, restore_snapshot, (const std::string& snapshot_key, const std::string& sandbox_id), (override));
  MOCK_METHOD(void, copy_sandbox, (const std::string& from, const std::string& to), (override));
  MOCK_METHOD(void, delete_snapshot, (const std::string& snapshot_key), (override));
};

int status_of(const std::function<void()>& fn, std::string* message = nullptr) {
  try {
    fn();
  } catch (const state::ServiceError& e) {
    if (message != nullptr) *message = e.what();
    return e.status();
  }
  return 0;
}

class RegistryCopies : public ::testing::Test {
 protected:
  void SetUp() override {
    clock_.freeze();
    registry_.set_storage(&storage_);
  }

  std::string create(const std::string& team = "team", ppio_sandbox::core::Metadata md = {},
                     const std::string& template_id = "base") {
    state::CreateRequest n;
    n.template_id = template_id;
    n.timeout = 300;
    n.metadata = std::move(md);
    n.env_vars = {{"FROM", "create"}};
    return registry_.create(team, n).info.sandbox_id;
  }

  state::VirtualClock clock_;
  StrictMock<MockStorage> storage_;
  state::Registry registry_{clock_, state::TemplateCatalog::defaults(), {.seed = 3, .max_concurrent_per_team = 4}};
};

TEST_F(RegistryCopies, AnUnnamedSnapshotCopiesTheSandboxFilesUnderItsKey) {
  const auto id = create();
  std::string saved_key;
  EXPECT_CALL(storage_, save_snapshot(id, _)).WillOnce([&](const std::string&, const std::string& key) { saved_key = key; });
  const auto snapshot = registry_.create_snapshot("team", id, std::nullopt);
  EXPECT_EQ(snapshot.storage_key(), saved_key);
  EXPECT_EQ(snapshot.snapshot_id(), snapshot.template_id + ":default");
  EXPECT_TRUE(snapshot.names().empty());
  EXPECT_EQ(snapshot.template_id.size(), 20u);
  EXPECT_EQ(snapshot.source_sandbox, id);
  EXPECT_EQ(snapshot.cpu_count, registry_.info("team", id).cpu_count);
}

TEST_F(RegistryCopies, NamedSnapshotsLiveInTheTeamNamespaceAndANameTakenAgainIsANewBuild) {
  const auto id = create();
  EXPECT_CALL(storage_, save_snapshot(id, _)).Times(3);
  const auto first = registry_.create_snapshot("team", id, "my-snap");
  EXPECT_EQ(first.snapshot_id(), "team/my-snap:default");
  EXPECT_EQ(first.names(), std::vector<std::string>{"team/my-snap:default"});
  const auto v2 = registry_.create_snapshot("team", id, "team/my-snap:v2");
  EXPECT_EQ(v2.template_id, first.template_id) << "same name, same template";
  EXPECT_EQ(v2.snapshot_id(), "team/my-snap:v2");
  clock_.advance(std::chrono::seconds(1));
  const auto again = registry_.create_snapshot("team", id, "my-snap");
  EXPECT_EQ(again.storage_key(), first.storage_key()) << "the tag's build is replaced";
  const auto page = registry_.list_snapshots("team", {});
  ASSERT_EQ(page.snapshots.size(), 2u);
  EXPECT_EQ(page.snapshots[0].created_at, again.created_at) << "newest first";
}

TEST_F(RegistryCopies, SnapshotNamesAreChecked) {
  const auto id = create();
  for (const std::string name : {"Upper", "has space", "-dash", "other-team/x", "a/b/c", "x:", "x:bad tag", ""}) {
    EXPECT_EQ(status_of([&] { registry_.create_snapshot("team", id, name); }), 400) << name;
  }
  EXPECT_TRUE(registry_.list_snapshots("team", {}).snapshots.empty());
}

TEST_F(RegistryCopies, OnlyARunningSandboxOfTheTeamCanBeSnapshotted) {
  const auto id = create();
  std::string message;
  EXPECT_EQ(status_of([&] { registry_.create_snapshot("other", id, std::nullopt); }, &message), 404);
  EXPECT_EQ(message, "Sandbox '" + id + "' not found or not running");
  EXPECT_EQ(status_of([&] { registry_.create_snapshot("team", "inope", std::nullopt); }), 404);
  registry_.pause("team", id);
  EXPECT_EQ(status_of([&] { registry_.create_snapshot("team", id, std::nullopt); }), 404);
}

TEST_F(RegistryCopies, ASandboxFromASnapshotStartsWithItsFilesAndResources) {
  const auto source = create();
  EXPECT_CALL(storage_, save_snapshot(source, _));
  const auto snapshot = registry_.create_snapshot("team", source, "seed");
  std::string restored_into;
  EXPECT_CALL(storage_, restore_snapshot(snapshot.storage_key(), _))
      .Times(3)
      .WillRepeatedly([&](const std::string&, const std::string& id) { restored_into = id; });
  for (const std::string& ref : std::vector<std::string>{"team/seed:default", "seed", snapshot.template_id}) {
    const auto id = create("team", {}, ref);
    EXPECT_EQ(restored_into, id) << ref;
    const auto info = registry_.info("team", id);
    EXPECT_EQ(info.template_id, snapshot.template_id) << ref;
    EXPECT_EQ(info.alias, "seed");
    EXPECT_EQ(info.memory_mb, snapshot.memory_mb);
  }
  // Snapshots belong to their team.
  EXPECT_EQ(status_of([&] { create("other", {}, "team/seed"); }), 404);
  EXPECT_EQ(status_of([&] { create("other", {}, snapshot.template_id); }), 404);
}

TEST_F(RegistryCopies, DeletingASnapshotTemplateRemovesItsFiles) {
  const auto id = create();
  EXPECT_CALL(storage_, save_snapshot(id, _)).Times(2);
  const auto a = registry_.create_snapshot("team", id, "gone:v1");
  const auto b = registry_.create_snapshot("team", id, "gone:v2");
  EXPECT_EQ(status_of([&] { registry_.delete_template("other", "team/gone"); }), 404);
  EXPECT_CALL(storage_, delete_snapshot(a.storage_key()));
  registry_.delete_template("team", "gone:v1");  // one tag
  EXPECT_EQ(registry_.list_snapshots("team", {}).snapshots.size(), 1u);
  EXPECT_CALL(storage_, delete_snapshot(b.storage_key()));
  registry_.delete_template("team", a.template_id);  // the rest of the template
  EXPECT_TRUE(registry_.list_snapshots("team", {}).snapshots.empty());
  EXPECT_EQ(status_of([&] { registry_.delete_template("team", "team/gone"); }), 404);
  EXPECT_EQ(status_of([&] { create("team", {}, "gone:v2"); }), 404);
  EXPECT_EQ(status_of([&] { registry_.delete_template("team", "base"); }), 403) << "catalogue templates are not the team's";
}

TEST_F(RegistryCopies, AFailedCopyIsA500AndChangesNothing) {
  const auto id = create();
  EXPECT_CALL(storage_, save_snapshot(id, _)).WillOnce(Throw(std::runtime_error("disk full")));
  EXPECT_EQ(status_of([&] { registry_.create_snapshot("team", id, "x"); }), 500);
  EXPECT_TRUE(registry_.list_snapshots("team", {}).snapshots.empty());

  EXPECT_CALL(storage_, save_snapshot(id, _));
  const auto snapshot = registry_.create_snapshot("team", id, "x");
  EXPECT_CALL(storage_, restore_snapshot(snapshot.storage_key(), _)).WillOnce(Throw(std::runtime_error("io")));
  EXPECT_EQ(status_of([&] { create("team", {}, "x"); }), 500);
  EXPECT_CALL(storage_, copy_sandbox(id, _)).WillOnce(Throw(std::runtime_error("io")));
  const auto outcomes = registry_.fork("team", id, 60, 1);
  ASSERT_EQ(outcomes.size(), 1u);
  ASSERT_TRUE(outcomes[0].error.has_value());
  EXPECT_EQ(outcomes[0].error->status(), 500);
  EXPECT_EQ(registry_.size(), 1u);
}

TEST_F(RegistryCopies, SnapshotListFiltersAndPages) {
  const auto one = create();
  const auto two = create();
  EXPECT_CALL(storage_, save_snapshot(_, _)).Times(3);
  registry_.create_snapshot("team", one, "alpha");
  clock_.advance(std::chrono::seconds(1));
  registry_.create_snapshot("team", one, std::nullopt);
  clock_.advance(std::chrono::seconds(1));
  registry_.create_snapshot("team", two, "beta:v1");
  EXPECT_TRUE(registry_.list_snapshots("other", {}).snapshots.empty());
  EXPECT_EQ(registry_.list_snapshots("team", {.sandbox_id = one}).snapshots.size(), 2u);
  EXPECT_EQ(registry_.list_snapshots("team", {.name = "beta"}).snapshots.size(), 1u);
  EXPECT_EQ(registry_.list_snapshots("team", {.name = "beta:v2"}).snapshots.size(), 0u);
  EXPECT_EQ(registry_.list_snapshots("team", {.name = "team/alpha:default"}).snapshots.size(), 1u);

  std::vector<std::string> seen;
  state::SnapshotFilter filter{.limit = 2};
  auto page = registry_.list_snapshots("team", filter);
  ASSERT_EQ(page.snapshots.size(), 2u);
  ASSERT_TRUE(page.next_cursor.has_value());
  for (const auto& s : page.snapshots) seen.push_back(s.snapshot_id());
  filter.cursor = page.next_cursor;
  page = registry_.list_snapshots("team", filter);
  ASSERT_EQ(page.snapshots.size(), 1u);
  EXPECT_FALSE(page.next_cursor.has_value());
  seen.push_back(page.snapshots[0].snapshot_id());
  EXPECT_EQ(seen.front(), "team/beta:v1");
  EXPECT_EQ(seen.back(), "team/alpha:default");
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 3u);
}

TEST_F(RegistryCopies, ForkCopiesFilesMetadataAndSettingsIntoNewSandboxes) {
  state::CreateRequest n;
  n.template_id = "base";
  n.timeout = 300;
  n.metadata = {{"k", "v"}};
  n.env_vars = {{"A", "1"}};
  n.auto_pause = true;
  const auto source = registry_.create("team", n);
  clock_.advance(std::chrono::seconds(10));
  std::set<std::string> copied_to;
  EXPECT_CALL(storage_, copy_sandbox(source.info.sandbox_id, _))
      .Times(3)
      .WillRepeatedly([&](const std::string&, const std::string& to) { copied_to.insert(to); });
  const auto outcomes = registry_.fork("team", source.info.sandbox_id, 60, 3);
  ASSERT_EQ(outcomes.size(), 3u);
  std::set<std::string> ids;
  for (const auto& outcome : outcomes) {
    ASSERT_TRUE(outcome.sandbox.has_value());
    const auto& fork = *outcome.sandbox;
    ids.insert(fork.info.sandbox_id);
    EXPECT_EQ(fork.info.metadata, source.info.metadata);
    EXPECT_EQ(fork.env_vars, source.env_vars);
    EXPECT_TRUE(fork.settings.auto_pause);
    EXPECT_EQ(fork.info.end_at - fork.info.started_at, std::chrono::seconds(60));
    EXPECT_EQ(fork.info.started_at, registry_.now());
    EXPECT_NE(fork.info.envd_access_token, source.info.envd_access_token) << "each fork has its own token";
  }
  EXPECT_EQ(ids, copied_to);
  EXPECT_FALSE(ids.contains(source.info.sandbox_id));
  EXPECT_EQ(registry_.info("team", source.info.sandbox_id).end_at, source.info.end_at) << "the source is untouched";
  EXPECT_EQ(registry_.size(), 4u);
}

TEST_F(RegistryCopies, ForkRefusesBadCountsUnknownAndPausedSandboxesAndFailsEachForkOnItsOwn) {
  const auto id = create();
  EXPECT_EQ(status_of([&] { registry_.fork("team", id, 60, 0); }), 400);
  EXPECT_EQ(status_of([&] { registry_.fork("team", id, 60, 101); }), 400);
  EXPECT_EQ(status_of([&] { registry_.fork("team", id, -1, 1); }), 400);
  EXPECT_EQ(status_of([&] { registry_.fork("other", id, 60, 1); }), 404);
  // Four may run: the source and two forks fit, the fourth fork does not.
  create();
  EXPECT_CALL(storage_, copy_sandbox(id, _)).Times(2);
  const auto outcomes = registry_.fork("team", id, 60, 3);
  ASSERT_EQ(outcomes.size(), 3u);
  EXPECT_TRUE(outcomes[0].sandbox && outcomes[1].sandbox);
  ASSERT_TRUE(outcomes[2].error.has_value());
  EXPECT_EQ(outcomes[2].error->status(), 429);
  registry_.pause("team", id);
  EXPECT_EQ(status_of([&] { registry_.fork("team", id, 60, 1); }), 409);
}

TEST_F(RegistryCopies, ResetForgetsSnapshotsAndDeletesTheirFiles) {
  const auto id = create();
  EXPECT_CALL(storage_, save_snapshot(id, _));
  const auto snapshot = registry_.create_snapshot("team", id, std::nullopt);
  EXPECT_CALL(storage_, delete_snapshot(snapshot.storage_key()));
  registry_.reset();
  EXPECT_TRUE(registry_.list_snapshots("team", {}).snapshots.empty());
}

}  // namespace
