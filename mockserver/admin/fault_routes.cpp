#include "mockserver/admin/fault_routes.hpp"

#include "mockserver/api/http_edge.hpp"
#include "mockserver/state/service_error.hpp"

namespace ppio_mock::admin {

using nlohmann::json;
using state::ServiceError;

namespace {

json status_json(const faults::RuleStatus& s) {
  json j = faults::to_json(s.rule);
  j["matched"] = s.matched;
  j["fired"] = s.fired;
  return j;
}

// Scenario names are plain words: no path may be smuggled in.
bool plain_name(const std::string& name) {
  return !name.empty() && name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-_") == std::string::npos;
}

}  // namespace

FaultRoutes::FaultRoutes(faults::FaultEngine& engine, std::string token, std::string scenario_dir)
    : engine_(engine), token_(std::move(token)), scenario_dir_(std::move(scenario_dir)) {}

void FaultRoutes::mount(api::Router& router) {
  auto bind = [this](void (FaultRoutes::*fn)(const httplib::Request&, httplib::Response&)) {
    return api::guarded([this, fn](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("X-Admin-Token") != token_) {
        throw ServiceError(401, "admin API: missing or wrong X-Admin-Token");
      }
      (this->*fn)(req, res);
    });
  };
  router.get("/_mock/faults", bind(&FaultRoutes::list));
  router.post("/_mock/faults", bind(&FaultRoutes::add));
  router.del("/_mock/faults", bind(&FaultRoutes::clear));
  router.post("/_mock/faults/seed", bind(&FaultRoutes::reseed));
  router.del(R"(/_mock/faults/([^/]+))", bind(&FaultRoutes::remove));
}

void FaultRoutes::list(const httplib::Request&, httplib::Response& res) {
  json rules = json::array();
  for (const auto& s : engine_.rules()) rules.push_back(status_json(s));
  api::send_json(res, 200, rules);
}

// Body: one rule, {"rules": [...]}, or {"scenario": "<name>"} from the scenario directory.
void FaultRoutes::add(const httplib::Request& req, httplib::Response& res) {
  const auto body = api::parse_json_body(req);
  std::vector<faults::Rule> rules;
  try {
    if (body.contains("scenario")) {
      const auto name = body["scenario"].get<std::string>();
      if (!plain_name(name)) throw std::invalid_argument("scenario names are letters, digits, '-' and '_'");
      rules = faults::load_scenario(scenario_dir_ + "/" + name + ".json").rules;
    } else if (body.contains("rules")) {
      rules = faults::scenario_from_json_text(body.dump()).rules;
    } else {
      rules.push_back(faults::rule_from_json(body));
    }
  } catch (const std::invalid_argument& e) {
    throw ServiceError(400, e.what());
  }
  json ids = json::array();
  try {
    for (auto& r : rules) ids.push_back(engine_.add(std::move(r)));
  } catch (const std::invalid_argument& e) {
    throw ServiceError(409, e.what());
  }
  api::send_json(res, 201, json{{"ids", ids}});
}

void FaultRoutes::remove(const httplib::Request& req, httplib::Response& res) {
  if (!engine_.remove(req.matches[1])) throw ServiceError(404, "no fault rule '" + std::string(req.matches[1]) + "'");
  res.status = 204;
}

void FaultRoutes::clear(const httplib::Request&, httplib::Response& res) {
  engine_.clear();
  res.status = 204;
}

void FaultRoutes::reseed(const httplib::Request& req, httplib::Response& res) {
  const auto body = api::parse_json_body(req);
  auto it = body.find("seed");
  if (it == body.end() || !it->is_number_unsigned()) throw ServiceError(400, "'seed' must be a non-negative integer");
  engine_.reseed(it->get<std::uint64_t>());
  res.status = 204;
}

}  // namespace ppio_mock::admin
