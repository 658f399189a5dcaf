#pragma once
// One sandbox's files, confined to its root directory on the host. Every
// path is opened with openat2(RESOLVE_IN_ROOT) against the root's fd, so the
// kernel resolves "..", absolute paths and symlinks (even ones a command
// planted, such as `ln -s / escape`) as if the root were "/": nothing outside
// the root can be read or written.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mockserver/exec/users.hpp"
#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"

namespace ppio_mock::exec {

// What a filesystem operation failed with, as a Connect code (the envd edge maps it to HTTP).
class FsError : public std::runtime_error {
 public:
  FsError(ppio_sandbox::core::connect::Code code, const std::string& message)
      : std::runtime_error(message), code_(code) {}
  ppio_sandbox::core::connect::Code code() const { return code_; }

 private:
  ppio_sandbox::core::connect::Code code_;
};

// "~", relative paths (against the user's home), ".", ".." and "//" made into
// a clean absolute sandbox path. ".." stops at "/".
std::string normalize_path(const std::string& path, const std::string& home = kHomeDir);

// The extended attributes that hold a file's metadata: user.e2b.<key>, as envd stores them.
inline constexpr std::string_view kMetadataXattrPrefix = "user.e2b.";
// Whether files under the host directory `host_dir` can carry user.* extended attributes
// (probed with a temporary file, which is removed).
bool user_xattrs_supported(const std::string& host_dir);
// Replaces the user.e2b.* attributes of the open file `fd` (at sandbox `path`) with
// `metadata`; other attributes stay. Throws FsError (failed_precondition when the
// filesystem has no user extended attributes).
void write_metadata(int fd, const std::map<std::string, std::string>& metadata, const std::string& path);

// Files are owned by the user a call runs as (`owner`); null leaves them the fake's own.
// EntryInfo names owners and groups from the sandbox's own /etc/passwd and /etc/group.
class SandboxFs {
 public:
  // Creates `host_root` and what a new sandbox root holds (sandbox_root.hpp).
  explicit SandboxFs(std::string host_root);
  ~SandboxFs();
  SandboxFs(const SandboxFs&) = delete;
  SandboxFs& operator=(const SandboxFs&) = delete;

  const std::string& host_root() const { return host_root_; }

  // lstat, reported as envd does: a symlink has the resolved absolute path of its target
  // (resolved inside the root, as a command in the sandbox would) and the target's type
  // and mode; a dangling one names itself and has no type. Metadata is the user.e2b.*
  // attributes (of the target, for a symlink).
  ppio_sandbox::core::envd::EntryInfo stat(const std::string& path) const;
  bool is_directory(const std::string& path) const;
  // An fd open for reading; not_found / invalid_argument (a directory).
  int open_read(const std::string& path) const;
  // An fd open for writing (created or truncated, then owned by `owner`); missing parent
  // directories are created, owned by `owner`.
  int open_write(const std::string& path, const SandboxUser* owner = nullptr) const;
  // Creates `path` and its parents. Returns false when it already was a directory.
  bool make_dir(const std::string& path, const SandboxUser* owner = nullptr) const;
  ppio_sandbox::core::envd::EntryInfo move(const std::string& source, const std::string& destination,
                                           const SandboxUser* owner = nullptr) const;
  // Recursive; a missing path is not an error. Never follows symlinks.
  void remove(const std::string& path) const;
  // Entries below `path`, `depth` levels deep (1: the directory's own children).
  std::vector<ppio_sandbox::core::envd::EntryInfo> list_dir(const std::string& path, std::uint32_t depth) const;
  // A host path for the directory at `path` (confined: resolved inside the root), for the
  // host executor's cwd and for inotify. not_found when absent, invalid_argument when not a dir.
  std::string host_dir(const std::string& path) const;
  // An fd open on the directory at `path` (confined), for watching it. not_found when
  // absent, invalid_argument when not a directory.
  int open_dir(const std::string& path) const;

 private:
  // Who owns what, by the sandbox's own /etc/passwd and /etc/group.
  struct Names {
    std::map<std::uint32_t, std::string> users;
    std::map<std::uint32_t, std::string> groups;
  };
  Names owner_names() const;
  int open_in_root(const std::string& path, int flags, unsigned mode = 0) const;
  int open_parent(const std::string& path, bool create, const SandboxUser* owner = nullptr) const;
  void mkdir_parents(const std::string& path, const SandboxUser* owner = nullptr) const;
  // The sandbox path of what the fd (opened in the root) refers to; nullopt if outside the root.
  std::optional<std::string> sandbox_path_of(int fd) const;
  ppio_sandbox::core::envd::EntryInfo entry_at(int dir_fd, const std::string& name, const std::string& path,
                                               const Names& owners) const;
  void list_into(int dir_fd, const std::string& path, std::uint32_t depth, const Names& owners,
                 std::vector<ppio_sandbox::core::envd::EntryInfo>& out) const;

  std::string host_root_;
  int root_fd_ = -1;
};

// Removes a directory tree without following symlinks (for deleting a sandbox's root).
void remove_tree(const std::string& host_path);

}  // namespace ppio_mock::exec
