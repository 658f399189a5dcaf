#pragma once
// SandboxClient: Prime's sandbox methods, run on PPIO.
// Prime's keyword arguments are option structs that take designated initializers:
//   client.list({.status = SandboxStatus::RUNNING, .labels = {"exp"}, .per_page = 50});
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "ppio_sandbox/core/envd.hpp"
#include "ppio_sandbox/core/executor.hpp"
#include "ppio_sandbox/prime_compatible/api_client.hpp"
#include "ppio_sandbox/prime_compatible/errors.hpp"
#include "ppio_sandbox/prime_compatible/models.hpp"
#include "ppio_sandbox/prime_compatible/sandbox_process.hpp"

namespace ppio_sandbox::prime_compatible {

struct CreateOptions {
  // The PPIO template to start; when unset, docker_image picks it (see README).
  std::optional<std::string> template_id;
  // PPIO's secure sandboxes: envd then wants the access token the create
  // answer carries, and the client sends it on every command and file call.
  std::optional<bool> secure;
};

// execute_command's keyword arguments.
struct CommandOptions {
  std::optional<std::string> working_dir;  // unset or "": the user's home
  EnvVars env;                             // added to the sandbox's own variables
  std::optional<int> timeout;              // seconds; unset means 300, as in Prime
  std::optional<std::string> user;         // run as this user; unset: the template's default
};

// start_background_job's keyword arguments.
struct BackgroundJobOptions {
  std::optional<std::string> working_dir;
  EnvVars env;  // names must match ^[A-Za-z_][A-Za-z0-9_]*$
  std::optional<std::string> user;
};

// run_background_job's keyword arguments.
struct RunBackgroundJobOptions {
  int timeout = 900;  // seconds until CommandTimeoutError; the job itself is not killed
  std::optional<std::string> working_dir;
  EnvVars env;
  double poll_interval = 3;  // seconds between status checks
  // Stops the polling at once (CancelledError); the job itself keeps running.
  std::stop_token stop;
};

// open_process's keyword arguments.
struct ProcessOptions {
  std::optional<std::string> working_dir;  // unset or "": the user's home
  EnvVars env;
  std::optional<std::string> user;  // unset: the template's default user
};

// read_file's keyword arguments.
struct ReadFileOptions {
  std::optional<int> timeout;          // seconds; unset means 30, as in Prime
  std::optional<std::int64_t> offset;  // negative counts from the end of the file
  std::optional<std::int64_t> length;  // unset: to the end (at most kReadFileMaxBytes)
};

struct ListOptions {
  std::optional<std::string> team_id;  // unset: the client's team (APIClient::team_id)
  std::optional<SandboxStatus> status;
  std::vector<std::string> labels;  // a sandbox must carry every one
  int page = 1;
  int per_page = 50;
  // Killed sandboxes never appear on PPIO, so this changes nothing.
  std::optional<bool> exclude_terminated;
  std::optional<std::string> user_id;  // the user_id a sandbox was created with
};

// set_network's keyword arguments: exactly one of the two, as in Prime.
//   client.set_network(id, {.allow = std::vector<std::string>{"pypi.org", "*.github.com"}});
struct NetworkOptions {
  std::optional<std::vector<std::string>> allow;  // ["*"]: everything may go out
  std::optional<std::vector<std::string>> deny;   // ["*"]: nothing may go out
};

struct BulkDeleteOptions {
  // Exactly one of these two; an empty list is allowed and deletes nothing.
  std::optional<std::vector<std::string>> sandbox_ids;
  std::optional<std::vector<std::string>> labels;  // a sandbox must carry every one
  std::optional<std::string> team_id;              // narrows the label lookup; unset: the client's team
  std::optional<std::string> user_id;              // narrows the label lookup to one creator
  // Prime: every user's sandboxes of the team, not only the caller's. A PPIO
  // key already sees all of its team's sandboxes, so this changes nothing.
  bool all_users = false;
};

class SandboxClient {
 public:
  explicit SandboxClient(APIClient client);
  // Bulk calls fan out on `executor`; without one, each bulk call runs on a
  // pool of its own (at most kBulkConcurrency threads) that ends with the call.
  SandboxClient(APIClient client, std::shared_ptr<core::Executor> executor);
  static constexpr std::size_t kBulkConcurrency = 8;

  // Creates the sandbox; then, when the request has a start command (see
  // CreateSandboxRequest::command_to_run), starts it detached (a string through
  // /bin/bash -l -c, a StartCommand as argv) before returning. A start
  // command that cannot be launched deletes the sandbox and throws APIError.
  // team_id unset: the client's team.
  Sandbox create(const CreateSandboxRequest& request, const CreateOptions& options = {});
  SandboxListResponse list(const ListOptions& options = {});
  Sandbox get(const std::string& sandbox_id);
  // Prime's `delete` (a C++ keyword). An unknown id gives success=false; it does not throw.
  DeleteSandboxResponse delete_(const std::string& sandbox_id);

  // Deletes concurrently. An id that does not exist is a failure ("Sandbox not
  // found"), not a success; repeated ids are deleted once. A label lookup
  // follows every page. Throws APIError unless exactly one of ids/labels is set.
  BulkDeleteSandboxResponse bulk_delete(const BulkDeleteOptions& options);

  // The sandbox's log lines from the control plane, joined with "\n"; then,
  // for a sandbox created with a start command, that command's output so far
  // (the last kStartCommandLogTail bytes), as Prime shows the container's.
  std::string get_logs(const std::string& sandbox_id);

  // PPIO can change only the timeout of a sandbox (its end becomes now +
  // timeout_minutes). Any other field set throws APIError naming the fields,
  // before any request. Returns the sandbox as it is afterwards.
  Sandbox update(const std::string& sandbox_id, const UpdateSandboxRequest& request);

  // PPIO extras that Prime lacks. pause returns false when the sandbox is
  // already paused; a missing sandbox throws APIError (404).
  bool pause(const std::string& sandbox_id);
  // Resumes a paused sandbox (or extends a running one) for timeout_minutes.
  Sandbox resume(const std::string& sandbox_id, int timeout_minutes = 60);

  // Waits until the sandbox is RUNNING and envd answers GET /health with 204,
  // backing off min(1.5^n, 10) s +-25% between polls. Throws
  // SandboxNotRunningError at the budget (Prime's T: max_attempts seconds up
  // to 5, else 5 + 2 * (max_attempts - 5)) or at once when the sandbox is gone
  // (SandboxTimeoutError when it reached its timeout). `stop` ends the wait at
  // once with CancelledError.
  void wait_for_creation(const std::string& sandbox_id, int max_attempts = 60, std::stop_token stop = {});
  // The same for 1-100 unique ids, with one list walk per poll. Returns
  // {id: "RUNNING"}; throws std::runtime_error with Prime's messages.
  std::map<std::string, std::string> bulk_wait_for_creation(const std::vector<std::string>& sandbox_ids,
                                                             int max_attempts = 60, std::stop_token stop = {});

  // The status of 1-100 unique sandboxes in one list walk: a snapshot for
  // each one PPIO has, an error NOT_FOUND for each it has not (killed,
  // expired, another team's, or never made). Throws std::invalid_argument
  // with Prime's messages for a bad id list.
  BatchSandboxStatusResponse get_sandbox_statuses(const std::vector<std::string>& sandbox_ids);

  // Whether the sandbox is a VM: Sandbox::vm, cached per client like Prime's
  // auth cache. Every PPIO sandbox is a microVM; vm reads back as requested
  // and true when it was left unset.
  bool is_vm(const std::string& sandbox_id);
  // Forgets what the client cached per sandbox (envd tokens, is_vm answers).
  // Prime's cache also lives in ~/.prime/sandbox_auth_cache.json; this one
  // is in memory only, so no file is touched.
  void clear_auth_cache();

  // ---- Egress: PPIO's network config (see mapping.hpp for the mapping) ----

  // The sandbox's policy as PPIO holds it. PPIO applies a change before it
  // answers and keeps no generations: the status is always applied, with
  // generation and applied_generation 0.
  EgressPolicyStatus get_network(const std::string& sandbox_id);
  // Replaces the whole policy (PUT /sandboxes/{id}/network) and returns it as
  // PPIO then reports it. Prime's checks and messages (std::invalid_argument)
  // before any request; PPIO's legacy (v1) domain, which has no network API,
  // gives APIError saying so.
  EgressPolicyStatus set_network(const std::string& sandbox_id, const NetworkOptions& options);

  // ---- Ports: PPIO routes every port at https://<port>-<sandbox id>.<domain> ----
  //
  // Nothing has to be opened on PPIO, so an exposure is bookkeeping only: a
  // record in kExposedPortsFile inside the sandbox, which any client reads
  // and which ends with the sandbox (see README, "Ports"). Unlike Prime, a VM
  // (every PPIO sandbox) is not refused.

  // Records the port and returns its URL. HTTP only: PPIO has no raw TCP
  // ingress (APIError for "TCP"). A port already exposed returns its record.
  ExposedPort expose(const std::string& sandbox_id, int port, const std::optional<std::string>& name = std::nullopt,
                     const std::string& protocol = "HTTP");
  // Drops the record; an unknown exposure id throws APIError (404).
  void unexpose(const std::string& sandbox_id, const std::string& exposure_id);
  ListExposedPortsResponse list_exposed_ports(const std::string& sandbox_id);
  // The exposures of every running sandbox of the client's team (a paused
  // sandbox's files cannot be read until it resumes).
  ListExposedPortsResponse list_all_exposed_ports();
  static constexpr const char* kExposedPortsFile = "/tmp/.prime_exposed_ports.json";

  // ---- Commands: process.Process/Start on the sandbox's envd ----

  // Runs `/bin/bash -l -c <command>` and returns its output once it exits. A
  // non-zero exit is a normal answer. Output is raw bytes, never re-encoded.
  // Throws CommandTimeoutError when `timeout` passes (the process is killed),
  // SandboxNotRunningError when the sandbox is gone, APIError otherwise.
  CommandResponse execute_command(const std::string& sandbox_id, const std::string& command,
                                  const CommandOptions& options = {});

  // Starts `/bin/bash -l -c <command>` with stdin open and returns once it
  // runs (see sandbox_process.hpp). Unlike Prime, `user` is accepted: envd
  // runs any sandbox's processes as any of its users. Throws
  // SandboxNotRunningError when the sandbox is gone, APIError otherwise.
  SandboxProcess open_process(const std::string& sandbox_id, const std::string& command,
                              const ProcessOptions& options = {});

  // ---- Files: envd's /files, streamed both ways ----

  // Uploads a local file to `file_path` without reading it whole into memory.
  // Throws FileNotFoundError("Local file not found: <path>") before any request.
  FileUploadResponse upload_file(const std::string& sandbox_id, const std::string& file_path,
                                 const std::filesystem::path& local_file_path, std::optional<int> timeout = std::nullopt);
  // Uploads bytes held in memory; `filename` names the multipart part.
  FileUploadResponse upload_bytes(const std::string& sandbox_id, const std::string& file_path,
                                  std::string_view file_bytes, const std::string& filename,
                                  std::optional<int> timeout = std::nullopt);
  // Downloads `file_path` into `local_file_path` (parent directories are
  // created), as it arrives; the file appears only once it is complete.
  void download_file(const std::string& sandbox_id, const std::string& file_path,
                     const std::filesystem::path& local_file_path, std::optional<int> timeout = std::nullopt);
  // A window of a file as bytes: [offset, offset + length), a negative offset
  // counting from the end. Without a length, at most kReadFileMaxBytes are
  // read; a longer rest throws SandboxFileTooLargeError.
  ReadFileResponse read_file(const std::string& sandbox_id, const std::string& file_path,
                             const ReadFileOptions& options = {});
  static constexpr std::int64_t kReadFileMaxBytes = std::int64_t{64} << 20;

  // ---- Background jobs, on execute_command's machinery and read_file ----

  // Starts `command` detached, its output going to /tmp/job_<id>.{stdout,stderr}.log
  // and its exit status to /tmp/job_<id>.exit, and returns at once.
  BackgroundJob start_background_job(const std::string& sandbox_id, const std::string& command,
                                     const BackgroundJobOptions& options = {});
  // Reads the job's exit file, and when it holds a status, the last 10 MiB of
  // its stdout and stderr. `timeout` is each read's (unset: read_file's 30 s).
  BackgroundJobStatus get_background_job(const std::string& sandbox_id, const BackgroundJob& job,
                                         std::optional<int> timeout = std::nullopt);
  // The status of 1-100 jobs (Prime's checks: 8-hex ids, handles as
  // start_background_job made them, no pair twice), in input order, looked up
  // concurrently. Throws std::invalid_argument for a bad list.
  std::vector<BackgroundJobStatus> get_background_jobs(const std::vector<BackgroundJob>& jobs,
                                                       std::optional<int> timeout = std::nullopt);
  // Starts a job and polls it every poll_interval seconds until it completes.
  // Throws CommandTimeoutError after `timeout` seconds, CancelledError when
  // options.stop is requested; either way the job keeps running.
  BackgroundJobStatus run_background_job(const std::string& sandbox_id, const std::string& command,
                                         const RunBackgroundJobOptions& options = {});

  const APIClient& client() const { return client_; }

  // Where a start command's stdout and stderr go inside the sandbox; get_logs
  // appends its last kStartCommandLogTail bytes to the control plane's lines.
  static constexpr const char* kStartCommandLog = "/tmp/.prime_start_command.log";
  static constexpr std::int64_t kStartCommandLogTail = std::int64_t{1} << 20;

 private:
  // What the client knows of a sandbox it has seen: how to reach its envd,
  // when it ends, and whether it is a VM.
  struct EnvdAccess {
    std::optional<std::string> access_token;
    std::optional<std::string> domain;
    std::optional<Timestamp> end_at;
    std::optional<bool> vm;
  };
  // How an envd call is retried; see envd_exchange.
  struct EnvdRetry {
    bool idempotent = false;                       // connection losses and 5xx may be retried
    std::vector<std::chrono::milliseconds> waits;  // before each retry of a transient failure
  };

  // The sandbox's envd address and token: cached from create and get, else
  // looked up (404 -> SandboxNotRunningError). `refresh` looks it up again.
  core::EnvdTarget envd_target(const std::string& sandbox_id, bool refresh, const std::optional<std::string>& command);
  void remember_envd(const std::string& sandbox_id, EnvdAccess access);
  // Remembers a sandbox from its control-plane record.
  void remember(const core::SandboxInfo& info);
  void forget_envd(const std::string& sandbox_id);
  std::optional<Timestamp> known_end(const std::string& sandbox_id);
  // The error for a sandbox PPIO no longer has (see detail::gone_error); forgets it.
  std::exception_ptr gone_error(const std::string& sandbox_id, const std::optional<std::string>& command);
  // Sends `attempt(target)` with what every envd call shares: one new token
  // lookup on 401, waits of 0.25/0.5/1 s on 409 (the sandbox is moving between
  // states), retries per `retry`, and SandboxNotRunningError for envd's 502
  // "sandbox not found". Returns any other answer for the caller to map;
  // throws core::TransportError as it comes.
  core::HttpResponse envd_exchange(const std::string& sandbox_id, const std::optional<std::string>& command,
                                   const EnvdRetry& retry,
                                   const std::function<core::HttpResponse(const core::EnvdTarget&)>& attempt);
  // After a dropped stream: the error to raise when the control plane says the
  // sandbox is gone or paused, null when it is still running (or cannot tell).
  std::exception_ptr not_running_now(const std::string& sandbox_id, const std::optional<std::string>& command);
  void kill_process_quietly(const core::EnvdTarget& target, std::uint32_t pid);
  // process.Process/Start through envd_exchange, with every failure mapped to
  // Prime's errors (`command` and `timeout_seconds` name them). With `detach`
  // it returns once the process has a pid and leaves it running; otherwise
  // once the stream has ended, with the exit in the stream's end().
  core::ProcessStream start_process(const std::string& sandbox_id, const std::string& command,
                                    const core::envd::StartRequest& start, const std::optional<std::string>& user,
                                    std::optional<std::chrono::milliseconds> deadline, int timeout_seconds,
                                    std::chrono::seconds keepalive, bool detach);
  // Runs a create request's start command as a detached process whose output
  // goes to kStartCommandLog.
  void launch_start_command(const std::string& sandbox_id, const StartCommandSpec& command);
  FileUploadResponse upload(const std::string& sandbox_id, const std::string& file_path, const std::string& filename,
                            const std::function<core::BodySource()>& open_source, std::optional<int> timeout,
                            bool from_file);

  ListExposedPortsResponse read_exposures(const std::string& sandbox_id);
  void write_exposures(const std::string& sandbox_id, const ListExposedPortsResponse& exposures);

  std::string resolve_template(const CreateSandboxRequest& request, const CreateOptions& options);
  const std::vector<core::TemplateInfo>& known_templates();
  void run_parallel(std::size_t count, const std::function<void(std::size_t)>& fn);
  std::vector<std::string> ids_with_labels(const BulkDeleteOptions& options);

  APIClient client_;
  std::shared_ptr<core::Executor> executor_;
  std::mutex mutex_;
  std::optional<std::vector<core::TemplateInfo>> templates_;
  // Cursor of page N+1 per list query, so page N is not re-fetched from page 1.
  std::map<std::string, std::vector<std::optional<std::string>>> page_tokens_;
  std::map<std::string, EnvdAccess> envd_access_;
  // Serialises this client's read-modify-write of kExposedPortsFile.
  std::mutex ports_mutex_;
};

}  // namespace ppio_sandbox::prime_compatible
