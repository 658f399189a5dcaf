// No request reaches outside its sandbox's root: not "..", not an absolute
// path, not a symlink a command planted. Each attempt is checked for its
// error and for the host file it must not have touched.
#include <unistd.h>

#include <fstream>

#include "envd_fixture.hpp"
#include "mockserver/exec/sandbox_fs.hpp"

namespace envd_test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class Confinement : public EnvdTest {
 protected:
  void SetUp() override {
    EnvdTest::SetUp();
    // A host directory outside every sandbox, with a secret in it.
    // Unique per process: ctest runs tests in parallel and sandbox ids repeat across servers.
    outside_ = fs::path(server_.state_dir()).parent_path() /
               ("ppio-outside-" + std::to_string(::getpid()) + "-" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(outside_);
    std::ofstream(outside_ / "secret.txt") << "top secret";
    // A symlink planted by a command inside the sandbox, pointing at the host's "/" (which is the
    // sandbox's own "/" inside bwrap) and one with a host path.
    const auto r = run("ln -s / /home/user/escape && ln -s " + outside_.string() + " /home/user/hostdir");
    ASSERT_TRUE(r.end) << r.stderr_text;
    ASSERT_EQ(r.end->exit_code, 0) << r.stderr_text;
  }
  void TearDown() override { fs::remove_all(outside_); }

  void expect_untouched() {
    EXPECT_EQ(slurp(outside_ / "secret.txt"), "top secret");
    EXPECT_EQ(std::distance(fs::directory_iterator(outside_), fs::directory_iterator()), 1);
  }

  fs::path outside_;
};

TEST_F(Confinement, ReadsCannotLeaveTheRoot) {
  auto client = envd();
  const std::string secret = (outside_ / "secret.txt").string();
  for (const std::string& path : {secret, "../../../../../.." + secret, "/home/user/escape" + secret,
                                  std::string("/home/user/hostdir/secret.txt")}) {
    auto res = client->Get(("/files?path=" + httplib::detail::encode_query_param(path)).c_str());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path << ": " << res->body;
    EXPECT_EQ(res->body.find("top secret"), std::string::npos);
    expect_connect_error(rpc("filesystem.Filesystem/Stat", json{{"path", path}}), 404, "not_found");
  }
  expect_untouched();
}

TEST_F(Confinement, WritesCannotLeaveTheRoot) {
  auto client = envd();
  const std::string target = (outside_ / "written.txt").string();
  for (const std::string& path : {target, "/../../../../.." + target, "/home/user/escape" + target,
                                  std::string("/home/user/hostdir/written.txt")}) {
    auto res = client->Post(("/files?path=" + httplib::detail::encode_query_param(path)).c_str(), "evil",
                            "application/octet-stream");
    ASSERT_TRUE(res);
    // Either refused or written inside the sandbox; never outside.
    EXPECT_TRUE(res->status == 200 || res->status == 400 || res->status == 404) << res->status;
    rpc("filesystem.Filesystem/MakeDir", json{{"path", path + ".d"}});
    rpc("filesystem.Filesystem/Move", json{{"source", "/home/user/.profile-none"}, {"destination", path + ".m"}});
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_FALSE(fs::exists(target + ".d"));
  expect_untouched();
  // What was written landed in the sandbox's own tree.
  EXPECT_TRUE(fs::exists(server_.state_dir() + "/" + id_ + target));
}

TEST_F(Confinement, RemoveAndMoveCannotReachOut) {
  const std::string secret = (outside_ / "secret.txt").string();
  for (const std::string& path : {secret, "/home/user/escape" + secret, std::string("/home/user/hostdir/secret.txt"),
                                  std::string("/home/user/hostdir")}) {
    rpc("filesystem.Filesystem/Remove", json{{"path", path}});
    rpc("filesystem.Filesystem/Move", json{{"source", path}, {"destination", "/stolen"}});
  }
  expect_untouched();
  // Removing the planted link removes the link, not what it points at.
  EXPECT_FALSE(envd()->Get("/files?path=/stolen")->body.find("top secret") != std::string::npos);
}

TEST_F(Confinement, ListDirThroughALinkStaysInside) {
  auto res = rpc("filesystem.Filesystem/ListDir", json{{"path", "/home/user/hostdir"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404) << res->body;  // the link's host path does not exist inside
  res = rpc("filesystem.Filesystem/ListDir", json{{"path", "/home/user/escape"}, {"depth", 2}});
  ASSERT_EQ(res->status, 200);
  const auto listed = json::parse(res->body);
  for (const auto& e : listed["entries"]) {
    EXPECT_NE(e["name"], "secret.txt");
    EXPECT_TRUE(e["path"].get<std::string>().starts_with("/home/user/escape/")) << e.dump();
  }
}

// What a command does stays in its sandbox too, as root as well as user: the
// host's paths are the sandbox's own, and nothing that reaches past the
// namespaces is permitted (mounts, devices, sysctls, the host's processes and ports).
TEST_F(Confinement, ACommandReachesNothingOfTheHost) {
  if (server_.executor_name() != "bwrap") GTEST_SKIP() << "the host executor isolates nothing, by design";
  const std::string attempts[] = {
      "ls " + outside_.string() + "/secret.txt",
      "touch /usr/escaped",
      "mount -t tmpfs none /tmp",
      "mknod /tmp/disk b 8 0",
      "echo 1 > /proc/sys/kernel/sysrq",
      "echo escaped > /proc/sys/kernel/hostname",
      "kill -0 " + std::to_string(::getpid()),
      "exec 3<>/dev/tcp/127.0.0.1/" + std::to_string(server_.port()),
      "cat " + server_.state_dir() + "/" + id_ + "/etc/passwd",
  };
  for (const auto& headers : {httplib::Headers{}, httplib::Headers{{"Authorization", "Basic cm9vdDo="}}}) {
    // The host's path, written to, is a path of the sandbox's own root.
    std::string script = "mkdir -p " + outside_.string() + " && echo evil > " + outside_.string() + "/written.txt; ";
    std::string held;
    for (std::size_t i = 0; i < std::size(attempts); ++i) {
      script += "( " + attempts[i] + " ) >/dev/null 2>&1 && echo escaped-" + std::to_string(i) + " || echo held-" +
                std::to_string(i) + "; ";
      held += "held-" + std::to_string(i) + "\n";
    }
    const auto r = run(script, json::object(), headers);
    EXPECT_EQ(r.stdout_text, held) << r.stderr_text;
  }
  expect_untouched();
  EXPECT_FALSE(fs::exists("/usr/escaped"));
  // The host path a command wrote to was its sandbox's own.
  EXPECT_EQ(slurp(server_.state_dir() + "/" + id_ + outside_.string() + "/written.txt"), "evil\n");
}

TEST(NormalizePath, CleansAgainstHome) {
  using ppio_mock::exec::normalize_path;
  EXPECT_EQ(normalize_path("a/b"), "/home/user/a/b");
  EXPECT_EQ(normalize_path("~"), "/home/user");
  EXPECT_EQ(normalize_path("~/x/./y//z"), "/home/user/x/y/z");
  EXPECT_EQ(normalize_path("/../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(normalize_path("../../../.."), "/");
  EXPECT_EQ(normalize_path("x", "/root"), "/root/x");
}

}  // namespace
}  // namespace envd_test
