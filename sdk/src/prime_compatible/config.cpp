#include "ppio_sandbox/prime_compatible/config.hpp"

#include <cstdlib>

#include "ppio_sandbox/core/config.hpp"

namespace ppio_sandbox::prime_compatible {

namespace {

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::nullopt : std::optional<std::string>(value);
}

std::filesystem::path home_prime_dir() {
  const auto home = env("HOME");
  return home && !home->empty() ? std::filesystem::path(*home) / ".prime" : std::filesystem::path();
}

}  // namespace

Config::Config() : Config(home_prime_dir()) {}

Config::Config(std::filesystem::path config_dir)
    : config_dir_(std::move(config_dir)), config_file_(config_dir_.empty() ? "" : config_dir_ / "config.json") {
  if (!config_file_.empty()) file_ = core::read_prime_config_file(config_file_.string());
}

std::optional<std::string> Config::file_value(const std::string& key) const {
  auto it = file_.find(key);
  if (it == file_.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

std::string Config::api_key() const {
  if (auto key = env("PPIO_API_KEY"); key && !key->empty()) return *key;
  return file_value("api_key").value_or("");
}

std::optional<std::string> Config::team_id() const {
  if (auto team = env("PRIME_TEAM_ID")) return team;
  return file_value("team_id");
}

std::optional<std::string> Config::user_id() const {
  if (auto user = env("PRIME_USER_ID")) return user;
  return file_value("user_id");
}

std::string Config::base_url() const {
  core::ConnectionConfig endpoints;
  if (auto domain = env("PPIO_DOMAIN"); domain && !domain->empty()) endpoints.domain = *domain;
  endpoints.api_url = env("PPIO_API_URL").value_or("");
  return endpoints.effective_api_url();
}

}  // namespace ppio_sandbox::prime_compatible
