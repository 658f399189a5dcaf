#include "mockserver/exec/sandbox_root.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

#include "mockserver/exec/fd.hpp"
#include "mockserver/exec/users.hpp"

namespace ppio_mock::exec {

namespace {

bool may_chown() { return ::geteuid() == 0; }

// The directory `name` right below `dir_fd`, never through a symlink: a root
// copied from another sandbox may hold links its commands planted.
int subdir(int dir_fd, const char* name) {
  return ::openat(dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

// Creates `name` below `dir_fd` with `mode` and `owner`; an existing one is
// kept as it is. True when it was made now.
bool make_dir(int dir_fd, const char* name, mode_t mode, const SandboxUser& owner) {
  if (::mkdirat(dir_fd, name, mode) != 0) {
    if (errno != EEXIST) throw std::system_error(errno, std::generic_category(), std::string("mkdir ") + name);
    return false;
  }
  Fd made(subdir(dir_fd, name));
  if (made.fd >= 0) {
    ::fchmod(made.fd, mode);  // past the umask
    if (may_chown()) (void)!::fchown(made.fd, owner.uid, owner.gid);
  }
  return true;
}

void write_file(int dir_fd, const char* name, const std::string& text, mode_t mode) {
  Fd fd(::openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (fd.fd < 0) throw std::system_error(errno, std::generic_category(), std::string("write etc/") + name);
  if (::write(fd.fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    throw std::system_error(errno, std::generic_category(), std::string("write etc/") + name);
  }
  ::fchmod(fd.fd, mode);
}

// The files of `from_dir` (not below it), copied into `to_dir` for `owner`.
void copy_files(int from_dir, int to_dir, const SandboxUser& owner) {
  const int dup_fd = ::dup(from_dir);
  if (dup_fd < 0) return;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(dup_fd), ::closedir);
  if (!dir) {
    ::close(dup_fd);
    return;
  }
  while (auto* e = ::readdir(dir.get())) {
    struct stat st {};
    if (::fstatat(from_dir, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    Fd in(::openat(from_dir, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    Fd out(::openat(to_dir, e->d_name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st.st_mode & 0777));
    if (in.fd < 0 || out.fd < 0) continue;
    for (off_t left = st.st_size; left > 0;) {
      const auto n = ::sendfile(out.fd, in.fd, nullptr, static_cast<std::size_t>(left));
      if (n <= 0) break;
      left -= n;
    }
    if (may_chown()) (void)!::fchown(out.fd, owner.uid, owner.gid);
  }
}

void write_identity(int etc_fd) {
  const auto& root = root_user();
  const auto& user = default_user();
  const std::string uid = std::to_string(user.uid);
  write_file(etc_fd, "passwd",
             "root:x:0:0:root:" + root.home + ":/bin/bash\n" + user.name + ":x:" + uid + ":" + uid + "::" + user.home +
                 ":/bin/bash\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
             0644);
  write_file(etc_fd, "group",
             "root:x:0:\nsudo:x:27:" + user.name + "\n" + user.name + ":x:" + uid + ":\nnogroup:x:65534:\n", 0644);
  write_file(etc_fd, "shadow", "root:*:19000:0:99999:7:::\n" + user.name + ":*:19000:0:99999:7:::\n", 0600);
  write_file(etc_fd, "hostname", std::string(kSandboxHostname) + "\n", 0644);
  write_file(etc_fd, "hosts",
             std::string("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n127.0.1.1\t") +
                 kSandboxHostname + "\n",
             0644);
  write_file(etc_fd, "sudoers",
             "Defaults\tenv_reset\n"
             "Defaults\tsecure_path=\"/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n"
             "root\tALL=(ALL:ALL) ALL\n" +
                 user.name + "\tALL=(ALL:ALL) NOPASSWD: ALL\n@includedir /etc/sudoers.d\n",
             0440);
}

}  // namespace

void prepare_root(int root_fd) {
  const auto& root = root_user();
  const auto& user = default_user();
  for (const char* dir : {"usr", "proc", "dev", "run", "etc", "home", "var"}) make_dir(root_fd, dir, 0755, root);
  make_dir(root_fd, "app", 0755, user);  // where uploads commonly go; the default user writes there
  make_dir(root_fd, "tmp", 01777, root);
  make_dir(root_fd, "root", 0700, root);
  for (const char* link : {"bin", "sbin", "lib", "lib64"}) {
    ::symlinkat((std::string("usr/") + link).c_str(), root_fd, link);  // EEXIST on reuse is fine
  }
  if (Fd var(subdir(root_fd, "var")); var.fd >= 0) {
    make_dir(var.fd, "tmp", 01777, root);
    // Where the overlay of /etc keeps its scratch files (it must share the root's mount).
    make_dir(var.fd, "lib", 0755, root);
    if (Fd lib(subdir(var.fd, "lib")); lib.fd >= 0 && make_dir(lib.fd, "ppio-sandbox", 0700, root)) {
      if (Fd state(subdir(lib.fd, "ppio-sandbox")); state.fd >= 0) make_dir(state.fd, "etc-work", 0700, root);
    }
  }
  Fd home(subdir(root_fd, "home"));
  if (home.fd >= 0 && make_dir(home.fd, "user", 0755, user)) {
    // A new home starts with the image's skeleton files (.bashrc, .profile).
    Fd skel(::open("/etc/skel", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    Fd user_home(subdir(home.fd, "user"));
    if (skel.fd >= 0 && user_home.fd >= 0) copy_files(skel.fd, user_home.fd, user);
  }
  Fd etc(subdir(root_fd, "etc"));
  if (etc.fd < 0) throw std::system_error(errno, std::generic_category(), "open the sandbox's etc");
  if (::faccessat(etc.fd, "passwd", F_OK, AT_SYMLINK_NOFOLLOW) != 0) write_identity(etc.fd);  // else its own already
}

}  // namespace ppio_mock::exec
