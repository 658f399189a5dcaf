// execute_command, start commands and the background jobs: process.Process/Start on envd.
#include <charconv>
#include <regex>
#include <set>

#include "error_mapping.hpp"
#include "random_id.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_client.hpp"

namespace ppio_sandbox::prime_compatible {

namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kDefaultCommandTimeout = 300;  // Prime's default, in seconds
constexpr int kClientGraceSeconds = 5;       // Prime's client-side buffer over the server-side limit
constexpr int kJobLaunchTimeout = 30;        // Prime launches background jobs with timeout 30
constexpr std::int64_t kJobTailBytes = std::int64_t{10} << 20;  // Prime reads the last 10 MiB of each log
const std::vector<milliseconds> kConnectWaits = {seconds(1), seconds(2), seconds(4)};

// POSIX shell quoting, as Python's shlex.quote.
std::string shell_quote(const std::string& value) {
  static const std::regex safe(R"(^[A-Za-z0-9_@%+=:,./-]+$)");
  if (!value.empty() && std::regex_match(value, safe)) return value;
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out += "'\"'\"'";
    else out += c;
  }
  return out + "'";
}

std::optional<int> parse_exit_status(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::nullopt;
  const auto last = text.find_last_not_of(" \t\r\n");
  const char* begin = text.data() + first;
  const char* end = text.data() + last + 1;
  if (*begin == '+') ++begin;
  int value = 0;
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string rpc_failure(const core::connect::Error& error) {
  return "Connect RPC failed (" + std::string(core::connect::code_name(error.code)) + "): " + error.message;
}

}  // namespace

void SandboxClient::kill_process_quietly(const core::EnvdTarget& target, std::uint32_t pid) {
  try {
    const nlohmann::json message{{"process", {{"pid", pid}}},
                                 {"signal", core::envd::signal_name(core::envd::Signal::sigkill)}};
    client_.transport()->send(core::connect_unary_request(client_.control_plane().config(), target, "process.Process",
                                                          "SendSignal", message, seconds(10)));
  } catch (const std::exception&) {
    // Best effort: envd's own deadline ends the process as well.
  }
}

core::ProcessStream SandboxClient::start_process(const std::string& sandbox_id, const std::string& command,
                                                 const core::envd::StartRequest& start,
                                                 const std::optional<std::string>& user,
                                                 std::optional<milliseconds> deadline, int timeout_seconds,
                                                 seconds keepalive, bool detach) {
  const auto& config = client_.control_plane().config();
  const milliseconds http_timeout = seconds(std::int64_t{timeout_seconds} + (detach ? 0 : kClientGraceSeconds));
  bool token_refreshed = false;
  while (true) {
    core::ProcessStream stream;
    core::EnvdTarget used;
    std::string url;
    core::HttpResponse response;
    try {
      response = envd_exchange(sandbox_id, command, {.idempotent = false, .waits = kConnectWaits},
                               [&](const core::EnvdTarget& target) {
                                 used = target;
                                 used.user = user;
                                 stream = core::ProcessStream();
                                 auto request = core::process_start_request(config, used, start, deadline,
                                                                            http_timeout, keepalive);
                                 url = request.url;
                                 core::StreamHandlers handlers;
                                 handlers.on_body = [&](std::string_view chunk) {
                                   stream.feed(chunk);
                                   // Detached: hang up once it runs; envd keeps the process.
                                   return !(detach && (stream.pid() || stream.finished()));
                                 };
                                 return client_.transport()->send_streaming(request, handlers);
                               });
    } catch (const core::TransportError& e) {
      if (e.kind() == core::TransportError::Kind::timeout) {
        if (stream.pid()) kill_process_quietly(used, *stream.pid());
        detail::throw_from_current(CommandTimeoutError(sandbox_id, command, timeout_seconds));
      }
      if (e.kind() == core::TransportError::Kind::connection_lost || e.kind() == core::TransportError::Kind::other) {
        // A sandbox killed under an open stream drops the connection.
        if (auto gone = not_running_now(sandbox_id, command)) std::rethrow_exception(gone);
      }
      detail::throw_from_current(APIError(std::string("Request failed: ") + e.what()));
    } catch (const core::ProtocolError& e) {
      detail::throw_from_current(APIError(std::string("Request failed: ") + e.what()));
    }

    if (response.status != 200) {
      detail::throw_with_cause(
          APIError("HTTP " + std::to_string(response.status) + " POST " + url + ": " + response.body, response.status),
          detail::http_cause(response));
    }
    if (detach && stream.pid() && response.aborted) return stream;
    if (!stream.finished()) {
      if (auto gone = not_running_now(sandbox_id, command)) std::rethrow_exception(gone);
      throw APIError("Request failed: protocol error: the stream ended without its end-stream message");
    }
    if (const auto& error = stream.error()) {
      using Code = core::connect::Code;
      switch (error->code) {
        case Code::deadline_exceeded:
          // envd killed it
          detail::throw_with_cause(CommandTimeoutError(sandbox_id, command, timeout_seconds),
                                   core::connect::RpcError(*error));
        case Code::unauthenticated:
          if (!stream.pid() && !token_refreshed) {
            token_refreshed = true;
            forget_envd(sandbox_id);
            continue;
          }
          break;
        case Code::not_found:
          std::rethrow_exception(gone_error(sandbox_id, command));
        case Code::unavailable:
          if (auto gone = not_running_now(sandbox_id, command)) std::rethrow_exception(gone);
          break;
        default:
          break;
      }
      detail::throw_with_cause(APIError(rpc_failure(*error)), core::connect::RpcError(*error));
    }
    if (detach && stream.pid()) return stream;
    if (!stream.end()) throw APIError("Command stream ended without exit code");
    return stream;
  }
}

CommandResponse SandboxClient::execute_command(const std::string& sandbox_id, const std::string& command,
                                               const CommandOptions& options) {
  const int timeout = options.timeout.value_or(kDefaultCommandTimeout);
  if (timeout < 1) throw std::invalid_argument("timeout must be at least 1 second");
  core::envd::StartRequest start;
  start.process.cmd = "/bin/bash";
  start.process.args = {"-l", "-c", command};
  start.process.envs = options.env;
  if (options.working_dir && !options.working_dir->empty()) start.process.cwd = options.working_dir;
  start.open_stdin = false;
  auto stream = start_process(sandbox_id, command, start, options.user, seconds(timeout), timeout, seconds(50),
                              /*detach=*/false);
  return CommandResponse{stream.stdout_bytes(), stream.stderr_bytes(), stream.end()->exit_code};
}

void SandboxClient::launch_start_command(const std::string& sandbox_id, const StartCommandSpec& command) {
  // `sh -c 'exec "$@" >> LOG 2>&1' name argv...` sends the output to the log
  // and keeps the argv exactly as given: no word of it goes through a shell.
  std::vector<std::string> argv;
  std::string shown;
  if (const auto* shell = std::get_if<std::string>(&command)) {
    argv = {"/bin/bash", "-l", "-c", *shell};
    shown = *shell;
  } else {
    const auto& start = std::get<StartCommand>(command);
    argv.push_back(start.executable);
    argv.insert(argv.end(), start.args.begin(), start.args.end());
    for (const auto& word : argv) shown += (shown.empty() ? "" : " ") + shell_quote(word);
  }
  core::envd::StartRequest start;
  start.process.cmd = "/bin/sh";
  start.process.args = {"-c", "exec \"$@\" >> " + shell_quote(kStartCommandLog) + " 2>&1", "prime-start-command"};
  start.process.args.insert(start.process.args.end(), argv.begin(), argv.end());
  start.open_stdin = false;
  try {
    // Detached with no deadline: it lives as long as the sandbox, as a container's command does.
    start_process(sandbox_id, shown, start, std::nullopt, std::nullopt, kJobLaunchTimeout, seconds(1),
                  /*detach=*/true);
  } catch (const std::exception& e) {
    detail::throw_from_current(APIError(std::string("Failed to run start_command: ") + e.what()));
  }
}

BackgroundJob SandboxClient::start_background_job(const std::string& sandbox_id, const std::string& command,
                                                  const BackgroundJobOptions& options) {
  static const std::regex env_name(R"(^[A-Za-z_][A-Za-z0-9_]*$)");
  std::string exports;
  for (const auto& [key, value] : options.env) {
    if (!std::regex_match(key, env_name)) throw std::invalid_argument("Invalid environment variable name: '" + key + "'");
    exports += (exports.empty() ? "" : "; ") + ("export " + key + "=" + shell_quote(value));
  }
  if (!exports.empty()) exports += "; ";

  BackgroundJob job;
  job.job_id = detail::random_hex(8);
  job.sandbox_id = sandbox_id;
  job.stdout_log_file = "/tmp/job_" + job.job_id + ".stdout.log";
  job.stderr_log_file = "/tmp/job_" + job.job_id + ".stderr.log";
  job.exit_file = "/tmp/job_" + job.job_id + ".exit";

  // Prime's script: exports, then cd, then the command, in a subshell whose
  // output goes to the logs; then its status goes to the exit file.
  const std::string cd = options.working_dir && !options.working_dir->empty()
                             ? "cd " + shell_quote(*options.working_dir) + " && "
                             : "";
  const std::string script = "(" + exports + cd + command + ") > " + shell_quote(job.stdout_log_file) + " 2> " +
                             shell_quote(job.stderr_log_file) + "; echo $? > " + shell_quote(job.exit_file);

  // Prime runs `nohup sh -c '<script>' &` through exec. On envd that child
  // would share the launching command's fate, so the script is started as an
  // envd process of its own, with no deadline, and the client hangs up once it
  // has a pid: envd keeps a process whose client left.
  core::envd::StartRequest start;
  start.process.cmd = "/bin/sh";
  start.process.args = {"-c", script};
  start.open_stdin = false;
  // A short keepalive lets envd notice the hang-up soon and free the stream.
  start_process(sandbox_id, command, start, options.user, std::nullopt, kJobLaunchTimeout, seconds(1),
                /*detach=*/true);
  return job;
}

BackgroundJobStatus SandboxClient::get_background_job(const std::string& sandbox_id, const BackgroundJob& job,
                                                      std::optional<int> timeout) {
  BackgroundJobStatus status;
  status.job_id = job.job_id;
  std::string exit_text;
  try {
    exit_text = read_file(sandbox_id, job.exit_file, {.timeout = timeout}).content;
  } catch (const SandboxFileNotFoundError&) {
    // Not written yet: still running.
  }
  const auto exit_code = parse_exit_status(exit_text);
  if (!exit_code) return status;

  const auto tail = [&](const std::string& path, bool& truncated) -> std::string {
    try {
      auto window = read_file(sandbox_id, path, {.timeout = timeout, .offset = -kJobTailBytes, .length = kJobTailBytes});
      truncated = window.truncated.value_or(false);
      return std::move(window.content);
    } catch (const SandboxFileNotFoundError&) {
      return {};
    }
  };
  status.completed = true;
  status.exit_code = exit_code;
  status.stdout = tail(job.stdout_log_file, status.stdout_truncated);
  status.stderr = tail(job.stderr_log_file, status.stderr_truncated);
  return status;
}

std::vector<BackgroundJobStatus> SandboxClient::get_background_jobs(const std::vector<BackgroundJob>& jobs,
                                                                     std::optional<int> timeout) {
  static const std::regex job_id(R"(^[0-9A-Fa-f]{8}$)");
  if (jobs.empty() || jobs.size() > 100) throw std::invalid_argument("jobs must contain between 1 and 100 entries");
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& job : jobs) {
    if (!std::regex_match(job.job_id, job_id)) throw std::invalid_argument("Invalid background job ID: " + job.job_id);
    const std::string root = "/tmp/job_" + job.job_id;
    if (job.stdout_log_file != root + ".stdout.log" || job.stderr_log_file != root + ".stderr.log" ||
        job.exit_file != root + ".exit") {
      throw std::invalid_argument(
          "Batch status requires an unmodified BackgroundJob returned by start_background_job().");
    }
    if (!seen.emplace(job.sandbox_id, job.job_id).second) throw std::invalid_argument("jobs must be unique");
  }
  std::vector<BackgroundJobStatus> out(jobs.size());
  run_parallel(jobs.size(), [&](std::size_t i) { out[i] = get_background_job(jobs[i].sandbox_id, jobs[i], timeout); });
  return out;
}

BackgroundJobStatus SandboxClient::run_background_job(const std::string& sandbox_id, const std::string& command,
                                                      const RunBackgroundJobOptions& options) {
  if (options.poll_interval < 0) throw std::invalid_argument("poll_interval must not be negative");
  auto& clock = client_.clock();
  const auto deadline = clock.now() + seconds(options.timeout);
  const auto cancelled = [&] {
    return CancelledError("run_background_job was cancelled; the job keeps running in sandbox " + sandbox_id);
  };
  if (options.stop.stop_requested()) throw cancelled();
  const auto job = start_background_job(sandbox_id, command, {.working_dir = options.working_dir, .env = options.env});
  const auto interval = milliseconds(static_cast<std::int64_t>(options.poll_interval * 1000.0));
  while (true) {
    auto status = get_background_job(sandbox_id, job);
    if (status.completed) return status;
    const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock.now());
    if (left <= milliseconds(0)) throw CommandTimeoutError(sandbox_id, command, options.timeout);
    if (!clock.sleep_unless_stopped(std::min(interval, left), options.stop)) throw cancelled();
  }
}

}  // namespace ppio_sandbox::prime_compatible
