// Prime <-> PPIO metadata mapping, without any I/O.
#include <gtest/gtest.h>

#include "ppio_sandbox/prime_compatible/mapping.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace mapping = prime::mapping;
namespace core = ppio_sandbox::core;

namespace {

core::SandboxInfo info_with(core::Metadata md) {
  core::SandboxInfo info;
  info.sandbox_id = "iabc";
  info.template_id = "tmpl-id";
  info.alias = "code-interpreter-v1";
  info.started_at = core::parse_rfc3339("2026-01-01T00:00:00Z");
  info.end_at = info.started_at + std::chrono::minutes(10);
  info.cpu_count = 2;
  info.memory_mb = 1536;
  info.disk_size_mb = 10240;
  info.metadata = std::move(md);
  return info;
}

TEST(Mapping, WritesThePythonAdaptersKeys) {
  const auto md = mapping::to_metadata({.name = "n",
                                        .docker_image = "img",
                                        .environment_vars = prime::EnvVars{{"A", "1"}},
                                        .labels = {"x", "y"},
                                        .team_id = "team"});
  EXPECT_EQ(md.at("sandbox_name"), "n");
  EXPECT_EQ(md.at("custom_label#x"), "1");
  EXPECT_EQ(md.at("custom_label#y"), "1");
  EXPECT_EQ(md.at("team_id"), "team");
  EXPECT_EQ(nlohmann::json::parse(md.at("environment_vars")), nlohmann::json({{"A", "1"}}));
  EXPECT_EQ(md.at("prime_docker_image"), "img");
}

TEST(Mapping, ReadsASandboxTheAdapterCreated) {
  // The Python adapter stores no image: docker_image is the template name.
  const auto s = mapping::to_sandbox(
      info_with({{"sandbox_name", "py"}, {"custom_label#a#b", "1"}, {"environment_vars", R"({"K": "V"})"}}));
  EXPECT_EQ(s.name, "py");
  EXPECT_EQ(s.docker_image, "code-interpreter-v1");
  EXPECT_EQ(s.labels, std::vector<std::string>{"a#b"});  // the adapter truncated at '#'; we do not
  EXPECT_EQ(s.environment_vars, (prime::EnvVars{{"K", "V"}}));
  EXPECT_EQ(s.cpu_cores, 2);
  EXPECT_EQ(s.memory_gb, 2);  // 1536 MB rounds up
  EXPECT_EQ(s.disk_size_gb, 10);
  EXPECT_EQ(s.timeout_minutes, 10);
  EXPECT_EQ(s.status, "RUNNING");
}

// The adapter reads disk_size_gb with Python's int(): "5.0" made it fail to read
// every sandbox the C++ SDK created (found by tests/external/python/test_interop.py).
TEST(Mapping, DiskSizeIsIntegerTextTheAdapterCanRead) {
  auto md = mapping::to_metadata({.name = "n", .docker_image = "img", .disk_size_gb = 5});
  EXPECT_EQ(md.at("disk_size_gb"), "5");
  EXPECT_FALSE(md.contains("prime_disk_size_gb"));
  EXPECT_EQ(mapping::to_sandbox(info_with(md)).disk_size_gb, 5);

  md = mapping::to_metadata({.name = "n", .docker_image = "img", .disk_size_gb = 2.5});
  EXPECT_EQ(md.at("disk_size_gb"), "3");  // rounded up, as the adapter rounds memory
  EXPECT_EQ(md.at("prime_disk_size_gb"), "2.5");
  EXPECT_EQ(mapping::to_sandbox(info_with(md)).disk_size_gb, 2.5);

  EXPECT_EQ(mapping::to_sandbox(info_with({{"disk_size_gb", "7"}})).disk_size_gb, 7);
}

TEST(Mapping, MalformedMetadataFallsBackInsteadOfFailing) {
  const auto s = mapping::to_sandbox(info_with({{"prime_cpu_cores", "many"}, {"environment_vars", "{oops"}}));
  EXPECT_EQ(s.cpu_cores, 2);
  EXPECT_FALSE(s.environment_vars.has_value());
}

TEST(Mapping, SecretsGoToEnvVarsButOnlyTheirNamesToMetadata) {
  const auto n = mapping::to_new_sandbox({.name = "n", .docker_image = "i", .secrets = prime::EnvVars{{"TOKEN", "v"}}},
                                         "base");
  EXPECT_EQ(n.env_vars.at("TOKEN"), "v");
  for (const auto& [key, value] : n.metadata) EXPECT_NE(value, "v") << key;
  const auto s = mapping::to_sandbox(info_with(n.metadata));
  EXPECT_EQ(s.secrets, (prime::EnvVars{{"TOKEN", "***"}}));
}

TEST(Mapping, LongTimeoutsAskPpioNotToCap) {
  EXPECT_FALSE(mapping::to_metadata({.name = "n", .docker_image = "i", .timeout_minutes = 60}).contains("long_running"));
  EXPECT_EQ(mapping::to_metadata({.name = "n", .docker_image = "i", .timeout_minutes = 61}).at("long_running"), "true");
  EXPECT_EQ(mapping::to_new_sandbox({.name = "n", .docker_image = "i", .timeout_minutes = 90}, "base").timeout, 5400);
}

TEST(Mapping, StatusFiltersMapToPpioStates) {
  using S = prime::SandboxStatus;
  EXPECT_EQ(mapping::states_for(S::RUNNING), std::vector<core::SandboxState>{core::SandboxState::running});
  EXPECT_EQ(mapping::states_for(S::PAUSED), std::vector<core::SandboxState>{core::SandboxState::paused});
  for (auto s : {S::PENDING, S::PROVISIONING, S::ERROR, S::TERMINATED, S::TIMEOUT}) {
    EXPECT_TRUE(mapping::states_for(s).empty()) << prime::to_string(s);
  }
  EXPECT_EQ(mapping::status_of(core::SandboxState::paused), "PAUSED");
}

TEST(Mapping, LabelFilterRequiresEveryLabel) {
  EXPECT_EQ(mapping::label_filter("t", {"a", "b"}),
            (core::Metadata{{"team_id", "t"}, {"custom_label#a", "1"}, {"custom_label#b", "1"}}));
}

}  // namespace
