#pragma once
// Prime's models (prime_sandboxes.models), with Prime's field names and
// defaults. to_json writes snake_case, as Prime sends requests; from_json
// accepts both the camelCase alias and the snake_case name.
#include <concepts>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "ppio_sandbox/core/time.hpp"

namespace ppio_sandbox::prime_compatible {

using Timestamp = core::Timestamp;
using EnvVars = std::map<std::string, std::string>;

// Prime 0.2.39's values. STOPPED (Prime before 0.2.16, and PPIO's Python
// adapter) was renamed PAUSED; it is still read, as PAUSED, never written.
enum class SandboxStatus { PENDING, PROVISIONING, RUNNING, PAUSED, ERROR, TERMINATED, TIMEOUT };
std::string to_string(SandboxStatus status);
// Throws std::invalid_argument for a name that is not one of the values.
SandboxStatus parse_sandbox_status(const std::string& name);
void to_json(nlohmann::json& j, SandboxStatus v);
void from_json(const nlohmann::json& j, SandboxStatus& v);
std::ostream& operator<<(std::ostream& out, SandboxStatus status);
// Prime's SandboxStatus is a str enum: it equals its value, so
// `sandbox.status == SandboxStatus::RUNNING` and `SandboxStatus::RUNNING == "RUNNING"`
// hold (C++20 supplies the reversed and != forms).
bool operator==(SandboxStatus status, std::string_view text);

// Prime's argv start command: run as is, not through a shell.
struct StartCommand {
  std::string executable;          // at least one character
  std::vector<std::string> args;
  // Prime's validators; throws std::invalid_argument with Prime's message.
  void validate() const;
  bool operator==(const StartCommand&) const = default;
};
void to_json(nlohmann::json& j, const StartCommand& v);
// Any other field is an error, as in Prime (extra fields are forbidden).
void from_json(const nlohmann::json& j, StartCommand& v);

// Prime's `StartCommand | str`: a shell command line, or an argv.
using StartCommandSpec = std::variant<std::string, StartCommand>;
// True for the shell form with exactly this text, so `request.start_command == "x"` reads as in Python.
// A template, so that nothing converts to a StartCommandSpec to reach it.
bool start_command_is(const StartCommandSpec& spec, std::string_view text);
template <class Spec>
  requires std::same_as<Spec, StartCommandSpec>
bool operator==(const Spec& spec, std::string_view text) {
  return start_command_is(spec, text);
}
void to_json(nlohmann::json& j, const StartCommandSpec& v);
// A string, or an object in StartCommand's shape.
void from_json(const nlohmann::json& j, StartCommandSpec& v);
// Prime's container default, which only keeps a container alive.
inline constexpr const char* kDefaultStartCommand = "tail -f /dev/null";

// Free-form; every key is preserved.
struct AdvancedConfigs {
  nlohmann::json extra = nlohmann::json::object();
  bool operator==(const AdvancedConfigs&) const = default;
};
void to_json(nlohmann::json& j, const AdvancedConfigs& v);
void from_json(const nlohmann::json& j, AdvancedConfigs& v);

struct Sandbox {
  std::string id;
  std::string name;
  std::string docker_image;
  std::optional<StartCommandSpec> start_command;
  double cpu_cores = 0;
  double memory_gb = 0;
  double disk_size_gb = 0;
  std::string disk_mount_path;
  int gpu_count = 0;
  std::optional<std::string> gpu_type;
  bool vm = false;
  // The egress policy as PPIO reports it (see mapping::egress_from_network);
  // only get() sees it, since PPIO's list items carry no network settings.
  std::optional<std::vector<std::string>> network_allowlist;
  std::optional<std::vector<std::string>> network_denylist;
  std::string status;  // a SandboxStatus name; a plain string in Prime too
  int timeout_minutes = 0;
  std::optional<int> idle_timeout_minutes;
  std::optional<std::string> termination_reason;
  std::optional<EnvVars> environment_vars;
  std::optional<EnvVars> secrets;  // values are always masked as "***"
  std::optional<AdvancedConfigs> advanced_configs;
  std::vector<std::string> labels;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> terminated_at;
  std::optional<int> exit_code;
  std::optional<std::string> error_type;
  std::optional<std::string> error_message;
  std::optional<std::string> user_id;
  std::optional<std::string> team_id;
  std::optional<std::string> kubernetes_job_id;
  std::optional<std::string> region;
  std::optional<std::string> registry_credentials_id;
  std::optional<std::string> pending_image_build_id;

  bool operator==(const Sandbox&) const = default;
};
void to_json(nlohmann::json& j, const Sandbox& v);
void from_json(const nlohmann::json& j, Sandbox& v);

struct CreateSandboxRequest {
  std::string name;
  std::string docker_image;
  // A string runs through /bin/bash -l -c, a StartCommand as argv, once the
  // sandbox is up; see SandboxClient::create.
  std::optional<StartCommandSpec> start_command = kDefaultStartCommand;
  double cpu_cores = 1.0;
  double memory_gb = 1.0;
  double disk_size_gb = 5.0;
  int gpu_count = 0;
  std::optional<std::string> gpu_type;
  std::optional<bool> vm;
  // Prime's egress policy, at most one of the two: an allowlist lets only its
  // destinations out ([] lets nothing out), a denylist blocks its own. See
  // validate_egress_lists, and mapping::network_for for PPIO's network config.
  std::optional<std::vector<std::string>> network_allowlist;
  std::optional<std::vector<std::string>> network_denylist;
  int timeout_minutes = 60;
  std::optional<int> idle_timeout_minutes;
  std::optional<EnvVars> environment_vars;
  std::optional<EnvVars> secrets;
  std::vector<std::string> labels;
  std::optional<std::string> team_id;
  std::optional<std::string> region;
  std::optional<AdvancedConfigs> advanced_configs;
  std::optional<std::string> registry_credentials_id;
  bool guaranteed = false;
  std::optional<std::string> idempotency_key;

  // Prime's validators; throws std::invalid_argument with Prime's message.
  void validate() const;
  // What runs after create: none for vm=True without a command of its own
  // (Prime does not give VMs the container default), and none for the
  // container default itself, which a PPIO sandbox does not need.
  std::optional<StartCommandSpec> command_to_run() const;
  bool operator==(const CreateSandboxRequest&) const = default;
};
void to_json(nlohmann::json& j, const CreateSandboxRequest& v);
void from_json(const nlohmann::json& j, CreateSandboxRequest& v);

struct UpdateSandboxRequest {
  std::optional<std::string> name;
  std::optional<std::string> docker_image;
  std::optional<std::string> start_command;
  std::optional<double> cpu_cores;
  std::optional<double> memory_gb;
  std::optional<double> disk_size_gb;
  std::optional<int> gpu_count;
  std::optional<std::string> gpu_type;
  std::optional<int> timeout_minutes;
  std::optional<int> idle_timeout_minutes;
  std::optional<EnvVars> environment_vars;
  std::optional<std::string> registry_credentials_id;
  std::optional<EnvVars> secrets;
  // Prime's idle-timeout validator; throws std::invalid_argument.
  void validate() const;
  bool operator==(const UpdateSandboxRequest&) const = default;
};
void to_json(nlohmann::json& j, const UpdateSandboxRequest& v);
void from_json(const nlohmann::json& j, UpdateSandboxRequest& v);

struct SandboxListResponse {
  std::vector<Sandbox> sandboxes;
  int total = 0;
  int page = 1;
  int per_page = 50;
  bool has_next = false;
  bool operator==(const SandboxListResponse&) const = default;
};
void to_json(nlohmann::json& j, const SandboxListResponse& v);
void from_json(const nlohmann::json& j, SandboxListResponse& v);

// What delete returns: Prime returns the server's dict; PPIO's kill gives a bool.
struct DeleteSandboxResponse {
  bool success = false;
  std::string message;
  bool operator==(const DeleteSandboxResponse&) const = default;
};
void to_json(nlohmann::json& j, const DeleteSandboxResponse& v);
void from_json(const nlohmann::json& j, DeleteSandboxResponse& v);

struct CommandRequest {
  std::string command;
  std::optional<std::string> working_dir;
  std::optional<EnvVars> env;
  std::optional<std::string> user;
  bool operator==(const CommandRequest&) const = default;
};
void to_json(nlohmann::json& j, const CommandRequest& v);
void from_json(const nlohmann::json& j, CommandRequest& v);

struct CommandResponse {
  // Prime's names. glibc defines the stdout/stderr macros as themselves, so
  // these members read exactly as in Python: result.stdout.
  std::string stdout;
  std::string stderr;
  int exit_code = 0;
  bool operator==(const CommandResponse&) const = default;
};
void to_json(nlohmann::json& j, const CommandResponse& v);
void from_json(const nlohmann::json& j, CommandResponse& v);

struct FileUploadResponse {
  bool success = false;
  std::string path;
  std::int64_t size = 0;
  Timestamp timestamp;
  bool operator==(const FileUploadResponse&) const = default;
};
void to_json(nlohmann::json& j, const FileUploadResponse& v);
void from_json(const nlohmann::json& j, FileUploadResponse& v);

// Prime's shape: no path (older answers that carry one are still read).
struct ReadFileResponse {
  std::string content;
  std::int64_t size = 0;
  std::optional<std::int64_t> total_size;
  std::optional<std::int64_t> offset;
  std::optional<bool> truncated;
  bool operator==(const ReadFileResponse&) const = default;
};
void to_json(nlohmann::json& j, const ReadFileResponse& v);
void from_json(const nlohmann::json& j, ReadFileResponse& v);

struct SandboxLogsResponse {
  std::string logs;
  bool operator==(const SandboxLogsResponse&) const = default;
};
void to_json(nlohmann::json& j, const SandboxLogsResponse& v);
void from_json(const nlohmann::json& j, SandboxLogsResponse& v);

struct BulkDeleteSandboxRequest {
  std::optional<std::vector<std::string>> sandbox_ids;
  std::optional<std::vector<std::string>> labels;
  std::optional<std::string> team_id;
  std::optional<std::string> user_id;
  bool all_users = false;
  bool operator==(const BulkDeleteSandboxRequest&) const = default;
};
void to_json(nlohmann::json& j, const BulkDeleteSandboxRequest& v);
void from_json(const nlohmann::json& j, BulkDeleteSandboxRequest& v);

struct BulkDeleteSandboxResponse {
  std::vector<std::string> succeeded;
  std::vector<std::map<std::string, std::string>> failed;  // each {"id", "error"}
  std::string message;
  bool operator==(const BulkDeleteSandboxResponse&) const = default;
};
void to_json(nlohmann::json& j, const BulkDeleteSandboxResponse& v);
void from_json(const nlohmann::json& j, BulkDeleteSandboxResponse& v);

struct BackgroundJob {
  std::string job_id;
  std::string sandbox_id;
  std::string stdout_log_file;
  std::string stderr_log_file;
  std::string exit_file;
  bool operator==(const BackgroundJob&) const = default;
};
void to_json(nlohmann::json& j, const BackgroundJob& v);
void from_json(const nlohmann::json& j, BackgroundJob& v);

struct BackgroundJobStatus {
  std::string job_id;
  bool completed = false;
  std::optional<int> exit_code;
  std::optional<std::string> stdout;
  std::optional<std::string> stderr;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  bool operator==(const BackgroundJobStatus&) const = default;
};
void to_json(nlohmann::json& j, const BackgroundJobStatus& v);
void from_json(const nlohmann::json& j, BackgroundJobStatus& v);

// get_sandbox_statuses: one sandbox's status.
struct SandboxStatusSnapshot {
  std::string sandbox_id;
  SandboxStatus status = SandboxStatus::PENDING;
  std::optional<std::string> error_type;
  std::optional<std::string> error_message;
  std::optional<std::string> pending_image_build_id;
  bool operator==(const SandboxStatusSnapshot&) const = default;
};
void to_json(nlohmann::json& j, const SandboxStatusSnapshot& v);
void from_json(const nlohmann::json& j, SandboxStatusSnapshot& v);

// get_sandbox_statuses: an id whose status could not be looked up.
struct SandboxStatusLookupError {
  std::string sandbox_id;
  std::string code;  // NOT_FOUND, FORBIDDEN or MANAGED
  std::string message;
  bool operator==(const SandboxStatusLookupError&) const = default;
};
void to_json(nlohmann::json& j, const SandboxStatusLookupError& v);
// Throws for a code outside Prime's three.
void from_json(const nlohmann::json& j, SandboxStatusLookupError& v);

struct BatchSandboxStatusResponse {
  std::vector<SandboxStatusSnapshot> statuses;
  std::vector<SandboxStatusLookupError> errors;
  bool operator==(const BatchSandboxStatusResponse&) const = default;
};
void to_json(nlohmann::json& j, const BatchSandboxStatusResponse& v);
void from_json(const nlohmann::json& j, BatchSandboxStatusResponse& v);

// ---- Egress (get_network / set_network; egress_policy.cpp) ----

// Prime's checks of an egress policy (models.validate_egress_lists): at most
// one list, each of at most 256 entries, each entry an IPv4 address, an IPv4
// CIDR block, a hostname or a leftmost "*." wildcard. Throws
// std::invalid_argument with Prime's messages; None and [] are valid.
void validate_egress_lists(const std::optional<std::vector<std::string>>& allowlist,
                           const std::optional<std::vector<std::string>>& denylist);
inline constexpr std::size_t kEgressMaxEntries = 256;

struct SandboxEgressPolicy {
  std::optional<std::vector<std::string>> allowlist;
  std::optional<std::vector<std::string>> denylist;
  bool operator==(const SandboxEgressPolicy&) const = default;
};
void to_json(nlohmann::json& j, const SandboxEgressPolicy& v);
void from_json(const nlohmann::json& j, SandboxEgressPolicy& v);

struct EgressPolicyStatus {
  SandboxEgressPolicy policy;
  int generation = 0;
  int applied_generation = -1;  // -1: never applied
  bool applied = false;
  bool operator==(const EgressPolicyStatus&) const = default;
};
void to_json(nlohmann::json& j, const EgressPolicyStatus& v);
void from_json(const nlohmann::json& j, EgressPolicyStatus& v);

// ---- Ports (expose / unexpose / list_exposed_ports; exposed_ports.cpp) ----

struct ExposePortRequest {
  int port = 0;
  std::optional<std::string> name;
  std::string protocol = "HTTP";
  bool operator==(const ExposePortRequest&) const = default;
};
void to_json(nlohmann::json& j, const ExposePortRequest& v);
void from_json(const nlohmann::json& j, ExposePortRequest& v);

struct ExposedPort {
  std::string exposure_id;
  std::string sandbox_id;
  int port = 0;
  std::optional<std::string> name;  // the key is always written, null when unset
  std::string url;                  // what a client calls: https://<port>-<sandbox id>.<domain>
  std::string tls_socket;           // <port>-<sandbox id>.<domain>:443
  std::optional<std::string> protocol;
  std::optional<int> external_port;
  std::optional<std::string> external_endpoint;
  std::optional<std::string> created_at;
  bool operator==(const ExposedPort&) const = default;
};
void to_json(nlohmann::json& j, const ExposedPort& v);
void from_json(const nlohmann::json& j, ExposedPort& v);

struct ListExposedPortsResponse {
  std::vector<ExposedPort> exposures;
  bool operator==(const ListExposedPortsResponse&) const = default;
};
void to_json(nlohmann::json& j, const ListExposedPortsResponse& v);
void from_json(const nlohmann::json& j, ListExposedPortsResponse& v);

}  // namespace ppio_sandbox::prime_compatible
