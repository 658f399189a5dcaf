// Profile `lifecycle`: what time does to a sandbox. These drive the fake's clock.
#include <algorithm>
#include <mutex>
#include <stop_token>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

void timeout_expiry_removes_the_sandbox(CaseContext& ctx) {
  auto request = ctx.request("expiring");
  request.timeout_minutes = 5;
  const auto created = ctx.create(request);
  ctx.advance_fake_clock(std::chrono::minutes(4));
  check(ctx.client().get(created.id).status == "RUNNING", "the sandbox runs until its timeout");
  ctx.advance_fake_clock(std::chrono::minutes(2));
  expect_throws<prime::APIError>([&] { ctx.client().get(created.id); }, "get after the timeout raises APIError");
  const auto page = ctx.client().list({.labels = {ctx.run_label()}, .per_page = 100});
  check(std::none_of(page.sandboxes.begin(), page.sandboxes.end(),
                     [&](const prime::Sandbox& s) { return s.id == created.id; }),
        "an expired sandbox is no longer listed");
  check(!ctx.client().delete_(created.id).success, "delete of an expired sandbox reports success=false");
}

void wait_then_running(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("wait"));
  ctx.client().wait_for_creation(s.id, 30);
  check(ctx.client().get(s.id).status == "RUNNING", "after wait_for_creation the status is RUNNING");
}

void wait_on_gone_sandbox_raises(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("dying"));
  check(ctx.client().delete_(s.id).success, "the sandbox is deleted");
  expect_throws<prime::SandboxNotRunningError>([&] { ctx.client().wait_for_creation(s.id, 30); },
                                               "wait on a sandbox that died raises SandboxNotRunningError");
}

void full_lifecycle(CaseContext& ctx) {
  const auto s = ctx.running("lifecycle");
  const auto result = ctx.client().execute_command(s.id, "echo alive");
  check(result.exit_code == 0 && result.stdout == "alive\n", "a command runs in the new sandbox");
  check(ctx.client().get(s.id).status == "RUNNING", "it is RUNNING");
  check(ctx.client().delete_(s.id).success, "delete succeeds");
  expect_throws<prime::APIError>([&] { ctx.client().get(s.id); }, "and afterwards get raises APIError");
}

void update_timeout(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("update"));
  const auto updated = ctx.client().update(s.id, {.timeout_minutes = 30});
  check(updated.id == s.id, "update returns the same sandbox");
  expect_throws<prime::APIError>([&] { ctx.client().update(s.id, {.cpu_cores = 4.0}); },
                                 "a field PPIO cannot change raises APIError before any request");
}

void update_timeout_moves_the_end(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("update-end"));  // 10 minutes
  ctx.client().update(s.id, {.timeout_minutes = 30});
  ctx.advance_fake_clock(std::chrono::minutes(20));
  check(ctx.client().get(s.id).status == "RUNNING", "the new timeout, not the old one, decides the end");
  ctx.advance_fake_clock(std::chrono::minutes(11));
  expect_throws<prime::APIError>([&] { ctx.client().get(s.id); }, "after the new timeout the sandbox is gone");
}

void pause_and_resume(CaseContext& ctx) {
  const auto s = ctx.running("pause");
  ctx.client().execute_command(s.id, "echo kept > /tmp/state.txt");
  check(ctx.client().pause(s.id), "pause of a running sandbox returns true");
  check(ctx.client().get(s.id).status == "PAUSED", "a paused sandbox reads PAUSED");
  check(!ctx.client().pause(s.id), "pause of a paused sandbox returns false");
  check(ctx.client().resume(s.id, 10).status == "RUNNING", "resume brings it back RUNNING");
  ctx.client().wait_for_creation(s.id, 30);
  check(ctx.client().execute_command(s.id, "cat /tmp/state.txt").stdout == "kept\n", "files survive a pause");
}

// The steady clock for sleeping; the fake's virtual time as the time of day,
// so that the client sees a sandbox reach its end when the fake does.
class FakeTimeClock final : public ppio_sandbox::core::Clock {
 public:
  // Takes the fake's reading as "now" from here on.
  void follow(ppio_sandbox::core::Timestamp fake_now) {
    std::lock_guard lock(mutex_);
    ahead_ = fake_now - std::chrono::system_clock::now();
  }
  time_point now() const override { return ppio_sandbox::core::steady_clock()->now(); }
  void sleep(std::chrono::milliseconds d) override { ppio_sandbox::core::steady_clock()->sleep(d); }
  bool sleep_unless_stopped(std::chrono::milliseconds d, std::stop_token stop) override {
    return ppio_sandbox::core::steady_clock()->sleep_unless_stopped(d, std::move(stop));
  }
  ppio_sandbox::core::Timestamp wall_now() const override {
    std::lock_guard lock(mutex_);
    return std::chrono::system_clock::now() + ahead_;
  }

 private:
  mutable std::mutex mutex_;
  std::chrono::system_clock::duration ahead_{};
};

void expired_sandbox_raises_timeout_error(CaseContext& ctx) {
  auto clock = std::make_shared<FakeTimeClock>();
  clock->follow(ctx.advance_fake_clock(std::chrono::milliseconds(0)));
  auto options = ctx.options();
  options.clock = clock;
  prime::SandboxClient client{prime::APIClient(options)};
  auto request = ctx.request("typed-timeout");
  request.timeout_minutes = 5;
  const auto created = client.create(request);
  ctx.track(created.id);
  clock->follow(ctx.advance_fake_clock(std::chrono::minutes(6)));
  const auto message = expect_throws<prime::SandboxTimeoutError>(
      [&] { client.execute_command(created.id, "echo too late"); },
      "a command in a sandbox gone past its timeout raises SandboxTimeoutError");
  check(message.find("The sandbox exceeded its maximum runtime and was terminated.") != std::string::npos,
        "with Prime's sentence for TIMEOUT: " + message);
  const auto deleted = client.create(ctx.request("typed-deleted"));
  client.delete_(deleted.id);
  try {
    client.execute_command(deleted.id, "echo gone");
    throw CaseFailure("a command in a deleted sandbox did not raise");
  } catch (const prime::SandboxTimeoutError&) {
    throw CaseFailure("a sandbox deleted before its end was reported as a timeout");
  } catch (const prime::SandboxNotRunningError&) {
    // As it should: gone, not timed out.
  }
}

}  // namespace

std::vector<Case> lifecycle_cases() {
  return {
      {"lifecycle.timeout.expiry_removes_sandbox", "lifecycle",
       "a sandbox past timeout_minutes is gone: get raises APIError, list omits it, delete reports false.",
       timeout_expiry_removes_the_sandbox, /*needs_fake_admin=*/true},
      {"lifecycle.wait.running_after_wait", "lifecycle", "after wait_for_creation returns, get reports RUNNING.",
       wait_then_running},
      {"lifecycle.wait.gone_sandbox_raises", "lifecycle",
       "wait_for_creation on a sandbox that died raises SandboxNotRunningError instead of polling to the end.",
       wait_on_gone_sandbox_raises},
      {"lifecycle.full_cycle", "lifecycle", "create, wait, execute, RUNNING, delete, then get raises APIError.",
       full_lifecycle},
      {"lifecycle.update.timeout_only", "lifecycle",
       "update changes timeout_minutes; any field PPIO cannot change raises APIError.", update_timeout},
      {"lifecycle.update.timeout_moves_the_end", "lifecycle",
       "after update(timeout_minutes) the sandbox ends at the new time, not the old one.",
       update_timeout_moves_the_end, /*needs_fake_admin=*/true},
      {"lifecycle.pause_resume.keeps_files", "lifecycle",
       "pause then resume (PPIO extras) keep the sandbox's files; a second pause returns false.", pause_and_resume},
      {"lifecycle.timeout.typed_error", "lifecycle",
       "a command in a sandbox gone past its timeout raises SandboxTimeoutError; one deleted early does not.",
       expired_sandbox_raises_timeout_error, /*needs_fake_admin=*/true},
  };
}

}  // namespace ppio_conformance
