#include "mockserver/net/relay.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>

namespace ppio_mock::net {

namespace {

constexpr std::size_t kChunk = 64 * 1024;

void set_nonblocking(int fd) { ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK); }

// One direction: bytes read from `from`, waiting to be written to `to`.
struct Direction {
  int from;
  int to;
  std::string pending;
  bool eof = false;       // `from` said it is done
  bool shut = false;      // and that was passed on to `to`
};

// Reads what `d.from` has; false on an error.
bool pull(Direction& d) {
  char buf[kChunk];
  const ssize_t n = ::recv(d.from, buf, sizeof buf, 0);
  if (n > 0) {
    d.pending.append(buf, static_cast<std::size_t>(n));
    return true;
  }
  if (n == 0) {
    d.eof = true;
    return true;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

// Writes what it can of `d.pending`; false on an error.
bool push(Direction& d) {
  const ssize_t n = ::send(d.to, d.pending.data(), d.pending.size(), MSG_NOSIGNAL);
  if (n >= 0) {
    d.pending.erase(0, static_cast<std::size_t>(n));
    return true;
  }
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

short events(bool read, bool write) { return static_cast<short>((read ? POLLIN : 0) | (write ? POLLOUT : 0)); }

void relay(int client, int upstream, std::string first) {
  set_nonblocking(client);
  set_nonblocking(upstream);
  Direction up{client, upstream, std::move(first)};
  Direction down{upstream, client, {}};
  for (;;) {
    for (Direction* d : {&up, &down}) {
      if (d->eof && d->pending.empty() && !d->shut) {
        ::shutdown(d->to, SHUT_WR);
        d->shut = true;
      }
    }
    if (up.shut && down.shut) return;
    // Read a side only while what it sent before is written: a slow reader slows its writer.
    pollfd fds[2] = {{client, events(!up.eof && up.pending.empty(), !down.pending.empty()), 0},
                     {upstream, events(!down.eof && down.pending.empty(), !up.pending.empty()), 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    for (int i = 0; i < 2; ++i) {
      // An error or hang-up with nothing readable: the peer is gone (a cut shows here too).
      if ((fds[i].revents & (POLLERR | POLLNVAL)) != 0) return;
      if ((fds[i].revents & POLLHUP) != 0 && (fds[i].revents & POLLIN) == 0) return;
    }
    if ((fds[0].revents & POLLIN) != 0 && !pull(up)) return;
    if ((fds[1].revents & POLLIN) != 0 && !pull(down)) return;
    if ((fds[1].revents & POLLOUT) != 0 && !push(up)) return;
    if ((fds[0].revents & POLLOUT) != 0 && !push(down)) return;
  }
}

}  // namespace

void RelaySet::run(const std::string& owner, int client, int upstream, std::string first) {
  Relay self{client, upstream};
  std::multimap<std::string, Relay*>::iterator entry;
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    entry = relays_.emplace(owner, &self);
  }
  relay(client, upstream, std::move(first));
  // Unlisted before the caller closes the sockets, so a cut never reaches a reused descriptor.
  std::lock_guard lock(mutex_);
  relays_.erase(entry);
}

void RelaySet::cut(const std::string& owner) {
  std::lock_guard lock(mutex_);
  const auto [begin, end] = relays_.equal_range(owner);
  for (auto it = begin; it != end; ++it) {
    ::shutdown(it->second->client, SHUT_RDWR);
    ::shutdown(it->second->upstream, SHUT_RDWR);
  }
}

void RelaySet::cut_all() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  for (const auto& [owner, relay] : relays_) {
    ::shutdown(relay->client, SHUT_RDWR);
    ::shutdown(relay->upstream, SHUT_RDWR);
  }
}

void RelaySet::reopen() {
  std::lock_guard lock(mutex_);
  stopped_ = false;
}

std::size_t RelaySet::running() const {
  std::lock_guard lock(mutex_);
  return relays_.size();
}

}  // namespace ppio_mock::net
