// open_process over a mocked streaming transport: what each member sends, the
// order of the RPCs, output as it arrives, and re-attaching a dropped stream.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include "mock_transport.hpp"
#include "ppio_sandbox/core/base64.hpp"
#include "ppio_sandbox/core/envd.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
namespace envd = ppio_sandbox::core::envd;
using nlohmann::json;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using sdk_test::StreamingMockTransport;
using ::testing::_;
using ::testing::ElementsAre;
using ::testing::Return;

namespace {

namespace connect = ppio_sandbox::core::connect;

std::string frame(const envd::ProcessEvent& event) {
  return connect::encode_message(envd::process_stream_message(event));
}

json message_of(const core::HttpRequest& r) {
  if (r.content_type == "application/json") return json::parse(r.body);
  connect::FrameDecoder decoder;
  decoder.feed(r.body);
  auto f = decoder.next();
  return f ? json::parse(f->payload) : json();
}

std::string rpc_of(const core::HttpRequest& r) { return r.url.substr(r.url.rfind('/') + 1); }

// What the RPCs carried, and a way for a stream to wait for one of them.
class Recorder {
 public:
  void add(const core::HttpRequest& r) {
    std::lock_guard lock(mutex_);
    calls_.push_back(rpc_of(r));
    bodies_.push_back(message_of(r));
    changed_.notify_all();
  }
  void wait_for(const std::string& rpc) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return std::find(calls_.begin(), calls_.end(), rpc) != calls_.end(); });
  }
  std::vector<std::string> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  json body(const std::string& rpc) {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < calls_.size(); ++i) {
      if (calls_[i] == rpc) return bodies_[i];
    }
    return json();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> calls_;
  std::vector<json> bodies_;
};

class LiveProcessOverMock : public ::testing::Test {
 protected:
  void SetUp() override {
    EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/sandboxes/ia")))
        .WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
    EXPECT_CALL(*transport_, send(Req("POST", "http://envd.test/process.Process/")))
        .WillRepeatedly([this](const core::HttpRequest& r) {
          recorder_.add(r);
          return reply(200, "{}");
        });
  }
  prime::SandboxClient client() {
    return prime::SandboxClient(prime::APIClient(prime::ClientOptions{.api_key = "sk_test",
                                                                      .api_url = "http://api.test",
                                                                      .sandbox_url = "http://envd.test",
                                                                      .team_id = "",
                                                                      .transport = transport_,
                                                                      .retry = {.max_attempts = 1},
                                                                      .clock = std::make_shared<core::ManualClock>()}));
  }
  std::shared_ptr<StreamingMockTransport> transport_ = std::make_shared<StreamingMockTransport>();
  Recorder recorder_;
};

TEST_F(LiveProcessOverMock, StreamsOutputSendsInputAndSignalsAndReattachesADroppedStream) {
  EXPECT_CALL(*transport_, send_streaming(Req("POST", "/process.Process/Start"), _))
      .WillOnce([this](const core::HttpRequest& r, const core::StreamHandlers& h) {
        recorder_.add(r);
        h.on_body(frame(envd::StartEvent{42}));
        h.on_body(frame(envd::DataEvent{envd::OutputStream::out, "hello\n"}));
        h.on_body(frame(envd::DataEvent{envd::OutputStream::err, "warn\n"}));
        recorder_.wait_for("SendInput");
        return reply(200);  // the connection drops here: no end event, no end-stream frame
      });
  EXPECT_CALL(*transport_, send_streaming(Req("POST", "/process.Process/Connect"), _))
      .WillOnce([this](const core::HttpRequest& r, const core::StreamHandlers& h) {
        recorder_.add(r);
        h.on_body(frame(envd::StartEvent{42}));
        h.on_body(frame(envd::DataEvent{envd::OutputStream::out, "again\n"}));
        recorder_.wait_for("SendSignal");
        h.on_body(frame(envd::end_for_exit(7)) + connect::encode_end_stream());
        return reply(200);
      });

  auto c = client();
  auto process = c.open_process("ia", "cat -n", {.working_dir = "/tmp", .env = {{"A", "1"}}});
  EXPECT_EQ(process.pid(), 42u);
  EXPECT_EQ(process.returncode(), std::nullopt);
  EXPECT_EQ(process.stdout().next(), "hello\n");
  EXPECT_EQ(process.stderr().next(), "warn\n");
  process.write_stdin("");  // nothing to send: no RPC
  process.write_stdin("abc");
  EXPECT_EQ(process.stdout().next(), "again\n");
  process.terminate();
  EXPECT_EQ(process.wait(), 7);
  EXPECT_EQ(process.returncode(), 7);
  EXPECT_EQ(process.stdout().next(), std::nullopt);
  EXPECT_EQ(process.stderr().read_all(), "");
  EXPECT_THROW(process.write_stdin("late"), prime::BrokenPipeError);
  process.kill();  // after the exit: nothing is sent

  EXPECT_THAT(recorder_.calls(), ElementsAre("Start", "SendInput", "Connect", "SendSignal"));
  const auto start = recorder_.body("Start");
  EXPECT_EQ(start["process"]["cmd"], "/bin/bash");
  EXPECT_EQ(start["process"]["args"], json({"-l", "-c", "cat -n"}));
  EXPECT_EQ(start["process"]["cwd"], "/tmp");
  EXPECT_EQ(start["process"]["envs"]["A"], "1");
  EXPECT_EQ(start["stdin"], true);
  EXPECT_EQ(recorder_.body("SendInput"),
            json({{"process", {{"pid", 42}}}, {"input", {{"stdin", core::base64_encode("abc")}}}}));
  EXPECT_EQ(recorder_.body("Connect"), json({{"process", {{"pid", 42}}}}));
  EXPECT_EQ(recorder_.body("SendSignal"), json({{"process", {{"pid", 42}}}, {"signal", "SIGNAL_SIGTERM"}}));
}

TEST_F(LiveProcessOverMock, ClosingStdinSendsCloseStdinAndRefusesMoreInput) {
  EXPECT_CALL(*transport_, send_streaming(Req("POST", "/process.Process/Start"), _))
      .WillOnce([this](const core::HttpRequest& r, const core::StreamHandlers& h) {
        recorder_.add(r);
        h.on_body(frame(envd::StartEvent{5}));
        recorder_.wait_for("CloseStdin");
        h.on_body(frame(envd::end_for_exit(0)) + connect::encode_end_stream());
        return reply(200);
      });
  auto c = client();
  auto process = c.open_process("ia", "cat");
  auto closed = process.close_stdin_async();
  closed.get();
  EXPECT_EQ(recorder_.body("CloseStdin"), json({{"process", {{"pid", 5}}}}));
  try {
    process.write_stdin("x");
    FAIL() << "nothing thrown";
  } catch (const prime::BrokenPipeError& e) {
    // Either message: the exit may already have been seen.
    EXPECT_TRUE(std::string(e.what()) == "stdin is closed" || std::string(e.what()) == "process has exited") << e.what();
  }
  EXPECT_EQ(process.wait_async().get(), 0);
}

TEST_F(LiveProcessOverMock, CloseTerminatesARunningProcessAndWaitsForItsExit) {
  EXPECT_CALL(*transport_, send_streaming(Req("POST", "/process.Process/Start"), _))
      .WillOnce([this](const core::HttpRequest& r, const core::StreamHandlers& h) {
        recorder_.add(r);
        h.on_body(frame(envd::StartEvent{9}));
        recorder_.wait_for("SendSignal");
        h.on_body(frame(envd::end_for_signal(15)) + connect::encode_end_stream());
        return reply(200);
      });
  auto c = client();
  auto process = c.open_process("ia", "sleep 600");
  process.close();
  EXPECT_EQ(recorder_.body("SendSignal")["signal"], "SIGNAL_SIGTERM");
  EXPECT_EQ(process.returncode(), -1);  // envd reports a signalled process as -1
  EXPECT_EQ(process.wait(), -1);
  process.close();  // a second close does nothing
  EXPECT_THAT(recorder_.calls(), ElementsAre("Start", "SendSignal"));
}

TEST_F(LiveProcessOverMock, AStreamErrorBeforeThePidFailsOpenProcess) {
  EXPECT_CALL(*transport_, send_streaming(Req("POST", "/process.Process/Start"), _))
      .WillOnce([](const core::HttpRequest&, const core::StreamHandlers& h) {
        h.on_body(connect::encode_end_stream(connect::Error{connect::Code::invalid_argument, "cwd '/nope' does not exist"}));
        return reply(200);
      });
  auto c = client();
  try {
    c.open_process("ia", "pwd", {.working_dir = "/nope"});
    FAIL() << "nothing thrown";
  } catch (const prime::APIError& e) {
    EXPECT_STREQ(e.what(), "process stream RPC failed (invalid_argument): cwd '/nope' does not exist");
  }
}

}  // namespace
