#include "mockserver/exec/users.hpp"

namespace ppio_mock::exec {

const SandboxUser& root_user() {
  static const SandboxUser root{"root", 0, 0, "/root"};
  return root;
}

const SandboxUser& default_user() {
  static const SandboxUser user{kDefaultUser, kDefaultUid, kDefaultUid, kHomeDir};
  return user;
}

const SandboxUser* find_user(const std::string& name) {
  if (name == root_user().name) return &root_user();
  if (name == default_user().name) return &default_user();
  return nullptr;
}

}  // namespace ppio_mock::exec
