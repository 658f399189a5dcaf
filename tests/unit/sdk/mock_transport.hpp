#pragma once
// A gmock HttpTransport and reply helpers shared by the SDK unit tests.
#include <gmock/gmock.h>

#include <string>

#include "ppio_sandbox/core/http.hpp"

namespace sdk_test {

// send only: send_streaming keeps HttpTransport's buffering default, so tests
// see streamed calls as one whole request and answer them with one reply.
class MockTransport : public ppio_sandbox::core::HttpTransport {
 public:
  MOCK_METHOD(ppio_sandbox::core::HttpResponse, send, (const ppio_sandbox::core::HttpRequest&), (override));
};

// Both methods mocked, for tests that need what happens mid-stream (a timeout
// after some of the body arrived, say).
class StreamingMockTransport : public ppio_sandbox::core::HttpTransport {
 public:
  MOCK_METHOD(ppio_sandbox::core::HttpResponse, send, (const ppio_sandbox::core::HttpRequest&), (override));
  MOCK_METHOD(ppio_sandbox::core::HttpResponse, send_streaming,
              (const ppio_sandbox::core::HttpRequest&, const ppio_sandbox::core::StreamHandlers&), (override));
};

inline ppio_sandbox::core::HttpResponse reply(int status, std::string body = {},
                                               ppio_sandbox::core::Headers headers = {}) {
  return {status, std::move(headers), std::move(body)};
}

// A SandboxDetail / ListedSandbox body. A live sandbox ends in the future:
// one whose end had passed would read, once gone, as having timed out.
inline std::string sandbox_json(const std::string& id, const std::string& state = "running",
                                const std::string& extra = "") {
  return R"({"templateID":"t","sandboxID":")" + id +
         R"(","clientID":"c","startedAt":"2099-01-01T00:00:00Z","endAt":"2099-01-01T01:00:00Z",)"
         R"("cpuCount":1,"memoryMB":1024,"diskSizeMB":1024,"state":")" +
         state + R"(","envdVersion":"0.6.13","metadata":{})" + extra + "}";
}

inline std::string created_json(const std::string& id) {
  return R"({"templateID":"t","sandboxID":")" + id + R"(","clientID":"c","envdVersion":"0.6.13"})";
}

MATCHER_P2(Req, method, url_part, "") {
  return arg.method == method && arg.url.find(url_part) != std::string::npos;
}

}  // namespace sdk_test
