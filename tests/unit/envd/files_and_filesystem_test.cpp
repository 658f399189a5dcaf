// envd's HTTP endpoints and filesystem.Filesystem over real HTTP, with the
// three ways of reaching a sandbox and the edge's errors.
#include "envd_fixture.hpp"

namespace envd_test {
namespace {

using Files = EnvdTest;

httplib::Result upload(httplib::Client& client, const std::string& query, const std::string& filename,
                       const std::string& content) {
  httplib::MultipartFormDataItems items{{"file", content, filename, "application/octet-stream"}};
  return client.Post(("/files" + query).c_str(), items);
}

TEST_F(Files, HealthIs204ForEnvdTrafficAnd200ForTheControlPlane) {
  auto res = envd()->Get("/health");
  EXPECT_EQ(res->status, 204);
  httplib::Client plain(server_.url());
  res = plain.Get("/health");
  EXPECT_EQ(res->status, 200);
  res = plain.Get(("/envd/" + id_ + "/health").c_str());
  EXPECT_EQ(res->status, 204);
  res = plain.Get("/health", {{"Host", "49983-" + id_ + ".sandbox.example"}});
  EXPECT_EQ(res->status, 204);
  res = plain.Get("/health", {{"Novita-Sandbox-Id", id_}});
  EXPECT_EQ(res->status, 204);
  // What ppio-sandbox (Python) sends with PPIO_SANDBOX_URL.
  res = plain.Get("/health", {{"PPIO-Sandbox-Id", id_}, {"PPIO-Sandbox-Port", "49983"}});
  EXPECT_EQ(res->status, 204);
  res = plain.Get("/health", {{"PPIO-Sandbox-Id", "nosuchsandbox"}});
  EXPECT_EQ(res->status, 502);
}

TEST_F(Files, UnknownAndKilledSandboxesGetTheEdge502AndPausedOnesItsPaused409) {
  const auto expect_502 = [](const httplib::Result& res, const std::string& id) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 502);
    EXPECT_EQ(json::parse(res->body),
              (json{{"sandboxId", id}, {"message", "The sandbox was not found"}, {"code", 502}}));
  };
  expect_502(envd("nosuchsandbox")->Get("/health"), "nosuchsandbox");
  expect_502(envd("nosuchsandbox")->Get("/files?path=/etc/x"), "nosuchsandbox");
  expect_502(rpc("filesystem.Filesystem/Stat", json{{"path", "/"}}, "nosuchsandbox"), "nosuchsandbox");
  ASSERT_EQ(api_->Post("/sandboxes/" + id_ + "/pause", "", "application/json")->status, 204);
  // E2B's proxy: a paused sandbox without autoResume is not resumed by traffic.
  const auto expect_paused = [this](const httplib::Result& res) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 409);
    EXPECT_EQ(json::parse(res->body),
              (json{{"sandboxId", id_}, {"message", "The sandbox is paused"}, {"code", 409}, {"canAutoResume", false}}));
  };
  expect_paused(envd()->Get("/health"));
  expect_paused(rpc("filesystem.Filesystem/Stat", json{{"path", "/"}}));
  ASSERT_EQ(api_->Post("/sandboxes/" + id_ + "/connect", R"({"timeout": 60})", "application/json")->status, 201);
  EXPECT_EQ(envd()->Get("/health")->status, 204);
  ASSERT_EQ(api_->Delete("/sandboxes/" + id_)->status, 204);
  expect_502(envd()->Get("/health"), id_);
  expect_502(upload(*envd(), "?path=/a", "a", "x"), id_);
}

TEST_F(Files, UploadThenDownloadByEveryRoute) {
  auto client = envd();
  auto res = upload(*client, "?path=/app/x.py", "ignored", "print(1)\n");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body), json::parse(R"([{"path":"/app/x.py","name":"x.py","type":"file"}])"));
  res = client->Get("/files?path=/app/x.py");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "print(1)\n");
  EXPECT_EQ(res->get_header_value("Content-Disposition"), "inline; filename=\"x.py\"");
  httplib::Client plain(server_.url());
  httplib::Headers token;  // a secure sandbox's /files wants its token (or a signed URL)
  if (tokens_.contains(id_)) token.emplace("X-Access-Token", tokens_[id_]);
  EXPECT_EQ(plain.Get(("/envd/" + id_ + "/files?path=/app/x.py").c_str(), token)->body, "print(1)\n");
  httplib::Headers by_host = token;
  by_host.emplace("Host", "49983-" + id_ + "-6532622b.localhost");
  EXPECT_EQ(plain.Get("/files?path=/app/x.py", by_host)->body, "print(1)\n");
  // The command sees the same file at the same path.
  EXPECT_EQ(run("cat /app/x.py").stdout_text, "print(1)\n");
}

TEST_F(Files, MultipartFilenamesArePathsAndOctetStreamNeedsAPath) {
  auto client = envd();
  httplib::MultipartFormDataItems items{{"file", "one", "/data/deep/a.txt", "text/plain"},
                                        {"other", "ignored", "/data/ignored.txt", "text/plain"},
                                        {"file", "two", "rel/b.txt", "text/plain"}};
  auto res = client->Post("/files", items);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto entries = json::parse(res->body);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0]["path"], "/data/deep/a.txt");
  EXPECT_EQ(entries[1]["path"], "/home/user/rel/b.txt");
  EXPECT_EQ(client->Get("/files?path=~/rel/b.txt")->body, "two");
  EXPECT_EQ(client->Get("/files?path=rel/b.txt")->body, "two");
  EXPECT_EQ(client->Get("/files?path=/data/ignored.txt")->status, 404);

  std::string binary(70000, '\0');
  for (std::size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
  res = client->Post("/files?path=/bin.dat", binary, "application/octet-stream");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(client->Get("/files?path=/bin.dat")->body, binary);

  res = client->Post("/files", "x", "application/octet-stream");
  EXPECT_EQ(res->status, 400);
  res = client->Post("/files?path=/x", "x", "text/plain");
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["code"], 400);
  httplib::MultipartFormDataItems twice{{"file", "1", "/same", ""}, {"file", "2", "/same", ""}};
  EXPECT_EQ(client->Post("/files", twice)->status, 400);
}

bool call_is_directory(httplib::Client& client, const std::string& path) {
  // Downloading a directory is envd's 400 "is a directory".
  const auto res = client.Get("/files?path=" + path);
  return res && res->status == 400;
}

// A raw multipart body, so that it can be malformed on purpose.
httplib::Result post_multipart(httplib::Client& client, const std::string& target, const std::string& content_type,
                               const std::string& body) {
  return client.Post(target, body, content_type.c_str());
}

// Found by fuzz_multipart_upload: a path that is not UTF-8 made the answer's JSON throw (a 500).
TEST_F(Files, APathThatIsNotUtf8IsWrittenAndAnsweredAsGoWritesIt) {
  auto client = envd();
  const auto res = client->Post("/files?path=/data/b%94d.txt", "bytes", "application/octet-stream");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const auto answer = json::parse(res->body);  // valid JSON: the odd byte is U+FFFD, as Go's encoder writes it
  ASSERT_TRUE(answer.is_array() && answer.size() == 1u) << res->body;
  EXPECT_EQ(answer[0]["path"], "/data/b\xEF\xBF\xBD" "d.txt");
  EXPECT_EQ(client->Get("/files?path=/data/b%94d.txt")->body, "bytes");
  EXPECT_EQ(server_.unexpected_errors(), 0u);
}

TEST_F(Files, MalformedMultipartIs400AndLeavesEveryFileAsItWas) {
  auto client = envd();
  ASSERT_EQ(client->Post("/files?path=/data/keep.txt", "original", "application/octet-stream")->status, 200);
  const std::string part = "--XB\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x\"\r\n\r\nnew bytes";
  struct Case {
    std::string what;
    std::string type;
    std::string body;
  };
  for (const auto& c : {Case{"a final boundary cut off", "multipart/form-data; boundary=XB", part},
                        Case{"no boundary parameter", "multipart/form-data", part + "\r\n--XB--\r\n"},
                        Case{"no part named file", "multipart/form-data; boundary=XB",
                             "--XB\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\nv\r\n--XB--\r\n"},
                        Case{"an empty part name", "multipart/form-data; boundary=XB",
                             "--XB\r\nContent-Disposition: form-data; name=\"\"; filename=\"x\"\r\n\r\nv\r\n--XB--\r\n"},
                        Case{"no parts at all", "multipart/form-data; boundary=XB", "--XB--\r\n"}}) {
    const auto res = post_multipart(*client, "/files?path=/data/keep.txt", c.type, c.body);
    ASSERT_TRUE(res) << c.what;
    EXPECT_EQ(res->status, 400) << c.what << ": " << res->body;
    EXPECT_EQ(json::parse(res->body)["code"], 400) << c.what;
    EXPECT_EQ(client->Get("/files?path=/data/keep.txt")->body, "original") << c.what;
  }
  // Nothing half-written is left beside the file either.
  const auto listed = rpc("filesystem.Filesystem/ListDir", json{{"path", "/data"}});
  ASSERT_EQ(listed->status, 200) << listed->body;
  const auto entries = json::parse(listed->body)["entries"];
  ASSERT_EQ(entries.size(), 1u) << listed->body;
  EXPECT_EQ(entries[0]["name"], "keep.txt");
}

TEST_F(Files, AnUploadRefusedHalfwayWritesNoneOfItsFiles) {
  auto client = envd();
  httplib::MultipartFormDataItems twice{
      {"file", "first", "/data/a.txt", ""}, {"file", "second", "/data/b.txt", ""}, {"file", "again", "/data/a.txt", ""}};
  EXPECT_EQ(client->Post("/files", twice)->status, 400);
  EXPECT_EQ(client->Get("/files?path=/data/a.txt")->status, 404);
  EXPECT_EQ(client->Get("/files?path=/data/b.txt")->status, 404);
  // A directory as the target is refused before any byte is written.
  ASSERT_EQ(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/data/dir"}})->status, 200);
  const auto into_dir = client->Post("/files?path=/data/dir", "x", "application/octet-stream");
  EXPECT_EQ(into_dir->status, 400) << into_dir->body;
  EXPECT_TRUE(call_is_directory(*client, "/data/dir"));
}

TEST_F(Files, DownloadErrors) {
  auto client = envd();
  auto res = client->Get("/files?path=/app");
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["code"], 400);
  res = client->Get("/files?path=/missing.txt");
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body)["message"], "path '/missing.txt' does not exist");
  EXPECT_EQ(client->Get("/files")->status, 400);
  EXPECT_EQ(client->Get("/files?path=/x&username=nobody")->status, 401);
}

// A Range names bytes of the file: an error answered instead is sent whole, as
// envd (Go's http.ServeContent) sends it. httplib would slice any body to the
// range, so a client reading a small file from a sandbox that just ended got
// 16 bytes of "The sandbox was not found" and could not tell what it was.
TEST_F(Files, ARangeSlicesTheFileButNeverAnError) {
  const httplib::Headers range{{"Range", "bytes=0-15"}};
  auto res = envd("nosuchsandbox")->Get("/files?path=/etc/x", range);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 502);
  EXPECT_FALSE(res->has_header("Content-Range"));
  EXPECT_EQ(json::parse(res->body, nullptr, false),
            (json{{"sandboxId", "nosuchsandbox"}, {"message", "The sandbox was not found"}, {"code", 502}}));
  res = envd()->Get("/files?path=/missing.txt", range);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  EXPECT_EQ(json::parse(res->body, nullptr, false).value("message", ""), "path '/missing.txt' does not exist");
  ASSERT_EQ(upload(*envd(), "?path=/r.txt", "r.txt", "0123456789abcdefghij")->status, 200);
  res = envd()->Get("/files?path=/r.txt", {{"Range", "bytes=4-7"}});
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 206);
  EXPECT_EQ(res->body, "4567");
}

TEST_F(Files, EnvsAndMetrics) {
  auto res = envd()->Get("/envs");
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["FROM_CREATE"], "yes");
  res = envd()->Get("/metrics");
  ASSERT_EQ(res->status, 200);
  const auto m = json::parse(res->body);
  for (const char* field : {"ts", "cpu_count", "cpu_used_pct", "mem_total", "mem_used", "disk_used", "disk_total"}) {
    EXPECT_TRUE(m.contains(field)) << field;
  }
}

TEST_F(Files, FilesystemUnaryCalls) {
  ASSERT_EQ(upload(*envd(), "?path=/w/a.txt", "", "hello")->status, 200);
  auto res = rpc("filesystem.Filesystem/Stat", json{{"path", "/w/a.txt"}});
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  auto entry = json::parse(res->body)["entry"];
  EXPECT_EQ(entry["type"], "FILE_TYPE_FILE");
  EXPECT_EQ(entry["size"], "5");
  EXPECT_EQ(entry["name"], "a.txt");
  EXPECT_EQ(entry["path"], "/w/a.txt");
  EXPECT_TRUE(entry["modifiedTime"].is_string());

  res = rpc("filesystem.Filesystem/MakeDir", json{{"path", "/w/d1/d2"}});
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["entry"]["type"], "FILE_TYPE_DIRECTORY");
  expect_connect_error(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/w/d1/d2"}}), 409, "already_exists");
  expect_connect_error(rpc("filesystem.Filesystem/MakeDir", json{{"path", "/w/a.txt"}}), 400, "invalid_argument");

  res = rpc("filesystem.Filesystem/ListDir", json{{"path", "/w"}});
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body)["entries"].size(), 2u);  // a.txt, d1
  res = rpc("filesystem.Filesystem/ListDir", json{{"path", "/w"}, {"depth", 3}});
  EXPECT_EQ(json::parse(res->body)["entries"].size(), 3u);  // and d1/d2
  expect_connect_error(rpc("filesystem.Filesystem/ListDir", json{{"path", "/w/a.txt"}}), 400, "invalid_argument");
  expect_connect_error(rpc("filesystem.Filesystem/ListDir", json{{"path", "/nope"}}), 404, "not_found");

  res = rpc("filesystem.Filesystem/Move", json{{"source", "/w/a.txt"}, {"destination", "/w/d1/b.txt"}});
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)["entry"]["path"], "/w/d1/b.txt");
  expect_connect_error(rpc("filesystem.Filesystem/Move", json{{"source", "/w/a.txt"}, {"destination", "/x"}}), 404,
                       "not_found");
  expect_connect_error(rpc("filesystem.Filesystem/Stat", json{{"path", "/w/a.txt"}}), 404, "not_found");

  EXPECT_EQ(rpc("filesystem.Filesystem/Remove", json{{"path", "/w"}})->status, 200);
  EXPECT_EQ(rpc("filesystem.Filesystem/Remove", json{{"path", "/w"}})->status, 200);  // missing: fine
  expect_connect_error(rpc("filesystem.Filesystem/Stat", json{{"path", "/w"}}), 404, "not_found");
  expect_connect_error(rpc("filesystem.Filesystem/Stat", json::object()), 400, "invalid_argument");
  expect_connect_error(rpc("filesystem.Filesystem/Frobnicate", json::object()), 501, "unimplemented");
}

// A name longer than the filesystem takes is the client's mistake: 400, never a 500
// (found by fuzz_envd_rpc_bodies; envd itself says internal).
TEST_F(Files, ANameTooLongIsInvalidArgumentInEveryCall) {
  const std::string path = "/home/user/" + std::string(300, 'n');
  for (const char* call : {"filesystem.Filesystem/MakeDir", "filesystem.Filesystem/Stat",
                           "filesystem.Filesystem/ListDir", "filesystem.Filesystem/Remove"}) {
    const auto res = rpc(call, json{{"path", path}});
    ASSERT_TRUE(res) << call;
    if (res->status == 200) continue;  // Remove of what cannot exist is fine, as of anything missing
    expect_connect_error(res, 400, "invalid_argument");
    EXPECT_NE(res->body.find("file name too long"), std::string::npos) << call << ": " << res->body;
  }
  auto res = upload(*envd(), "?path=" + path, "", "x");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(envd()->Get(("/files?path=" + path).c_str())->status, 400);
}

class SmallBodies : public EnvdTest {
 protected:
  SmallBodies() : EnvdTest({.max_body_bytes = 4096}) {}
};

TEST_F(SmallBodies, OversizedRpcBodiesAreRefusedButUploadsAreNot) {
  auto res = envd()->Post("/filesystem.Filesystem/Stat", std::string(8000, ' '), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
  res = envd()->Post("/files?path=/big.bin", std::string(100000, 'b'), "application/octet-stream");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(envd()->Get("/files?path=/big.bin")->body.size(), 100000u);
}

TEST_F(Files, RemovingTheSandboxDeletesItsFilesAndPauseKeepsThem) {
  ASSERT_EQ(upload(*envd(), "?path=/keep.txt", "", "kept")->status, 200);
  ASSERT_EQ(api_->Post("/sandboxes/" + id_ + "/pause", "", "application/json")->status, 204);
  ASSERT_EQ(api_->Post("/sandboxes/" + id_ + "/connect", R"({"timeout": 60})", "application/json")->status, 201);
  EXPECT_EQ(envd()->Get("/files?path=/keep.txt")->body, "kept");
  const std::string root = server_.state_dir() + "/" + id_;
  EXPECT_TRUE(std::filesystem::exists(root + "/keep.txt"));
  ASSERT_EQ(api_->Delete("/sandboxes/" + id_)->status, 204);
  EXPECT_FALSE(std::filesystem::exists(root));
}

class SecureFiles : public EnvdTest {
 protected:
  void SetUp() override {
    EnvdTest::SetUp();
    secure_id_ = create_sandbox(json{{"templateID", "base"}, {"secure", true}});
  }
  std::string secure_id_;
};

TEST_F(SecureFiles, TheAccessTokenIsEnforcedExceptOnHealth) {
  ASSERT_EQ(tokens_.count(secure_id_), 1u);
  httplib::Client plain(server_.url());
  const httplib::Headers no_token{{"E2b-Sandbox-Id", secure_id_}};
  auto res = plain.Post("/filesystem.Filesystem/Stat", no_token, R"({"path":"/"})", "application/json");
  ASSERT_EQ(res->status, 401);
  EXPECT_EQ(json::parse(res->body),
            json::parse(R"({"code":401,"message":"unauthorized access, please provide a valid access token or method signing if supported"})"));
  httplib::Headers wrong = no_token;
  wrong.emplace("X-Access-Token", "wrong");
  EXPECT_EQ(plain.Post("/filesystem.Filesystem/Stat", wrong, R"({"path":"/"})", "application/json")->status, 401);
  EXPECT_EQ(plain.Get("/envs", no_token)->status, 401);
  EXPECT_EQ(plain.Get("/health", no_token)->status, 204);
  // /files takes a signed URL instead of the token (signed_files_test.cpp); unsigned, it is refused.
  EXPECT_EQ(plain.Get("/files?path=/nope", no_token)->status, 401);
  EXPECT_EQ(rpc("filesystem.Filesystem/Stat", json{{"path", "/"}}, secure_id_)->status, 200);
}

}  // namespace
}  // namespace envd_test
