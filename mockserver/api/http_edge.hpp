#pragma once
// Where the fake's errors become HTTP: once, for every route.
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "mockserver/state/tenants.hpp"

namespace ppio_mock::api {

void send_json(httplib::Response& res, int status, const nlohmann::json& body);
// The control plane's error shape: {"code": status, "message": "..."}.
void send_error(httplib::Response& res, int status, const std::string& message);

using RouteHandler = std::function<void(const httplib::Request&, httplib::Response&)>;
// The error shape, answered before the request's body was read (too large, say):
// `Connection: close`, and once the answer is out, a lingering close that reads
// and discards what the client still sends (net::discard_rest), so that a
// client sending its whole body before reading finds the answer, not a reset;
// then the connection ends, so the rest of the body is never read as a request.
void send_error_and_close(const httplib::Request& req, httplib::Response& res, int status,
                          const std::string& message);

// Runs `handler`; ServiceError and malformed or mistyped JSON become error bodies.
httplib::Server::Handler guarded(RouteHandler handler);

// The request body as JSON; 400 when it is not JSON.
nlohmann::json parse_json_body(const httplib::Request& req);

// The team behind X-API-Key; throws ServiceError 401 when missing or unknown.
std::string authenticate(const httplib::Request& req, const state::Tenants& tenants);

// Exceptions no handler mapped: each is a bug in the fake. They are logged with
// their request and counted, so /_mock/state and the fuzzers can see them.
class UnexpectedErrors {
 public:
  void record(const httplib::Request& req, const std::string& what);
  std::uint64_t count() const;
  // {"count": n, "last": {"method", "path", "message"} or null}
  nlohmann::json to_json() const;

 private:
  mutable std::mutex mutex_;
  std::uint64_t count_ = 0;
  nlohmann::json last_;
};

// Fills in the JSON error body for statuses httplib produced itself (unknown
// route 404, oversized body 413, ...), and answers an unexpected exception with
// 500 in the shape of the service it reached: Connect's for envd RPCs.
void install_error_shapes(httplib::Server& server, UnexpectedErrors* unexpected = nullptr);

}  // namespace ppio_mock::api
