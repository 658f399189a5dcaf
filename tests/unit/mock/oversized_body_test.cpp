// A body over the limit, sent by a client that writes its whole request before
// it reads (as most blocking clients do): it reads the 413 in the service's
// shape, never a reset or a broken pipe, and the connection then ends, so the
// rest of the body is never read as another request.
#include <gtest/gtest.h>

#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/server.hpp"
#include "tests/support/raw_http.hpp"
#include "tests/support/sandbox_on_fake.hpp"

namespace {

using ppio_test::answer_of;
using ppio_test::chunked;
using ppio_test::Exchange;
using ppio_test::send_then_read;

constexpr std::size_t kMiB = std::size_t{1} << 20;

Exchange send_then_read(int port, const std::string& head, std::size_t body_bytes) {
  return send_then_read(port, head + std::string(body_bytes, '{'));
}

std::string chunked_head(const std::string& method_and_target, const std::string& content_type,
                         const std::string& extra_headers = "") {
  return method_and_target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ppio_mock::kDefaultApiKey +
         "\r\nContent-Type: " + content_type + "\r\n" + extra_headers + "Transfer-Encoding: chunked\r\n\r\n";
}


std::string json_head(const std::string& target, std::size_t length) {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: " + ppio_mock::kDefaultApiKey +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(length) + "\r\n\r\n";
}

// The one answer in `received`, which must be a 413 in the {"code","message"}
// shape that says it closes the connection, and nothing after it.
void expect_one_413(const Exchange& x,
                    const nlohmann::json& shape = {{"code", 413}, {"message", "Request body too large"}}) {
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
  EXPECT_EQ(parsed, shape) << body;
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
  const auto sandbox = ppio_test::create_sandbox(server.port());
  ASSERT_FALSE(sandbox.id.empty());
  httplib::Client client("127.0.0.1", server.port());
  const httplib::MultipartFormDataItems items{{"file", std::string(64 * 1024, 'x'), "big.bin", "application/octet-stream"}};
  const auto res = client.Post("/files?path=/home/user/big.bin", sandbox.envd_headers(), items);
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 200) << res->body;
}

// An envd RPC says it in Connect's shape, which Connect clients read (413 is resource_exhausted there too).
const nlohmann::json kConnectTooLarge{{"code", "resource_exhausted"}, {"message", "request body too large"}};

TEST(OversizedBody, AnRpcBodyOverTheLimitIsRefusedInConnectsShape) {
  ppio_mock::Server server;
  server.start();
  const std::size_t length = 2 * kMiB;
  const std::string head = "POST /filesystem.Filesystem/Stat HTTP/1.1\r\nHost: 127.0.0.1\r\nE2b-Sandbox-Id: any"
                           "\r\nContent-Type: application/json\r\nContent-Length: " +
                           std::to_string(length) + "\r\n\r\n";
  expect_one_413(send_then_read(server.port(), head, length), kConnectTooLarge);
}

// A chunked body has no Content-Length to refuse before it is read: its limit
// holds as it is read, and the client still reads the 413, not a reset.
TEST(OversizedBody, AChunkedJsonBodyOverTheLimitIsAnswered413ThenTheConnectionCloses) {
  ppio_mock::Server server;
  server.start();
  const auto x = send_then_read(server.port(), chunked_head("POST /sandboxes", "application/json") +
                                                   chunked(std::string(20 * kMiB, '{')));
  expect_one_413(x);
  EXPECT_EQ(server.unexpected_errors(), 0u);
}

TEST(OversizedBody, AChunkedRpcBodyOverTheLimitIsRefusedInConnectsShape) {
  ppio_mock::Server server;
  server.start();
  const auto x = send_then_read(server.port(), chunked_head("POST /process.Process/List", "application/json",
                                                            "E2b-Sandbox-Id: any\r\n") +
                                                   chunked(std::string(3 * kMiB, ' ')));
  expect_one_413(x, kConnectTooLarge);
}

TEST(OversizedBody, AChunkedBodyToAPathNoRouteHasIsBoundedToo) {
  ppio_mock::Server server;
  server.start();
  expect_one_413(send_then_read(server.port(), chunked_head("PUT /no/such/route", "application/json") +
                                                   chunked(std::string(8 * kMiB, 'x'))));
  // Within the limit it is read, then answered as any unknown route.
  const auto small = send_then_read(server.port(), chunked_head("PUT /no/such/route", "application/json",
                                                                "Connection: close\r\n") +
                                                       chunked("{}"));
  const auto [status, body] = answer_of(small);
  EXPECT_EQ(status, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(nlohmann::json::parse(body, nullptr, false), (nlohmann::json{{"code", 404}, {"message", "Not found"}}));
}

TEST(OversizedBody, AChunkedMultipartBodyToAJsonRouteIsBoundedAndThenRefusedAsNotJson) {
  ppio_mock::Server server;
  server.start();
  const std::string type = "multipart/form-data; boundary=b";
  const std::string part = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\n";
  expect_one_413(send_then_read(server.port(), chunked_head("POST /sandboxes", type) +
                                                   chunked(part + std::string(4 * kMiB, 'x') + "\r\n--b--\r\n")));
  const auto small = send_then_read(server.port(), chunked_head("POST /sandboxes", type, "Connection: close\r\n") +
                                                       chunked(part + "{}\r\n--b--\r\n"));
  const auto [status, body] = answer_of(small);
  EXPECT_EQ(status, "HTTP/1.1 400 Bad Request");
  EXPECT_EQ(nlohmann::json::parse(body, nullptr, false).value("message", ""), "Request body is not valid JSON");
  EXPECT_EQ(server.unexpected_errors(), 0u);
}

// Within the limit, a chunked body is served as any other.
TEST(OversizedBody, AChunkedJsonBodyWithinTheLimitCreatesTheSandbox) {
  ppio_mock::Server server;
  server.start();
  const auto x = send_then_read(server.port(), chunked_head("POST /sandboxes", "application/json",
                                                            "Connection: close\r\n") +
                                                   chunked(R"({"templateID":"base","metadata":{"k":"v"}})"));
  const auto [status, body] = answer_of(x);
  ASSERT_EQ(status, "HTTP/1.1 201 Created") << body;
  const std::string id = nlohmann::json::parse(body).at("sandboxID");
  httplib::Client client("127.0.0.1", server.port());
  const auto got = client.Get("/sandboxes/" + id, {{"X-API-Key", ppio_mock::kDefaultApiKey}});
  ASSERT_TRUE(got && got->status == 200);
  EXPECT_EQ(nlohmann::json::parse(got->body).at("metadata"), (nlohmann::json{{"k", "v"}})) << got->body;
}

TEST(OversizedBody, AChunkedUploadOverItsLimitIsAnswered413AndLeavesNoFile) {
  ppio_mock::ServerConfig config;
  config.envd.max_upload_bytes = 2 * kMiB;
  ppio_mock::Server server(config);
  server.start();
  const auto sandbox = ppio_test::create_sandbox(server.port());
  ASSERT_FALSE(sandbox.id.empty());
  const auto x = send_then_read(server.port(), chunked_head("POST /files?path=/home/user/big.bin",
                                                            "application/octet-stream", sandbox.envd_header_lines()) +
                                                   chunked(std::string(5 * kMiB, 'z')));
  expect_one_413(x);
  // All or nothing: the part written before the limit is gone.
  httplib::Client client("127.0.0.1", server.port());
  const auto stat = client.Post("/filesystem.Filesystem/Stat", sandbox.envd_headers(),
                                R"({"path":"/home/user/big.bin"})", "application/json");
  ASSERT_TRUE(stat) << httplib::to_string(stat.error());
  EXPECT_EQ(stat->status, 404) << stat->body;
}

}  // namespace
