// Path confinement of a sandbox's files: random paths made of "..", ".",
// unicode names, absolute paths and symlinks planted inside the root (to "/",
// "..", "../../x" and the host's absolute paths) never read, write, list or
// remove anything outside the root. A real root and a sibling "outside"
// directory with a canary are made on the host for every case.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "mockserver/exec/sandbox_fs.hpp"
#include "tests/property/file_tree.hpp"

namespace fs = std::filesystem;
namespace exec = ppio_mock::exec;
using ppio_sandbox::core::connect::Code;

namespace {

constexpr const char* kCanary = "outside-canary-secret";

// A temp dir holding "root" (the sandbox) and "outside" (with a canary), removed at the end.
class Playground {
 public:
  Playground() {
    std::string templ = (fs::temp_directory_path() / "ppio-confine-XXXXXX").string();
    base_ = ::mkdtemp(templ.data());
    fs::create_directories(base_ / "outside" / "sub");
    std::ofstream(base_ / "outside" / "canary") << kCanary;
    std::ofstream(base_ / "outside" / "sub" / "canary") << kCanary;
  }
  ~Playground() { fs::remove_all(base_); }
  Playground(const Playground&) = delete;
  Playground& operator=(const Playground&) = delete;
  fs::path root() const { return base_ / "root"; }
  fs::path outside() const { return base_ / "outside"; }
  fs::path base() const { return base_; }

 private:
  fs::path base_;
};


// Links a command in the sandbox could have planted.
void plant_links(const Playground& p) {
  const std::map<std::string, std::string> links = {
      {"top", "/"},
      {"up", ".."},
      {"deep", "../../x"},
      {"host", p.outside().string()},
      {"host_canary", (p.outside() / "canary").string()},
      {"home/user/sibling", "../../../outside"},
  };
  for (const auto& [name, target] : links) fs::create_symlink(target, p.root() / name);
}

rc::Gen<std::string> raw_path() {
  const auto segment = rc::gen::element<std::string>("..", ".", "", "top", "up", "deep", "host", "host_canary",
                                                     "sibling", "outside", "canary", "sub", "home", "user",
                                                     "ünï", "名前", "x", "new");
  return rc::gen::map(rc::gen::pair(rc::gen::element<std::string>("", "/", "~/", "~"),
                                    rc::gen::container<std::vector<std::string>>(segment)),
                      [](const std::pair<std::string, std::vector<std::string>>& p) {
                        std::string out = p.first;
                        for (std::size_t i = 0; i < p.second.size(); ++i) out += (i ? "/" : "") + p.second[i];
                        return out;
                      });
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

void write_some(int fd) {
  const std::string text = "written-inside";
  RC_ASSERT(::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
  ::close(fd);
}

// One filesystem operation on sandbox paths (normalized, as envd's routes pass them).
void operate(const exec::SandboxFs& sfs, int op, const std::string& path, const std::string& other) {
  switch (op) {
    case 0: RC_ASSERT(read_all(sfs.open_read(path)).find(kCanary) == std::string::npos); break;
    case 1: write_some(sfs.open_write(path)); break;
    case 2: sfs.make_dir(path); break;
    case 3: sfs.remove(path); break;
    case 4: sfs.move(path, other); break;
    case 5: RC_ASSERT(sfs.stat(path).path == path); break;
    case 6:
      for (const auto& e : sfs.list_dir(path, 3)) RC_ASSERT(e.path.starts_with(path));
      break;
    default: {
      const auto host = sfs.host_dir(path);
      RC_ASSERT(host == sfs.host_root() || host.starts_with(sfs.host_root() + "/"));
    }
  }
}

}  // namespace

RC_GTEST_PROP(PathConfinement, NoOperationReachesOutsideTheRoot, ()) {
  Playground p;
  const exec::SandboxFs sfs(p.root().string());
  plant_links(p);
  const auto before = property_test::tree_snapshot(p.outside());
  // At most ~20 operations: each case builds a root on the host.
  const auto steps = *rc::gen::scale(0.2, rc::gen::container<std::vector<std::tuple<int, std::string, std::string>>>(
                                              rc::gen::tuple(rc::gen::inRange(0, 8), raw_path(), raw_path())));
  for (const auto& [op, raw, raw_other] : steps) {
    const auto path = exec::normalize_path(raw);
    const auto other = exec::normalize_path(raw_other);
    try {
      operate(sfs, op, path, other);
    } catch (const exec::FsError& e) {
      // Refusals are Connect codes the envd edge maps to 4xx; never an internal error.
      RC_ASSERT(e.code() != Code::internal);
    }
  }
  RC_ASSERT(property_test::tree_snapshot(p.outside()) == before);
  std::set<std::string> beside;
  for (const auto& e : fs::directory_iterator(p.base())) beside.insert(e.path().filename().string());
  RC_ASSERT(beside == (std::set<std::string>{"outside", "root"}));
}

// Shrunk from the property above: move("", "~/new") is move("/home/user", "/home/user/new").
// renameat gives EINVAL, which the fake once answered as Code::internal (HTTP 500).
TEST(PathConfinementRegression, MovingADirectoryIntoItselfIsInvalidArgument) {
  Playground p;
  const exec::SandboxFs sfs(p.root().string());
  try {
    sfs.move("/home/user", "/home/user/new");
    FAIL() << "moving a directory into itself succeeded";
  } catch (const exec::FsError& e) {
    EXPECT_EQ(e.code(), Code::invalid_argument) << e.what();
  }
}

RC_GTEST_PROP(PathConfinement, NormalizedPathsAreAbsoluteAndClean, ()) {
  const auto path = exec::normalize_path(*raw_path());
  RC_ASSERT(path.starts_with("/"));
  RC_ASSERT(path.find("//") == std::string::npos);
  RC_ASSERT(("/" + path + "/").find("/../") == std::string::npos);
  RC_ASSERT(("/" + path + "/").find("/./") == std::string::npos);
  RC_ASSERT(exec::normalize_path(path) == path);
}
