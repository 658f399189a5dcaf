// A client's malformed Connect request gets a Connect error, never a 500:
// envelopes that lie, codecs the fake lacks, and content types the procedure
// cannot take (connect-go's 415 with Accept-Post).
#include <string>

#include "tests/unit/envd/envd_fixture.hpp"

namespace envd_test {
namespace {

class ConnectBadInput : public EnvdTest {
 protected:
  // None of it reached a handler's unmapped exception (the fake's 500).
  void TearDown() override { EXPECT_EQ(server_.unexpected_errors(), 0u); }

  // A raw POST of `body` to a streaming procedure, read whole.
  httplib::Result post(const std::string& method, const std::string& body, const std::string& type) const {
    return envd()->Post("/" + method, body, type);
  }

  // The end-stream frame's error of a streaming answer (HTTP 200, as Connect streams end).
  static connect::Error end_stream_error(const httplib::Result& res) {
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 200) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/connect+json");
    connect::FrameDecoder decoder;
    decoder.feed(res->body);
    auto frame = decoder.next();
    EXPECT_TRUE(frame && frame->end_stream()) << res->body;
    if (!frame || !frame->end_stream()) return {};
    auto error = connect::parse_end_stream(frame->payload);
    EXPECT_TRUE(error) << frame->payload;
    return error.value_or(connect::Error{});
  }

  static std::string envelope(unsigned char flags, std::uint32_t length, const std::string& payload) {
    std::string out(1, static_cast<char>(flags));
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((length >> shift) & 0xff));
    return out + payload;
  }
};

TEST_F(ConnectBadInput, AnEnvelopeLongerThanTheBodyIsInvalidArgument) {
  const auto error = end_stream_error(post("process.Process/Start", envelope(0, 4096, "{}"), "application/connect+json"));
  EXPECT_EQ(error.code, connect::Code::invalid_argument);
  EXPECT_NE(error.message.find("length prefix"), std::string::npos) << error.message;
}

TEST_F(ConnectBadInput, AHeaderCutShortIsInvalidArgument) {
  const auto error = end_stream_error(post("process.Process/Start", std::string("\0\0\0", 3), "application/connect+json"));
  EXPECT_EQ(error.code, connect::Code::invalid_argument);
}

TEST_F(ConnectBadInput, ACompressedFlagWithoutCompressionIsUnimplemented) {
  const auto error = end_stream_error(post("process.Process/Start", envelope(1, 2, "{}"), "application/connect+json"));
  EXPECT_EQ(error.code, connect::Code::unimplemented);
}

TEST_F(ConnectBadInput, AnEnvelopeThatIsNotJsonIsInvalidArgument) {
  const auto error = end_stream_error(post("process.Process/Start", envelope(0, 5, "nope!"), "application/connect+json"));
  EXPECT_EQ(error.code, connect::Code::invalid_argument);
}

TEST_F(ConnectBadInput, UnaryBodiesThatAreNotJsonObjectsAreInvalidArgument) {
  expect_connect_error(post("filesystem.Filesystem/Stat", "[1,2]", "application/json"), 400, "invalid_argument");
  expect_connect_error(post("filesystem.Filesystem/Stat", "\"/\"", "application/json"), 400, "invalid_argument");
}

TEST_F(ConnectBadInput, AContentTypeTheProcedureCannotTakeIs415WithAcceptPost) {
  struct Case {
    std::string method;
    std::string body;
    std::string type;
    std::string accept;
  };
  const std::string unary_accept = "application/json, application/proto";
  const std::string stream_accept = "application/connect+json, application/connect+proto";
  for (const auto& c : {Case{"filesystem.Filesystem/Stat", R"({"path":"/"})", "text/plain", unary_accept},
                        Case{"filesystem.Filesystem/Stat", R"({"path":"/"})", "application/connect+json", unary_accept},
                        Case{"process.Process/Start", R"({"process":{"cmd":"true"}})", "application/json", stream_accept}}) {
    const auto res = post(c.method, c.body, c.type);
    ASSERT_TRUE(res);
    expect_connect_error(res, 415, "unimplemented");
    EXPECT_EQ(res->get_header_value("Accept-Post"), c.accept) << c.method << " as " << c.type;
  }
  // No content type at all is no better.
  httplib::Request req;
  req.method = "POST";
  req.path = "/filesystem.Filesystem/Stat";
  req.body = R"({"path":"/"})";
  const auto res = envd()->send(req);
  expect_connect_error(res, 415, "unimplemented");
}

TEST_F(ConnectBadInput, ParametersAndCaseOfTheContentTypeDoNotMatter) {
  const auto res = post("filesystem.Filesystem/Stat", R"({"path":"/"})", "Application/JSON; charset=utf-8");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(ConnectBadInput, TheProtoCodecIsUnimplemented) {
  expect_connect_error(post("filesystem.Filesystem/Stat", "\x0a\x01/", "application/proto"), 501, "unimplemented");
}

}  // namespace
}  // namespace envd_test
