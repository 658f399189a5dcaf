#include "mockserver/net/sockets.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <memory>

namespace ppio_mock::net {

namespace {

int port_of(const sockaddr_storage& addr) {
  if (addr.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in&>(addr).sin_port);
  if (addr.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6&>(addr).sin6_port);
  return -1;
}

bool is_connection(int fd, int local_port, int remote_port) {
  sockaddr_storage local{}, peer{};
  socklen_t local_len = sizeof local, peer_len = sizeof peer;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
  // A listening socket has no peer.
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return false;
  return port_of(local) == local_port && (remote_port < 0 || port_of(peer) == remote_port);
}

int system_max_backlog() {
  int value = 0;
  std::ifstream("/proc/sys/net/core/somaxconn") >> value;
  return value > 0 ? value : SOMAXCONN;
}

}  // namespace

std::size_t raise_fd_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return static_cast<std::size_t>(limit.rlim_cur);
}

void widen_backlog(int fd) {
  // listen() again on a listening socket only changes its backlog.
  ::listen(fd, system_max_backlog());
}

int listen_backlog(int fd) {
  tcp_info info{};
  socklen_t length = sizeof info;
  if (getsockopt(fd, SOL_TCP, TCP_INFO, &info, &length) != 0 || info.tcpi_state != TCP_LISTEN) return -1;
  return static_cast<int>(info.tcpi_sacked);  // for a listener, the kernel reports its backlog here
}

std::vector<int> connection_fds(int local_port, int remote_port) {
  std::vector<int> out;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(opendir("/proc/self/fd"), closedir);
  if (!dir) return out;
  while (const dirent* entry = readdir(dir.get())) {
    const int fd = std::atoi(entry->d_name);
    if (fd > 2 && is_connection(fd, local_port, remote_port)) out.push_back(fd);
  }
  return out;
}

void shutdown_connections(int local_port) {
  for (const int fd : connection_fds(local_port)) ::shutdown(fd, SHUT_RDWR);
}

void discard_rest(int fd, std::size_t max_bytes, std::chrono::milliseconds idle) {
  ::shutdown(fd, SHUT_WR);
  char buffer[64 * 1024];
  std::size_t discarded = 0;
  while (discarded < max_bytes) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(idle.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return;  // the client went quiet
    const auto n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // EOF or an error: nothing more will come
    discarded += static_cast<std::size_t>(n);
  }
}

}  // namespace ppio_mock::net
