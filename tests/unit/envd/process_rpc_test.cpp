// process.Process over real HTTP: Start/Connect streams and the unary calls,
// with real processes.
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "ppio_sandbox/core/base64.hpp"

#include "envd_fixture.hpp"

namespace envd_test {
namespace {

class ProcessRpc : public EnvdTest {
 protected:
  // Waits, by asking the fake, until a process whose args contain `needle` runs; its pid.
  std::uint32_t wait_for_process(const std::string& needle) {
    auto client = envd();  // one keep-alive connection for the whole wait
    std::string last;
    for (int attempt = 0; attempt < 20000; ++attempt) {
      auto res = client->Post("/process.Process/List", "{}", "application/json");
      if (!res) continue;
      last = std::to_string(res->status) + " " + res->body;
      if (res->status != 200) continue;
      const auto listed = json::parse(res->body);  // named: a temporary would die before the loop body
      for (const auto& p : listed["processes"]) {
        if (p["config"].value("args", json::array()).dump().find(needle) != std::string::npos) return p["pid"];
      }
    }
    ADD_FAILURE() << "no process with " << needle << "; last answer " << last;
    return 0;
  }
};

TEST_F(ProcessRpc, StartStreamsStartDataEndAndTheEndStreamFrame) {
  const auto r = run("echo hello; echo oops >&2; exit 3");
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.content_type, "application/connect+json");
  ASSERT_FALSE(r.events.empty());
  EXPECT_TRUE(std::holds_alternative<models::StartEvent>(r.events.front()));
  EXPECT_GT(r.pid, 0u);
  EXPECT_TRUE(std::holds_alternative<models::EndEvent>(r.events.back()));
  EXPECT_EQ(r.stdout_text, "hello\n");
  EXPECT_EQ(r.stderr_text, "oops\n");
  ASSERT_TRUE(r.end);
  EXPECT_EQ(r.end->exit_code, 3);
  EXPECT_TRUE(r.end->exited);
  EXPECT_EQ(r.end->status, "exit status 3");
  EXPECT_TRUE(r.ended);
  EXPECT_FALSE(r.error.has_value());
}

TEST_F(ProcessRpc, AFileUploadedToTmpIsWhatACommandSeesThere) {
  // Prime's own test uploads to /tmp and cats it: /tmp must be the sandbox's, not a fresh tmpfs.
  const auto up = envd()->Post("/files?path=/tmp/uploaded.txt", "Test content for upload\n", "application/octet-stream");
  ASSERT_TRUE(up);
  ASSERT_EQ(up->status, 200) << up->body;
  EXPECT_EQ(run("cat /tmp/uploaded.txt").stdout_text, "Test content for upload\n");
  run("echo made-inside > /tmp/made.txt");
  EXPECT_EQ(envd()->Get("/files?path=/tmp/made.txt")->body, "made-inside\n");
}

TEST_F(ProcessRpc, EnvironmentMergesCreateEnvVarsWithCallEnvsAndDefaultsHomeAndCwd) {
  const auto r = run("echo $FROM_CREATE $PER_CALL $HOME; pwd", json{{"process", {{"envs", {{"PER_CALL", "1"}}}}}});
  EXPECT_EQ(r.stdout_text, "yes 1 /home/user\n/home/user\n");
  const auto in_tmp = run("pwd", json{{"process", {{"cwd", "/app"}}}});
  EXPECT_EQ(in_tmp.stdout_text, "/app\n");
}

TEST_F(ProcessRpc, ABadCwdEndsTheStreamWithInvalidArgument) {
  const auto r = run("pwd", json{{"process", {{"cwd", "/no/such/dir"}}}});
  EXPECT_EQ(r.http_status, 200);
  EXPECT_TRUE(r.events.empty());
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, connect::Code::invalid_argument);
}

TEST_F(ProcessRpc, ConnectTimeoutKillsTheProcessAndEndsWithDeadlineExceeded) {
  const auto r = run("echo started; exec sleep 600", json::object(), {{"Connect-Timeout-Ms", "300"}});
  EXPECT_EQ(r.stdout_text, "started\n");
  ASSERT_TRUE(r.end);
  EXPECT_EQ(r.end->status, "signal: killed");
  EXPECT_EQ(r.end->exit_code, -1);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, connect::Code::deadline_exceeded);
  EXPECT_TRUE(json::parse(rpc("process.Process/List", json::object())->body)["processes"].empty());
}

TEST_F(ProcessRpc, ConnectFollowsARunningProcessAndKeepalivesFlowWhileItIsQuiet) {
  StreamResult started;
  std::thread starter([&] {
    auto client = envd();
    started = read_stream(*client, "/process.Process/Start",
                          json{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", "read line; echo got $line"}}}},
                               {"stdin", true}});
  });
  const auto pid = wait_for_process("got");
  std::mutex mutex;
  std::condition_variable cv;
  bool keepalive_seen = false;
  StreamResult follower;
  std::thread follow([&] {
    auto client = envd();
    follower = read_stream(*client, "/process.Process/Connect", json{{"process", {{"pid", pid}}}},
                           {{"Keepalive-Ping-Interval", "1"}}, [&](const models::ProcessEvent& e) {
                             if (!std::holds_alternative<models::KeepaliveEvent>(e)) return;
                             std::lock_guard lock(mutex);
                             keepalive_seen = true;
                             cv.notify_all();
                           });
  });
  {
    // The process is quiet until it gets input, so the follower must see a keepalive first.
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return keepalive_seen || pid == 0; });
  }
  auto in = rpc("process.Process/SendInput",
                json{{"process", {{"pid", pid}}}, {"input", {{"stdin", ppio_sandbox::core::base64_encode("x\n")}}}});
  EXPECT_EQ(in->status, 200) << in->body;
  starter.join();
  follow.join();
  EXPECT_EQ(started.stdout_text, "got x\n");
  EXPECT_EQ(follower.stdout_text, "got x\n");
  ASSERT_FALSE(follower.events.empty());
  EXPECT_TRUE(std::holds_alternative<models::StartEvent>(follower.events.front()));
  EXPECT_EQ(follower.pid, pid);
  EXPECT_TRUE(follower.ended);
  ASSERT_TRUE(follower.end);
  EXPECT_EQ(follower.end->exit_code, 0);
}

namespace stream_input {

std::string envelopes(const std::vector<json>& events) {
  std::string body;
  for (const auto& e : events) body += connect::encode_message(e);
  return body;
}

// The frames of a client stream's answer: its message, then the end of the stream.
std::vector<connect::Frame> frames_of(const httplib::Result& res) {
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/connect+json");
  connect::FrameDecoder decoder;
  decoder.feed(res->body);
  std::vector<connect::Frame> frames;
  while (auto frame = decoder.next()) frames.push_back(std::move(*frame));
  EXPECT_EQ(decoder.pending(), 0u);
  return frames;
}

// The code of the error that ends the stream; nullopt when there is none.
std::optional<connect::Code> stream_error_code(const httplib::Result& res) {
  const auto frames = frames_of(res);
  EXPECT_EQ(frames.size(), 1u);
  if (frames.empty() || !frames.back().end_stream()) return std::nullopt;
  const auto error = connect::parse_end_stream(frames.back().payload);
  if (!error) return std::nullopt;
  return error->code;
}

}  // namespace stream_input

TEST_F(ProcessRpc, StreamInputWritesEachDataEventInOrder) {
  StreamResult r;
  std::thread reader([&] {
    auto client = envd();
    r = read_stream(*client, "/process.Process/Start",
                    json{{"process", {{"cmd", "/bin/cat"}}}, {"stdin", true}, {"tag", "streamed"}});
  });
  wait_for_process("");
  const auto data = [](const std::string& text) {
    return json{{"data", {{"input", {{"stdin", ppio_sandbox::core::base64_encode(text)}}}}}};
  };
  const std::string body = stream_input::envelopes(
      {json{{"start", {{"process", {{"tag", "streamed"}}}}}}, data("ab"), json{{"keepalive", json::object()}}, data("c")});
  const auto frames = stream_input::frames_of(envd()->Post("/process.Process/StreamInput", body, "application/connect+json"));
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_FALSE(frames[0].end_stream());
  EXPECT_EQ(json::parse(frames[0].payload), json::object());
  ASSERT_TRUE(frames[1].end_stream());
  EXPECT_FALSE(connect::parse_end_stream(frames[1].payload));
  EXPECT_EQ(rpc("process.Process/CloseStdin", json{{"process", {{"tag", "streamed"}}}})->status, 200);
  reader.join();
  EXPECT_EQ(r.stdout_text, "abc");
}

TEST_F(ProcessRpc, StreamInputRefusesAClientStreamItCannotFollow) {
  const auto post = [&](const std::string& body) {
    return envd()->Post("/process.Process/StreamInput", body, "application/connect+json");
  };
  const json stdin_x{{"data", {{"input", {{"stdin", ppio_sandbox::core::base64_encode("x")}}}}}};
  EXPECT_EQ(stream_input::stream_error_code(post(stream_input::envelopes({stdin_x}))),
            connect::Code::failed_precondition);
  EXPECT_EQ(stream_input::stream_error_code(
                post(stream_input::envelopes({json{{"start", {{"process", {{"pid", 999999}}}}}}, stdin_x}))),
            connect::Code::not_found);
  EXPECT_EQ(stream_input::stream_error_code(post(stream_input::envelopes({json{{"nonsense", 1}}}))),
            connect::Code::unimplemented);
  const std::string whole = stream_input::envelopes({json{{"keepalive", json::object()}}});
  EXPECT_EQ(stream_input::stream_error_code(post(whole + whole.substr(0, 3))), connect::Code::invalid_argument);
  EXPECT_EQ(server_.unexpected_errors(), 0u);
}

TEST_F(ProcessRpc, StdinInputAndCloseStdin) {
  StreamResult r;
  std::thread reader([&] {
    auto client = envd();
    r = read_stream(*client, "/process.Process/Start",
                    json{{"process", {{"cmd", "/bin/cat"}}}, {"stdin", true}, {"tag", "the-cat"}});
  });
  const auto pid = wait_for_process("");  // cat has no args: the first process
  const json by_tag{{"process", {{"tag", "the-cat"}}}};
  EXPECT_EQ(rpc("process.Process/SendInput",
                json{{"process", {{"pid", pid}}}, {"input", {{"stdin", ppio_sandbox::core::base64_encode("abc")}}}})
                ->status,
            200);
  EXPECT_EQ(rpc("process.Process/CloseStdin", by_tag)->status, 200);
  reader.join();
  EXPECT_EQ(r.stdout_text, "abc");
  ASSERT_TRUE(r.end);
  EXPECT_EQ(r.end->exit_code, 0);
}

TEST_F(ProcessRpc, SendSignalReallySignalsTheProcess) {
  StreamResult r;
  std::thread reader([&] { r = run("exec sleep 600 # signal-me"); });
  const auto pid = wait_for_process("signal-me");
  auto res = rpc("process.Process/SendSignal", json{{"process", {{"pid", pid}}}, {"signal", "SIGNAL_SIGKILL"}});
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, "{}");
  reader.join();
  ASSERT_TRUE(r.end);
  EXPECT_EQ(r.end->status, "signal: killed");
  EXPECT_FALSE(r.error.has_value());
}

TEST_F(ProcessRpc, UnknownProcessesAndBadInputGetConnectErrors) {
  const json missing{{"process", {{"pid", 999999}}}};
  expect_connect_error(rpc("process.Process/SendSignal", json{{"process", {{"pid", 999999}}}, {"signal", "SIGNAL_SIGTERM"}}),
                       404, "not_found");
  expect_connect_error(rpc("process.Process/CloseStdin", missing), 404, "not_found");
  expect_connect_error(rpc("process.Process/Update", missing), 404, "not_found");
  expect_connect_error(rpc("process.Process/SendInput", json{{"process", {{"pid", 999999}}}, {"input", {{"stdin", ""}}}}),
                       404, "not_found");
  expect_connect_error(rpc("process.Process/SendSignal", json{{"process", {{"pid", 1}}}, {"signal", "SIGNAL_BOGUS"}}),
                       501, "unimplemented");
  expect_connect_error(rpc("process.Process/Nope", json::object()), 501, "unimplemented");
  expect_connect_error(envd()->Post("/process.Process/List", "{not json", "application/json"), 400, "invalid_argument");
  expect_connect_error(rpc("process.Process/SendInput", json{{"input", {}}}), 400, "invalid_argument");
  auto client = envd();
  const auto r = read_stream(*client, "/process.Process/Connect", missing);
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->code, connect::Code::not_found);
}

TEST_F(ProcessRpc, KillingTheSandboxEndsItsProcessesAndItsStreams) {
  StreamResult r;
  std::thread reader([&] { r = run("exec sleep 600 # doomed"); });
  wait_for_process("doomed");
  ASSERT_EQ(api_->Delete("/sandboxes/" + id_)->status, 204);
  reader.join();
  // As through the real edge, the stream drops: no end event and no end-stream frame.
  EXPECT_FALSE(r.end);
  EXPECT_FALSE(r.ended);
  EXPECT_EQ(server_.envd().processes().running(id_), 0u);
}

TEST_F(ProcessRpc, ExpiryOnTheVirtualClockEndsProcessesWithoutAnyTraffic) {
  server_.clock().freeze();
  StreamResult r;
  std::thread reader([&] { r = run("exec sleep 600 # expiring"); });
  wait_for_process("expiring");
  server_.clock().advance(std::chrono::hours(1));  // past the 300 s timeout; the reaper notices
  reader.join();
  EXPECT_FALSE(r.end);  // dropped, as a killed sandbox's streams are
  EXPECT_FALSE(r.ended);
  EXPECT_EQ(server_.envd().processes().running(id_), 0u);
}

TEST_F(ProcessRpc, StartAppendsALogLine) {
  run("true # logged");
  auto res = api_->Get("/sandboxes/" + id_ + "/logs");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("true # logged"), std::string::npos) << res->body;
}

}  // namespace
}  // namespace envd_test
