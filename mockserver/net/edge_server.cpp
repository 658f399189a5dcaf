#include "mockserver/net/edge_server.hpp"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "mockserver/net/sockets.hpp"

namespace ppio_mock::net {

namespace {

constexpr std::size_t kMaxHeadBytes = 64 * 1024;  // past it, httplib answers the request itself
constexpr std::size_t kReadChunk = 16 * 1024;

int to_ms(time_t sec, time_t usec) { return static_cast<int>(sec * 1000 + usec / 1000); }

bool wait_for(int fd, short events, int timeout_ms) {
  pollfd p{fd, events, 0};
  int n;
  do {
    n = ::poll(&p, 1, timeout_ms);
  } while (n < 0 && errno == EINTR);
  return n > 0;
}

void address_of(const sockaddr_storage& addr, socklen_t len, std::string& ip, int& port) {
  char host[NI_MAXHOST] = {};
  char service[NI_MAXSERV] = {};
  if (::getnameinfo(reinterpret_cast<const sockaddr*>(&addr), len, host, sizeof host, service, sizeof service,
                    NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
    ip = host;
    port = std::atoi(service);
  }
}

}  // namespace

ClientConnection::ClientConnection(int fd, time_t read_timeout_sec, time_t read_timeout_usec,
                                   time_t write_timeout_sec, time_t write_timeout_usec)
    : fd_(fd),
      read_sec_(read_timeout_sec),
      read_usec_(read_timeout_usec),
      write_sec_(write_timeout_sec),
      write_usec_(write_timeout_usec) {}

bool ClientConnection::is_readable() const {
  return consumed_ < buffer_.size() || wait_for(fd_, POLLIN, to_ms(read_sec_, read_usec_));
}

bool ClientConnection::is_writable() const { return wait_for(fd_, POLLOUT, to_ms(write_sec_, write_usec_)); }

bool ClientConnection::fill(int timeout_ms) {
  if (!wait_for(fd_, POLLIN, timeout_ms)) return false;
  if (consumed_ == buffer_.size()) {
    buffer_.clear();
    consumed_ = 0;
  }
  const auto old = buffer_.size();
  buffer_.resize(old + kReadChunk);
  ssize_t n;
  do {
    n = ::recv(fd_, buffer_.data() + old, kReadChunk, 0);
  } while (n < 0 && errno == EINTR);
  buffer_.resize(old + static_cast<std::size_t>(n > 0 ? n : 0));
  return n > 0;
}

ssize_t ClientConnection::read(char* ptr, size_t size) {
  if (consumed_ == buffer_.size() && size >= kReadChunk) {  // a body: straight into the caller's buffer
    if (!wait_for(fd_, POLLIN, to_ms(read_sec_, read_usec_))) return -1;
    ssize_t n;
    do {
      n = ::recv(fd_, ptr, size, 0);
    } while (n < 0 && errno == EINTR);
    return n;
  }
  if (consumed_ == buffer_.size() && !fill(to_ms(read_sec_, read_usec_))) return -1;
  const auto n = std::min(size, buffer_.size() - consumed_);
  std::memcpy(ptr, buffer_.data() + consumed_, n);
  consumed_ += n;
  return static_cast<ssize_t>(n);
}

ssize_t ClientConnection::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  ssize_t n;
  do {
    n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

void ClientConnection::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, len, ip, port);
}

void ClientConnection::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) address_of(addr, len, ip, port);
}

bool ClientConnection::wait_for_request(int timeout_ms) {
  return consumed_ < buffer_.size() || wait_for(fd_, POLLIN, timeout_ms);
}

std::optional<std::string_view> ClientConnection::read_head(std::size_t limit) {
  for (;;) {
    const std::string_view pending(buffer_.data() + consumed_, buffer_.size() - consumed_);
    if (const auto end = pending.find("\r\n\r\n"); end != std::string_view::npos) return pending.substr(0, end + 4);
    if (pending.size() > limit || !fill(to_ms(read_sec_, read_usec_))) return std::nullopt;
  }
}

std::string ClientConnection::take_buffered() {
  std::string out = buffer_.substr(consumed_);
  buffer_.clear();
  consumed_ = 0;
  return out;
}

// httplib's keep-alive loop, with each head offered to the divert first.
bool EdgeServer::process_and_close_socket(socket_t sock) {
  ClientConnection connection(sock, read_timeout_sec_, read_timeout_usec_, write_timeout_sec_, write_timeout_usec_);
  bool ok = false;
  for (std::size_t left = keep_alive_max_count_; svr_sock_ != INVALID_SOCKET && left > 0; --left) {
    if (!connection.wait_for_request(static_cast<int>(keep_alive_timeout_sec_ * 1000))) break;
    if (divert_) {
      if (const auto head = connection.read_head(kMaxHeadBytes); head && divert_(connection, *head)) break;
    }
    bool closed = false;
    ok = process_request(connection, left == 1, closed, nullptr);
    if (!ok || closed) break;
  }
  // httplib gives up on a request it answered before reading all of it (a target
  // too long to parse): the client still reads the answer, not a reset.
  if (!ok) discard_rest(sock, kLingerMaxBytes, kLingerIdle);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace ppio_mock::net
