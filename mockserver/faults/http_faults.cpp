#include "mockserver/faults/http_faults.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <memory>
#include <thread>

#include "mockserver/api/http_edge.hpp"
#include "mockserver/net/sockets.hpp"

namespace ppio_mock::faults {

namespace {

constexpr auto kHangLimit = std::chrono::minutes(5);  // a hang ends some time; no thread is lost for good

void sleep_ms(double ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

// httplib does not expose the socket: it is found by its two ports. -1 when it is gone.
int connection_fd(const httplib::Request& req) {
  const auto fds = net::connection_fds(req.local_port, req.remote_port);
  return fds.empty() ? -1 : fds.front();
}

void wait_for_client_to_give_up(const httplib::Request& req) {
  const int fd = connection_fd(req);
  const auto until = std::chrono::steady_clock::now() + kHangLimit;
  while (std::chrono::steady_clock::now() < until) {
    if (fd < 0) {
      std::this_thread::sleep_until(until);
      return;
    }
    pollfd p{fd, POLLRDHUP, 0};
    if (poll(&p, 1, 100) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) return;
  }
}

}  // namespace

Decision& current_decision() {
  // Each request is served on one thread from routing to the last byte.
  thread_local Decision decision;
  return decision;
}

bool drop_connection(const httplib::Request& req) {
  const int fd = connection_fd(req);
  if (fd < 0) return false;
  const linger abort_on_close{1, 0};  // RST rather than a graceful FIN when httplib closes it
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  shutdown(fd, SHUT_RDWR);
  return true;
}

bool apply_before_routing(const Decision& decision, const httplib::Request& req, httplib::Response& res,
                          bool body_read) {
  sleep_ms(decision.latency_ms);
  if (!decision.action) return false;
  const Action& a = *decision.action;
  const auto answer = [&](int status, const std::string& message) {
    if (body_read || !api::carries_body(req)) return api::send_error(res, status, message);
    api::send_error_and_close(req, res, status, nlohmann::json{{"code", status}, {"message", message}});
  };
  switch (a.type) {
    case Action::Type::error:
      answer(a.status, a.message.empty() ? "injected fault" : a.message);
      return true;
    case Action::Type::rate_limit:
      res.set_header("Retry-After", std::to_string(a.retry_after_s));
      answer(429, "Rate limit exceeded");
      return true;
    case Action::Type::reset:
      // Cut mid-body once there is a body to cut; else dropped after routing,
      // once the journal has the request.
      return !a.mid_body;
    case Action::Type::hang:
      return true;  // likewise dropped after routing
    default:
      return false;  // body, stream and sandbox actions happen later
  }
}

void apply_after_routing(const Decision& decision, const httplib::Request& req, httplib::Response& res) {
  if (!decision.action) return;
  const Action a = *decision.action;
  if (a.type == Action::Type::hang) wait_for_client_to_give_up(req);
  if (a.type == Action::Type::hang || (a.type == Action::Type::reset && !a.mid_body)) {
    drop_connection(req);
    return;
  }
  const bool cut = a.type == Action::Type::reset && a.mid_body;
  if ((!cut && a.type != Action::Type::slow_body) || res.is_chunked_content_provider_) return;
  if (!res.content_provider_) {
    if (res.body.empty()) return;
    auto body = std::make_shared<std::string>(std::move(res.body));
    res.body.clear();
    res.content_length_ = body->size();
    res.content_provider_ = [body](size_t offset, size_t length, httplib::DataSink& sink) {
      return sink.write(body->data() + offset, std::min(length, body->size() - offset));
    };
  }
  // A body already streamed by a provider (a /files download) is wrapped, not read.
  // Cut: the first half, then returning false makes httplib drop the connection;
  // the declared length stays the whole body, so the body is visibly short.
  // Slow: `chunks` pieces, with a pause before each but the first.
  const size_t size = res.content_length_;
  const size_t piece = cut ? size / 2 : std::max<size_t>(1, (size + static_cast<size_t>(a.chunks) - 1) / static_cast<size_t>(a.chunks));
  res.content_provider_ = [inner = std::move(res.content_provider_), a, cut, piece](size_t offset, size_t length,
                                                                                     httplib::DataSink& sink) {
    if (cut && offset >= piece) return false;
    if (!cut && offset > 0 && offset % piece == 0) sleep_ms(static_cast<double>(a.over_ms) / a.chunks);
    return inner(offset, std::min(length, piece - offset % piece), sink);
  };
}

}  // namespace ppio_mock::faults
