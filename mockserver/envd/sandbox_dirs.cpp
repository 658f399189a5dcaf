#include "mockserver/envd/sandbox_dirs.hpp"

#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>

#include "mockserver/envd/tree_copy.hpp"

namespace ppio_mock::envd {

namespace {

constexpr const char* kSnapshotsDir = "/.snapshots";

// A sandbox id or snapshot key is one plain path component.
bool plain_name(const std::string& name) {
  return !name.empty() && name.front() != '.' && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace

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
  exec::remove_tree(state_dir_ + kSnapshotsDir);
}

SandboxDirs::~SandboxDirs() {
  std::lock_guard lock(mutex_);
  open_.clear();
  if (owned_) exec::remove_tree(state_dir_);
}

std::string SandboxDirs::sandbox_dir(const std::string& sandbox_id) const {
  if (!plain_name(sandbox_id)) throw std::invalid_argument("bad sandbox id");
  return state_dir_ + "/" + sandbox_id;
}

std::string SandboxDirs::snapshot_dir(const std::string& snapshot_key) const {
  if (!plain_name(snapshot_key)) throw std::invalid_argument("bad snapshot key");
  return state_dir_ + kSnapshotsDir + "/" + snapshot_key;
}

std::shared_ptr<exec::SandboxFs> SandboxDirs::get(const std::string& sandbox_id) {
  const std::string dir = sandbox_dir(sandbox_id);
  std::lock_guard lock(mutex_);
  auto& fs = open_[sandbox_id];
  if (!fs) fs = std::make_shared<exec::SandboxFs>(dir);
  return fs;
}

void SandboxDirs::remove(const std::string& sandbox_id) {
  if (!plain_name(sandbox_id)) return;
  std::lock_guard lock(mutex_);
  open_.erase(sandbox_id);
  exec::remove_tree(sandbox_dir(sandbox_id));
}

std::string SandboxDirs::fresh_sandbox_dir(const std::string& sandbox_id) {
  const std::string dir = sandbox_dir(sandbox_id);
  std::lock_guard lock(mutex_);
  open_.erase(sandbox_id);
  exec::remove_tree(dir);
  return dir;
}

void SandboxDirs::save_snapshot(const std::string& sandbox_id, const std::string& snapshot_key) {
  const std::string from = get(sandbox_id)->host_root();  // made now if nothing touched it yet
  const std::string to = snapshot_dir(snapshot_key);
  std::filesystem::create_directories(state_dir_ + kSnapshotsDir);
  exec::remove_tree(to);  // a name taken again: the new build replaces the tag's files
  copy_tree(from, to);
}

void SandboxDirs::restore_snapshot(const std::string& snapshot_key, const std::string& sandbox_id) {
  const std::string from = snapshot_dir(snapshot_key);
  copy_tree(from, fresh_sandbox_dir(sandbox_id));
}

void SandboxDirs::copy_sandbox(const std::string& from, const std::string& to) {
  const std::string source = get(from)->host_root();
  copy_tree(source, fresh_sandbox_dir(to));
}

void SandboxDirs::delete_snapshot(const std::string& snapshot_key) { exec::remove_tree(snapshot_dir(snapshot_key)); }

}  // namespace ppio_mock::envd
