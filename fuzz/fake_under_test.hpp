#pragma once
// The fake, embedded once in a fuzzing process and driven over loopback with
// cpp-httplib, so that every request goes through its real edge, routing and
// handlers. The oracle of the HTTP targets: an answer always comes (no reset,
// no hang), it is never a 500, no handler's exception went unmapped, and the
// connection is still in step after it.
#include <httplib.h>

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"

namespace ppio_fuzz {

class FakeUnderTest {
 public:
  FakeUnderTest() {
    ppio_mock::ServerConfig config;
    config.seed = 1;
    config.envd.executor = "host";  // the targets never start a command
    server_ = std::make_unique<ppio_mock::Server>(config);
    server_->start();
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_keep_alive(true);
    client_->set_tcp_nodelay(true);  // else each request waits ~40 ms on Nagle and a delayed ACK
    client_->set_read_timeout(10, 0);
    headers_ = {{"X-API-Key", ppio_mock::kDefaultApiKey}};
  }

  // A running sandbox, created anew when the last one is gone.
  const std::string& sandbox() {
    if (!sandbox_.empty()) return sandbox_;
    auto res = client_->Post("/sandboxes", headers_, R"({"templateID":"base","timeout":3600})", "application/json");
    check(res, "POST /sandboxes");
    const auto created = nlohmann::json::parse(res->body, nullptr, false);
    if (res->status != 201 || !created.is_object()) std::abort();
    sandbox_ = created.value("sandboxID", "");
    token_ = created.value("envdAccessToken", "");
    return sandbox_;
  }
  void forget_sandbox() { sandbox_.clear(); }
  // Headers that reach the sandbox's envd.
  httplib::Headers envd_headers() {
    httplib::Headers h{{"E2b-Sandbox-Id", sandbox()}};
    if (!token_.empty()) h.emplace("X-Access-Token", token_);
    return h;
  }
  const httplib::Headers& api_headers() const { return headers_; }
  httplib::Client& client() { return *client_; }

  // Aborts (a finding) on no answer, a 500, or an exception no handler mapped.
  void check(const httplib::Result& res, const std::string& request) const {
    const std::string what = request.size() > 300 ? request.substr(0, 300) + "..." : request;
    if (!res) {
      std::cerr << "fuzz: no answer to " << what << ": " << httplib::to_string(res.error()) << "\n";
      std::abort();
    }
    if (res->status == 500) {
      std::cerr << "fuzz: " << what << " answered " << res->status << ": " << res->body << "\n";
      std::abort();
    }
    if (server_->unexpected_errors() != 0) {
      std::cerr << "fuzz: " << what << " raised an unexpected error in the fake\n";
      std::abort();
    }
    // The connection must still be in step: a body left unread would be read as
    // the next request, and its answer taken for the answer to the one after.
    const auto probe = client_->Get("/health");
    if (!probe || probe->status != 200 || probe->body != "Health check successful") {
      std::cerr << "fuzz: after " << what << " the connection is out of step: GET /health got "
                << (probe ? std::to_string(probe->status) + " " + probe->body : httplib::to_string(probe.error()))
                << "\n";
      std::abort();
    }
  }

 private:
  std::unique_ptr<ppio_mock::Server> server_;
  std::unique_ptr<httplib::Client> client_;
  httplib::Headers headers_;
  std::string sandbox_;
  std::string token_;
};

// One per process, never destroyed: libFuzzer ends the process with exit().
inline FakeUnderTest& fake() {
  static auto* instance = new FakeUnderTest();
  return *instance;
}

}  // namespace ppio_fuzz
