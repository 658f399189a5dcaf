#include "mockserver/server.hpp"

#include <httplib.h>
#include <openssl/err.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "mockserver/admin/admin_routes.hpp"
#include "mockserver/admin/fault_routes.hpp"
#include "mockserver/faults/http_faults.hpp"
#include "mockserver/api/control_plane_routes.hpp"
#include "mockserver/api/http_edge.hpp"
#include "mockserver/envd/ports.hpp"
#include "mockserver/net/edge_server.hpp"
#include "mockserver/net/sockets.hpp"

namespace ppio_mock {

namespace {

state::Tenants tenants_for(const ServerConfig& config) {
  if (config.api_keys.empty() && config.tenants_file.empty()) {
    return state::Tenants(std::map<std::string, std::string>{{kDefaultApiKey, kDefaultTeam}});
  }
  auto tenants = config.tenants_file.empty() ? state::Tenants() : state::Tenants::from_file(config.tenants_file);
  for (const auto& [key, team] : config.api_keys) tenants.add(key, team);
  return tenants;
}

state::TemplateCatalog templates_for(const ServerConfig& config) {
  return config.templates_file.empty() ? state::TemplateCatalog::defaults()
                                       : state::TemplateCatalog::from_file(config.templates_file);
}

state::RegistryOptions registry_options(const ServerConfig& config) {
  state::RegistryOptions options;
  options.envd_version = config.envd_version;
  options.max_timeout_seconds = config.max_timeout_seconds;
  options.seed = config.seed;
  options.legacy_v1 = config.legacy_v1;
  options.domain = config.domain;
  options.max_concurrent_per_team = config.max_concurrent_sandboxes;
  options.secure_by_default = config.secure_by_default.value_or(!config.legacy_v1);
  return options;
}

// The Content-Length a request announces; 0 when absent or not a number.
std::uint64_t content_length(const httplib::Request& req) {
  if (!req.has_header("Content-Length")) return 0;
  try {
    return std::stoull(req.get_header_value("Content-Length"));
  } catch (const std::exception&) {
    return 0;
  }
}

// The sandbox a control-plane path names, or "".
std::string sandbox_in_path(const std::string& path) {
  std::string_view p = path;
  if (p.starts_with("/v2")) p.remove_prefix(3);
  if (!p.starts_with("/sandboxes/")) return {};
  p.remove_prefix(11);
  return std::string(p.substr(0, p.find('/')));
}

// Each request is served on one thread, so what the pre-routing handler learns
// reaches the post-routing handler through these.
thread_local std::chrono::steady_clock::time_point t_request_started;
// The fault decision is faults::current_decision(): envd completes it once a command is known.

// "process.Process/Start" for a Connect call (also under /envd/<id>/), else "".
std::string rpc_in_path(std::string_view path) {
  if (path.starts_with("/envd/")) {
    const auto slash = path.find('/', 6);
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  if (path.size() < 2) return {};
  const auto rest = path.substr(1);
  const auto slash = rest.find('/');
  if (slash == std::string_view::npos || rest.substr(0, slash).find('.') == std::string_view::npos) return {};
  return std::string(rest);
}

// The sandbox an envd request is routed to (header, Host or /envd/<id>/), else
// the one a control-plane path names, else "".
std::string sandbox_of(const httplib::Request& req) {
  if (auto id = envd::routed_sandbox_id(req)) return *id;
  return sandbox_in_path(req.path);
}

// The oldest error OpenSSL queued on this thread, and the queue emptied: a
// stale entry would make this thread's next TLS call look failed.
std::string take_openssl_error() {
  char text[256] = "unknown OpenSSL error";
  if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

// Plain HTTP (with the edge's door for sandbox ports), or HTTPS
// (httplib::SSLServer, without it) when the config names a certificate and
// its key. Unusable TLS files throw std::runtime_error.
std::unique_ptr<httplib::Server> make_http_server(const ServerConfig& config) {
  const std::string& cert = config.tls_cert_file;
  const std::string& key = config.tls_key_file;
  if (cert.empty() != key.empty()) {
    throw std::runtime_error("ppio-mock: HTTPS needs both a certificate (--tls-cert) and its key (--tls-key)");
  }
  if (cert.empty()) return std::make_unique<net::EdgeServer>();
  for (const std::string* file : {&cert, &key}) {
    if (!std::ifstream(*file)) throw std::runtime_error("ppio-mock: cannot read TLS file " + *file);
  }
  auto server = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
  if (!server->is_valid()) {
    throw std::runtime_error("ppio-mock: " + cert + " and " + key +
                             " are not a PEM certificate and its private key (" + take_openssl_error() + ")");
  }
  return server;
}

void load_scenarios(faults::FaultEngine& engine, const ServerConfig& config) {
  for (const auto& file : config.scenario_files) {
    for (auto& rule : faults::load_scenario(file).rules) engine.add(std::move(rule));
  }
}

}  // namespace

struct Server::Impl {
  ServerConfig config;
  state::VirtualClock clock;
  state::Tenants tenants;
  state::Registry registry;
  state::RateLimiter limiter;
  api::ControlPlaneRoutes control_plane;
  admin::Journal journal;
  api::UnexpectedErrors unexpected;
  admin::AdminRoutes admin;
  faults::FaultEngine faults;
  admin::FaultRoutes fault_routes;
  envd::EnvdRoutes envd;
  envd::PortEdge ports;
  std::unique_ptr<httplib::Server> http_server;  // an httplib::SSLServer for HTTPS
  httplib::Server& http;
  std::thread thread;
  int port = 0;
  std::atomic<int> listen_fd{-1};  // seen by the socket-options hook, so its backlog can be widened
  // The workers of the running accept loop; httplib owns the queue it is handed.
  mutable std::mutex workers_mutex;
  std::shared_ptr<net::WorkerPool> workers;
  // One reaper for the whole registry: expired sandboxes lose their processes
  // even when no request comes in.
  std::thread reaper;
  std::mutex reaper_mutex;
  std::condition_variable reaper_cv;
  bool reaper_stop = false;

  explicit Impl(ServerConfig cfg)
      : config(std::move(cfg)),
        tenants(tenants_for(config)),
        registry(clock, templates_for(config), registry_options(config)),
        limiter(clock, config.rate_limit_per_second, config.rate_limit_burst),
        control_plane(registry, tenants, limiter),
        journal(config.journal_size),
        admin(registry, clock, journal, config.admin_token),
        faults(clock, config.seed),
        fault_routes(faults, config.admin_token, config.scenario_dir),
        envd(registry, config.envd),
        ports(registry, envd.dirs(), envd.processes()),
        http_server(make_http_server(config)),
        http(*http_server) {
    load_scenarios(faults, config);
    admin.report_server([this] {
      return nlohmann::json{{"httpWorkers", worker_stats()},
                            {"listenBacklog", listen_fd < 0 ? -1 : net::listen_backlog(listen_fd)},
                            {"unexpectedErrors", unexpected.to_json()}};
    });
    registry.set_observer([this](const std::string& id, state::SandboxEvent event) {
      ports.on_sandbox_event(id, event);
      envd.on_sandbox_event(id, event);
    });
    if (auto* edge = dynamic_cast<net::EdgeServer*>(&http)) {
      edge->set_divert([this](net::ClientConnection& c, std::string_view head) { return ports.divert(c, head); });
    }
    registry.set_storage(&envd.dirs());
    envd.use_faults(faults);
    http.set_tcp_nodelay(true);  // without it keep-alive requests stall ~40 ms each
    http.set_socket_options([this](socket_t fd) {
      const int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);  // what httplib's default does
      listen_fd = fd;
    });
    http.new_task_queue = [this] { return new PoolQueue(start_workers()); };
    http.set_keep_alive_timeout(config.keep_alive_seconds);
    http.set_keep_alive_max_count(config.keep_alive_max_requests == 0 ? std::numeric_limits<std::size_t>::max()
                                                                      : config.keep_alive_max_requests);
    // File uploads stream to disk and may be large; every other body keeps the
    // small limit, checked on Content-Length before the body is read, and as it
    // is read when it is chunked (api::Router, HttpApi::upload).
    http.set_payload_max_length(std::max(config.max_body_bytes, config.envd.max_upload_bytes));
    api::install_error_shapes(http, &unexpected);
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      t_request_started = std::chrono::steady_clock::now();
      faults::current_decision() = {};  // not the previous request's on this thread
      if (!envd::is_file_download(req)) api::ignore_range(req);  // JSON answers are never sliced
      if (api::refuse_body_never_read(req, res)) return httplib::Server::HandlerResponse::Handled;
      // Refused on Content-Length, before the body is read: the answer is sent
      // first, then the rest of the body is discarded and the connection closed.
      const std::size_t limit = envd::is_file_upload(req) ? this->config.envd.max_upload_bytes : this->config.max_body_bytes;
      if (content_length(req) > limit) {
        api::refuse_too_large(req, res);
        return httplib::Server::HandlerResponse::Handled;
      }
      const bool exempt = !faults.has_rules() || req.path.starts_with("/_mock/");
      faults::current_decision() = exempt ? faults::Decision{} : faults.decide(facts_of(req));
      return faults::apply_before_routing(faults::current_decision(), req, res, /*body_read=*/false)
                 ? httplib::Server::HandlerResponse::Handled
                 : httplib::Server::HandlerResponse::Unhandled;
    });
    // Recorded before the response is written or the connection dropped, so a
    // client that saw the answer (or the drop) always finds the request in the journal.
    http.set_post_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      record(req, res);
      faults::apply_after_routing(faults::current_decision(), req, res);
    });
    // httplib tries routes in order: the control plane's first, as it serves the
    // hot GET /sandboxes/{id}. envd owns GET /health (204 for envd traffic, 200 otherwise).
    api::Router router(http, config.max_body_bytes);
    control_plane.mount(router);
    envd.mount(router);
    admin.mount(router);
    fault_routes.mount(router);
    router.refuse_unrouted_bodies();
  }

  // httplib deletes the queue it is given when its accept loop ends; the pool
  // itself stays readable for /_mock/state until the next start.
  class PoolQueue final : public httplib::TaskQueue {
   public:
    explicit PoolQueue(std::shared_ptr<net::WorkerPool> pool) : pool_(std::move(pool)) {}
    void enqueue(std::function<void()> job) override { pool_->enqueue(std::move(job)); }
    void shutdown() override { pool_->shutdown(); }

   private:
    std::shared_ptr<net::WorkerPool> pool_;
  };

  std::shared_ptr<net::WorkerPool> start_workers() {
    auto pool = std::make_shared<net::WorkerPool>(config.http_max_threads,
                                                  std::chrono::seconds(config.http_idle_thread_seconds));
    std::lock_guard lock(workers_mutex);
    workers = pool;
    return pool;
  }

  net::WorkerStats worker_stats() const {
    std::lock_guard lock(workers_mutex);
    return workers ? workers->stats() : net::WorkerStats{};
  }

  faults::RequestFacts facts_of(const httplib::Request& req) const {
    return {.method = req.method,
            .path = req.path,
            .sandbox = sandbox_of(req),
            .team = tenants.team_for(req.get_header_value("X-API-Key")).value_or(""),
            .rpc = rpc_in_path(req.path)};
  }

  void run_reaper() {
    std::unique_lock lock(reaper_mutex);
    while (!reaper_cv.wait_for(lock, std::chrono::milliseconds(200), [this] { return reaper_stop; })) {
      lock.unlock();
      registry.expire_due();
      lock.lock();
    }
  }

  void record(const httplib::Request& req, const httplib::Response& res) {
    if (req.path.starts_with("/_mock/")) return;  // the journal shows the client's traffic only
    admin::JournalEntry entry;
    entry.at = clock.now();
    entry.method = req.method;
    entry.path = req.path;
    entry.status = res.status;
    entry.latency_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_request_started).count();
    entry.team = tenants.team_for(req.get_header_value("X-API-Key")).value_or("");
    entry.sandbox = sandbox_of(req);
    entry.faults = faults::current_decision().fired;
    entry.client_port = req.remote_port;
    journal.record(std::move(entry));
  }
};

Server::Server(ServerConfig config) : impl_(std::make_unique<Impl>(std::move(config))) {}

Server::~Server() { stop(); }

void Server::start() {
  if (impl_->thread.joinable()) return;
  const int port = impl_->config.port == 0 ? impl_->http.bind_to_any_port(impl_->config.host)
                                           : (impl_->http.bind_to_port(impl_->config.host, impl_->config.port)
                                                  ? impl_->config.port
                                                  : -1);
  if (port <= 0) {
    throw std::runtime_error("ppio-mock: cannot bind " + impl_->config.host + ":" + std::to_string(impl_->config.port));
  }
  impl_->port = port;
  impl_->ports.start();
  net::widen_backlog(impl_->listen_fd);
  net::raise_fd_limit();
  impl_->thread = std::thread([this] { impl_->http.listen_after_bind(); });
  impl_->reaper_stop = false;
  impl_->reaper = std::thread([this] { impl_->run_reaper(); });
  // stop() is a no-op until the accept loop runs, so do not return before it does.
  while (!impl_->http.is_running()) std::this_thread::yield();
}

void Server::stop() {
  if (!impl_->thread.joinable()) return;
  {
    std::lock_guard lock(impl_->reaper_mutex);
    impl_->reaper_stop = true;
  }
  impl_->reaper_cv.notify_all();
  impl_->reaper.join();
  impl_->envd.shutdown();  // open streams end, so the HTTP workers can be joined
  impl_->http.stop();
  impl_->ports.stop();  // relays to sandbox ports end, so their workers can be joined
  // A worker waiting for the next request on an idle keep-alive connection
  // would hold the join for the whole keep-alive time: wake it now.
  net::shutdown_connections(impl_->port);
  impl_->thread.join();
  impl_->listen_fd = -1;
}

int Server::port() const { return impl_->port; }
std::string Server::url() const {
  const bool tls = !impl_->config.tls_cert_file.empty();
  return (tls ? "https://" : "http://") + impl_->config.host + ":" + std::to_string(impl_->port);
}
const ServerConfig& Server::config() const { return impl_->config; }
state::VirtualClock& Server::clock() { return impl_->clock; }
state::Registry& Server::registry() { return impl_->registry; }
admin::Journal& Server::journal() { return impl_->journal; }
faults::FaultEngine& Server::faults() { return impl_->faults; }
std::string Server::executor_name() const { return impl_->envd.executor().name(); }
envd::EnvdRoutes& Server::envd() { return impl_->envd; }
std::string Server::state_dir() const { return impl_->envd.state_dir(); }
net::WorkerStats Server::http_workers() const { return impl_->worker_stats(); }
std::size_t Server::open_port_relays() const { return impl_->ports.open_relays(); }
std::uint64_t Server::unexpected_errors() const { return impl_->unexpected.count(); }
int Server::listen_backlog() const { return impl_->listen_fd < 0 ? -1 : net::listen_backlog(impl_->listen_fd); }

}  // namespace ppio_mock
