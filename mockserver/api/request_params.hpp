#pragma once
// Reading a control-plane request: query parameters and body fields, each
// refused with a 400 in the service's shape when malformed.
#include <optional>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "ppio_sandbox/core/api_models.hpp"

namespace ppio_mock::api {

inline constexpr int kMaxPageSize = 100;

// `metadata=k1%3Dv1%26k2%3Dv2`; empty when absent.
ppio_sandbox::core::Metadata metadata_filter(const httplib::Request& req);
// `state=running,paused`; empty when absent.
std::vector<ppio_sandbox::core::SandboxState> state_filter(const httplib::Request& req);
// `limit`, 1.. (clamped to 100); 100 when absent.
int page_limit(const httplib::Request& req);
// A non-negative integer query parameter, or nullopt when absent.
std::optional<long long> int_param(const httplib::Request& req, const char* name);
// A query parameter given and not empty, or nullopt.
std::optional<std::string> string_param(const httplib::Request& req, const char* name);

// A body that may be empty; when present it must be a JSON object.
nlohmann::json optional_body(const httplib::Request& req);
// An integer body field: 400 when missing (required_int) or not an integer.
int required_int(const nlohmann::json& body, const char* field);
std::optional<int> optional_int(const nlohmann::json& body, const char* field);

}  // namespace ppio_mock::api
