// Signed /files URLs: on a secure sandbox, GET and POST /files without X-Access-Token
// need envd's `signature` (and an unexpired `signature_expiration`, on the fake's clock).
#include "envd_fixture.hpp"
#include "ppio_sandbox/core/file_signature.hpp"

namespace envd_test {
namespace {

using ppio_sandbox::core::file_signature;

TEST(FileSignature, IsEnvdsV1HashOfPathOperationUserTokenAndExpiration) {
  // Computed with `printf '<text>' | openssl dgst -sha256 -binary | base64`, padding dropped.
  EXPECT_EQ(file_signature("/a.txt", "read", "", "tok"), "v1_EV/DvoS4mUiocl2RlxlZEymBC6EMYhkDL6kq8QBzt6g");
  EXPECT_EQ(file_signature("/home/user/a b.txt", "write", "root", "tok", 1700000000),
            "v1_PJVO6h+BK+o1H5+n/R4IeufR75fIodZmDSpCGxXnQ0g");
}

class SignedFiles : public EnvdTest {
 protected:
  void SetUp() override {
    EnvdTest::SetUp();
    secure_ = create_sandbox(json{{"templateID", "base"}, {"secure", true}, {"timeout", 3600}});
    ASSERT_EQ(tokens_.count(secure_), 1u);
    token_ = tokens_[secure_];
    ASSERT_EQ(envd(secure_)->Post("/files?path=/home/user/s.txt", "secret", "application/octet-stream")->status, 200);
  }

  // A client that names the secure sandbox but carries no access token, as a browser with a signed URL.
  std::unique_ptr<httplib::Client> bare() const {
    auto client = std::make_unique<httplib::Client>(server_.url());
    client->set_default_headers({{"E2b-Sandbox-Id", secure_}});
    return client;
  }

  std::int64_t now_seconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(server_.clock().now().time_since_epoch()).count();
  }

  static std::string query(const httplib::Params& params) { return httplib::append_query_params("/files", params); }

  static void expect_401(const httplib::Result& res, const std::string& message) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << res->body;
    EXPECT_EQ(json::parse(res->body), json({{"code", 401}, {"message", message}})) << res->body;
  }

  std::string secure_;
  std::string token_;
};

TEST_F(SignedFiles, ASignedDownloadAndUploadWorkWithoutTheToken) {
  auto res = bare()->Get(query({{"path", "/home/user/s.txt"},
                                {"signature", file_signature("/home/user/s.txt", "read", "", token_)}}));
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->body, "secret");

  const auto exp = now_seconds() + 60;
  res = bare()->Post(query({{"path", "up.txt"},
                            {"username", "root"},
                            {"signature", file_signature("up.txt", "write", "root", token_, exp)},
                            {"signature_expiration", std::to_string(exp)}}),
                     "uploaded", "application/octet-stream");
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(json::parse(res->body)[0]["path"], "/root/up.txt");  // relative to root's home
  EXPECT_EQ(envd(secure_)->Get("/files?path=/root/up.txt")->body, "uploaded");
}

TEST_F(SignedFiles, MissingForgedAndExpiredSignaturesGetEnvds401) {
  expect_401(bare()->Get(query({{"path", "/home/user/s.txt"}})), "missing signature query parameter");
  expect_401(bare()->Post(query({{"path", "/home/user/new.txt"}}), "x", "application/octet-stream"),
             "missing signature query parameter");
  // Signed for another path, another operation, another user, or with another token.
  for (const auto& sig : {file_signature("/home/user/other.txt", "read", "", token_),
                          file_signature("/home/user/s.txt", "write", "", token_),
                          file_signature("/home/user/s.txt", "read", "root", token_),
                          file_signature("/home/user/s.txt", "read", "", token_ + "x")}) {
    expect_401(bare()->Get(query({{"path", "/home/user/s.txt"}, {"signature", sig}})), "invalid signature");
  }
  // The expiration is part of what is signed: a later one is a forgery.
  const auto exp = now_seconds() + 60;
  const auto signed_exp = file_signature("/home/user/s.txt", "read", "", token_, exp);
  expect_401(bare()->Get(query({{"path", "/home/user/s.txt"},
                                {"signature", signed_exp},
                                {"signature_expiration", std::to_string(exp + 3600)}})),
             "invalid signature");
  const httplib::Params good{
      {"path", "/home/user/s.txt"}, {"signature", signed_exp}, {"signature_expiration", std::to_string(exp)}};
  ASSERT_EQ(bare()->Get(query(good))->status, 200);
  server_.clock().advance(std::chrono::seconds(61));
  expect_401(bare()->Get(query(good)), "signature is already expired");
  // An upload with an expired signature writes nothing.
  const auto up = file_signature("/home/user/late.txt", "write", "", token_, exp);
  expect_401(bare()->Post(query({{"path", "/home/user/late.txt"},
                                 {"signature", up},
                                 {"signature_expiration", std::to_string(exp)}}),
                          "late", "application/octet-stream"),
             "signature is already expired");
  expect_connect_error(rpc("filesystem.Filesystem/Stat", json{{"path", "/home/user/late.txt"}}, secure_), 404,
                       "not_found");

  auto res = bare()->Get(query({{"path", "/home/user/s.txt"}, {"signature", signed_exp}, {"signature_expiration", "soon"}}));
  ASSERT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(json::parse(res->body)["code"], 400);
}

TEST_F(SignedFiles, TheTokenHeaderStillWorksAndAWrongOneIsRefused) {
  EXPECT_EQ(envd(secure_)->Get("/files?path=/home/user/s.txt")->body, "secret");
  auto res = bare()->Get("/files?path=/home/user/s.txt", {{"X-Access-Token", "wrong"}});
  EXPECT_EQ(res->status, 401);
}

TEST_F(SignedFiles, UnsignedRequestsOnANonSecureSandboxKeepWorking) {
  const std::string open_id = create_sandbox(json{{"templateID", "base"}, {"secure", false}});
  ASSERT_FALSE(tokens_.contains(open_id));
  httplib::Client plain(server_.url());
  const httplib::Headers to_open{{"E2b-Sandbox-Id", open_id}};
  ASSERT_EQ(plain.Post("/files?path=/open.txt", to_open, "open", "application/octet-stream")->status, 200);
  EXPECT_EQ(plain.Get("/files?path=/open.txt", to_open)->body, "open");
}

}  // namespace
}  // namespace envd_test
