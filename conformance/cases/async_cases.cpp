// Profile `async`: AsyncSandboxClient keeps the sync client's semantics, with futures.
#include <algorithm>
#include <set>
#include <stop_token>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

prime::AsyncSandboxClient async_client(const CaseContext& ctx) { return prime::AsyncSandboxClient(ctx.options(), 16); }

prime::Sandbox async_create(CaseContext& ctx, prime::AsyncSandboxClient& client, const std::string& hint) {
  auto sandbox = client.create(ctx.request(hint)).get();
  ctx.track(sandbox.id);
  return sandbox;
}

void create_get_delete(CaseContext& ctx) {
  auto client = async_client(ctx);
  auto request = ctx.request("async");
  request.labels.push_back("async");
  request.environment_vars = prime::EnvVars{{"ASYNC_TEST", "async_value"}};
  auto created = client.create(request).get();
  ctx.track(created.id);
  check(created.name == request.name && created.status == "RUNNING", "create returns the RUNNING sandbox");
  check(std::count(created.labels.begin(), created.labels.end(), "async") == 1, "labels come back");
  check(client.get(created.id).get().id == created.id, "get returns it");
  check(client.delete_(created.id).get().success, "delete succeeds");
  check(!client.delete_("nonexistent-async-sandbox-id-xyz").get().success,
        "delete of an unknown id returns success=false without raising");
  auto missing = client.get("nonexistent-async-sandbox-id-xyz");
  expect_throws<prime::APIError>([&] { missing.get(); }, "get of an unknown id raises APIError from the future");
}

void list_and_bulk(CaseContext& ctx) {
  auto client = async_client(ctx);
  std::vector<std::future<prime::Sandbox>> pending;
  for (int i = 0; i < 6; ++i) pending.push_back(client.create(ctx.request("async-bulk")));
  std::vector<std::string> ids;
  for (auto& f : pending) {
    ids.push_back(f.get().id);
    ctx.track(ids.back());
  }
  const auto listed = client.list({.labels = {ctx.run_label()}, .per_page = 100}).get();
  std::set<std::string> seen;
  for (const auto& s : listed.sandboxes) seen.insert(s.id);
  check(std::all_of(ids.begin(), ids.end(), [&](const std::string& id) { return seen.contains(id); }),
        "list by label sees all six sandboxes created concurrently");
  const auto states = client.bulk_wait_for_creation(ids, 30).get();
  check(states.size() == ids.size(), "bulk_wait_for_creation answers for every id");
  const auto deleted = client.bulk_delete({.sandbox_ids = ids}).get();
  check(deleted.succeeded.size() == ids.size() && deleted.message == "Deleted 6/6 sandboxes",
        "bulk_delete deletes them all: " + deleted.message);
}

void commands_and_files(CaseContext& ctx) {
  auto client = async_client(ctx);
  const auto s = async_create(ctx, client, "async-exec");
  client.wait_for_creation(s.id, 30).get();
  const auto hello = client.execute_command(s.id, "echo 'Hello Async World'", {.timeout = 10}).get();
  check(hello.exit_code == 0 && hello.stdout == "Hello Async World\n", "execute_command returns the output");
  const auto failing = client.execute_command(s.id, "exit 3").get();
  check(failing.exit_code == 3, "a non-zero exit is returned, not raised");
  auto timed_out = client.execute_command(s.id, "sleep 100", {.timeout = 2});
  expect_throws<prime::CommandTimeoutError>([&] { timed_out.get(); }, "a timeout raises CommandTimeoutError");
  const std::string bytes = std::string("async\0bytes\xff", 12);
  client.upload_bytes(s.id, "/tmp/async.bin", bytes, "async.bin").get();
  check(client.read_file(s.id, "/tmp/async.bin").get().content == bytes, "upload_bytes then read_file round trip");
  auto missing = client.upload_file(s.id, "/tmp/x", "/nonexistent/async_file.txt");
  expect_throws<prime::FileNotFoundError>([&] { missing.get(); }, "a missing local file raises FileNotFoundError");
}

void nonexistent_sandbox_command(CaseContext& ctx) {
  auto client = async_client(ctx);
  auto result = client.execute_command("nonexistent-async-sandbox-id", "echo hi");
  expect_throws<prime::SandboxNotRunningError>([&] { result.get(); },
                                               "a command in an unknown sandbox raises SandboxNotRunningError");
}

void close_is_clean(CaseContext& ctx) {
  std::string id;
  {
    auto client = async_client(ctx);
    id = async_create(ctx, client, "async-close").id;
    check(client.delete_(id).get().success, "delete inside the client's scope succeeds");
    client.close();
    expect_throws<std::runtime_error>([&] { client.get(id); }, "a call after close() is refused");
  }
  check(!ctx.client().delete_(id).success, "the sandbox deleted through the closed client is really gone");
}

void close_cancels_queued_and_stops_waits(CaseContext& ctx) {
  const auto s = ctx.running("async-busy");
  std::future<prime::BackgroundJobStatus> polling;
  std::vector<std::future<prime::CommandResponse>> queued;
  {
    prime::AsyncSandboxClient client(ctx.options(), 1);
    polling = client.run_background_job(s.id, "sleep 600", {.timeout = 900, .poll_interval = 1});
    for (int i = 0; i < 3; ++i) queued.push_back(client.execute_command(s.id, "echo never"));
    // Once the job's log exists the poll is running on the client's only thread.
    const auto started = ctx.client().execute_command(
        s.id, "until ls /tmp/job_*.stdout.log >/dev/null 2>&1; do sleep 0.05; done", {.timeout = 60});
    check(started.exit_code == 0, "the background job started");
    client.close();  // would take the job's ten minutes if the running poll were waited out
    expect_throws<std::runtime_error>([&] { client.get(s.id); }, "a call after close() is refused");
  }
  expect_throws<prime::CancelledError>([&] { polling.get(); }, "the running poll stops with CancelledError");
  for (auto& f : queued) {
    expect_throws<prime::CancelledError>([&] { f.get(); }, "a queued call is cancelled, never run");
  }
}

void stop_token_ends_a_wait(CaseContext& ctx) {
  const auto s = ctx.create(ctx.request("async-stop"));
  check(ctx.client().pause(s.id), "the sandbox is paused, so it would never become RUNNING");
  auto client = async_client(ctx);
  std::stop_source stop;
  auto waiting = client.wait_for_creation(s.id, 600, stop.get_token());
  stop.request_stop();
  expect_throws<prime::CancelledError>([&] { waiting.get(); },
                                       "wait_for_creation stops with CancelledError once its stop_token is requested");
}

}  // namespace

std::vector<Case> async_cases() {
  return {
      {"async.create_get_delete", "async",
       "the async client's create, get and delete behave as the sync ones, errors raised from the futures.",
       create_get_delete},
      {"async.list_and_bulk", "async",
       "sandboxes created concurrently are all listed, bulk-waited and bulk-deleted ('Deleted 6/6 sandboxes').",
       list_and_bulk},
      {"async.commands_and_files", "async",
       "async execute_command returns output and non-zero exits, raises CommandTimeoutError; files round-trip.",
       commands_and_files},
      {"async.exec.nonexistent_sandbox", "async",
       "async execute_command on an unknown sandbox raises SandboxNotRunningError.", nonexistent_sandbox_command},
      {"async.close.clean", "async", "the async client closes cleanly; calls after close() are refused.",
       close_is_clean},
      {"async.close.cancels_queued", "async",
       "close() cancels queued calls (CancelledError), stops a running poll at once, and refuses new calls.",
       close_cancels_queued_and_stops_waits},
      {"async.wait.stop_token", "async", "a std::stop_token ends wait_for_creation at once with CancelledError.",
       stop_token_ends_a_wait},
  };
}

}  // namespace ppio_conformance
