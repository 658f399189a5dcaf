#include "mockserver/api/control_plane_routes.hpp"

#include <algorithm>
#include <limits>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/api/request_params.hpp"
#include "mockserver/api/response_bodies.hpp"
#include "mockserver/state/service_error.hpp"

namespace ppio_mock::api {

using nlohmann::json;
using ppio_sandbox::core::SandboxState;
using state::ServiceError;
using state::Timestamp;

namespace {

// POST /v2/sandboxes and /v2/sandboxes/{id}/connect: an omitted timeout is 300 s, and 0 is refused.
constexpr int kV2DefaultTimeoutSeconds = 300;

std::int64_t unix_ms(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

Timestamp from_unix_seconds(long long seconds) { return Timestamp(std::chrono::seconds(seconds)); }

json log_entry(const state::LogLine& line) {
  return json{{"timestamp", ppio_sandbox::core::format_rfc3339(line.at)},
              {"level", line.level},
              {"message", line.message},
              {"fields", json::object()}};
}

// A v2 timeout: optional (300 s), at least 1 s.
int v2_timeout(const json& body) {
  const int timeout = optional_int(body, "timeout").value_or(kV2DefaultTimeoutSeconds);
  if (timeout < 1) throw ServiceError(400, "timeout must be at least 1 second");
  return timeout;
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

void ControlPlaneRoutes::refuse_on_legacy(const std::string& feature) const {
  if (registry_.options().legacy_v1) throw ServiceError(404, feature + " is not supported on PPIO's legacy (v1) domain");
}

void ControlPlaneRoutes::mount(Router& router) {
  auto bind = [this](void (ControlPlaneRoutes::*fn)(const httplib::Request&, httplib::Response&)) {
    return guarded([this, fn](const httplib::Request& req, httplib::Response& res) { (this->*fn)(req, res); });
  };
  router.post("/sandboxes", bind(&ControlPlaneRoutes::create_sandbox));
  router.post("/v2/sandboxes", bind(&ControlPlaneRoutes::create_sandbox_v2));  // newer e2b SDKs create here
  router.get("/sandboxes", bind(&ControlPlaneRoutes::list_sandboxes_v1));
  router.get("/v2/sandboxes", bind(&ControlPlaneRoutes::list_sandboxes_v2));
  router.get(R"(/sandboxes/([^/]+))", bind(&ControlPlaneRoutes::get_sandbox));
  router.del(R"(/sandboxes/([^/]+))", bind(&ControlPlaneRoutes::kill_sandbox));
  router.post(R"(/sandboxes/([^/]+)/timeout)", bind(&ControlPlaneRoutes::set_timeout));
  router.post(R"(/sandboxes/([^/]+)/refreshes)", bind(&ControlPlaneRoutes::refresh));
  router.post(R"(/sandboxes/([^/]+)/pause)", bind(&ControlPlaneRoutes::pause));
  router.post(R"(/sandboxes/([^/]+)/resume)", bind(&ControlPlaneRoutes::resume));
  router.post(R"(/sandboxes/([^/]+)/connect)", bind(&ControlPlaneRoutes::connect));
  router.post(R"(/v2/sandboxes/([^/]+)/connect)", bind(&ControlPlaneRoutes::connect_v2));
  router.get(R"(/sandboxes/([^/]+)/logs)", bind(&ControlPlaneRoutes::logs_v1));
  router.get(R"(/v2/sandboxes/([^/]+)/logs)", bind(&ControlPlaneRoutes::logs_v2));
  router.get(R"(/sandboxes/([^/]+)/metrics)", bind(&ControlPlaneRoutes::metrics));
  router.post(R"(/sandboxes/([^/]+)/snapshots)", bind(&ControlPlaneRoutes::create_snapshot));
  router.get("/snapshots", bind(&ControlPlaneRoutes::list_snapshots));
  router.post(R"(/sandboxes/([^/]+)/fork)", bind(&ControlPlaneRoutes::fork));
  router.put(R"(/sandboxes/([^/]+)/network)", bind(&ControlPlaneRoutes::update_network));
  router.get("/templates", bind(&ControlPlaneRoutes::list_templates));
  router.get(R"(/templates/aliases/([^/]+))", bind(&ControlPlaneRoutes::template_by_alias));
  // A snapshot id is "<team>/<name>:<tag>"; its '/' arrives decoded.
  router.del(R"(/templates/(.+))", bind(&ControlPlaneRoutes::delete_template));
  // GET /health is envd's route: it answers for the control plane too (200) when no sandbox is named.
}

void ControlPlaneRoutes::create_sandbox(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto request = parse_json_body(req).get<state::CreateRequest>();
  send_json(res, 201, created_json(registry_.create(team, request)));
}

void ControlPlaneRoutes::create_sandbox_v2(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto body = parse_json_body(req);
  auto request = body.get<state::CreateRequest>();
  request.timeout = v2_timeout(body);
  send_json(res, 201, created_json(registry_.create(team, request)));
}

void ControlPlaneRoutes::get_sandbox(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  send_json(res, 200, detail_json(registry_.detail(team, req.matches[1])));
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
  filter.cursor = string_param(req, "nextToken");
  if (const auto order = string_param(req, "order")) {
    if (*order != "asc" && *order != "desc") throw ServiceError(400, "invalid order '" + *order + "': asc or desc");
    filter.ascending = *order == "asc";
  }
  if (const auto after = string_param(req, "startedAfter")) {
    try {
      filter.started_after = ppio_sandbox::core::parse_rfc3339(*after);
    } catch (const std::invalid_argument&) {
      throw ServiceError(400, "invalid startedAfter '" + *after + "': an RFC 3339 date-time is required");
    }
  }
  filter.template_ref = string_param(req, "template");
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
  registry_.refresh(team, req.matches[1], optional_int(optional_body(req), "duration"));
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
  const int timeout = optional_int(body, "timeout").value_or(15);
  std::optional<bool> auto_pause;
  if (auto it = body.find("autoPause"); it != body.end()) auto_pause = it->get<bool>();
  send_json(res, 201, created_json(registry_.resume(team, req.matches[1], timeout, auto_pause)));
}

void ControlPlaneRoutes::connect(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto result = registry_.connect(team, req.matches[1], required_int(parse_json_body(req), "timeout"));
  send_json(res, result.resumed ? 201 : 200, created_json(result.record));
}

void ControlPlaneRoutes::connect_v2(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto result = registry_.connect(team, req.matches[1], v2_timeout(optional_body(req)));
  send_json(res, result.resumed ? 201 : 200, created_json(result.record));
}

void ControlPlaneRoutes::logs_v1(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto start_ms = int_param(req, "start");
  const auto limit = int_param(req, "limit").value_or(1000);
  json logs = json::array();
  json entries = json::array();
  for (const auto& line : registry_.get(team, req.matches[1]).logs) {
    if (start_ms && unix_ms(line.at) < *start_ms) continue;
    if (static_cast<long long>(logs.size()) >= limit) break;
    logs.push_back({{"timestamp", ppio_sandbox::core::format_rfc3339(line.at)}, {"line", line.message}});
    entries.push_back(log_entry(line));
  }
  send_json(res, 200, json{{"logs", logs}, {"logEntries", entries}});
}

void ControlPlaneRoutes::logs_v2(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  const auto cursor_ms = int_param(req, "cursor");
  const auto limit = std::min<long long>(int_param(req, "limit").value_or(1000), 1000);
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
    if (static_cast<long long>(out.size()) >= limit) break;
    out.push_back(log_entry(line));
  }
  send_json(res, 200, json{{"logs", out}});
}

void ControlPlaneRoutes::metrics(const httplib::Request& req, httplib::Response& res) {
  const std::string team = admit(req);
  // PPIO's v1 domain takes the window in unix milliseconds (ppio-sandbox
  // multiplies by 1000 there), the modern one in seconds.
  const bool legacy = registry_.options().legacy_v1;
  const auto at = [legacy](long long value) {
    return legacy ? Timestamp(std::chrono::milliseconds(value)) : from_unix_seconds(value);
  };
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  if (const auto start = int_param(req, "start")) from = at(*start);
  if (const auto end = int_param(req, "end")) to = at(*end);
  if (from && to && *from > *to) throw ServiceError(400, "start must not be after end");
  // A whole unit: the window's end covers samples taken within that second (millisecond).
  const Timestamp::duration unit = legacy ? Timestamp::duration(std::chrono::milliseconds(1))
                                          : Timestamp::duration(std::chrono::seconds(1));
  if (to) *to += unit - Timestamp::duration(1);
  const auto samples = registry_.metric_samples(team, req.matches[1], from, to);
  json out = json::array();
  for (const auto t : samples.times) {
    json sample = metric_json(samples.info, t);
    // v1's own memory fields, which ppio-sandbox turns into memTotal/memUsed.
    if (legacy) sample.update({{"memUsedMiB", 0}, {"memTotalMiB", samples.info.memory_mb}});
    out.push_back(std::move(sample));
  }
  send_json(res, 200, out);
}

void ControlPlaneRoutes::template_by_alias(const httplib::Request& req, httplib::Response& res) {
  admit(req);
  const auto* t = registry_.templates().find(req.matches[1]);
  if (t == nullptr) throw ServiceError(404, "template '" + std::string(req.matches[1]) + "' not found");
  send_json(res, 200, json{{"templateID", t->template_id}, {"public", t->is_public}});
}

void ControlPlaneRoutes::list_templates(const httplib::Request& req, httplib::Response& res) {
  admit(req);
  json out = json::array();
  for (const auto& t : registry_.templates().all()) {
    out.push_back(template_json(t, registry_.template_usage(t.template_id), registry_.catalog_loaded_at()));
  }
  send_json(res, 200, out);
}

}  // namespace ppio_mock::api
