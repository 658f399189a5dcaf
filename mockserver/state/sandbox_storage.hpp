#pragma once
// Where the registry's snapshots and forks touch files: the server wires it
// to envd's SandboxDirs, as it wires the observer. The registry stays pure
// state and calls these under its lock, so a copy is of one moment: no
// sandbox it copies can be removed meanwhile. Each throws std::runtime_error
// when the copy fails; the registry then changes nothing.
#include <string>

namespace ppio_mock::state {

class SandboxStorage {
 public:
  virtual ~SandboxStorage() = default;
  // Copies sandbox `sandbox_id`'s files as snapshot `snapshot_key` (replacing one of that key).
  virtual void save_snapshot(const std::string& sandbox_id, const std::string& snapshot_key) = 0;
  // Starts new sandbox `sandbox_id` with a copy of the snapshot's files.
  virtual void restore_snapshot(const std::string& snapshot_key, const std::string& sandbox_id) = 0;
  // Starts new sandbox `to` with a copy of sandbox `from`'s files.
  virtual void copy_sandbox(const std::string& from, const std::string& to) = 0;
  virtual void delete_snapshot(const std::string& snapshot_key) = 0;
};

}  // namespace ppio_mock::state
