// The rest of Prime's surface against the embedded fake: start commands and
// their logs, batch statuses, batch job lookups, is_vm, teams from config,
// typed errors, and closing a busy async client.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <stop_token>

#include "mockserver/server.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;

namespace {

// The steady clock for sleeping, and the fake's virtual clock as the time of
// day, so that the SDK sees a sandbox reach its end when the fake does.
class FakeWallClock final : public core::Clock {
 public:
  explicit FakeWallClock(ppio_mock::state::VirtualClock& fake) : fake_(fake) {}
  time_point now() const override { return core::steady_clock()->now(); }
  void sleep(std::chrono::milliseconds d) override { core::steady_clock()->sleep(d); }
  bool sleep_unless_stopped(std::chrono::milliseconds d, std::stop_token stop) override {
    return core::steady_clock()->sleep_unless_stopped(d, std::move(stop));
  }
  core::Timestamp wall_now() const override { return fake_.now(); }

 private:
  ppio_mock::state::VirtualClock& fake_;
};

class SdkPrimeSurface : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.start();
    client_ = std::make_unique<prime::SandboxClient>(prime::APIClient(options()));
  }

  prime::ClientOptions options(std::optional<std::string> team = "") const {
    prime::ClientOptions o;
    o.api_key = ppio_mock::kDefaultApiKey;
    o.api_url = server_.url();
    o.sandbox_url = server_.url();
    o.team_id = std::move(team);
    return o;
  }

  prime::CreateSandboxRequest request(const std::string& name) const {
    return {.name = name, .docker_image = "python:3.11-slim", .timeout_minutes = 10};
  }

  // Waits inside the sandbox (not on the test's clock) until `path` holds `text`.
  void wait_for_text(const std::string& id, const std::string& path, const std::string& text) {
    const auto r = client_->execute_command(
        id, "until grep -qF -- '" + text + "' " + path + " 2>/dev/null; do sleep 0.05; done", {.timeout = 60});
    ASSERT_EQ(r.exit_code, 0) << r.stderr;
  }

  std::size_t starts_in_journal() {
    return server_.journal().query({.path_contains = "process.Process/Start", .limit = 100000}).size();
  }

  ppio_mock::Server server_;
  std::unique_ptr<prime::SandboxClient> client_;
};

// ---- start commands ----

TEST_F(SdkPrimeSurface, AStartCommandRunsAfterCreateAndGetLogsShowsItsOutputAfterTheControlPlanesLines) {
  auto r = request("starts");
  r.start_command = "echo started-$((6 * 7)); echo to-stderr >&2";
  const auto sandbox = client_->create(r);
  EXPECT_EQ(sandbox.start_command, "echo started-$((6 * 7)); echo to-stderr >&2");
  wait_for_text(sandbox.id, prime::SandboxClient::kStartCommandLog, "to-stderr");
  const auto logs = client_->get_logs(sandbox.id);
  const auto created = logs.find("Sandbox created from template");
  const auto out = logs.find("started-42\n");
  ASSERT_NE(created, std::string::npos) << logs;
  ASSERT_NE(out, std::string::npos) << logs;
  EXPECT_LT(created, out) << "the command's output comes after the control plane's lines:\n" << logs;
  EXPECT_NE(logs.find("to-stderr"), std::string::npos) << logs;
}

TEST_F(SdkPrimeSurface, AnArgvStartCommandKeepsEveryArgumentAsGiven) {
  auto r = request("argv");
  r.start_command = prime::StartCommand{.executable = "/bin/sh", .args = {"-c", "echo \"[$0] [$1]\"", "a b", "$HOME"}};
  const auto sandbox = client_->create(r);
  const auto* argv = std::get_if<prime::StartCommand>(&*sandbox.start_command);
  ASSERT_NE(argv, nullptr);
  EXPECT_EQ(argv->args.at(2), "a b");
  // No shell between: the space stays inside one argument and "$HOME" is not expanded.
  wait_for_text(sandbox.id, prime::SandboxClient::kStartCommandLog, "[a b] [$HOME]");
  EXPECT_NE(client_->get_logs(sandbox.id).find("[a b] [$HOME]"), std::string::npos);
}

TEST_F(SdkPrimeSurface, AStartCommandThatCannotRunLeavesItsErrorInTheLogs) {
  auto r = request("broken");
  r.start_command = prime::StartCommand{.executable = "/no/such/program"};
  const auto sandbox = client_->create(r);  // as on Prime: the sandbox exists; its log says why the command failed
  wait_for_text(sandbox.id, prime::SandboxClient::kStartCommandLog, "/no/such/program");
  EXPECT_NE(client_->get_logs(sandbox.id).find("/no/such/program"), std::string::npos);
}

TEST_F(SdkPrimeSurface, TheContainerDefaultStartCommandRunsNothing) {
  const auto before = starts_in_journal();
  const auto sandbox = client_->create(request("default"));  // start_command "tail -f /dev/null"
  EXPECT_EQ(starts_in_journal(), before);
  EXPECT_EQ(sandbox.start_command, std::nullopt);
  EXPECT_EQ(client_->get_logs(sandbox.id).find("tail"), std::string::npos);
}

// ---- batch lookups and helpers ----

TEST_F(SdkPrimeSurface, BatchStatusesReportLiveSandboxesAndNotFoundForTheRest) {
  const auto running = client_->create(request("a")).id;
  const auto paused = client_->create(request("b")).id;
  ASSERT_TRUE(client_->pause(paused));
  const auto killed = client_->create(request("c")).id;
  ASSERT_TRUE(client_->delete_(killed).success);

  const auto r = client_->get_sandbox_statuses({running, "inever-existed", paused, killed});
  ASSERT_EQ(r.statuses.size(), 2u);
  EXPECT_EQ(r.statuses[0].sandbox_id, running);
  EXPECT_EQ(r.statuses[0].status, prime::SandboxStatus::RUNNING);
  EXPECT_EQ(r.statuses[1].sandbox_id, paused);
  EXPECT_EQ(r.statuses[1].status, prime::SandboxStatus::PAUSED);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_EQ(r.errors[0].sandbox_id, "inever-existed");
  EXPECT_EQ(r.errors[0].code, "NOT_FOUND");
  EXPECT_EQ(r.errors[1].sandbox_id, killed);

  prime::AsyncSandboxClient async(options(), 2);
  EXPECT_EQ(async.get_sandbox_statuses({running}).get().statuses.at(0).status, prime::SandboxStatus::RUNNING);
}

TEST_F(SdkPrimeSurface, BackgroundJobsAreLookedUpTogetherInInputOrder) {
  const auto id = client_->create(request("jobs")).id;
  const auto quick = client_->start_background_job(id, "echo one; exit 4");
  const auto slow = client_->start_background_job(id, "sleep 600");
  wait_for_text(id, quick.exit_file, "4");
  const auto statuses = client_->get_background_jobs({slow, quick});
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_EQ(statuses[0].job_id, slow.job_id);
  EXPECT_FALSE(statuses[0].completed);
  EXPECT_EQ(statuses[1].job_id, quick.job_id);
  EXPECT_TRUE(statuses[1].completed);
  EXPECT_EQ(statuses[1].exit_code, 4);
  EXPECT_EQ(statuses[1].stdout, "one\n");
}

TEST_F(SdkPrimeSurface, IsVmAndClearAuthCache) {
  const auto id = client_->create(request("vm")).id;
  EXPECT_TRUE(client_->is_vm(id));  // vm left unset: PPIO sandboxes are microVMs
  auto container = request("container");
  container.vm = false;
  EXPECT_FALSE(client_->is_vm(client_->create(container).id));
  client_->clear_auth_cache();
  EXPECT_EQ(client_->execute_command(id, "echo after-clear").stdout, "after-clear\n");  // looked up again
}

// ---- teams ----

TEST_F(SdkPrimeSurface, ATeamScopesCreateListAndBulkDelete) {
  prime::SandboxClient team_a(prime::APIClient(options("team-a")));
  prime::SandboxClient team_b(prime::APIClient(options("team-b")));
  const auto a = team_a.create(request("ta"));
  const auto b = team_b.create(request("tb"));
  EXPECT_EQ(a.team_id, "team-a");
  const auto listed = team_a.list({.per_page = 100});
  ASSERT_EQ(listed.sandboxes.size(), 1u);
  EXPECT_EQ(listed.sandboxes[0].id, a.id);
  EXPECT_EQ(team_b.list({.team_id = "team-a"}).sandboxes.at(0).id, a.id);  // an explicit team wins

  auto labelled = request("labelled");
  labelled.labels = {"shared"};
  const auto a2 = team_a.create(labelled);
  const auto b2 = team_b.create(labelled);
  const auto deleted = team_a.bulk_delete({.labels = std::vector<std::string>{"shared"}});
  EXPECT_EQ(deleted.succeeded, std::vector<std::string>{a2.id});
  EXPECT_EQ(team_b.get(b2.id).id, b2.id);  // the other team's sandbox with the same label is untouched
  EXPECT_EQ(team_b.get(b.id).team_id, "team-b");
}

// ---- typed errors ----

TEST_F(SdkPrimeSurface, ACommandInASandboxPastItsTimeoutRaisesSandboxTimeoutError) {
  auto o = options();
  o.clock = std::make_shared<FakeWallClock>(server_.clock());
  prime::SandboxClient client{prime::APIClient(o)};
  auto r = request("expiring");
  r.timeout_minutes = 1;
  const auto id = client.create(r).id;
  server_.clock().advance(std::chrono::minutes(2));  // the fake kills it at its end
  try {
    client.execute_command(id, "echo too late");
    FAIL() << "nothing thrown";
  } catch (const prime::SandboxTimeoutError& e) {
    EXPECT_EQ(e.error_type(), "TIMEOUT");
    EXPECT_NE(std::string(e.what()).find("The sandbox exceeded its maximum runtime and was terminated."),
              std::string::npos)
        << e.what();
  }
  // One deleted before its end is not a timeout.
  const auto deleted = client.create(request("deleted")).id;
  client.delete_(deleted);
  try {
    client.execute_command(deleted, "echo gone");
    FAIL() << "nothing thrown";
  } catch (const prime::SandboxTimeoutError&) {
    FAIL() << "a deleted sandbox reported as a timeout";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_EQ(e.error_type(), "SANDBOX_NOT_FOUND");
  }
}

// ---- closing ----

TEST_F(SdkPrimeSurface, ClosingABusyAsyncClientCancelsQueuedCallsAndStopsRunningWaits) {
  const auto id = client_->create(request("busy")).id;
  std::future<prime::BackgroundJobStatus> polling;
  std::vector<std::future<prime::CommandResponse>> queued;
  {
    prime::AsyncSandboxClient async(options(), 1);  // one thread: everything after the job waits in the queue
    const auto before = starts_in_journal();
    polling = async.run_background_job(id, "sleep 600", {.timeout = 900, .poll_interval = 1});
    for (int i = 0; i < 5; ++i) queued.push_back(async.execute_command(id, "echo never"));
    while (starts_in_journal() == before) {
      // The job has been launched once its Start reached the fake: the poll is running.
    }
    async.close();  // returns as soon as the running poll stops; the job would take ten minutes
    EXPECT_THROW(async.get(id), std::runtime_error);
  }
  EXPECT_THROW(polling.get(), prime::CancelledError);
  for (auto& f : queued) EXPECT_THROW(f.get(), prime::CancelledError);
}

TEST_F(SdkPrimeSurface, AStopTokenEndsAWaitForASandboxThatNeverRuns) {
  const auto id = client_->create(request("paused")).id;
  ASSERT_TRUE(client_->pause(id));  // wait_for_creation would poll it for its whole budget
  prime::AsyncSandboxClient async(options(), 2);
  std::stop_source stop;
  auto waiting = async.wait_for_creation(id, 600, stop.get_token());
  stop.request_stop();
  EXPECT_THROW(waiting.get(), prime::CancelledError);
  const auto running = client_->create(request("job")).id;
  std::stop_source job_stop;
  auto job = async.run_background_job(running, "sleep 600",
                                      {.timeout = 900, .poll_interval = 1, .stop = job_stop.get_token()});
  job_stop.request_stop();
  EXPECT_THROW(job.get(), prime::CancelledError);
}

}  // namespace
