// What the fake and a sandbox's init say to each other: every message
// survives encoding, malformed bytes are refused rather than misread, and
// stdio fds really travel with a spawn request.
#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

#include "mockserver/exec/init_protocol.hpp"

namespace {

namespace init = ppio_mock::exec::init;

TEST(InitProtocol, EveryMessageRoundTrips) {
  init::Message spawn{.type = init::Type::spawn};
  spawn.spawn = {{"/bin/echo", "a b", std::string("\0bin\xff", 5)}, {"A=1", "B="}, "/home/user",
                 init::Identity::switch_user, 1000, 1000, 64u << 20, 48};
  const auto back = init::decode(init::encode(spawn));
  EXPECT_EQ(back.type, init::Type::spawn);
  EXPECT_EQ(back.spawn.argv, spawn.spawn.argv);
  EXPECT_EQ(back.spawn.env, spawn.spawn.env);
  EXPECT_EQ(back.spawn.cwd, "/home/user");
  EXPECT_EQ(back.spawn.identity, init::Identity::switch_user);
  EXPECT_EQ(back.spawn.uid, 1000u);
  EXPECT_EQ(back.spawn.rlimit_as, 64u << 20);
  EXPECT_EQ(back.spawn.rlimit_nproc, 48u);
  EXPECT_FALSE(back.spawn.pty);
  init::Message on_terminal{.type = init::Type::spawn};
  on_terminal.spawn.argv = {"/bin/bash", "-i", "-l"};
  on_terminal.spawn.pty = true;
  on_terminal.spawn.pty_cols = 132;
  on_terminal.spawn.pty_rows = 43;
  const auto terminal = init::decode(init::encode(on_terminal));
  EXPECT_TRUE(terminal.spawn.pty);
  EXPECT_EQ(terminal.spawn.pty_cols, 132);
  EXPECT_EQ(terminal.spawn.pty_rows, 43);
  const auto failed = init::decode(init::encode({.type = init::Type::spawn_failed, .value = 2, .text = "exec"}));
  EXPECT_EQ(failed.value, 2);
  EXPECT_EQ(failed.text, "exec");
  const auto exited = init::decode(init::encode({.type = init::Type::exited, .pid = 7, .value = 9}));
  EXPECT_EQ(exited.pid, 7);
  EXPECT_EQ(exited.value, 9);
  EXPECT_EQ(init::decode(init::encode({.type = init::Type::thaw})).type, init::Type::thaw);
  const auto connect = init::decode(init::encode({.type = init::Type::connect_port, .value = 8080}));
  EXPECT_EQ(connect.type, init::Type::connect_port);
  EXPECT_EQ(connect.value, 8080);
  const auto refused = init::decode(init::encode({.type = init::Type::connect_failed, .value = 111}));
  EXPECT_EQ(refused.type, init::Type::connect_failed);
  EXPECT_EQ(refused.value, 111);
  EXPECT_EQ(init::decode(init::encode({.type = init::Type::connected})).type, init::Type::connected);
}

TEST(InitProtocol, MalformedBytesAreRefused) {
  init::Message spawn{.type = init::Type::spawn};
  spawn.spawn.argv = {"/bin/true"};
  const std::string good = init::encode(spawn);
  EXPECT_THROW(init::decode(good.substr(0, good.size() - 1)), std::runtime_error);  // truncated
  EXPECT_THROW(init::decode(good + "x"), std::runtime_error);                        // trailing
  EXPECT_THROW(init::decode(std::string("\x63\0\0\0", 4)), std::runtime_error);      // unknown type
  init::Message empty{.type = init::Type::spawn};
  EXPECT_THROW(init::decode(init::encode(empty)), std::runtime_error);  // nothing to run
}

TEST(InitProtocol, FramedMessagesCarryTheirFdsAndEndAtEof) {
  int sockets[2], pipe_fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets), 0);
  ASSERT_EQ(::pipe(pipe_fds), 0);
  init::Message spawn{.type = init::Type::spawn};
  spawn.spawn.argv = {"/bin/true", std::string(100000, 'x')};  // longer than one socket read
  ASSERT_TRUE(init::send_framed(sockets[0], spawn, {pipe_fds[1]}));
  std::vector<int> fds;
  const auto got = init::recv_framed(sockets[1], fds);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->spawn.argv, spawn.spawn.argv);
  ASSERT_EQ(fds.size(), 1u);
  ASSERT_EQ(::write(fds[0], "ok", 2), 2);  // the received fd is the pipe's write end
  char buf[2];
  ASSERT_EQ(::read(pipe_fds[0], buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "ok");
  ::close(fds[0]);
  ::close(sockets[0]);
  fds.clear();
  EXPECT_FALSE(init::recv_framed(sockets[1], fds));  // the peer went away
  ::close(sockets[1]);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST(InitProtocol, PacketsSayWhenThePeerIsGone) {
  int sockets[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets), 0);
  bool closed = false;
  EXPECT_FALSE(init::recv_packet(sockets[1], closed));  // nothing yet, not gone
  EXPECT_FALSE(closed);
  ASSERT_TRUE(init::send_packet(sockets[0], {.type = init::Type::signal, .pid = 3, .value = 15}));
  const auto got = init::recv_packet(sockets[1], closed);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->pid, 3);
  EXPECT_EQ(got->value, 15);
  ::close(sockets[0]);
  EXPECT_FALSE(init::recv_packet(sockets[1], closed));
  EXPECT_TRUE(closed);
  ::close(sockets[1]);
}

}  // namespace
