#include "mockserver/envd/sandbox_dirs.hpp"

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>

namespace ppio_mock::envd {

SandboxDirs::SandboxDirs(const std::string& state_dir) {
  if (state_dir.empty()) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "ppio-mock-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("cannot create a temporary state directory");
    state_dir_ = tmpl;
    owned_ = true;
  } else {
    std::filesystem::create_directories(state_dir);
    state_dir_ = std::filesystem::canonical(state_dir).string();
  }
}

SandboxDirs::~SandboxDirs() {
  std::lock_guard lock(mutex_);
  open_.clear();
  if (owned_) exec::remove_tree(state_dir_);
}

std::shared_ptr<exec::SandboxFs> SandboxDirs::get(const std::string& sandbox_id) {
  if (sandbox_id.empty() || sandbox_id.find('/') != std::string::npos || sandbox_id == "." || sandbox_id == "..") {
    throw std::invalid_argument("bad sandbox id");
  }
  std::lock_guard lock(mutex_);
  auto& fs = open_[sandbox_id];
  if (!fs) fs = std::make_shared<exec::SandboxFs>(state_dir_ + "/" + sandbox_id);
  return fs;
}

void SandboxDirs::remove(const std::string& sandbox_id) {
  if (sandbox_id.empty() || sandbox_id.find('/') != std::string::npos) return;
  std::lock_guard lock(mutex_);
  open_.erase(sandbox_id);
  exec::remove_tree(state_dir_ + "/" + sandbox_id);
}

}  // namespace ppio_mock::envd
