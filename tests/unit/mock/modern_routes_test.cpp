// The routes today's official clients use on PPIO's modern domain, through
// real HTTP: v2 connect and create, the v2 list filters, snapshots, fork,
// network, metrics windows, templates, the secure default and lifecycle, and
// what --legacy-v1 refuses.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "expect_service_error.hpp"
#include "mockserver/server.hpp"
#include "ppio_sandbox/core/time.hpp"

using nlohmann::json;
using ppio_sandbox::core::parse_rfc3339;

namespace {

class ModernRoutes : public ::testing::Test {
 protected:
  explicit ModernRoutes(ppio_mock::ServerConfig config = {}) : server_(std::move(config)) {}

  void SetUp() override {
    server_.start();
    server_.clock().freeze();
    http_ = std::make_unique<httplib::Client>(server_.url());
    http_->set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  }

  httplib::Result post(const std::string& path, const std::string& body) {
    return http_->Post(path, body, "application/json");
  }
  json created(const json& body) {
    auto res = post("/sandboxes", body.dump());
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no answer");
    return json::parse(res->body);
  }
  std::string create_id(const json& extra = json::object()) {
    json body{{"templateID", "base"}, {"timeout", 300}};
    body.update(extra);
    const auto j = created(body);
    if (j.contains("envdAccessToken")) tokens_[j["sandboxID"]] = j["envdAccessToken"];
    return j["sandboxID"];
  }
  json detail(const std::string& id) {
    auto res = http_->Get("/sandboxes/" + id);
    EXPECT_EQ(res->status, 200) << res->body;
    return json::parse(res->body);
  }
  std::chrono::seconds left(const std::string& id) {
    // endAt has millisecond precision; the clock does not.
    return std::chrono::round<std::chrono::seconds>(parse_rfc3339(detail(id)["endAt"].get<std::string>()) -
                                                    server_.clock().now());
  }
  // envd, as the SDKs reach it with E2B_SANDBOX_URL.
  httplib::Headers envd_headers(const std::string& id) {
    httplib::Headers headers{{"E2b-Sandbox-Id", id}, {"E2b-Sandbox-Port", "49983"}};
    if (tokens_.contains(id)) headers.emplace("X-Access-Token", tokens_[id]);
    return headers;
  }
  httplib::Result upload(const std::string& id, const std::string& path, const std::string& content) {
    httplib::Client envd(server_.url());
    envd.set_default_headers(envd_headers(id));
    return envd.Post("/files?path=" + path, content, "application/octet-stream");
  }
  std::string download(const std::string& id, const std::string& path) {
    httplib::Client envd(server_.url());
    envd.set_default_headers(envd_headers(id));
    auto res = envd.Get("/files?path=" + path);
    EXPECT_TRUE(res) << path;
    return res && res->status == 200 ? res->body : "status " + std::to_string(res ? res->status : 0);
  }
  std::vector<std::string> listed(const std::string& query) {
    auto res = http_->Get("/v2/sandboxes?" + query);
    EXPECT_EQ(res->status, 200) << query << ": " << res->body;
    std::vector<std::string> ids;
    for (const auto& s : json::parse(res->body)) ids.push_back(s["sandboxID"]);
    return ids;
  }

  ppio_mock::Server server_;
  std::unique_ptr<httplib::Client> http_;
  std::map<std::string, std::string> tokens_;
};

TEST_F(ModernRoutes, V2ConnectDefaultsTo300SecondsAndOnlyExtends) {
  const auto id = create_id({{"timeout", 60}});
  auto res = post("/v2/sandboxes/" + id + "/connect", "");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["sandboxID"], id);
  EXPECT_EQ(left(id), std::chrono::seconds(300));
  EXPECT_EQ(post("/v2/sandboxes/" + id + "/connect", R"({"timeout": 30})")->status, 200);
  EXPECT_EQ(left(id), std::chrono::seconds(300)) << "connect never shortens";
  EXPECT_EQ(post("/v2/sandboxes/" + id + "/connect", R"({"timeout": 900})")->status, 200);
  EXPECT_EQ(left(id), std::chrono::seconds(900));

  ASSERT_EQ(post("/sandboxes/" + id + "/pause", "")->status, 204);
  res = post("/v2/sandboxes/" + id + "/connect", "{}");
  ASSERT_EQ(res->status, 201) << "it resumed";
  EXPECT_EQ(detail(id)["state"], "running");
  EXPECT_TRUE(json::parse(res->body)["envdAccessToken"].is_string());

  for (const std::string body : {R"({"timeout": 0})", R"({"timeout": "soon"})", "[]", "{"}) {
    expect_service_error(post("/v2/sandboxes/" + id + "/connect", body), 400, body);
  }
  expect_service_error(post("/v2/sandboxes/iunknown/connect", "{}"), 404);
  ASSERT_EQ(http_->Delete("/sandboxes/" + id)->status, 204);
  expect_service_error(post("/v2/sandboxes/" + id + "/connect", "{}"), 404, "killed");
}

TEST_F(ModernRoutes, V2CreateDefaultsTo300Seconds) {
  auto res = post("/v2/sandboxes", R"({"templateID": "base"})");
  ASSERT_EQ(res->status, 201) << res->body;
  EXPECT_EQ(left(json::parse(res->body)["sandboxID"]), std::chrono::seconds(300));
  expect_service_error(post("/v2/sandboxes", R"({"templateID": "base", "timeout": 0})"), 400);
}

TEST_F(ModernRoutes, ListV2OrdersAndFiltersByStartAndTemplate) {
  const auto a = create_id();
  server_.clock().advance(std::chrono::seconds(1));
  const auto cutoff = ppio_sandbox::core::format_rfc3339(server_.clock().now());
  const auto b = create_id({{"templateID", "code-interpreter-v1"}});
  server_.clock().advance(std::chrono::seconds(1));
  const auto c = create_id();
  const struct {
    std::string query;
    std::vector<std::string> expected;
  } cases[] = {
      {"", {c, b, a}},
      {"order=desc", {c, b, a}},
      {"order=asc", {a, b, c}},
      {"startedAfter=" + cutoff, {c, b}},
      {"order=asc&startedAfter=" + cutoff, {b, c}},
      {"template=base", {c, a}},
      {"template=code-interpreter-v1&order=asc", {b}},
      {"template=base&startedAfter=" + cutoff, {c}},
      {"template=nope", {}},
  };
  for (const auto& [query, expected] : cases) EXPECT_EQ(listed(query), expected) << query;
  auto res = http_->Get("/v2/sandboxes?template=base&limit=1");
  EXPECT_EQ(res->get_header_value("X-Total-Running"), "2");
  ASSERT_TRUE(res->has_header("X-Next-Token"));
  // Paging ascending continues ascending.
  auto first = http_->Get("/v2/sandboxes?order=asc&limit=2");
  const auto token = first->get_header_value("X-Next-Token");
  EXPECT_EQ(listed("order=asc&limit=2&nextToken=" + token), std::vector<std::string>{c});
  expect_service_error(http_->Get("/v2/sandboxes?nextToken=" + token), 400, "a cursor of the other order");
  for (const std::string bad : {"order=sideways", "startedAfter=yesterday", "startedAfter=2026-13-01T00:00:00Z"}) {
    expect_service_error(http_->Get("/v2/sandboxes?" + bad), 400, bad);
  }
}

TEST_F(ModernRoutes, ASnapshotKeepsTheFilesOfThatMomentForNewSandboxes) {
  const auto source = create_id();
  ASSERT_EQ(upload(source, "/home/user/state.txt", "before the snapshot")->status, 200);
  auto res = post("/sandboxes/" + source + "/snapshots", R"({"name": "my-snap"})");
  ASSERT_EQ(res->status, 201) << res->body;
  const auto info = json::parse(res->body);
  EXPECT_EQ(info["snapshotID"], std::string(ppio_mock::kDefaultTeam) + "/my-snap:default");
  EXPECT_EQ(info["names"], json::array({std::string(ppio_mock::kDefaultTeam) + "/my-snap:default"}));
  ASSERT_EQ(upload(source, "/home/user/state.txt", "after the snapshot")->status, 200);

  const auto from_snapshot = create_id({{"templateID", info["snapshotID"]}});
  EXPECT_EQ(download(from_snapshot, "/home/user/state.txt"), "before the snapshot");
  EXPECT_EQ(detail(from_snapshot)["alias"], "my-snap");
  ASSERT_EQ(upload(from_snapshot, "/home/user/state.txt", "in the new sandbox")->status, 200);
  EXPECT_EQ(download(source, "/home/user/state.txt"), "after the snapshot");
  const auto again = create_id({{"templateID", "my-snap"}});
  EXPECT_EQ(download(again, "/home/user/state.txt"), "before the snapshot") << "later writes do not leak in";

  res = post("/sandboxes/" + source + "/snapshots", "");
  ASSERT_EQ(res->status, 201) << "the body is optional";
  const auto unnamed = json::parse(res->body);
  EXPECT_TRUE(unnamed["snapshotID"].get<std::string>().ends_with(":default"));
  EXPECT_EQ(unnamed["names"], json::array());

  res = http_->Get("/snapshots?sandboxID=" + source);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body).size(), 2u);
  res = http_->Get("/snapshots?name=my-snap&limit=1");
  EXPECT_EQ(json::parse(res->body), json::array({info}));
  EXPECT_FALSE(res->has_header("X-Next-Token"));
  res = http_->Get("/snapshots?limit=1");
  ASSERT_TRUE(res->has_header("X-Next-Token"));
  res = http_->Get("/snapshots?limit=1&nextToken=" + res->get_header_value("X-Next-Token"));
  EXPECT_EQ(json::parse(res->body).size(), 1u);

  // Deleted through DELETE /templates/{id}, the id's '/' and ':' percent-encoded as the SDK sends it.
  EXPECT_EQ(http_->Delete("/templates/" + std::string(ppio_mock::kDefaultTeam) + "%2Fmy-snap%3Adefault")->status, 204);
  expect_service_error(http_->Delete("/templates/" + std::string(ppio_mock::kDefaultTeam) + "%2Fmy-snap%3Adefault"), 404);
  expect_service_error(post("/sandboxes", json{{"templateID", info["snapshotID"]}}.dump()), 404);
  EXPECT_EQ(download(from_snapshot, "/home/user/state.txt"), "in the new sandbox") << "its sandboxes keep their files";
}

TEST_F(ModernRoutes, SnapshotsAnswer400And404InTheServiceShape) {
  const auto id = create_id();
  expect_service_error(post("/sandboxes/" + id + "/snapshots", R"({"name": "Bad Name"})"), 400);
  expect_service_error(post("/sandboxes/" + id + "/snapshots", R"({"name": 7})"), 400);
  expect_service_error(post("/sandboxes/" + id + "/snapshots", R"({"name": "someone-else/x"})"), 400);
  auto res = post("/sandboxes/iunknown/snapshots", "{}");
  expect_service_error(res, 404);
  EXPECT_EQ(json::parse(res->body)["message"], "Sandbox 'iunknown' not found or not running") << "the route's own 404";
  expect_service_error(http_->Get("/snapshots?limit=0"), 400);
  expect_service_error(http_->Get("/snapshots?nextToken=%21"), 400);
  expect_service_error(http_->Delete("/templates/base"), 403);
  expect_service_error(http_->Delete("/templates/nope"), 404);
}

TEST_F(ModernRoutes, ForkAnswersOneResultPerForkEachWithTheSourceFiles) {
  const auto source = create_id({{"metadata", {{"who", "source"}}}});
  ASSERT_EQ(upload(source, "/app/state.txt", "state before fork")->status, 200);
  auto res = post("/sandboxes/" + source + "/fork", R"({"count": 2, "timeout": 60})");
  ASSERT_EQ(res->status, 201) << res->body;
  const auto results = json::parse(res->body);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& result : results) {
    ASSERT_TRUE(result.contains("sandbox")) << result;
    EXPECT_FALSE(result.contains("error"));
    const std::string fork = result["sandbox"]["sandboxID"];
    tokens_[fork] = result["sandbox"]["envdAccessToken"];
    EXPECT_NE(fork, source);
    EXPECT_EQ(download(fork, "/app/state.txt"), "state before fork");
    EXPECT_EQ(detail(fork)["metadata"]["who"], "source");
    EXPECT_EQ(left(fork), std::chrono::seconds(60));
    ASSERT_EQ(upload(fork, "/app/state.txt", "modified in fork")->status, 200);
  }
  EXPECT_EQ(download(source, "/app/state.txt"), "state before fork");
  res = post("/sandboxes/" + source + "/fork", "");
  ASSERT_EQ(res->status, 201) << "the body is optional";
  EXPECT_EQ(json::parse(res->body).size(), 1u);

  for (const std::string body : {R"({"count": 0})", R"({"count": 101})", R"({"count": "two"})", R"({"timeout": -1})"}) {
    expect_service_error(post("/sandboxes/" + source + "/fork", body), 400, body);
  }
  expect_service_error(post("/sandboxes/iunknown/fork", "{}"), 404);
  ASSERT_EQ(post("/sandboxes/" + source + "/pause", "")->status, 204);
  expect_service_error(post("/sandboxes/" + source + "/fork", "{}"), 409);
}

TEST(ModernRoutesLimits, AForkPastTheTeamsLimitFailsOnItsOwn) {
  ppio_mock::Server server({.max_concurrent_sandboxes = 2});
  server.start();
  httplib::Client http(server.url());
  http.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  const auto id = json::parse(http.Post("/sandboxes", R"({"templateID": "base"})", "application/json")->body)["sandboxID"];
  auto res = http.Post("/sandboxes/" + id.get<std::string>() + "/fork", R"({"count": 2})", "application/json");
  ASSERT_EQ(res->status, 201) << res->body;
  const auto results = json::parse(res->body);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_TRUE(results[0].contains("sandbox"));
  EXPECT_EQ(results[1]["error"]["code"], 429);
  EXPECT_TRUE(results[1]["error"]["message"].is_string());
}

TEST_F(ModernRoutes, NetworkRulesAreKeptReportedAndReplaced) {
  const auto id = create_id({{"network",
                              {{"allowOut", {"example.com"}},
                               {"denyOut", {"0.0.0.0/0"}},
                               {"egressProxy", {{"address", "proxy.example.com:1080"}, {"username", "u"}, {"password", "p"}}},
                               {"rules", {{"example.com", {{{"transform", {{"headers", {{"X-Key", "v"}}}}}}}}}}}}});
  auto network = detail(id)["network"];
  EXPECT_EQ(network["allowOut"], json::array({"example.com"}));
  EXPECT_EQ(network["allowPublicTraffic"], true);
  EXPECT_EQ(network["egressProxy"], json({{"address", "proxy.example.com:1080"}, {"username", "u"}})) << "no password";
  EXPECT_EQ(network["rules"]["example.com"][0]["transform"]["headers"]["X-Key"], "v");
  EXPECT_TRUE(detail(id)["allowInternetAccess"].is_null());

  auto res = http_->Put("/sandboxes/" + id + "/network", R"({"denyOut": ["10.0.0.0/8"], "allow_internet_access": false})",
                        "application/json");
  ASSERT_EQ(res->status, 204) << res->body;
  network = detail(id)["network"];
  EXPECT_FALSE(network.contains("allowOut")) << "an omitted field clears";
  EXPECT_FALSE(network.contains("egressProxy"));
  EXPECT_EQ(network["denyOut"], json::array({"10.0.0.0/8"}));
  EXPECT_EQ(detail(id)["allowInternetAccess"], false);

  const std::string put_cases[] = {R"({"denyOut": ["example.com"]})", R"({"allowOut": ["example.com"]})",
                                   R"({"denyOut": "10.0.0.0/8"})", R"({"egressProxy": {"address": "no-port"}})", "", "{"};
  for (const auto& body : put_cases) {
    expect_service_error(http_->Put("/sandboxes/" + id + "/network", body, "application/json"), 400, body);
  }
  expect_service_error(http_->Put("/sandboxes/iunknown/network", "{}", "application/json"), 404);
  ASSERT_EQ(post("/sandboxes/" + id + "/pause", "")->status, 204);
  expect_service_error(http_->Put("/sandboxes/" + id + "/network", "{}", "application/json"), 409);

  const json create_cases[] = {
      {{"network", {{"denyOut", {"not-an-ip"}}}}},
      {{"network", {{"allowOut", {"example.com"}}}}},
      {{"network", "open"}},
      {{"network", {{"allowPublicTraffic", false}}}, {"secure", false}},
  };
  for (const auto& extra : create_cases) {
    json body{{"templateID", "base"}};
    body.update(extra);
    expect_service_error(post("/sandboxes", body.dump()), 400, body.dump());
  }
}

TEST_F(ModernRoutes, PrivateTrafficGetsATrafficTokenOnCreateAndConnect) {
  const auto body = created({{"templateID", "base"}, {"network", {{"allowPublicTraffic", false}}}});
  ASSERT_TRUE(body["trafficAccessToken"].is_string()) << body;
  const std::string id = body["sandboxID"];
  EXPECT_EQ(detail(id)["network"]["allowPublicTraffic"], false);
  const auto connected = json::parse(post("/v2/sandboxes/" + id + "/connect", "{}")->body);
  EXPECT_EQ(connected["trafficAccessToken"], body["trafficAccessToken"]);
  EXPECT_FALSE(created({{"templateID", "base"}}).contains("trafficAccessToken"));
}

TEST_F(ModernRoutes, MetricsHonourTheirWindow) {
  const auto id = create_id();
  const auto t0 = std::chrono::duration_cast<std::chrono::seconds>(server_.clock().now().time_since_epoch()).count();
  server_.clock().advance(std::chrono::seconds(12));
  const auto metrics = [&](const std::string& query) {
    auto res = http_->Get("/sandboxes/" + id + "/metrics" + query);
    EXPECT_EQ(res->status, 200) << query << ": " << res->body;
    return json::parse(res->body);
  };
  const auto all = metrics("");
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]["timestampUnix"], t0);
  EXPECT_EQ(all[2]["timestampUnix"], t0 + 10);
  EXPECT_EQ(metrics("?start=" + std::to_string(t0 - 100) + "&end=" + std::to_string(t0 - 1)).size(), 0u);
  EXPECT_EQ(metrics("?start=" + std::to_string(t0 + 4) + "&end=" + std::to_string(t0 + 6)).size(), 1u);
  EXPECT_EQ(metrics("?start=" + std::to_string(t0 + 6)).size(), 1u);
  expect_service_error(http_->Get("/sandboxes/" + id + "/metrics?start=" + std::to_string(t0 + 9) + "&end=" + std::to_string(t0)), 400);
  expect_service_error(http_->Get("/sandboxes/" + id + "/metrics?start=yesterday"), 400);
}

TEST_F(ModernRoutes, TemplatesCarryEveryRequiredField) {
  create_id();
  const auto res = http_->Get("/templates");
  ASSERT_EQ(res->status, 200);
  for (const auto& t : json::parse(res->body)) {
    for (const char* field : {"templateID", "buildID", "cpuCount", "memoryMB", "diskSizeMB", "public", "createdAt",
                              "updatedAt", "createdBy", "lastSpawnedAt", "spawnCount", "buildCount", "envdVersion",
                              "aliases", "names", "buildStatus"}) {
      EXPECT_TRUE(t.contains(field)) << t["templateID"] << " lacks " << field;
    }
    EXPECT_NO_THROW(parse_rfc3339(t["createdAt"].get<std::string>()));
    if (t["aliases"] == json::array({"base"})) {
      EXPECT_EQ(t["spawnCount"], 1);
      EXPECT_TRUE(t["lastSpawnedAt"].is_string());
    } else {
      EXPECT_EQ(t["spawnCount"], 0);
      EXPECT_TRUE(t["lastSpawnedAt"].is_null());
    }
  }
}

TEST_F(ModernRoutes, SecureIsTheDefaultAndEnvdThenWantsTheToken) {
  const auto body = created({{"templateID", "base"}});
  ASSERT_TRUE(body["envdAccessToken"].is_string());
  const std::string id = body["sandboxID"];
  httplib::Client envd(server_.url());
  envd.set_default_headers({{"E2b-Sandbox-Id", id}});
  const std::string list = R"({})";
  auto res = envd.Post("/process.Process/List", list, "application/json");
  ASSERT_EQ(res->status, 401) << res->body;
  envd.set_default_headers({{"E2b-Sandbox-Id", id}, {"X-Access-Token", body["envdAccessToken"]}});
  EXPECT_EQ(envd.Post("/process.Process/List", list, "application/json")->status, 200);
  EXPECT_FALSE(created({{"templateID", "base"}, {"secure", false}}).contains("envdAccessToken"));
  const auto detail_body = detail(id);
  EXPECT_EQ(detail_body["lifecycle"], json({{"autoResume", false}, {"onTimeout", "kill"}}));
}

TEST_F(ModernRoutes, EnvdTrafficResumesAPausedSandboxOnlyWithAutoResume) {
  const auto resumable = create_id({{"autoPause", true}, {"autoResume", {{"enabled", true}}}});
  const auto plain = create_id({{"autoPause", true}});
  EXPECT_EQ(detail(resumable)["lifecycle"], json({{"autoResume", true}, {"onTimeout", "pause"}}));
  for (const auto& id : {resumable, plain}) ASSERT_EQ(post("/sandboxes/" + id + "/pause", "")->status, 204);

  httplib::Client envd(server_.url());
  envd.set_default_headers(envd_headers(plain));
  auto res = envd.Get("/health");
  ASSERT_EQ(res->status, 409) << res->body;
  EXPECT_EQ(json::parse(res->body),
            json({{"sandboxId", plain}, {"message", "The sandbox is paused"}, {"code", 409}, {"canAutoResume", false}}));
  EXPECT_EQ(detail(plain)["state"], "paused");

  envd.set_default_headers(envd_headers(resumable));
  res = envd.Get("/health");
  EXPECT_EQ(res->status, 204) << res->body;
  EXPECT_EQ(detail(resumable)["state"], "running");
  EXPECT_EQ(left(resumable), std::chrono::seconds(300)) << "it runs again for its create timeout";
  expect_service_error(post("/sandboxes", R"({"templateID": "base", "autoResume": true})"), 400);
  expect_service_error(
      post("/sandboxes", R"({"templateID": "base", "autoPause": true, "autoPauseMemory": false, "autoResume": {"enabled": true}})"),
      400);
}

TEST_F(ModernRoutes, VolumeMountsOfVolumesTheTeamLacksAre400) {
  auto res = post("/sandboxes", R"({"templateID": "base", "volumeMounts": [{"name": "data", "path": "/mnt/data"}]})");
  expect_service_error(res, 400);
  expect_service_error(post("/sandboxes", R"({"templateID": "base", "volumeMounts": [{"path": "/mnt"}]})"), 400);
  EXPECT_EQ(server_.registry().size(), 0u);
}

class LegacyRoutes : public ModernRoutes {
 protected:
  LegacyRoutes() : ModernRoutes({.legacy_v1 = true}) {}
};

TEST_F(LegacyRoutes, TheModernOnlyRoutesAre404AndCreateKeepsItsOwnBody) {
  const auto body = created({{"templateID", "base"}, {"timeout", 60}, {"autoPause", false}, {"nodeID", "n1"}});
  EXPECT_FALSE(body.contains("envdAccessToken")) << "PPIO v1 does not secure by default";
  const std::string id = std::string(body["sandboxID"]) + "-" + std::string(body["clientID"]);
  const struct {
    std::string method, path, body;
  } refused[] = {
      {"POST", "/sandboxes/" + id + "/snapshots", "{}"},
      {"GET", "/snapshots", ""},
      {"POST", "/sandboxes/" + id + "/fork", "{}"},
      {"PUT", "/sandboxes/" + id + "/network", "{}"},
  };
  for (const auto& [method, path, request_body] : refused) {
    httplib::Result res = method == "GET"   ? http_->Get(path)
                          : method == "PUT" ? http_->Put(path, request_body, "application/json")
                                            : post(path, request_body);
    expect_service_error(res, 404, method + " " + path);
    EXPECT_NE(json::parse(res->body)["message"].get<std::string>().find("legacy"), std::string::npos) << res->body;
  }
  expect_service_error(post("/sandboxes", R"({"templateID": "base", "network": {"allowOut": ["1.1.1.1"]}})"), 400);
  expect_service_error(post("/sandboxes", R"({"templateID": "base", "volumeMounts": [{"name": "v", "path": "/v"}]})"), 400);
  EXPECT_TRUE(created({{"templateID", "base"}, {"secure", true}})["envdAccessToken"].is_string());
}

TEST(SecureDefaultFlag, AServerMayDefaultToInsecure) {
  ppio_mock::Server server({.secure_by_default = false});
  server.start();
  httplib::Client http(server.url());
  http.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  auto res = http.Post("/v2/sandboxes", R"({"templateID": "base"})", "application/json");
  ASSERT_EQ(res->status, 201);
  EXPECT_FALSE(json::parse(res->body).contains("envdAccessToken"));
}

}  // namespace
