// HttpTransport on cpp-httplib: a keep-alive pool of clients per origin,
// because one httplib::Client must not be used by two threads at once.
#include <httplib.h>

#include <algorithm>
#include <cctype>
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

namespace {

using Clock = std::chrono::steady_clock;

class HttplibTransport final : public HttpTransport {
 public:
  explicit HttplibTransport(TransportOptions options) : options_(std::move(options)) {}

  HttpResponse send(const HttpRequest& request) override {
    const Url url = parse_url(request.url);
    auto client = checkout(url);
    const auto deadline = Clock::now() + request.timeout;
    set_timeouts(*client, request.timeout);

    httplib::Request req;
    req.method = request.method;
    req.path = url.target;
    for (const auto& [key, value] : request.headers) req.headers.emplace(key, value);
    if (!request.content_type.empty()) req.headers.emplace("Content-Type", request.content_type);
    req.body = request.body;

    HttpResponse out;
    bool deadline_hit = false;
    // Read timeouts only bound each recv; this bounds the whole exchange.
    req.content_receiver = [&](const char* data, size_t n, uint64_t, uint64_t) {
      if (Clock::now() > deadline) {
        deadline_hit = true;
        return false;
      }
      out.body.append(data, n);
      return true;
    };

    httplib::Response res;
    httplib::Error error = httplib::Error::Success;
    const auto started = Clock::now();
    const bool ok = client->send(req, res, error);
    if (!ok) {
      // A failed client may hold a half-read socket; do not return it to the pool.
      throw to_transport_error(error, deadline_hit || Clock::now() - started >= request.timeout, url);
    }
    checkin(url, std::move(client));
    out.status = res.status;
    for (const auto& [key, value] : res.headers) out.headers.emplace_back(key, value);
    return out;
  }

 private:
  std::unique_ptr<httplib::Client> checkout(const Url& url) {
    const std::string origin = url.origin();
    {
      std::lock_guard lock(mutex_);
      auto& idle = idle_[origin];
      if (!idle.empty()) {
        auto client = std::move(idle.back());
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
    if (!options_.host_overrides.empty()) {
      client->set_hostname_addr_map({options_.host_overrides.begin(), options_.host_overrides.end()});
    }
    return client;
  }

  void checkin(const Url& url, std::unique_ptr<httplib::Client> client) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[url.origin()];
    if (idle.size() < options_.max_idle_per_host) idle.push_back(std::move(client));
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
  std::map<std::string, std::vector<std::unique_ptr<httplib::Client>>> idle_;
};

}  // namespace

std::shared_ptr<HttpTransport> make_http_transport(TransportOptions options) {
  return std::make_shared<HttplibTransport>(std::move(options));
}

}  // namespace ppio_sandbox::core
