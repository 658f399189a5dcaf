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
// An error body, answered before the request's body was read (or all of it):
// `Connection: close`, and once the answer is out, a lingering close that reads
// and discards what the client still sends (net::discard_rest), so that a
// client sending its whole body before reading finds the answer, not a reset;
// then the connection ends, so the rest of the body is never read as a request.
void send_error_and_close(const httplib::Request& req, httplib::Response& res, int status,
                          const nlohmann::json& body);
// 413 for a body over its limit, that way, in the shape of the service the
// request is for: Connect's error JSON for an envd RPC, else {"code","message"}.
void refuse_too_large(const httplib::Request& req, httplib::Response& res);
// 400 for a body that could not be read to its end (no multipart boundary,
// broken chunks), that way too: what is left of it must never be read as the
// next request on the connection.
void refuse_unreadable_body(const httplib::Request& req, httplib::Response& res, const std::string& message);

// How every route of the fake is mounted on httplib, so that none reads a body
// without a limit. A body with a Content-Length over its limit is refused
// before routing; a chunked one has none, and httplib would read it whole. So
// a route with a body (POST, PUT, DELETE) has it read here first, within
// `max_body` bytes, and over that answered refuse_too_large; its handler then
// finds it in req.body (a multipart body's parts are counted and dropped: no
// such route takes one). post_streaming's handler reads its own body (a file
// upload, to disk, within its own limit).
class Router {
 public:
  Router(httplib::Server& server, std::size_t max_body) : server_(server), max_body_(max_body) {}
  void get(const std::string& pattern, httplib::Server::Handler handler);
  void post(const std::string& pattern, httplib::Server::Handler handler);
  void put(const std::string& pattern, httplib::Server::Handler handler);
  void del(const std::string& pattern, httplib::Server::Handler handler);
  void post_streaming(const std::string& pattern, httplib::Server::HandlerWithContentReader handler);
  // Once every route is mounted: a body sent to a path no route has is read
  // within the limit too, then answered 404 (httplib tries content-reading
  // routes first, so this must come after all of them).
  void refuse_unrouted_bodies();

 private:
  httplib::Server& server_;
  std::size_t max_body_;
};

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

// Sends the answer to `req` whole, whatever Range it asked for: httplib would
// slice any body to it. Only a file download serves a Range.
void ignore_range(const httplib::Request& req);

// httplib reads the body of a POST, PUT, PATCH or DELETE only: any other request
// with a body is refused (400, in the route's shape) and its connection closed,
// so that the body is never read as the next request. True when it refused.
bool refuse_body_never_read(const httplib::Request& req, httplib::Response& res);

// Whether the request has a body: a Content-Length over 0, or a chunked one.
bool carries_body(const httplib::Request& req);

// /process.Process/Start, /envd/<id>/filesystem.Filesystem/Stat: envd's Connect procedures.
bool is_connect_procedure(const std::string& path);

// Fills in the JSON error body for statuses httplib produced itself (unknown
// route 404, oversized body 413, ...), keeps every error body whole under a
// Range request, and answers an unexpected exception with 500 in the shape of
// the service it reached: Connect's for envd RPCs.
void install_error_shapes(httplib::Server& server, UnexpectedErrors* unexpected = nullptr);

}  // namespace ppio_mock::api
