// The key comes from the explicit value, then PPIO_API_KEY, then ~/.prime/config.json.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ppio_sandbox/core/config.hpp"

namespace core = ppio_sandbox::core;
namespace fs = std::filesystem;

namespace {

class Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    saved_home_ = getenv_or("HOME");
    saved_key_ = getenv_or("PPIO_API_KEY");
    home_ = fs::temp_directory_path() / ("ppio-cred-test-" + std::to_string(::getpid()));
    fs::create_directories(home_ / ".prime");
    setenv("HOME", home_.c_str(), 1);
    unsetenv("PPIO_API_KEY");
    for (const char* name : {"PPIO_DOMAIN", "PPIO_API_URL", "PPIO_SANDBOX_URL"}) unsetenv(name);
  }
  void TearDown() override {
    fs::remove_all(home_);
    restore("HOME", saved_home_);
    restore("PPIO_API_KEY", saved_key_);
  }
  void write_config(const std::string& text) { std::ofstream(home_ / ".prime" / "config.json") << text; }

  static std::optional<std::string> getenv_or(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::optional<std::string>(v) : std::nullopt;
  }
  static void restore(const char* name, const std::optional<std::string>& value) {
    if (value) setenv(name, value->c_str(), 1);
    else unsetenv(name);
  }

  fs::path home_;
  std::optional<std::string> saved_home_, saved_key_;
};

TEST_F(Credentials, ExplicitKeyWinsOverEverything) {
  setenv("PPIO_API_KEY", "from-env", 1);
  write_config(R"({"api_key": "from-file"})");
  EXPECT_EQ(core::resolve_api_key("explicit"), "explicit");
}

TEST_F(Credentials, EnvironmentWinsOverConfigFile) {
  setenv("PPIO_API_KEY", "from-env", 1);
  write_config(R"({"api_key": "from-file"})");
  EXPECT_EQ(core::resolve_api_key(std::nullopt), "from-env");
  EXPECT_EQ(core::resolve_api_key(""), "from-env");  // an empty explicit key counts as none
}

TEST_F(Credentials, ConfigFileIsTheLastResort) {
  write_config(R"({"api_key": "from-file", "team_id": "t"})");
  EXPECT_EQ(core::resolve_api_key(std::nullopt), "from-file");
}

TEST_F(Credentials, NoKeyAnywhereGivesEmpty) { EXPECT_EQ(core::resolve_api_key(std::nullopt), ""); }

TEST_F(Credentials, BrokenConfigFileCountsAsEmpty) {
  write_config("{not json");
  EXPECT_EQ(core::resolve_api_key(std::nullopt), "");
  write_config(R"({"api_key": 42})");
  EXPECT_EQ(core::resolve_api_key(std::nullopt), "");
}

TEST_F(Credentials, EndpointsComeFromDomainAndOverrides) {
  auto config = core::config_from_environment("k");
  EXPECT_EQ(config.effective_api_url(), "https://api.sandbox.ppio.cn");
  EXPECT_EQ(config.envd_url("abc"), "https://49983-abc.sandbox.ppio.cn");

  setenv("PPIO_DOMAIN", "cn-beijing-1.sandbox.ppio.com", 1);
  EXPECT_EQ(core::config_from_environment("k").effective_api_url(), "https://api.cn-beijing-1.sandbox.ppio.com");

  setenv("PPIO_API_URL", "http://127.0.0.1:3000/", 1);
  setenv("PPIO_SANDBOX_URL", "http://127.0.0.1:49983", 1);
  config = core::config_from_environment("k");
  EXPECT_EQ(config.effective_api_url(), "http://127.0.0.1:3000");
  EXPECT_EQ(config.envd_url("abc"), "http://127.0.0.1:49983");
  for (const char* name : {"PPIO_DOMAIN", "PPIO_API_URL", "PPIO_SANDBOX_URL"}) unsetenv(name);
}

}  // namespace
