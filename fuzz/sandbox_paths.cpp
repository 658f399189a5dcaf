// Path normalisation and confinement. normalize_path must give a clean
// absolute sandbox path, whatever it is given; SandboxFs, given what every
// caller gives it (a normalized path) over a root with escape hatches planted
// in it (symlinks to "/", to "../..", absolute and relative), must never open
// or name anything outside its root.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "mockserver/exec/sandbox_fs.hpp"

namespace fs = std::filesystem;
using ppio_mock::exec::FsError;
using ppio_mock::exec::SandboxFs;

namespace {

std::string g_root;  // the root's real path
SandboxFs* g_fs = nullptr;

bool inside_root(const std::string& real) { return real == g_root || real.starts_with(g_root + "/"); }

void check_clean(const std::string& path) {
  if (path.empty() || path[0] != '/') std::abort();
  if (path != "/" && path.back() == '/') std::abort();
  if (path.find("//") != std::string::npos) std::abort();
  for (const char* bad : {"/./", "/../"}) {
    if ((path + "/").find(bad) != std::string::npos) std::abort();
  }
}

// The file an fd is open on, as the kernel names it.
void check_fd(int fd) {
  if (fd < 0) return;
  std::error_code ec;
  const auto target = fs::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  ::close(fd);
  if (!ec && !inside_root(target.string())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char dir_template[] = "/tmp/ppio-fuzz-paths-XXXXXX";
  const std::string base = mkdtemp(dir_template);
  g_fs = new SandboxFs(base + "/root");
  g_root = fs::canonical(g_fs->host_root()).string();
  fs::create_symlink("/", g_root + "/escape");
  fs::create_symlink("../..", g_root + "/home/up");
  fs::create_symlink("/etc", g_root + "/home/user/etc-link");
  fs::create_symlink("../../../../../../..", g_root + "/home/user/deep");
  fs::create_symlink(base, g_root + "/home/user/host-base");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path(reinterpret_cast<const char*>(data), size);
  if (path.find('\0') != std::string::npos) return 0;  // not a path a request can carry
  const std::string normalized = ppio_mock::exec::normalize_path(path);
  check_clean(normalized);
  check_clean(ppio_mock::exec::normalize_path(path, "/root"));
  try {
    const std::string host = g_fs->host_dir(normalized);
    if (!inside_root(fs::weakly_canonical(host).string())) std::abort();
  } catch (const FsError&) {
  }
  try {
    check_fd(g_fs->open_read(normalized));
  } catch (const FsError&) {
  }
  try {
    check_fd(g_fs->open_dir(normalized));
  } catch (const FsError&) {
  }
  try {
    (void)g_fs->stat(normalized);
  } catch (const FsError&) {
  }
  return 0;
}
