#pragma once
// File descriptors held by a scope or a member: closed once, however the scope ends.
#include <unistd.h>

#include <utility>

namespace ppio_mock::exec {

// Owns `fd` (-1: none) and closes it at scope exit, unless released.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int release() { return std::exchange(fd, -1); }
};

// Closes `fd` if it is open, and marks it closed (-1).
inline void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace ppio_mock::exec
