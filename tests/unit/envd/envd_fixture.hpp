#pragma once
// An embedded fake with helpers to speak envd to it over real HTTP.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"

namespace envd_test {

using nlohmann::json;
namespace connect = ppio_sandbox::core::connect;
namespace models = ppio_sandbox::core::envd;

// A whole Start/Connect stream, read until the server closed it.
struct StreamResult {
  int http_status = 0;
  std::string content_type;
  std::vector<models::ProcessEvent> events;
  bool ended = false;  // an end-stream frame arrived
  std::optional<connect::Error> error;
  std::string stdout_text;
  std::string stderr_text;
  std::optional<models::EndEvent> end;
  std::uint32_t pid = 0;
};

class EnvdTest : public ::testing::Test {
 protected:
  explicit EnvdTest(ppio_mock::ServerConfig config = {}) : server_(std::move(config)) {}

  void SetUp() override {
    server_.start();
    api_ = std::make_unique<httplib::Client>(server_.url());
    api_->set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
    id_ = create_sandbox(json{{"templateID", "base"}, {"timeout", 300}, {"envVars", {{"FROM_CREATE", "yes"}}}});
  }

  std::string create_sandbox(const json& body) {
    auto res = api_->Post("/sandboxes", body.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 201);
    const auto j = json::parse(res->body);
    const std::string id = j["sandboxID"];
    if (j.contains("envdAccessToken")) tokens_[id] = j["envdAccessToken"];
    return id;
  }

  // A client whose requests carry E2b-Sandbox-Id (and that sandbox's token when it has one).
  std::unique_ptr<httplib::Client> envd(const std::string& id = "") const {
    auto client = std::make_unique<httplib::Client>(server_.url());
    const std::string& sandbox = id.empty() ? id_ : id;
    httplib::Headers headers{{"E2b-Sandbox-Id", sandbox}, {"E2b-Sandbox-Port", "49983"}};
    if (auto token = tokens_.find(sandbox); token != tokens_.end()) headers.emplace("X-Access-Token", token->second);
    client->set_default_headers(headers);
    client->set_read_timeout(60, 0);
    return client;
  }

  httplib::Result rpc(const std::string& method, const json& body, const std::string& id = "") const {
    return envd(id)->Post("/" + method, body.dump(), "application/json");
  }

  static void expect_connect_error(const httplib::Result& res, int status, const std::string& code) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    const auto body = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << res->body;
    EXPECT_EQ(body["code"], code) << res->body;
    EXPECT_TRUE(body["message"].is_string());
  }

  // `on_event` sees each event as it arrives (for tests that act mid-stream).
  static StreamResult read_stream(httplib::Client& client, const std::string& path, const json& body,
                                  const httplib::Headers& headers = {},
                                  std::function<void(const models::ProcessEvent&)> on_event = nullptr) {
    StreamResult out;
    connect::FrameDecoder decoder;
    httplib::Request req;
    req.method = "POST";
    req.path = path;
    req.headers = headers;
    req.headers.emplace("Content-Type", "application/connect+json");
    req.body = connect::encode_message(body);
    req.content_receiver = [&](const char* data, std::size_t size, std::uint64_t, std::uint64_t) {
      decoder.feed(std::string_view(data, size));
      while (auto frame = decoder.next()) {
        EXPECT_FALSE(out.ended) << "data after the end-stream frame";
        if (frame->end_stream()) {
          out.ended = true;
          out.error = connect::parse_end_stream(frame->payload);
          continue;
        }
        auto event = models::parse_process_event(json::parse(frame->payload));
        if (auto* s = std::get_if<models::StartEvent>(&event)) out.pid = s->pid;
        if (auto* d = std::get_if<models::DataEvent>(&event)) {
          (d->stream == models::OutputStream::err ? out.stderr_text : out.stdout_text) += d->bytes;
        }
        if (auto* e = std::get_if<models::EndEvent>(&event)) out.end = *e;
        if (on_event) on_event(event);
        out.events.push_back(std::move(event));
      }
      return true;
    };
    auto res = client.send(req);
    if (res) {
      out.http_status = res->status;
      out.content_type = res->get_header_value("Content-Type");
    }
    return out;
  }

  StreamResult run(const std::string& command, json extra = json::object(), const httplib::Headers& headers = {}) {
    json body{{"process", {{"cmd", "/bin/bash"}, {"args", {"-l", "-c", command}}}}, {"stdin", false}};
    for (auto& [k, v] : extra.items()) {
      if (k == "process") {
        for (auto& [pk, pv] : v.items()) body["process"][pk] = pv;
      } else {
        body[k] = v;
      }
    }
    auto client = envd();
    return read_stream(*client, "/process.Process/Start", body, headers);
  }

  ppio_mock::Server server_;
  std::unique_ptr<httplib::Client> api_;
  std::string id_;
  std::map<std::string, std::string> tokens_;
};

}  // namespace envd_test
