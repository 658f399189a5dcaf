#pragma once
// What the fake and a sandbox's init (ppio-sandbox-init) say to each other.
// Shared by both programs, so it depends on nothing but libc and the standard
// library: the init stays small, and a fork of it stays cheap.
//
// Two sockets join them. The control socket (a stream) carries one request at
// a time and its answer: Spawn, with the command's stdin/stdout/stderr passed
// as SCM_RIGHTS, answered by Spawned (its pid inside the environment) or
// SpawnFailed (errno). A Spawn on a terminal (`pty`) carries no fds: the init
// opens the pseudo-terminal inside the environment, and its Spawned answer
// carries the terminal's master as SCM_RIGHTS. The event socket (seqpacket) carries what comes
// unasked: the init's Ready and each command's Exited, and the fake's Signal,
// Freeze and Thaw, which need no answer.
//
// The control socket also carries ConnectPort: the init connects to
// 127.0.0.1:<port> inside the sandbox's network namespace and passes the
// socket back (SCM_RIGHTS) with Connected, or says ConnectFailed (errno).
// The fake lives in the host's namespace and cannot reach the sandbox's
// loopback itself; joining the namespace would need privileges (setns in a
// single-threaded process), while a socket made inside and passed out needs
// none. The connect is non-blocking, so the init never waits on it: the fake
// learns the outcome from the socket (SO_ERROR) once it is writable.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ppio_mock::exec::init {

enum class Type : std::uint32_t {
  spawn = 1,
  spawned,
  spawn_failed,
  signal,
  exited,
  ready,
  freeze,
  thaw,
  connect_port,    // value: the port
  connected,       // the socket rides with it
  connect_failed,  // value: errno
};

// How a command's identity is set up in the child before exec.
enum class Identity : std::uint32_t {
  switch_user = 0,  // setgroups/setgid/setuid to the given ids (the init is root)
  keep = 1,         // run with the init's own ids
  mapped_root = 2,  // the init has one uid: a new user namespace maps it to root
};

struct Spawn {
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "KEY=value"; argv[0] is looked up on its PATH
  std::string cwd;
  Identity identity = Identity::keep;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t rlimit_as = 0;     // bytes; 0: unchanged
  std::uint64_t rlimit_nproc = 0;  // 0: unchanged
  bool pty = false;                // on a new pseudo-terminal of this size, as its controlling terminal
  std::uint16_t pty_cols = 0;
  std::uint16_t pty_rows = 0;
};

struct Message {
  Type type = Type::ready;
  Spawn spawn;               // spawn
  std::int32_t pid = 0;      // spawned, signal, exited
  std::int32_t value = 0;    // spawn_failed, connect_failed: errno; signal: the signal; exited: the wait
                             // status; connect_port: the port
  std::string text;          // spawn_failed: what failed
};

// The bytes of a message (without any framing).
std::string encode(const Message& message);
// Throws std::runtime_error on malformed bytes.
Message decode(const std::string& bytes);

// Control socket (SOCK_STREAM): a 4-byte length, then the message; `fds` ride
// with the first byte. False when the peer is gone.
bool send_framed(int socket, const Message& message, const std::vector<int>& fds = {});
// Reads one framed message and the fds that came with it (close-on-exec).
// nullopt on EOF or a broken peer.
std::optional<Message> recv_framed(int socket, std::vector<int>& fds);

// Event socket (SOCK_SEQPACKET): one message per packet. `flags` go to send().
bool send_packet(int socket, const Message& message, int flags = 0);
// One packet, or nullopt when none is waiting (a non-blocking socket) or the
// peer is gone (then `closed` is set); a malformed packet counts as gone.
// `sender_pid`, when given, receives the sender's pid as this process sees it
// (SO_PASSCRED must be on), or 0.
std::optional<Message> recv_packet(int socket, bool& closed, int* sender_pid = nullptr);

// The largest message either side accepts (argv and env of one command included).
inline constexpr std::size_t kMaxMessageBytes = std::size_t{8} << 20;

}  // namespace ppio_mock::exec::init
