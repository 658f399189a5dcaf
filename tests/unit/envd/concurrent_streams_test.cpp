// Many commands at once, as RL rollouts run them: every stream is served as
// soon as it is opened, not when an earlier one ends.
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/unit/envd/envd_fixture.hpp"

namespace envd_test {
namespace {

using namespace std::chrono_literals;

constexpr int kSandboxes = 4;
constexpr int kPerSandbox = 50;  // 200 streams: the fake's old fixed pool had 64 threads

class ConcurrentStreams : public EnvdTest {
 protected:
  // Counts the streams whose command said "up".
  void count_up() {
    std::lock_guard lock(mutex_);
    ++up_;
    changed_.notify_all();
  }
  // Bounded, so that a fake that serves streams one batch at a time fails
  // here instead of hanging: no command ends before every one has started.
  bool until_up(int n) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, 100s, [&] { return up_ >= n; });
  }

  StreamResult run_in(const std::string& sandbox, const std::string& command) {
    auto client = envd(sandbox);
    const json body{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", command}}}}, {"stdin", false}};
    return read_stream(*client, "/process.Process/Start", body);
  }

  std::thread open_stream(const std::string& sandbox, const std::string& command, StreamResult& result) {
    return std::thread([this, sandbox, command, &result] {
      auto client = envd(sandbox);
      client->set_read_timeout(300, 0);
      const json body{{"process", {{"cmd", "/bin/bash"}, {"args", {"-c", command}}}}, {"stdin", false}};
      result = read_stream(*client, "/process.Process/Start", body, {}, [this](const models::ProcessEvent& event) {
        const auto* data = std::get_if<models::DataEvent>(&event);
        if (data != nullptr && data->bytes.find("up") != std::string::npos) count_up();
      });
    });
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  int up_ = 0;
};

TEST_F(ConcurrentStreams, TwoHundredCommandsAllStartBeforeAnyEnds) {
  std::vector<std::string> sandboxes{id_};
  while (sandboxes.size() < kSandboxes) sandboxes.push_back(create_sandbox(json{{"templateID", "base"}, {"timeout", 600}}));

  std::vector<StreamResult> results(kSandboxes * kPerSandbox);
  std::vector<std::thread> streams;
  for (int s = 0; s < kSandboxes; ++s) {
    const auto made = run_in(sandboxes[s], "mkfifo gate");
    ASSERT_TRUE(made.end && made.end->exit_code == 0) << "sandbox " << s << ": " << made.stderr_text;
  }
  // Each command opens the gate for reading and writing (which never blocks),
  // says "up" and waits for one line. One the fake did not start in time gets
  // its line later, or gives up after 150 s: the test fails, it does not hang.
  for (int s = 0; s < kSandboxes; ++s) {
    for (int i = 0; i < kPerSandbox; ++i) {
      streams.push_back(open_stream(sandboxes[s], "exec 3<>gate; echo up; read -t 150 line <&3",
                                    results[s * kPerSandbox + i]));
    }
  }
  const bool all_up = until_up(kSandboxes * kPerSandbox);
  EXPECT_TRUE(all_up) << "only " << up_ << " of " << kSandboxes * kPerSandbox << " commands started";
  EXPECT_GE(server_.http_workers().busy, static_cast<std::size_t>(kSandboxes * kPerSandbox));
  EXPECT_EQ(server_.http_workers().waiting, 0u);

  // Open the gates: one line for every waiting command.
  for (const auto& sandbox : sandboxes) {
    const auto opened = run_in(sandbox, "for i in $(seq " + std::to_string(kPerSandbox) + "); do echo go; done > gate");
    EXPECT_TRUE(opened.end && opened.end->exit_code == 0) << opened.stderr_text;
  }
  for (auto& stream : streams) stream.join();
  for (std::size_t i = 0; i < results.size(); ++i) {
    ASSERT_TRUE(results[i].end) << "stream " << i << " ended without its end event";
    EXPECT_EQ(results[i].end->exit_code, 0) << "stream " << i;
    EXPECT_TRUE(results[i].ended) << "stream " << i;
  }
}

}  // namespace
}  // namespace envd_test
