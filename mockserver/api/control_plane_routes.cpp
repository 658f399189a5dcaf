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
using state::Timestamp;

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

// The body of create, resume and connect.
json created_json(const state::SandboxRecord& record) {
  ppio_sandbox::core::CreatedSandbox created;
  created.template_id = record.info.template_id;
  created.sandbox_id = record.info.sandbox_id;
  created.client_id = record.info.client_id;
  created.envd_version = record.info.envd_version;
  created.alias = record.info.alias;
  created.envd_access_token = record.info.envd_access_token;
  created.domain = record.info.domain;
  return created;
}

// A body that may be empty; when present it must be a JSON object.
json optional_body(const httplib::Request& req) { return req.body.empty() ? json::object() : parse_json_body(req); }

int required_int(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end()) throw ServiceError(400, std::string("'") + field + "' is required");
  if (!it->is_number_integer()) throw ServiceError(400, std::string("'") + field + "' must be an integer");
  return it->get<int>();
}

std::optional<int> int_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  const std::string text = req.get_param_value(name);
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    throw ServiceError(400, std::string(name) + " must be a non-negative integer, got '" + text + "'");
  }
  return static_cast<int>(std::min<long long>(value, std::numeric_limits<int>::max()));
}

std::int64_t unix_ms(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

json log_entry(const state::LogLine& line) {
  return json{{"timestamp", ppio_sandbox::core::format_rfc3339(line.at)},
              {"level", line.level},
              {"message", line.message},
              {"fields", json::object()}};
}

}  // namespace

ControlPlaneRoutes::ControlPlaneRoutes(state::Registry& registry, const state::Tenants& tenants,
                                       state::RateLimiter& limiter)
    : registry_(registry), tenants_(tenants), limiter_(limiter) {}

std::string ControlPlaneRoutes::admit(const httplib::Request& req) {
  std::string team = authenticate(req, tenants_);
  if (auto wait = limiter_.acquire(team)) throw ServiceError(429, "Rate limit exceeded", wait);
  return team;
}

void ControlPlaneRoutes::mount(httplib::Server& server) {
  auto bind = [this](void (ControlPlaneRoutes::*fn)(const httplib::Request&, httplib::Response&)) {
    return guarded([this, fn](const httplib::Request& req, httplib::Response& res) { (this->*fn)(req, res); });
  };
  server.Post("/sandboxes", bind(&ControlPlaneRoutes::create_sandbox));
  server.Post("/v2/sandboxes", bind(&ControlPlaneRoutes::create_sandbox));  // newer e2b SDKs create here
  server.Get("/sandboxes", bind(&ControlPlaneRoutes::list_sandboxes_v1));
  server.Get("/v2/sandboxes", bind(&ControlPlaneRoutes::list_sandboxes_v2));
  server.Get(R"(/sandboxes/([^/]+))", bind(&ControlPlaneRoutes::get_sandbox));
  server.Delete(R"(/sandboxes/([^/]+))", bind(&ControlPlaneRoutes::kill_sandbox));
  server.Post(R"(/sandboxes/([^/]+)/timeout)", bind(&ControlPlaneRoutes::set_timeout));
  server.Post(R"(/sandboxes/([^/]+)/refreshes)", bind(&ControlPlaneRoutes::refresh));
  server.Post(R"(/sandboxes/([^/]+)/pause)", bind(&ControlPlaneRoutes::pause));
  server.Post(R"(/sandboxes/([^/]+)/resume)", bind(&ControlPlaneRoutes::resume));
  server.Post(R"(/sandboxes/([^/]+)/connect)", bind(&ControlPlaneRoutes::connect));
  server.Get(R"(/sandboxes/([^/]+)/logs)", bind(&ControlPlaneRoutes::logs_v1));
  server.Get(R"(/v2/sandboxes/([^/]+)/logs)", bind(&ControlPlaneRoutes::logs_v2));
  server.Get(R"(/sandboxes/([^/]+)/metrics)", bind(&ControlPlaneRoutes::metrics));
  server.Get("/templates", bind(&ControlPlaneRoutes::list_templates));
  server.Get(R"(/templates/aliases/([^/]+))", bind(&ControlPlaneRoutes::template_by_alias));
  // GET /health is envd's route: it answers for the control plane too (200) when no sandbox is named.
}

void ControlPlaneRoutes::create_sandbox(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto request = parse_json_body(req).get<ppio_sandbox::core::NewSandbox>();
  send_json(res, 201, created_json(registry_.create(team, request)));
}

void ControlPlaneRoutes::get_sandbox(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  send_json(res, 200, registry_.info(team, req.matches[1]));
}

void ControlPlaneRoutes::list_sandboxes_v1(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  state::ListFilter filter;
  filter.metadata = metadata_filter(req);
  filter.states = {SandboxState::running};
  filter.limit = std::numeric_limits<int>::max();
  send_json(res, 200, registry_.list(team, filter).sandboxes);
}

void ControlPlaneRoutes::list_sandboxes_v2(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
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
  const std::string team = admit(req);
  registry_.kill(team, req.matches[1]);
  res.status = 204;
}

void ControlPlaneRoutes::set_timeout(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  registry_.set_timeout(team, req.matches[1], required_int(parse_json_body(req), "timeout"));
  res.status = 204;
}

void ControlPlaneRoutes::refresh(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto body = optional_body(req);
  std::optional<int> duration;
  if (body.contains("duration")) duration = required_int(body, "duration");
  registry_.refresh(team, req.matches[1], duration);
  res.status = 204;
}

void ControlPlaneRoutes::pause(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  optional_body(req);  // {"memory": bool} or the legacy {"sync": bool}; both only validated
  registry_.pause(team, req.matches[1]);
  res.status = 204;
}

void ControlPlaneRoutes::resume(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto body = optional_body(req);
  const int timeout = body.contains("timeout") ? required_int(body, "timeout") : 15;
  std::optional<bool> auto_pause;
  if (auto it = body.find("autoPause"); it != body.end()) auto_pause = it->get<bool>();
  send_json(res, 201, created_json(registry_.resume(team, req.matches[1], timeout, auto_pause)));
}

void ControlPlaneRoutes::connect(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto result = registry_.connect(team, req.matches[1], required_int(parse_json_body(req), "timeout"));
  send_json(res, result.resumed ? 201 : 200, created_json(result.record));
}

void ControlPlaneRoutes::logs_v1(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto start_ms = int_param(req, "start");
  const int limit = int_param(req, "limit").value_or(1000);
  json logs = json::array();
  json entries = json::array();
  for (const auto& line : registry_.get(team, req.matches[1]).logs) {
    if (start_ms && unix_ms(line.at) < *start_ms) continue;
    if (static_cast<int>(logs.size()) >= limit) break;
    logs.push_back({{"timestamp", ppio_sandbox::core::format_rfc3339(line.at)}, {"line", line.message}});
    entries.push_back(log_entry(line));
  }
  send_json(res, 200, json{{"logs", logs}, {"logEntries", entries}});
}

void ControlPlaneRoutes::logs_v2(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto cursor_ms = int_param(req, "cursor");
  const int limit = std::min(int_param(req, "limit").value_or(1000), 1000);
  const std::string direction = req.has_param("direction") ? req.get_param_value("direction") : "forward";
  if (direction != "forward" && direction != "backward") throw ServiceError(400, "direction must be forward or backward");
  const std::string level = req.get_param_value("level");
  const std::string search = req.get_param_value("search");
  static const std::vector<std::string> kLevels{"debug", "info", "warn", "error"};
  auto rank = [](const std::string& l) { return std::find(kLevels.begin(), kLevels.end(), l) - kLevels.begin(); };
  if (!level.empty() && rank(level) == static_cast<long>(kLevels.size())) throw ServiceError(400, "invalid level '" + level + "'");

  auto lines = registry_.get(team, req.matches[1]).logs;
  if (direction == "backward") std::reverse(lines.begin(), lines.end());
  json out = json::array();
  for (const auto& line : lines) {
    if (cursor_ms && (direction == "forward" ? unix_ms(line.at) < *cursor_ms : unix_ms(line.at) > *cursor_ms)) continue;
    if (!level.empty() && rank(line.level) < rank(level)) continue;
    if (!search.empty() && line.message.find(search) == std::string::npos) continue;
    if (static_cast<int>(out.size()) >= limit) break;
    out.push_back(log_entry(line));
  }
  send_json(res, 200, json{{"logs", out}});
}

void ControlPlaneRoutes::metrics(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto record = registry_.get(team, req.matches[1]);
  const auto now = registry_.now();
  const std::int64_t mib = 1024 * 1024;
  send_json(res, 200,
            json::array({{{"timestamp", ppio_sandbox::core::format_rfc3339(now)},
                          {"timestampUnix", unix_ms(now) / 1000},
                          {"cpuCount", record.info.cpu_count},
                          {"cpuUsedPct", 0.0},
                          {"memUsed", 0},
                          {"memTotal", record.info.memory_mb * mib},
                          {"memCache", 0},
                          {"diskUsed", 0},
                          {"diskTotal", record.info.disk_size_mb * mib}}}));
}

void ControlPlaneRoutes::template_by_alias(const httplib::Request& req, httplib::Response& res) {
  admit(req);
  const auto* t = registry_.templates().find(req.matches[1]);
  if (t == nullptr) throw ServiceError(404, "template '" + std::string(req.matches[1]) + "' not found");
  send_json(res, 200, json{{"templateID", t->template_id}, {"public", t->is_public}});
}

void ControlPlaneRoutes::list_templates(const httplib::Request& req, httplib::Response& res) {
  admit(req);
  send_json(res, 200, registry_.templates().all());
}

}  // namespace ppio_mock::api
