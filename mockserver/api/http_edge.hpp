#pragma once
// Where the fake's errors become HTTP: once, for every route.
#include <functional>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/state/tenants.hpp"

namespace ppio_mock::api {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
// The control plane's error shape: {"code": status, "message": "..."}.
void send_error(httplib::Response& res, int status, const std::string& message);

using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&)>;
// Runs `handler`; ServiceError and malformed or mistyped JSON become error bodies.
httplib::Server::Handler guarded(RouteHandler handler);

// The request body as JSON; 400 when it is not JSON.
nlohmann::json parse_json_body(const httplib::Request& req);

// The team behind X-API-Key; throws ServiceError 401 when missing or unknown.
std::string authenticate(const httplib::Request& req, const state::Tenants& tenants);

// Fills in the JSON error body for statuses httplib produced itself
// (unknown route 404, oversized body 413, ...).
void install_error_shapes(httplib::Server& server);

}  // namespace ppio_mock::api
