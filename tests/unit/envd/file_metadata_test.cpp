// envd's per-file metadata (X-Metadata-* on POST /files, user.e2b.* xattrs,
// EntryInfo.metadata) and EntryInfo's fidelity to what a command in the sandbox sees
// (symlink targets resolved inside the root, owner, group, mode, permissions, mtime).
#include <sys/xattr.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <sstream>

#include "envd_fixture.hpp"
#include "mockserver/exec/sandbox_fs.hpp"

namespace envd_test {
namespace {

class Metadata : public EnvdTest {
 protected:
  json stat(const std::string& path) const {
    auto res = rpc("filesystem.Filesystem/Stat", json{{"path", path}});
    EXPECT_TRUE(res && res->status == 200) << (res ? res->body : "no answer");
    return res ? json::parse(res->body)["entry"] : json();
  }
};

httplib::Result upload(httplib::Client& client, const std::string& path, const std::string& content,
                       const httplib::Headers& headers = {}) {
  httplib::MultipartFormDataItems items{{"file", content, path, "application/octet-stream"}};
  return client.Post("/files?path=" + path, headers, items);
}

// The attribute as the host's filesystem holds it; nullopt when absent.
std::optional<std::string> host_xattr(const std::string& host_path, const std::string& name) {
  char buf[4096];
  const auto n = ::getxattr(host_path.c_str(), name.c_str(), buf, sizeof buf);
  if (n < 0) return std::nullopt;
  return std::string(buf, static_cast<std::size_t>(n));
}

TEST_F(Metadata, MultipartAndOctetStreamUploadsKeepTheirMetadataAsUserE2bXattrs) {
  auto res = upload(*envd(), "/w/a.txt", "alpha", {{"X-Metadata-Author", "mish"}, {"x-metadata-PURPOSE", "upload"}});
  ASSERT_EQ(res->status, 200) << res->body;
  const json want{{"author", "mish"}, {"purpose", "upload"}};
  EXPECT_EQ(json::parse(res->body), json::parse(R"([{"path":"/w/a.txt","name":"a.txt","type":"file",
                                                      "metadata":{"author":"mish","purpose":"upload"}}])"));
  const std::string host = server_.state_dir() + "/" + id_ + "/w/a.txt";
  EXPECT_EQ(host_xattr(host, "user.e2b.author"), "mish");
  EXPECT_EQ(host_xattr(host, "user.e2b.purpose"), "upload");
  EXPECT_EQ(stat("/w/a.txt")["metadata"], want);

  res = envd()->Post("/files?path=/w/b.bin", {{"X-Metadata-Kind", "raw"}}, "bytes", "application/octet-stream");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)[0]["metadata"], json({{"kind", "raw"}}));
  EXPECT_EQ(stat("/w/b.bin")["metadata"], json({{"kind", "raw"}}));

  res = rpc("filesystem.Filesystem/ListDir", json{{"path", "/w"}});
  ASSERT_EQ(res->status, 200) << res->body;
  const auto entries = json::parse(res->body)["entries"];
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["metadata"], want);
  EXPECT_EQ(entries[1]["metadata"], json({{"kind", "raw"}}));

  res = rpc("filesystem.Filesystem/Move", json{{"source", "/w/a.txt"}, {"destination", "/w/moved.txt"}});
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["entry"]["metadata"], want);
}

TEST_F(Metadata, AnOverwriteReplacesTheWholeSetAndNoHeadersClearIt) {
  ASSERT_EQ(upload(*envd(), "/f.txt", "v1", {{"X-Metadata-A", "1"}, {"X-Metadata-B", "2"}})->status, 200);
  ASSERT_EQ(upload(*envd(), "/f.txt", "v2", {{"X-Metadata-A", "one"}})->status, 200);
  EXPECT_EQ(stat("/f.txt")["metadata"], json({{"a", "one"}}));
  auto res = envd()->Post("/files?path=/f.txt", "v3", "application/octet-stream");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(json::parse(res->body)[0].contains("metadata")) << res->body;
  const auto entry = stat("/f.txt");
  EXPECT_FALSE(entry.contains("metadata")) << entry;
  EXPECT_EQ(envd()->Get("/files?path=/f.txt")->body, "v3");
}

TEST_F(Metadata, MetadataSetByACommandIsReportedAndForeignOrNonUtf8AttributesAreNot) {
  ASSERT_EQ(upload(*envd(), "/home/user/c.txt", "c")->status, 200);
  const auto out = run(
      "python3 -c \"import os; p='/home/user/c.txt'; os.setxattr(p, 'user.e2b.tool', b'python');"
      " os.setxattr(p, 'user.other', b'not ours'); os.setxattr(p, 'user.e2b.bin', b'\\xff\\xfe')\" && echo set");
  ASSERT_EQ(out.stdout_text, "set\n") << out.stderr_text;
  EXPECT_EQ(stat("/home/user/c.txt")["metadata"], json({{"tool", "python"}}));
}

TEST_F(Metadata, BadMetadataIs400AndWritesNothing) {
  auto res = upload(*envd(), "/bad1.txt", "x", {{"X-Metadata-" + std::string(247, 'k'), "v"}});
  ASSERT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body),
            json({{"code", 400},
                  {"message", "invalid metadata: metadata key \"" + std::string(247, 'k') + "\" exceeds 246 bytes"}}));
  EXPECT_EQ(upload(*envd(), "/ok.txt", "x", {{"X-Metadata-" + std::string(246, 'k'), "v"}})->status, 200);

  httplib::Headers big;
  for (int i = 0; i < 5; ++i) big.emplace("X-Metadata-K" + std::to_string(i), std::string(1000, 'v'));
  res = envd()->Post("/files?path=/bad2.txt", big, "x", "application/octet-stream");
  ASSERT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["message"], "invalid metadata: total metadata size 5055 exceeds 4096 bytes");

  res = envd()->Post("/files?path=/bad3.txt", {{"X-Metadata-K", "tab\there"}}, "x", "application/octet-stream");
  ASSERT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["message"],
            "invalid metadata: metadata value for key \"k\" contains non-printable-ASCII byte 0x09 at offset 3");
  for (const char* path : {"/bad1.txt", "/bad2.txt", "/bad3.txt"}) {
    expect_connect_error(rpc("filesystem.Filesystem/Stat", json{{"path", path}}), 404, "not_found");
  }
}

// A writable mount whose filesystem keeps no user.* attributes (ramfs, vfat, ...), if this
// machine has one: making one needs privileges a test cannot assume.
std::optional<std::string> mount_without_user_xattrs() {
  std::ifstream mounts("/proc/mounts");
  std::string line;
  while (std::getline(mounts, line)) {
    std::istringstream fields(line);
    std::string device, dir, type, options;
    fields >> device >> dir >> type >> options;
    if (type != "ramfs" && type != "vfat" && type != "msdos" && type != "exfat") continue;
    if (!options.starts_with("rw") || ::access(dir.c_str(), W_OK) != 0) continue;
    if (!ppio_mock::exec::user_xattrs_supported(dir)) return dir;
  }
  return std::nullopt;
}

TEST(MetadataWithoutXattrs, TheFakeSaysSoAtStartAndRefusesMetadata) {
  const auto mount = mount_without_user_xattrs();
  if (!mount) GTEST_SKIP() << "no writable mount without user extended attributes on this machine";
  const std::string state_dir = *mount + "/ppio-mock-xattr-test-" + std::to_string(::getpid());
  ::testing::internal::CaptureStderr();
  {
    ppio_mock::ServerConfig config;
    config.envd.state_dir = state_dir;
    ppio_mock::Server server(config);
    server.start();
    const std::string log = ::testing::internal::GetCapturedStderr();
    EXPECT_NE(log.find("has no user extended attributes"), std::string::npos) << log;
    httplib::Client api(server.url());
    api.set_default_headers({{"X-API-Key", ppio_mock::kDefaultApiKey}});
    auto created = api.Post("/sandboxes", R"({"templateID":"base"})", "application/json");
    ASSERT_EQ(created->status, 201);
    const std::string id = json::parse(created->body)["sandboxID"];
    httplib::Client envd(server.url());
    envd.set_default_headers({{"E2b-Sandbox-Id", id}});
    auto res = envd.Post("/files?path=/m.txt", {{"X-Metadata-A", "1"}}, "x", "application/octet-stream");
    ASSERT_EQ(res->status, 400);
    EXPECT_NE(json::parse(res->body)["message"].get<std::string>().find("no user extended attributes"),
              std::string::npos);
    EXPECT_EQ(envd.Post("/files?path=/plain.txt", "x", "application/octet-stream")->status, 200);
  }
  std::filesystem::remove_all(state_dir);
}

using EntryFidelity = Metadata;

TEST_F(EntryFidelity, SymlinksReportTheirTargetResolvedInsideTheSandbox) {
  ASSERT_EQ(upload(*envd(), "/home/user/target.txt", "target", {{"X-Metadata-On", "target"}})->status, 200);
  const std::string host_root = server_.state_dir() + "/" + id_;
  const auto out = run(
      "cd /home/user && chmod 600 target.txt && ln -s /home/user/target.txt abs && ln -s ../user/./target.txt rel && "
      "ln -s / root && ln -s ../../../../../../etc/passwd up && ln -s /nowhere dangling && ln -s abs chain && "
      "ln -s '" + host_root + "/home/user/target.txt' host && echo made");
  ASSERT_EQ(out.stdout_text, "made\n") << out.stderr_text;

  for (const char* name : {"abs", "rel", "chain"}) {
    const auto e = stat(std::string("/home/user/") + name);
    EXPECT_EQ(e["symlinkTarget"], "/home/user/target.txt") << name;
    EXPECT_EQ(e["type"], "FILE_TYPE_FILE") << name;  // the target's type and mode, as envd reports them
    EXPECT_EQ(e["mode"], 0600) << name;
    EXPECT_EQ(e["permissions"], "Lrwxrwxrwx") << name;
    EXPECT_EQ(e["metadata"], json({{"on", "target"}})) << name;
    EXPECT_EQ(e["path"], std::string("/home/user/") + name);
  }
  auto e = stat("/home/user/root");
  EXPECT_EQ(e["symlinkTarget"], "/");
  EXPECT_EQ(e["type"], "FILE_TYPE_DIRECTORY");
  EXPECT_EQ(stat("/home/user/up")["symlinkTarget"], "/etc/passwd");  // ".." stops at the sandbox's "/"
  // Unresolvable: envd names the link itself. A host path means nothing inside the sandbox.
  for (const char* name : {"dangling", "host"}) {
    e = stat(std::string("/home/user/") + name);
    EXPECT_EQ(e["symlinkTarget"], std::string("/home/user/") + name) << e;
    EXPECT_NE(e["type"], "FILE_TYPE_FILE") << e;
    EXPECT_EQ(e.dump().find(server_.state_dir()), std::string::npos) << e;
  }

  auto res = rpc("filesystem.Filesystem/ListDir", json{{"path", "/home/user"}});
  ASSERT_EQ(res->status, 200) << res->body;
  bool listed = false;
  const auto listing = json::parse(res->body);
  for (const auto& entry : listing["entries"]) {
    EXPECT_EQ(entry.dump().find(server_.state_dir()), std::string::npos) << entry;
    if (entry["name"] == "rel") listed = entry["symlinkTarget"] == "/home/user/target.txt";
  }
  EXPECT_TRUE(listed) << res->body;
}

TEST_F(EntryFidelity, OwnerGroupModePermissionsAndMtimeMatchWhatACommandSees) {
  const httplib::Headers as_root{{"Authorization", "Basic cm9vdDo="}};  // "root:"
  auto out = run("export TZ=UTC && mkdir -p /srv/x && touch -d '2024-05-06 07:08:09.123456789' /srv/x/nanos && "
                 "touch -d '2024-05-06 07:08:09.5' /srv/x/half && touch -d '2024-05-06 07:08:09' /srv/x/whole && "
                 "chmod 4755 /srv/x/nanos && chmod 1777 /srv/x && chown user:user /srv/x/half && echo ok",
                 json::object(), as_root);
  ASSERT_EQ(out.stdout_text, "ok\n") << out.stderr_text;
  out = run("stat -c '%n %U %G %a' /srv/x /srv/x/nanos /srv/x/half /srv/x/whole");
  std::istringstream lines(out.stdout_text);
  std::string path, owner, group, octal;
  int checked = 0;
  while (lines >> path >> owner >> group >> octal) {
    const auto e = stat(path);
    EXPECT_EQ(e["owner"], owner) << path;
    EXPECT_EQ(e["group"], group) << path;
    EXPECT_EQ(e["mode"], std::stoul(octal, nullptr, 8) & 0777) << path;  // Go's Perm(): no special bits
    ++checked;
  }
  EXPECT_EQ(checked, 4) << out.stdout_text << out.stderr_text;
  EXPECT_EQ(stat("/srv/x/half")["owner"], "user");
  EXPECT_EQ(stat("/srv/x/whole")["owner"], "root");
  EXPECT_EQ(stat("/srv/x")["permissions"], "dtrwxrwxrwx");  // Go's FileMode.String()
  EXPECT_EQ(stat("/srv/x/nanos")["permissions"], "urwxr-xr-x");
  // protojson's Timestamp: 0, 3, 6 or 9 fractional digits.
  EXPECT_EQ(stat("/srv/x/nanos")["modifiedTime"], "2024-05-06T07:08:09.123456789Z");
  EXPECT_EQ(stat("/srv/x/half")["modifiedTime"], "2024-05-06T07:08:09.500Z");
  EXPECT_EQ(stat("/srv/x/whole")["modifiedTime"], "2024-05-06T07:08:09Z");
}

}  // namespace
}  // namespace envd_test
