#include "mockserver/envd/tree_copy.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "mockserver/exec/fd.hpp"
#include "mockserver/exec/sandbox_fs.hpp"

namespace ppio_mock::envd {

namespace {

using exec::Fd;

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error("cannot copy " + what + ": " + std::strerror(err));
}

// Owner, then mode (chown clears set-id bits), then times. Not being root
// (EPERM) only loses the owner.
void copy_attributes(int fd, const struct stat& st, const std::string& what) {
  if (::fchown(fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) fail(what, errno);
  if (::fchmod(fd, st.st_mode & 07777) != 0) fail(what, errno);
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  if (::futimens(fd, times) != 0) fail(what, errno);
}

void copy_bytes(int in, int out, const std::string& what) {
  while (true) {
    const auto n = ::copy_file_range(in, nullptr, out, nullptr, 1 << 20, 0);
    if (n > 0) continue;
    if (n == 0) return;
    if (errno == EINTR) continue;
    if (errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP) break;
    fail(what, errno);
  }
  std::vector<char> buffer(1 << 16);
  while (true) {
    const auto n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(what, errno);
    if (n == 0) return;
    for (ssize_t done = 0; done < n;) {
      const auto w = ::write(out, buffer.data() + done, static_cast<std::size_t>(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) fail(what, errno);
      done += w;
    }
  }
}

void copy_entry(int from_dir, int to_dir, const std::string& name, const std::string& what);

// Copies every entry of directory `from_dir` into the (empty) directory `to_dir`.
void copy_children(int from_dir, int to_dir, const std::string& what) {
  const int listing = ::dup(from_dir);
  if (listing < 0) fail(what, errno);
  DIR* dir = ::fdopendir(listing);
  if (dir == nullptr) {
    const int err = errno;
    ::close(listing);
    fail(what, err);
  }
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  ::closedir(dir);
  for (const auto& name : names) copy_entry(from_dir, to_dir, name, what + "/" + name);
}

void copy_entry(int from_dir, int to_dir, const std::string& name, const std::string& what) {
  struct stat st {};
  if (::fstatat(from_dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;  // removed while we copied
    fail(what, errno);
  }
  switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
      if (::mkdirat(to_dir, name.c_str(), 0700) != 0) fail(what, errno);
      Fd from(::openat(from_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      Fd to(::openat(to_dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (from.fd < 0 || to.fd < 0) fail(what, errno);
      copy_children(from.fd, to.fd, what);
      copy_attributes(to.fd, st, what);
      return;
    }
    case S_IFREG: {
      Fd from(::openat(from_dir, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (from.fd < 0) fail(what, errno);
      Fd to(::openat(to_dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (to.fd < 0) fail(what, errno);
      copy_bytes(from.fd, to.fd, what);
      copy_attributes(to.fd, st, what);
      return;
    }
    case S_IFLNK: {
      std::string target(static_cast<std::size_t>(st.st_size) + 1, '\0');
      const auto n = ::readlinkat(from_dir, name.c_str(), target.data(), target.size());
      if (n < 0) fail(what, errno);
      target.resize(static_cast<std::size_t>(n));
      if (::symlinkat(target.c_str(), to_dir, name.c_str()) != 0) fail(what, errno);
      if (::fchownat(to_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != EPERM) {
        fail(what, errno);
      }
      const struct timespec times[2] = {st.st_atim, st.st_mtim};
      ::utimensat(to_dir, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
      return;
    }
    case S_IFIFO: {
      if (::mkfifoat(to_dir, name.c_str(), st.st_mode & 07777) != 0) fail(what, errno);
      if (::fchownat(to_dir, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) != 0 && errno != EPERM) {
        fail(what, errno);
      }
      ::fchmodat(to_dir, name.c_str(), st.st_mode & 07777, 0);
      return;
    }
    default:
      return;  // sockets and device nodes belong to a running sandbox, not to its files
  }
}

}  // namespace

void copy_tree(const std::string& from, const std::string& to) {
  Fd source(::open(from.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (source.fd < 0) fail(from, errno);
  struct stat st {};
  if (::fstat(source.fd, &st) != 0) fail(from, errno);
  if (::mkdir(to.c_str(), 0700) != 0) fail(to, errno);
  try {
    Fd target(::open(to.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (target.fd < 0) fail(to, errno);
    copy_children(source.fd, target.fd, from);
    copy_attributes(target.fd, st, from);
  } catch (...) {
    exec::remove_tree(to);
    throw;
  }
}

}  // namespace ppio_mock::envd
