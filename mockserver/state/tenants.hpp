#pragma once
// API keys and the teams they belong to. One team never sees another's sandboxes.
#include <map>
#include <optional>
#include <string>

namespace ppio_mock::state {

class Tenants {
 public:
  Tenants() = default;
  explicit Tenants(std::map<std::string, std::string> key_to_team) : key_to_team_(std::move(key_to_team)) {}

  // {"keys": {"<api key>": "<team>", ...}}; throws std::invalid_argument.
  static Tenants from_json_text(const std::string& text);
  static Tenants from_file(const std::string& path);

  void add(const std::string& api_key, const std::string& team) { key_to_team_[api_key] = team; }
  std::optional<std::string> team_for(const std::string& api_key) const {
    auto it = key_to_team_.find(api_key);
    return it == key_to_team_.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  const std::map<std::string, std::string>& keys() const { return key_to_team_; }

 private:
  std::map<std::string, std::string> key_to_team_;
};

}  // namespace ppio_mock::state
