// SandboxDirs as the registry's storage: snapshots and forks are real copies
// of a sandbox's root, on disk, taken at that moment.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "mockserver/envd/sandbox_dirs.hpp"
#include "mockserver/envd/tree_copy.hpp"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
}

struct stat lstat_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st;
}

class TreeCopy : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ppio-tree-copy-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    state_dir_ = tmpl;
    dirs_ = std::make_unique<ppio_mock::envd::SandboxDirs>(state_dir_);
    root_ = dirs_->get("isource")->host_root();
    // A little of everything a sandbox's root may hold.
    write(root_ / "app/hello.txt", "hello\n");
    ::chmod((root_ / "app/hello.txt").c_str(), 0640);
    fs::create_directories(root_ / "app/private");
    write(root_ / "app/private/run.sh", "#!/bin/sh\necho run\n");
    ::chmod((root_ / "app/private/run.sh").c_str(), 0755);
    ::chmod((root_ / "app/private").c_str(), 0710);
    fs::create_symlink("hello.txt", root_ / "app/link");
    fs::create_symlink("/", root_ / "app/escape");  // a link planted to reach the host
    fs::create_symlink("/etc/passwd", root_ / "app/passwd");
    ASSERT_EQ(::mkfifo((root_ / "app/pipe").c_str(), 0600), 0);
    ::chmod((root_ / "app/pipe").c_str(), 0620);  // past the umask
    if (::geteuid() == 0) {
      ASSERT_EQ(::lchown((root_ / "app/hello.txt").c_str(), 1000, 1000), 0);
    }
  }

  void TearDown() override {
    dirs_.reset();
    fs::remove_all(state_dir_);
  }

  // The copy at `copy` has the tree SetUp made, with its modes, links and owners.
  void expect_same_tree(const fs::path& copy) {
    EXPECT_EQ(read(copy / "app/hello.txt"), "hello\n");
    EXPECT_EQ(lstat_of(copy / "app/hello.txt").st_mode & 07777, 0640u);
    EXPECT_EQ(lstat_of(copy / "app/private").st_mode & 07777, 0710u);
    EXPECT_EQ(lstat_of(copy / "app/private/run.sh").st_mode & 07777, 0755u);
    EXPECT_EQ(read(copy / "app/private/run.sh"), "#!/bin/sh\necho run\n");
    EXPECT_TRUE(S_ISLNK(lstat_of(copy / "app/link").st_mode));
    EXPECT_EQ(fs::read_symlink(copy / "app/link"), "hello.txt");
    // Links are copied as links: nothing they point to outside the root comes along.
    EXPECT_TRUE(S_ISLNK(lstat_of(copy / "app/escape").st_mode));
    EXPECT_EQ(fs::read_symlink(copy / "app/escape"), "/");
    EXPECT_TRUE(S_ISLNK(lstat_of(copy / "app/passwd").st_mode));
    EXPECT_TRUE(S_ISFIFO(lstat_of(copy / "app/pipe").st_mode));
    EXPECT_EQ(lstat_of(copy / "app/pipe").st_mode & 07777, 0620u);
    EXPECT_TRUE(S_ISLNK(lstat_of(copy / "bin").st_mode)) << "the skeleton's links too";
    if (::geteuid() == 0) {
      EXPECT_EQ(lstat_of(copy / "app/hello.txt").st_uid, 1000u);
    }
  }

  fs::path state_dir_;
  fs::path root_;
  std::unique_ptr<ppio_mock::envd::SandboxDirs> dirs_;
};

TEST_F(TreeCopy, ASnapshotIsACopyOfThatMomentAndLaterWritesStayOnTheirSide) {
  dirs_->save_snapshot("isource", "tpl_default");
  const fs::path snapshot = state_dir_ / ".snapshots/tpl_default";
  expect_same_tree(snapshot);
  write(root_ / "app/hello.txt", "changed after the snapshot\n");
  write(root_ / "app/new.txt", "new");
  EXPECT_EQ(read(snapshot / "app/hello.txt"), "hello\n");
  EXPECT_FALSE(fs::exists(snapshot / "app/new.txt"));

  dirs_->restore_snapshot("tpl_default", "irestored");
  const fs::path restored = dirs_->get("irestored")->host_root();
  expect_same_tree(restored);
  write(restored / "app/hello.txt", "written in the new sandbox\n");
  EXPECT_EQ(read(snapshot / "app/hello.txt"), "hello\n");
  EXPECT_EQ(read(root_ / "app/hello.txt"), "changed after the snapshot\n");
}

TEST_F(TreeCopy, AForkStartsWithTheSourceFilesAndThenGoesItsOwnWay) {
  dirs_->copy_sandbox("isource", "ifork");
  const fs::path fork = dirs_->get("ifork")->host_root();
  expect_same_tree(fork);
  write(fork / "app/hello.txt", "fork");
  EXPECT_EQ(read(root_ / "app/hello.txt"), "hello\n");
}

TEST_F(TreeCopy, ASandboxNothingTouchedYetCopiesAsItsSkeleton) {
  dirs_->copy_sandbox("iuntouched", "icopy");
  EXPECT_TRUE(fs::is_directory(dirs_->get("icopy")->host_root() + "/home/user"));
}

TEST_F(TreeCopy, DeletedOrMissingSnapshotsCannotBeRestored) {
  dirs_->save_snapshot("isource", "gone_default");
  dirs_->delete_snapshot("gone_default");
  EXPECT_FALSE(fs::exists(state_dir_ / ".snapshots/gone_default"));
  EXPECT_THROW(dirs_->restore_snapshot("gone_default", "inew"), std::runtime_error);
  EXPECT_FALSE(fs::exists(state_dir_ / "inew")) << "a failed copy leaves nothing behind";
  EXPECT_THROW(dirs_->save_snapshot("isource", "../escape"), std::invalid_argument);
}

TEST_F(TreeCopy, CopyTreeRefusesASymlinkAsItsSourceAndAnExistingTarget) {
  fs::create_symlink(root_, state_dir_ / "link-to-root");
  EXPECT_THROW(ppio_mock::envd::copy_tree(state_dir_ / "link-to-root", state_dir_ / "out"), std::runtime_error);
  fs::create_directories(state_dir_ / "exists");
  EXPECT_THROW(ppio_mock::envd::copy_tree(root_, state_dir_ / "exists"), std::runtime_error);
}

TEST_F(TreeCopy, SnapshotsLeftByAnEarlierRunAreRemovedAtStart) {
  dirs_->save_snapshot("isource", "old_default");
  dirs_.reset();
  dirs_ = std::make_unique<ppio_mock::envd::SandboxDirs>(state_dir_);
  EXPECT_FALSE(fs::exists(state_dir_ / ".snapshots/old_default"));
  EXPECT_TRUE(fs::exists(root_ / "app/hello.txt")) << "sandbox roots are left alone";
}

}  // namespace
