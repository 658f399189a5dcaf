// A body over the limit, sent by a client that writes its whole request before
// it reads (as most blocking clients do): it reads the 413 in the service's
// shape, never a reset or a broken pipe, and the connection then ends, so the
// rest of the body is never read as another request.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"

namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// What a blocking client sees: whether all of its request went out, then
// every byte it could read until the connection ended, and how it ended.
struct Exchange {
  bool sent_all = false;
  std::string send_error;
  std::string received;
  bool clean_eof = false;  // recv returned 0, not an error such as ECONNRESET
};

Exchange send_then_read(int port, const std::string& head, std::size_t body_bytes) {
  Exchange x;
  const int fd = connect_to(port);
  if (fd < 0) return x;
  std::string request = head + std::string(body_bytes, '{');
  std::size_t sent = 0;
  while (sent < request.size()) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      x.send_error = std::strerror(errno);
      break;
    }
    sent += static_cast<std::size_t>(n);
  }
  x.sent_all = sent == request.size();
  char chunk[4096];
  while (true) {
    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0) x.clean_eof = true;
    if (n <= 0) break;
    x.received.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return x;
}

std::string json_head(const std::string& target, std::size_t length) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ppio_mock::kDefaultApiKey +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

// The one answer in `received`, which must be a 413 in the {"code","message"}
// shape that says it closes the connection, and nothing after it.
void expect_one_413(const Exchange& x) {
  EXPECT_TRUE(x.sent_all) << "the client could not send its body: " << x.send_error;
  EXPECT_TRUE(x.clean_eof) << "the connection ended with an error, not a close";
  const auto end = x.received.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos) << "no answer: '" << x.received << "'";
  const std::string head = x.received.substr(0, end);
  const std::string body = x.received.substr(end + 4);
  EXPECT_TRUE(head.starts_with("HTTP/1.1 413 ")) << head;
  EXPECT_NE(head.find("\r\nConnection: close"), std::string::npos) << head;
  EXPECT_NE(head.find("\r\nContent-Length: " + std::to_string(body.size())), std::string::npos)
      << "a second answer (the body read as a request?) follows the 413: " << head << "\n" << body;
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  EXPECT_EQ(parsed, (nlohmann::json{{"code", 413}, {"message", "Request body too large"}})) << body;
}

TEST(OversizedBody, A20MiBJsonBodyIsAnswered413ThenTheConnectionCloses) {
  ppio_mock::Server server;
  server.start();
  expect_one_413(send_then_read(server.port(), json_head("/sandboxes", 20 * kMiB), 20 * kMiB));
  EXPECT_EQ(server.unexpected_errors(), 0u);
}

TEST(OversizedBody, A64MiBJsonBodyIsReadAndDiscardedSoTheClientStillReadsThe413) {
  ppio_mock::Server server;
  server.start();
  expect_one_413(send_then_read(server.port(), json_head("/v2/sandboxes", 64 * kMiB), 64 * kMiB));
}

TEST(OversizedBody, TheFakeServesTheNextConnectionAsUsual) {
  ppio_mock::Server server;
  server.start();
  expect_one_413(send_then_read(server.port(), json_head("/sandboxes", 2 * kMiB), 2 * kMiB));
  httplib::Client client("127.0.0.1", server.port());
  const auto res = client.Post("/sandboxes", {{"X-API-Key", ppio_mock::kDefaultApiKey}}, R"({"templateID":"base"})",
                               "application/json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 201) << res->body;
}

TEST(OversizedBody, AFileUploadOverItsOwnLimitIsAnswered413InEnvdsShape) {
  ppio_mock::ServerConfig config;
  config.envd.max_upload_bytes = 4 * kMiB;
  ppio_mock::Server server(config);
  server.start();
  const std::size_t length = 20 * kMiB;
  const std::string head = "POST /files?path=/home/user/big HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: any"
                           "\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: " +
                           std::to_string(length) + "\r\n\r\n";
  expect_one_413(send_then_read(server.port(), head, length));
}

TEST(OversizedBody, AFileUploadKeepsItsLargerLimit) {
  ppio_mock::ServerConfig config;
  config.max_body_bytes = 1024;
  ppio_mock::Server server(config);
  server.start();
  httplib::Client client("127.0.0.1", server.port());
  const auto created = client.Post("/sandboxes", {{"X-API-Key", ppio_mock::kDefaultApiKey}},
                                   R"({"templateID":"base"})", "application/json");
  ASSERT_TRUE(created && created->status == 201);
  const auto sandbox = nlohmann::json::parse(created->body);
  httplib::Headers headers{{"E2b-Sandbox-Id", sandbox.at("sandboxID").get<std::string>()}};
  if (sandbox.contains("envdAccessToken")) headers.emplace("X-Access-Token", sandbox["envdAccessToken"].get<std::string>());
  const httplib::MultipartFormDataItems items{{"file", std::string(64 * 1024, 'x'), "big.bin", "application/octet-stream"}};
  const auto res = client.Post("/files?path=/home/user/big.bin", headers, items);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200) << res->body;
}

}  // namespace
