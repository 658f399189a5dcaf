// Profile `commands`: execute_command and background jobs.
#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

prime::CommandResponse run(CaseContext& ctx, const std::string& id, const std::string& command,
                           prime::CommandOptions options = {}) {
  return ctx.client().execute_command(id, command, options);
}

void basic(CaseContext& ctx) {
  const auto s = ctx.running("exec-basic");
  const auto r = run(ctx, s.id, "echo 'Hello World'", {.timeout = 10});
  check(r.exit_code == 0, "exit_code is 0");
  check(r.stdout == "Hello World\n", "stdout is 'Hello World\\n', got '" + r.stdout + "'");
  check(r.stderr.empty(), "stderr is empty, got '" + r.stderr + "'");
}

void env(CaseContext& ctx) {
  const auto s = ctx.running("exec-env");
  const auto r = run(ctx, s.id, "echo $TEST_VAR-$SECOND-$THIRD",
                     {.env = {{"TEST_VAR", "test_value"}, {"SECOND", "two"}, {"THIRD", "3"}}});
  check(r.exit_code == 0 && r.stdout == "test_value-two-3\n", "every env value reaches the command: " + r.stdout);
}

void working_dir(CaseContext& ctx) {
  const auto s = ctx.running("exec-wd");
  run(ctx, s.id, "mkdir -p /tmp/testdir && touch /tmp/testdir/marker");
  const auto r = run(ctx, s.id, "pwd && ls", {.working_dir = "/tmp/testdir"});
  check(r.exit_code == 0 && r.stdout == "/tmp/testdir\nmarker\n", "pwd and ls run in working_dir: " + r.stdout);
  const auto both = run(ctx, s.id, "echo $(pwd):$MODE", {.working_dir = "/tmp/testdir", .env = {{"MODE", "x"}}});
  check(both.stdout == "/tmp/testdir:x\n", "working_dir and env work together: " + both.stdout);
}

void timeout_raises(CaseContext& ctx) {
  const auto s = ctx.running("exec-timeout");
  // It ticks into a file: once it is killed, the file stops growing. (Each
  // command may have a pid namespace of its own, so pgrep would prove nothing.)
  const auto message = expect_throws<prime::CommandTimeoutError>(
      [&] { run(ctx, s.id, "while true; do echo x >> /tmp/ticks; sleep 0.1; done", {.timeout = 2}); },
      "a command past its timeout raises CommandTimeoutError");
  check(contains(message, s.id), "the message names the sandbox: " + message);
  const auto before = run(ctx, s.id, "wc -l < /tmp/ticks").stdout;
  const auto after = run(ctx, s.id, "sleep 1; wc -l < /tmp/ticks").stdout;
  check(before == after, "the timed-out process was killed: the file grew from " + before + " to " + after);
}

void long_command_not_cut(CaseContext& ctx) {
  const auto s = ctx.running("exec-long");
  const auto r = run(ctx, s.id, "sleep 3 && echo done", {.timeout = 10});
  check(r.exit_code == 0 && r.stdout == "done\n", "a command inside its timeout completes: " + r.stdout);
}

void nonexistent_sandbox(CaseContext& ctx) {
  expect_throws<prime::SandboxNotRunningError>([&] { run(ctx, "nonexistent-sandbox-id", "echo hi"); },
                                               "a command in an unknown sandbox raises SandboxNotRunningError");
}

void exit_codes(CaseContext& ctx) {
  const auto s = ctx.running("exec-exit");
  for (int code : {0, 1, 2, 42}) {
    const auto r = run(ctx, s.id, "echo before; exit " + std::to_string(code));
    check(r.exit_code == code, "exit " + std::to_string(code) + " is reported as " + std::to_string(r.exit_code));
    check(r.stdout == "before\n", "output before a non-zero exit is kept");
  }
  check(run(ctx, s.id, "no-such-command-xyz").exit_code == 127, "a missing command exits 127, returned not raised");
}

void streams_separate(CaseContext& ctx) {
  const auto s = ctx.running("exec-streams");
  const auto r = run(ctx, s.id, "echo out; echo err >&2; echo out2");
  check(r.stdout == "out\nout2\n" && r.stderr == "err\n", "stdout and stderr are captured separately");
  const auto lines = run(ctx, s.id, "for i in 1 2 3 4 5; do echo line$i; done");
  check(lines.stdout == "line1\nline2\nline3\nline4\nline5\n", "multi-line output is kept exactly");
}

void pipes_and_state(CaseContext& ctx) {
  const auto s = ctx.running("exec-pipes");
  const auto piped = run(ctx, s.id, "printf 'b\\na\\nc\\n' | sort | tee /tmp/sorted.txt | wc -l");
  check(piped.stdout == "3\n", "pipes work: " + piped.stdout);
  check(run(ctx, s.id, "cat /tmp/sorted.txt").stdout == "a\nb\nc\n", "a file written by one command persists");
}

void background_job(CaseContext& ctx) {
  const auto s = ctx.running("job");
  const auto status = ctx.client().run_background_job(s.id, "echo \"it's done\"", {.timeout = 60, .poll_interval = 0.2});
  check(status.completed && status.exit_code == 0, "the job completes with exit 0");
  check(status.stdout && contains(*status.stdout, "it's done"), "its stdout is kept, quoting intact");
}

void background_job_returns_at_once(CaseContext& ctx) {
  const auto s = ctx.running("job-async");
  const auto job = ctx.client().start_background_job(s.id, "sleep 30");
  check(job.sandbox_id == s.id && !job.job_id.empty(), "the job names its sandbox and has an id");
  check(!ctx.client().get_background_job(s.id, job).completed, "right after the start it is not completed");
}

void background_job_exit_and_dir(CaseContext& ctx) {
  const auto s = ctx.running("job-exit");
  run(ctx, s.id, "mkdir -p /tmp/jobdir && echo inside > /tmp/jobdir/note.txt");
  const auto status = ctx.client().run_background_job(
      s.id, "cat note.txt; exit 5", {.timeout = 60, .working_dir = "/tmp/jobdir", .poll_interval = 0.2});
  check(status.completed && status.exit_code == 5, "exit 5 is reported as completed with exit_code 5");
  check(status.stdout && *status.stdout == "inside\n", "the job ran in working_dir and its output was kept");
}

void background_jobs_batch(CaseContext& ctx) {
  const auto s = ctx.running("job-batch");
  const auto quick = ctx.client().start_background_job(s.id, "echo one; exit 4");
  const auto slow = ctx.client().start_background_job(s.id, "sleep 600");
  const auto waited = run(ctx, s.id, "until [ -s " + quick.exit_file + " ]; do sleep 0.05; done", {.timeout = 60});
  check(waited.exit_code == 0, "the quick job finished");
  const auto statuses = ctx.client().get_background_jobs({slow, quick});
  check(statuses.size() == 2 && statuses[0].job_id == slow.job_id && statuses[1].job_id == quick.job_id,
        "get_background_jobs answers in input order");
  check(!statuses[0].completed, "the running job is not completed");
  check(statuses[1].completed && statuses[1].exit_code == 4 && statuses[1].stdout == "one\n",
        "the finished one has its exit code and output");
  auto changed = quick;
  changed.exit_file = "/tmp/other.exit";
  const auto message = expect_throws<std::invalid_argument>([&] { ctx.client().get_background_jobs({changed}); },
                                                            "a modified job handle is refused");
  check(message == "Batch status requires an unmodified BackgroundJob returned by start_background_job().",
        "with Prime's message: " + message);
}

}  // namespace

std::vector<Case> command_cases() {
  return {
      {"commands.exec.basic", "commands", "echo returns exit_code 0, the exact stdout and an empty stderr.", basic},
      {"commands.exec.env", "commands", "env values passed to execute_command reach the command.", env},
      {"commands.exec.working_dir", "commands", "working_dir is the command's directory, alone and with env.",
       working_dir},
      {"commands.exec.timeout_raises", "commands",
       "a command past its timeout raises CommandTimeoutError naming the sandbox, and the process is killed.",
       timeout_raises},
      {"commands.exec.long_command_completes", "commands", "a command that ends inside its timeout is not cut short.",
       long_command_not_cut},
      {"commands.exec.nonexistent_sandbox", "commands",
       "execute_command on an unknown sandbox raises SandboxNotRunningError.", nonexistent_sandbox},
      {"commands.exec.nonzero_exit_returned", "commands",
       "exit codes 1, 2, 42 and 127 are returned in CommandResponse, never raised, with earlier output kept.",
       exit_codes},
      {"commands.exec.streams_separate", "commands",
       "stdout and stderr are captured separately and multi-line output exactly.", streams_separate},
      {"commands.exec.pipes_and_state", "commands", "pipes work, and files written by one command persist.",
       pipes_and_state},
      {"commands.jobs.run_to_completion", "commands",
       "run_background_job completes with exit 0 and keeps stdout, quoting intact.", background_job},
      {"commands.jobs.start_returns_at_once", "commands",
       "start_background_job returns while the job runs; get_background_job reports it not completed.",
       background_job_returns_at_once},
      {"commands.jobs.exit_code_and_working_dir", "commands",
       "a background job honours working_dir, and 'exit 5' completes with exit_code 5.", background_job_exit_and_dir},
      {"commands.jobs.batch_lookup", "commands",
       "get_background_jobs reports several jobs in input order and refuses a handle start_background_job did not make.",
       background_jobs_batch},
  };
}

}  // namespace ppio_conformance
