// SandboxClient over a mocked HttpTransport: error mapping and paging rules.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mock_transport.hpp"
#include "ppio_sandbox/prime_compatible.hpp"

namespace prime = ppio_sandbox::prime_compatible;
namespace core = ppio_sandbox::core;
using sdk_test::MockTransport;
using sdk_test::reply;
using ::testing::_;
using ::testing::AllOf;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::Return;
using ::testing::Throw;

namespace {

std::string listed(const std::string& id) {
  return R"({"templateID":"t","sandboxID":")" + id +
         R"(","clientID":"c","startedAt":"2026-01-01T00:00:00Z","endAt":"2026-01-01T01:00:00Z",)"
         R"("cpuCount":1,"memoryMB":1024,"diskSizeMB":1024,"state":"running","envdVersion":"0.6.13","metadata":{}})";
}

class SandboxClientOverMock : public ::testing::Test {
 protected:
  std::shared_ptr<MockTransport> transport_ = std::make_shared<MockTransport>();
  prime::SandboxClient client_{prime::APIClient(prime::ClientOptions{
      .api_key = "sk_test", .api_url = "http://api.test", .transport = transport_})};
};

TEST_F(SandboxClientOverMock, SendsTheKeyAndMaps401ToUnauthorized) {
  EXPECT_CALL(*transport_, send(AllOf(Field(&core::HttpRequest::method, "GET"),
                                      Field(&core::HttpRequest::url, HasSubstr("http://api.test/v2/sandboxes")))))
      .WillOnce([](const core::HttpRequest& r) {
        EXPECT_EQ(core::find_header(r.headers, "x-api-key"), "sk_test");
        return reply(401, R"({"code":401,"message":"Invalid API key"})");
      });
  EXPECT_THROW(client_.list(), prime::UnauthorizedError);
}

TEST_F(SandboxClientOverMock, Maps402ToPaymentRequired) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(402, "")));
  EXPECT_THROW(client_.get("iabc"), prime::PaymentRequiredError);
}

TEST_F(SandboxClientOverMock, OtherStatusesBecomeApiErrorWithTheServiceMessage) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(500, R"({"code":500,"message":"boom"})")));
  try {
    client_.get("iabc");
    FAIL();
  } catch (const prime::APIError& e) {
    EXPECT_EQ(e.status(), 500);
    EXPECT_THAT(e.what(), HasSubstr("boom"));
  }
}

TEST_F(SandboxClientOverMock, TimeoutsBecomeApiTimeoutError) {
  EXPECT_CALL(*transport_, send(_))
      .WillOnce(Throw(core::TransportError(core::TransportError::Kind::timeout, "request timed out")));
  EXPECT_THROW(client_.get("iabc"), prime::APITimeoutError);
}

TEST_F(SandboxClientOverMock, UnparseableSuccessBodyIsAnApiErrorNotACrash) {
  EXPECT_CALL(*transport_, send(_)).WillOnce(Return(reply(200, "<html>")));
  EXPECT_THROW(client_.get("iabc"), prime::APIError);
}

TEST_F(SandboxClientOverMock, MissingKeyFailsBeforeAnyRequest) {
  auto transport = std::make_shared<MockTransport>();
  EXPECT_CALL(*transport, send(_)).Times(0);
  const char* home = std::getenv("HOME");
  const std::string saved_home = home ? home : "";
  const char* key = std::getenv("PPIO_API_KEY");
  const std::string saved_key = key ? key : "";
  setenv("HOME", "/nonexistent-home-for-test", 1);
  unsetenv("PPIO_API_KEY");
  prime::SandboxClient keyless{prime::APIClient(prime::ClientOptions{.api_url = "http://api.test", .transport = transport})};
  setenv("HOME", saved_home.c_str(), 1);
  if (!saved_key.empty()) setenv("PPIO_API_KEY", saved_key.c_str(), 1);
  EXPECT_THROW(keyless.list(), prime::APIError);
}

TEST_F(SandboxClientOverMock, PageNReusesTheCachedCursorInsteadOfRefetching) {
  ::testing::InSequence seq;
  // First walk to page 2: page 1, then page 2 with its token.
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, ::testing::Not(HasSubstr("nextToken")))))
      .WillOnce(Return(reply(200, "[" + listed("ia") + "]", {{"X-Next-Token", "tok2"}})));
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, HasSubstr("nextToken=tok2"))))
      .WillOnce(Return(reply(200, "[" + listed("ib") + "]")));
  // Asking for page 2 again goes straight to its cursor.
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, HasSubstr("nextToken=tok2"))))
      .WillOnce(Return(reply(200, "[" + listed("ib") + "]")));

  auto first = client_.list({.page = 2, .per_page = 1});
  ASSERT_EQ(first.sandboxes.size(), 1u);
  EXPECT_EQ(first.sandboxes[0].id, "ib");
  EXPECT_FALSE(first.has_next);
  EXPECT_EQ(client_.list({.page = 2, .per_page = 1}).sandboxes[0].id, "ib");
}

TEST_F(SandboxClientOverMock, TerminalStatusFilterNeedsNoRequest) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  const auto page = client_.list({.status = prime::SandboxStatus::TERMINATED});
  EXPECT_TRUE(page.sandboxes.empty());
  EXPECT_FALSE(page.has_next);
}

TEST_F(SandboxClientOverMock, BadPagingArgumentsAreRejectedLocally) {
  EXPECT_CALL(*transport_, send(_)).Times(0);
  EXPECT_THROW(client_.list({.page = 0}), std::invalid_argument);
  EXPECT_THROW(client_.list({.per_page = 101}), std::invalid_argument);
}

TEST_F(SandboxClientOverMock, CreateKillsTheSandboxWhenItCannotReadItBack) {
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::url, HasSubstr("/templates"))))
      .WillOnce(Return(reply(200, "[]")));
  EXPECT_CALL(*transport_, send(Field(&core::HttpRequest::method, "POST")))
      .WillOnce(Return(reply(201, R"({"templateID":"t","sandboxID":"inew","clientID":"c","envdVersion":"0.6.13"})")));
  EXPECT_CALL(*transport_, send(AllOf(Field(&core::HttpRequest::method, "GET"),
                                      Field(&core::HttpRequest::url, HasSubstr("/sandboxes/inew")))))
      .WillOnce(Return(reply(500, R"({"code":500,"message":"flaky"})")));
  EXPECT_CALL(*transport_, send(AllOf(Field(&core::HttpRequest::method, "DELETE"),
                                      Field(&core::HttpRequest::url, HasSubstr("/sandboxes/inew")))))
      .WillOnce(Return(reply(204, "")));
  EXPECT_THROW(client_.create({.name = "n", .docker_image = "img"}), prime::APIError);
}

}  // namespace
