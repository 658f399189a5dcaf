// Every control-plane route answers bad credentials, unknown sandboxes and bad
// bodies with the service's error shape, never a crash or an empty answer.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"
#include "expect_service_error.hpp"

using nlohmann::json;

namespace {

struct Route {
  std::string method;
  std::string path;  // "{id}" is replaced by a sandbox id
  std::string body;
};

const std::vector<Route> kSandboxRoutes{
    {"GET", "/sandboxes/{id}", ""},
    {"DELETE", "/sandboxes/{id}", ""},
    {"POST", "/sandboxes/{id}/timeout", R"({"timeout": 30})"},
    {"POST", "/sandboxes/{id}/refreshes", R"({"duration": 30})"},
    {"POST", "/sandboxes/{id}/pause", ""},
    {"POST", "/sandboxes/{id}/resume", R"({"timeout": 30})"},
    {"POST", "/sandboxes/{id}/connect", R"({"timeout": 30})"},
    {"GET", "/sandboxes/{id}/logs", ""},
    {"GET", "/v2/sandboxes/{id}/logs", ""},
    {"GET", "/sandboxes/{id}/metrics", ""},
    {"POST", "/v2/sandboxes/{id}/connect", R"({"timeout": 30})"},
    {"POST", "/sandboxes/{id}/snapshots", "{}"},
    {"POST", "/sandboxes/{id}/fork", "{}"},
    {"PUT", "/sandboxes/{id}/network", "{}"},
};

const std::vector<Route> kOtherRoutes{
    {"POST", "/sandboxes", R"({"templateID": "base"})"},
    {"GET", "/sandboxes", ""},
    {"GET", "/v2/sandboxes", ""},
    {"GET", "/templates", ""},
    {"GET", "/templates/aliases/base", ""},
    {"POST", "/v2/sandboxes", R"({"templateID": "base"})"},
    {"GET", "/snapshots", ""},
    {"DELETE", "/templates/some-snapshot", ""},
};

class RouteErrors : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  httplib::Result send(const Route& route, const std::string& id, const std::string& key) {
    httplib::Client http(server_.url());
    if (!key.empty()) http.set_default_headers({{"X-API-Key", key}});
    std::string path = route.path;
    if (auto at = path.find("{id}"); at != std::string::npos) path.replace(at, 4, id);
    if (route.method == "GET") return http.Get(path);
    if (route.method == "DELETE") return http.Delete(path);
    if (route.method == "PUT") return http.Put(path, route.body, "application/json");
    return http.Post(path, route.body, "application/json");
  }


  ppio_mock::Server server_;
};

TEST_F(RouteErrors, EveryRouteWantsAKnownApiKey) {
  for (const auto& route : kSandboxRoutes) {
    expect_service_error(send(route, "iabc", ""), 401, route.method + " " + route.path + " without a key");
    expect_service_error(send(route, "iabc", "sk_wrong"), 401, route.method + " " + route.path + " with a wrong key");
  }
  for (const auto& route : kOtherRoutes) {
    expect_service_error(send(route, "", ""), 401, route.method + " " + route.path + " without a key");
  }
  EXPECT_EQ(server_.registry().size(), 0u);
}

TEST_F(RouteErrors, EverySandboxRouteAnswers404ForAnUnknownId) {
  for (const auto& route : kSandboxRoutes) {
    expect_service_error(send(route, "iunknown", ppio_mock::kDefaultApiKey), 404, route.method + " " + route.path);
  }
}

TEST_F(RouteErrors, AnUnknownSandboxGetsTheRoutesOwnMessage) {
  const std::pair<Route, std::string> cases[] = {
      {{"GET", "/sandboxes/{id}", ""}, "sandbox \"iunknown\" doesn't exist or you don't have access to it"},
      {{"POST", "/sandboxes/{id}/snapshots", "{}"}, "Sandbox 'iunknown' not found or not running"},
  };
  for (const auto& [route, message] : cases) {
    const auto res = send(route, "iunknown", ppio_mock::kDefaultApiKey);
    expect_service_error(res, 404, route.path);
    EXPECT_EQ(nlohmann::json::parse(res->body)["message"], message);
  }
  // A route the service does not have is a plain 404 in its shape, never a sandbox's.
  const auto res = send({"GET", "/sandboxes/{id}/no-such-thing", ""}, "iunknown", ppio_mock::kDefaultApiKey);
  expect_service_error(res, 404);
  EXPECT_EQ(nlohmann::json::parse(res->body)["message"], "Not found");
}

TEST_F(RouteErrors, EverySandboxRouteAnswers400ForAMalformedId) {
  for (const auto& route : kSandboxRoutes) {
    expect_service_error(send(route, "a-b-c", ppio_mock::kDefaultApiKey), 400, route.method + " " + route.path);
  }
}

TEST_F(RouteErrors, MalformedOrMistypedBodiesAre400AndChangeNothing) {
  httplib::Client http(server_.url());
  http.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
  const auto created = http.Post("/sandboxes", R"({"templateID": "base", "timeout": 60})", "application/json");
  const std::string id = json::parse(created->body)["sandboxID"];
  const std::string before = http.Get("/sandboxes/" + id)->body;

  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {"/timeout", {"{", "[]", "\"text\"", R"({"timeout": {}})", R"({"timeout": 1.5})", "{}"}},
      {"/refreshes", {"{", "[]", R"({"duration": 1.5})", R"({"duration": "soon"})"}},
      {"/pause", {"{", "[]", "\"text\""}},
      {"/resume", {"{", "[]", R"({"timeout": "x"})", R"({"timeout": 5, "autoPause": "yes"})"}},
      {"/connect", {"{", "[]", "{}", R"({"timeout": "x"})"}},
      {"/snapshots", {"{", "[]", R"({"name": 5})", R"({"name": "No Capitals"})"}},
      {"/fork", {"{", "[]", R"({"count": "x"})", R"({"count": 0})", R"({"timeout": 1.5})"}},
  };
  for (const auto& [suffix, bodies] : cases) {
    for (const auto& body : bodies) {
      expect_service_error(http.Post(("/sandboxes/" + id + suffix).c_str(), body, "application/json"), 400,
                   suffix + " with body " + body);
    }
  }
  for (const std::string body : {"{", "[]", R"({"allowOut": 1})", R"({"denyOut": ["example.com"]})"}) {
    expect_service_error(http.Put(("/sandboxes/" + id + "/network").c_str(), body, "application/json"), 400,
                         "/network with body " + body);
  }
  EXPECT_EQ(http.Get("/sandboxes/" + id)->body, before);  // nothing moved
  EXPECT_EQ(server_.registry().size(), 1u);                // no fork started
  EXPECT_EQ(http.Get("/snapshots")->body, "[]");           // no snapshot taken

  expect_service_error(http.Get("/sandboxes?metadata=broken"), 400, "v1 list with a malformed filter");
  expect_service_error(http.Get("/sandboxes/" + id + "/logs?start=yesterday"), 400, "logs with a bad start");
  expect_service_error(http.Get("/v2/sandboxes/" + id + "/logs?direction=sideways"), 400, "logs with a bad direction");
}

}  // namespace
