// Fault actions carried out on real connections, on a bare server.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "mockserver/faults/http_faults.hpp"
#include "tests/support/raw_http.hpp"

namespace faults = ppio_mock::faults;
using nlohmann::json;

namespace {

class HttpFaults : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      decision_ = engine_.decide({.method = req.method, .path = req.path});
      return faults::apply_before_routing(decision_, req, res, /*body_read=*/false)
                 ? httplib::Server::HandlerResponse::Handled
                 : httplib::Server::HandlerResponse::Unhandled;
    });
    server_.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      faults::apply_after_routing(decision_, req, res);
    });
    server_.Get("/body", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(std::string(64 * 1024, 'x'), "text/plain");
    });
    server_.Post("/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.body, "text/plain");
    });
    // Like a /files download: streamed by a provider in 64 KiB blocks, never held whole.
    server_.Get("/provided", [](const httplib::Request&, httplib::Response& res) {
      res.set_content_provider(kProvided, "application/octet-stream",
                               [](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
                                 std::string block(std::min<std::size_t>(length, 65536), '\0');
                                 for (std::size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>((offset + i) % 251);
                                 return sink.write(block.data(), block.size());
                               });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  static constexpr std::size_t kProvided = 256 * 1024;
  static std::string provided_bytes(std::size_t n) {
    std::string out(n, '\0');
    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(i % 251);
    return out;
  }
  // The bytes of GET /provided that arrived, and whether the response completed.
  std::pair<std::string, bool> get_provided() {
    httplib::Client http("127.0.0.1", port_);
    http.set_read_timeout(std::chrono::seconds(5));
    std::string received;
    auto res = http.Get("/provided", [&](const char* data, std::size_t n) {
      received.append(data, n);
      return true;
    });
    return {received, static_cast<bool>(res)};
  }
  void add(const std::string& rule) { engine_.add(faults::rule_from_json(json::parse(rule))); }
  httplib::Result get() {
    httplib::Client http("127.0.0.1", port_);
    http.set_read_timeout(std::chrono::milliseconds(500));
    return http.Get("/body");
  }

  ppio_mock::state::VirtualClock clock_;
  faults::FaultEngine engine_{clock_, 3};
  // Each request is served on one thread, and the test sends one at a time.
  faults::Decision decision_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(HttpFaults, NoRuleNoChange) {
  auto res = get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.size(), 64u * 1024);
}

TEST_F(HttpFaults, ErrorAnswersWithTheServiceShape) {
  add(R"({"action": {"type": "error", "status": 503, "message": "try later"}})");
  auto res = get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503);
  EXPECT_EQ(json::parse(res->body), json::parse(R"({"code": 503, "message": "try later"})"));
}

TEST_F(HttpFaults, RateLimitSendsRetryAfter) {
  add(R"({"action": {"type": "rate_limit", "retry_after_s": 7}})");
  auto res = get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 429);
  EXPECT_EQ(res->get_header_value("Retry-After"), "7");
}

TEST_F(HttpFaults, ResetBeforeTheResponseLeavesTheClientWithNothing) {
  add(R"({"action": {"type": "reset", "when": "before_response"}})");
  auto res = get();
  EXPECT_FALSE(res);
}

TEST_F(HttpFaults, ResetMidBodyCutsTheBodyShort) {
  add(R"({"action": {"type": "reset", "when": "mid_body"}})");
  auto res = get();
  EXPECT_FALSE(res);  // the body is shorter than its Content-Length: the client reports a read error
}

TEST_F(HttpFaults, SlowBodyStillDeliversEveryByte) {
  add(R"({"action": {"type": "slow_body", "chunks": 4, "over_ms": 40}})");
  auto res = get();
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, std::string(64 * 1024, 'x'));
}

TEST_F(HttpFaults, ResetMidBodyCutsAStreamedBodyAtItsHalf) {
  add(R"({"action": {"type": "reset", "when": "mid_body"}})");
  const auto [received, complete] = get_provided();
  EXPECT_FALSE(complete);
  EXPECT_EQ(received, provided_bytes(kProvided / 2));
}

TEST_F(HttpFaults, SlowBodyKeepsEveryByteOfAStreamedBody) {
  add(R"({"action": {"type": "slow_body", "chunks": 3, "over_ms": 30}})");
  const auto [received, complete] = get_provided();
  EXPECT_TRUE(complete);
  EXPECT_EQ(received, provided_bytes(kProvided));
}

TEST_F(HttpFaults, HangEndsWhenTheClientGivesUp) {
  add(R"({"action": {"type": "hang"}})");
  auto res = get();  // the client's 500 ms read timeout ends it
  EXPECT_FALSE(res);
  // TearDown's stop() joins the server thread: the hang must have noticed the close.
}

// A request whose body is left unread by an error answered before routing:
// what follows it on the connection must never be read as a request. Here the
// body is itself a request that the rule does not match, as a client that
// pipelines (or a body that looks like one) would send.
std::string post_smuggling_a_get() {
  const std::string smuggled = "GET /body HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  return "POST /echo HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain\r\nContent-Length: " +
         std::to_string(smuggled.size()) + "\r\n\r\n" + smuggled;
}

TEST_F(HttpFaults, AnErrorBeforeAnUnreadBodyClosesTheConnectionAfterItsAnswer) {
  add(R"({"match": {"method": "POST"}, "action": {"type": "error", "status": 503, "message": "try later"}})");
  const auto x = ppio_test::send_then_read(port_, post_smuggling_a_get());
  EXPECT_TRUE(x.clean_eof);
  EXPECT_EQ(ppio_test::answers_in(x.received), 1u) << x.received;
  const auto [status, body] = ppio_test::answer_of(x);
  EXPECT_EQ(status, "HTTP/1.1 503 Service Unavailable");
  EXPECT_NE(x.received.find("\r\nConnection: close\r\n"), std::string::npos) << x.received;
  EXPECT_EQ(json::parse(body, nullptr, false), json::parse(R"({"code": 503, "message": "try later"})"));
}

TEST_F(HttpFaults, ARateLimitBeforeAnUnreadBodyClosesTheConnectionAfterItsAnswer) {
  add(R"({"match": {"method": "POST"}, "action": {"type": "rate_limit", "retry_after_s": 3}})");
  const auto x = ppio_test::send_then_read(port_, post_smuggling_a_get());
  EXPECT_TRUE(x.clean_eof);
  EXPECT_EQ(ppio_test::answers_in(x.received), 1u) << x.received;
  EXPECT_EQ(ppio_test::answer_of(x).first, "HTTP/1.1 429 Too Many Requests");
  EXPECT_NE(x.received.find("\r\nRetry-After: 3\r\n"), std::string::npos) << x.received;
}

// Without a body nothing is left unread: the connection serves the next request.
TEST_F(HttpFaults, AnErrorOnARequestWithoutABodyKeepsTheConnection) {
  add(R"({"trigger": {"first": 1}, "action": {"type": "error", "status": 500}})");
  ppio_test::Connection connection(port_);
  const std::string get = "GET /body HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  const std::string first = connection.exchange(get);
  EXPECT_TRUE(first.starts_with("HTTP/1.1 500 ")) << first;
  EXPECT_EQ(first.find("Connection: close"), std::string::npos) << first;
  const std::string second = connection.exchange(get);
  EXPECT_TRUE(second.starts_with("HTTP/1.1 200 OK\r\n")) << second.substr(0, 200);
}

}  // namespace
