#include "ppio_sandbox/prime_compatible/models.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>

#include "ppio_sandbox/core/json_fields.hpp"

namespace ppio_sandbox::prime_compatible {

using nlohmann::json;
namespace jf = core::json_fields;

namespace {

constexpr std::array<std::pair<SandboxStatus, const char*>, 7> kStatusNames{{
    {SandboxStatus::PENDING, "PENDING"},
    {SandboxStatus::PROVISIONING, "PROVISIONING"},
    {SandboxStatus::RUNNING, "RUNNING"},
    {SandboxStatus::PAUSED, "PAUSED"},
    {SandboxStatus::ERROR, "ERROR"},
    {SandboxStatus::TERMINATED, "TERMINATED"},
    {SandboxStatus::TIMEOUT, "TIMEOUT"},
}};

// Values that may be any JSON type on input are kept as text.
std::string as_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void read_env(const json& j, std::initializer_list<const char*> names, std::optional<EnvVars>& out) {
  const auto* v = jf::find(j, names);
  if (v == nullptr) return;
  EnvVars env;
  for (const auto& [key, value] : v->items()) env[key] = as_text(value);
  out = std::move(env);
}

void read_time(const json& j, std::initializer_list<const char*> names, std::optional<Timestamp>& out) {
  std::optional<std::string> text;
  jf::read(j, names, text);
  if (text) out = core::parse_rfc3339(*text);
}

void require_time(const json& j, std::initializer_list<const char*> names, Timestamp& out) {
  std::string text;
  jf::require(j, names, text);
  out = core::parse_rfc3339(text);
}

void write_time(json& j, const char* name, const std::optional<Timestamp>& t) {
  j[name] = t ? json(core::format_rfc3339(*t)) : json(nullptr);
}

template <class T>
json or_null(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

}  // namespace

std::string to_string(SandboxStatus status) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return name;
  }
  throw std::invalid_argument("bad SandboxStatus");
}

SandboxStatus parse_sandbox_status(const std::string& name) {
  for (const auto& [value, text] : kStatusNames) {
    if (name == text) return value;
  }
  // The old name of PAUSED: Prime before 0.2.16 and PPIO's Python adapter still have it.
  if (name == "STOPPED") return SandboxStatus::PAUSED;
  throw std::invalid_argument("'" + name + "' is not a valid SandboxStatus");
}

void to_json(json& j, SandboxStatus v) { j = to_string(v); }
void from_json(const json& j, SandboxStatus& v) { v = parse_sandbox_status(j.get<std::string>()); }

std::ostream& operator<<(std::ostream& out, SandboxStatus status) { return out << to_string(status); }

bool operator==(SandboxStatus status, std::string_view text) {
  for (const auto& [value, name] : kStatusNames) {
    if (value == status) return text == name;
  }
  return false;
}

namespace {

void reject_nul(const std::string& text, const char* message) {
  if (text.find('\0') != std::string::npos) throw std::invalid_argument(message);
}

}  // namespace

void StartCommand::validate() const {
  if (executable.empty()) throw std::invalid_argument("executable must contain at least 1 character");
  reject_nul(executable, "executable must not contain NUL bytes");
  for (const auto& arg : args) reject_nul(arg, "args must not contain NUL bytes");
}

void to_json(json& j, const StartCommand& v) { j = json{{"executable", v.executable}, {"args", v.args}}; }

void from_json(const json& j, StartCommand& v) {
  if (!j.is_object()) throw std::invalid_argument("StartCommand must be an object");
  for (const auto& [key, value] : j.items()) {
    if (key != "executable" && key != "args") throw std::invalid_argument("StartCommand has no field '" + key + "'");
  }
  v = StartCommand{};
  jf::require(j, {"executable"}, v.executable);
  jf::read(j, {"args"}, v.args);
}

bool start_command_is(const StartCommandSpec& spec, std::string_view text) {
  const auto* shell = std::get_if<std::string>(&spec);
  return shell != nullptr && std::string_view(*shell) == text;
}

void to_json(json& j, const StartCommandSpec& v) {
  if (const auto* shell = std::get_if<std::string>(&v)) {
    j = *shell;
  } else {
    j = std::get<StartCommand>(v);
  }
}

void from_json(const json& j, StartCommandSpec& v) {
  if (j.is_string()) {
    v = j.get<std::string>();
  } else {
    v = j.get<StartCommand>();
  }
}

void to_json(json& j, const AdvancedConfigs& v) { j = v.extra; }
void from_json(const json& j, AdvancedConfigs& v) {
  if (!j.is_object()) throw std::invalid_argument("advanced_configs must be an object");
  v.extra = j;
}

void to_json(json& j, const Sandbox& v) {
  j = json{{"id", v.id},
           {"name", v.name},
           {"docker_image", v.docker_image},
           {"start_command", or_null(v.start_command)},
           {"cpu_cores", v.cpu_cores},
           {"memory_gb", v.memory_gb},
           {"disk_size_gb", v.disk_size_gb},
           {"disk_mount_path", v.disk_mount_path},
           {"gpu_count", v.gpu_count},
           {"gpu_type", or_null(v.gpu_type)},
           {"vm", v.vm},
           {"network_allowlist", or_null(v.network_allowlist)},
           {"network_denylist", or_null(v.network_denylist)},
           {"status", v.status},
           {"timeout_minutes", v.timeout_minutes},
           {"idle_timeout_minutes", or_null(v.idle_timeout_minutes)},
           {"termination_reason", or_null(v.termination_reason)},
           {"environment_vars", or_null(v.environment_vars)},
           {"secrets", or_null(v.secrets)},
           {"advanced_configs", or_null(v.advanced_configs)},
           {"labels", v.labels},
           {"created_at", core::format_rfc3339(v.created_at)},
           {"updated_at", core::format_rfc3339(v.updated_at)},
           {"exit_code", or_null(v.exit_code)},
           {"error_type", or_null(v.error_type)},
           {"error_message", or_null(v.error_message)},
           {"user_id", or_null(v.user_id)},
           {"team_id", or_null(v.team_id)},
           {"kubernetes_job_id", or_null(v.kubernetes_job_id)},
           {"region", or_null(v.region)},
           {"registry_credentials_id", or_null(v.registry_credentials_id)},
           {"pending_image_build_id", or_null(v.pending_image_build_id)}};
  write_time(j, "started_at", v.started_at);
  write_time(j, "terminated_at", v.terminated_at);
}

void from_json(const json& j, Sandbox& v) {
  jf::require(j, {"id"}, v.id);
  jf::require(j, {"name"}, v.name);
  jf::require(j, {"docker_image", "dockerImage"}, v.docker_image);
  jf::read(j, {"start_command", "startCommand"}, v.start_command);
  jf::require(j, {"cpu_cores", "cpuCores"}, v.cpu_cores);
  jf::require(j, {"memory_gb", "memoryGB"}, v.memory_gb);
  jf::require(j, {"disk_size_gb", "diskSizeGB"}, v.disk_size_gb);
  jf::require(j, {"disk_mount_path", "diskMountPath"}, v.disk_mount_path);
  jf::require(j, {"gpu_count", "gpuCount"}, v.gpu_count);
  jf::read(j, {"gpu_type", "gpuType"}, v.gpu_type);
  jf::read(j, {"vm"}, v.vm);
  jf::read(j, {"network_allowlist", "networkAllowlist"}, v.network_allowlist);
  jf::read(j, {"network_denylist", "networkDenylist"}, v.network_denylist);
  jf::require(j, {"status"}, v.status);
  jf::require(j, {"timeout_minutes", "timeoutMinutes"}, v.timeout_minutes);
  jf::read(j, {"idle_timeout_minutes", "idleTimeoutMinutes"}, v.idle_timeout_minutes);
  jf::read(j, {"termination_reason", "terminationReason"}, v.termination_reason);
  read_env(j, {"environment_vars", "environmentVars"}, v.environment_vars);
  read_env(j, {"secrets"}, v.secrets);
  jf::read(j, {"advanced_configs", "advancedConfigs"}, v.advanced_configs);
  jf::read(j, {"labels"}, v.labels);
  require_time(j, {"created_at", "createdAt"}, v.created_at);
  require_time(j, {"updated_at", "updatedAt"}, v.updated_at);
  read_time(j, {"started_at", "startedAt"}, v.started_at);
  read_time(j, {"terminated_at", "terminatedAt"}, v.terminated_at);
  jf::read(j, {"exit_code", "exitCode"}, v.exit_code);
  jf::read(j, {"error_type", "errorType"}, v.error_type);
  jf::read(j, {"error_message", "errorMessage"}, v.error_message);
  jf::read(j, {"user_id", "userId"}, v.user_id);
  jf::read(j, {"team_id", "teamId"}, v.team_id);
  jf::read(j, {"kubernetes_job_id", "kubernetesJobId"}, v.kubernetes_job_id);
  jf::read(j, {"region"}, v.region);
  jf::read(j, {"registry_credentials_id", "registryCredentialsId"}, v.registry_credentials_id);
  jf::read(j, {"pending_image_build_id", "pendingImageBuildId"}, v.pending_image_build_id);
}

namespace {

// JSON, and so PPIO, carries only UTF-8; say so here rather than fail deep in the encoder.
void require_utf8(const std::string& text, const std::string& field) {
  try {
    (void)json(text).dump();
  } catch (const json::type_error&) {
    throw std::invalid_argument(field + " is not valid UTF-8");
  }
}

void require_utf8(const std::optional<EnvVars>& vars, const std::string& field) {
  if (!vars) return;
  for (const auto& [key, value] : *vars) {
    require_utf8(key, field);
    require_utf8(value, field);
  }
}

}  // namespace

void CreateSandboxRequest::validate() const {
  require_utf8(name, "name");
  require_utf8(docker_image, "docker_image");
  if (start_command) {
    if (const auto* argv = std::get_if<StartCommand>(&*start_command)) {
      argv->validate();
      require_utf8(argv->executable, "start_command");
      for (const auto& arg : argv->args) require_utf8(arg, "start_command");
    } else {
      require_utf8(std::get<std::string>(*start_command), "start_command");
    }
  }
  for (const auto& label : labels) require_utf8(label, "labels");
  require_utf8(environment_vars, "environment_vars");
  require_utf8(secrets, "secrets");
  for (const auto* field : {&team_id, &region, &gpu_type, &registry_credentials_id}) {
    if (*field) require_utf8(**field, "a text field");
  }
  if (name.empty()) throw std::invalid_argument("name is required");
  if (docker_image.empty()) throw std::invalid_argument("docker_image is required");
  if (gpu_count > 0 && !gpu_type) throw std::invalid_argument("gpu_type is required when gpu_count is greater than 0");
  if (gpu_count > 0 && vm == false) throw std::invalid_argument("gpu_count is not supported with vm=False");
  if (gpu_type && gpu_count == 0) throw std::invalid_argument("gpu_type requires gpu_count greater than 0");
  if ((network_allowlist || network_denylist) && vm == false) {
    throw std::invalid_argument("network_allowlist and network_denylist are only supported for VM sandboxes (vm=True)");
  }
  validate_egress_lists(network_allowlist, network_denylist);
  if (idle_timeout_minutes) {
    if (*idle_timeout_minutes < 1) throw std::invalid_argument("idle_timeout_minutes must be >= 1");
    if (timeout_minutes > 0 && *idle_timeout_minutes > timeout_minutes) {
      throw std::invalid_argument("idle_timeout_minutes must be <= timeout_minutes (got idle=" +
                                  std::to_string(*idle_timeout_minutes) +
                                  ", lifetime=" + std::to_string(timeout_minutes) + ")");
    }
  }
  if (timeout_minutes < 0) throw std::invalid_argument("timeout_minutes must be >= 0");
}

std::optional<StartCommandSpec> CreateSandboxRequest::command_to_run() const {
  if (!start_command || *start_command == kDefaultStartCommand) return std::nullopt;
  return start_command;
}

void UpdateSandboxRequest::validate() const {
  if (!idle_timeout_minutes) return;
  if (*idle_timeout_minutes < 1) throw std::invalid_argument("idle_timeout_minutes must be >= 1");
  if (timeout_minutes && *timeout_minutes > 0 && *idle_timeout_minutes > *timeout_minutes) {
    throw std::invalid_argument("idle_timeout_minutes must be <= timeout_minutes (got idle=" +
                                std::to_string(*idle_timeout_minutes) +
                                ", lifetime=" + std::to_string(*timeout_minutes) + ")");
  }
}

// Prime sends requests in snake_case with nulls removed.
void to_json(json& j, const CreateSandboxRequest& v) {
  j = json{{"name", v.name},
           {"docker_image", v.docker_image},
           {"cpu_cores", v.cpu_cores},
           {"memory_gb", v.memory_gb},
           {"disk_size_gb", v.disk_size_gb},
           {"gpu_count", v.gpu_count},
           {"timeout_minutes", v.timeout_minutes},
           {"labels", v.labels},
           {"guaranteed", v.guaranteed}};
  jf::write_if(j, "start_command", v.start_command);
  jf::write_if(j, "gpu_type", v.gpu_type);
  jf::write_if(j, "vm", v.vm);
  jf::write_if(j, "network_allowlist", v.network_allowlist);  // [] is kept: it means "nothing out"
  jf::write_if(j, "network_denylist", v.network_denylist);
  jf::write_if(j, "idle_timeout_minutes", v.idle_timeout_minutes);
  jf::write_if(j, "environment_vars", v.environment_vars);
  jf::write_if(j, "secrets", v.secrets);
  jf::write_if(j, "team_id", v.team_id);
  jf::write_if(j, "region", v.region);
  jf::write_if(j, "advanced_configs", v.advanced_configs);
  jf::write_if(j, "registry_credentials_id", v.registry_credentials_id);
  jf::write_if(j, "idempotency_key", v.idempotency_key);
}

void from_json(const json& j, CreateSandboxRequest& v) {
  v = CreateSandboxRequest{};
  jf::require(j, {"name"}, v.name);
  jf::require(j, {"docker_image"}, v.docker_image);
  // Present as null means none; absent means Prime's default.
  if (auto it = j.find("start_command"); it != j.end()) {
    v.start_command = it->is_null() ? std::nullopt : std::optional<StartCommandSpec>(it->get<StartCommandSpec>());
  }
  jf::read(j, {"cpu_cores"}, v.cpu_cores);
  jf::read(j, {"memory_gb"}, v.memory_gb);
  jf::read(j, {"disk_size_gb"}, v.disk_size_gb);
  jf::read(j, {"gpu_count"}, v.gpu_count);
  jf::read(j, {"gpu_type"}, v.gpu_type);
  jf::read(j, {"vm"}, v.vm);
  jf::read(j, {"network_allowlist"}, v.network_allowlist);
  jf::read(j, {"network_denylist"}, v.network_denylist);
  jf::read(j, {"timeout_minutes"}, v.timeout_minutes);
  jf::read(j, {"idle_timeout_minutes"}, v.idle_timeout_minutes);
  read_env(j, {"environment_vars"}, v.environment_vars);
  read_env(j, {"secrets"}, v.secrets);
  jf::read(j, {"labels"}, v.labels);
  jf::read(j, {"team_id"}, v.team_id);
  jf::read(j, {"region"}, v.region);
  jf::read(j, {"advanced_configs"}, v.advanced_configs);
  jf::read(j, {"registry_credentials_id"}, v.registry_credentials_id);
  jf::read(j, {"guaranteed"}, v.guaranteed);
  jf::read(j, {"idempotency_key"}, v.idempotency_key);
}

void to_json(json& j, const UpdateSandboxRequest& v) {
  j = json::object();
  jf::write_if(j, "name", v.name);
  jf::write_if(j, "docker_image", v.docker_image);
  jf::write_if(j, "start_command", v.start_command);
  jf::write_if(j, "cpu_cores", v.cpu_cores);
  jf::write_if(j, "memory_gb", v.memory_gb);
  jf::write_if(j, "disk_size_gb", v.disk_size_gb);
  jf::write_if(j, "gpu_count", v.gpu_count);
  jf::write_if(j, "gpu_type", v.gpu_type);
  jf::write_if(j, "timeout_minutes", v.timeout_minutes);
  jf::write_if(j, "idle_timeout_minutes", v.idle_timeout_minutes);
  jf::write_if(j, "environment_vars", v.environment_vars);
  jf::write_if(j, "registry_credentials_id", v.registry_credentials_id);
  jf::write_if(j, "secrets", v.secrets);
}

void from_json(const json& j, UpdateSandboxRequest& v) {
  jf::read(j, {"name"}, v.name);
  jf::read(j, {"docker_image", "dockerImage"}, v.docker_image);
  jf::read(j, {"start_command", "startCommand"}, v.start_command);
  jf::read(j, {"cpu_cores", "cpuCores"}, v.cpu_cores);
  jf::read(j, {"memory_gb", "memoryGB"}, v.memory_gb);
  jf::read(j, {"disk_size_gb", "diskSizeGB"}, v.disk_size_gb);
  jf::read(j, {"gpu_count", "gpuCount"}, v.gpu_count);
  jf::read(j, {"gpu_type", "gpuType"}, v.gpu_type);
  jf::read(j, {"timeout_minutes", "timeoutMinutes"}, v.timeout_minutes);
  jf::read(j, {"idle_timeout_minutes", "idleTimeoutMinutes"}, v.idle_timeout_minutes);
  read_env(j, {"environment_vars", "environmentVars"}, v.environment_vars);
  jf::read(j, {"registry_credentials_id", "registryCredentialsId"}, v.registry_credentials_id);
  read_env(j, {"secrets"}, v.secrets);
}

void to_json(json& j, const SandboxListResponse& v) {
  j = json{{"sandboxes", v.sandboxes}, {"total", v.total}, {"page", v.page}, {"per_page", v.per_page},
           {"has_next", v.has_next}};
}

void from_json(const json& j, SandboxListResponse& v) {
  jf::require(j, {"sandboxes"}, v.sandboxes);
  jf::require(j, {"total"}, v.total);
  jf::require(j, {"page"}, v.page);
  jf::require(j, {"per_page", "perPage"}, v.per_page);
  jf::require(j, {"has_next", "hasNext"}, v.has_next);
}

void to_json(json& j, const DeleteSandboxResponse& v) { j = json{{"success", v.success}, {"message", v.message}}; }
void from_json(const json& j, DeleteSandboxResponse& v) {
  jf::require(j, {"success"}, v.success);
  jf::read(j, {"message"}, v.message);
}

void to_json(json& j, const CommandRequest& v) {
  j = json{{"command", v.command}};
  jf::write_if(j, "working_dir", v.working_dir);
  jf::write_if(j, "env", v.env);
  jf::write_if(j, "user", v.user);
}

void from_json(const json& j, CommandRequest& v) {
  jf::require(j, {"command"}, v.command);
  jf::read(j, {"working_dir", "workingDir"}, v.working_dir);
  read_env(j, {"env"}, v.env);
  jf::read(j, {"user"}, v.user);
}

void to_json(json& j, const CommandResponse& v) {
  j = json{{"stdout", v.stdout}, {"stderr", v.stderr}, {"exit_code", v.exit_code}};
}

void from_json(const json& j, CommandResponse& v) {
  jf::require(j, {"stdout"}, v.stdout);
  jf::require(j, {"stderr"}, v.stderr);
  jf::require(j, {"exit_code", "exitCode"}, v.exit_code);
}

void to_json(json& j, const FileUploadResponse& v) {
  j = json{{"success", v.success}, {"path", v.path}, {"size", v.size},
           {"timestamp", core::format_rfc3339(v.timestamp)}};
}

void from_json(const json& j, FileUploadResponse& v) {
  jf::require(j, {"success"}, v.success);
  jf::require(j, {"path"}, v.path);
  jf::require(j, {"size"}, v.size);
  require_time(j, {"timestamp"}, v.timestamp);
}

void to_json(json& j, const ReadFileResponse& v) {
  j = json{{"content", v.content}, {"size", v.size}};
  jf::write_if(j, "total_size", v.total_size);
  jf::write_if(j, "offset", v.offset);
  jf::write_if(j, "truncated", v.truncated);
}

void from_json(const json& j, ReadFileResponse& v) {
  jf::require(j, {"content"}, v.content);
  jf::require(j, {"size"}, v.size);
  jf::read(j, {"total_size", "totalSize"}, v.total_size);
  jf::read(j, {"offset"}, v.offset);
  jf::read(j, {"truncated"}, v.truncated);
}

void to_json(json& j, const SandboxLogsResponse& v) { j = json{{"logs", v.logs}}; }
void from_json(const json& j, SandboxLogsResponse& v) { jf::require(j, {"logs"}, v.logs); }

void to_json(json& j, const BulkDeleteSandboxRequest& v) {
  j = json::object();
  jf::write_if(j, "sandbox_ids", v.sandbox_ids);
  jf::write_if(j, "labels", v.labels);
  jf::write_if(j, "team_id", v.team_id);
  jf::write_if(j, "user_id", v.user_id);
  j["all_users"] = v.all_users;
}

void from_json(const json& j, BulkDeleteSandboxRequest& v) {
  jf::read(j, {"sandbox_ids", "sandboxIds"}, v.sandbox_ids);
  jf::read(j, {"labels"}, v.labels);
  jf::read(j, {"team_id", "teamId"}, v.team_id);
  jf::read(j, {"user_id", "userId"}, v.user_id);
  jf::read(j, {"all_users", "allUsers"}, v.all_users);
}

void to_json(json& j, const BulkDeleteSandboxResponse& v) {
  j = json{{"succeeded", v.succeeded}, {"failed", v.failed}, {"message", v.message}};
}

void from_json(const json& j, BulkDeleteSandboxResponse& v) {
  jf::require(j, {"succeeded"}, v.succeeded);
  jf::require(j, {"failed"}, v.failed);
  jf::require(j, {"message"}, v.message);
}

void to_json(json& j, const BackgroundJob& v) {
  j = json{{"job_id", v.job_id},
           {"sandbox_id", v.sandbox_id},
           {"stdout_log_file", v.stdout_log_file},
           {"stderr_log_file", v.stderr_log_file},
           {"exit_file", v.exit_file}};
}

void from_json(const json& j, BackgroundJob& v) {
  jf::require(j, {"job_id", "jobId"}, v.job_id);
  jf::require(j, {"sandbox_id", "sandboxId"}, v.sandbox_id);
  jf::require(j, {"stdout_log_file", "stdoutLogFile"}, v.stdout_log_file);
  jf::require(j, {"stderr_log_file", "stderrLogFile"}, v.stderr_log_file);
  jf::require(j, {"exit_file", "exitFile"}, v.exit_file);
}

void to_json(json& j, const BackgroundJobStatus& v) {
  j = json{{"job_id", v.job_id},
           {"completed", v.completed},
           {"exit_code", or_null(v.exit_code)},
           {"stdout", or_null(v.stdout)},
           {"stderr", or_null(v.stderr)},
           {"stdout_truncated", v.stdout_truncated},
           {"stderr_truncated", v.stderr_truncated}};
}

void from_json(const json& j, BackgroundJobStatus& v) {
  jf::require(j, {"job_id", "jobId"}, v.job_id);
  jf::require(j, {"completed"}, v.completed);
  jf::read(j, {"exit_code", "exitCode"}, v.exit_code);
  jf::read(j, {"stdout"}, v.stdout);
  jf::read(j, {"stderr"}, v.stderr);
  jf::read(j, {"stdout_truncated", "stdoutTruncated"}, v.stdout_truncated);
  jf::read(j, {"stderr_truncated", "stderrTruncated"}, v.stderr_truncated);
}

namespace {

constexpr std::array<const char*, 3> kLookupCodes{"NOT_FOUND", "FORBIDDEN", "MANAGED"};

}  // namespace

void to_json(json& j, const SandboxStatusSnapshot& v) {
  j = json{{"sandbox_id", v.sandbox_id},
           {"status", v.status},
           {"error_type", or_null(v.error_type)},
           {"error_message", or_null(v.error_message)},
           {"pending_image_build_id", or_null(v.pending_image_build_id)}};
}

void from_json(const json& j, SandboxStatusSnapshot& v) {
  jf::require(j, {"sandbox_id", "sandboxId"}, v.sandbox_id);
  jf::require(j, {"status"}, v.status);
  jf::read(j, {"error_type", "errorType"}, v.error_type);
  jf::read(j, {"error_message", "errorMessage"}, v.error_message);
  jf::read(j, {"pending_image_build_id", "pendingImageBuildId"}, v.pending_image_build_id);
}

void to_json(json& j, const SandboxStatusLookupError& v) {
  j = json{{"sandbox_id", v.sandbox_id}, {"code", v.code}, {"message", v.message}};
}

void from_json(const json& j, SandboxStatusLookupError& v) {
  jf::require(j, {"sandbox_id", "sandboxId"}, v.sandbox_id);
  jf::require(j, {"code"}, v.code);
  jf::require(j, {"message"}, v.message);
  if (std::find(kLookupCodes.begin(), kLookupCodes.end(), v.code) == kLookupCodes.end()) {
    throw std::invalid_argument("'" + v.code + "' is not a SandboxStatusLookupError code");
  }
}

void to_json(json& j, const BatchSandboxStatusResponse& v) { j = json{{"statuses", v.statuses}, {"errors", v.errors}}; }

void from_json(const json& j, BatchSandboxStatusResponse& v) {
  jf::read(j, {"statuses"}, v.statuses);
  jf::read(j, {"errors"}, v.errors);
}

}  // namespace ppio_sandbox::prime_compatible
