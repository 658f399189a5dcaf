#include "mockserver/admin/admin_routes.hpp"

#include <charconv>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/state/service_error.hpp"

namespace ppio_mock::admin {

using nlohmann::json;
using state::ServiceError;

namespace {

json clock_json(const state::VirtualClock& clock) {
  return json{{"now", ppio_sandbox::core::format_rfc3339(clock.now())}, {"frozen", clock.frozen()}};
}

std::optional<std::string> param(const httplib::Request& req, const char* name) {
  return req.has_param(name) ? std::optional<std::string>(req.get_param_value(name)) : std::nullopt;
}

std::optional<int> int_param(const httplib::Request& req, const char* name) {
  const auto text = param(req, name);
  if (!text) return std::nullopt;
  int value = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || ptr != text->data() + text->size() || value < 0) {
    throw ServiceError(400, std::string(name) + " must be a non-negative integer");
  }
  return value;
}

}  // namespace

AdminRoutes::AdminRoutes(state::Registry& registry, state::VirtualClock& clock, Journal& journal, std::string token)
    : registry_(registry), clock_(clock), journal_(journal), token_(std::move(token)) {}

void AdminRoutes::mount(api::Router& router) {
  auto bind = [this](void (AdminRoutes::*fn)(const httplib::Request&, httplib::Response&)) {
    return api::guarded([this, fn](const httplib::Request& req, httplib::Response& res) {
      check_token(req);
      (this->*fn)(req, res);
    });
  };
  router.post("/_mock/reset", bind(&AdminRoutes::reset));
  router.get("/_mock/clock", bind(&AdminRoutes::get_clock));
  router.post("/_mock/clock", bind(&AdminRoutes::set_clock));
  router.get("/_mock/state", bind(&AdminRoutes::dump_state));
  router.get("/_mock/journal", bind(&AdminRoutes::get_journal));
  router.del("/_mock/journal", bind(&AdminRoutes::clear_journal));
}

void AdminRoutes::check_token(const httplib::Request& req) const {
  if (req.get_header_value("X-Admin-Token") != token_) {
    throw ServiceError(401, "admin API: missing or wrong X-Admin-Token");
  }
}

void AdminRoutes::reset(const httplib::Request&, httplib::Response& res) {
  registry_.reset();
  journal_.clear();
  res.status = 204;
}

void AdminRoutes::get_clock(const httplib::Request&, httplib::Response& res) { api::send_json(res, 200, clock_json(clock_)); }

// Body fields, applied in this order: "freeze" (bool), "set" (RFC 3339), "advance_ms" (integer).
void AdminRoutes::set_clock(const httplib::Request& req, httplib::Response& res) {
  const auto body = api::parse_json_body(req);
  if (auto it = body.find("freeze"); it != body.end()) {
    if (it->get<bool>()) clock_.freeze();
    else clock_.unfreeze();
  }
  if (auto it = body.find("set"); it != body.end()) {
    try {
      clock_.set(ppio_sandbox::core::parse_rfc3339(it->get<std::string>()));
    } catch (const std::invalid_argument& e) {
      throw ServiceError(400, e.what());
    }
  }
  if (auto it = body.find("advance_ms"); it != body.end()) {
    // A float (cast to an integer) or a clock past what a Timestamp holds would be undefined behaviour.
    if (!it->is_number_integer()) throw ServiceError(400, "advance_ms must be an integer");
    const auto ms = it->get<std::int64_t>();
    if (ms < 0) throw ServiceError(400, "advance_ms must not be negative");
    const auto room = std::chrono::duration_cast<std::chrono::milliseconds>(state::Timestamp::max() - clock_.now());
    if (ms >= room.count()) throw ServiceError(400, "advance_ms would take the clock past what it can hold (the year 2262)");
    clock_.advance(std::chrono::milliseconds(ms));
  }
  api::send_json(res, 200, clock_json(clock_));
}

void AdminRoutes::dump_state(const httplib::Request&, httplib::Response& res) {
  json sandboxes = json::array();
  for (const auto& record : registry_.all()) {
    json item = record.info;
    item["team"] = record.team;
    item["envVars"] = record.env_vars;
    item["autoPause"] = record.settings.auto_pause;
    item["autoResume"] = record.settings.auto_resume;
    item["autoPauseMemory"] = record.settings.auto_pause_memory;
    sandboxes.push_back(std::move(item));
  }
  json state{{"clock", clock_json(clock_)}, {"sandboxes", sandboxes}, {"templates", registry_.templates().all()}};
  if (server_facts_) state["server"] = server_facts_();
  api::send_json(res, 200, state);
}

void AdminRoutes::get_journal(const httplib::Request& req, httplib::Response& res) {
  JournalFilter filter;
  filter.method = param(req, "method");
  filter.path_contains = param(req, "path");
  filter.status = int_param(req, "status");
  filter.team = param(req, "team");
  filter.sandbox = param(req, "sandbox");
  if (auto limit = int_param(req, "limit")) filter.limit = static_cast<std::size_t>(*limit);
  api::send_json(res, 200, journal_.query(filter));
}

void AdminRoutes::clear_journal(const httplib::Request&, httplib::Response& res) {
  journal_.clear();
  res.status = 204;
}

}  // namespace ppio_mock::admin
