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
};

const std::vector<Route> kOtherRoutes{
    {"POST", "/sandboxes", R"({"templateID": "base"})"},
    {"GET", "/sandboxes", ""},
    {"GET", "/v2/sandboxes", ""},
    {"GET", "/templates", ""},
    {"GET", "/templates/aliases/base", ""},
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
  };
  for (const auto& [suffix, bodies] : cases) {
    for (const auto& body : bodies) {
      expect_service_error(http.Post(("/sandboxes/" + id + suffix).c_str(), body, "application/json"), 400,
                   suffix + " with body " + body);
    }
  }
  EXPECT_EQ(http.Get("/sandboxes/" + id)->body, before);  // nothing moved

  expect_service_error(http.Get("/sandboxes?metadata=broken"), 400, "v1 list with a malformed filter");
  expect_service_error(http.Get("/sandboxes/" + id + "/logs?start=yesterday"), 400, "logs with a bad start");
  expect_service_error(http.Get("/v2/sandboxes/" + id + "/logs?direction=sideways"), 400, "logs with a bad direction");
}

}  // namespace
