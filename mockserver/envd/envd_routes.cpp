#include "mockserver/envd/envd_routes.hpp"

#include <iostream>

#include "mockserver/faults/http_faults.hpp"
#include "mockserver/state/service_error.hpp"
#include "ppio_sandbox/core/envd_models.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace connect = ppio_sandbox::core::connect;
namespace models = ppio_sandbox::core::envd;

namespace {

// File metadata lives in user.e2b.* extended attributes; a filesystem without user xattrs
// (some tmpfs and overlay setups) cannot keep it, and the fake says so once, at start.
bool probe_user_xattrs(const std::string& state_dir) {
  const bool ok = exec::user_xattrs_supported(state_dir);
  if (!ok) {
    std::cerr << "ppio-mock: the filesystem under " << state_dir
              << " has no user extended attributes: uploads with file metadata (X-Metadata-*) are refused\n";
  }
  return ok;
}

}  // namespace

EnvdRoutes::EnvdRoutes(state::Registry& registry, EnvdConfig config)
    : registry_(registry),
      config_(std::move(config)),
      dirs_(config_.state_dir),
      executor_(exec::choose_executor(config_.executor)),
      processes_(*executor_, config_.output_cap_bytes),
      edge_(registry_, dirs_),
      http_api_(edge_, registry_, probe_user_xattrs(dirs_.state_dir()), config_.max_upload_bytes),
      process_(registry_, processes_),
      filesystem_(watches_),
      streams_(stopping_, [this](const std::string& team, const std::string& id) { kill_for_fault(team, id); }) {
  register_rpcs();
  std::cerr << "ppio-mock: limits per sandbox (memoryMB and maxProcesses of its template): "
            << processes_.resources().describe(executor_->isolates()) << "\n";
  processes_.set_log([this](const std::string& id, const std::string& level, const std::string& message) {
    registry_.append_log(id, level, message);
  });
}

EnvdRoutes::~EnvdRoutes() { shutdown(); }

void EnvdRoutes::shutdown() {
  stopping_ = true;
  processes_.kill_all();
}

void EnvdRoutes::use_faults(faults::FaultEngine& engine) {
  faults_ = &engine;
  streams_.use_faults(engine);
}

void EnvdRoutes::on_sandbox_event(const std::string& sandbox_id, state::SandboxEvent event) {
  switch (event) {
    case state::SandboxEvent::paused:  // as a VM's memory is kept: frozen, its streams dropped
      processes_.pause_sandbox(sandbox_id);
      watches_.drop_streams(sandbox_id);
      break;
    case state::SandboxEvent::resumed:
      processes_.resume_sandbox(sandbox_id);
      break;
    case state::SandboxEvent::removed:  // everything in it ends, its init included, then its files go
      processes_.kill_sandbox(sandbox_id);
      watches_.close_sandbox(sandbox_id);
      dirs_.remove(sandbox_id);
      break;
    case state::SandboxEvent::created:  // its environment starts with its first command
      break;
  }
}

void EnvdRoutes::register_rpcs() {
  const auto unary = [this](const std::string& name, auto service, auto method) {
    unary_[name] = [service, method](Call& call, const json& body) { return (service->*method)(call, body); };
  };
  const auto streaming = [this](const std::string& name, auto service, auto method) {
    streaming_[name] = [service, method](Call& call, const json& body, const httplib::Request& req) {
      return (service->*method)(call, body, req);
    };
  };
  streaming("process.Process/Start", &process_, &ProcessService::start);
  streaming("process.Process/Connect", &process_, &ProcessService::connect);
  unary("process.Process/List", &process_, &ProcessService::list);
  unary("process.Process/SendInput", &process_, &ProcessService::send_input);
  unary("process.Process/SendSignal", &process_, &ProcessService::send_signal);
  unary("process.Process/CloseStdin", &process_, &ProcessService::close_stdin);
  unary("process.Process/Update", &process_, &ProcessService::update);
  unary("filesystem.Filesystem/Stat", &filesystem_, &FilesystemService::stat);
  unary("filesystem.Filesystem/MakeDir", &filesystem_, &FilesystemService::make_dir);
  unary("filesystem.Filesystem/Move", &filesystem_, &FilesystemService::move);
  unary("filesystem.Filesystem/ListDir", &filesystem_, &FilesystemService::list_dir);
  unary("filesystem.Filesystem/Remove", &filesystem_, &FilesystemService::remove);
  streaming("filesystem.Filesystem/WatchDir", &filesystem_, &FilesystemService::watch_dir);
  unary("filesystem.Filesystem/CreateWatcher", &filesystem_, &FilesystemService::create_watcher);
  unary("filesystem.Filesystem/GetWatcherEvents", &filesystem_, &FilesystemService::get_watcher_events);
  unary("filesystem.Filesystem/RemoveWatcher", &filesystem_, &FilesystemService::remove_watcher);
}

// HTTP endpoints: edge refusals answer as the proxy does, FsError in envd's HTTP shape.
httplib::Server::Handler EnvdRoutes::http_route(HttpHandler handler, bool token_required,
                                                const char* signed_operation) {
  return [this, handler = std::move(handler), token_required, signed_operation](const httplib::Request& req,
                                                                                 httplib::Response& res) {
    try {
      Call call = signed_operation != nullptr ? edge_.admit_files(req, signed_operation)
                                              : edge_.admit_http(req, token_required);
      handler(call, req, res);
    } catch (const EdgeReply& e) {
      send_json(res, e.status, e.body);
    } catch (const FsError& e) {
      send_http_error(res, http_status_for_files(e.code()), e.what());
    }
  };
}

httplib::Server::Handler EnvdRoutes::rpc_route(const std::string& service) {
  return [this, service](const httplib::Request& req, httplib::Response& res) {
    const std::string method = req.matches[req.matches.size() - 1];
    const bool streaming = is_streaming(service, method);
    // Every error of every RPC becomes Connect here, and only here.
    try {
      serve_rpc(service + "/" + method, streaming, req, res);
    } catch (const EdgeReply& e) {
      send_json(res, e.status, e.body);
    } catch (const UnsupportedMediaType& e) {
      res.set_header("Accept-Post", e.accept_post);
      send_json(res, 415, connect::error_json({Code::unimplemented, e.message}));
    } catch (const FsError& e) {
      send_call_error(res, streaming, {e.code(), e.what()});
    } catch (const json::exception& e) {
      send_call_error(res, streaming, {Code::invalid_argument, std::string("invalid message: ") + e.what()});
    } catch (const std::invalid_argument& e) {
      send_call_error(res, streaming, {Code::invalid_argument, e.what()});
    }
  };
}

void EnvdRoutes::serve_rpc(const std::string& name, bool streaming, const httplib::Request& req,
                           httplib::Response& res) {
  Call call = edge_.admit_rpc(req);
  if (name == "process.Process/StreamInput") {
    process_.stream_input(call, request_messages(req));
    res.status = 200;  // a client stream's answer: its one message, then the end of the stream
    res.set_content(connect::encode_message(json::object()) + connect::encode_end_stream(), "application/connect+json");
    return;
  }
  const json body = request_message(req, streaming);
  if (streaming) {
    const auto it = streaming_.find(name);
    if (it == streaming_.end()) throw FsError(Code::unimplemented, name + " is not implemented by the fake");
    if (name == "process.Process/Start" && command_faults(call, body, req, res)) return;
    auto source = it->second(call, body, req);
    return streams_.stream(res, std::move(source), keepalive_interval(req),
                           stream_faults_of(faults::current_decision(), call.record.team, call.id));
  }
  const auto it = unary_.find(name);
  if (it == unary_.end()) throw FsError(Code::unimplemented, name + " is not implemented by the fake");
  res.status = 200;
  res.set_content(ppio_sandbox::core::json_fields::wire_text(it->second(call, body)), "application/json");  // Connect wants it exact
}

bool EnvdRoutes::command_faults(const Call& call, const json& body, const httplib::Request& req,
                                httplib::Response& res) {
  if (faults_ == nullptr || !faults_->has_rules()) return false;
  const auto request = body.get<models::StartRequest>();
  // The sandbox's own team: envd traffic carries no API key to tell it.
  const auto late = faults_->decide_command({.method = req.method,
                                             .path = req.path,
                                             .sandbox = call.id,
                                             .team = call.record.team,
                                             .rpc = "process.Process/Start",
                                             .command = command_line(request.process)});
  if (late.empty()) return false;
  faults::current_decision().merge(late);
  return faults::apply_before_routing(late, req, res, /*body_read=*/true);
}

void EnvdRoutes::kill_for_fault(const std::string& team, const std::string& sandbox_id) {
  try {
    registry_.kill(team, sandbox_id);  // as an expiry: processes end, files go, envd answers 502
  } catch (const state::ServiceError&) {
    // Gone already (killed or expired meanwhile): nothing left to kill.
  }
}

void EnvdRoutes::mount(api::Router& router) {
  const auto both = [&](auto add, const std::string& pattern) {
    add(pattern);
    add(R"(/envd/([^/]+))" + pattern);
  };
  both([&](const std::string& p) {
         router.get(p, [this](const httplib::Request& req, httplib::Response& res) { http_api_.health(req, res); });
       },
       "/health");
  both([&](const std::string& p) {
         router.get(p, http_route([this](Call& c, const auto& req, auto& res) { http_api_.download(c, req, res); }, false,
                                  "read"));
       },
       "/files");
  both([&](const std::string& p) {
         router.post_streaming(p, [this](const httplib::Request& req, httplib::Response& res,
                                         const httplib::ContentReader& reader) { http_api_.upload(req, res, reader); });
       },
       "/files");
  both([&](const std::string& p) {
         router.get(p, http_route([this](Call& c, const auto& req, auto& res) { http_api_.envs(c, req, res); }, true));
       },
       "/envs");
  both([&](const std::string& p) {
         router.get(p, http_route([this](Call& c, const auto& req, auto& res) { http_api_.metrics(c, req, res); }, true));
       },
       "/metrics");
  both([&](const std::string& p) { router.post(p, rpc_route("process.Process")); }, R"(/process\.Process/(\w+))");
  both([&](const std::string& p) { router.post(p, rpc_route("filesystem.Filesystem")); },
       R"(/filesystem\.Filesystem/(\w+))");
}

}  // namespace ppio_mock::envd
