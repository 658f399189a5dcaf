// The real-service path without the real service: the fake serving HTTPS with
// a test CA made now, a domain, PPIO v1 ids and secure sandboxes; the SDK with
// certificate verification on, no api_url and no sandbox_url, so it reaches
// api.<domain> and 49983-<id>.<domain> by name, as it reaches PPIO. The names
// resolve to 127.0.0.1 through host_overrides' "*.<domain>" key.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "mockserver/faults/rule.hpp"
#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"
#include "tests/support/test_ca.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;

namespace {

constexpr const char* kDomain = "mock.ppio.test";
constexpr const char* kKey = "sk_https_test";

// Clients append the domain verbatim (https://49983-<id>.<domain>), so the
// domain the fake reports names its port, which is chosen before it starts.
std::unique_ptr<ppio_mock::Server> start_https_fake(const ppio_test::TestCa& ca) {
  for (int attempt = 1;; ++attempt) {
    ppio_mock::ServerConfig config;
    config.port = ppio_test::unused_loopback_port();
    config.domain = std::string(kDomain) + ":" + std::to_string(config.port);
    config.legacy_v1 = true;
    config.api_keys = {{kKey, "team-https"}};
    config.tls_cert_file = ca.cert_file();
    config.tls_key_file = ca.key_file();
    auto server = std::make_unique<ppio_mock::Server>(config);
    try {
      server->start();
      return server;
    } catch (const std::runtime_error&) {
      if (attempt == 5) throw;  // the port was taken in between, five times
    }
  }
}

class HttpsRealLike : public ::testing::Test {
 protected:
  void SetUp() override { server_ = start_https_fake(ca_); }

  std::string domain() const { return server_->config().domain; }

  // As a user would point the SDK at PPIO, plus the test CA and the resolver.
  prime::ClientOptions options() const {
    prime::ClientOptions o;
    o.api_key = kKey;
    o.domain = domain();
    o.api_url = "";      // derived from the domain, whatever PPIO_API_URL says
    o.sandbox_url = "";  // envd by host, whatever PPIO_SANDBOX_URL says
    o.ca_file = ca_.ca_file();
    o.host_overrides = {{std::string("*.") + kDomain, "127.0.0.1"}};
    o.request_timeout = std::chrono::seconds(20);
    return o;
  }

  static prime::CreateSandboxRequest request(std::string name) {
    return {.name = std::move(name), .docker_image = "python:3.11-slim", .timeout_minutes = 10, .labels = {"https"}};
  }

  // A raw client to one host of the domain on the fake's port, sending no
  // routing header: what reaches envd is the Host (and the SNI) alone.
  httplib::Client raw_client(const std::string& host) const {
    httplib::Client client("https://" + host + "." + domain());
    client.set_ca_cert_path(ca_.ca_file());
    client.enable_server_certificate_verification(true);
    client.set_hostname_addr_map({{host + "." + kDomain, "127.0.0.1"}});
    return client;
  }

  void add_fault(const nlohmann::json& rule) { server_->faults().add(ppio_mock::faults::rule_from_json(rule)); }

  ppio_test::TestCa ca_{kDomain};
  std::unique_ptr<ppio_mock::Server> server_;
};

TEST_F(HttpsRealLike, TheFakeSaysItServesHttps) {
  EXPECT_EQ(server_->url().rfind("https://127.0.0.1:", 0), 0u) << server_->url();
  // The certificate also names 127.0.0.1, so the fake's own URL verifies.
  auto transport = core::make_http_transport({.ca_file = ca_.ca_file()});
  EXPECT_EQ(transport->send({.url = server_->url() + "/health"}).status, 200);
}

TEST_F(HttpsRealLike, ASecureV1SandboxLivesItsWholeLifeOverTls) {
  prime::SandboxClient client{prime::APIClient(options())};
  const auto created = client.create(request("secure"), {.secure = true});
  const auto record = server_->registry().lookup(created.id);
  ASSERT_TRUE(record.has_value());
  ASSERT_TRUE(record->info.envd_access_token.has_value()) << "the sandbox was not created secure";
  // v1: a client id of its own, not E2B's constant.
  ASSERT_EQ(record->info.client_id.size(), 8u);
  EXPECT_NE(record->info.client_id, "6532622b");

  EXPECT_EQ(client.get(created.id).id, created.id);
  // The v1 form <sandboxID>-<clientID>, as PPIO's own SDKs show it, names the same sandbox.
  EXPECT_EQ(client.get(created.id + "-" + record->info.client_id).id, created.id);
  const auto page = client.list({.labels = {"https"}});
  ASSERT_EQ(page.sandboxes.size(), 1u);
  EXPECT_EQ(page.sandboxes[0].id, created.id);

  client.wait_for_creation(created.id);  // envd's /health at 49983-<id>.<domain>, over TLS

  const auto hi = client.execute_command(created.id, "echo hi; exit 3");
  EXPECT_EQ(hi.stdout, "hi\n");
  EXPECT_EQ(hi.exit_code, 3);
  const std::string bytes("binary\0\xff\x01 over tls", 18);
  client.upload_bytes(created.id, "/tmp/tls.bin", bytes, "tls.bin");
  EXPECT_EQ(client.read_file(created.id, "/tmp/tls.bin").content, bytes);

  EXPECT_TRUE(client.delete_(created.id).success);
  EXPECT_THROW(client.get(created.id), prime::APIError);
}

TEST_F(HttpsRealLike, EnvdIsRoutedByTheHostAloneAndWantsTheAccessToken) {
  prime::SandboxClient client{prime::APIClient(options())};
  const auto id = client.create(request("routed"), {.secure = true}).id;
  const auto record = *server_->registry().lookup(id);
  const auto token = *record.info.envd_access_token;

  // A real PPIO host: 49983-<sandboxID>-<clientID>.<domain>.
  auto envd = raw_client("49983-" + id + "-" + record.info.client_id);
  const auto health = envd.Get("/health");
  ASSERT_TRUE(health) << httplib::to_string(health.error());
  EXPECT_EQ(health->status, 204);  // envd's answer; the control plane's /health says 200

  // The host names the sandbox, so a secure one refuses a call without its token.
  const std::string list_dir = R"({"path": "/", "depth": 1})";
  const auto refused = envd.Post("/filesystem.Filesystem/ListDir", list_dir, "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  const auto allowed =
      envd.Post("/filesystem.Filesystem/ListDir", {{"X-Access-Token", token}}, list_dir, "application/json");
  ASSERT_TRUE(allowed);
  EXPECT_EQ(allowed->status, 200) << allowed->body;

  const auto unknown = raw_client("49983-inotthere-1234abcd").Get("/health");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 502);  // the edge proxy's answer for a sandbox that is not there
}

TEST_F(HttpsRealLike, AClientThatDoesNotTrustTheCaFailsWithTheTlsError) {
  auto untrusted = options();
  untrusted.ca_file.clear();  // the system store, which does not hold the test CA
  prime::SandboxClient client{prime::APIClient(untrusted)};
  try {
    client.list();
    FAIL() << "the certificate was accepted";
  } catch (const prime::APIError& e) {
    EXPECT_NE(std::string(e.what()).find("TLS failure"), std::string::npos) << e.what();
  }

  // Below the Prime layer it is the transport's TLS kind, not a retryable connection error.
  prime::APIClient api(untrusted);
  try {
    api.control_plane().list_sandboxes({});
    FAIL() << "the certificate was accepted";
  } catch (const core::TransportError& e) {
    EXPECT_EQ(e.kind(), core::TransportError::Kind::tls) << e.what();
  }
  EXPECT_TRUE(server_->journal().query({}).empty()) << "a request got through the failed handshake";
}

TEST_F(HttpsRealLike, VerifyTlsOffConnectsWithoutTheCa) {
  auto insecure = options();
  insecure.ca_file.clear();
  insecure.verify_tls = false;
  prime::SandboxClient client{prime::APIClient(insecure)};
  const auto created = client.create(request("insecure"));
  EXPECT_EQ(client.get(created.id).id, created.id);
}

TEST_F(HttpsRealLike, InjectedFaultsBehaveAsOverPlainHttp) {
  prime::SandboxClient client{prime::APIClient(options())};
  const auto id = client.create(request("faulty")).id;
  // Each fires once on GET /sandboxes/<id>; the idempotent get retries past it.
  add_fault({{"id", "reset"}, {"match", {{"method", "GET"}, {"path", "^/sandboxes/"}}},
             {"action", {{"type", "reset"}, {"when", "before_response"}}}, {"trigger", {{"first", 1}}}});
  EXPECT_EQ(client.get(id).id, id);
  add_fault({{"id", "cut"}, {"match", {{"method", "GET"}, {"path", "^/sandboxes/"}}},
             {"action", {{"type", "reset"}, {"when", "mid_body"}}}, {"trigger", {{"first", 1}}}});
  EXPECT_EQ(client.get(id).id, id);
  add_fault({{"id", "busy"}, {"match", {{"method", "GET"}, {"path", "^/sandboxes/"}}},
             {"action", {{"type", "error"}, {"status", 503}}}, {"trigger", {{"first", 1}}}});
  EXPECT_EQ(client.get(id).id, id);
  for (const auto& rule : server_->faults().rules()) EXPECT_EQ(rule.fired, 1) << rule.rule.id;
}

TEST_F(HttpsRealLike, UnusableTlsFilesAreAClearErrorNotACrash) {
  auto config_with = [&](std::string cert, std::string key) {
    ppio_mock::ServerConfig config;
    config.tls_cert_file = std::move(cert);
    config.tls_key_file = std::move(key);
    return config;
  };
  const auto message_of = [](const ppio_mock::ServerConfig& config) -> std::string {
    try {
      ppio_mock::Server server(config);
      server.start();
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(message_of(config_with(ca_.cert_file(), "")).find("needs both"), std::string::npos);
  EXPECT_NE(message_of(config_with("", ca_.key_file())).find("needs both"), std::string::npos);
  EXPECT_NE(message_of(config_with(ca_.dir() + "/missing.crt", ca_.key_file())).find("cannot read"),
            std::string::npos);
  // The CA's key does not belong to the server's certificate, and a key is not a certificate.
  EXPECT_NE(message_of(config_with(ca_.cert_file(), ca_.dir() + "/ca.key")).find("not a PEM certificate"),
            std::string::npos);
  EXPECT_NE(message_of(config_with(ca_.key_file(), ca_.key_file())).find("not a PEM certificate"),
            std::string::npos);
}

}  // namespace
