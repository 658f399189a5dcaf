#include "ppio_sandbox/core/config.hpp"

#include <cstdlib>
#include <fstream>

#include <nlohmann/json.hpp>

namespace ppio_sandbox::core {

namespace {

std::string env_or_empty(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

std::string key_from_prime_config() {
  const auto path = prime_config_path();
  if (path.empty()) return {};
  const auto fields = read_prime_config_file(path);
  auto it = fields.find("api_key");
  return it == fields.end() ? std::string() : it->second;
}

std::string strip_trailing_slash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

std::string prime_config_path() {
  const std::string home = env_or_empty("HOME");
  return home.empty() ? std::string() : home + "/.prime/config.json";
}

std::map<std::string, std::string> read_prime_config_file(const std::string& path) {
  std::map<std::string, std::string> fields;
  std::ifstream in(path);
  if (!in) return fields;
  const auto config = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object()) return fields;
  for (const auto& [key, value] : config.items()) {
    if (value.is_string()) fields[key] = value.get<std::string>();
  }
  return fields;
}

std::string ConnectionConfig::effective_api_url() const {
  return api_url.empty() ? "https://api." + domain : strip_trailing_slash(api_url);
}

std::string ConnectionConfig::envd_url(const std::string& sandbox_id) const {
  return sandbox_url.empty() ? "https://49983-" + sandbox_id + "." + domain : strip_trailing_slash(sandbox_url);
}

std::string resolve_api_key(const std::optional<std::string>& explicit_key) {
  if (explicit_key && !explicit_key->empty()) return *explicit_key;
  if (auto from_env = env_or_empty("PPIO_API_KEY"); !from_env.empty()) return from_env;
  return key_from_prime_config();
}

ConnectionConfig config_from_environment(const std::optional<std::string>& explicit_key) {
  ConnectionConfig config;
  config.api_key = resolve_api_key(explicit_key);
  if (auto domain = env_or_empty("PPIO_DOMAIN"); !domain.empty()) config.domain = domain;
  config.api_url = env_or_empty("PPIO_API_URL");
  config.sandbox_url = env_or_empty("PPIO_SANDBOX_URL");
  return config;
}

}  // namespace ppio_sandbox::core
