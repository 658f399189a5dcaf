#pragma once
// The sockets under the fake's HTTP server, which cpp-httplib does not expose:
// the listening socket's backlog, the process's descriptor limit, and the
// accepted connections, found among the process's descriptors by their ports.
#include <chrono>
#include <cstddef>
#include <vector>

namespace ppio_mock::net {

// Raises the soft limit on open descriptors to the hard limit (each connection
// and each command's pipes cost descriptors); returns the soft limit now in force.
std::size_t raise_fd_limit();

// Widens the backlog of the listening socket `fd` to the system's maximum
// (net.core.somaxconn): cpp-httplib listens with 5, which a burst of connects overflows.
void widen_backlog(int fd);
// The backlog the kernel keeps for the listening socket `fd`; -1 when unknown.
int listen_backlog(int fd);

// Accepted TCP connections of this process whose local port is `local_port`
// and, when `remote_port` >= 0, whose peer port is `remote_port`.
std::vector<int> connection_fds(int local_port, int remote_port = -1);
// Shuts down both directions of every connection accepted on `local_port`, so
// that the threads serving them (waiting for a keep-alive request, say) return now.
void shutdown_connections(int local_port);

// A lingering close, after an answer sent before the request's body was read:
// ends the write side (the client reads the answer, then EOF), then reads and
// discards what the client still sends, until it stops (EOF, or `idle` without
// a byte) or `max_bytes` were discarded. Closing with unread bytes would send
// a reset, which can destroy the answer before the client reads it.
void discard_rest(int fd, std::size_t max_bytes, std::chrono::milliseconds idle);
// What the fake's lingering closes read at most, and how long they wait for the next byte.
inline constexpr std::size_t kLingerMaxBytes = std::size_t{64} << 20;
inline constexpr std::chrono::milliseconds kLingerIdle{2000};

}  // namespace ppio_mock::net
