// Sandbox ports through the edge: a real server inside a sandbox, reached by
// Host <port>-<id>.<domain> and by E2b-Sandbox-Id/E2b-Sandbox-Port, and every
// answer the edge gives instead (E2B's proxy's bodies).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "mockserver/envd/ports.hpp"
#include "tests/unit/envd/envd_fixture.hpp"

namespace envd_test {
namespace {

// HTTP/1.1 on 127.0.0.1:8000 inside the sandbox: GET answers what it was sent
// (method, path, Host, X-Forwarded-Host); POST /echo reads a chunked or sized
// body and streams it back reversed in 64 KiB chunks; GET /ws answers 101 and
// then echoes raw bytes until the client closes.
constexpr const char* kServer = R"PY(
import http.server, json, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): pass
    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.send_response(101)
            self.send_header("Upgrade", "websocket")
            self.send_header("Connection", "Upgrade")
            self.end_headers()
            self.wfile.flush()
            while True:
                data = self.connection.recv(65536)
                if not data: return
                self.connection.sendall(data)
        body = json.dumps({"method": self.command, "path": self.path, "host": self.headers.get("Host"),
                           "forwardedHost": self.headers.get("X-Forwarded-Host")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "") == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
        else:
            data = self.rfile.read(int(self.headers["Content-Length"]))
        data = data[::-1]
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for i in range(0, len(data), 65536):
            piece = data[i:i + 65536]
            self.wfile.write(b"%x\r\n" % len(piece) + piece + b"\r\n")
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
S(("127.0.0.1", 8000), H).serve_forever()
)PY";

class PortsEdge : public EnvdTest {
 protected:
  // Starts the server in `id` and returns once it listens (the wait happens inside the sandbox).
  void start_server(const std::string& id) {
    const std::string command = "cat > /home/user/srv.py <<'EOF'\n" + std::string(kServer) +
                                "\nEOF\n"
                                "nohup python3 /home/user/srv.py >/dev/null 2>&1 &\n"
                                "for i in $(seq 1 400); do (exec 3<>/dev/tcp/127.0.0.1/8000) 2>/dev/null && exit 0; "
                                "sleep 0.05; done; exit 1";
    json body{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", command}}}}, {"stdin", false}};
    auto client = envd(id);
    const auto result = read_stream(*client, "/process.Process/Start", body);
    ASSERT_TRUE(result.end.has_value());
    ASSERT_EQ(result.end->exit_code, 0) << result.stderr_text;
  }

  // A client that names the sandbox port in its Host.
  std::unique_ptr<httplib::Client> port_client(const std::string& id, int port = 8000,
                                               httplib::Headers extra = {}) const {
    auto client = std::make_unique<httplib::Client>(server_.url());
    extra.emplace("Host", std::to_string(port) + "-" + id + ".mock.test");
    client->set_default_headers(extra);
    client->set_read_timeout(30, 0);
    return client;
  }

  // A raw connection to the fake.
  int dial() const {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(server_.port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const timeval patience{30, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &patience, sizeof patience);
    return fd;
  }

  static void send_all(int fd, const std::string& bytes) {
    ASSERT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL), static_cast<ssize_t>(bytes.size()));
  }

  // Reads until `until` appears (or the peer closes); what was read.
  static std::string read_until(int fd, const std::string& until) {
    std::string out;
    char buf[4096];
    while (out.find(until) == std::string::npos) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }

  // Opens a WebSocket to the sandbox's port 8000 and checks the 101; the socket.
  int open_websocket(const std::string& id) {
    const int fd = dial();
    send_all(fd, "GET /ws HTTP/1.1\r\nHost: 8000-" + id +
                     ".mock.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    const auto head = read_until(fd, "\r\n\r\n");
    EXPECT_TRUE(head.starts_with("HTTP/1.1 101")) << head;
    return fd;
  }

  void wait_relays_closed() {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (server_.open_port_relays() != 0 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    EXPECT_EQ(server_.open_port_relays(), 0u);
  }

  static void expect_edge_error(const httplib::Result& res, int status, const std::string& id,
                                const std::string& message) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json; charset=utf-8");
    const auto body = json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << res->body;
    EXPECT_EQ(body["sandboxId"], id) << res->body;
    EXPECT_EQ(body["message"], message) << res->body;
    EXPECT_EQ(body["code"], status) << res->body;
  }
};

TEST_F(PortsEdge, AGetReachesTheSandboxServerByHost) {
  start_server(id_);
  const auto res = port_client(id_)->Get("/hello?x=1");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto body = json::parse(res->body);
  EXPECT_EQ(body["method"], "GET");
  EXPECT_EQ(body["path"], "/hello?x=1");
  EXPECT_EQ(body["host"], "8000-" + id_ + ".mock.test");  // unmasked: the Host as sent
  EXPECT_TRUE(body["forwardedHost"].is_null());
}

TEST_F(PortsEdge, AClientSuffixInTheHostNamesTheSameSandbox) {
  start_server(id_);
  auto client = std::make_unique<httplib::Client>(server_.url());
  client->set_default_headers({{"Host", "8000-" + id_ + "-6532622b.mock.test"}});
  const auto res = client->Get("/suffix");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(PortsEdge, AGetReachesTheSandboxServerByHeaders) {
  start_server(id_);
  httplib::Client client(server_.url());
  client.set_default_headers({{"E2b-Sandbox-Id", id_}, {"E2b-Sandbox-Port", "8000"}});
  const auto res = client.Get("/by-header");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["path"], "/by-header");
  // envd keeps its port: the same headers with 49983 are envd's /health.
  httplib::Client envd_client(server_.url());
  envd_client.set_default_headers({{"E2b-Sandbox-Id", id_}, {"E2b-Sandbox-Port", "49983"}});
  const auto health = envd_client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 204);
}

TEST_F(PortsEdge, APostStreamsItsBodyUpAndTheAnswerDown) {
  start_server(id_);
  std::string payload;
  for (int i = 0; payload.size() < (3u << 20); ++i) payload += "chunk-" + std::to_string(i) + ";";
  // Sent chunked in 100 KiB pieces, with no length known in advance.
  std::size_t sent = 0;
  const auto res = port_client(id_)->Post(
      "/echo",
      [&](std::size_t, httplib::DataSink& sink) {
        if (sent == payload.size()) {
          sink.done();
          return true;
        }
        const auto n = std::min<std::size_t>(100 * 1024, payload.size() - sent);
        sink.write(payload.data() + sent, n);
        sent += n;
        return true;
      },
      "application/octet-stream");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Transfer-Encoding"), "chunked");
  ASSERT_EQ(res->body.size(), payload.size());
  EXPECT_TRUE(std::equal(res->body.begin(), res->body.end(), payload.rbegin()));
}

TEST_F(PortsEdge, AWebSocketUpgradeRelaysBytesBothWaysUntilClosed) {
  start_server(id_);
  const int fd = open_websocket(id_);
  for (const std::string& message : std::vector<std::string>{"hello", std::string(200000, 'w'), "bye"}) {
    send_all(fd, message);
    std::string echoed;
    char buf[65536];
    while (echoed.size() < message.size()) {
      const auto n = ::recv(fd, buf, sizeof buf, 0);
      ASSERT_GT(n, 0);
      echoed.append(buf, static_cast<std::size_t>(n));
    }
    EXPECT_EQ(echoed, message);
  }
  EXPECT_EQ(server_.open_port_relays(), 1u);
  ::close(fd);
  wait_relays_closed();
}

TEST_F(PortsEdge, KillingTheSandboxEndsItsRelaysAndThen502NotFound) {
  start_server(id_);
  const int fd = open_websocket(id_);
  ASSERT_EQ(api_->Delete("/sandboxes/" + id_)->status, 204);
  char byte;
  EXPECT_LE(::recv(fd, &byte, 1, 0), 0);  // the connection ends, with no answer
  ::close(fd);
  wait_relays_closed();
  expect_edge_error(port_client(id_)->Get("/"), 502, id_, "The sandbox was not found");
}

TEST_F(PortsEdge, AnUnknownSandboxIs502NotFoundByHostAndByHeader) {
  expect_edge_error(port_client("inosuchsandbox")->Get("/"), 502, "inosuchsandbox", "The sandbox was not found");
  httplib::Client client(server_.url());
  client.set_default_headers({{"E2b-Sandbox-Id", "inosuchsandbox"}, {"E2b-Sandbox-Port", "3000"}});
  expect_edge_error(client.Post("/x", "body", "text/plain"), 502, "inosuchsandbox", "The sandbox was not found");
}

TEST_F(PortsEdge, APortNobodyListensOnIs502PortNotOpen) {
  // Before any command (no environment yet) and after one (a live environment, port 8001 closed).
  for (int round = 0; round < 2; ++round) {
    const auto res = port_client(id_, 8001)->Get("/");
    expect_edge_error(res, 502, id_, "The sandbox is running but port is not open");
    EXPECT_EQ(json::parse(res->body)["port"], 8001);
    if (round == 0) start_server(id_);
  }
  EXPECT_EQ(port_client(id_, 8000)->Get("/")->status, 200);
}

TEST_F(PortsEdge, ABadPortHeaderIs400) {
  httplib::Client client(server_.url());
  client.set_default_headers({{"E2b-Sandbox-Id", id_}, {"E2b-Sandbox-Port", "eighty"}});
  const auto res = client.Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(res->body, "Invalid sandbox port\n");
}

TEST_F(PortsEdge, APortNoServerCanHaveIsNotOpenAndANumberTooLongIs400) {
  start_server(id_);
  const auto res = port_client(id_, 99999)->Get("/");
  expect_edge_error(res, 502, id_, "The sandbox is running but port is not open");
  EXPECT_EQ(json::parse(res->body)["port"], 99999);
  httplib::Client client(server_.url());
  client.set_default_headers({{"E2b-Sandbox-Id", id_}, {"E2b-Sandbox-Port", "12345678901234567890123"}});
  const auto too_long = client.Get("/");
  ASSERT_TRUE(too_long);
  EXPECT_EQ(too_long->status, 400);
  EXPECT_EQ(port_client(id_)->Get("/")->status, 200);  // the sandbox's server is unharmed
}

TEST_F(PortsEdge, APrivateSandboxWantsItsTrafficToken) {
  const auto res = api_->Post("/sandboxes",
                              json{{"templateID", "base"}, {"secure", true}, {"network", {{"allowPublicTraffic", false}}}}
                                  .dump(),
                              "application/json");
  ASSERT_EQ(res->status, 201);
  const auto created = json::parse(res->body);
  const std::string id = created["sandboxID"];
  tokens_[id] = created["envdAccessToken"];
  const std::string token = created["trafficAccessToken"];
  start_server(id);
  expect_edge_error(port_client(id)->Get("/"), 403, id,
                    "Sandbox is secured with traffic access token. Token header 'e2b-traffic-access-token' is missing");
  expect_edge_error(port_client(id, 8000, {{"e2b-traffic-access-token", "wrong"}})->Get("/"), 403, id,
                    "Sandbox is secured with traffic access token. Provided token is invalid.");
  const auto ok = port_client(id, 8000, {{"e2b-traffic-access-token", token}})->Get("/");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200) << ok->body;
}

TEST_F(PortsEdge, TheHostIsMaskedAsTheSandboxSays) {
  const std::string id = create_sandbox(
      json{{"templateID", "base"}, {"network", {{"maskRequestHost", "localhost:${PORT}"}}}});
  start_server(id);
  const auto res = port_client(id)->Get("/masked");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto body = json::parse(res->body);
  EXPECT_EQ(body["host"], "localhost:8000");
  EXPECT_EQ(body["forwardedHost"], "8000-" + id + ".mock.test");
}

TEST_F(PortsEdge, APausedSandboxWithoutAutoResumeIs409) {
  start_server(id_);
  ASSERT_EQ(api_->Post("/sandboxes/" + id_ + "/pause")->status, 204);
  const auto res = port_client(id_)->Get("/");
  expect_edge_error(res, 409, id_, "The sandbox is paused");
  EXPECT_EQ(json::parse(res->body)["canAutoResume"], false);
}

TEST_F(PortsEdge, TrafficWakesAPausedSandboxWithAutoResume) {
  const std::string id =
      create_sandbox(json{{"templateID", "base"}, {"autoPause", true}, {"autoResume", {{"enabled", true}}}});
  start_server(id);
  ASSERT_EQ(api_->Post("/sandboxes/" + id + "/pause")->status, 204);
  ASSERT_EQ(json::parse(api_->Get("/sandboxes/" + id)->body)["state"], "paused");
  const auto res = port_client(id)->Get("/after-resume");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["path"], "/after-resume");
  EXPECT_EQ(json::parse(api_->Get("/sandboxes/" + id)->body)["state"], "running");
}

TEST_F(PortsEdge, StoppingTheServerEndsOpenRelays) {
  start_server(id_);
  const int fd = open_websocket(id_);
  server_.stop();
  char byte;
  EXPECT_LE(::recv(fd, &byte, 1, 0), 0);
  EXPECT_EQ(server_.open_port_relays(), 0u);
  ::close(fd);
}

TEST(PortTarget, ParsesTheHostAsE2BDoes) {
  auto target_of = [](httplib::Headers headers) {
    httplib::Request req;
    req.headers = std::move(headers);
    return ppio_mock::envd::port_target(req);
  };
  auto t = target_of({{"Host", "8080-iabc-6532622b.sandbox.ppio.cn"}});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->sandbox_id, "iabc");
  EXPECT_EQ(t->port, "8080");
  EXPECT_FALSE(target_of({{"Host", "49983-iabc.sandbox.ppio.cn"}}));  // envd
  EXPECT_FALSE(target_of({{"Host", "127.0.0.1:3000"}}));
  EXPECT_FALSE(target_of({{"Host", "api.sandbox.ppio.cn"}}));
  EXPECT_FALSE(target_of({{"E2b-Sandbox-Id", "iabc"}, {"E2b-Sandbox-Port", "49983"}}));
  EXPECT_FALSE(target_of({{"E2b-Sandbox-Id", "iabc"}}));
  t = target_of({{"Host", "127.0.0.1:3000"}, {"E2b-Sandbox-Id", "iabc"}, {"E2b-Sandbox-Port", "3000"}});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->port, "3000");
}

TEST(MaskHost, ReplacesTheHostAndKeepsTheOriginal) {
  const std::string head = "GET / HTTP/1.1\r\nhost: 3000-iabc.mock\r\nX-Forwarded-Host: spoofed\r\nA: b\r\n\r\n";
  EXPECT_EQ(ppio_mock::envd::mask_host(head, "${PORT}.internal:${PORT}", 3000),
            "GET / HTTP/1.1\r\nA: b\r\nHost: 3000.internal:3000\r\nX-Forwarded-Host: 3000-iabc.mock\r\n\r\n");
}

}  // namespace
}  // namespace envd_test
