// The fake's admin API (/_mock/) and its request journal.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "mockserver/admin/journal.hpp"
#include "mockserver/server.hpp"

using nlohmann::json;

namespace {

TEST(Journal, KeepsTheNewestEntriesAndFilters) {
  ppio_mock::admin::Journal journal(3);
  for (int i = 0; i < 5; ++i) {
    journal.record({.method = i % 2 ? "GET" : "POST", .path = "/p" + std::to_string(i), .status = 200 + i});
  }
  const auto all = journal.query({});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all.front().path, "/p2");
  EXPECT_EQ(all.back().seq, 5u);
  EXPECT_EQ(journal.query({.method = "GET"}).size(), 1u);
  EXPECT_EQ(journal.query({.limit = 1}).at(0).path, "/p4");
  journal.clear();
  EXPECT_TRUE(journal.query({}).empty());
}

class Admin : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    api_ = std::make_unique<httplib::Client>(server_.url());
    api_->set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
    admin_ = std::make_unique<httplib::Client>(server_.url());
    admin_->set_default_headers({{"X-Admin-Token", ppio_mock::kDefaultAdminToken}});
  }
  std::string create(int timeout = 300) {
    auto res = api_->Post("/sandboxes", json{{"templateID", "base"}, {"timeout", timeout}}.dump(), "application/json");
    return json::parse(res->body)["sandboxID"];
  }

  ppio_mock::Server server_;
  std::unique_ptr<httplib::Client> api_;
  std::unique_ptr<httplib::Client> admin_;
};

TEST_F(Admin, RequiresItsOwnTokenNotAnApiKey) {
  auto with_api_key = api_->Get("/_mock/state");
  ASSERT_TRUE(with_api_key);
  EXPECT_EQ(with_api_key->status, 401);
  EXPECT_EQ(json::parse(with_api_key->body)["code"], 401);
  httplib::Client wrong(server_.url());
  wrong.set_default_headers({{"X-Admin-Token", "guess"}});
  EXPECT_EQ(wrong.Post("/_mock/reset")->status, 401);
}

TEST_F(Admin, ClockCanBeFrozenSetAndAdvancedAndDrivesExpiry) {
  auto frozen = admin_->Post("/_mock/clock", R"({"freeze": true, "set": "2030-01-01T00:00:00Z"})", "application/json");
  ASSERT_EQ(frozen->status, 200);
  EXPECT_EQ(json::parse(frozen->body), json::parse(R"({"now": "2030-01-01T00:00:00.000Z", "frozen": true})"));
  const auto id = create(60);
  auto advanced = admin_->Post("/_mock/clock", R"({"advance_ms": 61000})", "application/json");
  EXPECT_EQ(json::parse(advanced->body)["now"], "2030-01-01T00:01:01.000Z");
  EXPECT_EQ(api_->Get("/sandboxes/" + id)->status, 404);
  EXPECT_EQ(json::parse(admin_->Get("/_mock/clock")->body)["frozen"], true);
  EXPECT_EQ(admin_->Post("/_mock/clock", R"({"set": "yesterday"})", "application/json")->status, 400);
  EXPECT_EQ(admin_->Post("/_mock/clock", R"({"advance_ms": -1})", "application/json")->status, 400);
  EXPECT_EQ(admin_->Post("/_mock/clock", R"({"freeze": "yes"})", "application/json")->status, 400);
}

// Read in the code while fuzzing (the route fuzzer's clock route reaches it): a float advance_ms
// was cast to an integer, and a huge one overflowed the clock, both undefined behaviour.
TEST_F(Admin, AnAdvanceThatIsNotAnIntegerOrOverflowsTheClockIsRefused) {
  ASSERT_EQ(admin_->Post("/_mock/clock", R"({"freeze": true, "set": "2030-01-01T00:00:00Z"})", "application/json")->status, 200);
  for (const char* body : {R"({"advance_ms": 1e300})", R"({"advance_ms": 1.5})", R"({"advance_ms": 9000000000000000000})",
                           R"({"advance_ms": 18000000000000000000})"}) {
    const auto res = admin_->Post("/_mock/clock", body, "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << body << ": " << res->body;
  }
  EXPECT_EQ(json::parse(admin_->Get("/_mock/clock")->body)["now"], "2030-01-01T00:00:00.000Z");
}

TEST_F(Admin, StateDumpShowsEverySandboxWithItsTeamAndResetClearsIt) {
  const auto id = create();
  const auto dump = json::parse(admin_->Get("/_mock/state")->body);
  ASSERT_EQ(dump["sandboxes"].size(), 1u);
  EXPECT_EQ(dump["sandboxes"][0]["sandboxID"], id);
  EXPECT_EQ(dump["sandboxes"][0]["team"], ppio_mock::kDefaultTeam);
  EXPECT_EQ(dump["sandboxes"][0]["autoPauseMemory"], true) << "accepted on create, reported here";
  EXPECT_EQ(dump["sandboxes"][0]["autoResume"], false);
  EXPECT_FALSE(dump["templates"].empty());

  EXPECT_EQ(admin_->Post("/_mock/reset")->status, 204);
  EXPECT_TRUE(json::parse(admin_->Get("/_mock/state")->body)["sandboxes"].empty());
  EXPECT_EQ(api_->Get("/sandboxes/" + id)->status, 404);
}

TEST_F(Admin, JournalRecordsClientTrafficAndFilters) {
  const auto id = create();
  api_->Get("/sandboxes/" + id);
  api_->Get("/sandboxes/iunknown");
  httplib::Client anonymous(server_.url());
  anonymous.Get("/v2/sandboxes");

  const auto all = json::parse(admin_->Get("/_mock/journal")->body);
  ASSERT_EQ(all.size(), 4u);  // admin calls are not journaled
  EXPECT_EQ(all[0]["method"], "POST");
  EXPECT_EQ(all[0]["status"], 201);
  EXPECT_EQ(all[0]["team"], ppio_mock::kDefaultTeam);
  EXPECT_EQ(all[1]["sandbox"], id);
  EXPECT_GE(all[1]["latency_ms"].get<double>(), 0.0);
  EXPECT_EQ(all[3]["team"], "");
  EXPECT_EQ(all[3]["status"], 401);

  EXPECT_EQ(json::parse(admin_->Get("/_mock/journal?status=404")->body).size(), 1u);
  EXPECT_EQ(json::parse(admin_->Get("/_mock/journal?sandbox=" + id)->body).size(), 1u);
  EXPECT_EQ(json::parse(admin_->Get("/_mock/journal?method=GET&limit=1")->body)[0]["path"], "/v2/sandboxes");
  EXPECT_EQ(admin_->Get("/_mock/journal?limit=x")->status, 400);
  EXPECT_EQ(admin_->Delete("/_mock/journal")->status, 204);
  EXPECT_TRUE(json::parse(admin_->Get("/_mock/journal")->body).empty());
}

}  // namespace
