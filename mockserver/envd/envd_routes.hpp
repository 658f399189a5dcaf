#pragma once
// envd, the in-sandbox daemon, on the control plane's port: its routes and
// the edge they share. Laid out as E2B's envd is:
//   edge.*             which sandbox, which user, access tokens
//   api/               /health, /envs, /metrics, /files (download.cpp, upload.cpp)
//   process/           process.Process, one handler per RPC
//   filesystem/        filesystem.Filesystem, one handler per RPC
//   connect_stream.*   Connect framing: request messages, errors, server streams
// This file mounts them and maps their errors to HTTP or Connect, once.
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/envd/api/http_api.hpp"
#include "mockserver/envd/connect_stream.hpp"
#include "mockserver/envd/edge.hpp"
#include "mockserver/envd/filesystem/filesystem_service.hpp"
#include "mockserver/envd/process/process_service.hpp"
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

class EnvdRoutes {
 public:
  EnvdRoutes(state::Registry& registry, EnvdConfig config);
  ~EnvdRoutes();
  EnvdRoutes(const EnvdRoutes&) = delete;
  EnvdRoutes& operator=(const EnvdRoutes&) = delete;

  // envd owns GET /health and answers the control plane's 200 itself when the
  // request is not envd traffic.
  void mount(api::Router& router);
  // The registry's observer: pausing a sandbox freezes its processes (and
  // drops its streams), resuming continues them; removing it ends its
  // environment and watchers, then deletes its files.
  void on_sandbox_event(const std::string& sandbox_id, state::SandboxEvent event);
  // Ends every process, so open streams finish before the HTTP server stops.
  void shutdown();
  // The rules about a Process.Start's command are decided here, once the body
  // is read; the stream actions (stream_cut, kill_sandbox, latency between
  // frames) of every rule that fired on a stream are carried out here.
  void use_faults(faults::FaultEngine& engine);

  const exec::Executor& executor() const { return *executor_; }
  exec::ProcessTable& processes() { return processes_; }
  const std::string& state_dir() const { return dirs_.state_dir(); }
  // The sandboxes' files, as the registry's SandboxStorage (snapshots, forks).
  SandboxDirs& dirs() { return dirs_; }

 private:
  using HttpHandler = std::function<void(Call&, const httplib::Request&, httplib::Response&)>;
  using UnaryRpc = std::function<nlohmann::json(Call&, const nlohmann::json&)>;
  using StreamingRpc =
      std::function<std::shared_ptr<StreamSource>(Call&, const nlohmann::json&, const httplib::Request&)>;

  // `signed_operation` ("read"/"write"): the route also takes a signed URL instead of the token.
  httplib::Server::Handler http_route(HttpHandler handler, bool token_required, const char* signed_operation = nullptr);
  httplib::Server::Handler rpc_route(const std::string& service);
  void serve_rpc(const std::string& name, bool streaming, const httplib::Request& req, httplib::Response& res);
  void register_rpcs();
  bool command_faults(const Call& call, const nlohmann::json& body, const httplib::Request& req,
                      httplib::Response& res);
  void kill_for_fault(const std::string& team, const std::string& sandbox_id);

  state::Registry& registry_;
  EnvdConfig config_;
  SandboxDirs dirs_;
  std::unique_ptr<exec::Executor> executor_;
  exec::ProcessTable processes_;
  exec::WatchTable watches_;
  faults::FaultEngine* faults_ = nullptr;
  std::atomic<bool> stopping_{false};
  Edge edge_;
  HttpApi http_api_;
  ProcessService process_;
  FilesystemService filesystem_;
  StreamWriter streams_;
  std::map<std::string, UnaryRpc> unary_;          // "<service>/<method>" -> handler
  std::map<std::string, StreamingRpc> streaming_;  // the server streams
};

}  // namespace ppio_mock::envd
