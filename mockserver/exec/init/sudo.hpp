#pragma once
// The sandbox's sudo. bubblewrap sets no_new_privs, so inside an environment
// no setuid program can raise privileges, the host's sudo included. Instead
// ppio-sandbox-init is also bound over /usr/bin/sudo (when the host has sudo),
// and run under that name it asks the sandbox's init, which is root, to start
// the command as root (or -u user) with the caller's stdio, cwd and (with -E)
// environment, without a password, as E2B's `user` may. It relays signals to
// the command and ends as the command ends.
//
// The init listens on an abstract unix socket, which exists only in the
// sandbox's own network namespace, and serves only the sandbox's users.
#include <sys/socket.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

namespace ppio_mock::exec::init {

inline constexpr char kSudoSocketName[] = "ppio-sandbox-sudo";

// The abstract address of the sudo socket, and its length for bind/connect.
inline socklen_t sudo_address(sockaddr_un& addr) {
  std::memset(&addr, 0, sizeof addr);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, kSudoSocketName, sizeof kSudoSocketName - 1);
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + sizeof kSudoSocketName - 1);
}

// The sudo program: `sudo [-n] [-E] [-H] [-u root|user] [-i|-s] [--] command [args]`,
// and -k, -K, -v, -l, -V, -h.
int sudo_main(int argc, char** argv);

}  // namespace ppio_mock::exec::init
