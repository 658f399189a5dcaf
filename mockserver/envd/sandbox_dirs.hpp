#pragma once
// Where each sandbox's files live: <state dir>/<sandbox id>/, made on first
// use, kept across pause and resume, deleted when the sandbox goes.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "mockserver/exec/sandbox_fs.hpp"

namespace ppio_mock::envd {

class SandboxDirs {
 public:
  // Empty `state_dir`: a fresh temporary directory, removed by the destructor.
  explicit SandboxDirs(const std::string& state_dir);
  ~SandboxDirs();
  SandboxDirs(const SandboxDirs&) = delete;
  SandboxDirs& operator=(const SandboxDirs&) = delete;

  std::shared_ptr<exec::SandboxFs> get(const std::string& sandbox_id);
  void remove(const std::string& sandbox_id);
  const std::string& state_dir() const { return state_dir_; }

 private:
  std::string state_dir_;
  bool owned_ = false;
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<exec::SandboxFs>> open_;
};

}  // namespace ppio_mock::envd
