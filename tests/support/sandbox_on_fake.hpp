#pragma once
// A sandbox created on a fake by plain HTTP, and what reaches its envd: for
// tests that speak to the fake's routes directly rather than through the SDK.
#include <httplib.h>

#include <string>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"

namespace ppio_test {

struct SandboxOnFake {
  std::string id;
  std::string token;  // envd's access token; empty for a sandbox that is not secure

  httplib::Headers envd_headers() const {
    httplib::Headers h{{"E2b-Sandbox-Id", id}};
    if (!token.empty()) h.emplace("X-Access-Token", token);
    return h;
  }
  // The same as header lines of a raw request ("Name: value\r\n" each).
  std::string envd_header_lines() const {
    std::string lines;
    for (const auto& [name, value] : envd_headers()) lines += name + ": " + value + "\r\n";
    return lines;
  }
};

// A base sandbox on the fake at `port`; its id is empty when the create failed.
inline SandboxOnFake create_sandbox(int port) {
  httplib::Client client("127.0.0.1", port);
  const auto res = client.Post("/sandboxes", {{"X-API-Key", ppio_mock::kDefaultApiKey}}, R"({"templateID":"base"})",
                               "application/json");
  if (!res || res->status != 201) return {};
  const auto created = nlohmann::json::parse(res->body);
  return {created.at("sandboxID").get<std::string>(), created.value("envdAccessToken", "")};
}

}  // namespace ppio_test
