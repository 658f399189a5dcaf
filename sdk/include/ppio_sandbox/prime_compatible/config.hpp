#pragma once
// Prime's Config: read-only settings from the environment and Prime's config
// file, which is read once and never written. A missing file, invalid JSON or
// an I/O error all read as an empty file.
//
//   key      PPIO_API_KEY (if non-empty), then the file's api_key, then "".
//            (PRIME_API_KEY is Prime's platform key; PPIO would refuse it.)
//   team_id  PRIME_TEAM_ID if set at all (set but empty gives ""), then the
//            file's team_id (empty reads as none), then none.
//   user_id  PRIME_USER_ID, then the file's user_id, then none.
//   base_url PPIO_API_URL, else https://api.<PPIO_DOMAIN or sandbox.ppio.cn>;
//            the file's base_url is Prime's API, so it is not read.
#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace ppio_sandbox::prime_compatible {

class Config {
 public:
  // ~/.prime, as Prime: $HOME/.prime/config.json.
  Config();
  // Another directory holding config.json (tests, or a second profile).
  explicit Config(std::filesystem::path config_dir);

  const std::filesystem::path& config_dir() const { return config_dir_; }
  const std::filesystem::path& config_file() const { return config_file_; }

  std::string api_key() const;
  std::optional<std::string> team_id() const;
  std::optional<std::string> user_id() const;
  std::string base_url() const;

 private:
  std::optional<std::string> file_value(const std::string& key) const;

  std::filesystem::path config_dir_;
  std::filesystem::path config_file_;
  std::map<std::string, std::string> file_;
};

}  // namespace ppio_sandbox::prime_compatible
