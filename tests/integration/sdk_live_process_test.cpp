// open_process against the embedded fake: real interactive programs (cat,
// python3 -i), signals, stdin EOF, a stream cut and re-attached, in the sync
// and the async client.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;

namespace {

class SdkLiveProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    client_ = std::make_unique<prime::SandboxClient>(prime::APIClient(options()));
    id_ = client_->create({.name = "live", .docker_image = "python:3.11-slim", .timeout_minutes = 10}).id;
  }

  prime::ClientOptions options() const {
    prime::ClientOptions o;
    o.api_key = ppio_mock::kDefaultApiKey;
    o.api_url = server_.url();
    o.sandbox_url = server_.url();
    o.team_id = "";
    return o;
  }

  // Reads `output` until it holds `text`; everything read so far.
  static std::string read_until(prime::ProcessOutput& output, const std::string& text) {
    std::string seen;
    while (seen.find(text) == std::string::npos) {
      auto chunk = output.next();
      if (!chunk) break;
      seen += *chunk;
    }
    return seen;
  }

  void add_rule(const std::string& rule) {
    httplib::Client admin(server_.url());
    admin.set_default_headers({{"X-Admin-Token", ppio_mock::kDefaultAdminToken}});
    auto res = admin.Post("/_mock/faults", rule, "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 201) << res->body;
  }

  // envd's process.Process/List for the sandbox, as JSON text. Sandboxes are
  // secure by default, so envd wants the sandbox's access token.
  std::string processes() {
    httplib::Client api(server_.url());
    api.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
    auto detail = api.Get("/sandboxes/" + id_);
    if (!detail || detail->status != 200) return "<no sandbox detail>";
    const auto token = nlohmann::json::parse(detail->body).value("envdAccessToken", std::string());
    httplib::Client envd(server_.url());
    envd.set_default_headers({{"E2b-Sandbox-Id", id_}, {"X-Access-Token", token}});
    auto res = envd.Post("/process.Process/List", "{}", "application/json");
    return res ? res->body : "<no answer>";
  }

  ppio_mock::Server server_;
  std::unique_ptr<prime::SandboxClient> client_;
  std::string id_;
};

TEST_F(SdkLiveProcess, CatEchoesEachLineAsItIsWrittenAndEndsAtStdinEof) {
  auto cat = client_->open_process(id_, "cat");
  EXPECT_GT(cat.pid(), 0u);
  cat.write_stdin("hello\n");
  // The echo arrives while the process still runs: the stream is live, not collected at the end.
  EXPECT_EQ(read_until(cat.stdout(), "hello\n"), "hello\n");
  EXPECT_EQ(cat.returncode(), std::nullopt);
  cat.write_stdin("second line\n");
  EXPECT_EQ(read_until(cat.stdout(), "second line\n"), "second line\n");
  cat.write_stdin("no newline");
  cat.close_stdin();  // cat reads EOF and exits
  EXPECT_EQ(cat.stdout().read_all(), "no newline");
  EXPECT_EQ(cat.wait(), 0);
  EXPECT_EQ(cat.returncode(), 0);
  EXPECT_THROW(cat.write_stdin("late"), prime::BrokenPipeError);
}

TEST_F(SdkLiveProcess, PythonInteractiveAnswersEachStatement) {
  auto python = client_->open_process(id_, "python3 -i -u -q", {.env = {{"GREETING", "hi"}}});
  python.write_stdin("print(6 * 7)\n");
  EXPECT_EQ(read_until(python.stdout(), "42\n"), "42\n");
  python.write_stdin("import os; print(os.environ['GREETING'] + ' there')\n");
  EXPECT_EQ(read_until(python.stdout(), "hi there\n"), "hi there\n");
  // The prompts go to stderr, as in a terminal-less python3 -i.
  EXPECT_NE(read_until(python.stderr(), ">>> ").find(">>> "), std::string::npos);
  python.write_stdin("raise SystemExit(3)\n");
  EXPECT_EQ(python.wait(), 3);
}

TEST_F(SdkLiveProcess, WordCountSeesEofOnlyWhenStdinIsClosed) {
  auto wc = client_->open_process(id_, "wc -c", {.working_dir = "/tmp"});
  wc.write_stdin("12345");
  wc.write_stdin("678");
  wc.close_stdin();
  EXPECT_EQ(wc.stdout().read_all(), "8\n");
  EXPECT_EQ(wc.wait(), 0);
}

TEST_F(SdkLiveProcess, TerminateEndsAProcessAndKillEndsOneThatIgnoresSigterm) {
  // (The fake delivers SIGTERM to the bubblewrap wrapper of a command, which
  // dies of it, so a TERM trap inside never runs there; what goes on the wire
  // is checked in tests/unit/sdk/live_process_test.cpp.)
  auto sleeper = client_->open_process(id_, "echo ready; exec sleep 600");
  EXPECT_EQ(read_until(sleeper.stdout(), "ready\n"), "ready\n");
  sleeper.terminate();
  EXPECT_EQ(sleeper.wait(), -1);  // envd reports a signalled process as -1
  sleeper.terminate();            // after the exit: nothing to do, and no error

  auto stubborn = client_->open_process(id_, "trap '' TERM; echo ready; exec sleep 600");
  EXPECT_EQ(read_until(stubborn.stdout(), "ready\n"), "ready\n");
  stubborn.kill();
  EXPECT_EQ(stubborn.wait(), -1);  // envd: "signal: killed"
}

TEST_F(SdkLiveProcess, CloseStopsAProcessThatIsStillRunning) {
  auto sleeper = client_->open_process(id_, "echo ready; exec sleep 600");
  EXPECT_EQ(read_until(sleeper.stdout(), "ready\n"), "ready\n");
  EXPECT_NE(processes().find("exec sleep 600"), std::string::npos);
  sleeper.close();
  EXPECT_EQ(sleeper.returncode(), -1);
  // Nothing of it is left in the sandbox: envd lists no such process.
  EXPECT_EQ(processes().find("exec sleep 600"), std::string::npos) << processes();
}

TEST_F(SdkLiveProcess, AStreamCutMidwayIsReattachedAndTheProcessCarriesOn) {
  // The Start stream of this command is cut after its first event (the pid).
  add_rule(R"({"id": "cut-live", "match": {"rpc": "process.Process/Start", "command": "reattach-me"},
               "action": {"type": "stream_cut", "after_events": 1}, "trigger": {"first": 1}})");
  auto cat = client_->open_process(id_, "cat # reattach-me");
  // The first echo is what gets cut (it is lost, as in Prime); once the SDK
  // has re-attached, input reaches the same process and its echo comes back.
  auto echoed = cat.stdout().next_async();
  for (int i = 0; echoed.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready; ++i) {
    ASSERT_LT(i, 500) << "no output ever came back after the cut";
    cat.write_stdin("ping\n");
  }
  const auto chunk = echoed.get();
  ASSERT_TRUE(chunk.has_value());
  EXPECT_NE(chunk->find("ping\n"), std::string::npos) << *chunk;
  cat.close_stdin();
  EXPECT_EQ(cat.wait(), 0);
  const auto connects = server_.journal().query({.path_contains = "process.Process/Connect"});
  EXPECT_GE(connects.size(), 1u);
}

TEST_F(SdkLiveProcess, AnUnknownSandboxRaisesSandboxNotRunningError) {
  EXPECT_THROW(client_->open_process("inope", "cat"), prime::SandboxNotRunningError);
}

TEST_F(SdkLiveProcess, TheAsyncClientOpensProcessesWithFutures) {
  prime::AsyncSandboxClient async(options(), 4);
  auto process = async.open_process(id_, "cat").get();
  auto first = process.stdout().next_async();  // claimed before the bytes exist
  process.write_stdin_async("async\n").get();
  std::string seen = first.get().value_or("");
  if (seen != "async\n") seen += read_until(process.stdout(), "async\n");
  EXPECT_EQ(seen, "async\n");
  auto exit_code = process.wait_async();
  process.close_stdin_async().get();
  EXPECT_EQ(exit_code.get(), 0);
  async.close();
  // The process is an object of its own: closing the client did not touch it.
  EXPECT_EQ(process.returncode(), 0);
}

}  // namespace
