// Profile `commands` (and `async`, `faults`): live processes from open_process,
// and the start commands that run after create.
#include <chrono>
#include <future>

#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Reads until `text` has arrived (or the stream ended); what was read.
std::string read_until(prime::ProcessOutput& output, const std::string& text) {
  std::string seen;
  while (!contains(seen, text)) {
    auto chunk = output.next();
    if (!chunk) break;
    seen += *chunk;
  }
  return seen;
}

// Waits inside the sandbox until `path` holds `text`, so nothing sleeps here.
void wait_in_sandbox(CaseContext& ctx, const std::string& id, const std::string& path, const std::string& text) {
  const auto r = ctx.client().execute_command(
      id, "until grep -qF -- '" + text + "' " + path + " 2>/dev/null; do sleep 0.05; done", {.timeout = 60});
  check(r.exit_code == 0, "'" + text + "' appeared in " + path);
}

void interactive_cat(CaseContext& ctx) {
  const auto s = ctx.running("proc-cat");
  auto cat = ctx.client().open_process(s.id, "cat");
  check(cat.pid() > 0, "open_process returns once the process has a pid");
  cat.write_stdin("hello\n");
  check(read_until(cat.stdout(), "hello\n") == "hello\n", "each line written is echoed while cat still runs");
  check(!cat.returncode(), "returncode is unset while it runs");
  cat.write_stdin("tail");
  cat.close_stdin();
  check(cat.stdout().read_all() == "tail", "closing stdin lets cat read EOF and flush the rest");
  check(cat.wait() == 0 && cat.returncode() == 0, "it exits 0 and returncode says so");
  expect_throws<prime::BrokenPipeError>([&] { cat.write_stdin("late"); },
                                        "stdin written after the exit raises BrokenPipeError");
}

void python_interactive(CaseContext& ctx) {
  const auto s = ctx.running("proc-python");
  auto python = ctx.client().open_process(s.id, "python3 -i -u -q");
  python.write_stdin("print(6 * 7)\n");
  check(read_until(python.stdout(), "42\n") == "42\n", "python3 -i answers a statement as soon as it is sent");
  python.write_stdin("x = 'kept'\n");
  python.write_stdin("print(x)\n");
  check(read_until(python.stdout(), "kept\n") == "kept\n", "state persists between statements");
  python.write_stdin("raise SystemExit(3)\n");
  check(python.wait() == 3, "its exit status is the returncode");
}

void signals(CaseContext& ctx) {
  const auto s = ctx.running("proc-signal");
  auto sleeper = ctx.client().open_process(s.id, "echo ready; exec sleep 600");
  check(read_until(sleeper.stdout(), "ready\n") == "ready\n", "the process started");
  sleeper.terminate();
  check(sleeper.wait() == -1, "terminate() ends it (a signalled process reports -1)");
  sleeper.terminate();  // after the exit Prime does nothing, and neither does this
  auto stubborn = ctx.client().open_process(s.id, "trap '' TERM; echo ready; exec sleep 600");
  check(read_until(stubborn.stdout(), "ready\n") == "ready\n", "the second process started");
  stubborn.kill();
  check(stubborn.wait() == -1, "kill() ends a process that ignores SIGTERM");
}

void unknown_sandbox(CaseContext& ctx) {
  expect_throws<prime::SandboxNotRunningError>([&] { ctx.client().open_process("nonexistent-sandbox-id", "cat"); },
                                               "open_process in an unknown sandbox raises SandboxNotRunningError");
}

void async_process(CaseContext& ctx) {
  const auto s = ctx.running("proc-async");
  prime::AsyncSandboxClient client(ctx.options(), 4);
  auto cat = client.open_process(s.id, "cat").get();
  auto first = cat.stdout().next_async();
  cat.write_stdin_async("async\n").get();
  std::string seen = first.get().value_or("");
  if (!contains(seen, "async\n")) seen += read_until(cat.stdout(), "async\n");
  check(seen == "async\n", "a chunk claimed with next_async arrives once the process writes it");
  auto code = cat.wait_async();
  cat.close_stdin_async().get();
  check(code.get() == 0, "wait_async gives the exit status");
}

void start_command_logs(CaseContext& ctx) {
  auto r = ctx.request("start-cmd");
  r.start_command = "echo started-$((6 * 7)); echo to-stderr >&2";
  const auto s = ctx.create(r);
  check(s.start_command == "echo started-$((6 * 7)); echo to-stderr >&2", "the sandbox reports its start command");
  ctx.client().wait_for_creation(s.id, 30);
  wait_in_sandbox(ctx, s.id, prime::SandboxClient::kStartCommandLog, "to-stderr");
  const auto logs = ctx.client().get_logs(s.id);
  const auto out = logs.find("started-42");
  check(out != std::string::npos && contains(logs, "to-stderr"), "get_logs holds the command's stdout and stderr");
  check(out > 0 && logs.rfind('\n', out) != std::string::npos,
        "the command's output follows the control plane's lines");
}

void start_command_argv(CaseContext& ctx) {
  auto r = ctx.request("start-argv");
  r.start_command = prime::StartCommand{.executable = "/bin/sh", .args = {"-c", "echo \"[$0] [$1]\"", "a b", "$HOME"}};
  const auto s = ctx.create(r);
  ctx.client().wait_for_creation(s.id, 30);
  wait_in_sandbox(ctx, s.id, prime::SandboxClient::kStartCommandLog, "[a b] [$HOME]");
  check(contains(ctx.client().get_logs(s.id), "[a b] [$HOME]"),
        "an argv start command runs without a shell: spaces stay in their argument, $HOME is not expanded");
}

void stream_cut_reattached(CaseContext& ctx) {
  const auto s = ctx.running("proc-cut");
  ctx.add_fault({{"match", {{"rpc", "process.Process/Start"}, {"command", "reattach-me"}}},
                 {"action", {{"type", "stream_cut"}, {"after_events", 1}}},
                 {"trigger", {{"first", 1}}}});
  auto cat = ctx.client().open_process(s.id, "cat # reattach-me");
  // What was sent during the cut is lost, as in Prime; once re-attached, echoes come back.
  auto echoed = cat.stdout().next_async();
  for (int i = 0; echoed.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready; ++i) {
    check(i < 500, "output comes back after the cut");
    cat.write_stdin("ping\n");
  }
  const auto chunk = echoed.get();
  check(chunk && contains(*chunk, "ping\n"), "the re-attached stream carries the same process's output");
  cat.close_stdin();
  check(cat.wait() == 0, "and its exit status");
}

}  // namespace

std::vector<Case> process_cases() {
  return {
      {"commands.process.interactive_cat", "commands",
       "open_process('cat') echoes each line as it is written; close_stdin() ends it with returncode 0.",
       interactive_cat},
      {"commands.process.python_interactive", "commands",
       "python3 -i answers each statement as it is sent and its SystemExit(3) is the returncode.",
       python_interactive},
      {"commands.process.signals", "commands",
       "terminate() ends a process, kill() one that ignores SIGTERM, and signals after the exit do nothing.",
       signals},
      {"commands.process.unknown_sandbox", "commands",
       "open_process in an unknown sandbox raises SandboxNotRunningError.", unknown_sandbox},
      {"commands.start_command.logs", "commands",
       "a start command runs right after create and get_logs shows its output after the control plane's lines.",
       start_command_logs},
      {"commands.start_command.argv", "commands",
       "a StartCommand runs as argv, without a shell, every argument exactly as given.", start_command_argv},
      {"async.process.open", "async",
       "the async client's open_process gives a live process whose reads, writes and wait are futures.",
       async_process},
      {"faults.process.stream_cut_reattached", "faults",
       "a live process whose stream is cut is re-attached and goes on: later output and the exit still arrive.",
       stream_cut_reattached, /*needs_fake_admin=*/true},
  };
}

}  // namespace ppio_conformance
