#include "mockserver/exec/init_protocol.hpp"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ppio_mock::exec::init {

namespace {

constexpr std::size_t kMaxFds = 8;

class Writer {
 public:
  void u32(std::uint32_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void u64(std::uint64_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void i32(std::int32_t v) { out_.append(reinterpret_cast<const char*>(&v), sizeof v); }
  void str(const std::string& s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_ += s;
  }
  void strings(const std::vector<std::string>& v) {
    u32(static_cast<std::uint32_t>(v.size()));
    for (const auto& s : v) str(s);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  template <typename T>
  T scalar() {
    T v;
    need(sizeof v);
    std::memcpy(&v, in_.data() + at_, sizeof v);
    at_ += sizeof v;
    return v;
  }
  std::string str() {
    const auto n = scalar<std::uint32_t>();
    need(n);
    std::string s = in_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::vector<std::string> strings() {
    const auto n = scalar<std::uint32_t>();
    if (n > in_.size()) throw std::runtime_error("init message: bad count");
    std::vector<std::string> v;
    v.reserve(n);
    for (std::uint32_t i = 0; i < n; ++i) v.push_back(str());
    return v;
  }
  void done() const {
    if (at_ != in_.size()) throw std::runtime_error("init message: trailing bytes");
  }

 private:
  void need(std::size_t n) const {
    if (in_.size() - at_ < n) throw std::runtime_error("init message: truncated");
  }
  const std::string& in_;
  std::size_t at_ = 0;
};

bool write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, char* data, std::size_t size) {
  while (size > 0) {
    const auto n = ::recv(fd, data, size, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

// The fds of the SCM_RIGHTS messages in `msg`, appended to `fds`.
void take_fds(msghdr& msg, std::vector<int>& fds) {
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const std::size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (std::size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
}

}  // namespace

std::string encode(const Message& m) {
  Writer w;
  w.u32(static_cast<std::uint32_t>(m.type));
  switch (m.type) {
    case Type::spawn:
      w.strings(m.spawn.argv);
      w.strings(m.spawn.env);
      w.str(m.spawn.cwd);
      w.u32(static_cast<std::uint32_t>(m.spawn.identity));
      w.u32(m.spawn.uid);
      w.u32(m.spawn.gid);
      w.u64(m.spawn.rlimit_as);
      w.u64(m.spawn.rlimit_nproc);
      w.u32(m.spawn.pty ? 1 : 0);
      w.u32(m.spawn.pty_cols);
      w.u32(m.spawn.pty_rows);
      break;
    case Type::spawn_failed:
      w.i32(m.value);
      w.str(m.text);
      break;
    case Type::spawned:
      w.i32(m.pid);
      break;
    case Type::signal:
    case Type::exited:
      w.i32(m.pid);
      w.i32(m.value);
      break;
    case Type::connect_port:
    case Type::connect_failed:
      w.i32(m.value);
      break;
    case Type::ready:
    case Type::freeze:
    case Type::thaw:
    case Type::connected:
      break;
  }
  return w.take();
}

Message decode(const std::string& bytes) {
  Reader r(bytes);
  Message m;
  const auto type = r.scalar<std::uint32_t>();
  if (type < static_cast<std::uint32_t>(Type::spawn) || type > static_cast<std::uint32_t>(Type::connect_failed)) {
    throw std::runtime_error("init message: unknown type");
  }
  m.type = static_cast<Type>(type);
  switch (m.type) {
    case Type::spawn: {
      m.spawn.argv = r.strings();
      m.spawn.env = r.strings();
      m.spawn.cwd = r.str();
      const auto identity = r.scalar<std::uint32_t>();
      if (identity > static_cast<std::uint32_t>(Identity::mapped_root)) {
        throw std::runtime_error("init message: identity");
      }
      m.spawn.identity = static_cast<Identity>(identity);
      m.spawn.uid = r.scalar<std::uint32_t>();
      m.spawn.gid = r.scalar<std::uint32_t>();
      m.spawn.rlimit_as = r.scalar<std::uint64_t>();
      m.spawn.rlimit_nproc = r.scalar<std::uint64_t>();
      const auto pty = r.scalar<std::uint32_t>();
      const auto cols = r.scalar<std::uint32_t>();
      const auto rows = r.scalar<std::uint32_t>();
      if (pty > 1 || cols > 0xffff || rows > 0xffff) throw std::runtime_error("init message: pty");
      m.spawn.pty = pty == 1;
      m.spawn.pty_cols = static_cast<std::uint16_t>(cols);
      m.spawn.pty_rows = static_cast<std::uint16_t>(rows);
      if (m.spawn.argv.empty()) throw std::runtime_error("init message: empty argv");
      break;
    }
    case Type::spawn_failed:
      m.value = r.scalar<std::int32_t>();
      m.text = r.str();
      break;
    case Type::spawned:
      m.pid = r.scalar<std::int32_t>();
      break;
    case Type::signal:
    case Type::exited:
      m.pid = r.scalar<std::int32_t>();
      m.value = r.scalar<std::int32_t>();
      break;
    case Type::connect_port:
    case Type::connect_failed:
      m.value = r.scalar<std::int32_t>();
      break;
    case Type::ready:
    case Type::freeze:
    case Type::thaw:
    case Type::connected:
      break;
  }
  r.done();
  return m;
}

bool send_framed(int socket, const Message& message, const std::vector<int>& fds) {
  const std::string body = encode(message);
  if (body.size() > kMaxMessageBytes || fds.size() > kMaxFds) return false;
  const auto length = static_cast<std::uint32_t>(body.size());
  std::string frame(reinterpret_cast<const char*>(&length), sizeof length);
  frame += body;
  iovec iov{frame.data(), 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  if (!fds.empty()) {
    msg.msg_control = control;
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    cmsghdr* c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t n;
  do {
    n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return false;
  return write_all(socket, frame.data() + 1, frame.size() - 1);
}

std::optional<Message> recv_framed(int socket, std::vector<int>& fds) {
  char first;
  iovec iov{&first, 1};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n != 1) return std::nullopt;
  take_fds(msg, fds);
  char rest[sizeof(std::uint32_t)];
  rest[0] = first;
  if (!read_all(socket, rest + 1, sizeof rest - 1)) return std::nullopt;
  std::uint32_t length;
  std::memcpy(&length, rest, sizeof length);
  if (length > kMaxMessageBytes) return std::nullopt;
  std::string body(length, '\0');
  if (!read_all(socket, body.data(), body.size())) return std::nullopt;
  try {
    return decode(body);
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

bool send_packet(int socket, const Message& message, int flags) {
  const std::string body = encode(message);
  ssize_t n;
  do {
    n = ::send(socket, body.data(), body.size(), flags | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n == static_cast<ssize_t>(body.size());
}

std::optional<Message> recv_packet(int socket, bool& closed, int* sender_pid) {
  char buf[512];
  iovec iov{buf, sizeof buf};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return std::nullopt;
  if (n <= 0 || (msg.msg_flags & MSG_TRUNC) != 0) {
    closed = true;
    return std::nullopt;
  }
  if (sender_pid != nullptr) {
    *sender_pid = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred;
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        *sender_pid = cred.pid;
      }
    }
  }
  try {
    return decode(std::string(buf, static_cast<std::size_t>(n)));
  } catch (const std::runtime_error&) {
    closed = true;
    return std::nullopt;
  }
}

}  // namespace ppio_mock::exec::init
