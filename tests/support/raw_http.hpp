#pragma once
// HTTP/1.1 over a plain loopback socket, byte for byte, for tests of what a
// client sees on the wire that httplib::Client would hide or refuse to send:
// a request written whole before anything is read, chunked bodies, pipelining,
// and how the connection ended.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

namespace ppio_test {

// A connection to the fake on loopback; -1 when refused. A read waits at most
// 30 s, so that a fake which never answers (or never closes) fails the test
// instead of holding it for the whole keep-alive time.
inline int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const timeval read_bound{30, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &read_bound, sizeof read_bound);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// What a blocking client sees: whether all of its request went out, then
// every byte it could read until the connection ended, and how it ended.
struct Exchange {
  bool sent_all = false;
  std::string send_error;
  std::string received;
  bool clean_eof = false;  // recv returned 0, not an error such as ECONNRESET
};

// Sends `request` whole, then reads until the connection ends.
inline Exchange send_then_read(int port, const std::string& request) {
  Exchange x;
  const int fd = connect_to(port);
  if (fd < 0) return x;
  std::size_t sent = 0;
  while (sent < request.size()) {
    const auto n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      x.send_error = std::strerror(errno);
      break;
    }
    sent += static_cast<std::size_t>(n);
  }
  x.sent_all = sent == request.size();
  char chunk[4096];
  while (true) {
    const auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n == 0) x.clean_eof = true;
    if (n <= 0) break;
    x.received.append(chunk, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return x;
}

// `body` in chunked transfer coding, 64 KiB a chunk.
inline std::string chunked(const std::string& body) {
  constexpr std::size_t kChunk = 64 * 1024;
  std::string out;
  char size[32];
  for (std::size_t at = 0; at < body.size(); at += kChunk) {
    const std::size_t n = std::min(kChunk, body.size() - at);
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out += size;
    out.append(body, at, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

// The status line and the body of the first answer in `x.received` (its body
// being all that follows its head).
inline std::pair<std::string, std::string> answer_of(const Exchange& x) {
  const auto end = x.received.find("\r\n\r\n");
  if (end == std::string::npos) return {};
  return {x.received.substr(0, x.received.find("\r\n")), x.received.substr(end + 4)};
}

// A kept-alive connection used one request at a time: each request is sent
// whole, then its answer read whole (a Content-Length body); "" when the
// connection ended before a whole answer came.
class Connection {
 public:
  explicit Connection(int port) : fd_(connect_to(port)) {}
  ~Connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  std::string exchange(const std::string& request) {
    if (fd_ < 0 || ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
      return "";
    }
    std::size_t head_end;
    while ((head_end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return "";
    }
    const std::size_t total = head_end + 4 + content_length(pending_.substr(0, head_end));
    while (pending_.size() < total) {
      if (!fill()) return "";
    }
    std::string answer = pending_.substr(0, total);
    pending_.erase(0, total);
    return answer;
  }

 private:
  static std::size_t content_length(std::string head) {
    for (auto& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const auto at = head.find("\r\ncontent-length:");
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + 17));
  }
  bool fill() {
    char chunk[4096];
    const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    pending_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  std::string pending_;
};

// How many status lines ("HTTP/1.1 ") begin an answer in `received`.
inline std::size_t answers_in(const std::string& received) {
  std::size_t count = 0;
  for (auto at = received.find("HTTP/1.1 "); at != std::string::npos; at = received.find("HTTP/1.1 ", at + 1)) {
    if (at == 0 || received.compare(at - 2, 2, "\r\n") == 0) ++count;
  }
  return count;
}

}  // namespace ppio_test
