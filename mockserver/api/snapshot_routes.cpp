// The routes that copy a sandbox or change its network: snapshots (and
// deleting them as templates), fork, and PUT /sandboxes/{id}/network. PPIO's
// legacy (v1) domain serves none of them.
#include "mockserver/api/control_plane_routes.hpp"
#include "mockserver/api/http_edge.hpp"
#include "mockserver/api/request_params.hpp"
#include "mockserver/api/response_bodies.hpp"
#include "mockserver/state/service_error.hpp"

namespace ppio_mock::api {

using nlohmann::json;
using state::ServiceError;

namespace {

constexpr int kForkDefaultTimeoutSeconds = 15;

}  // namespace

void ControlPlaneRoutes::create_snapshot(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  refuse_on_legacy("Snapshots");
  const auto body = optional_body(req);
  std::optional<std::string> name;
  if (auto it = body.find("name"); it != body.end() && !it->is_null()) {
    if (!it->is_string()) throw ServiceError(400, "'name' must be a string");
    name = it->get<std::string>();
  }
  send_json(res, 201, snapshot_json(registry_.create_snapshot(team, req.matches[1], name)));
}

void ControlPlaneRoutes::list_snapshots(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  refuse_on_legacy("Snapshots");
  state::SnapshotFilter filter;
  filter.sandbox_id = string_param(req, "sandboxID");
  filter.name = string_param(req, "name");
  filter.limit = page_limit(req);
  filter.cursor = string_param(req, "nextToken");
  const auto page = registry_.list_snapshots(team, filter);
  if (page.next_cursor) res.set_header("X-Next-Token", *page.next_cursor);
  json out = json::array();
  for (const auto& snapshot : page.snapshots) out.push_back(snapshot_json(snapshot));
  send_json(res, 200, out);
}

void ControlPlaneRoutes::delete_template(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  registry_.delete_template(team, req.matches[1]);
  res.status = 204;
}

void ControlPlaneRoutes::fork(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  refuse_on_legacy("Fork");
  const auto body = optional_body(req);
  const int timeout = optional_int(body, "timeout").value_or(kForkDefaultTimeoutSeconds);
  const int count = optional_int(body, "count").value_or(1);
  json out = json::array();
  for (const auto& outcome : registry_.fork(team, req.matches[1], timeout, count)) {
    if (outcome.sandbox) {
      out.push_back({{"sandbox", created_json(*outcome.sandbox)}});
    } else {
      out.push_back({{"error", {{"code", outcome.error->status()}, {"message", outcome.error->what()}}}});
    }
  }
  send_json(res, 201, out);
}

void ControlPlaneRoutes::update_network(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  refuse_on_legacy("Network rules");
  registry_.update_network(team, req.matches[1], parse_json_body(req).get<state::NetworkUpdate>());
  res.status = 204;
}

}  // namespace ppio_mock::api
