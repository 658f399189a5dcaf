// The executors and the process table, without HTTP.
#include <gtest/gtest.h>

#include <filesystem>

#include <signal.h>

#include "mockserver/exec/executor.hpp"
#include "mockserver/exec/process_table.hpp"

namespace {

namespace exec = ppio_mock::exec;
namespace models = ppio_sandbox::core::envd;

struct Collected {
  std::string out;
  std::string err;
  std::optional<models::EndEvent> end;
  std::optional<ppio_sandbox::core::connect::Error> error;
};

Collected drain(exec::Subscription& s) {
  Collected c;
  for (;;) {
    std::deque<models::ProcessEvent> events;
    const bool done = s.wait(events, std::chrono::seconds(60));
    for (auto& e : events) {
      if (auto* d = std::get_if<models::DataEvent>(&e)) (d->stream == models::OutputStream::err ? c.err : c.out) += d->bytes;
      if (auto* x = std::get_if<models::EndEvent>(&e)) c.end = *x;
    }
    if (done) break;
  }
  c.error = s.end_error();
  return c;
}

class Executors : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    std::string why;
    if (GetParam() == "bwrap" && !exec::bwrap_works("/usr/bin/bwrap", why)) GTEST_SKIP() << why;
    executor_ = GetParam() == "bwrap" ? exec::make_bwrap_executor() : exec::make_host_executor();
    root_ = std::filesystem::temp_directory_path() / ("ppio-exec-test-" + std::to_string(::getpid()) + GetParam());
    fs_ = std::make_shared<exec::SandboxFs>(root_.string());
  }
  void TearDown() override {
    fs_.reset();
    exec::remove_tree(root_.string());
  }

  std::shared_ptr<exec::Subscription> start(exec::ProcessTable& table, const std::string& script,
                                            std::optional<std::chrono::milliseconds> timeout = std::nullopt) {
    exec::StartParams params;
    params.sandbox_id = "sbx";
    params.config = {"/bin/bash", {"-c", script}, {}, std::nullopt};
    params.open_stdin = false;
    params.command = {"/bin/bash", {"-c", script}, {{"SANDBOX_VAR", "v"}}, "/home/user"};
    params.fs = fs_;
    params.timeout = timeout;
    return table.start(std::move(params));
  }

  std::unique_ptr<exec::Executor> executor_;
  std::filesystem::path root_;
  std::shared_ptr<exec::SandboxFs> fs_;
};

TEST_P(Executors, RunsInTheSandboxHomeWithTheEnvironment) {
  exec::ProcessTable table(*executor_, 1 << 20);
  const auto c = drain(*start(table, "echo $SANDBOX_VAR; echo made > here.txt; echo e >&2; exit 4"));
  EXPECT_EQ(c.out, "v\n");
  EXPECT_EQ(c.err, "e\n");
  ASSERT_TRUE(c.end);
  EXPECT_EQ(c.end->exit_code, 4);
  EXPECT_TRUE(std::filesystem::exists(root_ / "home/user/here.txt"));
}

TEST_P(Executors, OutputIsCapped) {
  exec::ProcessTable table(*executor_, 1000);
  const auto c = drain(*start(table, "head -c 100000 /dev/zero"));
  EXPECT_EQ(c.out.size(), 1000u);
  ASSERT_TRUE(c.end);
  EXPECT_EQ(c.end->exit_code, 0);  // the process was never blocked by the cap
}

TEST_P(Executors, DeadlineKillsTheWholeGroup) {
  exec::ProcessTable table(*executor_, 1 << 20);
  const auto c = drain(*start(table, "sleep 600 & sleep 600; wait", std::chrono::milliseconds(200)));
  ASSERT_TRUE(c.end);
  EXPECT_EQ(c.end->status, "signal: killed");
  ASSERT_TRUE(c.error);
  EXPECT_EQ(c.error->code, ppio_sandbox::core::connect::Code::deadline_exceeded);
  EXPECT_EQ(table.running("sbx"), 0u);
}

TEST_P(Executors, KillSandboxEndsEveryProcess) {
  exec::ProcessTable table(*executor_, 1 << 20);
  auto a = start(table, "exec sleep 600");
  auto b = start(table, "exec sleep 600");
  EXPECT_EQ(table.running("sbx"), 2u);
  table.kill_sandbox("sbx");
  EXPECT_EQ(table.running("sbx"), 0u);
  // As through the real edge, the streams of a killed sandbox drop: no end event, no end.
  for (const auto& s : {a, b}) {
    const auto c = drain(*s);
    EXPECT_TRUE(s->dropped());
    EXPECT_FALSE(c.end);
    EXPECT_FALSE(c.error);
  }
}

TEST_P(Executors, SignalsReachTheProcess) {
  exec::ProcessTable table(*executor_, 1 << 20);
  auto s = start(table, "exec sleep 600");
  const auto list = table.list("sbx");
  ASSERT_EQ(list.size(), 1u);
  table.signal("sbx", {list[0].pid, std::nullopt}, SIGTERM);
  const auto c = drain(*s);
  ASSERT_TRUE(c.end);
  EXPECT_EQ(c.end->status, "signal: terminated");
  EXPECT_THROW(table.signal("sbx", {list[0].pid, std::nullopt}, SIGTERM), exec::FsError);
}

INSTANTIATE_TEST_SUITE_P(Both, Executors, ::testing::Values("bwrap", "host"));

TEST(ExecutorChoice, BwrapIsUsedWhenItWorksAndHostWhenAsked) {
  std::string why;
  const bool works = exec::bwrap_works("/usr/bin/bwrap", why);
  EXPECT_EQ(exec::choose_executor("auto")->name(), works ? "bwrap" : "host") << why;
  EXPECT_EQ(exec::choose_executor("host")->name(), "host");
  EXPECT_FALSE(exec::bwrap_works("/nonexistent/bwrap", why));
  EXPECT_NE(why.find("not installed"), std::string::npos);
  EXPECT_THROW(exec::choose_executor("docker"), std::invalid_argument);
}

}  // namespace
