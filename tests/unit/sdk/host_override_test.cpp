// TransportOptions::host_overrides: exact keys and "*.<suffix>" keys, through
// the real cpp-httplib transport to a server on 127.0.0.1. Nothing resolves
// through DNS: a host the overrides miss is never asked for.
#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "ppio_sandbox/core/http.hpp"

namespace core = ppio_sandbox::core;

namespace {

// Answers every GET with the Host header it received.
class EchoHostServer {
 public:
  EchoHostServer() {
    server_.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(req.get_header_value("Host"), "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::yield();  // stop() is a no-op before the loop runs
  }
  ~EchoHostServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

class HostOverrides : public ::testing::Test {
 protected:
  core::HttpResponse get(const std::vector<std::pair<std::string, std::string>>& overrides, const std::string& host) {
    auto transport = core::make_http_transport({.connect_timeout = std::chrono::seconds(5), .host_overrides = overrides});
    return transport->send({.url = "http://" + host + ":" + std::to_string(server_.port()) + "/"});
  }

  EchoHostServer server_;
};

// 127.0.0.2 is loopback too, but nothing listens there: a host sent to it fails to connect.
constexpr const char* kNowhere = "127.0.0.2";

TEST_F(HostOverrides, AWildcardKeyCoversEveryHostUnderItsSuffix) {
  const std::vector<std::pair<std::string, std::string>> overrides{{"*.mock.ppio.test", "127.0.0.1"}};
  for (const std::string host : {"api.mock.ppio.test", "49983-iabc-1234abcd.mock.ppio.test", "a.b.mock.ppio.test"}) {
    const auto response = get(overrides, host);
    EXPECT_EQ(response.status, 200) << host;
    EXPECT_EQ(response.body, host + ":" + std::to_string(server_.port()));  // the name, not the address, is sent
  }
}

TEST_F(HostOverrides, AnExactKeyWinsOverAWildcard) {
  EXPECT_EQ(get({{"*.mock.ppio.test", kNowhere}, {"api.mock.ppio.test", "127.0.0.1"}}, "api.mock.ppio.test").status, 200);
  EXPECT_EQ(get({{"api.mock.ppio.test", "127.0.0.1"}, {"*.mock.ppio.test", kNowhere}}, "api.mock.ppio.test").status, 200);
}

TEST_F(HostOverrides, TheLongestWildcardWins) {
  EXPECT_EQ(get({{"*.ppio.test", kNowhere}, {"*.mock.ppio.test", "127.0.0.1"}}, "api.mock.ppio.test").status, 200);
  EXPECT_EQ(get({{"*.mock.ppio.test", "127.0.0.1"}, {"*.ppio.test", kNowhere}}, "api.mock.ppio.test").status, 200);
}

TEST_F(HostOverrides, AWildcardMatchesWholeLabelsBelowItsSuffixOnly) {
  // Neither host ends in ".mock.ppio.test", so the wider key applies to both.
  for (const std::string host : {"xmock.ppio.test", "mock.ppio.test"}) {
    try {
      get({{"*.mock.ppio.test", "127.0.0.1"}, {"*.ppio.test", kNowhere}}, host);
      ADD_FAILURE() << host << " reached the server";
    } catch (const core::TransportError& e) {
      EXPECT_EQ(e.kind(), core::TransportError::Kind::connect) << host << ": " << e.what();
    }
  }
}

}  // namespace
