#pragma once
// Snapshots: persistent copies of a sandbox's files that new sandboxes start
// from, owned by a team. As on E2B a snapshot is a template: unnamed ones are
// "<templateID>:default"; named ones "<team>/<name>:<tag>", and a name taken
// again gets a new build (the same template, that tag replaced). Pure data:
// the Registry holds the catalogue under its lock, and the files are copied
// by its SandboxStorage.
#include <optional>
#include <string>
#include <vector>

#include "ppio_sandbox/core/api_models.hpp"
#include "ppio_sandbox/core/time.hpp"

namespace ppio_mock::state {

using ppio_sandbox::core::Timestamp;

struct Snapshot {
  std::string template_id;
  std::string tag = "default";
  std::optional<std::string> alias;  // the name without its namespace
  std::string team;
  std::string source_sandbox;
  Timestamp created_at;
  // What sandboxes made from it get: the source's template and resources.
  std::string base_template_id;
  int cpu_count = 0;
  int memory_mb = 0;
  int disk_size_mb = 0;

  // SnapshotInfo.snapshotID: "<team>/<alias>:<tag>", or "<templateID>:<tag>" when unnamed.
  std::string snapshot_id() const;
  // SnapshotInfo.names: the full names ("<team>/<alias>:<tag>"); none when unnamed.
  std::vector<std::string> names() const;
  // Where its files are kept: a plain directory name.
  std::string storage_key() const;
};

// A snapshot name as given: "[<namespace>/]<alias>[:<tag>]".
struct SnapshotName {
  std::optional<std::string> ns;
  std::string alias;
  std::optional<std::string> tag;
};
// Throws ServiceError 400 for a malformed name.
SnapshotName parse_snapshot_name(const std::string& name);

class SnapshotCatalog {
 public:
  // The team's snapshot a reference names: "<templateID>[:<tag>]", "<alias>[:<tag>]" or
  // "<team>/<alias>[:<tag>]" (tag "default" when omitted). Null when there is none.
  const Snapshot* find(const std::string& team, const std::string& reference) const;
  // The template id a name already has in the team, if any.
  std::optional<std::string> template_of(const std::string& team, const std::string& alias) const;
  // Adds it, or replaces the snapshot with the same template id and tag (returned).
  std::optional<Snapshot> put(Snapshot snapshot);
  // The team's snapshots a reference names (one, or every tag of a bare template id or name).
  std::vector<Snapshot> matching(const std::string& team, const std::string& reference) const;
  void remove(const Snapshot& snapshot);
  bool contains_template(const std::string& template_id) const;
  // The team's snapshots, newest first; `sandbox_id` and `name` (a reference, as find) filter.
  std::vector<Snapshot> list(const std::string& team, const std::optional<std::string>& sandbox_id,
                             const std::optional<std::string>& name) const;
  std::vector<Snapshot> all() const { return snapshots_; }
  void clear() { snapshots_.clear(); }

 private:
  bool refers_to(const Snapshot& s, const std::string& team, const std::string& reference, bool any_tag) const;
  std::vector<Snapshot> snapshots_;
};

}  // namespace ppio_mock::state
