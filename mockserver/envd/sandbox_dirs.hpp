#pragma once
// Where each sandbox's files live: <state dir>/<sandbox id>/, made on first
// use, kept across pause and resume, deleted when the sandbox goes. Snapshots
// are copies kept in <state dir>/.snapshots/<key>/ (no sandbox id starts
// with '.'). As the registry's SandboxStorage it makes those copies.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mockserver/exec/sandbox_fs.hpp"
#include "mockserver/state/sandbox_storage.hpp"

namespace ppio_mock::envd {

class SandboxDirs : public state::SandboxStorage {
 public:
  // Empty `state_dir`: a fresh temporary directory, removed by the destructor.
  // Snapshots left by an earlier run are removed: the registry starts without them.
  explicit SandboxDirs(const std::string& state_dir);
  ~SandboxDirs() override;
  SandboxDirs(const SandboxDirs&) = delete;
  SandboxDirs& operator=(const SandboxDirs&) = delete;

  std::shared_ptr<exec::SandboxFs> get(const std::string& sandbox_id);
  void remove(const std::string& sandbox_id);
  const std::string& state_dir() const { return state_dir_; }

  void save_snapshot(const std::string& sandbox_id, const std::string& snapshot_key) override;
  void restore_snapshot(const std::string& snapshot_key, const std::string& sandbox_id) override;
  void copy_sandbox(const std::string& from, const std::string& to) override;
  void delete_snapshot(const std::string& snapshot_key) override;

 private:
  std::string sandbox_dir(const std::string& sandbox_id) const;
  std::string snapshot_dir(const std::string& snapshot_key) const;
  // A new sandbox's root, replacing a stale one left by an earlier run.
  std::string fresh_sandbox_dir(const std::string& sandbox_id);

  std::string state_dir_;
  bool owned_ = false;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<exec::SandboxFs>> open_;
};

}  // namespace ppio_mock::envd
