// Profile `faults`: under injected failures the SDK raises Prime's error types,
// and recovers where it should. These drive the fake's /_mock/faults.
#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

using nlohmann::json;

// Matches GET /sandboxes/<id> (and nothing else) for `times` requests.
json on_get_of(const std::string& id, json action, long times) {
  json rule{{"match", {{"method", "GET"}, {"path", "^/sandboxes/" + id + "$"}}}, {"action", std::move(action)}};
  if (times > 0) rule["trigger"] = {{"first", times}};
  return rule;
}

void retries_503_on_get(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("fault-503"));
  const auto rule = ctx.add_fault(on_get_of(s.id, {{"type", "error"}, {"status", 503}}, 2));
  check(ctx.client().get(s.id).id == s.id, "get succeeds once the two 503s are behind it");
  check(ctx.fault_fired(rule) == 2, "both 503s were served (the SDK retried through them)");
}

void honours_retry_after(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("fault-429"));
  const auto rule = ctx.add_fault(on_get_of(s.id, {{"type", "rate_limit"}, {"retry_after_s", 1}}, 1));
  check(ctx.client().get(s.id).id == s.id, "get succeeds after a 429 with Retry-After");
  check(ctx.fault_fired(rule) == 1, "the 429 was served once");
}

void rate_limit_exhausted(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("fault-429-always"));
  ctx.add_fault(on_get_of(s.id, {{"type", "rate_limit"}, {"retry_after_s", 1}}, 0));
  try {
    ctx.client().get(s.id);
  } catch (const prime::APIError& e) {
    check(e.status() == 429, "a lasting 429 surfaces as APIError with status 429");
    return;
  }
  throw CaseFailure("a lasting 429 raised nothing");
}

void retries_reset_connection(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("fault-reset"));
  const auto rule = ctx.add_fault(on_get_of(s.id, {{"type", "reset"}, {"when", "before_response"}}, 1));
  check(ctx.client().get(s.id).id == s.id, "get succeeds after the connection was reset once");
  check(ctx.fault_fired(rule) == 1, "the reset happened");
}

void create_not_retried(CaseContext& ctx) {
  const auto rule = ctx.add_fault(json{{"match", {{"method", "POST"}, {"path", "^/sandboxes$"}}},
                                       {"action", {{"type", "error"}, {"status", 503}}},
                                       {"trigger", {{"first", 1}}}});
  expect_throws<prime::APIError>([&] { ctx.create(ctx.request("fault-create")); },
                                 "a create answered with 503 raises APIError (create is never retried blindly)");
  check(ctx.fault_fired(rule) == 1, "exactly one create request was sent");
  const auto page = ctx.client().list({.labels = {ctx.run_label()}, .per_page = 100});
  for (const auto& sandbox : page.sandboxes) {
    check(sandbox.name.rfind("fault-create", 0) != 0, "the failed create left no sandbox behind");
  }
}

void stream_cut_raises(CaseContext& ctx) {
  const auto s = ctx.running("fault-cut");
  ctx.add_fault(json{{"match", {{"rpc", "process.Process/Start"}, {"sandbox", s.id}}},
                     {"action", {{"type", "stream_cut"}, {"after_events", 1}}},
                     {"trigger", {{"first", 1}}}});
  expect_throws<prime::APIError>([&] { ctx.client().execute_command(s.id, "echo one; sleep 0.2; echo two"); },
                                 "a command stream cut before its end frame raises APIError, it does not hang");
  check(ctx.client().execute_command(s.id, "echo again").stdout == "again\n", "the next command works");
}

void sandbox_killed_mid_command(CaseContext& ctx) {
  const auto s = ctx.running("fault-kill");
  ctx.add_fault(json{{"match", {{"rpc", "process.Process/Start"}, {"sandbox", s.id}}},
                     {"action", {{"type", "kill_sandbox"}, {"after_ms", 200}}},
                     {"trigger", {{"first", 1}}}});
  expect_throws<prime::SandboxNotRunningError>(
      [&] { ctx.client().execute_command(s.id, "sleep 30", {.timeout = 60}); },
      "a sandbox killed under a running command raises SandboxNotRunningError");
}

}  // namespace

std::vector<Case> fault_cases() {
  return {
      {"faults.retry.503_then_success", "faults", "an idempotent get retries through 503s and then succeeds.",
       retries_503_on_get, /*needs_fake_admin=*/true},
      {"faults.retry.429_retry_after", "faults", "a 429 with Retry-After is waited out and the get succeeds.",
       honours_retry_after, /*needs_fake_admin=*/true},
      {"faults.errors.429_exhausted", "faults", "a 429 that lasts surfaces as APIError with status 429.",
       rate_limit_exhausted, /*needs_fake_admin=*/true},
      {"faults.retry.reset_connection", "faults", "a connection reset before the response is retried on a get.",
       retries_reset_connection, /*needs_fake_admin=*/true},
      {"faults.create.not_retried", "faults",
       "a create answered with 503 raises APIError after exactly one request and leaves no sandbox.",
       create_not_retried, /*needs_fake_admin=*/true},
      {"faults.stream.cut_before_end", "faults",
       "a command stream cut before its end frame raises APIError instead of hanging.", stream_cut_raises,
       /*needs_fake_admin=*/true},
      {"faults.sandbox.killed_mid_command", "faults",
       "a sandbox killed while a command runs raises SandboxNotRunningError.", sandbox_killed_mid_command,
       /*needs_fake_admin=*/true},
  };
}

}  // namespace ppio_conformance
