#include "mockserver/envd/filesystem/filesystem_service.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::envd {

using nlohmann::json;
using ppio_sandbox::core::connect::Code;
using exec::FsError;
namespace connect = ppio_sandbox::core::connect;
namespace models = ppio_sandbox::core::envd;

namespace {

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

}  // namespace

exec::Watcher::Request watch_request(const std::string& sandbox_id, const std::string& home, const json& body) {
  exec::Watcher::Request request;
  request.sandbox_id = sandbox_id;
  request.path = exec::normalize_path(required_string(body, {"path"}), home);
  ppio_sandbox::core::json_fields::read(body, {"recursive"}, request.recursive);
  ppio_sandbox::core::json_fields::read(body, {"includeEntry", "include_entry"}, request.include_entry);
  return request;
}

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

std::shared_ptr<StreamSource> FilesystemService::watch_dir(Call& call, const json& body, const httplib::Request& req) {
  auto request = watch_request(call.id, call.home, body);
  const auto timeout = connect_timeout(req);
  const int dir = call.fs->open_dir(request.path);
  auto watcher = watches_.watch(std::move(request), dir);
  return std::make_shared<WatchSource>(watches_, std::move(watcher), call.fs, timeout);
}

}  // namespace ppio_mock::envd
