#include "mockserver/faults/http_faults.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "mockserver/api/http_edge.hpp"

namespace ppio_mock::faults {

namespace {

constexpr auto kHangLimit = std::chrono::minutes(5);  // a hang ends some time; no thread is lost for good

int port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  return -1;
}

bool is_connection_of(int fd, const httplib::Request& req) {
  sockaddr_storage local{}, peer{};
  socklen_t local_len = sizeof local, peer_len = sizeof peer;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return false;
  return port_of(local) == req.local_port && port_of(peer) == req.remote_port;
}

void sleep_ms(double ms) {
  if (ms > 0) std::this_thread::sleep_for(std::chrono::duration<double, std::milli>(ms));
}

// httplib does not expose the socket, so it is found among the process's
// descriptors by its two ports. -1 when it is gone.
int connection_fd(const httplib::Request& req) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc/self/fd"), closedir);
  if (!dir) return -1;
  while (const dirent* entry = readdir(dir.get())) {
    const int fd = std::atoi(entry->d_name);
    if (fd > 2 && is_connection_of(fd, req)) return fd;
  }
  return -1;
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

bool drop_connection(const httplib::Request& req) {
  const int fd = connection_fd(req);
  if (fd < 0) return false;
  const linger abort_on_close{1, 0};  // RST rather than a graceful FIN when httplib closes it
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
  shutdown(fd, SHUT_RDWR);
  return true;
}

bool apply_before_routing(const Decision& decision, const httplib::Request& req, httplib::Response& res) {
  sleep_ms(decision.latency_ms);
  if (!decision.action) return false;
  const Action& a = *decision.action;
  switch (a.type) {
    case Action::Type::error:
      api::send_error(res, a.status, a.message.empty() ? "injected fault" : a.message);
      break;
    case Action::Type::rate_limit:
      res.set_header("Retry-After", std::to_string(a.retry_after_s));
      api::send_error(res, 429, "Rate limit exceeded");
      break;
    case Action::Type::reset:
      if (a.mid_body) return false;  // done once there is a body to cut
      drop_connection(req);
      break;
    case Action::Type::hang:
      wait_for_client_to_give_up(req);
      drop_connection(req);
      break;
    default:
      return false;  // body, stream and sandbox actions happen later
  }
  // The request body was not read; the connection cannot carry another request.
  res.set_header("Connection", "close");
  return true;
}

void apply_to_body(const Decision& decision, httplib::Response& res) {
  if (!decision.action) return;
  const Action a = *decision.action;
  const bool cut = a.type == Action::Type::reset && a.mid_body;
  if (!cut && a.type != Action::Type::slow_body) return;
  auto body = std::make_shared<std::string>(std::move(res.body));
  const std::string content_type = res.get_header_value("Content-Type");
  res.body.clear();
  // The declared length stays the whole body, so a cut body is visibly short.
  res.set_content_provider(body->size(), content_type, [body, a, cut](size_t offset, size_t, httplib::DataSink& sink) {
    if (cut) {
      // Half the body, then returning false makes httplib drop the connection.
      if (offset > 0 || body->size() < 2) return false;
      sink.write(body->data(), body->size() / 2);
      return true;
    }
    const size_t chunk = std::max<size_t>(1, (body->size() + static_cast<size_t>(a.chunks) - 1) / static_cast<size_t>(a.chunks));
    if (offset > 0) sleep_ms(static_cast<double>(a.over_ms) / a.chunks);
    const size_t n = std::min(chunk, body->size() - offset);
    sink.write(body->data() + offset, n);
    return true;
  });
}

}  // namespace ppio_mock::faults
