#include "mockserver/envd/envd_routes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <thread>

#include "mockserver/faults/http_faults.hpp"
#include "mockserver/state/service_error.hpp"
#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace connect = ppio_sandbox::core::connect;
namespace models = ppio_sandbox::core::envd;

class StreamSource {
 public:
  virtual ~StreamSource() = default;
  // Waits up to `timeout` for messages and appends them. True when the stream is
  // over (after its last message was handed out).
  virtual bool wait(std::vector<json>& messages, std::chrono::milliseconds timeout) = 0;
  virtual std::optional<connect::Error> end_error() const = 0;
  virtual json keepalive() const = 0;
};

// One envelope of a stream; events count towards a stream_cut, keepalives and the end do not.
struct Frame {
  std::string bytes;
  bool event = false;
  bool end = false;
};

struct FramesSent {
  int frames = 0;
  int events = 0;
};

struct StreamFaults {
  std::optional<int> cut_after_events;             // stream_cut
  std::optional<std::chrono::milliseconds> kill_after;  // kill_sandbox
  std::vector<faults::LatencyDistribution> frame_latencies;
  std::string team;
  std::string sandbox_id;
  bool empty() const { return !cut_after_events && !kill_after && frame_latencies.empty(); }
};

// What one admitted envd request works on.
struct EnvdRoutes::Call {
  state::SandboxRecord record;
  std::string id;  // the sandbox id without a client suffix
  std::shared_ptr<exec::SandboxFs> fs;
  std::string user = exec::kDefaultUser;
  std::string home = exec::kHomeDir;
};

namespace {

constexpr const char* kUnauthorized =
    "unauthorized access, please provide a valid access token or method signing if supported";

// An answer the edge proxy or envd's auth middleware gives before any handler runs.
struct EdgeReply {
  int status;
  json body;
};

EdgeReply sandbox_not_found(const std::string& id) {
  return {502, json{{"sandboxId", id}, {"message", "The sandbox was not found"}, {"code", 502}}};
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

// envd's HTTP error shape: {"code": status, "message": "..."}.
void send_http_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, json{{"code", status}, {"message", message}});
}

int http_status_for_files(Code code) { return code == Code::resource_exhausted ? 507 : connect::http_status(code); }

void send_rpc_error(httplib::Response& res, const connect::Error& error) {
  res.status = connect::http_status(error.code);
  res.set_content(connect::error_json(error).dump(), "application/json");
}

// A user name from "Authorization: Basic base64(user:)"; "" when absent.
std::string basic_auth_user(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  if (!header.starts_with("Basic ")) return {};
  std::string decoded;
  try {
    decoded = ppio_sandbox::core::base64_decode(header.substr(6));
  } catch (const std::exception&) {
    throw FsError(Code::unauthenticated, "invalid authorization header");
  }
  return decoded.substr(0, decoded.find(':'));
}

// The users a sandbox has: the template's default "user", and root.
std::optional<std::string> home_of(const std::string& user) {
  if (user.empty() || user == exec::kDefaultUser) return std::string(exec::kHomeDir);
  if (user == "root") return std::string("/root");
  return std::nullopt;
}

std::chrono::milliseconds keepalive_interval(const httplib::Request& req) {
  try {
    const auto seconds = std::stol(req.get_header_value("Keepalive-Ping-Interval"));
    if (seconds > 0) return std::chrono::seconds(seconds);
  } catch (const std::exception&) {
  }
  return std::chrono::seconds(90);
}

std::optional<std::chrono::milliseconds> connect_timeout(const httplib::Request& req) {
  if (!req.has_header("Connect-Timeout-Ms")) return std::nullopt;
  try {
    const auto ms = std::stoll(req.get_header_value("Connect-Timeout-Ms"));
    if (ms > 0) return std::chrono::milliseconds(ms);
  } catch (const std::exception&) {
  }
  throw FsError(Code::invalid_argument, "invalid Connect-Timeout-Ms header");
}

bool is_streaming(const std::string& service, const std::string& method) {
  if (service == "process.Process") return method == "Start" || method == "Connect";
  return method == "WatchDir";
}

// The one message of a request: an envelope for streams, a bare message for unary calls.
json request_message(const httplib::Request& req, bool streaming) {
  const std::string type = req.get_header_value("Content-Type");
  if (type.find("proto") != std::string::npos) {
    throw FsError(Code::unimplemented, "only the JSON codec is supported, not " + type);
  }
  std::string payload = req.body;
  if (streaming && type.starts_with("application/connect+json")) {
    connect::FrameDecoder decoder(payload.size());
    decoder.feed(req.body);
    auto frame = decoder.next();
    if (!frame || frame->end_stream()) throw FsError(Code::invalid_argument, "the request has no message envelope");
    if ((frame->flags & connect::kFlagCompressed) != 0) {
      throw FsError(Code::unimplemented, "compressed request envelopes are not supported");
    }
    payload = std::move(frame->payload);
  }
  if (payload.empty()) return json::object();
  json message = json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded() || !message.is_object()) {
    throw FsError(Code::invalid_argument, "the request message is not a JSON object");
  }
  return message;
}

std::string required_string(const json& body, std::initializer_list<const char*> names) {
  std::string value;
  ppio_sandbox::core::json_fields::require(body, names, value);
  return value;
}

models::ProcessSelector selector_of(const json& body) {
  const auto* process = ppio_sandbox::core::json_fields::find(body, {"process"});
  if (process == nullptr || !process->is_object()) throw FsError(Code::invalid_argument, "process selector is required");
  auto selector = process->get<models::ProcessSelector>();
  if (!selector.pid && !selector.tag) throw FsError(Code::invalid_argument, "process selector needs a pid or a tag");
  return selector;
}

class ProcessSource : public StreamSource {
 public:
  explicit ProcessSource(std::shared_ptr<exec::Subscription> subscription) : subscription_(std::move(subscription)) {}
  bool wait(std::vector<json>& messages, std::chrono::milliseconds timeout) override {
    std::deque<models::ProcessEvent> events;
    const bool done = subscription_->wait(events, timeout);
    for (const auto& event : events) messages.push_back(models::process_stream_message(event));
    return done;
  }
  std::optional<connect::Error> end_error() const override { return subscription_->end_error(); }
  json keepalive() const override { return models::process_stream_message(models::KeepaliveEvent{}); }

 private:
  std::shared_ptr<exec::Subscription> subscription_;
};

// The watched directory's path of an event; its entry when the watcher asked for entries.
json watch_event_json(const exec::Watcher& watcher, const exec::SandboxFs& fs, const models::FilesystemEvent& event) {
  json j = event;
  const bool has_entry = event.type == models::EventType::create || event.type == models::EventType::write ||
                         event.type == models::EventType::chmod;
  if (watcher.request().include_entry && has_entry) {
    const auto& dir = watcher.request().path;
    try {
      j["entry"] = fs.stat(dir == "/" ? "/" + event.name : dir + "/" + event.name);
    } catch (const FsError&) {
      // Gone again before it could be looked at: the event goes without its entry.
    }
  }
  return j;
}

// WatchDir: {"start":{}} first, then each event; it ends when the sandbox goes or at
// Connect-Timeout-Ms. The watch stops when the stream does.
class WatchSource : public StreamSource {
 public:
  WatchSource(exec::WatchTable& table, std::shared_ptr<exec::Watcher> watcher, std::shared_ptr<exec::SandboxFs> fs,
              std::optional<std::chrono::milliseconds> timeout)
      : table_(table), watcher_(std::move(watcher)), fs_(std::move(fs)) {
    if (timeout) deadline_ = std::chrono::steady_clock::now() + *timeout;
  }
  ~WatchSource() override { table_.stop(watcher_); }
  WatchSource(const WatchSource&) = delete;
  WatchSource& operator=(const WatchSource&) = delete;

  bool wait(std::vector<json>& messages, std::chrono::milliseconds timeout) override {
    if (!started_) {
      started_ = true;
      messages.push_back(json{{"start", json::object()}});
      return false;
    }
    if (deadline_) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= *deadline_) return deadline_hit_ = true;
      timeout = std::min(timeout, std::chrono::ceil<std::chrono::milliseconds>(*deadline_ - now));
    }
    std::vector<models::FilesystemEvent> events;
    const bool closed = watcher_->wait(events, timeout);
    for (const auto& event : events) messages.push_back(json{{"filesystem", watch_event_json(*watcher_, *fs_, event)}});
    return closed;
  }
  std::optional<connect::Error> end_error() const override {
    if (deadline_hit_) return connect::Error{Code::deadline_exceeded, "the watch reached its deadline"};
    return connect::Error{Code::unavailable, "the sandbox was stopped"};
  }
  json keepalive() const override { return json{{"keepalive", json::object()}}; }

 private:
  exec::WatchTable& table_;
  std::shared_ptr<exec::Watcher> watcher_;
  std::shared_ptr<exec::SandboxFs> fs_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;
  bool started_ = false;
  bool deadline_hit_ = false;
};

exec::Watcher::Request watch_request(const std::string& sandbox_id, const std::string& home, const json& body) {
  exec::Watcher::Request request;
  request.sandbox_id = sandbox_id;
  request.path = exec::normalize_path(required_string(body, {"path"}), home);
  ppio_sandbox::core::json_fields::read(body, {"recursive"}, request.recursive);
  ppio_sandbox::core::json_fields::read(body, {"includeEntry", "include_entry"}, request.include_entry);
  return request;
}

std::string command_line(const models::ProcessConfig& process) {
  std::string line = process.cmd;
  for (const auto& arg : process.args) line += " " + arg;
  return line;
}

// In short steps, so a stopping server is not held up by a long injected delay.
void sleep_unless_stopping(double ms, const std::atomic<bool>& stopping) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double, std::milli>(ms));
  while (!stopping && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<Clock::duration>(until - Clock::now(), std::chrono::milliseconds(50)));
  }
}

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<std::string> routed_sandbox_id(const httplib::Request& req) {
  if (req.path.starts_with("/envd/")) {
    const auto end = req.path.find('/', 6);
    if (end != std::string::npos && end > 6) return req.path.substr(6, end - 6);
  }
  for (const char* header : {"E2b-Sandbox-Id", "Novita-Sandbox-Id"}) {
    std::string id = req.get_header_value(header);
    if (!id.empty()) return id;
  }
  const std::string host = req.get_header_value("Host");
  if (host.starts_with("49983-")) {
    const auto end = host.find_first_of(".:", 6);
    if (end != std::string::npos && end > 6) return host.substr(6, end - 6);
  }
  return std::nullopt;
}

bool is_file_upload(const httplib::Request& req) {
  if (req.method != "POST") return false;
  if (req.path == "/files") return true;
  return req.path.starts_with("/envd/") && req.path.ends_with("/files") &&
         req.path.find('/', 6) == req.path.size() - 6;
}

EnvdRoutes::EnvdRoutes(state::Registry& registry, EnvdConfig config, std::size_t max_rpc_body_bytes)
    : registry_(registry),
      config_(std::move(config)),
      max_rpc_body_(max_rpc_body_bytes),
      dirs_(config_.state_dir),
      executor_(exec::choose_executor(config_.executor)),
      processes_(config_.output_cap_bytes) {}

EnvdRoutes::~EnvdRoutes() { shutdown(); }

void EnvdRoutes::shutdown() {
  stopping_ = true;
  processes_.kill_all();
}

void EnvdRoutes::on_sandbox_event(const std::string& sandbox_id, state::SandboxEvent event) {
  if (event == state::SandboxEvent::paused || event == state::SandboxEvent::removed) {
    processes_.kill_sandbox(sandbox_id);
    watches_.close_sandbox(sandbox_id);
  }
  if (event == state::SandboxEvent::removed) dirs_.remove(sandbox_id);
}

EnvdRoutes::Call EnvdRoutes::admit(const httplib::Request& req, const httplib::Match&, bool token_required) {
  const auto id = routed_sandbox_id(req);
  if (!id) throw sandbox_not_found("");
  auto record = registry_.lookup(*id);
  // A paused sandbox is not reachable either: this fake does no auto-resume.
  if (!record || record->info.state != state::SandboxState::running) throw sandbox_not_found(*id);
  if (const auto& token = record->info.envd_access_token) {
    const bool sent = req.has_header("X-Access-Token");
    if ((token_required || sent) && req.get_header_value("X-Access-Token") != *token) {
      throw EdgeReply{401, json{{"code", 401}, {"message", kUnauthorized}}};
    }
  }
  Call call;
  call.id = record->info.sandbox_id;
  call.record = std::move(*record);
  call.fs = dirs_.get(call.id);
  return call;
}

httplib::Server::Handler EnvdRoutes::http_route(Handler handler, bool token_required) {
  return [this, handler = std::move(handler), token_required](const httplib::Request& req, httplib::Response& res) {
    try {
      Call call = admit(req, req.matches, token_required);
      if (req.has_param("username")) {
        const auto home = home_of(req.get_param_value("username"));
        if (!home) throw FsError(Code::unauthenticated, "invalid username: '" + req.get_param_value("username") + "'");
        call.user = req.get_param_value("username");
        call.home = *home;
      }
      handler(call, req, res);
    } catch (const EdgeReply& e) {
      send_json(res, e.status, e.body);
    } catch (const FsError& e) {
      send_http_error(res, http_status_for_files(e.code()), e.what());
    }
  };
}

void EnvdRoutes::health(const httplib::Request& req, httplib::Response& res) {
  if (!routed_sandbox_id(req)) {
    // Not envd traffic: the control plane's own health answer.
    res.status = 200;
    res.set_content("Health check successful", "text/plain");
    return;
  }
  try {
    admit(req, req.matches, /*token_required=*/false);
    res.status = 204;
  } catch (const EdgeReply& e) {
    send_json(res, e.status, e.body);
  }
}

void EnvdRoutes::envs(Call& call, const httplib::Request&, httplib::Response& res) {
  send_json(res, 200, json(call.record.env_vars));
}

void EnvdRoutes::metrics(Call& call, const httplib::Request&, httplib::Response& res) {
  const auto mem_mib = static_cast<std::int64_t>(call.record.info.memory_mb);
  send_json(res, 200,
            json{{"ts", std::chrono::duration_cast<std::chrono::seconds>(registry_.now().time_since_epoch()).count()},
                 {"cpu_count", call.record.info.cpu_count},
                 {"cpu_used_pct", 0.0},
                 {"mem_total", mem_mib << 20},
                 {"mem_used", 0},
                 {"mem_cache", 0},
                 {"mem_total_mib", mem_mib},
                 {"mem_used_mib", 0},
                 {"disk_used", 0},
                 {"disk_total", static_cast<std::int64_t>(call.record.info.disk_size_mb) << 20}});
}

void EnvdRoutes::download(Call& call, const httplib::Request& req, httplib::Response& res) {
  if (!req.has_param("path")) throw FsError(Code::invalid_argument, "the path query parameter is required");
  const std::string path = exec::normalize_path(req.get_param_value("path"), call.home);
  const int fd = call.fs->open_read(path);
  struct stat st {};
  ::fstat(fd, &st);
  const auto size = static_cast<std::size_t>(st.st_size);
  const std::string name = path.substr(path.rfind('/') + 1);
  res.set_header("Content-Disposition", "inline; filename=\"" + name + "\"");
  // Streamed from the file in blocks: a large file is never held in memory.
  res.set_content_provider(
      size, "application/octet-stream",
      [fd](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        char buf[65536];
        const auto n = ::pread(fd, buf, std::min(length, sizeof buf), static_cast<off_t>(offset));
        if (n <= 0) return false;
        return sink.write(buf, static_cast<std::size_t>(n));
      },
      [fd](bool) { ::close(fd); });
}

void EnvdRoutes::upload(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
  std::optional<std::pair<int, std::string>> error;
  std::optional<EdgeReply> edge;
  const auto fail = [&](int status, const std::string& message) {
    if (!error) error = {status, message};
  };
  std::optional<Call> call;
  try {
    call = admit(req, req.matches, /*token_required=*/false);
    if (req.has_param("username")) {
      const auto home = home_of(req.get_param_value("username"));
      if (!home) throw FsError(Code::unauthenticated, "invalid username: '" + req.get_param_value("username") + "'");
      call->user = req.get_param_value("username");
      call->home = *home;
    }
  } catch (const EdgeReply& e) {
    edge = e;
  } catch (const FsError& e) {
    fail(http_status_for_files(e.code()), e.what());
  }

  const std::string path_query = req.has_param("path") ? req.get_param_value("path") : "";
  json entries = json::array();
  std::set<std::string> seen;
  int fd = -1;
  const auto close_file = [&] {
    if (fd >= 0) ::close(fd);
    fd = -1;
  };
  const auto open_file = [&](const std::string& requested) {
    close_file();
    if (edge || error) return;
    if (requested.empty()) return fail(400, "the path query parameter or a part filename is required");
    const std::string path = exec::normalize_path(requested, call->home);
    if (!seen.insert(path).second) return fail(400, "two parts write to the same path '" + path + "'");
    try {
      fd = call->fs->open_write(path);
      entries.push_back({{"path", path}, {"name", path.substr(path.rfind('/') + 1)}, {"type", "file"}});
    } catch (const FsError& e) {
      fail(http_status_for_files(e.code()), e.what());
    }
  };
  // Bytes go straight to disk; after an error the rest of the body is read and dropped.
  const auto receive = [&](const char* data, std::size_t size) {
    if (fd >= 0 && !write_all(fd, data, size)) {
      const int err = errno;
      close_file();
      fail(err == ENOSPC ? 507 : 500, err == ENOSPC ? "not enough disk space" : std::strerror(err));
    }
    return true;
  };

  const std::string type = req.get_header_value("Content-Type");
  if (req.is_multipart_form_data()) {
    reader(
        [&](const httplib::MultipartFormData& part) {
          if (part.name == "file") {
            open_file(path_query.empty() ? part.filename : path_query);
          } else {
            close_file();  // parts with other names are ignored
          }
          return true;
        },
        receive);
  } else {
    if (type.starts_with("application/octet-stream")) {
      if (path_query.empty()) fail(400, "the path query parameter is required for application/octet-stream");
      open_file(path_query);
    } else {
      fail(400, "unsupported content type: '" + type + "'");
    }
    reader(receive);
  }
  close_file();
  if (edge) return send_json(res, edge->status, edge->body);
  if (error) return send_http_error(res, error->first, error->second);
  send_json(res, 200, entries);
}

httplib::Server::Handler EnvdRoutes::rpc_route(const std::string& service) {
  return [this, service](const httplib::Request& req, httplib::Response& res) {
    const std::string method = req.matches[req.matches.size() - 1];
    const bool streaming = is_streaming(service, method);
    try {
      Call call = admit(req, req.matches, /*token_required=*/true);
      const auto user = basic_auth_user(req);
      const auto home = home_of(user);
      if (!home) throw FsError(Code::unauthenticated, "invalid username: '" + user + "'");
      if (!user.empty()) call.user = user;
      call.home = *home;
      if (req.body.size() > max_rpc_body_) throw FsError(Code::resource_exhausted, "request message too large");
      const json body = request_message(req, streaming);
      if (streaming) {
        std::shared_ptr<StreamSource> source;
        if (service == "process.Process" && method == "Start") {
          if (command_faults(call, body, req, res)) return;
          source = std::make_shared<ProcessSource>(process_start(call, body, req));
        } else if (service == "process.Process" && method == "Connect") {
          source = std::make_shared<ProcessSource>(process_connect(call, body));
        } else if (service == "filesystem.Filesystem" && method == "WatchDir") {
          source = fs_watch_dir(call, body, req);
        } else {
          throw FsError(Code::unimplemented, service + "/" + method + " is not implemented by the fake");
        }
        return stream(res, std::move(source), keepalive_interval(req), stream_faults(call));
      }
      using Unary = json (EnvdRoutes::*)(Call&, const json&);
      static const std::map<std::string, Unary> unary = {
          {"process.Process/List", &EnvdRoutes::process_list},
          {"process.Process/SendInput", &EnvdRoutes::process_send_input},
          {"process.Process/SendSignal", &EnvdRoutes::process_send_signal},
          {"process.Process/CloseStdin", &EnvdRoutes::process_close_stdin},
          {"process.Process/Update", &EnvdRoutes::process_update},
          {"filesystem.Filesystem/Stat", &EnvdRoutes::fs_stat},
          {"filesystem.Filesystem/MakeDir", &EnvdRoutes::fs_make_dir},
          {"filesystem.Filesystem/Move", &EnvdRoutes::fs_move},
          {"filesystem.Filesystem/ListDir", &EnvdRoutes::fs_list_dir},
          {"filesystem.Filesystem/Remove", &EnvdRoutes::fs_remove},
          {"filesystem.Filesystem/CreateWatcher", &EnvdRoutes::fs_create_watcher},
          {"filesystem.Filesystem/GetWatcherEvents", &EnvdRoutes::fs_get_watcher_events},
          {"filesystem.Filesystem/RemoveWatcher", &EnvdRoutes::fs_remove_watcher},
      };
      const auto it = unary.find(service + "/" + method);
      if (it == unary.end()) throw FsError(Code::unimplemented, service + "/" + method + " is not implemented by the fake");
      res.status = 200;
      res.set_content((this->*(it->second))(call, body).dump(), "application/json");  // Connect wants it exact
      return;
    } catch (const EdgeReply& e) {
      return send_json(res, e.status, e.body);
    } catch (const FsError& e) {
      return streaming_error_or_unary(res, streaming, {e.code(), e.what()});
    } catch (const json::exception& e) {
      return streaming_error_or_unary(res, streaming, {Code::invalid_argument, std::string("invalid message: ") + e.what()});
    } catch (const std::invalid_argument& e) {
      return streaming_error_or_unary(res, streaming, {Code::invalid_argument, e.what()});
    }
  };
}

void EnvdRoutes::streaming_error_or_unary(httplib::Response& res, bool streaming, const connect::Error& error) {
  if (!streaming) return send_rpc_error(res, error);
  // A stream that fails before its first message still answers 200 with the error in the end-stream frame.
  res.status = 200;
  res.set_content(connect::encode_end_stream(error), "application/connect+json");
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
  return faults::apply_before_routing(late, req, res);
}

StreamFaults EnvdRoutes::stream_faults(const Call& call) const {
  const auto& decision = faults::current_decision();
  StreamFaults out;
  out.team = call.record.team;
  out.sandbox_id = call.id;
  if (faults_ != nullptr) out.frame_latencies = decision.latencies;
  if (decision.action && decision.action->type == faults::Action::Type::stream_cut) {
    out.cut_after_events = decision.action->after_events;
  }
  if (decision.action && decision.action->type == faults::Action::Type::kill_sandbox) {
    out.kill_after = std::chrono::milliseconds(decision.action->after_ms);
  }
  return out;
}

void EnvdRoutes::kill_for_fault(const std::string& team, const std::string& sandbox_id) {
  try {
    registry_.kill(team, sandbox_id);  // as an expiry: processes end, files go, envd answers 502
  } catch (const state::ServiceError&) {
    // Gone already (killed or expired meanwhile): nothing left to kill.
  }
}

void EnvdRoutes::stream(httplib::Response& res, std::shared_ptr<StreamSource> source,
                        std::chrono::milliseconds keepalive, StreamFaults faults) {
  using Clock = std::chrono::steady_clock;
  res.status = 200;
  std::optional<Clock::time_point> kill_at;
  if (faults.kill_after) kill_at = Clock::now() + *faults.kill_after;
  res.set_chunked_content_provider(
      "application/connect+json",
      [this, source, keepalive, faults = std::move(faults), kill_at, last_sent = Clock::now(),
       sent = FramesSent{}](std::size_t, httplib::DataSink& sink) mutable {
        std::vector<json> messages;
        bool done = false;
        bool stopped = false;
        // Short waits, so a stopping server is never held up by a quiet stream.
        while (messages.empty() && !done) {
          if (stopping_) {
            stopped = true;
            break;
          }
          const auto now = Clock::now();
          if (kill_at && now >= *kill_at) {
            kill_for_fault(faults.team, faults.sandbox_id);  // the stream then ends with `unavailable`
            kill_at.reset();
          }
          if (now >= last_sent + keepalive) break;
          auto wait = std::min(std::chrono::duration_cast<std::chrono::milliseconds>(last_sent + keepalive - now),
                               std::chrono::milliseconds(200));
          if (kill_at) wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*kill_at - now));
          done = source->wait(messages, wait);
        }
        if (done && kill_at) {
          kill_for_fault(faults.team, faults.sandbox_id);  // the command ended before after_ms
          kill_at.reset();
        }
        std::vector<Frame> frames;
        for (const auto& message : messages) frames.push_back({connect::encode_message(message), true, false});
        if (stopped) {
          frames.push_back({connect::encode_end_stream(connect::Error{Code::unavailable, "the server is stopping"}), false, true});
        } else if (done) {
          frames.push_back({connect::encode_end_stream(source->end_error()), false, true});
        } else if (messages.empty()) {
          frames.push_back({connect::encode_message(source->keepalive()), false, false});
        }
        // False: the client left (the process lives on), or a stream_cut dropped the connection.
        if (!write_frames(sink, frames, faults, sent)) return false;
        last_sent = Clock::now();
        if (done || stopped) sink.done();
        return true;
      });
}

bool EnvdRoutes::write_frames(httplib::DataSink& sink, const std::vector<Frame>& frames, const StreamFaults& faults,
                              FramesSent& sent) const {
  if (faults.empty()) {  // the usual case: one write
    std::string out;
    for (const auto& frame : frames) out += frame.bytes;
    return sink.write(out.data(), out.size());
  }
  for (const auto& frame : frames) {
    // A cut stream ends without its end frame: returning false drops the connection.
    if (faults.cut_after_events && (frame.end || (frame.event && sent.events >= *faults.cut_after_events))) {
      return false;
    }
    if (sent.frames > 0) {
      double ms = 0;
      for (const auto& latency : faults.frame_latencies) ms += faults_->sample_ms(latency);
      sleep_unless_stopping(ms, stopping_);
    }
    if (!sink.write(frame.bytes.data(), frame.bytes.size())) return false;
    ++sent.frames;
    sent.events += frame.event ? 1 : 0;
  }
  return true;
}

void EnvdRoutes::mount(httplib::Server& server) {
  const auto both = [&](auto add, const std::string& pattern) {
    add(pattern);
    add(R"(/envd/([^/]+))" + pattern);
  };
  both([&](const std::string& p) { server.Get(p, [this](const httplib::Request& req, httplib::Response& res) { health(req, res); }); },
       "/health");
  both([&](const std::string& p) {
         server.Get(p, http_route([this](Call& c, const auto& req, auto& res) { download(c, req, res); }, false));
       },
       "/files");
  both([&](const std::string& p) {
         server.Post(p, [this](const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader) {
           upload(req, res, reader);
         });
       },
       "/files");
  both([&](const std::string& p) {
         server.Get(p, http_route([this](Call& c, const auto& req, auto& res) { envs(c, req, res); }, true));
       },
       "/envs");
  both([&](const std::string& p) {
         server.Get(p, http_route([this](Call& c, const auto& req, auto& res) { metrics(c, req, res); }, true));
       },
       "/metrics");
  both([&](const std::string& p) { server.Post(p, rpc_route("process.Process")); }, R"(/process\.Process/(\w+))");
  both([&](const std::string& p) { server.Post(p, rpc_route("filesystem.Filesystem")); },
       R"(/filesystem\.Filesystem/(\w+))");
}

// ---- process.Process ----

std::shared_ptr<exec::Subscription> EnvdRoutes::process_start(Call& call, const json& body,
                                                              const httplib::Request& req) {
  const auto request = body.get<models::StartRequest>();
  if (request.pty) throw FsError(Code::unimplemented, "PTY processes are not supported by the fake");
  exec::CommandSpec command;
  command.cmd = request.process.cmd;
  command.args = request.process.args;
  command.env = call.record.env_vars;
  for (const auto& [k, v] : request.process.envs) command.env[k] = v;
  command.cwd = exec::normalize_path(request.process.cwd.value_or(call.home), call.home);
  if (!call.fs->is_directory(command.cwd)) {
    throw FsError(Code::invalid_argument, "cwd '" + command.cwd + "' does not exist");
  }
  exec::StartParams params;
  params.sandbox_id = call.id;
  params.config = request.process;
  params.tag = request.tag;
  params.open_stdin = request.open_stdin.value_or(true);  // the proto's default, for old clients
  params.timeout = connect_timeout(req);
  params.launch = executor_->prepare(*call.fs, command);
  auto subscription = processes_.start(std::move(params));
  registry_.append_log(call.id, "info", "process started: " + command_line(request.process));
  return subscription;
}

std::shared_ptr<exec::Subscription> EnvdRoutes::process_connect(Call& call, const json& body) {
  return processes_.connect(call.id, selector_of(body));
}

json EnvdRoutes::process_list(Call& call, const json&) {
  return json{{"processes", processes_.list(call.id)}};
}

json EnvdRoutes::process_send_input(Call& call, const json& body) {
  const auto selector = selector_of(body);
  const auto* input = ppio_sandbox::core::json_fields::find(body, {"input"});
  if (input == nullptr || !input->is_object()) throw FsError(Code::invalid_argument, "input is required");
  const auto* data = ppio_sandbox::core::json_fields::find(*input, {"stdin", "pty"});
  const std::string bytes = data == nullptr ? "" : ppio_sandbox::core::base64_decode(data->get<std::string>());
  processes_.send_input(call.id, selector, bytes);
  return json::object();
}

json EnvdRoutes::process_send_signal(Call& call, const json& body) {
  const auto selector = selector_of(body);
  const auto* signal = ppio_sandbox::core::json_fields::find(body, {"signal"});
  const auto parsed = signal == nullptr ? std::nullopt : models::signal_from_json(*signal);
  if (!parsed) throw FsError(Code::unimplemented, "invalid signal");
  processes_.signal(call.id, selector, static_cast<int>(*parsed));
  return json::object();
}

json EnvdRoutes::process_close_stdin(Call& call, const json& body) {
  processes_.close_stdin(call.id, selector_of(body));
  return json::object();
}

json EnvdRoutes::process_update(Call& call, const json& body) {
  // Only PTY sizes can change, and the fake runs no PTY: check the process exists.
  processes_.connect(call.id, selector_of(body));
  return json::object();
}

// ---- filesystem.Filesystem ----

json EnvdRoutes::fs_stat(Call& call, const json& body) {
  return json{{"entry", call.fs->stat(exec::normalize_path(required_string(body, {"path"}), call.home))}};
}

json EnvdRoutes::fs_make_dir(Call& call, const json& body) {
  const std::string path = exec::normalize_path(required_string(body, {"path"}), call.home);
  if (!call.fs->make_dir(path)) throw FsError(Code::already_exists, "directory '" + path + "' already exists");
  return json{{"entry", call.fs->stat(path)}};
}

json EnvdRoutes::fs_move(Call& call, const json& body) {
  const std::string source = exec::normalize_path(required_string(body, {"source"}), call.home);
  const std::string destination = exec::normalize_path(required_string(body, {"destination"}), call.home);
  return json{{"entry", call.fs->move(source, destination)}};
}

json EnvdRoutes::fs_list_dir(Call& call, const json& body) {
  const std::string path = exec::normalize_path(required_string(body, {"path"}), call.home);
  std::uint32_t depth = 1;
  ppio_sandbox::core::json_fields::read(body, {"depth"}, depth);
  return json{{"entries", call.fs->list_dir(path, depth == 0 ? 1 : depth)}};
}

json EnvdRoutes::fs_remove(Call& call, const json& body) {
  call.fs->remove(exec::normalize_path(required_string(body, {"path"}), call.home));
  return json::object();
}

std::shared_ptr<StreamSource> EnvdRoutes::fs_watch_dir(Call& call, const json& body, const httplib::Request& req) {
  auto request = watch_request(call.id, call.home, body);
  const auto timeout = connect_timeout(req);
  const int dir = call.fs->open_dir(request.path);
  auto watcher = watches_.watch(std::move(request), dir);
  return std::make_shared<WatchSource>(watches_, std::move(watcher), call.fs, timeout);
}

json EnvdRoutes::fs_create_watcher(Call& call, const json& body) {
  auto request = watch_request(call.id, call.home, body);
  const int dir = call.fs->open_dir(request.path);
  return json{{"watcherId", watches_.create(std::move(request), dir)}};
}

json EnvdRoutes::fs_get_watcher_events(Call& call, const json& body) {
  const auto watcher = watches_.find(call.id, required_string(body, {"watcherId", "watcher_id"}));
  json events = json::array();
  for (const auto& event : watcher->drain()) events.push_back(watch_event_json(*watcher, *call.fs, event));
  return json{{"events", events}};
}

json EnvdRoutes::fs_remove_watcher(Call& call, const json& body) {
  watches_.remove(call.id, required_string(body, {"watcherId", "watcher_id"}));
  return json::object();
}

}  // namespace ppio_mock::envd
