#include "mockserver/api/control_plane_routes.hpp"

#include <algorithm>
#include <charconv>
#include <limits>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/state/service_error.hpp"
#include "ppio_sandbox/core/url.hpp"

namespace ppio_mock::api {

using nlohmann::json;
using ppio_sandbox::core::Metadata;
using ppio_sandbox::core::SandboxState;
using state::ServiceError;

namespace {

constexpr int kMaxPageSize = 100;

Metadata metadata_filter(const httplib::Request& req) {
  if (!req.has_param("metadata") || req.get_param_value("metadata").empty()) return {};
  try {
    return ppio_sandbox::core::decode_metadata_filter(req.get_param_value("metadata"));
  } catch (const std::invalid_argument& e) {
    throw ServiceError(400, std::string("error parsing metadata: ") + e.what());
  }
}

std::vector<SandboxState> state_filter(const httplib::Request& req) {
  std::vector<SandboxState> states;
  if (!req.has_param("state")) return states;
  const std::string text = req.get_param_value("state");
  std::size_t start = 0;
  while (start <= text.size()) {
    const auto end = std::min(text.find(',', start), text.size());
    const std::string name = text.substr(start, end - start);
    try {
      states.push_back(ppio_sandbox::core::parse_sandbox_state(name));
    } catch (const std::invalid_argument&) {
      throw ServiceError(400, "invalid state '" + name + "'");
    }
    start = end + 1;
  }
  return states;
}

int page_limit(const httplib::Request& req) {
  if (!req.has_param("limit")) return kMaxPageSize;
  const std::string text = req.get_param_value("limit");
  int limit = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc() || ptr != text.data() + text.size() || limit < 1) {
    throw ServiceError(400, "limit must be a positive integer, got '" + text + "'");
  }
  return std::min(limit, kMaxPageSize);
}

json detail_json(const state::SandboxRecord& record) { return record.info; }

}  // namespace

ControlPlaneRoutes::ControlPlaneRoutes(state::Registry& registry, const state::Tenants& tenants)
    : registry_(registry), tenants_(tenants) {}

void ControlPlaneRoutes::mount(httplib::Server& server) {
  auto bind = [this](void (ControlPlaneRoutes::*fn)(const httplib::Request&, httplib::Response&)) {
    return guarded([this, fn](const httplib::Request& req, httplib::Response& res) { (this->*fn)(req, res); });
  };
  server.Post("/sandboxes", bind(&ControlPlaneRoutes::create_sandbox));
  server.Get("/sandboxes", bind(&ControlPlaneRoutes::list_sandboxes_v1));
  server.Get("/v2/sandboxes", bind(&ControlPlaneRoutes::list_sandboxes_v2));
  server.Get(R"(/sandboxes/([^/]+))", bind(&ControlPlaneRoutes::get_sandbox));
  server.Delete(R"(/sandboxes/([^/]+))", bind(&ControlPlaneRoutes::kill_sandbox));
  server.Get("/templates", bind(&ControlPlaneRoutes::list_templates));
  server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.status = 200;
    res.set_content("Health check successful", "text/plain");
  });
}

void ControlPlaneRoutes::create_sandbox(const httplib::Request& req, httplib::Response& res) {
  const std::string team = authenticate(req, tenants_);
  const auto request = parse_json_body(req).get<ppio_sandbox::core::NewSandbox>();
  const auto record = registry_.create(team, request);
  ppio_sandbox::core::CreatedSandbox created;
  created.template_id = record.info.template_id;
  created.sandbox_id = record.info.sandbox_id;
  created.client_id = record.info.client_id;
  created.envd_version = record.info.envd_version;
  created.alias = record.info.alias;
  created.envd_access_token = record.info.envd_access_token;
  send_json(res, 201, created);
}

void ControlPlaneRoutes::get_sandbox(const httplib::Request& req, httplib::Response& res) {
  const std::string team = authenticate(req, tenants_);
  send_json(res, 200, detail_json(registry_.get(team, req.matches[1])));
}

void ControlPlaneRoutes::list_sandboxes_v1(const httplib::Request& req, httplib::Response& res) {
  const std::string team = authenticate(req, tenants_);
  state::ListFilter filter;
  filter.metadata = metadata_filter(req);
  filter.states = {SandboxState::running};
  filter.limit = std::numeric_limits<int>::max();
  send_json(res, 200, registry_.list(team, filter).sandboxes);
}

void ControlPlaneRoutes::list_sandboxes_v2(const httplib::Request& req, httplib::Response& res) {
  const std::string team = authenticate(req, tenants_);
  state::ListFilter filter;
  filter.metadata = metadata_filter(req);
  filter.states = state_filter(req);
  filter.limit = page_limit(req);
  if (req.has_param("nextToken") && !req.get_param_value("nextToken").empty()) {
    filter.cursor = req.get_param_value("nextToken");
  }
  const auto page = registry_.list(team, filter);
  if (page.next_cursor) res.set_header("X-Next-Token", *page.next_cursor);
  const bool running_asked =
      filter.states.empty() ||
      std::find(filter.states.begin(), filter.states.end(), SandboxState::running) != filter.states.end();
  if (running_asked) res.set_header("X-Total-Running", std::to_string(page.total_running));
  send_json(res, 200, page.sandboxes);
}

void ControlPlaneRoutes::kill_sandbox(const httplib::Request& req, httplib::Response& res) {
  const std::string team = authenticate(req, tenants_);
  registry_.kill(team, req.matches[1]);
  res.status = 204;
}

void ControlPlaneRoutes::list_templates(const httplib::Request& req, httplib::Response& res) {
  authenticate(req, tenants_);
  send_json(res, 200, registry_.templates().all());
}

}  // namespace ppio_mock::api
