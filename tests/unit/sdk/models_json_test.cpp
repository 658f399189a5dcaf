// Prime's models in JSON: snake_case out, camelCase or snake_case in.
#include <gtest/gtest.h>

#include <sstream>

#include "ppio_sandbox/prime_compatible/models.hpp"

namespace prime = ppio_sandbox::prime_compatible;
using nlohmann::json;

namespace {

json camel_sandbox() {
  return json::parse(R"({
    "id": "sbx-1", "name": "n", "dockerImage": "python:3.11-slim", "startCommand": "sleep 1",
    "cpuCores": 2, "memoryGB": 4, "diskSizeGB": 10, "diskMountPath": "/data", "gpuCount": 0,
    "status": "RUNNING", "timeoutMinutes": 60, "environmentVars": {"A": "1"},
    "advancedConfigs": {"customSetting": "value"}, "labels": ["test", "production"],
    "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:06.5Z",
    "startedAt": "2026-01-02T03:04:05Z", "terminatedAt": "2026-01-02T04:04:05+01:00",
    "exitCode": 0, "userId": "user-123", "teamId": "team-456", "kubernetesJobId": "job-789",
    "unknownField": "ignored"
  })");
}

TEST(SandboxJson, AcceptsCamelCaseAliases) {
  const auto s = camel_sandbox().get<prime::Sandbox>();
  EXPECT_EQ(s.docker_image, "python:3.11-slim");
  EXPECT_EQ(s.start_command, "sleep 1");
  EXPECT_EQ(s.cpu_cores, 2);
  EXPECT_EQ(s.memory_gb, 4);
  EXPECT_EQ(s.disk_size_gb, 10);
  EXPECT_EQ(s.disk_mount_path, "/data");
  EXPECT_EQ(s.timeout_minutes, 60);
  EXPECT_EQ(s.environment_vars, (prime::EnvVars{{"A", "1"}}));
  EXPECT_EQ(s.advanced_configs->extra["customSetting"], "value");
  EXPECT_EQ(s.labels, (std::vector<std::string>{"test", "production"}));
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(s.user_id, "user-123");
  EXPECT_EQ(s.team_id, "team-456");
  EXPECT_EQ(s.kubernetes_job_id, "job-789");
  ASSERT_TRUE(s.terminated_at.has_value());
  EXPECT_EQ(*s.terminated_at, *s.started_at);  // +01:00 offset honoured
  EXPECT_EQ(s.updated_at - s.created_at, std::chrono::milliseconds(1500));
}

TEST(SandboxJson, AcceptsSnakeCaseNamesAndRoundTrips) {
  const auto from_camel = camel_sandbox().get<prime::Sandbox>();
  const json snake = from_camel;  // to_json writes snake_case
  EXPECT_TRUE(snake.contains("docker_image"));
  EXPECT_FALSE(snake.contains("dockerImage"));
  EXPECT_EQ(snake.get<prime::Sandbox>(), from_camel);
}

TEST(SandboxJson, MissingRequiredFieldIsAnError) {
  auto j = camel_sandbox();
  j.erase("dockerImage");
  EXPECT_THROW(j.get<prime::Sandbox>(), json::exception);
}

TEST(SandboxStatusJson, HasEveryPrimeValueAndRejectsOthers) {
  for (const char* name : {"PENDING", "PROVISIONING", "RUNNING", "PAUSED", "ERROR", "TERMINATED", "TIMEOUT"}) {
    EXPECT_EQ(prime::to_string(prime::parse_sandbox_status(name)), name);
  }
  EXPECT_THROW(prime::parse_sandbox_status("running"), std::invalid_argument);
}

TEST(SandboxStatusJson, StoppedIsReadAsPausedAndNeverWritten) {
  // Prime renamed STOPPED to PAUSED in 0.2.16; older writers still send it.
  EXPECT_EQ(prime::parse_sandbox_status("STOPPED"), prime::SandboxStatus::PAUSED);
  EXPECT_EQ(json("STOPPED").get<prime::SandboxStatus>(), prime::SandboxStatus::PAUSED);
  EXPECT_EQ(json(prime::SandboxStatus::PAUSED), json("PAUSED"));
}

TEST(SandboxStatusJson, ComparesWithItsStringBothWays) {
  using S = prime::SandboxStatus;
  const std::string running = "RUNNING";
  EXPECT_TRUE(running == S::RUNNING);
  EXPECT_TRUE(S::RUNNING == running);
  EXPECT_TRUE(S::RUNNING == "RUNNING");
  EXPECT_TRUE("PAUSED" == S::PAUSED);
  EXPECT_FALSE(running == S::PAUSED);
  EXPECT_TRUE(running != S::PAUSED);
  EXPECT_FALSE(S::RUNNING == "running");  // the value is exact, as Python's str
  prime::Sandbox sandbox;
  sandbox.status = "RUNNING";
  EXPECT_TRUE(sandbox.status == prime::SandboxStatus::RUNNING);
  std::ostringstream printed;
  printed << S::TIMEOUT;
  EXPECT_EQ(printed.str(), "TIMEOUT");
}

TEST(SandboxListResponseJson, AcceptsBothSpellings) {
  const auto camel = json::parse(R"({"sandboxes": [], "total": 0, "page": 1, "perPage": 10, "hasNext": false})")
                         .get<prime::SandboxListResponse>();
  EXPECT_EQ(camel.per_page, 10);
  const auto snake = json::parse(R"({"sandboxes": [], "total": 3, "page": 2, "per_page": 5, "has_next": true})")
                         .get<prime::SandboxListResponse>();
  EXPECT_EQ(snake.per_page, 5);
  EXPECT_TRUE(snake.has_next);
}

TEST(CreateSandboxRequest, HasPrimeDefaults) {
  prime::CreateSandboxRequest r{.name = "n", .docker_image = "img"};
  EXPECT_EQ(r.start_command, "tail -f /dev/null");
  EXPECT_EQ(r.cpu_cores, 1.0);
  EXPECT_EQ(r.memory_gb, 1.0);
  EXPECT_EQ(r.disk_size_gb, 5.0);
  EXPECT_EQ(r.gpu_count, 0);
  EXPECT_EQ(r.timeout_minutes, 60);
  EXPECT_TRUE(r.labels.empty());
  EXPECT_FALSE(r.environment_vars.has_value());
  EXPECT_FALSE(r.team_id.has_value());
  EXPECT_FALSE(r.advanced_configs.has_value());
  EXPECT_NO_THROW(r.validate());
}

TEST(CreateSandboxRequest, SerialisesSnakeCaseWithoutNulls) {
  const json j = prime::CreateSandboxRequest{.name = "n", .docker_image = "img", .labels = {"x"}};
  EXPECT_EQ(j["docker_image"], "img");
  EXPECT_EQ(j["labels"], json::array({"x"}));
  EXPECT_FALSE(j.contains("team_id"));
  EXPECT_FALSE(j.contains("environment_vars"));
  EXPECT_EQ(j.get<prime::CreateSandboxRequest>(),
            (prime::CreateSandboxRequest{.name = "n", .docker_image = "img", .labels = {"x"}}));
}

TEST(CreateSandboxRequest, ValidatorsUsePrimeMessages) {
  auto message = [](const prime::CreateSandboxRequest& r) {
    try {
      r.validate();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("valid");
  };
  EXPECT_EQ(message({.name = "n", .docker_image = "i", .gpu_count = 1}),
            "gpu_type is required when gpu_count is greater than 0");
  EXPECT_EQ(message({.name = "n", .docker_image = "i", .gpu_type = "H100"}), "gpu_type requires gpu_count greater than 0");
  EXPECT_EQ(message({.name = "n", .docker_image = "i", .idle_timeout_minutes = 0}), "idle_timeout_minutes must be >= 1");
  EXPECT_EQ(message({.name = "n", .docker_image = "i", .timeout_minutes = 10, .idle_timeout_minutes = 20}),
            "idle_timeout_minutes must be <= timeout_minutes (got idle=20, lifetime=10)");
}

TEST(CommandResponseJson, KeepsBothStreamsAndExitCode) {
  const auto r = json::parse(R"({"stdout": "", "stderr": "Error: file not found\n", "exit_code": 1})")
                     .get<prime::CommandResponse>();
  EXPECT_EQ(r.stdout, "");
  EXPECT_EQ(r.stderr, "Error: file not found\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(json::parse(R"({"stdout": "a", "stderr": "b", "exitCode": 0})").get<prime::CommandResponse>().stdout, "a");
}

TEST(BulkDeleteJson, KeepsFailuresAndMessage) {
  const prime::BulkDeleteSandboxResponse r{{"sbx-1", "sbx-2"}, {{{"id", "sbx-3"}, {"error", "Sandbox not found"}}},
                                           "Deleted 2/3 sandboxes"};
  const json j = r;
  EXPECT_EQ(j["failed"][0]["id"], "sbx-3");
  EXPECT_EQ(j.get<prime::BulkDeleteSandboxResponse>(), r);
}

TEST(AdvancedConfigsJson, PreservesEveryKey) {
  const auto a = json::parse(R"({"custom_field": "custom_value", "another_field": 123})").get<prime::AdvancedConfigs>();
  EXPECT_EQ(a.extra["another_field"], 123);
  EXPECT_EQ(json(a), json::parse(R"({"custom_field": "custom_value", "another_field": 123})"));
  EXPECT_THROW(json::parse("[1]").get<prime::AdvancedConfigs>(), std::invalid_argument);
}

}  // namespace
