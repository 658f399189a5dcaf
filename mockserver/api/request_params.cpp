#include "mockserver/api/request_params.hpp"

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

std::optional<long long> int_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return std::nullopt;
  const std::string text = req.get_param_value(name);
  long long value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < 0) {
    throw ServiceError(400, std::string(name) + " must be a non-negative integer, got '" + text + "'");
  }
  return value;
}

std::optional<std::string> string_param(const httplib::Request& req, const char* name) {
  if (!req.has_param(name) || req.get_param_value(name).empty()) return std::nullopt;
  return req.get_param_value(name);
}

json optional_body(const httplib::Request& req) { return req.body.empty() ? json::object() : parse_json_body(req); }

int required_int(const json& body, const char* field) {
  auto it = body.find(field);
  if (it == body.end()) throw ServiceError(400, std::string("'") + field + "' is required");
  if (!it->is_number_integer()) throw ServiceError(400, std::string("'") + field + "' must be an integer");
  const auto value = it->get<long long>();
  if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
    throw ServiceError(400, std::string("'") + field + "' is out of range");
  }
  return static_cast<int>(value);
}

std::optional<int> optional_int(const json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null()) return std::nullopt;
  return required_int(body, field);
}

}  // namespace ppio_mock::api
