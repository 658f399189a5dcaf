#pragma once
// The fake's HTTP server, with a door before cpp-httplib: each request head is
// read here first and offered to a Divert, which may take the connection over
// (the edge relays sandbox-port traffic as raw bytes, which httplib's handlers
// cannot: they never see the socket). Everything not taken is served by
// httplib's own request processing, with httplib's keep-alive rules.
//
// Plain HTTP only: with TLS the server is httplib::SSLServer, unchanged.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <httplib.h>

namespace ppio_mock::net {

// An accepted connection, read ahead: what was read and not yet consumed is
// handed out first. httplib reads requests through it as through its own stream.
class ClientConnection final : public httplib::Stream {
 public:
  ClientConnection(int fd, time_t read_timeout_sec, time_t read_timeout_usec, time_t write_timeout_sec,
                   time_t write_timeout_usec);

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

  // Waits up to `timeout_ms` for the next request to begin; false when the peer closed or stayed silent.
  bool wait_for_request(int timeout_ms);
  // Reads until the buffer holds a whole request head (through its blank
  // line, at most `limit` bytes); the head then, else nullopt (peer gone,
  // timed out, or a head too long: httplib then answers what it makes of it).
  std::optional<std::string_view> read_head(std::size_t limit);
  // Everything read and not consumed (the head, and what followed it); taken, it is gone from here.
  std::string take_buffered();

 private:
  bool fill(int timeout_ms);

  int fd_;
  time_t read_sec_, read_usec_, write_sec_, write_usec_;
  std::string buffer_;
  std::size_t consumed_ = 0;
};

class EdgeServer final : public httplib::Server {
 public:
  // Given each request head before httplib sees it; true when it took the
  // connection (it served the request and what follows on it; the connection
  // is closed once it returns).
  using Divert = std::function<bool(ClientConnection& connection, std::string_view head)>;
  void set_divert(Divert divert) { divert_ = std::move(divert); }

 private:
  bool process_and_close_socket(socket_t sock) override;

  Divert divert_;
};

}  // namespace ppio_mock::net
