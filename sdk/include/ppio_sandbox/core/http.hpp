#pragma once
// The one seam between the SDK and the network. Everything above it speaks
// HttpRequest/HttpResponse; tests replace it with a gmock double.
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  std::chrono::milliseconds timeout{60'000};  // the whole exchange must finish within this
};

struct HttpResponse {
  int status = 0;
  Headers headers;
  std::string body;

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

class HttpTransport {
 public:
  virtual ~HttpTransport() = default;
  // Sends the request and returns whatever status the server gave.
  // Throws TransportError when no response arrives.
  virtual HttpResponse send(const HttpRequest& request) = 0;
};

struct TransportOptions {
  std::string ca_file;          // extra CA bundle for HTTPS; empty means the system store
  bool verify_tls = true;
  std::chrono::milliseconds connect_timeout{10'000};
  // host -> IP address used instead of DNS (lets tests reach 49983-<id>.<domain> on loopback)
  std::vector<std::pair<std::string, std::string>> host_overrides;
  std::size_t max_idle_per_host = 16;
};

// A keep-alive pool of cpp-httplib clients per scheme://host:port, safe to share between threads.
std::shared_ptr<HttpTransport> make_http_transport(TransportOptions options = {});

}  // namespace ppio_sandbox::core
