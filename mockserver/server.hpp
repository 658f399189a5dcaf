#pragma once
// The fake PPIO server, embeddable:
//   ppio_mock::Server server;            // defaults: 127.0.0.1, any free port
//   server.start();
//   auto url = server.url();             // http://127.0.0.1:<port> (https:// with tls_cert_file)
//   ...                                  // point the SDK or the e2b npm SDK here
//   server.stop();                       // also done by the destructor
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mockserver/admin/journal.hpp"
#include "mockserver/data_files.hpp"
#include "mockserver/envd/envd_routes.hpp"
#include "mockserver/faults/engine.hpp"
#include "mockserver/net/worker_pool.hpp"
#include "mockserver/state/clock.hpp"
#include "mockserver/state/registry.hpp"

namespace ppio_mock {

inline constexpr const char* kDefaultApiKey = "sk_mock_default_key";
inline constexpr const char* kDefaultTeam = "team-default";
inline constexpr const char* kDefaultAdminToken = "ppio-mock-admin";

struct ServerConfig {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port; read it back with Server::port()
  // API key -> team. Empty (and no tenants_file): kDefaultApiKey for kDefaultTeam.
  std::map<std::string, std::string> api_keys;
  std::string tenants_file;  // {"keys": {"<api key>": "<team>"}}, merged with api_keys
  std::string templates_file;  // empty: the compiled-in fixtures/templates.json
  std::uint64_t seed = 0;      // ids, tokens and injected faults derive from it
  std::size_t max_body_bytes = 1 << 20;
  std::string envd_version = "0.6.13";
  int max_timeout_seconds = 24 * 3600;
  // Reported as each sandbox's domain, so clients reach envd at 49983-<id>.<domain>.
  // Clients append it verbatim, so a fake off port 443 names its port: mock.ppio.test:8443.
  std::string domain;
  bool legacy_v1 = false;             // PPIO v1 domain: "<id>-<clientID>" ids, 1 h cap unless long_running
  // What a create without `secure` gets; unset: secure on the modern domain, not on legacy_v1.
  std::optional<bool> secure_by_default;
  int max_concurrent_sandboxes = 0;   // running sandboxes per team; 0: unlimited
  double rate_limit_per_second = 0;   // control-plane requests per team; 0: unlimited
  double rate_limit_burst = 10;
  std::string admin_token = kDefaultAdminToken;  // X-Admin-Token for /_mock/
  std::size_t journal_size = 1000;               // requests the journal keeps
  envd::EnvdConfig envd;                         // files and processes of the sandboxes
  std::vector<std::string> scenario_files;       // fault scenarios loaded at start (fixtures/scenarios/*.json)
  std::string scenario_dir = default_scenario_dir();  // where /_mock/faults finds {"scenario": "<name>"}
  // HTTP workers: cpp-httplib serves a connection on one thread for its whole
  // life, and envd streams hold theirs open. A thread starts for each
  // connection that finds none idle, up to this cap (past it, connections
  // wait and /_mock/state counts them); a thread idle this long leaves.
  std::size_t http_max_threads = 4096;
  int http_idle_thread_seconds = 30;
  // Keep-alive as E2B's edge keeps it: an idle connection stays 620 s, and
  // serves any number of requests (0: no cap).
  int keep_alive_seconds = 620;
  std::size_t keep_alive_max_requests = 0;
  // HTTPS instead of HTTP: a PEM certificate (chain) and its private key, both
  // or neither. Real-like mode: a certificate for 127.0.0.1, api.<domain> and
  // *.<domain>, signed by a test CA the client trusts (tests/support/make_test_ca.sh).
  std::string tls_cert_file;
  std::string tls_key_file;
};

class Server {
 public:
  // Throws std::runtime_error when the TLS files are missing, unreadable or
  // not a certificate and its key.
  explicit Server(ServerConfig config = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on a background thread. Throws std::runtime_error
  // when the address cannot be bound.
  void start();
  // Stops serving and joins the thread. Safe to call twice.
  void stop();

  int port() const;
  std::string url() const;
  const ServerConfig& config() const;
  state::VirtualClock& clock();
  state::Registry& registry();
  admin::Journal& journal();
  faults::FaultEngine& faults();
  // "bwrap" or "host": how this server runs commands.
  std::string executor_name() const;
  // envd: the sandboxes' environments, processes and files.
  envd::EnvdRoutes& envd();
  // Where the sandboxes' root directories live.
  std::string state_dir() const;
  // The HTTP workers now (all zero before start), and the listening socket's backlog.
  net::WorkerStats http_workers() const;
  int listen_backlog() const;
  // Connections relayed to sandbox ports now.
  std::size_t open_port_relays() const;
  // Handler exceptions nothing mapped (each answered 500): bugs in the fake.
  std::uint64_t unexpected_errors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ppio_mock
