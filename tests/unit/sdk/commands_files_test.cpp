// execute_command, the file methods and the background jobs over a mocked
// transport: what goes on the wire, and how every answer maps to Prime's
// results and errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mock_transport.hpp"
#include "ppio_sandbox/core/envd.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
namespace envd = ppio_sandbox::core::envd;
using nlohmann::json;
using sdk_test::MockTransport;
using sdk_test::reply;
using sdk_test::Req;
using sdk_test::sandbox_json;
using sdk_test::StreamingMockTransport;
using std::chrono::milliseconds;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Return;

namespace {

namespace connect = ppio_sandbox::core::connect;

constexpr const char* kStart = "http://envd.test/process.Process/Start";
constexpr const char* kStat = "http://envd.test/filesystem.Filesystem/Stat";
constexpr const char* kFiles = "http://envd.test/files";
constexpr const char* kLookup = "http://api.test/sandboxes/ia";

std::string stream_body(const std::vector<envd::ProcessEvent>& events,
                        const std::optional<connect::Error>& error = std::nullopt, bool end_stream = true) {
  std::string body;
  for (const auto& event : events) body += connect::encode_message(envd::process_stream_message(event));
  if (end_stream) body += connect::encode_end_stream(error);
  return body;
}

std::string finished(const std::string& out, const std::string& err, int exit_code) {
  return stream_body({envd::StartEvent{42}, envd::DataEvent{envd::OutputStream::out, out},
                      envd::DataEvent{envd::OutputStream::err, err}, envd::end_for_exit(exit_code)});
}

// The StartRequest inside a Start call's one envelope.
json start_message(const core::HttpRequest& r) {
  connect::FrameDecoder decoder;
  decoder.feed(r.body);
  auto frame = decoder.next();
  EXPECT_TRUE(frame.has_value());
  return frame ? json::parse(frame->payload) : json();
}

std::string header(const core::HttpRequest& r, const std::string& name) {
  return core::find_header(r.headers, name).value_or("<absent>");
}

std::string stat_body(std::int64_t size, const std::string& type = "FILE_TYPE_FILE") {
  return json{{"entry", {{"name", "f"}, {"type", type}, {"path", "/f"}, {"size", std::to_string(size)}}}}.dump();
}

template <class Transport>
class OverMock : public ::testing::Test {
 protected:
  prime::SandboxClient client(std::optional<std::string> sandbox_url = "http://envd.test") {
    return prime::SandboxClient(prime::APIClient(prime::ClientOptions{.api_key = "sk_test",
                                                                      .domain = "ppio.test",
                                                                      .api_url = "http://api.test",
                                                                      .sandbox_url = sandbox_url,
                                                                      .transport = transport_,
                                                                      .retry = {.max_attempts = 1},
                                                                      .clock = clock_}));
  }
  // The control plane's answer for the first envd call of a client: the sandbox exists.
  void expect_lookup(const std::string& extra = "") {
    EXPECT_CALL(*transport_, send(Req("GET", kLookup))).WillOnce(Return(reply(200, sandbox_json("ia", "running", extra))));
  }
  // What the SDK asks once a sandbox is gone, to tell why: its log, which PPIO
  // no longer has (v2, then v1). Call after the lookups: it must take precedence.
  void expect_log_of_gone_sandbox() {
    EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/v2/sandboxes/ia/logs")))
        .WillRepeatedly(Return(reply(404, "{}")));
    EXPECT_CALL(*transport_, send(::testing::Field(&core::HttpRequest::url, "http://api.test/sandboxes/ia/logs")))
        .WillRepeatedly(Return(reply(404, "{}")));
  }

  std::shared_ptr<Transport> transport_ = std::make_shared<Transport>();
  std::shared_ptr<core::ManualClock> clock_ = std::make_shared<core::ManualClock>();
};

using CommandsOverMock = OverMock<MockTransport>;
using StreamsOverMock = OverMock<StreamingMockTransport>;

// ---- execute_command ----

TEST_F(CommandsOverMock, RunsBashLoginShellWithCwdEnvAndTheDeadline) {
  expect_lookup(R"(,"envdAccessToken":"tok-1")");
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(r.content_type, "application/connect+json");
    EXPECT_EQ(header(r, "Connect-Protocol-Version"), "1");
    EXPECT_EQ(header(r, "Connect-Timeout-Ms"), "10000");
    EXPECT_EQ(header(r, "E2b-Sandbox-Id"), "ia");
    EXPECT_EQ(header(r, "X-Access-Token"), "tok-1");
    EXPECT_EQ(header(r, "Authorization"), "<absent>");
    EXPECT_EQ(r.timeout, milliseconds(15'000));  // the deadline plus Prime's 5 s client buffer
    const auto process = start_message(r).at("process");
    EXPECT_EQ(process.at("cmd"), "/bin/bash");
    EXPECT_EQ(process.at("args"), json({"-l", "-c", "ls | wc -l"}));
    EXPECT_EQ(process.at("cwd"), "/work");
    EXPECT_EQ(process.at("envs"), json({{"A", "1"}}));
    EXPECT_EQ(start_message(r).value("stdin", true), false);
    return reply(200, finished("hi\n", "warn\n", 0), {{"Content-Type", "application/connect+json"}});
  });
  const auto result =
      client().execute_command("ia", "ls | wc -l", {.working_dir = "/work", .env = {{"A", "1"}}, .timeout = 10});
  EXPECT_EQ(result, (prime::CommandResponse{"hi\n", "warn\n", 0}));
}

TEST_F(CommandsOverMock, DefaultsToPrimesTimeoutOf300SecondsAndTheHostAddress) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", "https://49983-ia.ppio.test/process.Process/Start")))
      .WillOnce([](const core::HttpRequest& r) {
        EXPECT_EQ(header(r, "Connect-Timeout-Ms"), "300000");
        EXPECT_EQ(start_message(r).at("process").count("cwd"), 0u);
        return reply(200, finished("", "", 0));
      });
  client(std::nullopt).execute_command("ia", "true");
}

TEST_F(CommandsOverMock, ANonZeroExitIsAnAnswerNotAnError) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).WillOnce(Return(reply(200, finished("out", "boom\n", 7))));
  const auto result = client().execute_command("ia", "exit 7");
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_EQ(result.stdout, "out");
  EXPECT_EQ(result.stderr, "boom\n");
}

TEST_F(CommandsOverMock, OutputBytesAreKeptRawAcrossChunks) {
  expect_lookup();
  // A UTF-8 character split across two data events, and a byte that is not UTF-8.
  const std::string body = stream_body({envd::StartEvent{1}, envd::DataEvent{envd::OutputStream::out, "caf\xc3"},
                                        envd::DataEvent{envd::OutputStream::out, "\xa9\xff"}, envd::end_for_exit(0)});
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).WillOnce(Return(reply(200, body)));
  EXPECT_EQ(client().execute_command("ia", "x").stdout, "caf\xc3\xa9\xff");
}

TEST_F(CommandsOverMock, AUserRunsThroughBasicAuth) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(header(r, "Authorization"), "Basic cm9vdDo=");  // "root:"
    return reply(200, finished("", "", 0));
  });
  client().execute_command("ia", "id", {.user = "root"});
}

TEST_F(CommandsOverMock, TheDeadlineEndingTheStreamIsCommandTimeoutError) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce(Return(reply(200, stream_body({envd::StartEvent{42}, envd::end_for_signal(9)},
                                              connect::Error{connect::Code::deadline_exceeded, "deadline"}))));
  try {
    client().execute_command("ia", "sleep 100", {.timeout = 2});
    FAIL() << "no error";
  } catch (const prime::CommandTimeoutError& e) {
    EXPECT_STREQ(e.what(), "Command 'sleep 100' timed out after 2s in sandbox ia");
  }
}

TEST_F(StreamsOverMock, AClientTimeoutMidStreamKillsTheProcess) {
  expect_lookup();
  EXPECT_CALL(*transport_, send_streaming(Req("POST", kStart), _))
      .WillOnce([](const core::HttpRequest&, const core::StreamHandlers& handlers) -> core::HttpResponse {
        handlers.on_body(stream_body({envd::StartEvent{42}}, std::nullopt, false));
        throw core::TransportError(core::TransportError::Kind::timeout, "request timed out");
      });
  EXPECT_CALL(*transport_, send(Req("POST", "http://envd.test/process.Process/SendSignal")))
      .WillOnce([](const core::HttpRequest& r) {
        EXPECT_EQ(json::parse(r.body), json({{"process", {{"pid", 42}}}, {"signal", "SIGNAL_SIGKILL"}}));
        EXPECT_EQ(r.content_type, "application/json");
        return reply(200, "{}");
      });
  EXPECT_THROW(client().execute_command("ia", "sleep 100", {.timeout = 1}), prime::CommandTimeoutError);
}

TEST_F(CommandsOverMock, AnUnknownSandboxFailsBeforeEnvd) {
  EXPECT_CALL(*transport_, send(Req("GET", kLookup))).WillOnce(Return(reply(404, R"({"code":404,"message":"nope"})")));
  expect_log_of_gone_sandbox();
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).Times(0);
  try {
    client().execute_command("ia", "echo hi");
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_STREQ(e.what(),
                 "Command 'echo hi' failed: sandbox is no longer running. The sandbox was terminated. Details: Sandbox "
                 "is no longer present on the runtime node. Please create a new sandbox.");
    EXPECT_EQ(e.status(), "TERMINATED");
    EXPECT_EQ(e.error_type(), "SANDBOX_NOT_FOUND");
    EXPECT_EQ(e.command(), "echo hi");
  }
}

TEST_F(CommandsOverMock, LongCommandsAreShortenedInTheMessage) {
  EXPECT_CALL(*transport_, send(Req("GET", kLookup))).WillOnce(Return(reply(404, "{}")));
  expect_log_of_gone_sandbox();
  const std::string command(80, 'x');
  try {
    client().execute_command("ia", command);
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Command '" + std::string(50, 'x') + "...' failed"));
  }
}

TEST_F(CommandsOverMock, EnvdsSandboxNotFound502IsSandboxNotRunning) {
  // The lookup before the call finds it; the one after envd's 502 (paused or gone?) does not.
  EXPECT_CALL(*transport_, send(Req("GET", kLookup)))
      .WillOnce(Return(reply(200, sandbox_json("ia"))))
      .WillOnce(Return(reply(404, "{}")));
  expect_log_of_gone_sandbox();
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce(Return(reply(502, R"({"sandboxId":"ia","message":"The sandbox was not found","code":502})")));
  try {
    client().execute_command("ia", "echo hi");
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_THAT(e.what(), HasSubstr("sandbox is no longer running"));
    EXPECT_EQ(e.status(), "TERMINATED");
  }
}

TEST_F(CommandsOverMock, APausedSandboxSays502AndIsReportedPaused) {
  EXPECT_CALL(*transport_, send(Req("GET", kLookup)))
      .WillOnce(Return(reply(200, sandbox_json("ia"))))
      .WillOnce(Return(reply(200, sandbox_json("ia", "paused"))));
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce(Return(reply(502, R"({"sandboxId":"ia","message":"The sandbox was not found","code":502})")));
  try {
    client().execute_command("ia", "echo hi");
    FAIL() << "no error";
  } catch (const prime::SandboxNotRunningError& e) {
    EXPECT_EQ(e.status(), "PAUSED");
  }
}

TEST_F(CommandsOverMock, AnyOther502IsAnApiError) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce(Return(reply(502, R"({"message":"The sandbox is running but port is not open","code":502})")));
  try {
    client().execute_command("ia", "echo hi");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), HasSubstr("HTTP 502 POST http://envd.test/process.Process/Start"));
    EXPECT_THAT(e.what(), Not(HasSubstr("no longer running")));
  }
}

TEST_F(CommandsOverMock, EndStreamErrorsMapToPrimesTypes) {
  struct Case {
    connect::Code code;
    bool not_running;
    std::string text;
  };
  for (const auto& c : {Case{connect::Code::invalid_argument, false, "Connect RPC failed (invalid_argument): cwd '/x' does not exist"},
                        Case{connect::Code::not_found, true, "sandbox is no longer running"},
                        Case{connect::Code::internal, false, "Connect RPC failed (internal): cwd '/x' does not exist"}}) {
    auto transport = std::make_shared<MockTransport>();
    transport_ = transport;
    expect_lookup();
    expect_log_of_gone_sandbox();
    EXPECT_CALL(*transport, send(Req("POST", kStart)))
        .WillOnce(Return(reply(200, stream_body({}, connect::Error{c.code, "cwd '/x' does not exist"}))));
    try {
      client().execute_command("ia", "pwd", {.working_dir = "/x"});
      FAIL() << "no error";
    } catch (const prime::SandboxNotRunningError& e) {
      EXPECT_TRUE(c.not_running) << e.what();
      EXPECT_THAT(e.what(), HasSubstr(c.text));
    } catch (const prime::APIError& e) {
      EXPECT_FALSE(c.not_running) << e.what();
      EXPECT_STREQ(e.what(), c.text.c_str());
    }
  }
}

TEST_F(CommandsOverMock, AStreamCutBeforeItsEndIsAnErrorOrAGoneSandbox) {
  EXPECT_CALL(*transport_, send(Req("GET", kLookup)))
      .WillOnce(Return(reply(200, sandbox_json("ia"))))   // the address, before the first call
      .WillOnce(Return(reply(200, sandbox_json("ia"))))   // after the first cut: still running
      .WillOnce(Return(reply(404, "{}")));                // after the second: gone
  expect_log_of_gone_sandbox();
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .Times(2)
      .WillRepeatedly(Return(reply(200, stream_body({envd::StartEvent{1}}, std::nullopt, false))));
  auto c = client();
  try {
    c.execute_command("ia", "x");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), HasSubstr("end-stream"));  // a protocol error
  }
  EXPECT_THROW(c.execute_command("ia", "x"), prime::SandboxNotRunningError);  // killed under the stream
}

TEST_F(CommandsOverMock, AStreamWithoutAnExitIsAnApiError) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).WillOnce(Return(reply(200, stream_body({envd::StartEvent{1}}))));
  try {
    client().execute_command("ia", "x");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_STREQ(e.what(), "Command stream ended without exit code");
  }
}

TEST_F(CommandsOverMock, A401LooksTheTokenUpOnceMore) {
  EXPECT_CALL(*transport_, send(Req("GET", kLookup)))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running", R"(,"envdAccessToken":"old")"))))
      .WillOnce(Return(reply(200, sandbox_json("ia", "running", R"(,"envdAccessToken":"new")"))));
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce([](const core::HttpRequest& r) {
        EXPECT_EQ(header(r, "X-Access-Token"), "old");
        return reply(401, R"({"code":401,"message":"unauthorized access"})");
      })
      .WillOnce([](const core::HttpRequest& r) {
        EXPECT_EQ(header(r, "X-Access-Token"), "new");
        return reply(200, finished("ok", "", 0));
      });
  EXPECT_EQ(client().execute_command("ia", "x").stdout, "ok");
}

TEST_F(CommandsOverMock, A409WaitsThenGivesUpWithPrimesMessage) {
  EXPECT_CALL(*transport_, send(Req("GET", kLookup))).WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .Times(4)
      .WillRepeatedly(Return(reply(409, R"({"message":"The sandbox is still transitioning","code":409})")));
  try {
    client().execute_command("ia", "x");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_STREQ(e.what(),
                 "Sandbox ia returned 409 after 4 retries. This may be a transient DNS or gateway issue. Please retry.");
  }
  EXPECT_EQ(clock_->sleeps(), (std::vector<milliseconds>{milliseconds(250), milliseconds(500), milliseconds(1000)}));
}

TEST_F(CommandsOverMock, CommandsAreNotRepeatedAfterALostConnection) {
  EXPECT_CALL(*transport_, send(Req("GET", kLookup))).Times(2).WillRepeatedly(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce(testing::Throw(core::TransportError(core::TransportError::Kind::connection_lost, "connection lost")));
  try {
    client().execute_command("ia", "x");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Request failed: connection lost"));
  }
}

TEST_F(CommandsOverMock, ARefusedConnectionIsTriedAgain) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce(testing::Throw(core::TransportError(core::TransportError::Kind::connect, "connection failed")))
      .WillOnce(Return(reply(200, finished("ok", "", 0))));
  EXPECT_EQ(client().execute_command("ia", "x").stdout, "ok");
  EXPECT_EQ(clock_->sleeps(), (std::vector<milliseconds>{milliseconds(1000)}));
}

TEST_F(CommandsOverMock, ATimeoutBelowOneSecondIsRefused) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  EXPECT_THROW(client().execute_command("ia", "x", {.timeout = 0}), std::invalid_argument);
}

TEST_F(CommandsOverMock, CreatedSandboxesNeedNoLookup) {
  EXPECT_CALL(*transport_, send(Req("GET", "http://api.test/templates"))).WillOnce(Return(reply(200, "[]")));
  EXPECT_CALL(*transport_, send(Req("POST", "http://api.test/sandboxes"))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(json::parse(r.body).at("secure"), true);
    return reply(201, R"({"templateID":"t","sandboxID":"ia","clientID":"c","envdVersion":"0.6.13","envdAccessToken":"tok-c"})");
  });
  EXPECT_CALL(*transport_, send(Req("GET", kLookup))).WillOnce(Return(reply(200, sandbox_json("ia"))));
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(header(r, "X-Access-Token"), "tok-c");
    return reply(200, finished("", "", 0));
  });
  auto c = client();
  c.create({.name = "n", .docker_image = "base"}, {.secure = true});
  c.execute_command("ia", "x");
}

// ---- files ----

TEST_F(CommandsOverMock, AMissingLocalFileSendsNothing) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  try {
    client().upload_file("ia", "/app/x.py", "/nonexistent/file.txt");
    FAIL() << "no error";
  } catch (const prime::FileNotFoundError& e) {
    EXPECT_STREQ(e.what(), "Local file not found: /nonexistent/file.txt");
  }
}

TEST_F(CommandsOverMock, UploadBytesSendsOneMultipartFilePart) {
  expect_lookup(R"(,"envdAccessToken":"tok-1")");
  const std::string bytes("a\0b\xff", 4);
  EXPECT_CALL(*transport_, send(Req("POST", "http://envd.test/files?path=%2Fapp%2Fdata.bin")))
      .WillOnce([&](const core::HttpRequest& r) {
        EXPECT_THAT(r.content_type, testing::StartsWith("multipart/form-data; boundary="));
        const std::string boundary = r.content_type.substr(r.content_type.find('=') + 1);
        EXPECT_EQ(r.body, "--" + boundary +
                              "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"data.bin\"\r\n"
                              "Content-Type: application/octet-stream\r\n\r\n" +
                              bytes + "\r\n--" + boundary + "--\r\n");
        EXPECT_EQ(header(r, "X-Access-Token"), "tok-1");
        EXPECT_EQ(r.timeout, milliseconds(300'000));
        return reply(200, R"([{"path":"/app/data.bin","name":"data.bin","type":"file"}])");
      });
  const auto response = client().upload_bytes("ia", "/app/data.bin", bytes, "data.bin");
  EXPECT_TRUE(response.success);
  EXPECT_EQ(response.path, "/app/data.bin");
  EXPECT_EQ(response.size, 4);
}

TEST_F(CommandsOverMock, UploadFileNamesThePartAfterTheLocalFile) {
  const auto path = std::filesystem::temp_directory_path() / "commands_files_test_upload.txt";
  std::ofstream(path) << "content";
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kFiles))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_THAT(r.body, HasSubstr("filename=\"commands_files_test_upload.txt\""));
    EXPECT_THAT(r.body, HasSubstr("\r\n\r\ncontent\r\n--"));
    return reply(200, "[]");
  });
  EXPECT_EQ(client().upload_file("ia", "/tmp/u.txt", path, 20).size, 7);
  std::filesystem::remove(path);
}

TEST_F(CommandsOverMock, UploadsAreRepeatedAfterA503ButNotAfterA400) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kFiles)))
      .WillOnce(Return(reply(503, "busy")))
      .WillOnce(Return(reply(400, R"({"code":400,"message":"path is a directory"})")));
  try {
    client().upload_bytes("ia", "/tmp", "x", "x");
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_STREQ(e.what(), R"(Upload failed: HTTP 400: {"code":400,"message":"path is a directory"})");
  }
  EXPECT_EQ(clock_->sleeps(), (std::vector<milliseconds>{milliseconds(250)}));
}

TEST_F(CommandsOverMock, UploadTimeoutsHavePrimesError) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kFiles)))
      .WillOnce(testing::Throw(core::TransportError(core::TransportError::Kind::timeout, "timed out")));
  try {
    client().upload_bytes("ia", "/tmp/x", "x", "x", 7);
    FAIL() << "no error";
  } catch (const prime::UploadTimeoutError& e) {
    EXPECT_STREQ(e.what(), "Upload to '/tmp/x' timed out after 7s in sandbox ia");
  }
}

TEST_F(CommandsOverMock, DownloadOfAMissingFileIsAnApiErrorAndWritesNothing) {
  const auto target = std::filesystem::temp_directory_path() / "commands_files_test_missing" / "out.txt";
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("GET", kFiles)))
      .WillOnce(Return(reply(404, R"({"code":404,"message":"path '/nope' does not exist"})")));
  try {
    client().download_file("ia", "/nope", target);
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_THAT(e.what(), HasSubstr("Download failed: HTTP 404 GET http://envd.test/files?path=%2Fnope: "));
  }
  EXPECT_FALSE(std::filesystem::exists(target));
}

TEST_F(CommandsOverMock, DownloadTimeoutsHavePrimesError) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("GET", kFiles)))
      .WillOnce(testing::Throw(core::TransportError(core::TransportError::Kind::timeout, "timed out")));
  try {
    client().download_file("ia", "/big", std::filesystem::temp_directory_path() / "commands_files_test_never");
    FAIL() << "no error";
  } catch (const prime::DownloadTimeoutError& e) {
    EXPECT_STREQ(e.what(), "Download from '/big' timed out after 300s in sandbox ia");
  }
}

TEST_F(CommandsOverMock, DownloadWritesTheBytesAndRepeatsAfterA502ThatIsNotNotFound) {
  const auto target = std::filesystem::temp_directory_path() / "commands_files_test_download.bin";
  const std::string bytes("\0\1\2\xfe\xff", 5);
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("GET", kFiles)))
      .WillOnce(Return(reply(502, R"({"message":"bad gateway"})")))
      .WillOnce(Return(reply(200, bytes)));
  client().download_file("ia", "/b", target);
  std::ifstream in(target, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), bytes);
  std::filesystem::remove(target);
}

TEST_F(CommandsOverMock, ReadFileStatsThenAsksForTheWindow) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStat))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(json::parse(r.body), json({{"path", "/logs/out.log"}}));
    EXPECT_EQ(r.timeout, milliseconds(30'000));
    return reply(200, stat_body(100));
  });
  EXPECT_CALL(*transport_, send(Req("GET", kFiles))).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(header(r, "Range"), "bytes=84-99");
    return reply(206, std::string(16, 't'), {{"Content-Range", "bytes 84-99/100"}});
  });
  const auto window = client().read_file("ia", "/logs/out.log", {.offset = -16});
  EXPECT_EQ(window.content, std::string(16, 't'));
  EXPECT_EQ(window.size, 16);
  EXPECT_EQ(window.total_size, 100);
  EXPECT_EQ(window.offset, 84);
  EXPECT_EQ(window.truncated, true);
}

TEST_F(CommandsOverMock, ReadFileSlicesTheBodyOfAServerThatIgnoresRange) {
  expect_lookup();
  std::string whole;
  for (int i = 0; i < 40; ++i) whole.push_back(static_cast<char>('a' + i % 26));
  EXPECT_CALL(*transport_, send(Req("POST", kStat))).WillOnce(Return(reply(200, stat_body(40))));
  EXPECT_CALL(*transport_, send(Req("GET", kFiles))).WillOnce(Return(reply(200, whole)));
  EXPECT_EQ(client().read_file("ia", "/f", {.offset = 10, .length = 5}).content, whole.substr(10, 5));
}

TEST_F(CommandsOverMock, ReadFileOfAnEmptyWindowAsksForNoBytes) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStat))).WillOnce(Return(reply(200, stat_body(10))));
  EXPECT_CALL(*transport_, send(Req("GET", kFiles))).Times(0);
  const auto window = client().read_file("ia", "/f", {.offset = 50});
  EXPECT_EQ(window.content, "");
  EXPECT_EQ(window.offset, 10);
  EXPECT_EQ(window.total_size, 10);
}

TEST_F(CommandsOverMock, ReadFileErrors) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStat)))
      .WillOnce(Return(reply(404, R"({"code":"not_found","message":"no such file"})")))
      .WillOnce(Return(reply(200, stat_body(std::int64_t{1} << 30))))
      .WillOnce(Return(reply(200, stat_body(0, "FILE_TYPE_DIRECTORY"))));
  EXPECT_CALL(*transport_, send(Req("GET", kFiles))).Times(0);
  auto c = client();
  try {
    c.read_file("ia", "/missing");
    FAIL() << "no error";
  } catch (const prime::SandboxFileNotFoundError& e) {
    EXPECT_STREQ(e.what(), "File not found: /missing");
    EXPECT_EQ(e.status(), 404);
  }
  try {
    c.read_file("ia", "/huge");
    FAIL() << "no error";
  } catch (const prime::SandboxFileTooLargeError& e) {
    EXPECT_THAT(e.what(), HasSubstr("File too large to read: /huge: 1073741824 bytes"));
  }
  EXPECT_THROW(c.read_file("ia", "/dir"), prime::APIError);
}

TEST_F(CommandsOverMock, ReadFileTimeoutsNameTheirKind) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStat)))
      .WillOnce(testing::Throw(core::TransportError(core::TransportError::Kind::timeout, "timed out")));
  try {
    client().read_file("ia", "/f", {.timeout = 12});
    FAIL() << "no error";
  } catch (const prime::APIError& e) {
    EXPECT_STREQ(e.what(), "Read file timed out after 12s (ReadTimeout): /f");
  }
}

// ---- background jobs ----

TEST_F(CommandsOverMock, StartBackgroundJobBuildsPrimesScriptAndHangsUpOnceItRuns) {
  expect_lookup();
  std::string job_id;
  EXPECT_CALL(*transport_, send(Req("POST", kStart))).WillOnce([&](const core::HttpRequest& r) {
    EXPECT_EQ(header(r, "Connect-Timeout-Ms"), "<absent>");  // the job has no deadline
    const auto process = start_message(r).at("process");
    EXPECT_EQ(process.at("cmd"), "/bin/sh");
    const std::string script = process.at("args").at(1);
    job_id = script.substr(script.find("/tmp/job_") + 9, 8);
    EXPECT_EQ(script, "(export A='x y'; export B=1; cd /srv && echo \"it's\") > /tmp/job_" + job_id +
                          ".stdout.log 2> /tmp/job_" + job_id + ".stderr.log; echo $? > /tmp/job_" + job_id + ".exit");
    // A job that keeps running: the stream has no end yet.
    return reply(200, stream_body({envd::StartEvent{7}}, std::nullopt, false));
  });
  const auto job = client().start_background_job(
      "ia", "echo \"it's\"", {.working_dir = "/srv", .env = {{"A", "x y"}, {"B", "1"}}});
  EXPECT_EQ(job.job_id, job_id);
  EXPECT_EQ(job.sandbox_id, "ia");
  EXPECT_EQ(job.stdout_log_file, "/tmp/job_" + job_id + ".stdout.log");
  EXPECT_EQ(job.stderr_log_file, "/tmp/job_" + job_id + ".stderr.log");
  EXPECT_EQ(job.exit_file, "/tmp/job_" + job_id + ".exit");
}

TEST_F(CommandsOverMock, BadEnvNamesAreRefusedBeforeAnyRequest) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  try {
    client().start_background_job("ia", "x", {.env = {{"1BAD", "v"}}});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "Invalid environment variable name: '1BAD'");
  }
}

TEST_F(CommandsOverMock, GetBackgroundJobReadsTheExitFileThenTheTails) {
  const prime::BackgroundJob job{"abcd1234", "ia", "/tmp/job_abcd1234.stdout.log", "/tmp/job_abcd1234.stderr.log",
                                 "/tmp/job_abcd1234.exit"};
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStat)))
      .WillOnce([](const core::HttpRequest& r) {  // not there yet
        EXPECT_EQ(json::parse(r.body).at("path"), "/tmp/job_abcd1234.exit");
        EXPECT_EQ(r.timeout, milliseconds(45'000));
        return reply(404, R"({"code":"not_found","message":"no"})");
      })
      .WillOnce(Return(reply(200, stat_body(0))))   // there, but empty
      .WillOnce(Return(reply(200, stat_body(2))))   // "7\n"
      .WillOnce(Return(reply(200, stat_body(std::int64_t{11} << 20))))  // stdout: 11 MiB
      .WillOnce(Return(reply(404, R"({"code":"not_found","message":"no"})")));  // stderr: none
  EXPECT_CALL(*transport_, send(Req("GET", kFiles)))
      .WillOnce(Return(reply(206, "7\n")))
      .WillOnce([](const core::HttpRequest& r) {
        EXPECT_EQ(header(r, "Range"), "bytes=1048576-11534335");  // the last 10 MiB
        return reply(206, "tail");
      });
  auto c = client();
  EXPECT_FALSE(c.get_background_job("ia", job, 45).completed);
  EXPECT_FALSE(c.get_background_job("ia", job).completed);
  const auto status = c.get_background_job("ia", job);
  EXPECT_TRUE(status.completed);
  EXPECT_EQ(status.job_id, "abcd1234");
  EXPECT_EQ(status.exit_code, 7);
  EXPECT_EQ(status.stdout, "tail");
  EXPECT_TRUE(status.stdout_truncated);
  EXPECT_EQ(status.stderr, "");
  EXPECT_FALSE(status.stderr_truncated);
}

TEST_F(CommandsOverMock, RunBackgroundJobPollsUntilItsTimeoutAndLeavesTheJob) {
  expect_lookup();
  EXPECT_CALL(*transport_, send(Req("POST", kStart)))
      .WillOnce(Return(reply(200, stream_body({envd::StartEvent{7}}, std::nullopt, false))));
  EXPECT_CALL(*transport_, send(Req("POST", kStat))).WillRepeatedly(Return(reply(404, R"({"code":"not_found"})")));
  EXPECT_CALL(*transport_, send(Req("POST", "http://envd.test/process.Process/SendSignal"))).Times(0);
  try {
    client().run_background_job("ia", "sleep 1000", {.timeout = 10, .poll_interval = 3});
    FAIL() << "no error";
  } catch (const prime::CommandTimeoutError& e) {
    EXPECT_STREQ(e.what(), "Command 'sleep 1000' timed out after 10s in sandbox ia");
  }
  EXPECT_EQ(clock_->sleeps(), (std::vector<milliseconds>{milliseconds(3000), milliseconds(3000), milliseconds(3000),
                                                          milliseconds(1000)}));
}

// ---- the transport's buffering default and the envd pieces ----

TEST(StreamingDefault, BuffersTheUploadAndHandsTheBodyOver) {
  MockTransport transport;
  EXPECT_CALL(transport, send(_)).WillOnce([](const core::HttpRequest& r) {
    EXPECT_EQ(r.body, "abcdef");
    return reply(200, "answer");
  });
  auto position = std::make_shared<std::size_t>(0);
  core::StreamHandlers handlers;
  handlers.upload.length = 6;
  handlers.upload.read = [position](char* buffer, std::size_t capacity) -> std::size_t {
    static const std::string data = "abcdef";
    const std::size_t n = std::min<std::size_t>({capacity, 2, data.size() - *position});
    std::copy_n(data.data() + *position, n, buffer);
    *position += n;
    return n;
  };
  int heads = 0;
  std::string body;
  handlers.on_head = [&](const core::HttpResponse& head) {
    ++heads;
    EXPECT_EQ(head.status, 200);
    return true;
  };
  handlers.on_body = [&](std::string_view chunk) {
    body.append(chunk);
    return true;
  };
  const auto response = transport.send_streaming({.method = "POST", .url = "http://x/"}, handlers);
  EXPECT_EQ(heads, 1);
  EXPECT_EQ(body, "answer");
  EXPECT_EQ(response.body, "");
  EXPECT_FALSE(response.aborted);
}

TEST(StreamingDefault, KeepsAnErrorBodyAndReportsAHangUp) {
  MockTransport transport;
  EXPECT_CALL(transport, send(_)).WillOnce(Return(reply(404, "missing"))).WillOnce(Return(reply(200, "more")));
  core::StreamHandlers handlers;
  handlers.on_body = [](std::string_view) { return false; };
  const auto error = transport.send_streaming({.url = "http://x/"}, handlers);
  EXPECT_EQ(error.body, "missing");
  EXPECT_FALSE(error.aborted);
  EXPECT_TRUE(transport.send_streaming({.url = "http://x/"}, handlers).aborted);
}

TEST(ProcessStreamDecoding, ReadsEnvelopesSplitAnywhere) {
  const std::string body = finished("out", "err", 3);
  for (std::size_t step : {1u, 3u, 7u, 1000u}) {
    core::ProcessStream stream;
    for (std::size_t i = 0; i < body.size(); i += step) stream.feed(std::string_view(body).substr(i, step));
    EXPECT_EQ(stream.pid(), 42u);
    EXPECT_EQ(stream.stdout_bytes(), "out");
    EXPECT_EQ(stream.stderr_bytes(), "err");
    ASSERT_TRUE(stream.end().has_value());
    EXPECT_EQ(stream.end()->exit_code, 3);
    EXPECT_TRUE(stream.finished());
    EXPECT_FALSE(stream.error().has_value());
  }
}

TEST(ProcessStreamDecoding, RefusesDataAfterTheEnd) {
  core::ProcessStream stream;
  EXPECT_THROW(stream.feed(finished("", "", 0) + connect::encode_message(json::object())), core::ProtocolError);
  core::ProcessStream compressed;
  EXPECT_THROW(compressed.feed(connect::encode_frame("{}", connect::kFlagCompressed)), core::ProtocolError);
}

TEST(MultipartBody, FramesTheSourceWithoutCopyingItWhole) {
  auto position = std::make_shared<std::size_t>(0);
  core::BodySource file;
  file.length = 3;
  file.read = [position](char* buffer, std::size_t capacity) -> std::size_t {
    if (*position >= 3 || capacity == 0) return 0;
    buffer[0] = "xyz"[(*position)++];
    return 1;
  };
  auto body = core::multipart_file_body("we\"ird.txt", file, "BOUNDARY");
  EXPECT_EQ(body.content_type, "multipart/form-data; boundary=BOUNDARY");
  std::string out;
  char buffer[5];
  while (true) {
    const std::size_t n = body.source.read(buffer, sizeof buffer);
    if (n == 0) break;
    out.append(buffer, n);
  }
  EXPECT_EQ(out,
            "--BOUNDARY\r\nContent-Disposition: form-data; name=\"file\"; filename=\"we\\\"ird.txt\"\r\n"
            "Content-Type: application/octet-stream\r\n\r\nxyz\r\n--BOUNDARY--\r\n");
  EXPECT_EQ(body.source.length, out.size());
}

TEST(EnvdNotFound, OnlyTheEdgesSandboxNotFoundCounts) {
  EXPECT_TRUE(core::is_sandbox_not_found(reply(502, R"({"sandboxId":"a","message":"The sandbox was not found","code":502})")));
  EXPECT_TRUE(core::is_sandbox_not_found(reply(502, R"({"error":"sandbox_not_found"})")));
  EXPECT_FALSE(core::is_sandbox_not_found(reply(502, R"({"message":"The sandbox is running but port is not open"})")));
  EXPECT_FALSE(core::is_sandbox_not_found(reply(502, "<html>bad gateway</html>")));
  EXPECT_FALSE(core::is_sandbox_not_found(reply(404, R"({"message":"not found"})")));
}

TEST(EnvdPaused, OnlyTheEdgesPausedAnswerCounts) {
  EXPECT_TRUE(core::is_sandbox_paused(
      reply(409, R"({"sandboxId":"a","message":"The sandbox is paused","code":409,"canAutoResume":false})")));
  EXPECT_TRUE(core::is_sandbox_paused(reply(409, R"({"message":"The sandbox is paused"})")));
  EXPECT_FALSE(core::is_sandbox_paused(reply(409, R"({"code":409,"message":"sandbox is being resumed"})")));
  EXPECT_FALSE(core::is_sandbox_paused(reply(409, "conflict")));
  EXPECT_FALSE(core::is_sandbox_paused(reply(502, R"({"message":"The sandbox is paused","canAutoResume":false})")));
}

}  // namespace
