// The fake's connections as a real edge holds them: a listening backlog that
// a burst of connects cannot overflow, keep-alive connections that serve many
// requests, and a stop that does not wait on idle ones.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <future>
#include <string>
#include <vector>

#include "mockserver/server.hpp"
#include "tests/support/sandbox_on_fake.hpp"

namespace {

using namespace std::chrono_literals;

int connect_to(int port, bool blocking) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | (blocking ? 0 : SOCK_NONBLOCK), 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  if (rc != 0 && !(errno == EINPROGRESS && !blocking)) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void send_all(int fd, const std::string& data) {
  std::size_t sent = 0;
  while (sent < data.size()) {
    const auto n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << "send failed: " << std::strerror(errno);
    sent += static_cast<std::size_t>(n);
  }
}

// One HTTP/1.1 answer off a blocking socket: its head, and its body of Content-Length bytes.
struct Answer {
  std::string head;
  std::string body;
};
Answer read_answer(int fd, std::string& buffered) {
  Answer a;
  char chunk[4096];
  const auto fill = [&] {
    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffered.append(chunk, static_cast<std::size_t>(n));
    return true;
  };
  std::size_t end;
  while ((end = buffered.find("\r\n\r\n")) == std::string::npos) {
    if (!fill()) return a;
  }
  a.head = buffered.substr(0, end);
  buffered.erase(0, end + 4);
  std::size_t length = 0;
  if (const auto at = a.head.find("Content-Length: "); at != std::string::npos) length = std::stoul(a.head.substr(at + 16));
  while (buffered.size() < length) {
    if (!fill()) return a;
  }
  a.body = buffered.substr(0, length);
  buffered.erase(0, length);
  return a;
}

int system_max_backlog() {
  int value = 0;
  std::ifstream("/proc/sys/net/core/somaxconn") >> value;
  return value;
}

TEST(Connections, TheListeningSocketHasTheSystemsMaximumBacklog) {
  ppio_mock::Server server;
  server.start();
  const int expected = system_max_backlog();
  ASSERT_GT(expected, 0);
  EXPECT_EQ(server.listen_backlog(), expected) << "cpp-httplib's own backlog is 5";
}

TEST(Connections, FiveHundredSimultaneousConnectsAreAllAnswered) {
  ppio_mock::Server server;
  server.start();
  std::vector<int> fds;
  for (int i = 0; i < 500; ++i) {
    const int fd = connect_to(server.port(), /*blocking=*/false);
    ASSERT_GE(fd, 0) << "connect " << i << ": " << std::strerror(errno);
    fds.push_back(fd);
  }
  // Every connect completes, then every socket asks and is answered.
  for (const int fd : fds) {
    pollfd p{fd, POLLOUT, 0};
    ASSERT_EQ(::poll(&p, 1, 60'000), 1);
    int error = 0;
    socklen_t length = sizeof error;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
    ASSERT_EQ(error, 0) << std::strerror(error);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  }
  for (const int fd : fds) send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  int answered = 0;
  for (const int fd : fds) {
    std::string buffered;
    const Answer a = read_answer(fd, buffered);
    EXPECT_TRUE(a.head.starts_with("HTTP/1.1 200")) << "connection " << answered << ": '" << a.head << "' "
                                                   << std::strerror(errno);
    answered += a.head.starts_with("HTTP/1.1 200") ? 1 : 0;
    ::close(fd);
  }
  EXPECT_EQ(answered, 500);
}

TEST(Connections, OneKeepAliveConnectionServesManyRequests) {
  ppio_mock::Server server;
  server.start();
  const int fd = connect_to(server.port(), /*blocking=*/true);
  ASSERT_GE(fd, 0);
  std::string buffered;
  for (int i = 0; i < 50; ++i) {
    send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    const Answer a = read_answer(fd, buffered);
    ASSERT_TRUE(a.head.starts_with("HTTP/1.1 200")) << "request " << i << " got '" << a.head << "'";
    ASSERT_EQ(a.head.find("Connection: close"), std::string::npos) << "the fake closed after request " << i;
  }
  ::close(fd);
  const auto journal = server.journal().query({.path_contains = "/health"});
  ASSERT_EQ(journal.size(), 50u);
  for (const auto& entry : journal) EXPECT_EQ(entry.client_port, journal.front().client_port);
}

// RFC 9112: a request with neither Content-Length nor Transfer-Encoding has no
// body (curl -X POST sends such). httplib would read one until the connection
// closed, taking the next request on it as that body.
TEST(Connections, APostWithoutContentLengthHasNoBodyAndTheNextRequestIsServed) {
  ppio_mock::Server server;
  server.start();
  const int fd = connect_to(server.port(), /*blocking=*/true);
  ASSERT_GE(fd, 0);
  const timeval bound{30, 0};  // a wrong fake waits for a body that never comes: fail, do not hang
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  send_all(fd, std::string("POST /sandboxes/nosuchsandbox/pause HTTP/1.1\r\nHost: x\r\nX-API-Key: ") +
                   ppio_mock::kDefaultApiKey + "\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string buffered;
  const Answer pause = read_answer(fd, buffered);
  EXPECT_TRUE(pause.head.starts_with("HTTP/1.1 404")) << pause.head << pause.body;
  const Answer health = read_answer(fd, buffered);
  EXPECT_TRUE(health.head.starts_with("HTTP/1.1 200")) << "the request after it was taken as its body: '"
                                                       << health.head << "'";
  ::close(fd);
}

TEST(Connections, AnUploadWithoutContentLengthWritesAnEmptyFileAndTheNextRequestIsServed) {
  ppio_mock::Server server;
  server.start();
  const auto sandbox = ppio_test::create_sandbox(server.port());
  ASSERT_FALSE(sandbox.id.empty());
  const std::string auth = sandbox.envd_header_lines();
  const int fd = connect_to(server.port(), /*blocking=*/true);
  ASSERT_GE(fd, 0);
  const timeval bound{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  send_all(fd, "POST /files?path=/home/user/empty HTTP/1.1\r\nHost: x\r\n" + auth +
                   "Content-Type: application/octet-stream\r\n\r\n"
                   "GET /files?path=/home/user/empty HTTP/1.1\r\nHost: x\r\n" + auth + "\r\n");
  std::string buffered;
  const Answer upload = read_answer(fd, buffered);
  EXPECT_TRUE(upload.head.starts_with("HTTP/1.1 200")) << upload.head << upload.body;
  const Answer download = read_answer(fd, buffered);
  EXPECT_TRUE(download.head.starts_with("HTTP/1.1 200")) << "'" << download.head << "'";
  EXPECT_EQ(download.body, "");
  ::close(fd);
}

TEST(Connections, AKeepAliveCapClosesAfterItsCount) {
  ppio_mock::ServerConfig config;
  config.keep_alive_max_requests = 3;
  ppio_mock::Server server(config);
  server.start();
  const int fd = connect_to(server.port(), /*blocking=*/true);
  ASSERT_GE(fd, 0);
  std::string buffered;
  for (int i = 1; i <= 3; ++i) {
    send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    const Answer a = read_answer(fd, buffered);
    ASSERT_TRUE(a.head.starts_with("HTTP/1.1 200"));
    EXPECT_EQ(a.head.find("Connection: close") != std::string::npos, i == 3) << "request " << i;
  }
  ::close(fd);
}

TEST(Connections, StopDoesNotWaitForAnIdleKeepAliveConnection) {
  ppio_mock::Server server;  // idle connections stay open 620 s
  server.start();
  const int fd = connect_to(server.port(), /*blocking=*/true);
  ASSERT_GE(fd, 0);
  std::string buffered;
  send_all(fd, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(read_answer(fd, buffered).head.starts_with("HTTP/1.1 200"));
  auto stopped = std::async(std::launch::async, [&] { server.stop(); });
  // Bounded, so a stop that waits out the keep-alive time fails instead of hanging.
  EXPECT_EQ(stopped.wait_for(60s), std::future_status::ready) << "stop waited on the idle connection";
  char byte = 0;
  EXPECT_LE(::recv(fd, &byte, 1, 0), 0) << "the connection outlived the server";
  ::close(fd);
  stopped.wait();
}

TEST(Connections, TheStateDumpReportsTheWorkersAndTheBacklog) {
  ppio_mock::Server server;
  server.start();
  httplib::Client admin(server.url());
  auto res = admin.Get("/_mock/state", {{"X-Admin-Token", ppio_mock::kDefaultAdminToken}});
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  const auto facts = nlohmann::json::parse(res->body).at("server");
  EXPECT_EQ(facts.at("httpWorkers").at("maxThreads"), ppio_mock::ServerConfig{}.http_max_threads);
  EXPECT_GE(ppio_mock::ServerConfig{}.http_max_threads, 2048u);
  EXPECT_GE(facts.at("httpWorkers").at("busy"), 1) << "the dump's own request is being served";
  EXPECT_EQ(facts.at("httpWorkers").at("waiting"), 0);
  EXPECT_EQ(facts.at("listenBacklog"), system_max_backlog());
}

}  // namespace
