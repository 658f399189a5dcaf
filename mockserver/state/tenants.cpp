#include "mockserver/state/tenants.hpp"

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace ppio_mock::state {

Tenants Tenants::from_json_text(const std::string& text) {
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_object()) {
    throw std::invalid_argument(R"(tenants JSON must look like {"keys": {"<api key>": "<team>"}})");
  }
  Tenants tenants;
  for (const auto& [key, team] : doc["keys"].items()) {
    if (!team.is_string() || key.empty()) throw std::invalid_argument("tenants: each key maps to a team name");
    tenants.add(key, team.get<std::string>());
  }
  return tenants;
}

Tenants Tenants::from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::invalid_argument("cannot read tenants file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return from_json_text(text.str());
}

}  // namespace ppio_mock::state
