#pragma once
// envd, the in-sandbox daemon, on the control plane's port: /health, /files,
// /envs, /metrics and the Connect RPC services process.Process and
// filesystem.Filesystem. A request reaches a sandbox by the E2b-Sandbox-Id
// (or Novita-Sandbox-Id) header, by the Host 49983-<id>.<domain>, or by the
// path prefix /envd/<id>/.
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/envd/sandbox_dirs.hpp"
#include "mockserver/exec/executor.hpp"
#include "mockserver/exec/process_table.hpp"
#include "mockserver/exec/watch_table.hpp"
#include "mockserver/faults/engine.hpp"
#include "mockserver/state/registry.hpp"

namespace ppio_mock::envd {

struct EnvdConfig {
  std::string state_dir;                              // empty: a temporary directory
  std::string executor = "auto";                      // auto | bwrap | host
  std::size_t output_cap_bytes = 16u << 20;           // stdout+stderr kept per process
  std::size_t max_upload_bytes = std::size_t{4} << 30;  // one POST /files body
};

// The sandbox id an envd request names (header, Host or /envd/<id>/ prefix), or nullopt.
std::optional<std::string> routed_sandbox_id(const httplib::Request& req);
// POST /files (plain or prefixed): the one route whose body may exceed the control plane's limit.
bool is_file_upload(const httplib::Request& req);

// What a server stream sends (a process's events, a watcher's), and the fault
// actions to carry out on it; defined in envd_routes.cpp.
class StreamSource;
struct StreamFaults;
struct Frame;
struct FramesSent;

class EnvdRoutes {
 public:
  EnvdRoutes(state::Registry& registry, EnvdConfig config, std::size_t max_rpc_body_bytes);
  ~EnvdRoutes();
  EnvdRoutes(const EnvdRoutes&) = delete;
  EnvdRoutes& operator=(const EnvdRoutes&) = delete;

  // Mount before the control plane: envd owns GET /health and answers the
  // control plane's 200 itself when the request is not envd traffic.
  void mount(httplib::Server& server);
  // The registry's observer: pausing or removing a sandbox ends its processes
  // and its watchers; removing it deletes its files.
  void on_sandbox_event(const std::string& sandbox_id, state::SandboxEvent event);
  // Ends every process, so open streams finish before the HTTP server stops.
  void shutdown();
  // The rules about a Process.Start's command are decided here, once the body
  // is read; the stream actions (stream_cut, kill_sandbox, latency between
  // frames) of every rule that fired on a stream are carried out here.
  void use_faults(faults::FaultEngine& engine) { faults_ = &engine; }

  const exec::Executor& executor() const { return *executor_; }
  const std::string& state_dir() const { return dirs_.state_dir(); }

 private:
  struct Call;
  using Handler = std::function<void(Call&, const httplib::Request&, httplib::Response&)>;

  Call admit(const httplib::Request& req, const httplib::Match& match, bool token_required);
  httplib::Server::Handler http_route(Handler handler, bool token_required);
  httplib::Server::Handler rpc_route(const std::string& service);

  // HTTP endpoints.
  void health(const httplib::Request& req, httplib::Response& res);
  void envs(Call& call, const httplib::Request& req, httplib::Response& res);
  void metrics(Call& call, const httplib::Request& req, httplib::Response& res);
  void download(Call& call, const httplib::Request& req, httplib::Response& res);
  void upload(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader);

  // Connect RPC: one handler per method.
  nlohmann::json process_list(Call& call, const nlohmann::json& body);
  nlohmann::json process_send_input(Call& call, const nlohmann::json& body);
  nlohmann::json process_send_signal(Call& call, const nlohmann::json& body);
  nlohmann::json process_close_stdin(Call& call, const nlohmann::json& body);
  nlohmann::json process_update(Call& call, const nlohmann::json& body);
  std::shared_ptr<exec::Subscription> process_start(Call& call, const nlohmann::json& body,
                                                    const httplib::Request& req);
  std::shared_ptr<exec::Subscription> process_connect(Call& call, const nlohmann::json& body);
  nlohmann::json fs_stat(Call& call, const nlohmann::json& body);
  nlohmann::json fs_make_dir(Call& call, const nlohmann::json& body);
  nlohmann::json fs_move(Call& call, const nlohmann::json& body);
  nlohmann::json fs_list_dir(Call& call, const nlohmann::json& body);
  nlohmann::json fs_remove(Call& call, const nlohmann::json& body);
  std::shared_ptr<StreamSource> fs_watch_dir(Call& call, const nlohmann::json& body, const httplib::Request& req);
  nlohmann::json fs_create_watcher(Call& call, const nlohmann::json& body);
  nlohmann::json fs_get_watcher_events(Call& call, const nlohmann::json& body);
  nlohmann::json fs_remove_watcher(Call& call, const nlohmann::json& body);

  static void streaming_error_or_unary(httplib::Response& res, bool streaming,
                                       const ppio_sandbox::core::connect::Error& error);
  bool command_faults(const Call& call, const nlohmann::json& body, const httplib::Request& req,
                      httplib::Response& res);
  StreamFaults stream_faults(const Call& call) const;
  void stream(httplib::Response& res, std::shared_ptr<StreamSource> source, std::chrono::milliseconds keepalive,
              StreamFaults faults);
  bool write_frames(httplib::DataSink& sink, const std::vector<Frame>& frames, const StreamFaults& faults,
                    FramesSent& sent) const;
  void kill_for_fault(const std::string& team, const std::string& sandbox_id);

  state::Registry& registry_;
  EnvdConfig config_;
  std::size_t max_rpc_body_;
  SandboxDirs dirs_;
  std::unique_ptr<exec::Executor> executor_;
  exec::ProcessTable processes_;
  exec::WatchTable watches_;
  faults::FaultEngine* faults_ = nullptr;
  std::atomic<bool> stopping_{false};
};

}  // namespace ppio_mock::envd
