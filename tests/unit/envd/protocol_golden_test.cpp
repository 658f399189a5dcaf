// Golden tests of the shared wire code, written from the protocol reference
// (§5 Connect framing, §5.4 protobuf JSON, §6 shapes), not from the code.
#include <gtest/gtest.h>

#include <string>

#include "ppio_sandbox/core/connect.hpp"
#include "ppio_sandbox/core/envd_models.hpp"

namespace {

using nlohmann::json;
namespace connect = ppio_sandbox::core::connect;
namespace envd = ppio_sandbox::core::envd;

TEST(ConnectFraming, MessageEnvelopeIsFlagsThenBigEndianLengthThenPayload) {
  const std::string frame = connect::encode_frame("{}", 0);
  EXPECT_EQ(frame, std::string("\x00\x00\x00\x00\x02{}", 7));
  const std::string big = connect::encode_frame(std::string(0x010203, 'x'), 0);
  EXPECT_EQ(big.substr(0, 5), std::string("\x00\x00\x01\x02\x03", 5));
}

TEST(ConnectFraming, EndStreamEnvelopeCarriesFlag2AndJson) {
  EXPECT_EQ(connect::encode_end_stream(), std::string("\x02\x00\x00\x00\x02{}", 7));
  const std::string with_error = connect::encode_end_stream(connect::Error{connect::Code::deadline_exceeded, "late"});
  EXPECT_EQ(static_cast<unsigned char>(with_error[0]), 0x02);
  EXPECT_EQ(json::parse(with_error.substr(5)),
            json::parse(R"({"error":{"code":"deadline_exceeded","message":"late"}})"));
}

TEST(ConnectFraming, DecoderYieldsFramesFromBytesSplitAtEveryBoundary) {
  const std::string stream = connect::encode_message(json{{"event", {{"start", {{"pid", 7}}}}}}) +
                             connect::encode_frame("", 0) + connect::encode_end_stream();
  for (std::size_t chunk = 1; chunk <= stream.size(); ++chunk) {
    connect::FrameDecoder decoder;
    std::vector<connect::Frame> frames;
    for (std::size_t i = 0; i < stream.size(); i += chunk) {
      decoder.feed(std::string_view(stream).substr(i, chunk));
      while (auto f = decoder.next()) frames.push_back(*f);
    }
    ASSERT_EQ(frames.size(), 3u) << "chunk " << chunk;
    EXPECT_EQ(json::parse(frames[0].payload)["event"]["start"]["pid"], 7);
    EXPECT_FALSE(frames[0].end_stream());
    EXPECT_EQ(frames[1].payload, "");
    EXPECT_TRUE(frames[2].end_stream());
    EXPECT_EQ(decoder.pending(), 0u);
  }
}

TEST(ConnectFraming, DecoderRejectsAnOversizedEnvelope) {
  connect::FrameDecoder decoder(16);
  decoder.feed(std::string("\x00\x00\x00\x00\x11", 5));
  EXPECT_THROW((void)decoder.next(), std::length_error);
}

TEST(ConnectFraming, EndStreamParsing) {
  EXPECT_FALSE(connect::parse_end_stream("{}").has_value());
  const auto e = connect::parse_end_stream(R"({"error":{"code":"not_found","message":"gone"},"metadata":{}})");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->code, connect::Code::not_found);
  EXPECT_EQ(e->message, "gone");
  EXPECT_THROW((void)connect::parse_end_stream("not json"), std::invalid_argument);
}

TEST(ConnectCodes, StatusTableOfConnectGo) {
  const std::vector<std::pair<std::string, int>> table = {
      {"canceled", 499},          {"unknown", 500},           {"invalid_argument", 400},   {"deadline_exceeded", 504},
      {"not_found", 404},         {"already_exists", 409},    {"permission_denied", 403},  {"resource_exhausted", 429},
      {"failed_precondition", 400}, {"aborted", 409},         {"out_of_range", 400},       {"unimplemented", 501},
      {"internal", 500},          {"unavailable", 503},       {"data_loss", 500},          {"unauthenticated", 401}};
  for (const auto& [name, status] : table) {
    const auto code = connect::code_from_name(name);
    ASSERT_TRUE(code.has_value()) << name;
    EXPECT_EQ(connect::code_name(*code), name);
    EXPECT_EQ(connect::http_status(*code), status) << name;
  }
  EXPECT_FALSE(connect::code_from_name("NOT_FOUND").has_value());
}

TEST(ConnectCodes, UnaryErrorBodyAndFallback) {
  EXPECT_EQ(connect::error_json({connect::Code::not_found, "process with pid 3 not found"}),
            json::parse(R"({"code":"not_found","message":"process with pid 3 not found"})"));
  const auto parsed = connect::parse_error(R"({"code":"already_exists","message":"x"})", 409);
  EXPECT_EQ(parsed.code, connect::Code::already_exists);
  EXPECT_EQ(connect::parse_error("<html>bad gateway</html>", 502).code, connect::Code::unavailable);
  EXPECT_EQ(connect::parse_error("", 404).code, connect::Code::unimplemented);
}

TEST(EnvdModels, StartRequestAcceptsTheSdkShape) {
  const auto j = json::parse(R"({"process":{"cmd":"/bin/bash","args":["-l","-c","echo hi"],
      "envs":{"A":"1"},"cwd":"/tmp"},"stdin":false,"tag":"t1"})");
  const auto r = j.get<envd::StartRequest>();
  EXPECT_EQ(r.process.cmd, "/bin/bash");
  EXPECT_EQ(r.process.args, (std::vector<std::string>{"-l", "-c", "echo hi"}));
  EXPECT_EQ(r.process.envs.at("A"), "1");
  EXPECT_EQ(r.process.cwd, "/tmp");
  EXPECT_EQ(r.open_stdin, false);
  EXPECT_EQ(r.tag, "t1");
  EXPECT_EQ(json(r)["stdin"], false);
  EXPECT_THROW((void)json::parse(R"({"process":{}})").get<envd::StartRequest>(), json::exception);
}

TEST(EnvdModels, ProcessEventsInProtobufJson) {
  EXPECT_EQ(envd::process_stream_message(envd::StartEvent{42}), json::parse(R"({"event":{"start":{"pid":42}}})"));
  EXPECT_EQ(envd::process_event_json(envd::DataEvent{envd::OutputStream::out, "hi\n"}),
            json::parse(R"({"data":{"stdout":"aGkK"}})"));
  EXPECT_EQ(envd::process_event_json(envd::DataEvent{envd::OutputStream::err, std::string("\x00\xff", 2)}),
            json::parse(R"({"data":{"stderr":"AP8="}})"));
  EXPECT_EQ(envd::process_event_json(envd::KeepaliveEvent{}), json::parse(R"({"keepalive":{}})"));
  // Exit 0: exitCode and error omitted, as Go encodes defaults.
  EXPECT_EQ(envd::process_event_json(envd::end_for_exit(0)), json::parse(R"({"end":{"exited":true,"status":"exit status 0"}})"));
  EXPECT_EQ(envd::process_event_json(envd::end_for_exit(3)),
            json::parse(R"({"end":{"exitCode":3,"exited":true,"status":"exit status 3","error":"exit status 3"}})"));
  EXPECT_EQ(envd::process_event_json(envd::end_for_signal(9)),
            json::parse(R"({"end":{"exitCode":-1,"status":"signal: killed","error":"signal: killed"}})"));
}

TEST(EnvdModels, ProcessEventsParseBothSpellings) {
  const auto end = std::get<envd::EndEvent>(envd::parse_process_event(json::parse(R"({"event":{"end":{"exit_code":2,"exited":true}}})")));
  EXPECT_EQ(end.exit_code, 2);
  EXPECT_TRUE(end.exited);
  const auto data = std::get<envd::DataEvent>(envd::parse_process_event(json::parse(R"({"data":{"stderr":"aGkK"}})")));
  EXPECT_EQ(data.stream, envd::OutputStream::err);
  EXPECT_EQ(data.bytes, "hi\n");
  EXPECT_THROW((void)envd::parse_process_event(json::parse(R"({"other":{}})")), std::invalid_argument);
}

TEST(EnvdModels, EntryInfoInt64AsStringAndEnumNames) {
  envd::EntryInfo e;
  e.name = "a.txt";
  e.type = envd::FileType::file;
  e.path = "/home/user/a.txt";
  e.size = 1024;
  e.mode = 0100644;
  e.permissions = envd::permissions_string(0100644);
  e.owner = "user";
  e.group = "user";
  const json j = e;
  EXPECT_EQ(j["size"], "1024");
  EXPECT_EQ(j["type"], "FILE_TYPE_FILE");
  EXPECT_EQ(j["permissions"], "-rw-r--r--");
  EXPECT_EQ(j["mode"], 0100644);
  const auto back = json::parse(R"({"name":"d","type":"FILE_TYPE_DIRECTORY","path":"/d","size":"9000000000",
      "symlink_target":"/x","modified_time":"2024-01-01T00:00:00Z"})").get<envd::EntryInfo>();
  EXPECT_EQ(back.type, envd::FileType::directory);
  EXPECT_EQ(back.size, 9000000000LL);
  EXPECT_EQ(back.symlink_target, "/x");
  EXPECT_EQ(back.modified_time, "2024-01-01T00:00:00Z");
  EXPECT_EQ(envd::permissions_string(040755), "drwxr-xr-x");
}

TEST(EnvdModels, SignalsByName) {
  EXPECT_EQ(envd::signal_from_json("SIGNAL_SIGKILL"), envd::Signal::sigkill);
  EXPECT_EQ(envd::signal_from_json("SIGNAL_SIGTERM"), envd::Signal::sigterm);
  EXPECT_FALSE(envd::signal_from_json("SIGNAL_SIGHUP").has_value());
}

}  // namespace
