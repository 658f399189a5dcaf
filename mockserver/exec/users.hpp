#pragma once
// The users every sandbox has, as a template's image defines them: `root`
// (uid 0, home /root) and the default user `user` (uid 1000, home /home/user),
// named in the sandbox's own /etc/passwd and /etc/group.
#include <cstdint>
#include <string>

namespace ppio_mock::exec {

struct SandboxUser {
  std::string name;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::string home;
};

inline constexpr const char* kDefaultUser = "user";
inline constexpr const char* kHomeDir = "/home/user";
inline constexpr std::uint32_t kDefaultUid = 1000;

const SandboxUser& root_user();
const SandboxUser& default_user();
// root or user; null for any other name.
const SandboxUser* find_user(const std::string& name);

}  // namespace ppio_mock::exec
