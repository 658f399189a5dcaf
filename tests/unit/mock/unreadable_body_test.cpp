// A body the fake cannot read to its end (a multipart body without a boundary,
// broken chunks) is refused with 400 in the route's shape, and the connection
// closes after the answer: what is left of the body is never read as the next
// request. Each body here is itself a request, as a pipelining client (or a
// body that looks like one) would send: a second answer would show it was read.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/sandbox_on_fake.hpp"

namespace {

using nlohmann::json;

const std::string kSmuggled = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

// A raw request: `line`, then `headers` ("Name: value\r\n" each), then `body` with its Content-Length.
std::string request(const std::string& line, const std::string& headers, const std::string& body) {
  return line + "\r\nHost: 127.0.0.1\r\n" + headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         body;
}

std::string post(const std::string& target, const std::string& content_type, const std::string& headers,
                 const std::string& body) {
  return request("POST " + target + " HTTP/1.1",
                 "X-API-Key: " + std::string(ppio_mock::kDefaultApiKey) + "\r\nContent-Type: " + content_type +
                     "\r\n" + headers,
                 body);
}

// One answer with `status_line` that closes the connection, with `body` as its JSON, and nothing after it.
void expect_one_closing(const ppio_test::Exchange& x, const std::string& status_line, const json& body) {
  EXPECT_TRUE(x.clean_eof) << "the connection ended with an error, not a close";
  EXPECT_EQ(ppio_test::answers_in(x.received), 1u) << x.received;
  const auto [status, text] = ppio_test::answer_of(x);
  EXPECT_EQ(status, status_line);
  EXPECT_NE(x.received.find("\r\nConnection: close\r\n"), std::string::npos) << x.received;
  EXPECT_EQ(json::parse(text, nullptr, false), body) << text;
}

void expect_one_400(const ppio_test::Exchange& x, const json& body) {
  expect_one_closing(x, "HTTP/1.1 400 Bad Request", body);
}

class UnreadableBody : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }
  ppio_mock::Server server_;
};

TEST_F(UnreadableBody, AMultipartUploadWithoutABoundary) {
  const auto sandbox = ppio_test::create_sandbox(server_.port());
  ASSERT_FALSE(sandbox.id.empty());
  const auto x = ppio_test::send_then_read(
      server_.port(), post("/files?path=/home/user/a", "multipart/form-data", sandbox.envd_header_lines(), kSmuggled));
  expect_one_400(x, {{"code", 400}, {"message", "malformed multipart body: a missing boundary, or a body cut short"}});
  EXPECT_EQ(server_.unexpected_errors(), 0u);
}

TEST_F(UnreadableBody, AMultipartBodyToAJsonRoute) {
  const auto x = ppio_test::send_then_read(server_.port(), post("/sandboxes", "multipart/form-data", "", kSmuggled));
  expect_one_400(x, {{"code", 400},
                     {"message", "the request body could not be read: a multipart body without a boundary, or cut "
                                 "short"}});
}

TEST_F(UnreadableBody, AMultipartBodyToAnRpcIsRefusedInConnectsShape) {
  const auto x = ppio_test::send_then_read(
      server_.port(), post("/filesystem.Filesystem/Stat", "multipart/form-data", "E2b-Sandbox-Id: any\r\n", kSmuggled));
  expect_one_400(x, {{"code", "invalid_argument"},
                     {"message", "the request body could not be read: a multipart body without a boundary, or cut "
                                 "short"}});
}

TEST_F(UnreadableBody, BrokenChunks) {
  const std::string broken = "POST /sandboxes HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " +
                             std::string(ppio_mock::kDefaultApiKey) +
                             "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + kSmuggled;
  expect_one_400(ppio_test::send_then_read(server_.port(), broken),
                 {{"code", 400}, {"message", "the request body could not be read: broken chunks, or cut short"}});
}

// Requests httplib refuses itself, before any handler, leave their bodies unread too.
TEST_F(UnreadableBody, ATargetTooLongToParse) {
  const auto sandbox = ppio_test::create_sandbox(server_.port());
  ASSERT_FALSE(sandbox.id.empty());
  const std::string target = "/files?path=/home/user/" + std::string(9000, 'a');
  const auto x = ppio_test::send_then_read(server_.port(),
                                           post(target, "application/octet-stream", sandbox.envd_header_lines(), kSmuggled));
  expect_one_closing(x, "HTTP/1.1 414 URI Too Long", {{"code", 414}, {"message", "URI too long"}});
}

TEST_F(UnreadableBody, AHeaderTooLongToParse) {
  const std::string header = "X-Long: " + std::string(9000, 'b') + "\r\n";
  expect_one_400(ppio_test::send_then_read(server_.port(), post("/sandboxes", "application/json", header, kSmuggled)),
                 {{"code", 400}, {"message", "Bad request"}});
}

TEST_F(UnreadableBody, ARequestLineWithoutAVersion) {
  expect_one_400(ppio_test::send_then_read(server_.port(), request("POST /sandboxes", "", kSmuggled)),
                 {{"code", 400}, {"message", "Bad request"}});
}

// httplib reads the body of a POST, PUT, PATCH or DELETE only.
TEST_F(UnreadableBody, AGetWithABody) {
  expect_one_400(ppio_test::send_then_read(server_.port(), request("GET /health HTTP/1.1", "", kSmuggled)),
                 {{"code", 400}, {"message", "a GET request cannot have a body"}});
}

TEST_F(UnreadableBody, AnRpcWithAGetAndABodyIsRefusedInConnectsShape) {
  const std::string get =
      "GET /filesystem.Filesystem/Stat HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: any\r\nTransfer-Encoding: "
      "chunked\r\n\r\n" +
      ppio_test::chunked(kSmuggled);
  expect_one_400(ppio_test::send_then_read(server_.port(), get),
                 {{"code", "invalid_argument"}, {"message", "a GET request cannot have a body"}});
}

// A GET with an empty body (Content-Length: 0, as some clients send) is served, and the connection kept.
TEST_F(UnreadableBody, AGetWithAnEmptyBodyIsServed) {
  ppio_test::Connection connection(server_.port());
  const std::string get = request("GET /health HTTP/1.1", "", "");
  EXPECT_EQ(connection.exchange(get).substr(0, 15), "HTTP/1.1 200 OK");
  EXPECT_EQ(connection.exchange(get).substr(0, 15), "HTTP/1.1 200 OK");
}

}  // namespace
