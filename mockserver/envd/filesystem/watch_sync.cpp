#include "mockserver/envd/filesystem/filesystem_service.hpp"

namespace ppio_mock::envd {

using nlohmann::json;

json FilesystemService::create_watcher(Call& call, const json& body) {
  auto request = watch_request(call.id, call.home, body);
  const int dir = call.fs->open_dir(request.path);
  return json{{"watcherId", watches_.create(std::move(request), dir)}};
}

json FilesystemService::get_watcher_events(Call& call, const json& body) {
  const auto watcher = watches_.find(call.id, required_string(body, {"watcherId", "watcher_id"}));
  json events = json::array();
  for (const auto& event : watcher->drain()) events.push_back(watch_event_json(*watcher, *call.fs, event));
  return json{{"events", events}};
}

json FilesystemService::remove_watcher(Call& call, const json& body) {
  watches_.remove(call.id, required_string(body, {"watcherId", "watcher_id"}));
  return json::object();
}

}  // namespace ppio_mock::envd
