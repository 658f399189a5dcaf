#pragma once
// filesystem.Filesystem: one handler per RPC, in a file per RPC group as envd
// keeps them (stat.cpp, dir.cpp, move.cpp, remove.cpp, watch.cpp for the
// WatchDir stream, watch_sync.cpp for the polled watchers). Handlers throw
// FsError; the RPC edge (envd_routes.cpp) maps it to Connect.
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/envd/connect_stream.hpp"
#include "mockserver/envd/edge.hpp"
#include "mockserver/exec/watch_table.hpp"

namespace ppio_mock::envd {

class FilesystemService {
 public:
  explicit FilesystemService(exec::WatchTable& watches) : watches_(watches) {}

  nlohmann::json stat(Call& call, const nlohmann::json& body);
  nlohmann::json make_dir(Call& call, const nlohmann::json& body);
  nlohmann::json list_dir(Call& call, const nlohmann::json& body);
  nlohmann::json move(Call& call, const nlohmann::json& body);
  nlohmann::json remove(Call& call, const nlohmann::json& body);
  std::shared_ptr<StreamSource> watch_dir(Call& call, const nlohmann::json& body, const httplib::Request& req);
  nlohmann::json create_watcher(Call& call, const nlohmann::json& body);
  nlohmann::json get_watcher_events(Call& call, const nlohmann::json& body);
  nlohmann::json remove_watcher(Call& call, const nlohmann::json& body);

 private:
  exec::WatchTable& watches_;
};

// A string field the request must carry (under any of `names`); invalid_argument otherwise.
std::string required_string(const nlohmann::json& body, std::initializer_list<const char*> names);
// What WatchDir and CreateWatcher ask to watch.
exec::Watcher::Request watch_request(const std::string& sandbox_id, const std::string& home, const nlohmann::json& body);
// An event as the watched directory's client sees it: its entry when the watcher asked for entries.
nlohmann::json watch_event_json(const exec::Watcher& watcher, const exec::SandboxFs& fs,
                                const ppio_sandbox::core::envd::FilesystemEvent& event);

}  // namespace ppio_mock::envd
