#include "mockserver/api/http_edge.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <regex>

#include "mockserver/net/sockets.hpp"
#include "mockserver/state/service_error.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_mock::api {

using nlohmann::json;
using state::ServiceError;

namespace {

const char* default_message(int status) {
  switch (status) {
    case 400: return "Bad request";
    case 401: return "Unauthorized";
    case 404: return "Not found";
    case 405: return "Method not allowed";
    case 413: return "Request body too large";
    case 414: return "URI too long";
    case 429: return "Rate limit exceeded";
    default: return "Internal server error";
  }
}

}  // namespace

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(ppio_sandbox::core::json_fields::wire_text(body), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, json{{"code", status}, {"message", message}});
}

void send_error_and_close(const httplib::Request& req, httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Connection", "close");
  auto text = std::make_shared<const std::string>(ppio_sandbox::core::json_fields::wire_text(body));
  const int local_port = req.local_port, remote_port = req.remote_port;
  res.set_content_provider(text->size(), "application/json",
                           [text, local_port, remote_port](size_t offset, size_t, httplib::DataSink& sink) {
                             if (!sink.write(text->data() + offset, text->size() - offset)) return false;
                             // httplib does not expose the socket: it is found by its two ports.
                             for (const int fd : net::connection_fds(local_port, remote_port)) {
                               net::discard_rest(fd, net::kLingerMaxBytes, net::kLingerIdle);
                             }
                             return false;  // a provider that fails makes httplib close the connection
                           });
}

namespace {

// Answers `status` in the shape of the service `req` is for, then closes the
// connection: Connect's error JSON (with `code`) for an envd RPC, else
// {"code": status, "message"}.
void refuse_and_close(const httplib::Request& req, httplib::Response& res, int status,
                      ppio_sandbox::core::connect::Code code, const std::string& message) {
  if (is_connect_procedure(req.path)) {
    return send_error_and_close(req, res, status, ppio_sandbox::core::connect::error_json({code, message}));
  }
  send_error_and_close(req, res, status, json{{"code", status}, {"message", message}});
}

}  // namespace

void refuse_too_large(const httplib::Request& req, httplib::Response& res) {
  using ppio_sandbox::core::connect::Code;
  refuse_and_close(req, res, 413, Code::resource_exhausted,
                   is_connect_procedure(req.path) ? "request body too large" : default_message(413));
}

void refuse_unreadable_body(const httplib::Request& req, httplib::Response& res, const std::string& message) {
  refuse_and_close(req, res, 400, ppio_sandbox::core::connect::Code::invalid_argument, message);
}

bool refuse_body_never_read(const httplib::Request& req, httplib::Response& res) {
  if (req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || req.method == "DELETE") return false;
  if (!carries_body(req)) return false;
  refuse_unreadable_body(req, res, "a " + req.method + " request cannot have a body");
  return true;
}

namespace {

// Reads the body within `limit`; nullopt when it is over the limit or cannot be
// read (a multipart body without a boundary, broken chunks, a body cut short):
// the answer is then sent, and the connection closed after it.
std::optional<std::string> read_within(std::size_t limit, const httplib::Request& req, httplib::Response& res,
                                       const httplib::ContentReader& reader) {
  // Neither a length nor chunks: no body (RFC 9112 6.3). httplib would read
  // one until the connection closed, the client's next request included.
  if (!carries_body(req)) return std::string();
  std::string body;
  bool over = false;
  const auto receive = [&](const char* data, std::size_t size) {
    over = over || size > limit - body.size();
    if (over) return false;
    body.append(data, size);
    return true;
  };
  bool read = false;
  if (req.is_multipart_form_data()) {
    std::size_t seen = 0;
    read = reader([](const httplib::MultipartFormData&) { return true; },
                  [&](const char*, std::size_t size) {
                    seen += size;
                    over = over || seen > limit;
                    return !over;
                  });
  } else {
    read = reader(receive);
  }
  if (read) return body;
  if (over) {
    refuse_too_large(req, res);
  } else {
    refuse_unreadable_body(req, res, "the request body could not be read: " +
                                         std::string(req.is_multipart_form_data()
                                                         ? "a multipart body without a boundary, or cut short"
                                                         : "broken chunks, or cut short"));
  }
  return std::nullopt;
}

// The route, reading its body within `limit` first; over it, refuse_too_large.
httplib::Server::HandlerWithContentReader reading_body(std::size_t limit, httplib::Server::Handler handler) {
  return [limit, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res,
                                               const httplib::ContentReader& reader) {
    auto body = read_within(limit, req, res, reader);
    if (!body) return;
    // Where httplib itself would have put it; the Request is httplib's own, not const.
    const_cast<httplib::Request&>(req).body = std::move(*body);
    handler(req, res);
  };
}

}  // namespace

void Router::get(const std::string& pattern, httplib::Server::Handler handler) {
  server_.Get(pattern, std::move(handler));
}

void Router::post(const std::string& pattern, httplib::Server::Handler handler) {
  server_.Post(pattern, reading_body(max_body_, std::move(handler)));
}

void Router::put(const std::string& pattern, httplib::Server::Handler handler) {
  server_.Put(pattern, reading_body(max_body_, std::move(handler)));
}

void Router::del(const std::string& pattern, httplib::Server::Handler handler) {
  server_.Delete(pattern, reading_body(max_body_, std::move(handler)));
}

void Router::post_streaming(const std::string& pattern, httplib::Server::HandlerWithContentReader handler) {
  server_.Post(pattern, std::move(handler));
}

void Router::refuse_unrouted_bodies() {
  const auto unrouted = [limit = max_body_](const httplib::Request& req, httplib::Response& res,
                                            const httplib::ContentReader& reader) {
    if (read_within(limit, req, res, reader)) res.status = 404;  // the error handler writes the body
  };
  server_.Post(".*", unrouted);
  server_.Put(".*", unrouted);
  server_.Patch(".*", unrouted);
  server_.Delete(".*", unrouted);
}

httplib::Server::Handler guarded(RouteHandler handler) {
  return [handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    try {
      handler(req, res);
    } catch (const ServiceError& e) {
      if (e.retry_after_seconds()) res.set_header("Retry-After", std::to_string(*e.retry_after_seconds()));
      send_error(res, e.status(), e.what());
    } catch (const json::exception& e) {
      // Valid JSON of the wrong shape: a missing field or a mistyped one.
      send_error(res, 400, std::string("Invalid request body: ") + e.what());
    }
  };
}

void ignore_range(const httplib::Request& req) {
  // httplib hands handlers its own Request, which is not const: what it reads
  // of the ranges, when it writes the answer, is what is left here.
  const_cast<httplib::Request&>(req).ranges.clear();
}

bool carries_body(const httplib::Request& req) {
  const std::string length = req.get_header_value("Content-Length");
  if (!length.empty() && length.find_first_not_of('0') != std::string::npos) return true;
  return req.get_header_value("Transfer-Encoding").find("chunked") != std::string::npos;
}

bool is_connect_procedure(const std::string& path) {
  static const std::regex procedure(R"(^(/envd/[^/]+)?/[a-z]+\.[A-Za-z]+/[A-Za-z]+$)");
  return std::regex_match(path, procedure);
}

json parse_json_body(const httplib::Request& req) {
  auto body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw ServiceError(400, "Request body is not valid JSON");
  if (!body.is_object()) throw ServiceError(400, "Request body must be a JSON object");
  return body;
}

std::string authenticate(const httplib::Request& req, const state::Tenants& tenants) {
  const std::string key = req.get_header_value("X-API-Key");
  if (key.empty()) throw ServiceError(401, "X-API-Key header is missing");
  auto team = tenants.team_for(key);
  if (!team) throw ServiceError(401, "Invalid API key");
  return *team;
}

void UnexpectedErrors::record(const httplib::Request& req, const std::string& what) {
  std::cerr << "ppio-mock: unexpected error (a bug in the fake) in " << req.method << " " << req.path << ": " << what
            << std::endl;
  std::lock_guard lock(mutex_);
  ++count_;
  last_ = json{{"method", req.method}, {"path", req.path}, {"message", what}};
}

std::uint64_t UnexpectedErrors::count() const {
  std::lock_guard lock(mutex_);
  return count_;
}

json UnexpectedErrors::to_json() const {
  std::lock_guard lock(mutex_);
  return json{{"count", count_}, {"last", last_}};
}

void install_error_shapes(httplib::Server& server, UnexpectedErrors* unexpected) {
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    // A response with a content provider (send_error_and_close) has its body already.
    if (res.body.empty() && !res.content_provider_) {
      const json body{{"code", res.status}, {"message", default_message(res.status)}};
      // A request httplib could not parse (400, 414) or whose body it could not read
      // (400, 413) has bytes left on the connection that must never be read as a request.
      const bool unread = res.status == 400 || res.status == 413 || res.status == 414;
      unread ? send_error_and_close(req, res, res.status, body) : send_json(res, res.status, body);
    }
    ignore_range(req);  // a Range names bytes of the resource, never of an error
  });
  server.set_exception_handler(
      [unexpected](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        if (unexpected != nullptr) unexpected->record(req, what);
        const std::string message = "Internal server error: " + what;
        if (is_connect_procedure(req.path)) {
          return send_json(res, 500, json{{"code", "internal"}, {"message", message}});
        }
        send_error(res, 500, message);
      });
}

}  // namespace ppio_mock::api
