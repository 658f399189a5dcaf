#pragma once
// Where the SDK finds its key and endpoints.
#include <chrono>
#include <map>
#include <optional>
#include <string>

namespace ppio_sandbox::core {

inline constexpr const char* kDefaultDomain = "sandbox.ppio.cn";

struct ConnectionConfig {
  std::string api_key;
  std::string domain = kDefaultDomain;
  std::string api_url;      // control plane; empty means https://api.<domain>
  std::string sandbox_url;  // one envd URL for every sandbox; empty means https://49983-<id>.<domain>
  std::string ca_file;      // extra CA bundle for HTTPS
  std::chrono::milliseconds request_timeout{60'000};
  std::string user_agent = "ppio-sandbox-cpp/0.1.0";

  std::string effective_api_url() const;
  std::string envd_url(const std::string& sandbox_id) const;
};

// $HOME/.prime/config.json, the file Prime's CLI writes; empty without HOME.
std::string prime_config_path();
// The string fields of such a file. A missing, unreadable or invalid file, or
// one that is not a JSON object, reads as empty: it is only ever a fallback.
std::map<std::string, std::string> read_prime_config_file(const std::string& path);

// The key, in order: the explicit one, PPIO_API_KEY, then "api_key" in
// $HOME/.prime/config.json. Empty when none is found; a missing or broken
// config file counts as having no key.
std::string resolve_api_key(const std::optional<std::string>& explicit_key);

// Key as above; PPIO_DOMAIN, PPIO_API_URL and PPIO_SANDBOX_URL for the endpoints.
ConnectionConfig config_from_environment(const std::optional<std::string>& explicit_key = std::nullopt);

}  // namespace ppio_sandbox::core
