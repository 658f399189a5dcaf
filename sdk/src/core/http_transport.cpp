// HttpTransport on cpp-httplib: a keep-alive pool of clients per origin,
// because one httplib::Client must not be used by two threads at once.
#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <map>
#include <mutex>

#include "ppio_sandbox/core/http.hpp"
#include "ppio_sandbox/core/url.hpp"

namespace ppio_sandbox::core {

std::optional<std::string> find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (std::equal(key.begin(), key.end(), name.begin(), name.end(),
                   [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
      return value;
    }
  }
  return std::nullopt;
}

HttpResponse HttpTransport::send_streaming(const HttpRequest& request, const StreamHandlers& handlers) {
  HttpRequest buffered = request;
  if (handlers.upload.read) {
    buffered.body.clear();
    buffered.body.reserve(static_cast<std::size_t>(handlers.upload.length));
    char chunk[65536];
    while (buffered.body.size() < handlers.upload.length) {
      const std::size_t n = handlers.upload.read(chunk, sizeof chunk);
      if (n == 0) break;
      buffered.body.append(chunk, n);
    }
  }
  HttpResponse response = send(buffered);
  if (handlers.on_head) {
    HttpResponse head{response.status, response.headers, {}, false};
    if (!handlers.on_head(head)) {
      response.body.clear();
      response.aborted = true;
      return response;
    }
  }
  if (handlers.on_body && response.status >= 200 && response.status < 300) {
    std::string body = std::move(response.body);
    response.body.clear();
    if (!body.empty() && !handlers.on_body(body)) response.aborted = true;
  }
  return response;
}

bool HttpRequest::may_repeat() const {
  if (idempotent) return *idempotent;
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" || method == "OPTIONS";
}

namespace {

using SteadyClock = std::chrono::steady_clock;

// How one try of an exchange went, on one connection.
struct Attempt {
  bool ok = false;
  httplib::Error error = httplib::Error::Success;
  bool deadline_hit = false;
  bool aborted = false;
  bool head_seen = false;
  bool body_seen = false;
  SteadyClock::time_point last_progress = SteadyClock::now();  // the last byte sent or received
  std::exception_ptr handler_error;  // thrown by a caller's handler; rethrown after the exchange
  httplib::Response res;
  HttpResponse out;

  // The connection broke before any byte of an answer: a server that had
  // closed it as idle, most likely, so the request may never have been read.
  bool lost_before_answer() const {
    return !ok && !aborted && !handler_error && !deadline_hit && !head_seen && !body_seen && res.status == -1 &&
           (error == httplib::Error::Read || error == httplib::Error::Write);
  }
};

class HttplibTransport final : public HttpTransport {
 public:
  explicit HttplibTransport(TransportOptions options)
      : options_(std::move(options)), pool_clock_(options_.pool_clock ? options_.pool_clock : steady_clock()) {}

  HttpResponse send(const HttpRequest& request) override { return exchange(request, nullptr); }

  HttpResponse send_streaming(const HttpRequest& request, const StreamHandlers& handlers) override {
    return exchange(request, &handlers);
  }

 private:
  HttpResponse exchange(const HttpRequest& request, const StreamHandlers* handlers) {
    const Url url = parse_url(request.url);
    const auto started = SteadyClock::now();
    const bool whole = request.timeout_scope == HttpRequest::TimeoutScope::whole_exchange;
    const auto deadline = whole ? started + request.timeout : SteadyClock::time_point::max();
    const bool repeatable = request.may_repeat() && (handlers == nullptr || !handlers->upload.read);
    auto [client, reused] = checkout(url, request.may_repeat());
    Attempt attempt = send_once(*client, request, handlers, deadline);
    if (reused && repeatable && attempt.lost_before_answer()) {
      client = new_client(url);  // the pool's other connections are as old: a fresh one
      attempt = send_once(*client, request, handlers, deadline);
    }
    if (attempt.handler_error) std::rethrow_exception(attempt.handler_error);
    if (!attempt.ok && !attempt.aborted) {
      // A phase that waited its whole timeout broke the exchange: a timeout, not a lost connection.
      const auto now = SteadyClock::now();
      const bool out_of_time = attempt.deadline_hit || (whole && now - started >= request.timeout) ||
                               (!whole && now - attempt.last_progress >= request.timeout);
      throw to_transport_error(attempt.error, out_of_time, url);
    }
    // A client whose exchange did not finish may hold a half-read socket; it
    // is dropped rather than returned to the pool.
    if (attempt.ok && !attempt.aborted) checkin(url, std::move(client));
    HttpResponse& out = attempt.out;
    out.status = attempt.res.status;
    for (const auto& [key, value] : attempt.res.headers) out.headers.emplace_back(key, value);
    // cpp-httplib skips its response handler for answers without a body (204).
    if (attempt.ok && !attempt.head_seen && handlers != nullptr && handlers->on_head) {
      HttpResponse head{out.status, out.headers, {}, false};
      if (!handlers->on_head(head)) attempt.aborted = true;
    }
    out.aborted = attempt.aborted;
    return std::move(out);
  }

  Attempt send_once(httplib::Client& client, const HttpRequest& request, const StreamHandlers* handlers,
                    SteadyClock::time_point deadline) {
    set_timeouts(client, request);
    Attempt a;
    httplib::Request req;
    req.method = request.method;
    req.path = parse_url(request.url).target;
    for (const auto& [key, value] : request.headers) req.headers.emplace(key, value);
    if (!request.content_type.empty()) req.headers.emplace("Content-Type", request.content_type);

    const BodySource* upload = handlers != nullptr && handlers->upload.read ? &handlers->upload : nullptr;
    if (upload != nullptr) {
      // Streamed in blocks from the caller's source, with an exact Content-Length.
      req.content_length_ = static_cast<std::size_t>(upload->length);
      req.content_provider_ = [&a, upload, deadline](std::size_t, std::size_t length, httplib::DataSink& sink) {
        if (SteadyClock::now() > deadline) {
          a.deadline_hit = true;
          return false;
        }
        char buffer[65536];
        std::size_t n = 0;
        try {
          n = upload->read(buffer, std::min(length, sizeof buffer));
        } catch (...) {
          a.handler_error = std::current_exception();
          return false;
        }
        if (n == 0) return false;  // the source ended early: Canceled
        sink.write(buffer, n);      // a failed write ends the exchange as Error::Write
        a.last_progress = SteadyClock::now();
        return true;
      };
    } else {
      req.body = request.body;
    }

    if (handlers != nullptr && handlers->on_head) {
      req.response_handler = [&a, handlers](const httplib::Response& head) {
        a.head_seen = true;
        a.last_progress = SteadyClock::now();
        HttpResponse view;
        view.status = head.status;
        for (const auto& [key, value] : head.headers) view.headers.emplace_back(key, value);
        try {
          if (handlers->on_head(view)) return true;
        } catch (...) {
          a.handler_error = std::current_exception();
          return false;
        }
        a.aborted = true;
        return false;
      };
    }

    // Read timeouts only bound each recv; the deadline bounds the whole exchange.
    req.content_receiver = [&a, handlers, deadline](const char* data, size_t n, uint64_t, uint64_t) {
      a.body_seen = true;
      a.last_progress = SteadyClock::now();
      if (SteadyClock::now() > deadline) {
        a.deadline_hit = true;
        return false;
      }
      // res.status is known by now: the status line and headers come first.
      if (handlers != nullptr && handlers->on_body && a.res.status >= 200 && a.res.status < 300) {
        try {
          if (handlers->on_body(std::string_view(data, n))) return true;
        } catch (...) {
          a.handler_error = std::current_exception();
          return false;
        }
        a.aborted = true;
        return false;
      }
      a.out.body.append(data, n);
      return true;
    };

    a.ok = client.send(req, a.res, a.error);
    return a;
  }

  // A pooled client for the origin, or a new one; `.second` tells which. What
  // has idled too long is closed, oldest first; a request that may not be
  // repeated takes only a connection that idled briefly.
  std::pair<std::unique_ptr<httplib::Client>, bool> checkout(const Url& url, bool repeatable) {
    {
      std::lock_guard lock(mutex_);
      auto& idle = idle_[url.origin()];
      const auto now = pool_clock_->now();
      while (!idle.empty() && now - idle.front().since > options_.max_idle_time) idle.erase(idle.begin());
      if (!idle.empty() && (repeatable || now - idle.back().since <= options_.max_idle_time_unrepeatable)) {
        auto client = std::move(idle.back().client);  // the freshest
        idle.pop_back();
        return {std::move(client), true};
      }
    }
    return {new_client(url), false};
  }

  std::unique_ptr<httplib::Client> new_client(const Url& url) const {
    auto client = std::make_unique<httplib::Client>(url.origin());
    client->set_keep_alive(true);
    client->set_tcp_nodelay(true);  // without it each keep-alive request stalls ~40 ms
    client->set_url_encode(false);  // targets arrive already encoded
    client->set_connection_timeout(options_.connect_timeout);
    if (url.scheme == "https") {
      client->enable_server_certificate_verification(options_.verify_tls);
      if (!options_.ca_file.empty()) client->set_ca_cert_path(options_.ca_file);
    }
    if (auto address = override_for(url.host)) client->set_hostname_addr_map({{url.host, *address}});
    return client;
  }

  // The address host_overrides give `host`: its exact key, else the longest
  // "*.<suffix>" key it ends in, so that 49983-<id>.<domain> resolves for every id.
  std::optional<std::string> override_for(const std::string& host) const {
    std::optional<std::string> found;
    std::size_t longest = 0;
    for (const auto& [key, address] : options_.host_overrides) {
      if (key == host) return address;
      if (!key.starts_with("*.") || key.size() <= longest) continue;
      const std::string_view suffix = std::string_view(key).substr(1);  // ".<suffix>"
      if (host.size() > suffix.size() && host.ends_with(suffix)) {
        longest = key.size();
        found = address;
      }
    }
    return found;
  }

  void checkin(const Url& url, std::unique_ptr<httplib::Client> client) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[url.origin()];
    if (idle.size() < options_.max_idle_per_host) idle.push_back({std::move(client), pool_clock_->now()});
  }

  // Each recv and send waits at most the request's timeout; so does connecting, per phase.
  void set_timeouts(httplib::Client& client, const HttpRequest& request) const {
    client.set_read_timeout(request.timeout);
    client.set_write_timeout(request.timeout);
    const bool per_phase = request.timeout_scope == HttpRequest::TimeoutScope::each_phase;
    client.set_connection_timeout(per_phase ? std::min(options_.connect_timeout, request.timeout)
                                            : options_.connect_timeout);
  }

  static TransportError to_transport_error(httplib::Error error, bool timed_out, const Url& url) {
    using Kind = TransportError::Kind;
    const std::string where = " (" + url.origin() + ")";
    if (timed_out || error == httplib::Error::ConnectionTimeout) {
      return {Kind::timeout, "request timed out" + where};
    }
    switch (error) {
      case httplib::Error::Connection:
        return {Kind::connect, "connection failed" + where};
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLLoadingCerts:
      case httplib::Error::SSLServerVerification:
        return {Kind::tls, "TLS failure: " + httplib::to_string(error) + where};
      case httplib::Error::Read:
      case httplib::Error::Write:
        return {Kind::connection_lost, "connection lost: " + httplib::to_string(error) + where};
      default:
        return {Kind::other, "request failed: " + httplib::to_string(error) + where};
    }
  }

  TransportOptions options_;
  std::shared_ptr<Clock> pool_clock_;
  std::mutex mutex_;
  struct Idle {
    std::unique_ptr<httplib::Client> client;
    Clock::time_point since;
  };
  std::map<std::string, std::vector<Idle>> idle_;  // per origin, oldest first
};

}  // namespace

std::shared_ptr<HttpTransport> make_http_transport(TransportOptions options) {
  return std::make_shared<HttplibTransport>(std::move(options));
}

}  // namespace ppio_sandbox::core
