#include "mockserver/exec/sandbox_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <cstdlib>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <sstream>
#include <system_error>

#include "mockserver/exec/fd.hpp"
#include "mockserver/exec/sandbox_root.hpp"

namespace ppio_mock::exec {

namespace envd = ppio_sandbox::core::envd;
using ppio_sandbox::core::connect::Code;

namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  std::size_t i = 0;
  while (i < path.size()) {
    const auto j = path.find('/', i);
    const auto end = j == std::string::npos ? path.size() : j;
    if (end > i) parts.push_back(path.substr(i, end - i));
    i = end + 1;
  }
  return parts;
}

std::string parent_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string base_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

std::string join(const std::string& dir, const std::string& name) { return dir == "/" ? "/" + name : dir + "/" + name; }

[[noreturn]] void throw_errno(int err, const std::string& path) {
  switch (err) {
    case ENOENT: throw FsError(Code::not_found, "path '" + path + "' does not exist");
    case ENOTDIR: throw FsError(Code::invalid_argument, "path '" + path + "' is not a directory");
    case EISDIR: throw FsError(Code::invalid_argument, "path '" + path + "' is a directory");
    case EEXIST: throw FsError(Code::already_exists, "path '" + path + "' already exists");
    case ELOOP: throw FsError(Code::failed_precondition, "path '" + path + "' has too many levels of symbolic links");
    case EXDEV: throw FsError(Code::invalid_argument, "path '" + path + "' escapes the sandbox");
    case ENOTEMPTY: throw FsError(Code::invalid_argument, "path '" + path + "' is a non-empty directory");
    case ENOSPC: throw FsError(Code::resource_exhausted, "not enough disk space for '" + path + "'");
    // A client's path, not the fake, is wrong: envd says internal, a 500 here would be a bug in the fake.
    case ENAMETOOLONG: throw FsError(Code::invalid_argument, "path '" + path + "': file name too long");
    case EACCES:
    case EPERM: throw FsError(Code::permission_denied, "path '" + path + "': permission denied");
    // e.g. moving a directory into its own subdirectory: the request, not the fake, is wrong.
    case EINVAL: throw FsError(Code::invalid_argument, "path '" + path + "': invalid argument");
    default: throw FsError(Code::internal, "path '" + path + "': " + std::strerror(err));
  }
}

// RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as protojson writes a Timestamp.
std::string rfc3339(const struct timespec& ts) {
  struct tm tm {};
  gmtime_r(&ts.tv_sec, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (ts.tv_nsec != 0) {
    char nanos[16];
    std::snprintf(nanos, sizeof nanos, ".%09ld", static_cast<long>(ts.tv_nsec));
    std::string fraction = nanos;
    while (fraction.size() > 4 && fraction.ends_with("000")) fraction.resize(fraction.size() - 3);
    out += fraction;
  }
  return out + "Z";
}

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    const std::size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    i += len;
  }
  return true;
}

// The names of the extended attributes at `path` (a /proc/self/fd link); empty when it has none
// or its filesystem has none.
std::vector<std::string> xattr_names(const std::string& path) {
  std::vector<std::string> names;
  std::string buf(4096, '\0');
  ssize_t n = ::listxattr(path.c_str(), buf.data(), buf.size());
  if (n < 0 && errno == ERANGE) {
    n = ::listxattr(path.c_str(), nullptr, 0);
    if (n > 0) {
      buf.assign(static_cast<std::size_t>(n), '\0');
      n = ::listxattr(path.c_str(), buf.data(), buf.size());
    }
  }
  if (n <= 0) return names;
  std::size_t start = 0;
  for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
    if (buf[i] != '\0') continue;
    if (i > start) names.emplace_back(buf.data() + start, i - start);
    start = i + 1;
  }
  return names;
}

// The user.e2b.* attributes of the file an O_PATH fd refers to. Entries that are not UTF-8
// (a command may set any bytes) are skipped, as envd skips them.
std::map<std::string, std::string> read_metadata(int fd) {
  std::map<std::string, std::string> out;
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  for (const auto& name : xattr_names(link)) {
    if (!name.starts_with(kMetadataXattrPrefix)) continue;
    std::string value(4096, '\0');
    const auto n = ::getxattr(link.c_str(), name.c_str(), value.data(), value.size());
    if (n < 0) continue;  // removed meanwhile, or larger than any metadata envd writes
    value.resize(static_cast<std::size_t>(n));
    std::string key = name.substr(kMetadataXattrPrefix.size());
    if (valid_utf8(key) && valid_utf8(value)) out.emplace(std::move(key), std::move(value));
  }
  return out;
}

// The id a sandbox sees for a host id. When the fake is not root, its own uid
// is what the sandbox's single user (uid 1000) maps to.
std::uint32_t seen_id(std::uint32_t host_id, std::uint32_t own_id) {
  if (::geteuid() == 0) return host_id;
  return host_id == own_id ? kDefaultUid : 65534;
}

std::string name_of(const std::map<std::uint32_t, std::string>& names, std::uint32_t id) {
  const auto it = names.find(id);
  return it == names.end() ? std::to_string(id) : it->second;  // envd's fallback: the number
}

// "name:x:id:..." lines of a passwd or group file.
std::map<std::uint32_t, std::string> parse_ids(const std::string& text) {
  std::map<std::uint32_t, std::string> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto a = line.find(':');
    const auto b = a == std::string::npos ? a : line.find(':', a + 1);
    const auto c = b == std::string::npos ? b : line.find(':', b + 1);
    if (c == std::string::npos || a == 0) continue;
    try {
      out.emplace(static_cast<std::uint32_t>(std::stoul(line.substr(b + 1, c - b - 1))), line.substr(0, a));
    } catch (const std::exception&) {
    }
  }
  return out;
}

void chown_to(int fd, const SandboxUser* owner) {
  if (owner != nullptr && ::geteuid() == 0) (void)!::fchown(fd, owner->uid, owner->gid);
}

// Removes everything inside the directory `dir_fd`, never following a symlink.
void remove_children(int dir_fd) {
  const int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0) return;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup_fd), ::closedir);
  if (!dir) {
    ::close(dup_fd);
    return;
  }
  std::vector<std::string> names;
  while (auto* ent = ::readdir(dir.get())) {
    const std::string name = ent->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  for (const auto& name : names) {
    struct stat st {};
    if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (child.fd >= 0) remove_children(child.fd);
      ::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR);
    } else {
      ::unlinkat(dir_fd, name.c_str(), 0);
    }
  }
}

}  // namespace

std::string normalize_path(const std::string& path, const std::string& home) {
  std::string p = path;
  if (p == "~" || p.starts_with("~/")) p = home + p.substr(1);
  if (p.empty() || p.front() != '/') p = home + "/" + p;
  std::vector<std::string> out;
  for (auto& part : split_path(p)) {
    if (part == ".") continue;
    if (part == "..") {
      if (!out.empty()) out.pop_back();  // ".." at "/" stays at "/"
      continue;
    }
    out.push_back(std::move(part));
  }
  std::string result;
  for (const auto& part : out) result += "/" + part;
  return result.empty() ? "/" : result;
}

SandboxFs::SandboxFs(std::string host_root) {
  std::filesystem::create_directories(host_root);
  host_root_ = std::filesystem::canonical(host_root).string();
  root_fd_ = ::open(host_root_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root_fd_ < 0) throw std::system_error(errno, std::generic_category(), "open sandbox root " + host_root_);
  prepare_root(root_fd_);
}

SandboxFs::~SandboxFs() {
  if (root_fd_ >= 0) ::close(root_fd_);
}

int SandboxFs::open_in_root(const std::string& path, int flags, unsigned mode) const {
  const std::string rel = path == "/" ? "." : path.substr(1);
  struct open_how how {};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC);
  how.mode = (flags & O_CREAT) != 0 ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, root_fd_, rel.c_str(), &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);
  if (fd < 0) throw_errno(errno, path);
  return static_cast<int>(fd);
}

int SandboxFs::open_parent(const std::string& path, bool create, const SandboxUser* owner) const {
  const std::string parent = parent_of(path);
  if (create) mkdir_parents(parent, owner);
  return open_in_root(parent, O_PATH | O_DIRECTORY);
}

void SandboxFs::mkdir_parents(const std::string& path, const SandboxUser* owner) const {
  std::string current = "/";
  for (const auto& part : split_path(path)) {
    Fd dir(open_in_root(current, O_PATH | O_DIRECTORY));
    current = join(current, part);
    if (::mkdirat(dir.fd, part.c_str(), 0755) == 0) {
      // As envd does: only the directories made here change owner.
      Fd made(open_in_root(current, O_RDONLY | O_DIRECTORY));
      ::fchmod(made.fd, 0755);
      chown_to(made.fd, owner);
    } else if (errno != EEXIST) {
      throw_errno(errno, current);
    }
  }
  Fd check(open_in_root(current, O_PATH | O_DIRECTORY));  // a file in the way: ENOTDIR
}

SandboxFs::Names SandboxFs::owner_names() const {
  Names out;
  const auto read = [&](const char* path) -> std::string {
    try {
      Fd fd(open_in_root(path, O_RDONLY));
      std::string text;
      char buf[8192];
      ssize_t n;
      while ((n = ::read(fd.fd, buf, sizeof buf)) > 0 && text.size() < (1u << 20)) {
        text.append(buf, static_cast<std::size_t>(n));
      }
      return text;
    } catch (const FsError&) {
      return {};
    }
  };
  out.users = parse_ids(read("/etc/passwd"));
  out.groups = parse_ids(read("/etc/group"));
  return out;
}

std::optional<std::string> SandboxFs::sandbox_path_of(int fd) const {
  std::error_code ec;
  const auto real = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  if (ec) return std::nullopt;
  const std::string host = real.string();
  if (host == host_root_) return "/";
  if (!host.starts_with(host_root_ + "/")) return std::nullopt;
  return host.substr(host_root_.size());
}

envd::EntryInfo SandboxFs::entry_at(int dir_fd, const std::string& name, const std::string& path,
                                    const Names& owners) const {
  Fd self(::openat(dir_fd, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  if (self.fd < 0) throw_errno(errno, path);
  struct stat st {};
  if (::fstat(self.fd, &st) != 0) throw_errno(errno, path);
  envd::EntryInfo e;
  e.name = path == "/" ? "/" : base_of(path);
  e.path = path;
  e.size = static_cast<std::int64_t>(st.st_size);
  e.permissions = envd::permissions_string(static_cast<std::uint32_t>(st.st_mode));
  e.owner = name_of(owners.users, seen_id(st.st_uid, ::geteuid()));
  e.group = name_of(owners.groups, seen_id(st.st_gid, ::getegid()));
  e.modified_time = rfc3339(st.st_mtim);
  const auto type_of = [](mode_t mode) {
    if (S_ISDIR(mode)) return envd::FileType::directory;
    if (S_ISREG(mode)) return envd::FileType::file;
    return envd::FileType::unspecified;
  };
  if (!S_ISLNK(st.st_mode)) {
    e.type = type_of(st.st_mode);
    e.mode = static_cast<std::uint32_t>(st.st_mode & 0777);  // Go's FileMode.Perm()
    e.metadata = read_metadata(self.fd);
    return e;
  }
  // envd follows the link to the end (filepath.EvalSymlinks) and reports its target.
  // Here it is followed inside the root: an absolute or ".." target names a sandbox path,
  // never the host's.
  e.symlink_target = path;  // envd's answer when the link cannot be resolved
  int target_fd = -1;
  try {
    target_fd = open_in_root(path, O_PATH);
  } catch (const FsError&) {
    return e;  // dangling, or a loop: no type, no mode
  }
  Fd target(target_fd);
  struct stat tst {};
  const auto resolved = sandbox_path_of(target.fd);
  if (!resolved || ::fstat(target.fd, &tst) != 0) return e;
  e.symlink_target = *resolved;
  e.type = type_of(tst.st_mode);
  e.mode = static_cast<std::uint32_t>(tst.st_mode & 0777);
  e.metadata = read_metadata(target.fd);
  return e;
}

envd::EntryInfo SandboxFs::stat(const std::string& path) const {
  if (path == "/") return entry_at(root_fd_, ".", "/", owner_names());
  Fd parent(open_parent(path, false));
  return entry_at(parent.fd, base_of(path), path, owner_names());
}

bool SandboxFs::is_directory(const std::string& path) const {
  try {
    Fd fd(open_in_root(path, O_PATH | O_DIRECTORY));
    return true;
  } catch (const FsError&) {
    return false;
  }
}

int SandboxFs::open_read(const std::string& path) const {
  Fd fd(open_in_root(path, O_RDONLY));
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0) throw_errno(errno, path);
  if (S_ISDIR(st.st_mode)) throw FsError(Code::invalid_argument, "path '" + path + "' is a directory");
  if (!S_ISREG(st.st_mode)) throw FsError(Code::invalid_argument, "path '" + path + "' is not a regular file");
  return fd.release();
}

int SandboxFs::open_write(const std::string& path, const SandboxUser* owner) const {
  if (path == "/") throw FsError(Code::invalid_argument, "path '/' is a directory");
  mkdir_parents(parent_of(path), owner);
  Fd fd(open_in_root(path, O_WRONLY | O_CREAT | O_TRUNC, 0644));
  chown_to(fd.fd, owner);
  return fd.release();
}

bool SandboxFs::make_dir(const std::string& path, const SandboxUser* owner) const {
  try {
    Fd existing(open_in_root(path, O_PATH));
    struct stat st {};
    if (::fstat(existing.fd, &st) == 0 && S_ISDIR(st.st_mode)) return false;
    throw FsError(Code::invalid_argument, "path '" + path + "' already exists and is not a directory");
  } catch (const FsError& e) {
    if (e.code() != Code::not_found) throw;
  }
  mkdir_parents(path, owner);
  return true;
}

envd::EntryInfo SandboxFs::move(const std::string& source, const std::string& destination,
                                const SandboxUser* owner) const {
  if (source == "/" || destination == "/") throw FsError(Code::invalid_argument, "cannot move the root directory");
  int src_fd = -1;
  try {
    src_fd = open_parent(source, false);
  } catch (const FsError& e) {
    if (e.code() == Code::not_found) throw FsError(Code::not_found, "source file not found: '" + source + "'");
    throw;
  }
  Fd src(src_fd);
  Fd dst(open_parent(destination, true, owner));
  if (::renameat(src.fd, base_of(source).c_str(), dst.fd, base_of(destination).c_str()) != 0) {
    if (errno == ENOENT) throw FsError(Code::not_found, "source file not found: '" + source + "'");
    throw_errno(errno, destination);
  }
  return entry_at(dst.fd, base_of(destination), destination, owner_names());
}

void SandboxFs::remove(const std::string& path) const {
  if (path == "/") throw FsError(Code::invalid_argument, "cannot remove the root directory");
  int parent_fd = -1;
  try {
    parent_fd = open_parent(path, false);
  } catch (const FsError& e) {
    if (e.code() == Code::not_found) return;
    throw;
  }
  Fd parent(parent_fd);
  const std::string name = base_of(path);
  struct stat st {};
  if (::fstatat(parent.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    throw_errno(errno, path);
  }
  if (S_ISDIR(st.st_mode)) {
    Fd dir(::openat(parent.fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (dir.fd < 0) throw_errno(errno, path);
    remove_children(dir.fd);
    if (::unlinkat(parent.fd, name.c_str(), AT_REMOVEDIR) != 0) throw_errno(errno, path);
  } else if (::unlinkat(parent.fd, name.c_str(), 0) != 0) {
    throw_errno(errno, path);
  }
}

void SandboxFs::list_into(int dir_fd, const std::string& path, std::uint32_t depth, const Names& owners,
                          std::vector<envd::EntryInfo>& out) const {
  const int dup_fd = ::dup(dir_fd);
  if (dup_fd < 0) throw_errno(errno, path);
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup_fd), ::closedir);
  if (!dir) {
    ::close(dup_fd);
    throw_errno(errno, path);
  }
  std::vector<std::string> names;
  while (auto* ent = ::readdir(dir.get())) {
    const std::string name = ent->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    envd::EntryInfo entry;
    try {
      entry = entry_at(dir_fd, name, join(path, name), owners);
    } catch (const FsError&) {
      continue;  // removed while listing
    }
    const bool descend = depth > 1 && entry.type == envd::FileType::directory;
    out.push_back(std::move(entry));
    if (!descend) continue;
    // Children are opened relative to their parent with O_NOFOLLOW: a symlink is never entered.
    Fd child(::openat(dir_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (child.fd >= 0) list_into(child.fd, join(path, name), depth - 1, owners, out);
  }
}

std::vector<envd::EntryInfo> SandboxFs::list_dir(const std::string& path, std::uint32_t depth) const {
  if (depth < 1) throw FsError(Code::invalid_argument, "depth should be at least one");
  Fd dir(open_in_root(path, O_RDONLY | O_DIRECTORY));
  std::vector<envd::EntryInfo> out;
  list_into(dir.fd, path, depth, owner_names(), out);
  return out;
}

std::string SandboxFs::host_dir(const std::string& path) const {
  Fd dir(open_in_root(path, O_PATH | O_DIRECTORY));
  std::error_code ec;
  const auto real = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(dir.fd), ec);
  if (ec) throw FsError(Code::internal, "cannot resolve '" + path + "'");
  const std::string host = real.string();
  if (host != host_root_ && !host.starts_with(host_root_ + "/")) {
    throw FsError(Code::invalid_argument, "path '" + path + "' escapes the sandbox");
  }
  return host;
}

int SandboxFs::open_dir(const std::string& path) const { return open_in_root(path, O_RDONLY | O_DIRECTORY); }

bool user_xattrs_supported(const std::string& host_dir) {
  std::filesystem::create_directories(host_dir);
  std::string name = host_dir + "/.ppio-xattr-probe-XXXXXX";
  const int fd = ::mkstemp(name.data());
  if (fd < 0) return false;
  const bool ok = ::fsetxattr(fd, "user.e2b.probe", "1", 1, 0) == 0;
  ::close(fd);
  ::unlink(name.c_str());
  return ok;
}

void write_metadata(int fd, const std::map<std::string, std::string>& metadata, const std::string& path) {
  const auto fail = [&](int err) {
    if (err == ENOTSUP) {
      throw FsError(Code::failed_precondition,
                    "the filesystem of '" + path + "' does not support user extended attributes");
    }
    if (err == ENOSPC || err == EDQUOT) throw FsError(Code::resource_exhausted, "not enough space for file metadata");
    throw_errno(err, path);
  };
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  for (const auto& name : xattr_names(link)) {
    if (!name.starts_with(kMetadataXattrPrefix)) continue;
    if (metadata.contains(name.substr(kMetadataXattrPrefix.size()))) continue;
    if (::fremovexattr(fd, name.c_str()) != 0 && errno != ENODATA) fail(errno);
  }
  for (const auto& [key, value] : metadata) {
    const std::string name = std::string(kMetadataXattrPrefix) + key;
    if (::fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) != 0) fail(errno);
  }
}

void remove_tree(const std::string& host_path) {
  Fd dir(::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir.fd < 0) return;
  remove_children(dir.fd);
  ::rmdir(host_path.c_str());
}

}  // namespace ppio_mock::exec
