#pragma once
// The one seam between the SDK and the network. Everything above it speaks
// HttpRequest/HttpResponse; tests replace it with a gmock double.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ppio_sandbox/core/clock.hpp"

namespace ppio_sandbox::core {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookup, as HTTP header names are.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

struct HttpRequest {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host[:port]/path[?query]
  Headers headers;
  std::string body;
  std::string content_type;
  // How long the exchange may take; `timeout_scope` says whether all of it or each phase.
  std::chrono::milliseconds timeout{60'000};
  enum class TimeoutScope {
    whole_exchange,  // the answer must be complete within `timeout`
    // Each phase on its own, as httpx's timeouts (Prime's) do: connecting, and
    // every wait to send or to receive more bytes. A transfer that keeps moving
    // is never cut, however long it takes in all.
    each_phase,
  };
  TimeoutScope timeout_scope = TimeoutScope::whole_exchange;
  // May the transport send it twice? Unset: as its method says (GET, HEAD,
  // PUT, DELETE and OPTIONS may be repeated; POST may not).
  std::optional<bool> idempotent;

  bool may_repeat() const;
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;
  // send_streaming only: a handler asked to stop before the body ended. The
  // status and headers are real; the body is not complete.
  bool aborted = false;

  std::optional<std::string> header(std::string_view name) const { return find_header(headers, name); }
};

// The exchange failed below HTTP: no status line was received.
class TransportError : public std::runtime_error {
 public:
  enum class Kind { connect, timeout, connection_lost, tls, other };
  TransportError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// A request body produced piece by piece, so that a large upload is never held
// whole in memory. `read` fills up to `capacity` bytes at `buffer` and returns
// how many it wrote; it returns 0 only once all `length` bytes were given, and
// throws when it cannot go on (the exchange then fails with that exception).
struct BodySource {
  std::uint64_t length = 0;
  std::function<std::size_t(char* buffer, std::size_t capacity)> read;
};

// What send_streaming does with each part of the exchange. Every member is optional.
struct StreamHandlers {
  // The request body; when `upload.read` is empty, HttpRequest::body is sent.
  BodySource upload;
  // The status and headers, before any of the body; returning false stops the
  // exchange (the answer comes back with aborted set).
  std::function<bool(const HttpResponse& head)> on_head;
  // The body of a 2xx answer, in pieces as they arrive; it is then not kept in
  // HttpResponse::body. Returning false stops the exchange (aborted). The body
  // of any other status is collected in HttpResponse::body as usual, so that
  // callers can read the error. An exception thrown by a handler ends the
  // exchange and reaches the caller of send_streaming unchanged.
  std::function<bool(std::string_view chunk)> on_body;
};

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends the request and returns whatever status the server gave.
  // Throws TransportError when no response arrives.
  virtual HttpResponse send(const HttpRequest& request) = 0;

  // send with the request body and the response body streamed through
  // `handlers`. This default is correct but buffers both bodies: it reads the
  // whole upload into the request, calls send, and hands the answer to the
  // handlers in one piece. Test doubles therefore only need to implement send;
  // the cpp-httplib transport overrides it to stream.
  virtual HttpResponse send_streaming(const HttpRequest& request, const StreamHandlers& handlers);
};

struct TransportOptions {
  std::string ca_file;          // extra CA bundle for HTTPS; empty means the system store
  bool verify_tls = true;
  std::chrono::milliseconds connect_timeout{10'000};
  // host -> IP address used instead of DNS (lets tests reach 49983-<id>.<domain> on loopback).
  // A key "*.<suffix>" covers every host ending in ".<suffix>"; an exact key wins over it.
  std::vector<std::pair<std::string, std::string>> host_overrides;
  std::size_t max_idle_per_host = 16;
  // A pooled connection idle this long is closed instead of reused: a server
  // that drops idle connections (cpp-httplib and Node after 5 s) would race
  // the next request on it, which then fails with nothing to show for it.
  // An idempotent request that fails so on a reused connection, before any
  // byte of an answer, is sent once more on a new connection.
  std::chrono::milliseconds max_idle_time{4'000};
  // A request that may not be repeated (create, Process.Start) cannot be
  // saved that way, so it reuses only a connection idle less than this.
  std::chrono::milliseconds max_idle_time_unrepeatable{1'000};
  // What the pool measures idle time on; a ManualClock in tests.
  std::shared_ptr<Clock> pool_clock;
};

// A keep-alive pool of cpp-httplib clients per scheme://host:port, safe to share between threads.
std::shared_ptr<HttpTransport> make_http_transport(TransportOptions options = {});

}  // namespace ppio_sandbox::core
