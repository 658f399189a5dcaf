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

namespace {

using Clock = std::chrono::steady_clock;

class HttplibTransport final : public HttpTransport {
 public:
  explicit HttplibTransport(TransportOptions options) : options_(std::move(options)) {}

  HttpResponse send(const HttpRequest& request) override { return exchange(request, nullptr); }

  HttpResponse send_streaming(const HttpRequest& request, const StreamHandlers& handlers) override {
    return exchange(request, &handlers);
  }

 private:
  HttpResponse exchange(const HttpRequest& request, const StreamHandlers* handlers) {
    const Url url = parse_url(request.url);
    auto client = checkout(url);
    const auto deadline = Clock::now() + request.timeout;
    set_timeouts(*client, request.timeout);

    httplib::Request req;
    req.method = request.method;
    req.path = url.target;
    for (const auto& [key, value] : request.headers) req.headers.emplace(key, value);
    if (!request.content_type.empty()) req.headers.emplace("Content-Type", request.content_type);

    HttpResponse out;
    bool deadline_hit = false;
    bool aborted = false;
    bool head_seen = false;
    std::exception_ptr handler_error;  // thrown by a caller's handler; rethrown after the exchange
    httplib::Response res;

    const BodySource* upload = handlers != nullptr && handlers->upload.read ? &handlers->upload : nullptr;
    if (upload != nullptr) {
      // Streamed in blocks from the caller's source, with an exact Content-Length.
      req.content_length_ = static_cast<std::size_t>(upload->length);
      req.content_provider_ = [&, upload](std::size_t, std::size_t length, httplib::DataSink& sink) {
        if (Clock::now() > deadline) {
          deadline_hit = true;
          return false;
        }
        char buffer[65536];
        std::size_t n = 0;
        try {
          n = upload->read(buffer, std::min(length, sizeof buffer));
        } catch (...) {
          handler_error = std::current_exception();
          return false;
        }
        if (n == 0) return false;  // the source ended early: Canceled
        sink.write(buffer, n);      // a failed write ends the exchange as Error::Write
        return true;
      };
    } else {
      req.body = request.body;
    }

    if (handlers != nullptr && handlers->on_head) {
      req.response_handler = [&](const httplib::Response& head) {
        head_seen = true;
        HttpResponse view;
        view.status = head.status;
        for (const auto& [key, value] : head.headers) view.headers.emplace_back(key, value);
        try {
          if (handlers->on_head(view)) return true;
        } catch (...) {
          handler_error = std::current_exception();
          return false;
        }
        aborted = true;
        return false;
      };
    }

    // Read timeouts only bound each recv; this bounds the whole exchange.
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (Clock::now() > deadline) {
        deadline_hit = true;
        return false;
      }
      // res.status is known by now: the status line and headers come first.
      if (handlers != nullptr && handlers->on_body && res.status >= 200 && res.status < 300) {
        try {
          if (handlers->on_body(std::string_view(data, n))) return true;
        } catch (...) {
          handler_error = std::current_exception();
          return false;
        }
        aborted = true;
        return false;
      }
      out.body.append(data, n);
      return true;
    };

    httplib::Error error = httplib::Error::Success;
    const auto started = Clock::now();
    const bool ok = client->send(req, res, error);
    // A client whose exchange did not finish may hold a half-read socket; it
    // is dropped rather than returned to the pool.
    if (handler_error) std::rethrow_exception(handler_error);
    if (!ok && !aborted) {
      throw to_transport_error(error, deadline_hit || Clock::now() - started >= request.timeout, url);
    }
    if (ok && !aborted) checkin(url, std::move(client));
    out.status = res.status;
    for (const auto& [key, value] : res.headers) out.headers.emplace_back(key, value);
    // cpp-httplib skips its response handler for answers without a body (204).
    if (ok && !head_seen && handlers != nullptr && handlers->on_head) {
      HttpResponse head{out.status, out.headers, {}, false};
      if (!handlers->on_head(head)) aborted = true;
    }
    out.aborted = aborted;
    return out;
  }

  std::unique_ptr<httplib::Client> checkout(const Url& url) {
    const std::string origin = url.origin();
    {
      std::lock_guard lock(mutex_);
      auto& idle = idle_[origin];
      const auto now = Clock::now();
      // The freshest first; what has idled too long is closed, oldest first.
      while (!idle.empty() && now - idle.front().since > options_.max_idle_time) idle.erase(idle.begin());
      if (!idle.empty()) {
        auto client = std::move(idle.back().client);
        idle.pop_back();
        return client;
      }
    }
    auto client = std::make_unique<httplib::Client>(origin);
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
    if (idle.size() < options_.max_idle_per_host) idle.push_back({std::move(client), Clock::now()});
  }

  static void set_timeouts(httplib::Client& client, std::chrono::milliseconds timeout) {
    client.set_read_timeout(timeout);
    client.set_write_timeout(timeout);
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
