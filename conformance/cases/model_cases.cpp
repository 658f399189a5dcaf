// Profile `core`, ids core.models.*: the Prime models' JSON, defaults and
// aliases. They need no target: a model that drifts from Prime's shape breaks
// every caller that serialises it, whatever the service.
#include "conformance/case.hpp"

namespace ppio_conformance {

namespace {

using nlohmann::json;

template <class T>
T parse(const json& j) {
  return j.get<T>();
}

void status_values(CaseContext&) {
  using S = prime::SandboxStatus;
  const std::vector<std::pair<S, std::string>> expected = {
      {S::PENDING, "PENDING"}, {S::PROVISIONING, "PROVISIONING"}, {S::RUNNING, "RUNNING"},
      {S::PAUSED, "PAUSED"},   {S::ERROR, "ERROR"},               {S::TERMINATED, "TERMINATED"},
      {S::TIMEOUT, "TIMEOUT"}};
  for (const auto& [status, name] : expected) {
    check(prime::to_string(status) == name, "SandboxStatus " + name + " has the string value " + name);
    check(json(status) == json(name), name + " serialises as the JSON string \"" + name + "\"");
    check(prime::parse_sandbox_status(name) == status, name + " parses back");
  }
  expect_throws<std::invalid_argument>([] { prime::parse_sandbox_status("running"); },
                                       "a status name is case-sensitive");
  check(prime::parse_sandbox_status("STOPPED") == S::PAUSED, "STOPPED, PAUSED's name before Prime 0.2.16, reads as PAUSED");
  const std::string running = "RUNNING";
  check(running == S::RUNNING && S::RUNNING == "RUNNING" && running != S::PAUSED,
        "a status compares equal to its string value, either way round");
}

void advanced_configs_keep_extra_fields(CaseContext&) {
  const auto empty = parse<prime::AdvancedConfigs>(json::object());
  check(empty.extra.empty(), "AdvancedConfigs builds with no fields");
  const auto cfg = parse<prime::AdvancedConfigs>(json{{"custom_field", "custom_value"}, {"another_field", 123}});
  check(cfg.extra.at("custom_field") == "custom_value" && cfg.extra.at("another_field") == 123,
        "extra keys are kept with their values");
  check(json(cfg) == json({{"custom_field", "custom_value"}, {"another_field", 123}}), "and written back unchanged");
}

json camel_sandbox() {
  return json{{"id", "sbx-1"},
              {"name", "camel"},
              {"dockerImage", "python:3.11-slim"},
              {"cpuCores", 2},
              {"memoryGB", 4},
              {"diskSizeGB", 10},
              {"diskMountPath", "/workspace"},
              {"gpuCount", 0},
              {"status", "RUNNING"},
              {"timeoutMinutes", 60},
              {"labels", {"test", "production"}},
              {"createdAt", "2025-01-01T00:00:00Z"},
              {"updatedAt", "2025-01-01T00:01:00Z"}};
}

void sandbox_camel_case_aliases(CaseContext&) {
  const auto s = parse<prime::Sandbox>(camel_sandbox());
  check(s.id == "sbx-1" && s.name == "camel" && s.docker_image == "python:3.11-slim", "ids and image are read");
  check(s.cpu_cores == 2 && s.memory_gb == 4 && s.disk_size_gb == 10, "resources are read from camelCase");
  check(s.disk_mount_path == "/workspace" && s.timeout_minutes == 60 && s.status == "RUNNING", "the rest is read");
  check(s.labels == std::vector<std::string>{"test", "production"}, "labels are read in order");
  check(json(s).at("docker_image") == "python:3.11-slim", "output is snake_case, as Prime's model_dump()");
  check(parse<prime::Sandbox>(json(s)) == s, "and reads back to the same sandbox");
}

void sandbox_snake_case_fields(CaseContext&) {
  const auto s = parse<prime::Sandbox>(json{{"id", "sbx-2"},
                                            {"name", "snake"},
                                            {"docker_image", "base"},
                                            {"cpu_cores", 4},
                                            {"memory_gb", 8},
                                            {"disk_size_gb", 5},
                                            {"disk_mount_path", "/workspace"},
                                            {"gpu_count", 0},
                                            {"status", "PENDING"},
                                            {"timeout_minutes", 30},
                                            {"created_at", "2025-01-01T00:00:00Z"},
                                            {"updated_at", "2025-01-01T00:00:00Z"}});
  check(s.id == "sbx-2" && s.docker_image == "base" && s.cpu_cores == 4 && s.memory_gb == 8,
        "snake_case names are accepted as well as the aliases");
  check(s.status == "PENDING", "status PENDING is kept");
}

void sandbox_optional_fields(CaseContext&) {
  auto j = camel_sandbox();
  j["startCommand"] = "python app.py";
  j["environmentVars"] = {{"A", "1"}};
  j["startedAt"] = "2025-01-01T00:00:05Z";
  j["terminatedAt"] = "2025-01-01T01:00:00Z";
  j["exitCode"] = 0;
  j["userId"] = "user-123";
  j["teamId"] = "team-456";
  j["kubernetesJobId"] = "job-789";
  j["advancedConfigs"] = {{"customSetting", "value"}};
  const auto s = parse<prime::Sandbox>(j);
  check(s.start_command == "python app.py" && s.environment_vars == prime::EnvVars{{"A", "1"}},
        "start_command and environment_vars are read");
  check(s.started_at.has_value() && s.terminated_at.has_value() && s.exit_code == 0, "times and exit code are read");
  check(s.user_id == "user-123" && s.team_id == "team-456" && s.kubernetes_job_id == "job-789", "ids are read");
  check(s.advanced_configs && s.advanced_configs->extra.at("customSetting") == "value",
        "advancedConfigs keeps its free-form keys");
}

void list_response_aliases(CaseContext&) {
  const auto camel = parse<prime::SandboxListResponse>(
      json{{"sandboxes", json::array()}, {"total", 0}, {"page", 1}, {"perPage", 10}, {"hasNext", false}});
  check(camel.sandboxes.empty() && camel.total == 0 && camel.page == 1 && camel.per_page == 10 && !camel.has_next,
        "camelCase perPage/hasNext are read");
  const auto snake = parse<prime::SandboxListResponse>(
      json{{"sandboxes", {camel_sandbox()}}, {"total", 1}, {"page", 1}, {"per_page", 10}, {"has_next", false}});
  check(snake.sandboxes.size() == 1 && snake.sandboxes[0].id == "sbx-1" && snake.total == 1,
        "snake_case per_page/has_next and a nested camelCase sandbox are read");
}

void create_request_defaults(CaseContext&) {
  const auto r = parse<prime::CreateSandboxRequest>(json{{"name", "minimal"}, {"docker_image", "python:3.11-slim"}});
  check(r.timeout_minutes == 60, "timeout_minutes defaults to 60");
  check(r.cpu_cores == 1 && r.memory_gb == 1 && r.disk_size_gb == 5 && r.gpu_count == 0,
        "cpu 1, memory 1, disk 5, gpu 0 by default");
  check(r.labels.empty() && !r.environment_vars && !r.team_id && !r.advanced_configs,
        "labels [], environment_vars, team_id and advanced_configs unset");
  check(r.start_command == "tail -f /dev/null", "start_command defaults to 'tail -f /dev/null'");
  // Request models have no aliases in Prime: snake_case only.
  const auto full = parse<prime::CreateSandboxRequest>(json{{"name", "full"},
                                                            {"docker_image", "python:3.11-slim"},
                                                            {"timeout_minutes", 120},
                                                            {"environment_vars", {{"A", "1"}, {"B", "2"}}},
                                                            {"labels", {"test", "production"}},
                                                            {"team_id", "team-123"},
                                                            {"advanced_configs", json::object()}});
  check(full.timeout_minutes == 120 && full.environment_vars->size() == 2 && full.labels.size() == 2 &&
            full.team_id == "team-123" && full.advanced_configs.has_value(),
        "every field given is kept");
}

void update_request_fields(CaseContext&) {
  const auto timeout_only = parse<prime::UpdateSandboxRequest>(json{{"timeout_minutes", 120}});
  check(timeout_only.timeout_minutes == 120 && !timeout_only.environment_vars, "timeout only");
  const auto env_only = parse<prime::UpdateSandboxRequest>(json{{"environment_vars", {{"NEW_VAR", "new_value"}}}});
  check(!env_only.timeout_minutes && env_only.environment_vars == prime::EnvVars{{"NEW_VAR", "new_value"}},
        "environment variables only");
}

void command_request_and_response(CaseContext&) {
  const auto minimal = parse<prime::CommandRequest>(json{{"command", "ls"}});
  check(!minimal.working_dir && !minimal.env, "working_dir and env are unset by default");
  const auto full = parse<prime::CommandRequest>(
      json{{"command", "python script.py"}, {"working_dir", "/workspace"}, {"env", {{"PYTHONPATH", "/app"}}}});
  check(full.working_dir == "/workspace" && full.env == prime::EnvVars{{"PYTHONPATH", "/app"}}, "all fields kept");
  const auto failed = parse<prime::CommandResponse>(
      json{{"stdout", ""}, {"stderr", "Error: file not found\n"}, {"exit_code", 1}});
  check(failed.stdout.empty() && failed.stderr == "Error: file not found\n" && failed.exit_code == 1,
        "stderr and a non-zero exit code are kept");
  check(json(failed).at("exit_code") == 1, "exit_code keeps its snake_case name");
}

void file_and_log_responses(CaseContext&) {
  const auto ok = parse<prime::FileUploadResponse>(
      json{{"success", true}, {"path", "/tmp/uploaded.txt"}, {"size", 1024}, {"timestamp", "2025-01-01T00:00:00Z"}});
  check(ok.success && ok.path == "/tmp/uploaded.txt" && ok.size == 1024, "success, path and size are kept");
  check(parse<prime::FileUploadResponse>(json(ok)) == ok, "the timestamp survives a round trip");
  const std::string logs = "line 1\nline 2\n\nline 4";
  check(parse<prime::SandboxLogsResponse>(json{{"logs", logs}}).logs == logs, "multi-line logs are kept exactly");
}

void bulk_delete_models(CaseContext&) {
  const auto by_ids = parse<prime::BulkDeleteSandboxRequest>(json{{"sandbox_ids", {"a", "b"}}});
  check(by_ids.sandbox_ids && by_ids.sandbox_ids->size() == 2 && !by_ids.labels, "ids kept, labels unset");
  const auto by_labels = parse<prime::BulkDeleteSandboxRequest>(json{{"labels", {"x"}}});
  check(by_labels.labels && !by_labels.sandbox_ids, "labels kept, ids unset");
  const auto empty = parse<prime::BulkDeleteSandboxRequest>(json::object());
  check(!empty.labels && !empty.sandbox_ids, "both unset");
  const auto partial = parse<prime::BulkDeleteSandboxResponse>(
      json{{"succeeded", {"sbx-1", "sbx-2"}},
           {"failed", {{{"id", "sbx-3"}, {"error", "Sandbox not found"}}}},
           {"message", "Deleted 2/3 sandboxes"}});
  check(partial.succeeded.size() == 2 && partial.failed.at(0).at("id") == "sbx-3" &&
            partial.message.find("2/3") != std::string::npos,
        "succeeded, failed entries and the message are kept");
}

void start_command_forms(CaseContext&) {
  const auto argv = parse<prime::CreateSandboxRequest>(
      json{{"name", "n"}, {"docker_image", "i"},
           {"start_command", {{"executable", "python3"}, {"args", {"-m", "http.server", "a b"}}}}});
  const auto* command = argv.start_command ? std::get_if<prime::StartCommand>(&*argv.start_command) : nullptr;
  check(command != nullptr && command->executable == "python3" &&
            command->args == std::vector<std::string>{"-m", "http.server", "a b"},
        "a StartCommand keeps its executable and argv, an argument with a space included");
  check(json(argv).at("start_command") == json{{"executable", "python3"}, {"args", {"-m", "http.server", "a b"}}},
        "it is sent as {executable, args}");
  const auto shell = parse<prime::CreateSandboxRequest>(json{{"name", "n"}, {"docker_image", "i"},
                                                             {"start_command", "python app.py"}});
  check(shell.start_command == "python app.py" && json(shell).at("start_command") == "python app.py",
        "a string start command stays a string");
  expect_throws<std::invalid_argument>(
      [] { parse<prime::StartCommand>(json{{"executable", "x"}, {"args", json::array()}, {"shell", true}}); },
      "StartCommand forbids extra fields");
  expect_throws<std::invalid_argument>([] { prime::StartCommand{.executable = std::string("a\0b", 3)}.validate(); },
                                       "an executable with a NUL byte is rejected");
  expect_throws<std::invalid_argument>(
      [] { prime::StartCommand{.executable = "x", .args = {std::string("\0", 1)}}.validate(); },
      "an argument with a NUL byte is rejected");
  const auto vm = parse<prime::CreateSandboxRequest>(json{{"name", "n"}, {"docker_image", "i"}, {"vm", true}});
  check(!vm.command_to_run(), "vm=True without a start command of its own runs none (no container default)");
}

void read_file_response_shape(CaseContext&) {
  const auto r = parse<prime::ReadFileResponse>(
      json{{"content", "abc"}, {"size", 3}, {"total_size", 10}, {"offset", 7}, {"truncated", true}});
  check(r.content == "abc" && r.size == 3 && r.total_size == 10 && r.offset == 7 && r.truncated == true,
        "content, size and the window fields are read without a path");
  check(!json(r).contains("path"), "ReadFileResponse has no path, as in Prime");
  const auto legacy = parse<prime::ReadFileResponse>(json{{"content", "x"}, {"size", 1}, {"path", "/tmp/x"}});
  check(legacy.content == "x" && !legacy.total_size, "an older answer with a path and no window still reads");
}

void update_request_prime_fields(CaseContext&) {
  const auto r = parse<prime::UpdateSandboxRequest>(json{
      {"gpu_type", "H100"}, {"idle_timeout_minutes", 10}, {"registry_credentials_id", "cred-1"}, {"timeout_minutes", 60}});
  check(r.gpu_type == "H100" && r.idle_timeout_minutes == 10 && r.registry_credentials_id == "cred-1",
        "gpu_type, idle_timeout_minutes and registry_credentials_id are kept");
  check(json(r).at("idle_timeout_minutes") == 10 && !json(prime::UpdateSandboxRequest{}).contains("gpu_type"),
        "set fields are sent, unset ones left out");
  const auto message = expect_throws<std::invalid_argument>(
      [] { prime::UpdateSandboxRequest{.timeout_minutes = 5, .idle_timeout_minutes = 10}.validate(); },
      "an idle timeout longer than the lifetime is rejected");
  check(message == "idle_timeout_minutes must be <= timeout_minutes (got idle=10, lifetime=5)", "Prime's message");
  expect_throws<std::invalid_argument>([] { prime::UpdateSandboxRequest{.idle_timeout_minutes = 0}.validate(); },
                                       "an idle timeout under a minute is rejected");
}

void bulk_delete_request_scope(CaseContext&) {
  const auto r = parse<prime::BulkDeleteSandboxRequest>(
      json{{"labels", {"x"}}, {"team_id", "t"}, {"user_id", "u"}, {"all_users", true}});
  check(r.team_id == "t" && r.user_id == "u" && r.all_users, "team_id, user_id and all_users are kept");
  const auto sent = json(prime::BulkDeleteSandboxRequest{.sandbox_ids = std::vector<std::string>{"a"}});
  check(sent == json{{"sandbox_ids", {"a"}}, {"all_users", false}}, "nulls are left out and all_users is always sent");
  const auto user = parse<prime::CommandRequest>(json{{"command", "id"}, {"user", "root"}});
  check(user.user == "root" && json(user).at("user") == "root", "CommandRequest keeps user");
}

void batch_status_models(CaseContext&) {
  const auto r = parse<prime::BatchSandboxStatusResponse>(
      json{{"statuses", {{{"sandbox_id", "a"}, {"status", "RUNNING"}}, {{"sandboxId", "b"}, {"status", "ERROR"},
                                                                       {"errorType", "OOM_KILLED"},
                                                                       {"errorMessage", "oom"}}}},
           {"errors", {{{"sandbox_id", "c"}, {"code", "NOT_FOUND"}, {"message", "no such sandbox"}}}}});
  check(r.statuses.size() == 2 && r.statuses[0].status == prime::SandboxStatus::RUNNING &&
            r.statuses[1].error_type == "OOM_KILLED",
        "snapshots are read with their status and error context");
  check(r.errors.size() == 1 && r.errors[0].code == "NOT_FOUND", "per-id errors are read");
  check(parse<prime::BatchSandboxStatusResponse>(json(r)) == r, "and round-trip");
  expect_throws<std::invalid_argument>(
      [] { parse<prime::SandboxStatusLookupError>(json{{"sandbox_id", "c"}, {"code", "GONE"}, {"message", "m"}}); },
      "a lookup error code outside NOT_FOUND, FORBIDDEN and MANAGED is rejected");
}

}  // namespace

std::vector<Case> model_cases() {
  return {
      {"core.models.status_values", "core",
       "SandboxStatus has Prime's seven values, each its upper-case name and equal to it; STOPPED reads as PAUSED.", status_values},
      {"core.models.advanced_configs_extra", "core",
       "AdvancedConfigs builds empty and keeps arbitrary extra keys through JSON.", advanced_configs_keep_extra_fields},
      {"core.models.sandbox_camel_case", "core",
       "Sandbox reads Prime's camelCase aliases and dumps snake_case that reads back equal.", sandbox_camel_case_aliases},
      {"core.models.sandbox_snake_case", "core", "Sandbox also accepts the snake_case field names.",
       sandbox_snake_case_fields},
      {"core.models.sandbox_optional_fields", "core",
       "Sandbox keeps its optional fields: start command, env, times, exit code, owner ids and advanced configs.",
       sandbox_optional_fields},
      {"core.models.list_response", "core",
       "SandboxListResponse accepts perPage/hasNext and per_page/has_next with nested sandboxes.",
       list_response_aliases},
      {"core.models.create_request_defaults", "core",
       "CreateSandboxRequest has Prime's defaults (timeout 60, cpu 1, memory 1, disk 5) and keeps every field given.",
       create_request_defaults},
      {"core.models.update_request", "core", "UpdateSandboxRequest leaves unset whatever was not given.",
       update_request_fields},
      {"core.models.command_request_response", "core",
       "CommandRequest and CommandResponse keep command, working_dir, env, both streams and the exit code.",
       command_request_and_response},
      {"core.models.file_and_log_responses", "core",
       "FileUploadResponse and SandboxLogsResponse keep every field, the timestamp and multi-line logs exactly.",
       file_and_log_responses},
      {"core.models.bulk_delete", "core",
       "BulkDeleteSandboxRequest/Response keep ids or labels, succeeded, failed entries and the N/M message.",
       bulk_delete_models},
      {"core.models.start_command_forms", "core",
       "start_command is a string or a StartCommand argv (extra fields and NUL bytes rejected); vm=True drops the "
       "container default.",
       start_command_forms},
      {"core.models.read_file_response", "core",
       "ReadFileResponse has Prime's fields and no path, and still reads an older answer that has one.",
       read_file_response_shape},
      {"core.models.update_request_prime_fields", "core",
       "UpdateSandboxRequest has gpu_type, idle_timeout_minutes and registry_credentials_id, with Prime's idle "
       "validator.",
       update_request_prime_fields},
      {"core.models.bulk_delete_scope_and_user", "core",
       "BulkDeleteSandboxRequest keeps team_id, user_id and all_users (always sent); CommandRequest keeps user.",
       bulk_delete_request_scope},
      {"core.models.batch_status", "core",
       "BatchSandboxStatusResponse reads snapshots and per-id errors, and only Prime's three error codes.",
       batch_status_models},
  };
}

}  // namespace ppio_conformance
